//! Verification of the service-account JWTs of the (deprecated) IMS JWT exchange.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How far in the future `exp` may be: 24 hours, plus a minute of clock skew.
const MAX_LIFETIME_SECS: i64 = 86_400 + 60;

/// Reads an RSA public key from PEM: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`) or an X.509
/// certificate (`CERTIFICATE`).
pub(crate) fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    let (label, der) = pem_block(pem)?;
    match label.as_str() {
        "PUBLIC KEY" => RsaPublicKey::from_public_key_der(&der)
            .map_err(|e| format!("the PUBLIC KEY block is not an RSA key: {e}")),
        "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_der(&der)
            .map_err(|e| format!("the RSA PUBLIC KEY block is invalid: {e}")),
        "CERTIFICATE" => {
            let spki = certificate_spki(&der)
                .ok_or_else(|| "the CERTIFICATE block is not a DER X.509 certificate".to_owned())?;
            RsaPublicKey::from_public_key_der(spki)
                .map_err(|e| format!("the certificate does not hold an RSA key: {e}"))
        }
        other => Err(format!("unsupported PEM block {other:?}")),
    }
}

/// The label and decoded body of the first PEM block.
fn pem_block(pem: &str) -> Result<(String, Vec<u8>), String> {
    let start = pem
        .find("-----BEGIN ")
        .ok_or_else(|| "no '-----BEGIN ...-----' line found".to_owned())?;
    let rest = &pem[start + "-----BEGIN ".len()..];
    let (label, rest) = rest
        .split_once("-----")
        .ok_or_else(|| "malformed BEGIN line".to_owned())?;
    let end_marker = format!("-----END {label}-----");
    let (body, _) = rest
        .split_once(end_marker.as_str())
        .ok_or_else(|| format!("no {end_marker:?} line found"))?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| format!("the PEM body is not base64: {e}"))?;
    Ok((label.to_owned(), der))
}

/// One DER element: (tag, content, the rest after it).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The DER of the SubjectPublicKeyInfo inside a certificate.
fn certificate_spki(cert: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    let (tag, cert_body, _) = der_element(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, mut tbs, _) = der_element(cert_body)?;
    if tag != SEQUENCE {
        return None;
    }
    // version [0] EXPLICIT (optional)
    if tbs.first() == Some(&0xa0) {
        tbs = der_element(tbs)?.2;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        tbs = der_element(tbs)?.2;
    }
    let (tag, _, after) = der_element(tbs)?;
    if tag != SEQUENCE {
        return None;
    }
    let spki_len = tbs.len() - after.len();
    tbs.get(..spki_len)
}

fn b64url(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| "a JWT part is not base64url".to_owned())
}

/// Checks an RS256 JWT of the IMS exchange: signature, `exp`, `iss`, `aud`, `sub` and the
/// `ent_user_sdk` metascope.
pub(crate) fn verify(
    token: &str,
    key: &RsaPublicKey,
    client_id: &str,
    org_id: &str,
) -> Result<(), String> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the JWT must have three dot-separated parts".into());
    };
    let header: Value =
        serde_json::from_slice(&b64url(h)?).map_err(|_| "the JWT header is not JSON".to_owned())?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("the JWT must be signed with RS256".into());
    }
    let signature = b64url(s)?;
    let signed = &token.trim()[..h.len() + 1 + p.len()];
    let digest = Sha256::digest(signed.as_bytes());
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .map_err(|_| "the JWT signature does not match the registered certificate".to_owned())?;

    let claims: Value = serde_json::from_slice(&b64url(p)?)
        .map_err(|_| "the JWT claims are not JSON".to_owned())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let exp = claims
        .get("exp")
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
        .ok_or_else(|| "the JWT has no numeric exp claim".to_owned())?;
    if exp <= now {
        return Err("the JWT has expired (exp is in the past)".into());
    }
    if exp > now + MAX_LIFETIME_SECS {
        return Err("the JWT exp is more than 24 hours ahead".into());
    }
    if claims.get("iss").and_then(Value::as_str) != Some(org_id) {
        return Err(format!("the JWT iss must be the organization id {org_id}"));
    }
    if claims
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err("the JWT has no sub (technical account id) claim".into());
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => ims_url_path(a) == Some(format!("c/{client_id}")),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| ims_url_path(a) == Some(format!("c/{client_id}"))),
        _ => false,
    };
    if !aud_ok {
        return Err(format!(
            "the JWT aud must be https://ims-na1.adobelogin.com/c/{client_id}"
        ));
    }
    let metascope = claims.as_object().is_some_and(|obj| {
        obj.iter().any(|(k, v)| {
            ims_url_path(k).as_deref() == Some("s/ent_user_sdk") && v.as_bool() == Some(true)
        })
    });
    if !metascope {
        return Err(
            "the JWT lacks the metascope claim \"https://ims-na1.adobelogin.com/s/ent_user_sdk\": true"
                .into(),
        );
    }
    Ok(())
}

/// The path of `https://<any host>/<path>`, without the leading slash.
fn ims_url_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/')?;
    (!host.is_empty()).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walk_rejects_garbage() {
        assert!(certificate_spki(&[]).is_none());
        assert!(certificate_spki(&[0x30, 0x82, 0xff]).is_none());
        assert!(certificate_spki(&[0x30, 0x03, 0x30, 0x01, 0x00]).is_none());
    }

    #[test]
    fn pem_errors() {
        assert!(parse_public_key("hello").is_err());
        assert!(
            parse_public_key("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----").is_err()
        );
        assert!(parse_public_key("-----BEGIN FOO-----\nAAAA\n-----END FOO-----").is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(
            ims_url_path("https://ims-na1.adobelogin.com/c/abc").as_deref(),
            Some("c/abc")
        );
        assert_eq!(ims_url_path("http://x/c/abc"), None);
        assert_eq!(ims_url_path("https:///c/abc"), None);
    }
}
