//! System Context Authorization: a JumpCloud system signs its own requests with its agent key.
//!
//! The signature is RSA-SHA256 (PKCS#1 v1.5) over
//! `"{METHOD} {path-with-/api-prefix-and-query} HTTP/1.1\ndate: {RFC 1123 date}"`, sent as
//! `Authorization: Signature keyId="system/{id}",headers="request-line date",algorithm="rsa-sha256",signature="{base64}"`
//! together with the same `Date` header.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use idm_http::RsaSigner;

use crate::error::{Error, Result};

/// Where the JumpCloud agent keeps the system's private key.
pub const AGENT_KEY_FILE: &str = "/opt/jc/client.key";
/// Where the JumpCloud agent keeps its configuration, with the system id as `systemKey`.
pub const AGENT_CONF_FILE: &str = "/opt/jc/jcagent.conf";

/// A system's identity for System Context Authorization. `Debug` never shows the key.
#[derive(Clone)]
pub struct SystemContext {
    system_id: String,
    signer: Arc<RsaSigner>,
}

impl fmt::Debug for SystemContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemContext")
            .field("system_id", &self.system_id)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The two headers of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// The `Date` header value (RFC 1123).
    pub date: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

impl SystemContext {
    /// From the system id and its private key in PEM (PKCS#8 or PKCS#1).
    pub fn new(system_id: impl Into<String>, key_pem: &[u8]) -> Result<Self> {
        let system_id = system_id.into();
        if system_id.trim().is_empty() {
            return Err(Error::Config(
                "the system id for System Context Authorization is empty".into(),
            ));
        }
        let signer = RsaSigner::from_pem(key_pem)
            .map_err(|e| Error::Config(format!("System Context key: {e}")))?;
        Ok(SystemContext {
            system_id,
            signer: Arc::new(signer),
        })
    }

    /// From a PEM key file and the system id.
    pub fn from_key_file(system_id: impl Into<String>, key_file: impl AsRef<Path>) -> Result<Self> {
        let path = key_file.as_ref();
        let pem = std::fs::read(path).map_err(|e| {
            Error::Config(format!(
                "cannot read the system key {}: {e}",
                path.display()
            ))
        })?;
        Self::new(system_id, &pem)
    }

    /// As the JumpCloud agent on this machine: the key from [`AGENT_KEY_FILE`] and the system id
    /// from `systemKey` in [`AGENT_CONF_FILE`].
    pub fn from_agent() -> Result<Self> {
        Self::from_agent_files(AGENT_KEY_FILE, AGENT_CONF_FILE)
    }

    /// Like [`from_agent`](Self::from_agent), with other file locations.
    pub fn from_agent_files(
        key_file: impl AsRef<Path>,
        conf_file: impl AsRef<Path>,
    ) -> Result<Self> {
        let conf = conf_file.as_ref();
        let text = std::fs::read_to_string(conf).map_err(|e| {
            Error::Config(format!(
                "cannot read the agent configuration {}: {e}",
                conf.display()
            ))
        })?;
        let id = system_key(&text).ok_or_else(|| {
            Error::Config(format!(
                "{} has no \"systemKey\": is the JumpCloud agent installed and registered?",
                conf.display()
            ))
        })?;
        Self::from_key_file(id, key_file)
    }

    /// The system id.
    pub fn system_id(&self) -> &str {
        &self.system_id
    }

    /// The string that is signed.
    pub fn signing_string(method: &str, path_and_query: &str, date: &str) -> String {
        format!("{method} {path_and_query} HTTP/1.1\ndate: {date}")
    }

    /// Signs a request line at a given time.
    pub fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        at: SystemTime,
    ) -> Result<SignedHeaders> {
        let date = httpdate::fmt_http_date(at);
        let message = Self::signing_string(method, path_and_query, &date);
        let signature = self
            .signer
            .sign(message.as_bytes())
            .map_err(|e| Error::Config(format!("System Context signing failed: {e}")))?;
        let signature = base64::engine::general_purpose::STANDARD.encode(signature);
        Ok(SignedHeaders {
            date,
            authorization: format!(
                "Signature keyId=\"system/{}\",headers=\"request-line date\",algorithm=\"rsa-sha256\",signature=\"{signature}\"",
                self.system_id
            ),
        })
    }
}

/// `systemKey` from the agent's JSON configuration.
fn system_key(conf: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(conf).ok()?;
    v.get("systemKey")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_agent_conf() {
        assert_eq!(
            system_key(r#"{"systemKey":"5f1b2c","agentServerHost":"x"}"#).as_deref(),
            Some("5f1b2c")
        );
        assert_eq!(system_key("{}"), None);
        assert_eq!(system_key("not json"), None);
    }

    #[test]
    fn bad_keys_are_config_errors() {
        let e = SystemContext::new("abc", b"not a key").unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        let e = SystemContext::new("", b"").unwrap_err();
        assert!(e.to_string().contains("system id"), "{e}");
        let e = SystemContext::from_key_file("abc", "/nonexistent/key.pem").unwrap_err();
        assert!(e.to_string().contains("/nonexistent/key.pem"), "{e}");
    }
}
