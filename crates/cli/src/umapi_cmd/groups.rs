//! `idm umapi groups` (listing) and `idm umapi user-groups` (listing with the read-only flag, and group actions).

use clap::Subcommand;
use umapi::GroupAction;

use super::{ActionOpts, IfExists, execute_one};
use crate::context::Ctx;
use crate::errors::CliResult;
use crate::listing::{ColumnOpts, LimitOpts, print_stream};

const COLUMNS: &[&str] = &[
    "groupName",
    "type",
    "memberCount",
    "productName",
    "licenseQuota",
];

#[derive(Debug, Subcommand)]
pub enum GroupsCmd {
    /// List every group: user groups, product profiles and admin groups.
    #[command(after_help = "Example:\n  idm umapi groups list --all")]
    List {
        #[command(flatten)]
        limit: LimitOpts,
        #[command(flatten)]
        columns: ColumnOpts,
    },
}

/// Runs `idm umapi groups ...`.
pub async fn run(ctx: &Ctx, cmd: GroupsCmd) -> CliResult {
    match cmd {
        GroupsCmd::List { limit, columns } => {
            let client = ctx.umapi(false)?;
            let q = client.groups().concurrency(limit.concurrency(400));
            print_stream(ctx, q.stream(), Some(columns.or(COLUMNS)), &limit, "groups").await
        }
    }
}

const USER_GROUP_COLUMNS: &[&str] = &["name", "userCount", "adminGroupName", "isReadOnly"];

#[derive(Debug, Subcommand)]
pub enum UserGroupsCmd {
    /// List the user groups, with which are read-only (shared from another organisation: their
    /// members cannot be changed). Uses UMAPI's deprecated user-group listing, 5 pages a minute.
    #[command(after_help = "Example:\n  idm umapi user-groups list --all")]
    List {
        #[command(flatten)]
        limit: LimitOpts,
        #[command(flatten)]
        columns: ColumnOpts,
    },
    /// Create a user group.
    #[command(
        after_help = "Example:\n  idm umapi user-groups create \"Design Team\" --description \"Designers\""
    )]
    Create {
        /// The group name.
        name: String,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// When the group exists already.
        #[arg(long, value_enum, default_value = "ignore", value_name = "WHAT")]
        if_exists: IfExists,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Rename a user group or change its description.
    #[command(
        after_help = "Example:\n  idm umapi user-groups update \"Design Team\" --new-name \"Design\""
    )]
    Update {
        /// The group name.
        name: String,
        /// The new name.
        #[arg(long, required_unless_present = "description")]
        new_name: Option<String>,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Delete a user group.
    #[command(after_help = "Example:\n  idm umapi user-groups delete \"Old Team\"")]
    Delete {
        /// The group name.
        name: String,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Add users (emails) to a user group.
    #[command(
        after_help = "Example:\n  idm umapi user-groups add-users \"Design Team\" jdoe@example.com asmith@example.com"
    )]
    AddUsers {
        /// The group name.
        name: String,
        /// The users' emails.
        #[arg(required = true)]
        users: Vec<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Remove users from a user group.
    #[command(
        after_help = "Example:\n  idm umapi user-groups remove-users \"Design Team\" jdoe@example.com"
    )]
    RemoveUsers {
        /// The group name.
        name: String,
        /// The users' emails.
        #[arg(required = true)]
        users: Vec<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Give a user group's members product profiles.
    #[command(
        after_help = "Example:\n  idm umapi user-groups add-products \"Design Team\" \"All Apps - Default\""
    )]
    AddProducts {
        /// The group name.
        name: String,
        /// The product profiles.
        #[arg(required = true)]
        profiles: Vec<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Take product profiles away from a user group.
    #[command(
        after_help = "Example:\n  idm umapi user-groups remove-products \"Design Team\" \"All Apps - Default\""
    )]
    RemoveProducts {
        /// The group name.
        name: String,
        /// The product profiles.
        #[arg(required = true)]
        profiles: Vec<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
}

/// Runs `idm umapi user-groups ...`: one group action.
pub async fn run_user_groups(ctx: &Ctx, cmd: UserGroupsCmd) -> CliResult {
    let (action, opts) = match cmd {
        UserGroupsCmd::List { limit, columns } => {
            let client = ctx.umapi(false)?;
            let q = client.user_groups().concurrency(limit.concurrency(400));
            let columns = Some(columns.or(USER_GROUP_COLUMNS));
            return print_stream(ctx, q.stream(), columns, &limit, "user groups").await;
        }
        UserGroupsCmd::Create {
            name,
            description,
            if_exists,
            opts,
        } => (
            GroupAction::new(name)?.create(description.as_deref(), if_exists.into())?,
            opts,
        ),
        UserGroupsCmd::Update {
            name,
            new_name,
            description,
            opts,
        } => (
            GroupAction::new(name)?.update(new_name.as_deref(), description.as_deref())?,
            opts,
        ),
        UserGroupsCmd::Delete { name, opts } => (GroupAction::new(name)?.delete()?, opts),
        UserGroupsCmd::AddUsers { name, users, opts } => {
            (GroupAction::new(name)?.add_users(users)?, opts)
        }
        UserGroupsCmd::RemoveUsers { name, users, opts } => {
            (GroupAction::new(name)?.remove_users(users)?, opts)
        }
        UserGroupsCmd::AddProducts {
            name,
            profiles,
            opts,
        } => (GroupAction::new(name)?.add_to_products(profiles)?, opts),
        UserGroupsCmd::RemoveProducts {
            name,
            profiles,
            opts,
        } => (
            GroupAction::new(name)?.remove_from_products(profiles)?,
            opts,
        ),
    };
    execute_one(ctx, action, opts).await
}
