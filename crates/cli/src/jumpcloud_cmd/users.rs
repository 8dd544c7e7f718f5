//! `idm jumpcloud users`: system users (API v1).

use clap::{Args, Subcommand};
use jumpcloud::v1::models::{Systemuserput, Systemuserputpost};

use super::{ListOpts, body_with, log_op, opt_str, print_object, v1_list_opts};
use crate::context::Ctx;
use crate::errors::CliResult;
use crate::listing::print_stream;
use crate::output::columns;

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
}

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
    }
}
