//! Building the RS256 JWT of a service-account integration.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idm_http::RsaSigner;
use serde_json::json;

/// Builds and signs the JWT that IMS exchanges for an access token.
///
/// Claims: `exp` (now + `lifetime`), `iss` (org id), `sub` (technical account id),
/// `aud` (`{ims}/c/{client_id}`) and the metascope `{ims}/s/ent_user_sdk: true`.
/// `ims_url` is the IMS base URL, e.g. `https://ims-na1.adobelogin.com`.
pub fn build_jwt(
    org_id: &str,
    tech_account_id: &str,
    client_id: &str,
    ims_url: &str,
    signer: &RsaSigner,
    lifetime: Duration,
) -> crate::Result<String> {
    // Like the official clients, the audience names the IMS host over https, whatever the scheme
    // used to reach it (a local sandbox may be plain http).
    let host = ims_url.split_once("://").map_or(ims_url, |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or(host);
    let ims = format!("https://{host}");
    let exp = (SystemTime::now() + lifetime)
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let mut claims = serde_json::Map::new();
    claims.insert("exp".into(), json!(exp));
    claims.insert("iss".into(), json!(org_id));
    claims.insert("sub".into(), json!(tech_account_id));
    claims.insert("aud".into(), json!(format!("{ims}/c/{client_id}")));
    claims.insert(format!("{ims}/s/ent_user_sdk"), json!(true));
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(serde_json::Value::Object(claims).to_string())
    );
    let sig = signer
        .sign(signing_input.as_bytes())
        .map_err(|e| crate::Error::Config(format!("cannot sign the JWT: {e}")))?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}
