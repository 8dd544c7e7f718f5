//! Filter expressions for list operations, in the syntax of each API version.
//!
//! ```
//! use jumpcloud::filter::{v1, v2};
//!
//! assert_eq!(v1::eq("username", "jdoe").to_string(), "username:$eq:jdoe");
//! assert_eq!(v2::search("name", "eng").to_string(), "name:search:eng");
//! ```

use std::fmt;

/// One filter expression: `field:operator:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    field: String,
    op: &'static str,
    value: String,
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.field, self.op, self.value)
    }
}

impl From<Filter> for String {
    fn from(f: Filter) -> String {
        f.to_string()
    }
}

fn make(field: &str, op: &'static str, value: impl fmt::Display) -> Filter {
    Filter {
        field: field.to_owned(),
        op,
        value: value.to_string(),
    }
}

/// API v1 operators (`$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`), for v1 `filter` parameters.
pub mod v1 {
    use super::{Filter, make};
    use std::fmt::Display;

    /// `field:$eq:value`.
    pub fn eq(field: &str, value: impl Display) -> Filter {
        make(field, "$eq", value)
    }
    /// `field:$ne:value`.
    pub fn ne(field: &str, value: impl Display) -> Filter {
        make(field, "$ne", value)
    }
    /// `field:$gt:value`.
    pub fn gt(field: &str, value: impl Display) -> Filter {
        make(field, "$gt", value)
    }
    /// `field:$gte:value`.
    pub fn gte(field: &str, value: impl Display) -> Filter {
        make(field, "$gte", value)
    }
    /// `field:$lt:value`.
    pub fn lt(field: &str, value: impl Display) -> Filter {
        make(field, "$lt", value)
    }
    /// `field:$lte:value`.
    pub fn lte(field: &str, value: impl Display) -> Filter {
        make(field, "$lte", value)
    }
}

/// API v2 operators (`eq`, `ne`, `gt`, `ge`, `lt`, `le`, `in`, `search`), for v2 `filter` lists.
pub mod v2 {
    use super::{Filter, make};
    use std::fmt::Display;

    /// `field:eq:value`.
    pub fn eq(field: &str, value: impl Display) -> Filter {
        make(field, "eq", value)
    }
    /// `field:ne:value`.
    pub fn ne(field: &str, value: impl Display) -> Filter {
        make(field, "ne", value)
    }
    /// `field:gt:value`.
    pub fn gt(field: &str, value: impl Display) -> Filter {
        make(field, "gt", value)
    }
    /// `field:ge:value`.
    pub fn ge(field: &str, value: impl Display) -> Filter {
        make(field, "ge", value)
    }
    /// `field:lt:value`.
    pub fn lt(field: &str, value: impl Display) -> Filter {
        make(field, "lt", value)
    }
    /// `field:le:value`.
    pub fn le(field: &str, value: impl Display) -> Filter {
        make(field, "le", value)
    }
    /// `field:in:v1|v2|...`: any of the values.
    pub fn any_of<V: Display>(field: &str, values: impl IntoIterator<Item = V>) -> Filter {
        let joined: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        make(field, "in", joined.join("|"))
    }
    /// `field:search:value`: substring search.
    pub fn search(field: &str, value: impl Display) -> Filter {
        make(field, "search", value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_syntaxes() {
        assert_eq!(
            v1::lte("password_expiration_date", "2021-10-24").to_string(),
            "password_expiration_date:$lte:2021-10-24"
        );
        assert_eq!(
            v1::ne("department", "Accounting").to_string(),
            "department:$ne:Accounting"
        );
        assert_eq!(
            v2::eq("name", "Engineering").to_string(),
            "name:eq:Engineering"
        );
        assert_eq!(
            v2::any_of("type", ["user", "system"]).to_string(),
            "type:in:user|system"
        );
        let s: String = v2::ge("size", 3).into();
        assert_eq!(s, "size:ge:3");
    }
}
