//! Where the examples connect: a real org when `UMAPI_ORG_ID`, `UMAPI_CLIENT_ID` and
//! `UMAPI_CLIENT_SECRET` are set, otherwise an embedded sandbox with demo data.
#![allow(dead_code)]

use idm_sandbox::{Sandbox, SandboxConfig};

/// Connection settings, plus the sandbox that must stay alive while they are used.
pub struct Target {
    pub endpoint: String,
    pub ims: String,
    pub org_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub sandbox: Option<Sandbox>,
}

pub async fn target() -> Target {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(org_id), Some(client_id), Some(client_secret)) = (
        env("UMAPI_ORG_ID"),
        env("UMAPI_CLIENT_ID"),
        env("UMAPI_CLIENT_SECRET"),
    ) {
        return Target {
            endpoint: env("UMAPI_ENDPOINT").unwrap_or_else(|| umapi::DEFAULT_ENDPOINT.into()),
            ims: env("UMAPI_IMS_URL").unwrap_or_else(|| umapi::auth::DEFAULT_IMS_URL.into()),
            org_id,
            client_id,
            client_secret,
            sandbox: None,
        };
    }
    let sandbox = Sandbox::start(SandboxConfig {
        users: 25,
        user_page_size: 10,
        ..Default::default()
    })
    .await
    .expect("the embedded sandbox starts");
    let info = sandbox.umapi_info();
    eprintln!(
        "(no UMAPI_* credentials set: using an embedded sandbox at {})",
        sandbox.base_url()
    );
    Target {
        endpoint: info.endpoint,
        ims: info.ims,
        org_id: info.org_id,
        client_id: info.client_id,
        client_secret: info.client_secret,
        sandbox: Some(sandbox),
    }
}

/// For examples that change data: against a real org they run only when
/// `IDM_EXAMPLES_CHANGE_REAL_ORG=yes` is set, so that trying an example never creates or removes
/// real users by accident.
pub fn may_change(t: &Target) -> bool {
    if t.sandbox.is_some() || std::env::var("IDM_EXAMPLES_CHANGE_REAL_ORG").as_deref() == Ok("yes")
    {
        return true;
    }
    eprintln!(
        "this example creates and changes users; against the real org {} it runs only with IDM_EXAMPLES_CHANGE_REAL_ORG=yes",
        t.org_id
    );
    false
}

/// A test key pair made for idm's tests; a real integration uses its own private key.
pub const DEMO_PRIVATE_KEY: &str = include_str!("../../../http/tests/fixtures/test-rsa-pkcs8.pem");
pub const DEMO_PUBLIC_KEY: &str = include_str!("../../../http/tests/fixtures/test-rsa-public.pem");

/// A legacy `Umapi` object with a token from OAuth Server-to-Server (the JWT route is in `legacy_auth`).
pub async fn legacy_api(t: &Target) -> Result<umapi::legacy::Umapi, Box<dyn std::error::Error>> {
    let http = umapi::HttpConfig::default();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", t.client_id.as_str()),
        ("client_secret", t.client_secret.as_str()),
        ("scope", umapi::auth::DEFAULT_SCOPE),
    ];
    let url = format!("{}/ims/token/v3", t.ims);
    let (token, _) =
        umapi::auth::request_token(&http.build_client()?, &http, &url, &form, false).await?;
    let auth = umapi::legacy::Auth::new(&t.client_id, token);
    Ok(umapi::legacy::Umapi::new(&t.endpoint, auth)?)
}
