//! Where a recipe runs: your tenants when their credentials are set, otherwise an embedded
//! sandbox of both APIs (seeded with demo data), so that every recipe works out of the box.
#![allow(dead_code)]

use idm_sandbox::{Sandbox, SandboxConfig};

/// Both clients, and the sandbox they talk to when no credentials are set (keep it alive).
pub struct Target {
    pub jumpcloud: jumpcloud::Client,
    pub adobe: umapi::Client,
    pub sandbox: Option<Sandbox>,
}

fn set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.trim().is_empty())
}

/// Against a real tenant, recipes change things only when asked (`--apply`).
pub fn real_and_not_asked(t: &Target) -> bool {
    t.sandbox.is_none() && !std::env::args().any(|a| a == "--apply")
}

pub async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    if set("JUMPCLOUD_API_KEY") && set("UMAPI_CLIENT_SECRET") {
        let jumpcloud = jumpcloud::Client::builder().from_env().build()?;
        // Without --apply, Adobe only validates (test mode).
        let apply = std::env::args().any(|a| a == "--apply");
        let adobe = umapi::Client::builder()
            .from_env()
            .test_mode(!apply)
            .build()?;
        return Ok(Target {
            jumpcloud,
            adobe,
            sandbox: None,
        });
    }
    let sandbox = Sandbox::start(SandboxConfig::default().users(40).groups(6)).await?;
    eprintln!(
        "(no credentials set: using an embedded sandbox at {})",
        sandbox.base_url()
    );
    let jumpcloud = jumpcloud::Client::builder()
        .base_url(sandbox.base_url())
        .api_key(sandbox.jumpcloud_info().api_key)
        .build()?;
    let adobe = sandbox_umapi(&sandbox).build()?;
    Ok(Target {
        jumpcloud,
        adobe,
        sandbox: Some(sandbox),
    })
}

/// A UMAPI client builder for the sandbox (no client-side pacing: it does not throttle).
pub fn sandbox_umapi(sandbox: &Sandbox) -> umapi::ClientBuilder {
    let info = sandbox.umapi_info();
    umapi::Client::builder()
        .org_id(info.org_id)
        .oauth(info.client_id, info.client_secret)
        .endpoint(info.endpoint)
        .ims_url(info.ims)
        .rate_limits(umapi::RateLimits::unlimited())
}

/// The blocking UMAPI client: your org, or a sandbox served by a runtime of its own (a
/// blocking client must not run inside the runtime that serves the sandbox).
/// The runtime serving an embedded sandbox, and the sandbox.
pub type Served = Option<(tokio::runtime::Runtime, Sandbox)>;

pub fn blocking_umapi() -> Result<(umapi::blocking::Client, Served), Box<dyn std::error::Error>> {
    if set("UMAPI_CLIENT_SECRET") {
        return Ok((umapi::blocking::Client::from_env()?, None));
    }
    let rt = tokio::runtime::Runtime::new()?;
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig::default().users(40).groups(6)))?;
    eprintln!(
        "(no credentials set: using an embedded sandbox at {})",
        sandbox.base_url()
    );
    let client = umapi::blocking::Client::new(sandbox_umapi(&sandbox))?;
    Ok((client, Some((rt, sandbox))))
}

/// The email to use when none is given: the sandbox's first JumpCloud user.
pub async fn first_email(t: &Target) -> Result<String, Box<dyn std::error::Error>> {
    let page = t
        .jumpcloud
        .v1()
        .systemusers()
        .list()
        .limit(1)
        .send()
        .await?;
    let first = page.results.unwrap_or_default().into_iter().next();
    Ok(first
        .and_then(|u| u.email)
        .ok_or("the sandbox has no user")?)
}
