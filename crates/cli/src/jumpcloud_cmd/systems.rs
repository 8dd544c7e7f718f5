//! `idm jumpcloud systems`: systems (API v1).

use clap::Subcommand;
use jumpcloud::v1::models::Systemput;
use serde_json::Value;

use super::{
    ListOpts, binding_rows, body_with, log_op, opt_str, print_object, print_rows, v1_list_opts,
};
use crate::context::Ctx;
use crate::errors::CliResult;
use crate::listing::print_stream;
use crate::output::columns;

const COLUMNS: &[&str] = &[
    "_id",
    "displayName",
    "hostname",
    "os",
    "version",
    "active",
    "lastContact",
];

#[derive(Debug, Subcommand)]
pub enum SystemsCmd {
    /// List systems.
    #[command(after_help = "Examples:\n  idm jumpcloud systems list\n  \
        idm jumpcloud systems list --filter os:\\$eq:Ubuntu --all -o ndjson")]
    List(ListOpts),
    /// Show one system.
    #[command(after_help = "Example:\n  idm jumpcloud systems get 5f3a2b1c9d8e7f6a5b4c3d2e")]
    Get {
        /// The system id.
        id: String,
        /// Only these fields, comma-separated.
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
    },
    /// Update a system (display name, SSH and MFA settings, tags, or any field with --body).
    #[command(
        after_help = "Example:\n  idm jumpcloud systems update 5f3a2b1c9d8e7f6a5b4c3d2e --display-name build-01"
    )]
    Update {
        /// The system id.
        id: String,
        /// The display name.
        #[arg(long)]
        display_name: Option<String>,
        /// Allow SSH password authentication.
        #[arg(long, value_name = "BOOL")]
        allow_ssh_password_authentication: Option<bool>,
        /// Allow SSH root login.
        #[arg(long, value_name = "BOOL")]
        allow_ssh_root_login: Option<bool>,
        /// Require multi-factor authentication.
        #[arg(long, value_name = "BOOL")]
        allow_multi_factor_authentication: Option<bool>,
        /// The rest of the body, as JSON, @FILE or @- (stdin); the flags above win.
        #[arg(long, value_name = "JSON|@FILE")]
        body: Option<String>,
    },
    /// Delete a system.
    #[command(after_help = "Example:\n  idm jumpcloud systems delete 5f3a2b1c9d8e7f6a5b4c3d2e")]
    Delete {
        /// The system id.
        id: String,
    },
    /// List the users who can log in to a system, directly or through groups, with their sudo.
    #[command(
        after_help = "Example:\n  idm jumpcloud systems users 5f3a2b1c9d8e7f6a5b4c3d2e -o csv"
    )]
    Users {
        /// The system id.
        id: String,
    },
}

/// The columns of `systems users`.
const USER_COLUMNS: &[&str] = &["id", "username", "email", "sudo", "direct", "paths"];

/// Runs `idm jumpcloud systems ...`.
pub async fn run(ctx: &Ctx, cmd: SystemsCmd) -> CliResult {
    let jc = ctx.jumpcloud(None)?;
    match cmd {
        SystemsCmd::List(opts) => {
            log_op("systems_list");
            let req = v1_list_opts!(jc.v1().systems().list(), opts);
            print_stream(
                ctx,
                req.stream(),
                Some(opts.columns(COLUMNS)),
                &opts.limit,
                "systems",
            )
            .await
        }
        SystemsCmd::Get { id, fields } => {
            log_op("systems_get");
            let mut req = jc.v1().systems().get(id);
            if !fields.is_empty() {
                req = req.fields(fields.join(" "));
            }
            let system = req.send().await?;
            print_object(ctx, &system, (!fields.is_empty()).then_some(fields))
        }
        SystemsCmd::Update {
            id,
            display_name,
            allow_ssh_password_authentication,
            allow_ssh_root_login,
            allow_multi_factor_authentication,
            body,
        } => {
            log_op("systems_put");
            let body: Systemput = body_with(
                body.as_deref(),
                &[
                    ("displayName", opt_str(&display_name)),
                    (
                        "allowSshPasswordAuthentication",
                        allow_ssh_password_authentication.map(Value::Bool),
                    ),
                    ("allowSshRootLogin", allow_ssh_root_login.map(Value::Bool)),
                    (
                        "allowMultiFactorAuthentication",
                        allow_multi_factor_authentication.map(Value::Bool),
                    ),
                ],
            )?;
            let system = jc.v1().systems().put(id).body(&body).send().await?;
            print_object(ctx, &system, Some(columns(COLUMNS)))
        }
        SystemsCmd::Delete { id } => {
            log_op("systems_delete");
            let system = jc.v1().systems().delete(id).send().await?;
            print_object(ctx, &system, Some(columns(COLUMNS)))
        }
        SystemsCmd::Users { id } => {
            log_op("graph_systemTraverseUser");
            let bound = jc.v2().systems().users(&id).await?;
            let users = jc.v1().systemusers();
            let read = |id| {
                let get = users
                    .get(id)
                    .fields("username email sudo passwordless_sudo");
                async move {
                    get.send()
                        .await
                        .map(|u| serde_json::to_value(u).unwrap_or_default())
                }
            };
            // A user's own setting grants sudo on every system they are bound to.
            let own_sudo = |user: &Value| {
                let user = serde_json::from_value(user.clone()).unwrap_or_default();
                jumpcloud::tasks::Sudo::of_user(&user)
            };
            let rows = binding_rows(bound, &["username", "email"], read, own_sudo).await?;
            print_rows(ctx, &rows, USER_COLUMNS)
        }
    }
}
