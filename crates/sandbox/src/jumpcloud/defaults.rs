//! Full objects: every property of a record's response schema is in every answer, the ones
//! never set with their defaults (`false`, `0`, `""`, `[]`, an enum's first value; see
//! [`Schemas::default_of`]). Records keep only what was set — 100,000 users stay small — and are
//! completed as they are answered.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::schema::Schemas;
use super::spec::{Reply, spec};

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
    /// Every property of the kind's response schema, with its default; made once.
    pub(crate) fn defaults(self) -> &'static Map<String, Value> {
        static TEMPLATES: [OnceLock<Map<String, Value>>; 5] = [const { OnceLock::new() }; 5];
        TEMPLATES[self as usize].get_or_init(|| {
            let op_id = match self {
                Template::User => "systemusers_get",
                Template::System => "systems_get",
                Template::UserGroup => "groups_user_get",
                Template::SystemGroup => "groups_system_get",
                Template::PolicyGroup => "groups_policy_get",
            };
            let Some(op) = spec().op(op_id) else {
                return Map::new();
            };
            let Reply::Json(schema) = &op.reply else {
                return Map::new();
            };
            match Schemas::new(spec(), op.api).default_of(schema) {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            }
        })
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
