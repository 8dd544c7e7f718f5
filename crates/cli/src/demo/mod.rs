//! `idm demo`: starts an embedded sandbox and walks through what the seeds show.
//!
//! JumpCloud: list system users, update one, list user groups, and a system listing its own
//! groups with System Context Authorization. UMAPI: pages, groups, a batched action, per-step
//! errors, test mode. Then `idm sync` from JumpCloud into Adobe, twice: the second plans nothing.

use futures_util::TryStreamExt;
use idm_sandbox::{Sandbox, SandboxConfig};
use umapi::{Client, GroupType, NewUser, RateLimits, UserAction};

use crate::CliError;

mod sync;

fn step(title: &str) {
    println!("\n== {title}");
}

fn fail(e: impl std::fmt::Display) -> CliError {
    CliError::failure(e.to_string())
}

/// Runs the demo: starts an embedded sandbox and prints each step and its result.
pub async fn run() -> Result<(), CliError> {
    let sandbox = Sandbox::start(SandboxConfig {
        users: 45,
        user_page_size: 20,
        group_page_size: 20,
        ..Default::default()
    })
    .await
    .map_err(|e| CliError::failure(format!("cannot start the embedded sandbox: {e}")))?;
    println!(
        "Embedded sandbox at {} (demo data, no credentials needed)",
        sandbox.base_url()
    );
    let jc = jumpcloud_part(&sandbox).await?;

    let info = sandbox.umapi_info();
    let builder = Client::builder()
        .org_id(&info.org_id)
        .oauth(&info.client_id, &info.client_secret)
        .endpoint(&info.endpoint)
        .ims_url(&info.ims)
        .rate_limits(RateLimits::unlimited());
    let client = builder.clone().build().map_err(fail)?;

    step("UMAPI: list users, page by page");
    let query = client.users();
    let mut pages = std::pin::pin!(query.pages());
    while let Some(page) = pages.try_next().await.map_err(fail)? {
        let first = page.items.first().map(|u| u.email.as_str()).unwrap_or("-");
        println!(
            "page {}: {} users (first: {first}), lastPage = {}",
            page.number,
            page.items.len(),
            page.last_page
        );
    }
    let stats = query.stats();
    println!(
        "received {} users; X-Total-Count = {} (UMAPI also counts technical accounts, which it never lists)",
        stats.items,
        stats
            .total_count
            .map(|n| n.to_string())
            .unwrap_or_else(|| "absent".into())
    );

    step("UMAPI: list groups, page by page");
    let mut groups = Vec::new();
    let query = client.groups();
    let mut pages = std::pin::pin!(query.pages());
    while let Some(page) = pages.try_next().await.map_err(fail)? {
        println!(
            "page {}: {} groups, lastPage = {}",
            page.number,
            page.items.len(),
            page.last_page
        );
        groups.extend(page.items);
    }
    for g in groups.iter().take(8) {
        let kind = g
            .group_type
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or_default();
        println!(
            "{:<40} {:<24} {} members",
            g.group_name,
            kind,
            g.member_count.unwrap_or(0)
        );
    }
    println!("... {} groups in all", groups.len());
    let user_groups: Vec<String> = groups
        .iter()
        .filter(|g| g.group_type == Some(GroupType::UserGroup))
        .map(|g| g.group_name.clone())
        .take(2)
        .collect();

    step("UMAPI: create a user and add it to two groups in one batched action");
    let action = UserAction::new("demo.user@example.com")
        .and_then(|a| {
            a.create(NewUser::enterprise("demo.user@example.com", "Demo", "User").country("US"))
        })
        .and_then(|a| a.add_to_groups(user_groups.clone()))
        .map_err(fail)?;
    println!("sending: {}", action.to_wire());
    let report = client.execute([action]).await.map_err(fail)?;
    println!(
        "result: {}",
        serde_json::to_string(&report.actions[0]).map_err(fail)?
    );
    let user = client
        .user("demo.user@example.com")
        .get()
        .await
        .map_err(fail)?;
    println!(
        "the user now: {}",
        serde_json::to_string(&user).map_err(fail)?
    );

    step("UMAPI: a failing action reports the step and the server's error");
    let bad = UserAction::new("demo.user@example.com")
        .and_then(|a| a.add_to_groups(["No Such Group"]))
        .map_err(fail)?;
    match client.execute([bad]).await {
        Err(umapi::Error::Batch(b)) => {
            for e in &b.report.actions[0].errors {
                let step = e
                    .step
                    .map_or_else(|| "the action".to_owned(), |s| format!("step {s}"));
                println!("{step} failed: {} ({})", e.code, e.message);
            }
        }
        other => return Err(fail(format!("expected a failed action, got {other:?}"))),
    }

    step("UMAPI: test mode validates without changing anything");
    let dry = builder.test_mode(true).build().map_err(fail)?;
    let action = UserAction::new("dry.run@example.com")
        .and_then(|a| a.create(NewUser::enterprise("dry.run@example.com", "Dry", "Run")))
        .map_err(fail)?;
    let report = dry.execute([action]).await.map_err(fail)?;
    let exists = client
        .user("dry.run@example.com")
        .get()
        .await
        .map_err(fail)?
        .is_some();
    println!(
        "test mode: {} action(s) would complete; the user exists afterwards: {exists}",
        report.completed().count()
    );

    sync::run(&jc, &client).await?;

    sandbox.shutdown().await;
    println!(
        "\nDone. Next: try any command with --sandbox (e.g. `idm --sandbox umapi users list`), \
         `idm sandbox serve` to keep a sandbox running for your own code, or `idm --help`."
    );
    Ok(())
}

/// The programs of jcapi-python's README, against the sandbox's JumpCloud half; returns the
/// client, for the sync at the end.
async fn jumpcloud_part(sandbox: &Sandbox) -> Result<jumpcloud::Client, CliError> {
    let info = sandbox.jumpcloud_info();
    let jc = jumpcloud::Client::builder()
        .base_url(sandbox.base_url())
        .api_key(&info.api_key)
        .build()
        .map_err(fail)?;

    step("JumpCloud v1: list system users");
    let users = jc.v1().systemusers().list().all().await.map_err(fail)?;
    for u in users.iter().take(5) {
        println!(
            "{}  {:<22} {}",
            u.id.as_deref().unwrap_or("-"),
            u.username.as_deref().unwrap_or("-"),
            u.email.as_deref().unwrap_or("-")
        );
    }
    println!("{} system users in all", users.len());

    step("JumpCloud v1: update a system user");
    let first = users
        .first()
        .ok_or_else(|| fail("the sandbox has no users"))?;
    let id = first.id.clone().unwrap_or_default();
    let body = jumpcloud::v1::models::Systemuserput {
        email: first.email.clone(),
        username: first.username.clone(),
        lastname: Some("Updated Last Name".into()),
        ..Default::default()
    };
    let updated = jc
        .v1()
        .systemusers()
        .put(&id)
        .body(&body)
        .send()
        .await
        .map_err(fail)?;
    println!(
        "{id}: lastname is now {:?}",
        updated.lastname.as_deref().unwrap_or("-")
    );

    step("JumpCloud v2: list user groups");
    for g in jc.v2().user_groups().list().all().await.map_err(fail)? {
        println!(
            "{}  {}",
            g.id.as_deref().unwrap_or("-"),
            g.name.as_deref().unwrap_or("-")
        );
    }

    step("JumpCloud v2: a system lists its own groups (System Context Authorization)");
    let ctx = info
        .system_context
        .ok_or_else(|| fail("the sandbox has no system with a key for System Context"))?;
    println!(
        "signing as system {} with its private key {}",
        ctx.system_id, ctx.key_file
    );
    let signer =
        jumpcloud::SystemContext::from_key_file(&ctx.system_id, &ctx.key_file).map_err(fail)?;
    // No API key: every request is signed with the system's key and a fresh Date.
    let as_system = jumpcloud::Client::builder()
        .base_url(sandbox.base_url())
        .system_context(signer)
        .build()
        .map_err(fail)?;
    let groups = as_system
        .v2()
        .graph()
        .system_member_of(&ctx.system_id)
        .all()
        .await
        .map_err(fail)?;
    for g in &groups {
        println!(
            "{}  {}",
            g.id.as_deref().unwrap_or("-"),
            g.r#type.as_ref().map(|t| t.to_string()).unwrap_or_default()
        );
    }
    println!("system {} is in {} group(s)", ctx.system_id, groups.len());
    Ok(jc)
}
