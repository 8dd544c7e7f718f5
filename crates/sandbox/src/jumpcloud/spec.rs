//! The operations of both JumpCloud API versions, loaded from the compact specs that
//! `cargo xtask codegen` writes to `generated/` (format described in `xtask/src/sandbox_spec.rs`):
//! the routing table, and the schemas that requests are checked against and responses built from.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// Which API an operation belongs to; its paths are relative to `/api` (v1) or `/api/v2` (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Api {
    V1,
    V2,
}

/// One path segment of an operation's template.
#[derive(Debug)]
enum Seg {
    Lit(String),
    Param(String),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    Path,
    Query,
    Header,
}

/// One declared parameter.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) location: In,
    pub(crate) required: bool,
    pub(crate) schema: Value,
}

/// A declared request body.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) json: bool,
    pub(crate) required: bool,
    pub(crate) schema: Value,
}

/// What a successful answer carries.
#[derive(Debug)]
pub(crate) enum Reply {
    Empty,
    Json(Value),
    Text,
    Binary,
}

/// One operation.
#[derive(Debug)]
pub(crate) struct Op {
    pub(crate) id: String,
    pub(crate) api: Api,
    pub(crate) method: String,
    segs: Vec<Seg>,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<Body>,
    pub(crate) status: u16,
    pub(crate) reply: Reply,
    /// A listing: the operation takes `limit` or `skip` in its query and answers a v1 page
    /// (`{"results": [...], ...}`) or a v2 one (a JSON array).
    pub(crate) listing: bool,
}

impl Op {
    /// The first segment of the path (`systemusers` for `/systemusers/{id}`).
    pub(crate) fn collection(&self) -> Option<&str> {
        match self.segs.first()? {
            Seg::Lit(l) => Some(l),
            Seg::Param(_) => None,
        }
    }

    /// The path with every parameter written `{}`: `duo/accounts/{}/applications/{}`. v1 and
    /// v2 operations on one resource have the same shape.
    pub(crate) fn shape(&self) -> String {
        let parts: Vec<&str> = self
            .segs
            .iter()
            .map(|s| match s {
                Seg::Lit(l) => l.as_str(),
                Seg::Param(_) => "{}",
            })
            .collect();
        parts.join("/")
    }

    /// The parameter the path ends in (`id` for `/applications/{id}`), if it ends in one.
    pub(crate) fn item_param(&self) -> Option<&str> {
        match self.segs.last()? {
            Seg::Param(p) => Some(p),
            Seg::Lit(_) => None,
        }
    }

    /// The last literal segment (`members` for `/usergroups/{group_id}/members`).
    pub(crate) fn last_literal(&self) -> Option<&str> {
        self.segs.iter().rev().find_map(|s| match s {
            Seg::Lit(l) => Some(l.as_str()),
            Seg::Param(_) => None,
        })
    }
}

/// Whether an operation is a listing: `limit` or `skip` in the query, and a reply that is an
/// array or an object whose `results` is one (references resolved in `schemas`).
fn is_listing(schemas: &HashMap<String, Value>, params: &[Param], reply: &Reply) -> bool {
    let paged = params
        .iter()
        .any(|p| p.location == In::Query && matches!(p.name.as_str(), "limit" | "skip"));
    let Reply::Json(schema) = reply else {
        return false;
    };
    // A few hops are enough for these specs; a cycle of references is no listing.
    fn resolve<'a>(schemas: &'a HashMap<String, Value>, mut s: &'a Value) -> &'a Value {
        for _ in 0..8 {
            match s.get("ref").and_then(Value::as_str) {
                Some(name) => s = schemas.get(name).unwrap_or(&Value::Null),
                None => break,
            }
        }
        s
    }
    let is_array = |s: &Value| resolve(schemas, s).get("t").and_then(Value::as_str) == Some("a");
    let body = resolve(schemas, schema);
    paged
        && (is_array(body)
            || body
                .get("p")
                .and_then(|p| p.get("results"))
                .is_some_and(is_array))
}

/// The path parameters of a matched request, by name.
pub(crate) type PathParams = Vec<(String, String)>;

/// Why no operation matched.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    /// No operation has that path.
    NoPath,
    /// The path exists with other methods only.
    OtherMethod,
}

/// The specs of both versions.
#[derive(Debug)]
pub(crate) struct Spec {
    ops: Vec<Op>,
    schemas: [HashMap<String, Value>; 2],
}

/// The specs, parsed on first use.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut spec = Spec {
            ops: Vec::new(),
            schemas: [HashMap::new(), HashMap::new()],
        };
        for (api, text) in [
            (Api::V1, include_str!("generated/v1.json")),
            (Api::V2, include_str!("generated/v2.json")),
        ] {
            // The files are generated and checked by CI (`cargo xtask codegen --check`); a parse
            // failure is a build defect, not an input error.
            let doc: Value = serde_json::from_str(text).unwrap_or_default();
            spec.load(api, doc);
        }
        spec
    })
}

impl Spec {
    fn load(&mut self, api: Api, doc: Value) {
        let slot = match api {
            Api::V1 => 0,
            Api::V2 => 1,
        };
        if let Some(Value::Object(s)) = doc.get("schemas") {
            self.schemas[slot] = s.clone().into_iter().collect();
        }
        let Some(Value::Array(ops)) = doc.get("ops") else {
            return;
        };
        for op in ops {
            let str_of = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let segs = str_of("path")
                .split('/')
                .filter(|s| !s.is_empty())
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Seg::Param(name.to_owned()),
                        None => Seg::Lit(s.to_owned()),
                    },
                )
                .collect();
            let params: Vec<Param> = op
                .get("params")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| Param {
                    name: p["n"].as_str().unwrap_or("").to_owned(),
                    location: match p["in"].as_str() {
                        Some("p") => In::Path,
                        Some("h") => In::Header,
                        _ => In::Query,
                    },
                    required: p["req"].as_bool().unwrap_or(false),
                    schema: p["s"].clone(),
                })
                .collect();
            let body = op.get("body").map(|b| Body {
                json: b["ct"] == "json",
                required: b["req"].as_bool().unwrap_or(false),
                schema: b.get("s").cloned().unwrap_or(Value::Null),
            });
            let reply = match op.get("resp") {
                None => Reply::Empty,
                Some(r) if r["ct"] == "json" => Reply::Json(r["s"].clone()),
                Some(r) if r["ct"] == "text" => Reply::Text,
                Some(_) => Reply::Binary,
            };
            let listing = is_listing(&self.schemas[slot], &params, &reply);
            self.ops.push(Op {
                id: str_of("id"),
                api,
                method: str_of("m"),
                segs,
                params,
                body,
                status: op
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(200),
                reply,
                listing,
            });
        }
    }

    /// Every operation.
    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The operation with this id; `v1/` or `v2/` before it chooses the version (one id,
    /// `applications_get`, is in both; a bare id finds v1's).
    pub(crate) fn op(&self, id: &str) -> Option<&Op> {
        let (api, id) = match id.split_once('/') {
            Some(("v1", rest)) => (Some(Api::V1), rest),
            Some(("v2", rest)) => (Some(Api::V2), rest),
            _ => (None, id),
        };
        self.ops
            .iter()
            .find(|o| o.id == id && api.is_none_or(|a| o.api == a))
    }

    /// The named schema of an API version.
    pub(crate) fn schema(&self, api: Api, name: &str) -> Option<&Value> {
        self.schemas[match api {
            Api::V1 => 0,
            Api::V2 => 1,
        }]
        .get(name)
    }

    /// The operation for a method and a path under `/api`, with its path parameters. Literal
    /// segments win over parameters (`/systemusers/search` before `/systemusers/{id}`).
    pub(crate) fn find(&self, method: &str, path: &str) -> Result<(&Op, PathParams), Miss> {
        let (api, rest) = match path.strip_prefix("/api/v2/") {
            Some(rest) => (Api::V2, rest),
            None => match path.strip_prefix("/api/") {
                Some(rest) => (Api::V1, rest),
                None => return Err(Miss::NoPath),
            },
        };
        let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(&Op, usize)> = None;
        let mut other_method = false;
        for op in self.ops.iter().filter(|o| o.api == api) {
            if op.segs.len() != parts.len() {
                continue;
            }
            let mut literal = 0;
            let fits = op.segs.iter().zip(&parts).all(|(seg, part)| match seg {
                Seg::Lit(l) => {
                    literal += 1;
                    l == part
                }
                Seg::Param(_) => true,
            });
            if !fits {
                continue;
            }
            if op.method != method {
                other_method = true;
                continue;
            }
            if best.is_none_or(|(_, l)| literal > l) {
                best = Some((op, literal));
            }
        }
        let (op, _) = best.ok_or(if other_method {
            Miss::OtherMethod
        } else {
            Miss::NoPath
        })?;
        let params = op
            .segs
            .iter()
            .zip(&parts)
            .filter_map(|(seg, part)| match seg {
                Seg::Param(name) => Some((name.clone(), crate::form::decode_component(part))),
                Seg::Lit(_) => None,
            })
            .collect();
        Ok((op, params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_loaded_and_routable() {
        let spec = spec();
        // The 2022 specs' operations and the ones added since (approval flows, TOTP info...).
        for id in [
            "v1/systemusers_list",
            "v1/commands_run",
            "v2/approval_flow_list",
        ] {
            assert!(spec.op(id).is_some(), "{id}");
        }
        let (op, params) = spec.find("GET", "/api/systemusers/abc").unwrap();
        assert_eq!(op.id, "systemusers_get");
        assert_eq!(params, [("id".to_owned(), "abc".to_owned())]);
        let (op, _) = spec.find("GET", "/api/v2/usergroups/g1/members").unwrap();
        assert_eq!(op.id, "graph_userGroupMembersList");
        assert_eq!(
            spec.find("PATCH", "/api/systemusers/abc").unwrap_err(),
            Miss::OtherMethod
        );
        assert_eq!(
            spec.find("GET", "/api/nothing/here").unwrap_err(),
            Miss::NoPath
        );
        // The listings: v1 pages and v2 arrays with limit/skip, not single objects.
        let listing = |id: &str| spec.op(id).is_some_and(|o| o.listing);
        for id in [
            "systemusers_list",
            "search_systemusers_post",
            "systems_list",
            "organization_list",
            "groups_user_list",
            "groups_list",
            "graph_userGroupMembersList",
            "graph_systemGroupMembership",
            "graph_userMemberOf",
            "graph_userAssociationsList",
            "graph_userTraverseSystem",
            "applications_list",
            "policies_list",
        ] {
            assert!(listing(id), "{id}");
        }
        for id in [
            "systemusers_get",
            "systemusers_post",
            "application_templates_get",
            "groups_user_get",
            "gsuites_listImportUsers",
        ] {
            assert!(!listing(id), "{id}");
        }
        // 185 in the 2022 specs, and approval flows and access requests since.
        assert_eq!(spec.ops().iter().filter(|o| o.listing).count(), 187);
        // Every operation finds itself from its own template.
        for op in spec.ops() {
            let path: Vec<String> = op
                .segs
                .iter()
                .map(|s| match s {
                    Seg::Lit(l) => l.clone(),
                    Seg::Param(_) => "x1".into(),
                })
                .collect();
            let prefix = if op.api == Api::V1 {
                "/api/"
            } else {
                "/api/v2/"
            };
            let (found, _) = spec
                .find(&op.method, &format!("{prefix}{}", path.join("/")))
                .unwrap();
            assert_eq!(found.id, op.id);
        }
    }
}
