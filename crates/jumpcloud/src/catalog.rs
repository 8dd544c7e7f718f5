//! The operation catalog: what every generated operation is (id, API version, method, path
//! template, parameters), so that tools such as the `idm` CLI and the sandbox can list and route
//! all of them.

use std::fmt;

/// The JumpCloud API version of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// API v1, under `/api`.
    V1,
    /// API v2, under `/api/v2`.
    V2,
    /// Directory Insights, under `/insights/directory/v1` on the API host
    /// (`api.jumpcloud.com`; see [`crate::insights`]).
    Insights,
}

impl Api {
    /// `"v1"` or `"v2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::V1 => "v1",
            Api::V2 => "v2",
            Api::Insights => "insights",
        }
    }

    /// The path prefix: `/api` or `/api/v2` under the console root, `/insights/directory/v1`
    /// under the API host.
    pub fn prefix(self) -> &'static str {
        match self {
            Api::V1 => "/api",
            Api::V2 => "/api/v2",
            Api::Insights => "/insights/directory/v1",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list of strings, sent comma-separated.
    Array,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The name on the wire (`limit`, `x-org-id`, `system_id`).
    pub name: &'static str,
    /// Where it goes.
    pub location: Location,
    /// Whether the operation requires it (path parameters always are).
    pub required: bool,
    /// The type of its value.
    pub kind: ParamKind,
}

impl Param {
    /// A parameter (used by the generated catalog).
    pub const fn new(
        name: &'static str,
        location: Location,
        required: bool,
        kind: ParamKind,
    ) -> Param {
        Param {
            name,
            location,
            required,
            kind,
        }
    }
}

/// The request body an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// None.
    None,
    /// A JSON document.
    Json {
        /// Whether the spec requires it.
        required: bool,
    },
    /// `multipart/form-data` (file uploads).
    Multipart {
        /// Whether the spec requires it.
        required: bool,
    },
}

/// What a successful response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// Nothing (204, or an empty 200/201).
    Empty,
    /// A JSON document.
    Json,
    /// Text.
    Text,
    /// Bytes (files, images).
    Binary,
}

/// How a list operation pages (both take `limit` and `skip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// v1 style: `{"totalCount": N, "results": [...]}`.
    Results,
    /// v2 style: a bare JSON array; a short page is the last.
    Array,
}

/// Which spec an operation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// JumpCloud's v1 and v2 specs of 2022 (the ones jcapi-python 5.0.0 was generated from).
    Spec2022,
    /// Added since: JumpCloud's PowerShell SDK specs of 2026-03 (approval flows, access
    /// requests, TOTP info, `runCommand`).
    Subset2026,
    /// JumpCloud's Directory Insights spec (see [`crate::insights`]).
    DirectoryInsights,
}

/// One operation of the JumpCloud API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// JumpCloud's operation id, e.g. `systemusers_list` (jcapi-python's method name is its
    /// snake_case form).
    pub id: &'static str,
    /// The API version.
    pub api: Api,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template under the API prefix, e.g. `/systemusers/{id}`.
    pub path: &'static str,
    /// The spec's tags (the first names the group in `Client::v1()` / `Client::v2()`).
    pub tags: &'static [&'static str],
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// Path, query and header parameters (`Content-Type` and `Accept` are set by the client).
    pub params: &'static [Param],
    /// The request body.
    pub body: BodyKind,
    /// The successful response.
    pub response: ResponseKind,
    /// How it pages, for list operations.
    pub paging: Option<Paging>,
    /// The spec it comes from.
    pub source: Source,
}

impl Operation {
    /// The full path template including the API prefix, e.g. `/api/v2/usergroups/{group_id}`.
    pub fn full_path(&self) -> String {
        format!("{}{}", self.api.prefix(), self.path)
    }

    /// Whether retrying the request is safe: GET, PUT, DELETE, HEAD, OPTIONS, and Directory
    /// Insights' event queries (POSTs that only read).
    pub fn is_idempotent(&self) -> bool {
        matches!(self.method, "GET" | "PUT" | "DELETE" | "HEAD" | "OPTIONS")
            || (self.api == Api::Insights && self.path.starts_with("/events"))
    }

    /// The parameter called `name` (case-insensitive for headers).
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| {
            p.name == name || (p.location == Location::Header && p.name.eq_ignore_ascii_case(name))
        })
    }
}

/// Every operation of API v1 and v2 (Directory Insights' are in [`crate::insights::OPERATIONS`]):
/// v1's, then v2's, each in path order. How many there are, and from which spec, is
/// `operations().count()` and each operation's [`Operation::source`].
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    crate::generated::catalog::V1
        .iter()
        .chain(crate::generated::catalog::V2)
}

/// The operation with this id (e.g. `systemusers_list`, `graph_systemMemberOf`); the
/// snake_case form jcapi-python uses (`graph_system_member_of`) is accepted too.
///
/// One id exists in both versions (`applications_get`): a bare id finds v1's; prefix the API
/// version to choose (`v2/applications_get`), which works for every id.
pub fn find(id: &str) -> Option<&'static Operation> {
    let (api, id) = match id.split_once('/') {
        Some(("v1", rest)) => (Some(Api::V1), rest),
        Some(("v2", rest)) => (Some(Api::V2), rest),
        _ => (None, id),
    };
    let in_api = |op: &&Operation| api.is_none_or(|a| op.api == a);
    operations()
        .filter(in_api)
        .find(|op| op.id == id)
        .or_else(|| operations().filter(in_api).find(|op| snake(op.id) == id))
}

fn snake(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    let mut prev_lower = false;
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_complete_and_unique() {
        // The 2022 specs' operations, and the ones added since.
        let count =
            |ops: &[Operation], source: Source| ops.iter().filter(|o| o.source == source).count();
        let (v1, v2) = (crate::generated::catalog::V1, crate::generated::catalog::V2);
        assert_eq!(
            (count(v1, Source::Spec2022), count(v2, Source::Spec2022)),
            (55, 338)
        );
        assert_eq!(
            (count(v1, Source::Subset2026), count(v2, Source::Subset2026)),
            (2, 12)
        );
        let mut ids: Vec<_> = operations().map(|o| (o.api, o.id)).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), operations().count(), "ids are unique");
        for id in [
            "commands_run",
            "user_totp_get",
            "approval_flow_list",
            "access_request_put",
        ] {
            assert_eq!(find(id).map(|o| o.source), Some(Source::Subset2026), "{id}");
        }
        for op in operations() {
            assert!(op.path.starts_with('/'), "{}", op.id);
            for p in op.params.iter().filter(|p| p.location == Location::Path) {
                assert!(
                    op.path.contains(&format!("{{{}}}", p.name)),
                    "{} {}",
                    op.id,
                    p.name
                );
            }
        }
    }

    #[test]
    fn finds_by_id_and_python_name() {
        let op = find("graph_systemMemberOf").unwrap();
        assert_eq!(
            (op.api, op.method, op.path),
            (Api::V2, "GET", "/systems/{system_id}/memberof")
        );
        assert_eq!(find("graph_system_member_of"), Some(op));
        let list = find("systemusers_list").unwrap();
        assert_eq!(list.paging, Some(Paging::Results));
        assert_eq!(list.full_path(), "/api/systemusers");
        assert!(find("no_such_operation").is_none());
        // The one id both versions have: bare is v1, a prefix chooses.
        assert_eq!(find("applications_get").unwrap().api, Api::V1);
        assert_eq!(find("v2/applications_get").unwrap().api, Api::V2);
        assert_eq!(find("v2/graph_system_member_of"), Some(op));
        assert!(find("v1/graph_systemMemberOf").is_none());
    }
}
