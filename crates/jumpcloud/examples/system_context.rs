//! From jcapi-python's README, "system context authorization example": list the groups a system is a member of,
//! signing the request as that system instead of using an API key.
//!
//! - with the key and id given: `cargo run -p jumpcloud --example system_context -- KEY_FILE SYSTEM_ID`
//! - on a machine with the JumpCloud agent (key in /opt/jc/client.key, id in /opt/jc/jcagent.conf):
//!   `cargo run -p jumpcloud --example system_context`
//! - anywhere else, the same command signs as a system of an embedded sandbox.

use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::system_context::AGENT_KEY_FILE;
use jumpcloud::{Client, SystemContext};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut builder = Client::builder().from_env();
    let mut sandbox = None;
    let context = match args.as_slice() {
        [key_file, system_id] => SystemContext::from_key_file(system_id, key_file)?,
        _ if std::path::Path::new(AGENT_KEY_FILE).exists() => SystemContext::from_agent()?,
        _ => {
            let sb = Sandbox::start(SandboxConfig::default().users(25).systems(3)).await?;
            let info = sb.jumpcloud_info();
            let sc = info
                .system_context
                .ok_or("the sandbox has no system that can sign")?;
            eprintln!(
                "(no key file given and no JumpCloud agent here: signing as system {} of an embedded sandbox at {})",
                sc.system_id,
                sb.base_url()
            );
            builder = builder.base_url(sb.base_url());
            sandbox = Some(sb);
            SystemContext::from_key_file(sc.system_id, sc.key_file)?
        }
    };
    let system_id = context.system_id().to_owned();
    // Every request is signed (Date + Authorization headers); no API key is needed.
    let client = builder.system_context(context).build()?;
    let groups = client
        .v2()
        .systems()
        .graph_system_member_of(&system_id)
        .send()
        .await?;
    for g in groups {
        println!("{:?} {:?}", g.id, g.r#type);
    }
    drop(sandbox);
    Ok(())
}
