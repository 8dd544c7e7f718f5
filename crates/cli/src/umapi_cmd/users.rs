//! `idm umapi users`: list, get, and single-user actions.

use clap::{Args, Subcommand, ValueEnum};
use umapi::{NewUser, UserAction, UserUpdate};

use super::{ActionOpts, IfExists, execute_one, no_such_user};
use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::listing::{ColumnOpts, LimitOpts, print_stream, to_value};
use crate::output;

const COLUMNS: &[&str] = &[
    "email",
    "type",
    "firstname",
    "lastname",
    "country",
    "status",
    "groups",
];

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// List users, page by page (streamed).
    #[command(
        after_help = "Examples:\n  idm umapi users list --all -o csv > users.csv\n  \
        idm umapi users list --group \"Design Team\" --direct-only"
    )]
    List {
        /// Only members of this group (user group, product profile or admin group).
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        /// Only users of this domain.
        #[arg(long, value_name = "DOMAIN")]
        domain: Option<String>,
        /// Each user's groups list only direct product-profile memberships (UMAPI's default);
        /// `--direct-only false` adds the profiles reached through user groups.
        #[arg(
            long,
            value_name = "BOOL",
            default_value_t = true,
            action = clap::ArgAction::Set,
            num_args = 0..=1,
            default_missing_value = "true"
        )]
        direct_only: bool,
        /// With --group naming a product profile: only members whose licence is active or inactive.
        #[arg(long, requires = "group", value_parser = ["active", "inactive"])]
        status: Option<String>,
        /// With --group: leave each user's groups out (smaller answers).
        #[arg(long, requires = "group")]
        exclude_groups: bool,
        #[command(flatten)]
        limit: LimitOpts,
        #[command(flatten)]
        columns: ColumnOpts,
    },
    /// Show one user.
    #[command(after_help = "Example:\n  idm umapi users get jdoe@example.com")]
    Get {
        /// The email (or username).
        email: String,
        /// The user's domain, when the username is not an email.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Create a user, optionally adding it to groups in the same action.
    #[command(
        after_help = "Example:\n  idm umapi users create jdoe@example.com --type federated --firstname Jo --lastname Doe --country US --groups \"Design Team\""
    )]
    Create(CreateArgs),
    /// Update a user's names, email or username.
    #[command(after_help = "Example:\n  idm umapi users update jdoe@example.com --lastname Smith")]
    Update {
        /// The user's email.
        email: String,
        /// New first name.
        #[arg(long)]
        firstname: Option<String>,
        /// New last name.
        #[arg(long)]
        lastname: Option<String>,
        /// New email.
        #[arg(long)]
        new_email: Option<String>,
        /// New username.
        #[arg(long)]
        username: Option<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Add a user to groups (user groups or product profiles).
    #[command(
        after_help = "Example:\n  idm umapi users add-to-groups jdoe@example.com \"Design Team\" \"All Apps\""
    )]
    AddToGroups {
        /// The user's email.
        email: String,
        /// The groups.
        #[arg(required = true)]
        groups: Vec<String>,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Remove a user from groups (or from every group with --all-groups).
    #[command(
        after_help = "Example:\n  idm umapi users remove-from-groups jdoe@example.com \"Design Team\""
    )]
    RemoveFromGroups {
        /// The user's email.
        email: String,
        /// The groups.
        #[arg(required_unless_present = "all_groups", conflicts_with = "all_groups")]
        groups: Vec<String>,
        /// Remove the user from every group.
        #[arg(long)]
        all_groups: bool,
        #[command(flatten)]
        opts: ActionOpts,
    },
    /// Remove a user from the organisation (and delete the account with --delete-account).
    #[command(after_help = "Example:\n  idm umapi users remove jdoe@example.com --delete-account")]
    Remove {
        /// The user's email.
        email: String,
        /// Also delete the account (Enterprise and Federated IDs).
        #[arg(long)]
        delete_account: bool,
        #[command(flatten)]
        opts: ActionOpts,
    },
}

/// The kinds of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdType {
    /// An Adobe ID (personal account; the user is invited).
    Adobe,
    /// An Enterprise ID (claimed domain; names required).
    Enterprise,
    /// A Federated ID (SSO; names and country required).
    Federated,
}

/// `idm umapi users create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The new user's email.
    email: String,
    /// The kind of account.
    #[arg(
        long = "type",
        value_enum,
        default_value = "federated",
        value_name = "TYPE"
    )]
    id_type: IdType,
    /// First name (Enterprise and Federated IDs).
    #[arg(long)]
    firstname: Option<String>,
    /// Last name (Enterprise and Federated IDs).
    #[arg(long)]
    lastname: Option<String>,
    /// Two-letter country code (required for Federated IDs).
    #[arg(long)]
    country: Option<String>,
    /// Groups to add the user to, in the same action (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    groups: Vec<String>,
    /// When the user exists already.
    #[arg(long, value_enum, default_value = "ignore", value_name = "WHAT")]
    if_exists: IfExists,
    #[command(flatten)]
    opts: ActionOpts,
}

/// A [`NewUser`] from the pieces of a create row or command.
pub fn new_user(
    id_type: IdType,
    email: &str,
    firstname: Option<&str>,
    lastname: Option<&str>,
    country: Option<&str>,
) -> CliResult<NewUser> {
    let need = |v: Option<&str>, what: &str| {
        v.map(str::to_owned).ok_or_else(|| {
            CliError::usage(format!(
                "creating a {id_type:?} ID needs --{what}",
                id_type = id_type
            ))
        })
    };
    let mut user = match id_type {
        IdType::Adobe => NewUser::adobe_id(email),
        IdType::Enterprise => NewUser::enterprise(
            email,
            need(firstname, "firstname")?,
            need(lastname, "lastname")?,
        ),
        IdType::Federated => NewUser::federated(
            email,
            need(firstname, "firstname")?,
            need(lastname, "lastname")?,
            need(country, "country")?,
        ),
    };
    if id_type == IdType::Adobe {
        if let Some(f) = firstname {
            user = user.firstname(f);
        }
        if let Some(l) = lastname {
            user = user.lastname(l);
        }
    }
    if let (Some(c), false) = (country, id_type == IdType::Federated) {
        user = user.country(c);
    }
    Ok(user)
}

/// Runs `idm umapi users ...`.
pub async fn run(ctx: &Ctx, cmd: UsersCmd) -> CliResult {
    match cmd {
        UsersCmd::List {
            group,
            domain,
            direct_only,
            status,
            exclude_groups,
            limit,
            columns,
        } => {
            let client = ctx.umapi(false)?;
            let mut q = client
                .users()
                .direct_only(direct_only)
                .concurrency(limit.concurrency(2000));
            if let Some(g) = group {
                q = q.in_group(g).exclude_groups(exclude_groups);
            }
            if let Some(st) = status {
                q = q.status(st);
            }
            if let Some(d) = domain {
                q = q.domain(d);
            }
            print_stream(ctx, q.stream(), Some(columns.or(COLUMNS)), &limit, "users").await
        }
        UsersCmd::Get { email, domain } => {
            let client = ctx.umapi(false)?;
            let mut q = client.user(email.clone());
            if let Some(d) = domain {
                q = q.domain(d);
            }
            let user = q.get().await?.ok_or_else(|| no_such_user(&email))?;
            output::print_one(ctx.format(false), &to_value(&user)?, None)
        }
        UsersCmd::Create(a) => {
            let mut user = new_user(
                a.id_type,
                &a.email,
                a.firstname.as_deref(),
                a.lastname.as_deref(),
                a.country.as_deref(),
            )?;
            user = user.on_conflict(a.if_exists.into());
            let mut action = UserAction::new(a.email.clone())?.create(user)?;
            if !a.groups.is_empty() {
                action = action.add_to_groups(a.groups)?;
            }
            execute_one(ctx, action, a.opts).await
        }
        UsersCmd::Update {
            email,
            firstname,
            lastname,
            new_email,
            username,
            opts,
        } => {
            let mut u = UserUpdate::new();
            if let Some(v) = firstname {
                u = u.firstname(v);
            }
            if let Some(v) = lastname {
                u = u.lastname(v);
            }
            if let Some(v) = new_email {
                u = u.email(v);
            }
            if let Some(v) = username {
                u = u.username(v);
            }
            execute_one(ctx, UserAction::new(email)?.update(u)?, opts).await
        }
        UsersCmd::AddToGroups {
            email,
            groups,
            opts,
        } => execute_one(ctx, UserAction::new(email)?.add_to_groups(groups)?, opts).await,
        UsersCmd::RemoveFromGroups {
            email,
            groups,
            all_groups,
            opts,
        } => {
            let action = UserAction::new(email)?;
            let action = if all_groups {
                action.remove_from_all_groups()?
            } else {
                action.remove_from_groups(groups)?
            };
            execute_one(ctx, action, opts).await
        }
        UsersCmd::Remove {
            email,
            delete_account,
            opts,
        } => {
            execute_one(
                ctx,
                UserAction::new(email)?.remove_from_org(delete_account)?,
                opts,
            )
            .await
        }
    }
}
