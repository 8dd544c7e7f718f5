//! The v1-style ("legacy") API of the Python `umapi_client.legacy` and `umapi_client.auth`
//! modules, as a thin layer over the modern [`Client`]: same retries, rate
//! limits and secret handling, answers as raw JSON.
//!
//! | Python | Rust |
//! | --- | --- |
//! | `JWT(org_id, tech_acct, ims_host, api_key, key_file)` and `jwt()` | [`Jwt::new`] and [`Jwt::encode`] |
//! | `AccessRequest(endpoint, api_key, client_secret, jwt())`, `token()`, `token.expiry` | [`AccessRequest::new`], [`AccessRequest::token`], [`AccessRequest::expiry`] |
//! | `Auth(api_key, token())` | [`Auth::new`] |
//! | `UMAPI(endpoint, auth)`, `.users(org, page)`, `.groups(org, page)`, `.action(org, action)` | [`Umapi::new`], [`Umapi::users`], [`Umapi::groups`], [`Umapi::action`] |
//! | `Action(user=...).do(k=v)` | [`Action::new`], [`Action::with`], `Action::r#do` |
//! | `paginate(api.users, org, max_pages, max_records)` | [`paginate`] |
//! | `UMAPIError`, `UMAPIRetryError`, `UMAPIRequestError`, `ActionFormatError` | [`LegacyError`] variants |
//!
//! Unlike the Python module, [`paginate`] never skips a page that failed: the error is returned.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use idm_http::reqwest::Method;
use idm_http::{ExposeSecret, HttpConfig, RsaSigner, SecretString};
use serde_json::{Map, Value, json};

use crate::auth::{Credentials, build_jwt, request_token};
use crate::client::segment;
use crate::limiter::{RateLimits, RouteClass};
use crate::{Client, Error};

/// The four error kinds of the legacy module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LegacyError {
    /// `UMAPIError`: the API answered with a non-retryable error status (or the call failed otherwise).
    #[error("UMAPIError: {0}")]
    Umapi(#[source] Error),
    /// `UMAPIRetryError`: a retryable status (429, 502, 503, 504) persisted through every retry.
    #[error("UMAPIRetryError: {0}")]
    Retry(#[source] Error),
    /// `UMAPIRequestError`: an action (or a page of a [`paginate`] listing) answered 200 with a
    /// `result` other than success; the body is kept.
    #[error("UMAPIRequestError: the action failed: {0}")]
    Request(Value),
    /// `ActionFormatError`: the action given to [`Umapi::action`] is malformed.
    #[error("ActionFormatError: {0}")]
    ActionFormat(String),
}

impl From<Error> for LegacyError {
    fn from(e: Error) -> Self {
        if e.is_transient() {
            LegacyError::Retry(e)
        } else {
            LegacyError::Umapi(e)
        }
    }
}

/// Result alias of this module.
pub type LegacyResult<T> = std::result::Result<T, LegacyError>;

/// Builds the service-account JWT (`umapi_client.auth.JWT`).
#[derive(Debug)]
pub struct Jwt {
    org_id: String,
    tech_acct: String,
    ims_host: String,
    api_key: String,
    signer: RsaSigner,
}

impl Jwt {
    /// Like [`new`](Self::new), reading the private key from a PEM file.
    pub fn from_key_file(
        org_id: impl Into<String>,
        tech_acct: impl Into<String>,
        ims_host: impl Into<String>,
        api_key: impl Into<String>,
        private_key_file: impl AsRef<std::path::Path>,
    ) -> LegacyResult<Self> {
        let path = private_key_file.as_ref();
        let pem = std::fs::read(path).map_err(|e| {
            LegacyError::Umapi(Error::Config(format!(
                "cannot read the private key file {}: {e}",
                path.display()
            )))
        })?;
        Jwt::new(org_id, tech_acct, ims_host, api_key, &pem)
    }

    /// `ims_host` is a host name such as `ims-na1.adobelogin.com` (or a full base URL);
    /// `private_key` is the PEM text of the key (or use [`from_key_file`](Self::from_key_file)).
    pub fn new(
        org_id: impl Into<String>,
        tech_acct: impl Into<String>,
        ims_host: impl Into<String>,
        api_key: impl Into<String>,
        private_key: &[u8],
    ) -> LegacyResult<Self> {
        let signer = RsaSigner::from_pem(private_key)
            .map_err(|e| LegacyError::Umapi(Error::Config(e.to_string())))?;
        Ok(Jwt {
            org_id: org_id.into(),
            tech_acct: tech_acct.into(),
            ims_host: ims_host.into(),
            api_key: api_key.into(),
            signer,
        })
    }

    /// The encoded, signed JWT (what calling the Python object returns).
    pub fn encode(&self) -> LegacyResult<String> {
        let base = if self.ims_host.contains("://") {
            self.ims_host.clone()
        } else {
            format!("https://{}", self.ims_host)
        };
        Ok(build_jwt(
            &self.org_id,
            &self.tech_acct,
            &self.api_key,
            &base,
            &self.signer,
            Duration::from_secs(86_400),
        )?)
    }
}

/// Exchanges a JWT for an access token (`umapi_client.auth.AccessRequest`).
pub struct AccessRequest {
    endpoint: String,
    api_key: String,
    client_secret: SecretString,
    jwt: String,
    http: HttpConfig,
    expiry: Mutex<Option<SystemTime>>,
}

impl std::fmt::Debug for AccessRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessRequest")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl AccessRequest {
    /// `endpoint` is the full exchange URL, e.g. `https://ims-na1.adobelogin.com/ims/exchange/jwt`.
    pub fn new(
        endpoint: impl Into<String>,
        api_key: impl Into<String>,
        client_secret: impl Into<String>,
        jwt: impl Into<String>,
    ) -> Self {
        AccessRequest {
            endpoint: endpoint.into(),
            api_key: api_key.into(),
            client_secret: SecretString::from(client_secret.into()),
            jwt: jwt.into(),
            http: HttpConfig::default().ca_file_from_env(),
            expiry: Mutex::new(None),
        }
    }

    /// Requests the token (what calling the Python object does). Populates [`expiry`](Self::expiry).
    pub async fn token(&self) -> LegacyResult<SecretString> {
        let cfg = |e: idm_http::ConfigError| LegacyError::Umapi(Error::Config(e.to_string()));
        self.http.check_url(&self.endpoint).map_err(cfg)?;
        let http = self.http.build_client().map_err(cfg)?;
        let form = [
            ("client_id", self.api_key.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("jwt_token", self.jwt.as_str()),
        ];
        let (token, lifetime) =
            request_token(&http, &self.http, &self.endpoint, &form, true).await?;
        *self.expiry.lock().unwrap_or_else(|p| p.into_inner()) = Some(SystemTime::now() + lifetime);
        Ok(token)
    }

    /// When the token expires; `None` until [`token`](Self::token) succeeded.
    pub fn expiry(&self) -> Option<SystemTime> {
        *self.expiry.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The API key and access token used on every call (`umapi_client.auth.Auth`).
#[derive(Clone)]
pub struct Auth {
    api_key: String,
    token: SecretString,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("api_key", &self.api_key)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl Auth {
    /// An auth object from the API key (client id) and an access token.
    pub fn new(api_key: impl Into<String>, token: SecretString) -> Self {
        Auth {
            api_key: api_key.into(),
            token,
        }
    }

    /// The headers it adds to a call: `Authorization`, `X-Api-Key`, `Content-Type`, `Accept`.
    /// The returned values include the token: do not log them.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "Authorization",
                format!("Bearer {}", self.token.expose_secret()),
            ),
            ("X-Api-Key", self.api_key.clone()),
            ("Content-Type", "application/json".into()),
            ("Accept", "application/json".into()),
        ]
    }
}

/// One action in the legacy style: a frame plus `do` steps (`umapi_client.legacy.Action`).
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    frame: Map<String, Value>,
    steps: Vec<(String, Value)>,
}

impl Action {
    /// An action on `user`.
    pub fn new(user: impl Into<String>) -> Self {
        let mut frame = Map::new();
        frame.insert("user".into(), json!(user.into()));
        Action {
            frame,
            steps: Vec::new(),
        }
    }

    /// Adds a top-level attribute such as `requestID` or `domain`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.frame.insert(key.into(), value.into());
        self
    }

    /// Records a step. For `add` and `remove` a list of names is wrapped as
    /// `{"product": [...]}`, as the Python `do()` does; anything else is sent as given.
    pub fn r#do(mut self, step: impl Into<String>, value: impl Into<Value>) -> Self {
        let step = step.into();
        let value = value.into();
        let value = match (&step[..], value) {
            ("add" | "remove", Value::Array(list)) => json!({ "product": list }),
            (_, v) => v,
        };
        self.steps.push((step, value));
        self
    }

    /// The wire form.
    pub fn wire(&self) -> Value {
        let mut m = self.frame.clone();
        let steps = self
            .steps
            .iter()
            .map(|(k, v)| json!({ k.as_str(): v }))
            .collect();
        m.insert("do".into(), Value::Array(steps));
        Value::Object(m)
    }
}

/// The legacy API object (`umapi_client.legacy.UMAPI`).
#[derive(Debug, Clone)]
pub struct Umapi {
    client: Client,
}

impl Umapi {
    /// Talks to `endpoint` (e.g. `https://usermanagement.adobe.io/v2/usermanagement`) with `auth`.
    ///
    /// The legacy API paces nothing client-side, as the Python module did not; the server's 429s
    /// are still retried.
    pub fn new(endpoint: impl Into<String>, auth: Auth) -> LegacyResult<Self> {
        let client = Client::builder()
            .org_id("legacy")
            .credentials(Credentials::Token {
                client_id: auth.api_key,
                token: auth.token,
            })
            .endpoint(endpoint)
            .rate_limits(RateLimits::unlimited())
            .ca_file_from_env()
            .build()?;
        Ok(Umapi { client })
    }

    async fn get(&self, class: RouteClass, path: String) -> LegacyResult<Value> {
        let a = self
            .client
            .request(class, Method::GET, &path, &[], None)
            .await?;
        Ok(self.client.json_ok(&a, "GET", &path)?)
    }

    /// One page (0-based) of the org's users: the full response body (`users`, `lastPage`, ...).
    pub async fn users(&self, org_id: &str, page: u32) -> LegacyResult<Value> {
        self.get(
            RouteClass::Users,
            format!("/users/{}/{page}", segment(org_id)),
        )
        .await
    }

    /// One page of the org's groups and product profiles.
    pub async fn groups(&self, org_id: &str, page: u32) -> LegacyResult<Value> {
        self.get(
            RouteClass::Groups,
            format!("/groups/{}/{page}", segment(org_id)),
        )
        .await
    }

    /// Sends one action or several (at most 10, as the Python module) and returns the response.
    /// A `result` of `error` is [`LegacyError::Request`]; `success` and `partial` are returned.
    pub async fn action(&self, org_id: &str, actions: impl Into<Actions>) -> LegacyResult<Value> {
        let actions = actions.into().0;
        if actions.is_empty() {
            return Err(LegacyError::ActionFormat("no action given".into()));
        }
        if actions.len() > 10 {
            return Err(LegacyError::ActionFormat(format!(
                "{} actions given; UMAPI takes at most 10 per call",
                actions.len()
            )));
        }
        let body = Value::Array(actions.iter().map(Action::wire).collect());
        for (i, a) in actions.iter().enumerate() {
            crate::action::Action::from_wire(&a.wire())
                .map_err(|e| LegacyError::ActionFormat(format!("action {i}: {e}")))?;
        }
        let path = format!("/action/{}", segment(org_id));
        let bytes =
            serde_json::to_vec(&body).map_err(|e| LegacyError::ActionFormat(e.to_string()))?;
        let a = self
            .client
            .request(RouteClass::Action, Method::POST, &path, &[], Some(bytes))
            .await?;
        let v = self.client.json_ok(&a, "POST", &path)?;
        if v.get("result").and_then(Value::as_str) == Some("error") {
            return Err(LegacyError::Request(v));
        }
        Ok(v)
    }
}

/// One action or a list of them.
#[derive(Debug, Clone)]
pub struct Actions(Vec<Action>);

impl From<Action> for Actions {
    fn from(a: Action) -> Self {
        Actions(vec![a])
    }
}

impl From<Vec<Action>> for Actions {
    fn from(v: Vec<Action>) -> Self {
        Actions(v)
    }
}

impl<const N: usize> From<[Action; N]> for Actions {
    fn from(v: [Action; N]) -> Self {
        Actions(v.into())
    }
}

/// Fetches pages `0, 1, 2, ...` with `query` until `lastPage`, and concatenates their `users` or
/// `groups` arrays. Stops early at `max_pages` pages or `max_records` records (when given).
///
/// ```no_run
/// # async fn run(api: umapi::legacy::Umapi) -> Result<(), umapi::legacy::LegacyError> {
/// let all_users = umapi::legacy::paginate(|page| api.users("12345@AdobeOrg", page), None, None).await?;
/// # Ok(()) }
/// ```
pub async fn paginate<F, Fut>(
    mut query: F,
    max_pages: Option<u32>,
    max_records: Option<usize>,
) -> LegacyResult<Vec<Value>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = LegacyResult<Value>>,
{
    let mut out = Vec::new();
    let mut page = 0u32;
    loop {
        if max_pages.is_some_and(|m| page >= m) || max_records.is_some_and(|m| out.len() >= m) {
            break;
        }
        let body = query(page).await?;
        let truncated = |detail: String| {
            LegacyError::Umapi(Error::Truncated {
                what: "paginate".into(),
                detail,
            })
        };
        // A page that is not a success, or that does not say whether it is the last, must not
        // end the listing quietly: the list would be short (umapi-client.py #111).
        match body.get("result").and_then(Value::as_str) {
            None | Some("success") => {}
            Some(_) => return Err(LegacyError::Request(body)),
        }
        let Some(last) = body.get("lastPage").and_then(Value::as_bool) else {
            return Err(truncated(format!(
                "page {page} has no lastPage: cannot tell whether the listing is complete"
            )));
        };
        let items = ["users", "groups"]
            .iter()
            .find_map(|k| body.get(*k).and_then(Value::as_array))
            .cloned()
            .unwrap_or_default();
        if items.is_empty() && !last {
            return Err(truncated(format!(
                "page {page} is empty but lastPage is false"
            )));
        }
        out.extend(items);
        if last {
            break;
        }
        page += 1;
    }
    if let Some(m) = max_records {
        out.truncate(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn do_wraps_add_and_remove_lists_in_product() {
        let a = Action::new("user@example.com")
            .with("requestID", "abc123")
            .r#do("createAdobeID", json!({"email": "user@example.com"}))
            .r#do("add", json!(["product1"]))
            .r#do("remove", json!({"group": ["g"]}));
        assert_eq!(
            a.wire(),
            json!({"user": "user@example.com", "requestID": "abc123", "do": [
                {"createAdobeID": {"email": "user@example.com"}},
                {"add": {"product": ["product1"]}},
                {"remove": {"group": ["g"]}}]})
        );
    }

    #[test]
    fn auth_headers_and_debug() {
        let auth = Auth::new("key", SecretString::from("tok-secret".to_owned()));
        let h = auth.headers();
        assert_eq!(h[0], ("Authorization", "Bearer tok-secret".to_owned()));
        assert!(!format!("{auth:?}").contains("tok-secret"));
    }

    #[tokio::test]
    async fn paginate_concatenates_and_limits() {
        let pages = [
            json!({"users": [1, 2], "lastPage": false}),
            json!({"users": [3], "lastPage": true}),
        ];
        let got = paginate(
            |p| std::future::ready(Ok(pages[p as usize].clone())),
            None,
            None,
        )
        .await
        .unwrap();
        assert_eq!(got, vec![json!(1), json!(2), json!(3)]);
        let got = paginate(
            |p| std::future::ready(Ok(pages[p as usize].clone())),
            None,
            Some(1),
        )
        .await
        .unwrap();
        assert_eq!(got, vec![json!(1)]);
        let got = paginate(
            |p| std::future::ready(Ok(pages[p as usize].clone())),
            Some(1),
            None,
        )
        .await
        .unwrap();
        assert_eq!(got.len(), 2);
        // Never a quietly short list: an empty page that is not the last, a page that does not
        // say whether it is the last, a result other than success.
        for (bad, want) in [
            (json!({"users": [], "lastPage": false}), "is empty"),
            (json!({"users": [1]}), "has no lastPage"),
            (
                json!({"lastPage": true, "result": "Not found"}),
                "UMAPIRequestError",
            ),
        ] {
            let err = paginate(|_| std::future::ready(Ok(bad.clone())), None, None)
                .await
                .unwrap_err();
            assert!(err.to_string().contains(want), "{bad}: {err}");
        }
    }
}
