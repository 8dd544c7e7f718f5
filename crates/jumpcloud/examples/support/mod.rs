//! Where the examples run: the tenant of `JUMPCLOUD_API_KEY` when it is set, otherwise an
//! embedded sandbox with demo data, so that every example works out of the box.

use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::Client;

/// The client, and the sandbox it talks to when there is no API key (keep it alive).
pub async fn target() -> Result<(Client, Option<Sandbox>), Box<dyn std::error::Error>> {
    if std::env::var("JUMPCLOUD_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        return Ok((Client::builder().from_env().build()?, None));
    }
    let sandbox = Sandbox::start(SandboxConfig::default().users(25).groups(5)).await?;
    let info = sandbox.jumpcloud_info();
    eprintln!(
        "(JUMPCLOUD_API_KEY is not set: using an embedded sandbox at {})",
        sandbox.base_url()
    );
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .api_key(info.api_key)
        .build()?;
    Ok((client, Some(sandbox)))
}
