//! `idm jumpcloud`: system users, systems, user and system groups, memberships, and any of the
//! operations of the catalog by id, and Directory Insights events.

mod call;
mod events;
mod groups;
mod systems;
mod users;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
pub use crate::listing::LimitOpts;
use crate::listing::to_value;
use crate::output::{self, Columns};

/// `idm jumpcloud ...`.
#[derive(Debug, Args)]
pub struct JumpcloudArgs {
    /// The organisation to act on (`x-org-id`), for multi-tenant admins [env: JUMPCLOUD_ORG_ID].
    #[arg(long, global = true, value_name = "ID")]
    pub org_id: Option<String>,

    #[command(subcommand)]
    command: JcCommand,
}

#[derive(Debug, Subcommand)]
enum JcCommand {
    /// System users (API v1).
    #[command(
        subcommand,
        after_help = "Example:\n  idm jumpcloud users list --limit 10"
    )]
    Users(users::UsersCmd),
    /// Systems (API v1).
    #[command(
        subcommand,
        after_help = "Example:\n  idm jumpcloud systems list --all -o csv"
    )]
    Systems(systems::SystemsCmd),
    /// User groups and their members (API v2).
    #[command(
        subcommand,
        after_help = "Example:\n  idm jumpcloud user-groups members GROUP_ID"
    )]
    UserGroups(groups::GroupCmd),
    /// System groups and their members (API v2).
    #[command(
        subcommand,
        after_help = "Example:\n  idm jumpcloud system-groups list"
    )]
    SystemGroups(groups::GroupCmd),
    /// The groups a user or a system belongs to; with --system-context, asked as the system itself.
    #[command(
        after_help = "Examples:\n  idm jumpcloud member-of --user-id USER_ID\n  \
        idm jumpcloud member-of --system-id SYSTEM_ID --system-context /opt/jc/client.key"
    )]
    MemberOf(groups::MemberOfArgs),
    /// Directory Insights: the audit log, as NDJSON for a SIEM or a table; counts, distinct
    /// values, and --follow for new events.
    #[command(
        after_help = "Examples:\n  idm jumpcloud events --since 24h --service directory\n  \
        idm jumpcloud events --since 7d --type admin_login_attempt --filter success=false\n  \
        idm jumpcloud events --since 1h --follow >> events.ndjson\n  \
        idm jumpcloud events --since 30d --distinct event_type"
    )]
    Events(events::EventsArgs),
    /// Every operation idm can call (id, method, path, API version).
    #[command(after_help = "Examples:\n  idm jumpcloud operations --json\n  \
        idm jumpcloud operations --search memberof")]
    Operations(call::OperationsArgs),
    /// Call any operation by id, with parameters by name and an optional JSON body or file upload.
    #[command(
        after_help = "Examples:\n  idm jumpcloud call systemusers_get --param id=5f0c...\n  \
        idm jumpcloud call groups_user_post --body '{\"name\": \"Design\"}'\n  \
        idm jumpcloud call systemusers_list --param filter=department:\\$eq:IT --all\n  \
        idm jumpcloud call applications_postLogo -p application_id=ID --file image=logo.png"
    )]
    Call(call::CallArgs),
}

/// Runs a JumpCloud command.
pub async fn run(ctx: &Ctx, args: JumpcloudArgs) -> CliResult {
    match args.command {
        JcCommand::Users(cmd) => users::run(ctx, cmd).await,
        JcCommand::Systems(cmd) => systems::run(ctx, cmd).await,
        JcCommand::UserGroups(cmd) => groups::run(ctx, groups::Kind::User, cmd).await,
        JcCommand::SystemGroups(cmd) => groups::run(ctx, groups::Kind::System, cmd).await,
        JcCommand::MemberOf(a) => groups::member_of(ctx, a).await,
        JcCommand::Events(a) => events::run(ctx, a).await,
        JcCommand::Operations(a) => call::operations(ctx, a),
        JcCommand::Call(a) => call::call(ctx, a).await,
    }
}

/// Applies `--filter`, `--sort` and `--fields` to an API v1 list builder (one type per
/// operation, with the same methods): v1 takes one filter and space-separated lists.
macro_rules! v1_list_opts {
    ($req:expr, $opts:expr) => {{
        let mut req = $req
            .limit($opts.limit.page_size())
            .concurrency($opts.limit.concurrency($opts.limit.page_size() as u64));
        if let Some(f) = $opts.v1_filter()? {
            req = req.filter(f);
        }
        if let Some(s) = &$opts.sort {
            req = req.sort(s.replace(',', " "));
        }
        if !$opts.fields.is_empty() {
            req = req.fields($opts.fields.join(" "));
        }
        req
    }};
}
pub(crate) use v1_list_opts;

/// The same for an API v2 list builder: repeated filters, lists for sort and fields.
macro_rules! v2_list_opts {
    ($req:expr, $opts:expr) => {{
        let mut req = $req
            .limit($opts.limit.page_size())
            .concurrency($opts.limit.concurrency($opts.limit.page_size() as u64));
        if !$opts.filter.is_empty() {
            req = req.filter($opts.filter.clone());
        }
        if !$opts.sort_list().is_empty() {
            req = req.sort($opts.sort_list());
        }
        if !$opts.fields.is_empty() {
            req = req.fields($opts.fields.clone());
        }
        req
    }};
}
pub(crate) use v2_list_opts;

/// Filters, sort and fields of a listing.
#[derive(Debug, Clone, Args)]
pub struct ListOpts {
    /// A filter, FIELD:OPERATOR:VALUE (v1 operators: $eq $ne $gt $gte $lt $lte; v2: eq ne gt ge
    /// lt le search in). Repeat for several (API v2 only).
    #[arg(long = "filter", value_name = "EXPR")]
    pub filter: Vec<String>,
    /// Sort by these fields, comma-separated; a leading `-` sorts descending.
    #[arg(long, value_name = "FIELDS")]
    pub sort: Option<String>,
    /// Only these fields, comma-separated (also the table and CSV columns).
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    pub fields: Vec<String>,
    #[command(flatten)]
    pub limit: LimitOpts,
}

impl ListOpts {
    /// The one v1 filter (API v1 takes a single `filter`).
    pub fn v1_filter(&self) -> CliResult<Option<String>> {
        match self.filter.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            _ => Err(CliError::usage(
                "this API v1 listing takes one --filter; use `idm jumpcloud call` with the \
                 search operations for more complex queries",
            )),
        }
    }

    /// The columns: `--fields` when given, else the resource's defaults.
    pub fn columns(&self, defaults: &[&str]) -> Columns {
        if self.fields.is_empty() {
            output::columns(defaults)
        } else {
            self.fields.clone()
        }
    }

    /// `--sort` as a v2 list.
    pub fn sort_list(&self) -> Vec<String> {
        self.sort
            .iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Logs (from -v on) the operation a command calls: method, path template and id. Header
/// values (the API key, a System Context signature) are never logged.
pub fn log_op(id: &str) {
    if let Some(op) = jumpcloud::catalog::find(id) {
        tracing::info!(target: "idm::request", "{} {} ({})", op.method, op.full_path(), op.id);
    }
}

/// Bindings between users and systems as rows: the object bound, its `names` (read with `fetch`,
/// eight at a time; one deleted meanwhile keeps its row without them), the sudo the user has
/// there (the binding's, or the user's own setting, `own_sudo` of the object read, when that is
/// more), whether it is bound directly and by how many paths.
pub async fn binding_rows<F, Fut>(
    bound: Vec<jumpcloud::tasks::Binding>,
    names: &[&str],
    fetch: F,
    own_sudo: impl Fn(&Value) -> jumpcloud::tasks::Sudo,
) -> CliResult<Vec<Value>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = jumpcloud::Result<Value>>,
{
    use futures_util::{StreamExt, TryStreamExt};
    let rows = futures_util::stream::iter(bound)
        .map(|b| {
            let named = fetch(b.id.clone());
            let own_sudo = &own_sudo;
            async move {
                let found = match named.await {
                    Ok(found) => found,
                    Err(e) if e.is_not_found() => Value::Null,
                    Err(e) => return Err(e),
                };
                let mut row = serde_json::Map::new();
                row.insert("id".into(), Value::String(b.id));
                for name in names {
                    let value = found.get(*name).cloned().unwrap_or(Value::Null);
                    row.insert((*name).to_owned(), value);
                }
                let sudo = b.sudo.max(own_sudo(&found));
                row.insert("sudo".into(), sudo.as_str().into());
                row.insert("direct".into(), b.direct.into());
                row.insert("paths".into(), b.paths.into());
                Ok(Value::Object(row))
            }
        })
        .buffered(8)
        .try_collect()
        .await?;
    Ok(rows)
}

/// Prints rows as a listing with these columns.
pub fn print_rows(ctx: &Ctx, rows: &[Value], columns: &[&str]) -> CliResult {
    let mut out = output::ListWriter::stdout(ctx.format(true), Some(output::columns(columns)));
    for row in rows {
        out.push(row)?;
    }
    out.finish()
}

/// Prints one returned object.
pub fn print_object<T: Serialize>(ctx: &Ctx, item: &T, columns: Option<Columns>) -> CliResult {
    let v = to_value(item)?;
    output::print_one(ctx.format(false), &v, columns)
}

/// Reads `--body`: inline JSON, `@FILE`, or `@-` for stdin.
pub fn read_body(arg: &str) -> CliResult<Value> {
    let (text, origin) = if let Some(path) = arg.strip_prefix('@') {
        let text = if path == "-" {
            std::io::read_to_string(std::io::stdin())
                .map_err(|e| CliError::usage(format!("--body @-: cannot read stdin: {e}")))?
        } else {
            std::fs::read_to_string(path)
                .map_err(|e| CliError::usage(format!("--body: cannot read {path}: {e}")))?
        };
        (text, format!("--body {arg}"))
    } else {
        (arg.to_owned(), "--body".to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{origin} is not valid JSON: {e}")))
}

/// Builds a request model from `--body` (if any) plus the values of named flags, which win.
///
/// A field the model does not know would be dropped silently by decoding: it is an error instead,
/// pointing at `idm jumpcloud call`, which sends any JSON as given.
pub fn body_with<T: DeserializeOwned + Serialize>(
    body: Option<&str>,
    fields: &[(&str, Option<Value>)],
) -> CliResult<T> {
    let mut v = match body {
        Some(b) => read_body(b)?,
        None => Value::Object(Default::default()),
    };
    let obj = v
        .as_object_mut()
        .ok_or_else(|| CliError::usage("--body must be a JSON object"))?;
    for (name, value) in fields {
        if let Some(value) = value {
            obj.insert((*name).to_owned(), value.clone());
        }
    }
    let given: Vec<String> = obj
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    let model: T = serde_json::from_value(v)
        .map_err(|e| CliError::usage(format!("the request body does not fit the API: {e}")))?;
    let kept = to_value(&model)?;
    let dropped: Vec<String> = given
        .into_iter()
        .filter(|k| kept.get(k).is_none())
        .collect();
    if !dropped.is_empty() {
        return Err(CliError::usage(format!(
            "--body: this request has no field {}; check the spelling, or send the JSON as \
             given with `idm jumpcloud call OPERATION_ID --body ...`",
            dropped.join(", ")
        )));
    }
    Ok(model)
}

/// A flag's text as an optional JSON string.
pub fn opt_str(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|s| Value::String(s.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpcloud::v1::models::Systemuserput;

    #[test]
    fn flags_win_over_the_body() {
        let u: Systemuserput = body_with(
            Some(r#"{"lastname": "Body", "firstname": "Body"}"#),
            &[
                ("lastname", Some(Value::String("Flag".into()))),
                ("email", None),
            ],
        )
        .unwrap();
        assert_eq!(u.lastname.as_deref(), Some("Flag"));
        assert_eq!(u.firstname.as_deref(), Some("Body"));
        assert_eq!(u.email, None);
    }

    #[test]
    fn unknown_body_fields_are_an_error_not_dropped() {
        let err = body_with::<Systemuserput>(Some(r#"{"departmnt": "QA"}"#), &[]).unwrap_err();
        assert!(err.to_string().contains("no field departmnt"), "{err}");
        assert_eq!(err.exit_code(), crate::errors::exit::USAGE);
    }
}
