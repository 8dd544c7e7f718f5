//! Adobe IMS: OAuth server-to-server tokens and the (deprecated) JWT exchange.

use std::collections::{HashMap, VecDeque};
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
use crate::jwt;
use crate::lock;
use crate::route_kind::RouteKind;

/// One issued access token.
#[derive(Debug, Clone)]
struct Issued {
    client_id: String,
    expires: Instant,
}

/// The most tokens kept at once (about 2 MB). Issuing one more forgets the oldest: its holder
/// gets a 401, as for an expired token, and asks for a new one.
pub(crate) const MAX_LIVE_TOKENS: usize = 10_000;

/// The issued tokens that may still be used, bounded in number.
#[derive(Debug, Default)]
struct Tokens {
    by_token: HashMap<String, Issued>,
    /// The tokens in the order issued, which is also the order they expire in (one lifetime
    /// for all).
    order: VecDeque<String>,
}

impl Tokens {
    /// Forgets the expired tokens, then the oldest ones until there is room for one more
    /// under `max`. Each token is forgotten once, so issuing costs O(1) amortised.
    fn make_room(&mut self, now: Instant, max: usize) {
        while let Some(oldest) = self.order.front() {
            let expired = self.by_token.get(oldest).is_none_or(|t| t.expires <= now);
            if !expired && self.by_token.len() < max {
                break;
            }
            if let Some(token) = self.order.pop_front() {
                self.by_token.remove(&token);
            }
        }
    }

    fn insert(&mut self, token: String, issued: Issued) {
        self.order.push_back(token.clone());
        self.by_token.insert(token, issued);
    }
}

/// The identity service: known clients, issued tokens, registered JWT keys.
pub(crate) struct Ims {
    org_id: String,
    /// Client id → client secret.
    clients: HashMap<String, String>,
    ttl: Duration,
    tokens: Mutex<Tokens>,
    /// At most this many live tokens ([`MAX_LIVE_TOKENS`]; smaller in tests).
    max_tokens: usize,
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
            .field("tokens", &lock(&self.tokens).by_token.len())
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
            tokens: Mutex::new(Tokens::default()),
            max_tokens: MAX_LIVE_TOKENS,
            jwt_keys: Mutex::new(HashMap::new()),
            rng: Mutex::new(fastrand::Rng::new()),
            shared,
        }
    }

    /// Issues a fresh opaque token for a client, forgetting expired tokens and, above
    /// [`MAX_LIVE_TOKENS`], the oldest.
    fn issue(&self, client_id: &str) -> String {
        let token: String = {
            let mut rng = lock(&self.rng);
            let body: String = (0..48).map(|_| rng.alphanumeric()).collect();
            format!("sbx.{body}")
        };
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        tokens.make_room(now, self.max_tokens);
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
            .by_token
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultEngine;
    use crate::ratelimit::RateLimiter;

    fn ims(ttl: Duration, max_tokens: usize) -> Ims {
        let shared = Arc::new(Shared {
            stats: Default::default(),
            faults: Mutex::new(FaultEngine::new(Vec::new(), 1)),
            limiter: Mutex::new(RateLimiter::new(Duration::from_secs(60))),
            throttle: false,
            fractional_retry_after: false,
        });
        let mut ims = Ims::new(
            "org@AdobeOrg".into(),
            HashMap::from([("client".to_owned(), "secret".to_owned())]),
            ttl,
            shared,
        );
        ims.max_tokens = max_tokens;
        ims
    }

    fn live(ims: &Ims) -> (usize, usize) {
        let tokens = lock(&ims.tokens);
        (tokens.by_token.len(), tokens.order.len())
    }

    #[test]
    fn the_live_set_is_capped_by_forgetting_the_oldest() {
        let ims = ims(Duration::from_secs(3600), 3);
        let issued: Vec<String> = (0..5).map(|_| ims.issue("client")).collect();
        assert_eq!(live(&ims), (3, 3));
        // The two oldest are gone; the three newest still work.
        assert_eq!(ims.token_client(&issued[0]), None);
        assert_eq!(ims.token_client(&issued[1]), None);
        for token in &issued[2..] {
            assert_eq!(ims.token_client(token).as_deref(), Some("client"));
        }
        assert_eq!(MAX_LIVE_TOKENS, 10_000);
        assert_eq!(ims.shared.stats.snapshot().tokens_issued, 5);
    }

    #[test]
    fn expired_tokens_are_forgotten_when_the_next_is_issued() {
        let ims = ims(Duration::from_millis(30), 100);
        for _ in 0..50 {
            ims.issue("client");
        }
        assert_eq!(live(&ims), (50, 50));
        std::thread::sleep(Duration::from_millis(60));
        let fresh = ims.issue("client");
        // Only the new one is kept: memory follows the live tokens, not all those ever issued.
        assert_eq!(live(&ims), (1, 1));
        assert_eq!(ims.token_client(&fresh).as_deref(), Some("client"));
    }
}
