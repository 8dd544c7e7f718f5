//! Full objects: every property of a record's response schema is in every answer, the ones
//! never set with their defaults (`false`, `0`, `""`, `[]`, an enum's first value; see
//! [`super::schema::Schemas::default_of`]). Records keep only what was set — 100,000 users stay small — and are
//! completed as they are answered.

use serde_json::{Map, Value};

use super::collections::defaults_of;
use super::spec::spec;

/// The kinds of record answered whole.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Template {
    User,
    System,
    UserGroup,
    SystemGroup,
    PolicyGroup,
}

impl Template {
    /// Every property of the kind's response schema, with its default (see
    /// [`defaults_of`], which makes them once per operation).
    pub(crate) fn defaults(self) -> &'static Map<String, Value> {
        let op_id = match self {
            Template::User => "systemusers_get",
            Template::System => "systems_get",
            Template::UserGroup => "groups_user_get",
            Template::SystemGroup => "groups_system_get",
            Template::PolicyGroup => "groups_policy_get",
        };
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        spec().op(op_id).map_or(&*EMPTY, defaults_of)
    }

    /// The record with every property it lacks, at its default.
    pub(crate) fn complete(self, record: &Map<String, Value>) -> Map<String, Value> {
        super::listing::complete_with(record, self.defaults())
    }

    /// [`complete`](Self::complete) for a record answered as a JSON value.
    pub(crate) fn complete_value(self, record: Value) -> Value {
        match record {
            Value::Object(m) => Value::Object(self.complete(&m)),
            other => other,
        }
    }
}
