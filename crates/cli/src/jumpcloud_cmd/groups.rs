//! `idm jumpcloud user-groups`, `system-groups` and `member-of` (API v2).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jumpcloud::v2::models::{SystemGroupData, UserGroupPost};
use serde_json::json;

use super::{LimitOpts, ListOpts, body_with, log_op, opt_str, print_object, v2_list_opts};
use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::listing::print_stream;
use crate::output::{self, columns};

const GROUP_COLUMNS: &[&str] = &["id", "name", "type", "description"];
const MEMBER_COLUMNS: &[&str] = &["to.id", "to.type"];
const MEMBER_OF_COLUMNS: &[&str] = &["id", "type"];

/// Which kind of group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// User groups: members are system users.
    User,
    /// System groups: members are systems.
    System,
}

impl Kind {
    fn member(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::System => "system",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// List groups.
    #[command(after_help = "Examples:\n  idm jumpcloud user-groups list\n  \
        idm jumpcloud user-groups list --filter name:search:eng --sort name")]
    List(ListOpts),
    /// Show one group.
    #[command(after_help = "Example:\n  idm jumpcloud user-groups get 5f3a2b1c9d8e7f6a5b4c3d2e")]
    Get {
        /// The group id.
        id: String,
    },
    /// Create a group.
    #[command(
        after_help = "Example:\n  idm jumpcloud user-groups create \"Design Team\" --description \"Designers\""
    )]
    Create {
        /// The group name.
        name: String,
        /// A description (user groups only).
        #[arg(long)]
        description: Option<String>,
        /// The rest of the body, as JSON, @FILE or @- (stdin); the arguments above win.
        #[arg(long, value_name = "JSON|@FILE")]
        body: Option<String>,
    },
    /// Delete a group.
    #[command(after_help = "Example:\n  idm jumpcloud user-groups delete 5f3a2b1c9d8e7f6a5b4c3d2e")]
    Delete {
        /// The group id.
        id: String,
    },
    /// List a group's direct members.
    #[command(
        after_help = "Example:\n  idm jumpcloud user-groups members 5f3a2b1c9d8e7f6a5b4c3d2e --all"
    )]
    Members {
        /// The group id.
        id: String,
        #[command(flatten)]
        limit: LimitOpts,
    },
    /// Add a member (a user to a user group, a system to a system group).
    #[command(after_help = "Example:\n  idm jumpcloud user-groups add-member GROUP_ID USER_ID")]
    AddMember {
        /// The group id.
        group_id: String,
        /// The user or system id.
        member_id: String,
    },
    /// Remove a member.
    #[command(after_help = "Example:\n  idm jumpcloud user-groups remove-member GROUP_ID USER_ID")]
    RemoveMember {
        /// The group id.
        group_id: String,
        /// The user or system id.
        member_id: String,
    },
}

/// The operation a group command calls.
fn op_id(kind: Kind, cmd: &GroupCmd) -> &'static str {
    match (kind, cmd) {
        (Kind::User, GroupCmd::List(_)) => "groups_user_list",
        (Kind::User, GroupCmd::Get { .. }) => "groups_user_get",
        (Kind::User, GroupCmd::Create { .. }) => "groups_user_post",
        (Kind::User, GroupCmd::Delete { .. }) => "groups_user_delete",
        (Kind::User, GroupCmd::Members { .. }) => "graph_userGroupMembersList",
        (Kind::User, _) => "graph_userGroupMembersPost",
        (Kind::System, GroupCmd::List(_)) => "groups_system_list",
        (Kind::System, GroupCmd::Get { .. }) => "groups_system_get",
        (Kind::System, GroupCmd::Create { .. }) => "groups_system_post",
        (Kind::System, GroupCmd::Delete { .. }) => "groups_system_delete",
        (Kind::System, GroupCmd::Members { .. }) => "graph_systemGroupMembersList",
        (Kind::System, _) => "graph_systemGroupMembersPost",
    }
}

/// Runs `idm jumpcloud user-groups ...` or `system-groups ...`.
pub async fn run(ctx: &Ctx, kind: Kind, cmd: GroupCmd) -> CliResult {
    let jc = ctx.jumpcloud(None)?;
    log_op(op_id(kind, &cmd));
    let v2 = jc.v2();
    match (kind, cmd) {
        (Kind::User, GroupCmd::List(opts)) => {
            let req = v2_list_opts!(v2.user_groups().list(), opts);
            let cols = opts.columns(GROUP_COLUMNS);
            print_stream(ctx, req.stream(), Some(cols), &opts.limit, "user groups").await
        }
        (Kind::System, GroupCmd::List(opts)) => {
            let req = v2_list_opts!(v2.system_groups().list(), opts);
            let cols = opts.columns(GROUP_COLUMNS);
            print_stream(ctx, req.stream(), Some(cols), &opts.limit, "system groups").await
        }
        (Kind::User, GroupCmd::Get { id }) => {
            print_object(ctx, &v2.user_groups().get(id).send().await?, None)
        }
        (Kind::System, GroupCmd::Get { id }) => {
            print_object(ctx, &v2.system_groups().get(id).send().await?, None)
        }
        (
            Kind::User,
            GroupCmd::Create {
                name,
                description,
                body,
            },
        ) => {
            let body: UserGroupPost = body_with(
                body.as_deref(),
                &[
                    ("name", Some(json!(name))),
                    ("description", opt_str(&description)),
                ],
            )?;
            let group = v2.user_groups().post().body(&body).send().await?;
            print_object(ctx, &group, None)
        }
        (
            Kind::System,
            GroupCmd::Create {
                name,
                description,
                body,
            },
        ) => {
            if description.is_some() {
                return Err(CliError::usage(
                    "system groups have no description in the API; drop --description",
                ));
            }
            let body: SystemGroupData = body_with(body.as_deref(), &[("name", Some(json!(name)))])?;
            let group = v2.system_groups().post().body(&body).send().await?;
            print_object(ctx, &group, None)
        }
        (Kind::User, GroupCmd::Delete { id }) => {
            v2.user_groups().delete(id.clone()).send().await?;
            deleted(ctx, Kind::User, &id)
        }
        (Kind::System, GroupCmd::Delete { id }) => {
            v2.system_groups().delete(id.clone()).send().await?;
            deleted(ctx, Kind::System, &id)
        }
        (Kind::User, GroupCmd::Members { id, limit }) => {
            let req = v2
                .user_groups()
                .graph_user_group_members_list(id)
                .limit(limit.page_size())
                .concurrency(limit.concurrency(limit.page_size() as u64));
            print_stream(
                ctx,
                req.stream(),
                Some(columns(MEMBER_COLUMNS)),
                &limit,
                "members",
            )
            .await
        }
        (Kind::System, GroupCmd::Members { id, limit }) => {
            let req = v2
                .system_groups()
                .graph_system_group_members_list(id)
                .limit(limit.page_size())
                .concurrency(limit.concurrency(limit.page_size() as u64));
            print_stream(
                ctx,
                req.stream(),
                Some(columns(MEMBER_COLUMNS)),
                &limit,
                "members",
            )
            .await
        }
        (
            kind,
            GroupCmd::AddMember {
                group_id,
                member_id,
            },
        ) => change_member(ctx, &jc, kind, true, group_id, member_id).await,
        (
            kind,
            GroupCmd::RemoveMember {
                group_id,
                member_id,
            },
        ) => change_member(ctx, &jc, kind, false, group_id, member_id).await,
    }
}

/// Adds or removes a member, then says so.
async fn change_member(
    ctx: &Ctx,
    jc: &jumpcloud::Client,
    kind: Kind,
    add: bool,
    group_id: String,
    member_id: String,
) -> CliResult {
    let v2 = jc.v2();
    match (kind, add) {
        (Kind::User, true) => v2.user_groups().add_member(&group_id, &member_id).await?,
        (Kind::User, false) => {
            v2.user_groups()
                .remove_member(&group_id, &member_id)
                .await?
        }
        (Kind::System, true) => v2.system_groups().add_member(&group_id, &member_id).await?,
        (Kind::System, false) => {
            v2.system_groups()
                .remove_member(&group_id, &member_id)
                .await?
        }
    }
    let result = json!({
        "group_id": group_id,
        "member_id": member_id,
        "member_type": kind.member(),
        "op": if add { "add" } else { "remove" },
        "status": "done",
    });
    output::print_one(ctx.format(false), &result, None)
}

/// Says which group was deleted (the API answers with nothing useful).
fn deleted(ctx: &Ctx, kind: Kind, id: &str) -> CliResult {
    let result = json!({"id": id, "type": format!("{}_group", kind.member()), "status": "deleted"});
    output::print_one(ctx.format(false), &result, None)
}

/// `idm jumpcloud member-of`.
#[derive(Debug, Args)]
pub struct MemberOfArgs {
    /// The groups of this system user.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "system_id",
        conflicts_with = "system_id"
    )]
    user_id: Option<String>,
    /// The groups of this system.
    #[arg(long, value_name = "ID")]
    system_id: Option<String>,
    /// Sign the request as the system with its private key (System Context Authorization,
    /// e.g. /opt/jc/client.key); no API key needed.
    #[arg(long, value_name = "KEYFILE")]
    system_context: Option<PathBuf>,
    /// A filter, FIELD:OPERATOR:VALUE (repeat for several).
    #[arg(long = "filter", value_name = "EXPR")]
    filter: Vec<String>,
    #[command(flatten)]
    limit: LimitOpts,
}

/// Lists the groups a user or a system is a member of, directly or not.
pub async fn member_of(ctx: &Ctx, a: MemberOfArgs) -> CliResult {
    let cols = columns(MEMBER_OF_COLUMNS);
    if a.system_context.is_some() && a.system_id.is_none() {
        return Err(CliError::usage(
            "--system-context signs as a system: give --system-id too (a user cannot sign)",
        ));
    }
    if let Some(user) = a.user_id {
        let jc = ctx.jumpcloud(None)?;
        log_op("graph_userMemberOf");
        let mut req = jc
            .v2()
            .graph()
            .user_member_of(user)
            .limit(a.limit.page_size())
            .concurrency(a.limit.concurrency(a.limit.page_size() as u64));
        if !a.filter.is_empty() {
            req = req.filter(a.filter);
        }
        return print_stream(ctx, req.stream(), Some(cols), &a.limit, "groups").await;
    }
    let system = a
        .system_id
        .ok_or_else(|| CliError::usage("give --user-id or --system-id"))?;
    let signed = match &a.system_context {
        Some(key) => Some(jumpcloud::SystemContext::from_key_file(
            system.clone(),
            key,
        )?),
        None => None,
    };
    let jc = ctx.jumpcloud(signed)?;
    log_op("graph_systemMemberOf");
    let mut req = jc
        .v2()
        .graph()
        .system_member_of(system)
        .limit(a.limit.page_size())
        .concurrency(a.limit.concurrency(a.limit.page_size() as u64));
    if !a.filter.is_empty() {
        req = req.filter(a.filter);
    }
    print_stream(ctx, req.stream(), Some(cols), &a.limit, "groups").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_logged_operation_is_in_the_catalog() {
        let cmds = || {
            [
                GroupCmd::List(ListOpts {
                    filter: vec![],
                    sort: None,
                    fields: vec![],
                    limit: LimitOpts::everything(),
                }),
                GroupCmd::Get { id: String::new() },
                GroupCmd::Create {
                    name: String::new(),
                    description: None,
                    body: None,
                },
                GroupCmd::Delete { id: String::new() },
                GroupCmd::Members {
                    id: String::new(),
                    limit: LimitOpts::everything(),
                },
                GroupCmd::AddMember {
                    group_id: String::new(),
                    member_id: String::new(),
                },
            ]
        };
        for kind in [Kind::User, Kind::System] {
            for cmd in cmds() {
                let id = op_id(kind, &cmd);
                assert!(jumpcloud::catalog::find(id).is_some(), "{id}");
            }
        }
    }
}
