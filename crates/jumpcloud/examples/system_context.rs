//! Seed 000, "system context authorization example": list the groups a system is a member of,
//! signing the request as that system instead of using an API key.
//!
//! Run on a machine with the JumpCloud agent (key in /opt/jc/client.key, id in /opt/jc/jcagent.conf):
//! `cargo run -p jumpcloud --example system_context`
//! or anywhere with the key and id given: `... --example system_context -- KEY_FILE SYSTEM_ID`

use jumpcloud::{Client, SystemContext};

#[tokio::main]
async fn main() -> Result<(), jumpcloud::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let context = match args.as_slice() {
        [key_file, system_id] => SystemContext::from_key_file(system_id, key_file)?,
        _ => SystemContext::from_agent()?,
    };
    let system_id = context.system_id().to_owned();
    // Every request is signed (Date + Authorization headers); no API key is needed.
    let client = Client::builder()
        .from_env()
        .system_context(context)
        .build()?;
    let groups = client
        .v2()
        .systems()
        .graph_system_member_of(&system_id)
        .send()
        .await?;
    for g in groups {
        println!("{:?} {:?}", g.id, g.r#type);
    }
    Ok(())
}
