//! Helpers the sandbox-backed tests share: naming objects by the paths that hold them.

use serde_json::Value;

/// The path shape of an operation's template up to a parameter, other parameters as `{}`:
/// `/duo/accounts/{account_id}/applications/{x}` and `x` give `duo/accounts/{}/applications`.
pub fn prefix_shape(template: &str, name: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        if seg == format!("{{{name}}}") {
            return Some(out.join("/"));
        }
        out.push(if seg.starts_with('{') { "{}" } else { seg });
    }
    None
}

/// The id a JumpCloud answer names its object by (the first, for a list).
pub fn id_of(v: &Value) -> Option<String> {
    let v = v.as_array().and_then(|a| a.first()).unwrap_or(v);
    ["_id", "id", "integrationId"]
        .iter()
        .find_map(|k| v[k].as_str())
        .map(str::to_owned)
}
