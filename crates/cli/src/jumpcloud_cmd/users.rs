//! `idm jumpcloud users`: system users (API v1).

use clap::{Args, Subcommand};
use jumpcloud::tasks::Sudo;
use jumpcloud::v1::models::{Systemuserput, Systemuserputpost};
use serde_json::json;

use super::{
    ListOpts, binding_rows, body_with, log_op, opt_str, print_object, print_rows, v1_list_opts,
};
use crate::context::Ctx;
use crate::errors::CliResult;
use crate::listing::print_stream;
use crate::output::{self, columns};
use crate::sanitize;

const COLUMNS: &[&str] = &[
    "_id",
    "username",
    "email",
    "firstname",
    "lastname",
    "activated",
    "suspended",
];

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// List system users.
    #[command(after_help = "Examples:\n  idm jumpcloud users list --limit 20\n  \
        idm jumpcloud users list --filter department:\\$eq:Sales --sort lastname --all -o csv")]
    List(ListOpts),
    /// Show one system user.
    #[command(after_help = "Example:\n  idm jumpcloud users get 5f3a2b1c9d8e7f6a5b4c3d2e")]
    Get {
        /// The user id.
        id: String,
        /// Only these fields, comma-separated.
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
    },
    /// Create a system user.
    #[command(
        after_help = "Example:\n  idm jumpcloud users create --username jdoe --email jdoe@example.com --firstname Jo --lastname Doe"
    )]
    Create(UserFields),
    /// Update a system user (only the fields given change).
    #[command(
        after_help = "Example:\n  idm jumpcloud users update 5f3a2b1c9d8e7f6a5b4c3d2e --lastname \"Updated Last Name\""
    )]
    Update {
        /// The user id.
        id: String,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Delete a system user.
    #[command(after_help = "Example:\n  idm jumpcloud users delete 5f3a2b1c9d8e7f6a5b4c3d2e")]
    Delete {
        /// The user id.
        id: String,
    },
    /// List the systems a user can log in to, directly or through groups, with their sudo.
    #[command(
        after_help = "Example:\n  idm jumpcloud users systems 5f3a2b1c9d8e7f6a5b4c3d2e -o csv"
    )]
    Systems {
        /// The user id.
        id: String,
    },
    /// Bind a user to a system, with a sudo level (binding again sets the level).
    #[command(
        after_help = "Examples:\n  idm jumpcloud users bind USER_ID SYSTEM_ID\n  \
        idm jumpcloud users bind USER_ID SYSTEM_ID --sudo nopassword"
    )]
    Bind {
        /// The user id.
        user_id: String,
        /// The system id.
        system_id: String,
        /// Sudo on the system: off, password (sudo asks for the user's password) or nopassword.
        /// Without it, a new binding has no sudo and one already there keeps its level.
        #[arg(long, value_name = "LEVEL")]
        sudo: Option<Sudo>,
    },
    /// Remove a user's direct binding to a system (bindings through groups stay).
    #[command(after_help = "Example:\n  idm jumpcloud users unbind USER_ID SYSTEM_ID")]
    Unbind {
        /// The user id.
        user_id: String,
        /// The system id.
        system_id: String,
    },
}

/// The columns of `users systems`.
const SYSTEM_COLUMNS: &[&str] = &["id", "hostname", "displayName", "sudo", "direct", "paths"];

/// The fields of a system user that have flags; anything else goes in `--body`.
#[derive(Debug, Args)]
pub struct UserFields {
    /// The username.
    #[arg(long)]
    username: Option<String>,
    /// The email address.
    #[arg(long)]
    email: Option<String>,
    /// The first name.
    #[arg(long)]
    firstname: Option<String>,
    /// The last name.
    #[arg(long)]
    lastname: Option<String>,
    /// The rest of the body, as JSON, @FILE or @- (stdin); the flags above win.
    #[arg(long, value_name = "JSON|@FILE")]
    body: Option<String>,
}

impl UserFields {
    fn build<T: serde::de::DeserializeOwned + serde::Serialize>(&self) -> CliResult<T> {
        body_with(
            self.body.as_deref(),
            &[
                ("username", opt_str(&self.username)),
                ("email", opt_str(&self.email)),
                ("firstname", opt_str(&self.firstname)),
                ("lastname", opt_str(&self.lastname)),
            ],
        )
    }
}

/// Runs `idm jumpcloud users ...`.
pub async fn run(ctx: &Ctx, cmd: UsersCmd) -> CliResult {
    let jc = ctx.jumpcloud(None)?;
    match cmd {
        UsersCmd::List(opts) => {
            log_op("systemusers_list");
            let req = v1_list_opts!(jc.v1().systemusers().list(), opts);
            print_stream(
                ctx,
                req.stream(),
                Some(opts.columns(COLUMNS)),
                &opts.limit,
                "users",
            )
            .await
        }
        UsersCmd::Get { id, fields } => {
            log_op("systemusers_get");
            let mut req = jc.v1().systemusers().get(id);
            if !fields.is_empty() {
                req = req.fields(fields.join(" "));
            }
            let user = req.send().await?;
            print_object(ctx, &user, (!fields.is_empty()).then_some(fields))
        }
        UsersCmd::Create(fields) => {
            log_op("systemusers_post");
            let body: Systemuserputpost = fields.build()?;
            let user = jc.v1().systemusers().post().body(&body).send().await?;
            print_object(ctx, &user, Some(columns(COLUMNS)))
        }
        UsersCmd::Update { id, fields } => {
            log_op("systemusers_put");
            let body: Systemuserput = fields.build()?;
            let user = jc.v1().systemusers().put(id).body(&body).send().await?;
            print_object(ctx, &user, Some(columns(COLUMNS)))
        }
        UsersCmd::Delete { id } => {
            log_op("systemusers_delete");
            let user = jc.v1().systemusers().delete(id).send().await?;
            print_object(ctx, &user, Some(columns(COLUMNS)))
        }
        UsersCmd::Systems { id } => {
            log_op("graph_userTraverseSystem");
            // The user's own setting grants sudo on every system they are bound to.
            let own = jc
                .v1()
                .systemusers()
                .get(&id)
                .fields("sudo passwordless_sudo");
            let own = Sudo::of_user(&own.send().await?);
            let bound = jc.v2().users().systems(&id).await?;
            let systems = jc.v1().systems();
            let names = |id| {
                let get = systems.get(id).fields("hostname displayName");
                async move {
                    get.send()
                        .await
                        .map(|s| serde_json::to_value(s).unwrap_or_default())
                }
            };
            let rows = binding_rows(bound, &["hostname", "displayName"], names, |_| own).await?;
            print_rows(ctx, &rows, SYSTEM_COLUMNS)
        }
        UsersCmd::Bind {
            user_id,
            system_id,
            sudo,
        } => {
            log_op("graph_userAssociationsPost");
            let new = jc
                .v2()
                .users()
                .bind_system(&user_id, &system_id, sudo)
                .await?;
            let sudo = sudo.map_or("unchanged", Sudo::as_str);
            let done = json!({"user_id": user_id, "system_id": system_id, "op": "bind",
                "new": new, "sudo": sudo, "status": "done"});
            output::print_one(ctx.format(false), &done, None)
        }
        UsersCmd::Unbind { user_id, system_id } => {
            log_op("graph_userAssociationsPost");
            let users = jc.v2().users();
            users.unbind_system(&user_id, &system_id).await?;
            // Removing the direct binding does not revoke access granted through groups.
            log_op("graph_userTraverseSystem");
            let left = users.systems(&user_id).await?;
            let paths = left
                .iter()
                .find(|b| b.id == system_id)
                .map_or(0, |b| b.paths);
            if paths > 0 {
                let (user, system) = (sanitize::line(&user_id), sanitize::line(&system_id));
                eprintln!(
                    "warning: {user} still reaches {system} through groups ({paths} path(s)); \
                     `idm jumpcloud users systems {user}` shows it, and removing those group \
                     memberships or associations revokes it"
                );
            }
            let done = json!({"user_id": user_id, "system_id": system_id, "op": "unbind",
                "paths_left": paths, "status": "done"});
            output::print_one(ctx.format(false), &done, None)
        }
    }
}
