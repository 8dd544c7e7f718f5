//! Adobe IMS: OAuth server-to-server tokens and the (deprecated) JWT exchange (API.md §2).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rsa::RsaPublicKey;
use serde_json::json;

use crate::error::SandboxError;
use crate::form;
use crate::gate::{Gate, Paging, Shared};
use crate::lock;
use crate::stats::RouteKind;
use crate::umapi::jwt;

/// One issued access token.
#[derive(Debug, Clone)]
struct Issued {
    client_id: String,
    expires: Instant,
}

/// The identity service: known clients, issued tokens, registered JWT keys.
pub(crate) struct Ims {
    org_id: String,
    /// Client id → client secret.
    clients: HashMap<String, String>,
    ttl: Duration,
    tokens: Mutex<HashMap<String, Issued>>,
    jwt_keys: Mutex<HashMap<String, RsaPublicKey>>,
    rng: Mutex<fastrand::Rng>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Ims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets and tokens are left out.
        f.debug_struct("Ims")
            .field("org_id", &self.org_id)
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .field("ttl", &self.ttl)
            .field("tokens", &lock(&self.tokens).len())
            .finish_non_exhaustive()
    }
}

impl Ims {
    pub(crate) fn new(
        org_id: String,
        clients: HashMap<String, String>,
        ttl: Duration,
        shared: Arc<Shared>,
    ) -> Ims {
        Ims {
            org_id,
            clients,
            ttl,
            tokens: Mutex::new(HashMap::new()),
            jwt_keys: Mutex::new(HashMap::new()),
            rng: Mutex::new(fastrand::Rng::new()),
            shared,
        }
    }

    /// Issues a fresh opaque token for a client.
    fn issue(&self, client_id: &str) -> String {
        let token: String = {
            let mut rng = lock(&self.rng);
            let body: String = (0..48).map(|_| rng.alphanumeric()).collect();
            format!("sbx.{body}")
        };
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        if tokens.len() > 10_000 {
            tokens.retain(|_, t| t.expires > now);
        }
        tokens.insert(
            token.clone(),
            Issued {
                client_id: client_id.to_owned(),
                expires: now + self.ttl,
            },
        );
        self.shared.stats.token_issued();
        token
    }

    /// The client a token was issued to, if the token is known and not expired.
    pub(crate) fn token_client(&self, token: &str) -> Option<String> {
        let tokens = lock(&self.tokens);
        tokens
            .get(token)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.client_id.clone())
    }

    fn credentials_ok(&self, client_id: &str, secret: &str) -> bool {
        self.clients.get(client_id).is_some_and(|s| s == secret)
    }

    /// Registers the public key that verifies a client's JWTs.
    pub(crate) fn register_key(&self, client_id: &str, pem: &str) -> Result<(), SandboxError> {
        if !self.clients.contains_key(client_id) {
            return Err(SandboxError::UnknownClient {
                client_id: client_id.to_owned(),
                known: self.clients.keys().next().cloned().unwrap_or_default(),
            });
        }
        let key = jwt::parse_public_key(pem).map_err(SandboxError::PublicKey)?;
        lock(&self.jwt_keys).insert(client_id.to_owned(), key);
        Ok(())
    }
}

/// The IMS routes: `/ims/token/v2`, `/ims/token/v3`, `/ims/exchange/jwt` (each also with a
/// trailing slash).
pub(crate) fn router(ims: Arc<Ims>, shared: &Arc<Shared>) -> Router {
    let tokens = Router::new()
        .route("/ims/token/v3", post(token))
        .route("/ims/token/v3/", post(token))
        .route("/ims/token/v2", post(token))
        .route("/ims/token/v2/", post(token));
    let jwt = Router::new()
        .route("/ims/exchange/jwt", post(exchange_jwt))
        .route("/ims/exchange/jwt/", post(exchange_jwt));
    Gate::layer(
        tokens.with_state(Arc::clone(&ims)),
        shared,
        RouteKind::ImsToken,
        None,
        Paging::None,
    )
    .merge(Gate::layer(
        jwt.with_state(ims),
        shared,
        RouteKind::ImsJwtExchange,
        None,
        Paging::None,
    ))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Parameters from the query string and the form body (the body wins).
fn params(uri: &Uri, body: &Bytes) -> Vec<(String, String)> {
    let mut pairs = form::parse(&String::from_utf8_lossy(body));
    if let Some(q) = uri.query() {
        pairs.extend(form::parse(q));
    }
    pairs
}

async fn token(State(ims): State<Arc<Ims>>, uri: Uri, body: Bytes) -> Response {
    let p = params(&uri, &body);
    let (Some(grant), Some(client_id), Some(secret)) = (
        form::get(&p, "grant_type"),
        form::get(&p, "client_id"),
        form::get(&p, "client_secret"),
    ) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type, client_id and client_secret are required (form-encoded body or query)",
        );
    };
    if grant != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        );
    }
    if !ims.credentials_ok(client_id, secret) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client_id or client_secret",
        );
    }
    let scopes_ok = form::get(&p, "scope")
        .is_some_and(|s| s.split([',', ' ']).any(|x| x == "user_management_sdk"));
    if !scopes_ok {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "scope must include user_management_sdk (use scope=openid,AdobeID,user_management_sdk)",
        );
    }
    let token = ims.issue(client_id);
    axum::Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ims.ttl.as_secs(),
    }))
    .into_response()
}

async fn exchange_jwt(State(ims): State<Arc<Ims>>, uri: Uri, body: Bytes) -> Response {
    let p = params(&uri, &body);
    let (Some(client_id), Some(secret), Some(jwt_token)) = (
        form::get(&p, "client_id"),
        form::get(&p, "client_secret"),
        form::get(&p, "jwt_token"),
    ) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id, client_secret and jwt_token are required (form-encoded body)",
        );
    };
    if !ims.credentials_ok(client_id, secret) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client_id or client_secret",
        );
    }
    let key = lock(&ims.jwt_keys).get(client_id).cloned();
    let Some(key) = key else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "no certificate is registered for this client (Sandbox::register_jwt_public_key)",
        );
    };
    if let Err(why) = jwt::verify(jwt_token, &key, client_id, &ims.org_id) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_token", &why);
    }
    let token = ims.issue(client_id);
    axum::Json(json!({
        "token_type": "bearer",
        "access_token": token,
        "expires_in": u64::try_from(ims.ttl.as_millis()).unwrap_or(u64::MAX),
    }))
    .into_response()
}
