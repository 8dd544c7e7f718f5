//! Authentication: OAuth Server-to-Server (current) and service-account JWT (legacy), with a
//! token cache that refreshes before expiry and only once for many concurrent callers.

mod cache;
mod jwt;
mod token;

use std::fmt;
use std::sync::Arc;

use idm_http::{RsaSigner, SecretString};

pub use cache::AccessToken;
pub(crate) use cache::TokenCache;
pub use jwt::build_jwt;
pub use token::{TokenResponse, request_token};

/// The default IMS host.
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com";

/// The scopes UMAPI integrations ask for.
pub const DEFAULT_SCOPE: &str = "openid,AdobeID,user_management_sdk";

/// Which OAuth token endpoint of IMS to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenEndpoint {
    /// `/ims/token/v3`, the endpoint Adobe's current documentation gives (default).
    #[default]
    V3,
    /// `/ims/token/v2`, used by older clients.
    V2,
}

impl TokenEndpoint {
    /// The path on the IMS host.
    pub fn path(self) -> &'static str {
        match self {
            TokenEndpoint::V3 => "/ims/token/v3",
            TokenEndpoint::V2 => "/ims/token/v2",
        }
    }
}

/// OAuth Server-to-Server credentials (client credentials grant).
#[derive(Clone)]
pub struct OAuthS2S {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) scope: String,
    pub(crate) endpoint: TokenEndpoint,
}

impl OAuthS2S {
    /// Credentials of an OAuth Server-to-Server integration. The client id doubles as the API key.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        OAuthS2S {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            scope: DEFAULT_SCOPE.to_owned(),
            endpoint: TokenEndpoint::V3,
        }
    }

    /// Overrides the scopes (comma-separated).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Chooses the token endpoint (v3 by default).
    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.endpoint = endpoint;
        self
    }
}

impl fmt::Debug for OAuthS2S {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthS2S")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("scope", &self.scope)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// Service-account JWT credentials (deprecated by Adobe; for integrations that still have them).
#[derive(Clone)]
pub struct JwtAuth {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) tech_account_id: String,
    pub(crate) signer: Arc<RsaSigner>,
}

impl JwtAuth {
    /// JWT credentials: client id, client secret, technical account id and the private key (PEM)
    /// whose certificate is registered on the integration.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        tech_account_id: impl Into<String>,
        private_key_pem: &[u8],
    ) -> crate::Result<Self> {
        let signer = RsaSigner::from_pem(private_key_pem);
        Self::with_signer(client_id, client_secret, tech_account_id, signer)
    }

    /// Like [`new`](Self::new), reading the private key from a PEM file.
    pub fn from_key_file(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        tech_account_id: impl Into<String>,
        private_key_file: impl AsRef<std::path::Path>,
    ) -> crate::Result<Self> {
        let signer = RsaSigner::from_pem_file(private_key_file);
        Self::with_signer(client_id, client_secret, tech_account_id, signer)
    }

    fn with_signer(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        tech_account_id: impl Into<String>,
        signer: Result<RsaSigner, idm_http::SignerError>,
    ) -> crate::Result<Self> {
        let signer = signer.map_err(|e| crate::Error::Config(e.to_string()))?;
        Ok(JwtAuth {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            tech_account_id: tech_account_id.into(),
            signer: Arc::new(signer),
        })
    }
}

impl fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuth")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("tech_account_id", &self.tech_account_id)
            .field("signer", &self.signer)
            .finish()
    }
}

/// How the client obtains access tokens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// OAuth Server-to-Server.
    OAuth(OAuthS2S),
    /// Service-account JWT exchange.
    Jwt(JwtAuth),
    /// A ready-made access token with its API key (client id); never refreshed.
    Token {
        /// The API key sent as `X-Api-Key`.
        client_id: String,
        /// The bearer token.
        token: SecretString,
    },
}

impl Credentials {
    /// The client id, sent as `X-Api-Key`.
    pub fn client_id(&self) -> &str {
        match self {
            Credentials::OAuth(c) => &c.client_id,
            Credentials::Jwt(c) => &c.client_id,
            Credentials::Token { client_id, .. } => client_id,
        }
    }
}

impl From<OAuthS2S> for Credentials {
    fn from(c: OAuthS2S) -> Self {
        Credentials::OAuth(c)
    }
}

impl From<JwtAuth> for Credentials {
    fn from(c: JwtAuth) -> Self {
        Credentials::Jwt(c)
    }
}
