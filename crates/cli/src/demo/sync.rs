//! The demo's last part: `idm sync` from the embedded JumpCloud into the embedded Adobe
//! organisation, which the sandbox seeds as one company (see `idm_sandbox::company`).

use std::path::Path;

use idm_sandbox::company::ADOBE_GROUPS;
use idm_sync::Change;
use idm_sync::config::{DirectorySource, Invocation};

use super::{fail, step};
use crate::CliError;

/// user-sync.py's main configuration file for the demo, mapping the JumpCloud groups named for
/// Adobe to what their members should hold.
fn user_sync_config() -> String {
    let mut groups = String::new();
    for (directory_group, adobe_groups) in ADOBE_GROUPS {
        groups.push_str(&format!(
            "    - directory_group: {directory_group}\n      adobe_groups: [{}]\n",
            adobe_groups.join(", ")
        ));
    }
    format!(
        "adobe_users:
  exclude_identity_types: [adobeID]
  exclude_adobe_groups: [_org_admin]
  update_attributes: [firstname, lastname]
directory_users:
  user_identity_type: enterpriseID
  default_country_code: US
  groups:
{groups}limits:
  max_adobe_only_users: 10
invocation_defaults:
  connector: jumpcloud
  process_groups: Yes
  update_user_info: Yes
"
    )
}

/// Plans (and, when `send`, runs) one sync; returns the plan's action count.
async fn sync_once(
    config_file: &Path,
    jc: &jumpcloud::Client,
    adobe: &umapi::Client,
    send: bool,
) -> Result<usize, CliError> {
    let config = idm_sync::config::load(&Invocation {
        config_filename: Some(config_file.to_owned()),
        ..Invocation::default()
    })
    .map_err(fail)?;
    let DirectorySource::Jumpcloud { options, .. } = &config.directory else {
        return Err(fail(
            "the demo's configuration names the JumpCloud connector",
        ));
    };
    let directory = idm_sync::jumpcloud_directory::read(jc, options)
        .await
        .map_err(fail)?;
    let users = adobe.users().all().await.map_err(fail)?;
    let plan = idm_sync::plan(&directory.users, &users, &config.rules).map_err(fail)?;
    let s = &plan.summary;
    println!(
        "read {} active JumpCloud users (staged and suspended ones count as absent) and {} Adobe users ({} excluded: Adobe IDs, the org admin)",
        directory.users.len(),
        s.adobe_users_read,
        s.adobe_users_excluded
    );
    println!(
        "plan: {} to create, {} to update, {} Adobe-only users kept (their mapped groups removed: {} actions)",
        s.created, s.updated, s.adobe_only, s.adobe_only_processed
    );
    if let Some(held) = &plan.limit_held {
        println!(
            "the limit held back {} Adobe-only actions (max_adobe_only_users: {})",
            held.count, held.setting
        );
    }
    for kind in [Change::Create, Change::Update, Change::AdobeOnly] {
        for p in plan.actions.iter().filter(|p| p.change == kind).take(2) {
            println!("  {:?} {}: {}", p.change, p.target, p.reason);
        }
    }
    if send && !plan.actions.is_empty() {
        let done = idm_sync::execute(adobe, &plan, None).await.map_err(fail)?;
        let ok = done
            .reports
            .iter()
            .filter(|r| r.status == umapi::ActionStatus::Done)
            .count();
        println!(
            "sent {} actions in {} requests: {ok} done, {} failed",
            done.reports.len(),
            done.requests,
            done.reports.len() - ok
        );
    }
    Ok(plan.actions.len())
}

/// Runs the sync part: the configuration, a first run with its plan, and a second that plans
/// nothing.
pub(super) async fn run(jc: &jumpcloud::Client, adobe: &umapi::Client) -> Result<(), CliError> {
    step("idm sync: JumpCloud → Adobe, with user-sync.py's configuration file");
    let dir = std::env::temp_dir().join(format!("idm-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let file = dir.join("user-sync-config.yml");
    let text = user_sync_config();
    std::fs::write(&file, &text).map_err(fail)?;
    println!("{}:\n{text}", file.display());
    let result = async {
        sync_once(&file, jc, adobe, true).await?;
        step("idm sync again: the directory and Adobe agree, so nothing is planned");
        let again = sync_once(&file, jc, adobe, false).await?;
        if again != 0 {
            return Err(fail(format!(
                "the second sync planned {again} actions; it should plan none"
            )));
        }
        Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}
