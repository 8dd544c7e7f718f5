//! `connector-umapi.yml`: the organisation, the credentials and the server.

use std::path::{Path, PathBuf};

use super::files::{self, UmapiFile};
use super::keyring;
use super::{ConfigError, err, read_yaml};
use crate::model::normalize;

/// How to sign in to UMAPI, from `connector-umapi.yml`.
#[derive(Clone, PartialEq, Eq)]
pub enum UmapiAuth {
    /// OAuth Server-to-Server.
    OAuth {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
    },
    /// Service-account JWT.
    Jwt {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
        /// Technical account id.
        tech_acct_id: String,
        /// The private key file.
        private_key: PathBuf,
    },
}

impl std::fmt::Debug for UmapiAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UmapiAuth::OAuth { client_id, .. } => f
                .debug_struct("OAuth")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            UmapiAuth::Jwt { client_id, .. } => f
                .debug_struct("Jwt")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// The UMAPI connection `connector-umapi.yml` describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UmapiConnection {
    /// The organisation (`…@AdobeOrg`).
    pub org_id: String,
    /// Credentials.
    pub auth: UmapiAuth,
    /// The UMAPI endpoint URL (`https://` + `server.host` + `server.endpoint`).
    pub endpoint: String,
    /// The IMS root URL (`https://` + `server.auth_host`).
    pub ims_url: String,
    /// `server.timeout`, seconds.
    pub timeout_secs: u64,
    /// `server.retries`.
    pub retries: u32,
}

impl UmapiConnection {
    /// Sets these settings on a client builder (reading the JWT key file).
    pub fn configure(&self, b: umapi::ClientBuilder) -> Result<umapi::ClientBuilder, umapi::Error> {
        let b = b
            .org_id(&self.org_id)
            .endpoint(&self.endpoint)
            .ims_url(&self.ims_url)
            .timeout(std::time::Duration::from_secs(self.timeout_secs))
            .max_attempts(self.retries + 1);
        Ok(match &self.auth {
            UmapiAuth::OAuth {
                client_id,
                client_secret,
            } => b.oauth(client_id, client_secret),
            UmapiAuth::Jwt {
                client_id,
                client_secret,
                tech_acct_id,
                private_key,
            } => b.credentials(umapi::JwtAuth::from_key_file(
                client_id,
                client_secret,
                tech_acct_id,
                private_key,
            )?),
        })
    }
}

/// The UMAPI connector file named by `adobe_users.connectors.umapi`, if any.
pub(super) fn umapi_connection(
    adobe: &files::AdobeUsers,
    dir: &Path,
    file: Option<&Path>,
) -> Result<Option<UmapiConnection>, ConfigError> {
    use serde_norway::Value;
    let named = match adobe.connectors.as_ref().and_then(|c| c.umapi.clone()) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(Value::Sequence(items)) => match items.as_slice() {
            [Value::String(s)] => s.clone(),
            _ => {
                return Err(err(
                    file,
                    "adobe_users.connectors.umapi: several files or secondary organisations are not supported by idm sync yet; name one file",
                ));
            }
        },
        Some(_) => {
            return Err(err(
                file,
                "adobe_users.connectors.umapi: expected the name of a file",
            ));
        }
    };
    let path = dir.join(&named);
    let f: UmapiFile = read_yaml(&path)?;
    let here = Some(path.as_path());
    if f.ssl_verify == Some(false)
        || f.server.as_ref().and_then(|s| s.ssl_verify) == Some(false)
        || f.ssl_cert_verify == Some(false)
    {
        return Err(err(
            here,
            "ssl_verify: false is not supported: idm always verifies TLS; give the extra root certificate (PEM) in IDM_CA_FILE instead",
        ));
    }
    let e = f.enterprise.ok_or_else(|| {
        err(
            here,
            "'enterprise' must be specified, with org_id, client_id and client_secret",
        )
    })?;
    for (key, v) in [
        ("secure_priv_key_data_key", &e.secure_priv_key_data_key),
        ("secure_priv_key_pass_key", &e.secure_priv_key_pass_key),
    ] {
        if v.is_some() {
            return Err(err(
                here,
                format!(
                    "enterprise.{key}: inline and encrypted private keys are not supported by idm sync yet; give an unencrypted key in priv_key_path"
                ),
            ));
        }
    }
    let need = |v: &Option<String>, key: &str| {
        v.clone()
            .ok_or_else(|| err(here, format!("enterprise.{key} must be specified")))
    };
    let org_id = need(&e.org_id, "org_id")?;
    // A plain value, or its secure_X_key form read from the keyring (user: the org id).
    let credential =
        |plain: &Option<String>, secure: &Option<String>, name: &str| match (plain, secure) {
            (Some(_), Some(_)) => Err(err(
                here,
                format!("enterprise: give {name} or secure_{name}_key, not both"),
            )),
            (Some(v), None) => Ok(Some(v.clone())),
            (None, Some(service)) => {
                keyring::lookup(&format!("enterprise.secure_{name}_key"), service, &org_id)
                    .map(Some)
                    .map_err(|m| err(here, m))
            }
            (None, None) => Ok(None),
        };
    let client_id = credential(&e.client_id, &e.secure_client_id_key, "client_id")?;
    let api_key = credential(&e.api_key, &e.secure_api_key_key, "api_key")?;
    let client_id = match (client_id, api_key) {
        (Some(_), Some(_)) => {
            return Err(err(
                here,
                "enterprise: give client_id or its old name api_key, not both",
            ));
        }
        (id, key) => need(&id.or(key), "client_id")?,
    };
    let client_secret = need(
        &credential(
            &e.client_secret,
            &e.secure_client_secret_key,
            "client_secret",
        )?,
        "client_secret",
    )?;
    let method = f
        .authentication_method
        .as_deref()
        .map(normalize)
        .unwrap_or_else(|| "jwt".into());
    let auth = match method.as_str() {
        "oauth" => {
            if e.tech_acct_id.is_some() || e.priv_key_path.is_some() {
                return Err(err(
                    here,
                    "enterprise: tech_acct_id and priv_key_path are for JWT; remove them with authentication_method: oauth",
                ));
            }
            UmapiAuth::OAuth {
                client_id,
                client_secret,
            }
        }
        "jwt" => {
            if e.priv_key_data.is_some() || e.priv_key_pass.is_some() {
                return Err(err(
                    here,
                    "enterprise.priv_key_data / priv_key_pass are not supported by idm sync yet; give an unencrypted key in priv_key_path",
                ));
            }
            let here_dir = path.parent().map(Path::to_owned).unwrap_or_default();
            UmapiAuth::Jwt {
                client_id,
                client_secret,
                tech_acct_id: need(&e.tech_acct_id, "tech_acct_id (required for jwt)")?,
                private_key: here_dir.join(need(&e.priv_key_path, "priv_key_path")?),
            }
        }
        other => {
            return Err(err(
                here,
                format!("authentication_method: {other:?} is not oauth or jwt"),
            ));
        }
    };
    if f.uses_business_id == Some(true) {
        return Err(err(
            here,
            "uses_business_id: true (deprecated in user-sync) is not supported by idm sync; remove it",
        ));
    }
    let server = f.server.unwrap_or_default();
    if let Some(path) = &server.auth_endpoint
        && !matches!(
            path.as_str(),
            "/ims/token/v2" | "/ims/token/v3" | "/ims/exchange/jwt"
        )
    {
        return Err(err(
            here,
            format!(
                "server.auth_endpoint: {path:?} is not supported; idm uses Adobe IMS's own token endpoints (remove the key)"
            ),
        ));
    }
    let number = |v: &Option<String>, key: &str, default: u64| match v {
        Some(s) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| err(here, format!("server.{key}: {s:?} is not a whole number"))),
        None => Ok(default),
    };
    let host = server
        .host
        .unwrap_or_else(|| "usermanagement.adobe.io".into());
    let endpoint = server
        .endpoint
        .unwrap_or_else(|| "/v2/usermanagement".into());
    let auth_host = server
        .auth_host
        .unwrap_or_else(|| "ims-na1.adobelogin.com".into());
    Ok(Some(UmapiConnection {
        org_id,
        auth,
        endpoint: format!("https://{host}{endpoint}"),
        ims_url: format!("https://{auth_host}"),
        timeout_secs: number(&server.timeout, "timeout", 120)?,
        retries: number(&server.retries, "retries", 3)?.min(100) as u32,
    }))
}
