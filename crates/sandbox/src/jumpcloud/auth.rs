//! Who is calling: an API key (and which organisation it acts on), or a system signing its
//! requests (System Context Authorization), and what a signing system may do.

use std::time::{Duration, SystemTime};

use axum::http::request::Parts;
use axum::response::Response;
use base64::Engine as _;

use super::spec::Op;
use super::{Call, JumpCloud, error};

/// The demo organisation's API key (`x-api-key`).
pub const API_KEY: &str = "jc-sandbox-0123456789abcdef0123456789abcdef";

/// A multi-tenant (MSP) key that reaches both sandbox organisations; it must name one with
/// `x-org-id` on every call but `GET /organizations`.
pub const MULTI_TENANT_API_KEY: &str = "jc-sandbox-mtp-fedcba9876543210fedcba98765432";

/// How far a signed request's `Date` may be from the sandbox's clock.
const MAX_SKEW: Duration = Duration::from_secs(120);

/// The outcome of authentication.
#[derive(Debug, Default)]
pub(crate) struct Access {
    /// The organisation acted on (index into `JumpCloud::orgs`); `None` only for the
    /// organisation listing of a multi-tenant key.
    pub(crate) org: Option<usize>,
    /// The signing system, under System Context Authorization.
    pub(crate) system: Option<String>,
}

fn unauthorized(why: &str) -> Response {
    tracing::debug!(why, "jumpcloud: 401");
    error(401, "Unauthorized")
}

/// Checks the credentials of a request. `op` is the matched operation, if any.
pub(crate) fn authenticate(
    app: &JumpCloud,
    parts: &Parts,
    op: Option<&Op>,
) -> Result<Access, Response> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let org_header = header("x-org-id").filter(|o| !o.is_empty());
    match header("x-api-key") {
        Some(API_KEY) => {
            let main = app.main_org();
            match org_header {
                Some(org) if org != main.id => Err(error(
                    403,
                    format!("Forbidden: this API key has no access to organization {org}"),
                )),
                _ => Ok(Access {
                    org: Some(0),
                    system: None,
                }),
            }
        }
        Some(MULTI_TENANT_API_KEY) => match org_header {
            Some(org) => match app.orgs.iter().position(|o| o.id == org) {
                Some(i) => Ok(Access {
                    org: Some(i),
                    system: None,
                }),
                None => Err(error(
                    403,
                    format!("Forbidden: this API key has no access to organization {org}"),
                )),
            },
            None if op.is_some_and(|o| o.id == "organization_list") => Ok(Access::default()),
            None => Err(error(
                400,
                "Bad Request: a multi-tenant API key needs the x-org-id header naming one of its organizations (GET /api/organizations lists them)",
            )),
        },
        Some(_) => Err(unauthorized("unknown API key")),
        None => match header("authorization") {
            Some(auth) if auth.starts_with("Signature ") => verify_signature(app, parts, auth),
            _ => Err(unauthorized("no x-api-key")),
        },
    }
}

/// Parses `Signature keyId="system/ID",headers="request-line date",algorithm="rsa-sha256",signature="B64"`.
fn signature_fields(auth: &str) -> Option<(String, Vec<u8>)> {
    let rest = auth.strip_prefix("Signature ")?;
    let mut key_id = None;
    let mut signature = None;
    let mut headers = None;
    let mut algorithm = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let v = v.trim().trim_matches('"');
        match k.trim() {
            "keyId" => key_id = Some(v),
            "signature" => signature = Some(v),
            "headers" => headers = Some(v),
            "algorithm" => algorithm = Some(v),
            _ => {}
        }
    }
    if headers != Some("request-line date") || algorithm != Some("rsa-sha256") {
        return None;
    }
    let system = key_id?.strip_prefix("system/")?.to_owned();
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature?)
        .ok()?;
    Some((system, signature))
}

fn verify_signature(app: &JumpCloud, parts: &Parts, auth: &str) -> Result<Access, Response> {
    let Some((system, signature)) = signature_fields(auth) else {
        return Err(unauthorized("malformed Signature header"));
    };
    let Some(date) = parts.headers.get("date").and_then(|v| v.to_str().ok()) else {
        return Err(unauthorized("signed request without a Date header"));
    };
    let Ok(when) = httpdate::parse_http_date(date) else {
        return Err(unauthorized("unparseable Date header"));
    };
    let now = SystemTime::now();
    let skew = now
        .duration_since(when)
        .or_else(|_| when.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(unauthorized("Date more than 2 minutes off"));
    }
    let Some(org) = app
        .orgs
        .iter()
        .position(|o| o.lock().system(&system).is_some())
    else {
        return Err(unauthorized("no such system"));
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let signed = format!("{} {path} HTTP/1.1\ndate: {date}", parts.method);
    if !app.keys.verify(&system, signed.as_bytes(), &signature) {
        return Err(unauthorized("bad signature"));
    }
    Ok(Access {
        org: Some(org),
        system: Some(system),
    })
}

/// Under System Context Authorization, only the endpoints JumpCloud documents for it are open,
/// and only about the signing system itself.
pub(crate) fn allow_system(call: &Call) -> Result<(), Response> {
    let Some(system) = &call.system else {
        return Ok(());
    };
    let own = match call.op.id.as_str() {
        "systems_get" | "systems_put" | "systems_delete" => call.path_param("id") == system,
        "graph_systemMemberOf"
        | "graph_systemAssociationsList"
        | "graph_systemAssociationsPost"
        | "graph_systemTraverseUser" => call.path_param("system_id") == system,
        "graph_systemGroupMembersPost" => {
            call.body.get("id").and_then(|v| v.as_str()) == Some(system.as_str())
        }
        _ => return Err(unauthorized("endpoint not open to System Context")),
    };
    if own {
        Ok(())
    } else {
        Err(unauthorized("a system may only act on itself"))
    }
}
