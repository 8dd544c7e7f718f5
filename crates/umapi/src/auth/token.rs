//! One token request to IMS.

use std::time::Duration;

use idm_http::{ExposeSecret, HttpConfig, SecretString, send_with_retry};
use serde::Deserialize;

/// A token as IMS returns it.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: SecretString,
    /// Lifetime as sent: seconds for the OAuth endpoints, milliseconds for the JWT exchange.
    #[serde(default)]
    pub expires_in: Option<f64>,
    /// Usually `bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .finish()
    }
}

#[derive(Deserialize)]
struct ImsError {
    error: Option<String>,
    error_description: Option<String>,
}

/// Posts a form to an IMS token endpoint (with the retry policy of `config`) and returns the
/// token and its lifetime. `millis` says the endpoint reports `expires_in` in milliseconds (the
/// JWT exchange does; the OAuth endpoints use seconds). Tokens last 24 hours when IMS gives no lifetime.
pub async fn request_token(
    http: &idm_http::reqwest::Client,
    config: &HttpConfig,
    url: &str,
    form: &[(&str, &str)],
    millis: bool,
) -> crate::Result<(SecretString, Duration)> {
    let attempted = send_with_retry::<std::convert::Infallible, _, _>(
        config.retry_policy(),
        true,
        "IMS token request",
        |_| {
            let req = http
                .post(url)
                .header("Cache-Control", "no-cache")
                .header("Accept", "application/json")
                .form(form);
            async move { Ok(req) }
        },
    )
    .await
    .map_err(|e| match e.into_transport("POST", url) {
        Ok(t) => crate::Error::Transport(Box::new(t)),
        Err(never) => match never {},
    })?;
    let body = String::from_utf8_lossy(&attempted.body).into_owned();
    if !attempted.status.is_success() {
        let parsed: Option<ImsError> = serde_json::from_str(&body).ok();
        let message = parsed.and_then(|e| e.error_description.or(e.error));
        return Err(crate::Error::Auth {
            endpoint: url.to_owned(),
            status: attempted.status.as_u16(),
            message,
            body: idm_http::bounded_body(&attempted.body),
        });
    }
    let token: TokenResponse = serde_json::from_str(&body).map_err(|e| crate::Error::Decode {
        what: format!("POST {url}"),
        detail: format!("token response is not the expected JSON ({e})"),
    })?;
    if token.access_token.expose_secret().is_empty() {
        return Err(crate::Error::Decode {
            what: format!("POST {url}"),
            detail: "token response has an empty access_token".into(),
        });
    }
    let lifetime = match token.expires_in {
        Some(v) if v.is_finite() && v > 0.0 => {
            let secs = if millis { v / 1000.0 } else { v };
            Duration::from_secs_f64(secs.min(10.0 * 365.0 * 86400.0))
        }
        _ => Duration::from_secs(86_400),
    };
    Ok((token.access_token, lifetime))
}
