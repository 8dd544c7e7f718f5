//! `idm jumpcloud operations` and `idm jumpcloud call`: the whole catalog, by operation id.

use clap::Args;
use jumpcloud::catalog::{self, BodyKind, Operation};
use serde_json::{Value, json};

use super::read_body;
use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::listing::{LimitOpts, print_stream_as};
use crate::output::{self, Format, ListWriter, columns};

/// `idm jumpcloud operations`.
#[derive(Debug, Args)]
pub struct OperationsArgs {
    /// Print JSON (the same as --output json): operation_id, method, path, api, spec.
    #[arg(long)]
    json: bool,
    /// Only operations of this API version.
    #[arg(long, value_parser = ["v1", "v2"])]
    api: Option<String>,
    /// Only operations whose id, path or summary contains this text (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

/// Lists the catalog.
pub fn operations(ctx: &Ctx, a: OperationsArgs) -> CliResult {
    let format = if a.json {
        Format::Json
    } else {
        ctx.format(true)
    };
    let needle = a.search.as_deref().map(str::to_lowercase);
    let mut w = ListWriter::stdout(
        format,
        Some(columns(&["operation_id", "method", "api", "path", "spec"])),
    );
    for op in catalog::operations() {
        if a.api.as_deref().is_some_and(|v| v != op.api.as_str()) {
            continue;
        }
        if let Some(n) = &needle
            && ![op.id, op.path, op.summary]
                .iter()
                .any(|s| s.to_lowercase().contains(n))
        {
            continue;
        }
        w.push(&json!({
            "operation_id": op.id,
            "method": op.method,
            "path": op.full_path(),
            "api": op.api.as_str(),
            "spec": match op.source {
                catalog::Source::Spec2022 => "2022",
                catalog::Source::Subset2026 => "2026",
                catalog::Source::DirectoryInsights => "insights",
            },
        }))?;
    }
    w.finish()
}

/// `idm jumpcloud call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The operation id (see `idm jumpcloud operations`), e.g. systemusers_list or graph_systemMemberOf.
    operation: String,
    /// A parameter, NAME=VALUE (path, query or header; repeat for several).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The JSON body: inline, @FILE, or @- for stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    body: Option<String>,
    /// A file for a multipart (upload) body, FIELD=PATH (repeat for several).
    #[arg(long = "file", value_name = "FIELD=PATH")]
    files: Vec<String>,
    /// For list operations: fetch every page (streamed) instead of one request.
    #[arg(long)]
    all: bool,
    /// Sign the request as a system with its private key (System Context Authorization) instead
    /// of sending the API key; needs --system-id.
    #[arg(long, value_name = "KEYFILE", requires = "system_id")]
    system_context: Option<std::path::PathBuf>,
    /// The system that signs, with --system-context.
    #[arg(long, value_name = "ID", requires = "system_context")]
    system_id: Option<String>,
}

/// The media type of an upload, from its extension.
fn content_type(path: &std::path::Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "pem" | "crt" | "cer" => "application/x-pem-file",
        _ => "application/octet-stream",
    }
}

/// Reads `--file FIELD=PATH` arguments.
fn read_files(args: &[String]) -> CliResult<Vec<jumpcloud::FilePart>> {
    args.iter()
        .map(|a| {
            let (field, path) = a
                .split_once('=')
                .filter(|(f, p)| !f.is_empty() && !p.is_empty())
                .ok_or_else(|| CliError::usage(format!("--file {a:?}: expected FIELD=PATH")))?;
            let path = std::path::Path::new(path);
            let data = std::fs::read(path).map_err(|e| {
                CliError::usage(format!("--file: cannot read {}: {e}", path.display()))
            })?;
            Ok(jumpcloud::FilePart {
                field: field.to_owned(),
                file_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "file".into()),
                content_type: content_type(path).to_owned(),
                data,
            })
        })
        .collect()
}

/// Checks a value against the parameter's type, so that `limit=ten` fails here, clearly, rather
/// than as a 400 from the server.
fn check_kind(op: &Operation, name: &str, value: &str) -> CliResult {
    let Some(p) = op.param(name) else {
        return Ok(()); // unknown names are reported by the request itself, with the list
    };
    let ok = match p.kind {
        catalog::ParamKind::Integer => value.parse::<i64>().is_ok(),
        catalog::ParamKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
        catalog::ParamKind::Boolean => matches!(value, "true" | "false"),
        catalog::ParamKind::String | catalog::ParamKind::Array => true,
    };
    if ok {
        Ok(())
    } else {
        let want = match p.kind {
            catalog::ParamKind::Integer => "a whole number",
            catalog::ParamKind::Number => "a number",
            _ => "true or false",
        };
        Err(CliError::usage(format!(
            "--param {name}={value}: {} takes {want}",
            op.id
        )))
    }
}

/// Names whose values are never logged.
fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["key", "auth", "secret", "token", "password", "signature"]
        .iter()
        .any(|s| n.contains(s))
}

/// Ids similar to an unknown one, for the error message.
fn suggestions(id: &str) -> Vec<&'static str> {
    let needle = id.to_lowercase().replace(['_', '-'], "");
    catalog::operations()
        .filter(|op| {
            let hay = op.id.to_lowercase().replace('_', "");
            hay.contains(&needle) || (needle.len() > 6 && needle.contains(&hay))
        })
        .map(|op| op.id)
        .take(5)
        .collect()
}

fn find(id: &str) -> CliResult<&'static Operation> {
    catalog::find(id).ok_or_else(|| {
        let similar = suggestions(id);
        CliError::usage(format!(
            "unknown operation {id:?}{}; `idm jumpcloud operations` lists all {}",
            if similar.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", similar.join(", "))
            },
            catalog::operations().count()
        ))
    })
}

/// Calls one operation and prints the answer (JSON unless --output says otherwise).
pub async fn call(ctx: &Ctx, a: CallArgs) -> CliResult {
    let op = find(&a.operation)?;
    let mut params = Vec::new();
    for p in &a.params {
        let (name, value) = p
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--param {p:?}: expected NAME=VALUE")))?;
        if name.is_empty() {
            return Err(CliError::usage(format!("--param {p:?}: the name is empty")));
        }
        params.push((name.to_owned(), value.to_owned()));
    }
    let body = match (&a.body, op.body) {
        (Some(_), BodyKind::None) => {
            return Err(CliError::usage(format!(
                "{} takes no body; drop --body",
                op.id
            )));
        }
        (Some(_), BodyKind::Multipart { .. }) => {
            return Err(CliError::usage(format!(
                "{} takes a file upload: pass --file FIELD=PATH instead of --body",
                op.id
            )));
        }
        (Some(b), BodyKind::Json { .. }) => Some(read_body(b)?),
        (None, BodyKind::Json { required: true }) => {
            return Err(CliError::usage(format!(
                "{} needs a body: pass --body JSON",
                op.id
            )));
        }
        (None, _) => None,
    };
    match op.body {
        BodyKind::Multipart { required: true } if a.files.is_empty() => {
            return Err(CliError::usage(format!(
                "{} needs a file: pass --file FIELD=PATH",
                op.id
            )));
        }
        BodyKind::Multipart { .. } => {}
        _ if !a.files.is_empty() => {
            return Err(CliError::usage(format!(
                "{} takes no file upload; drop --file",
                op.id
            )));
        }
        _ => {}
    }
    let files = read_files(&a.files)?;
    if a.all && op.paging.is_none() {
        return Err(CliError::usage(format!(
            "{} is not a paged list operation; drop --all",
            op.id
        )));
    }
    // A path parameter missing is a usage error before anything is sent.
    for p in op
        .params
        .iter()
        .filter(|p| p.location == catalog::Location::Path)
    {
        if !params.iter().any(|(n, _)| n == p.name) {
            return Err(CliError::usage(format!(
                "{} needs --param {}=VALUE (its path is {})",
                op.id,
                p.name,
                op.full_path()
            )));
        }
    }
    let signed = match (&a.system_context, &a.system_id) {
        (Some(key), Some(id)) => Some(jumpcloud::SystemContext::from_key_file(id.clone(), key)?),
        _ => None,
    };
    let jc = ctx.jumpcloud(signed)?;
    let mut req = jc.request(op);
    for (name, value) in &params {
        check_kind(op, name, value)?;
        req.param(name, value.clone())?;
    }
    if let Some(b) = &body {
        req.json_body(b);
    }
    for f in files {
        req.file(f);
    }
    let shown: Vec<String> = params
        .iter()
        .map(|(n, v)| {
            if is_secret_name(n) {
                format!("{n}=<redacted>")
            } else {
                format!("{n}={v}")
            }
        })
        .collect();
    tracing::info!(
        operation = op.id,
        "{} {} {}",
        op.method,
        op.full_path(),
        shown.join(" ")
    );
    let format = ctx.format_flag().unwrap_or(Format::Json);
    if a.all {
        let stream = req.stream::<Value>();
        return print_stream_as(format, stream, None, &LimitOpts::everything(), "items").await;
    }
    // Text and files are written as they come (e.g. `> report.csv`), not wrapped in JSON.
    match op.response {
        catalog::ResponseKind::Binary | catalog::ResponseKind::Text => {
            use std::io::Write as _;
            let bytes = req.send_bytes().await?;
            let mut out = std::io::stdout().lock();
            if std::io::IsTerminal::is_terminal(&out) {
                // On a terminal, never raw bytes: controls and bidi characters shown escaped.
                let text = String::from_utf8_lossy(&bytes);
                out.write_all(crate::sanitize::text(&text).as_bytes())?;
            } else {
                out.write_all(&bytes)?;
            }
            out.flush()?;
            return Ok(());
        }
        catalog::ResponseKind::Empty | catalog::ResponseKind::Json => {}
    }
    let value = req.send_value().await?;
    // A v1 page ({"totalCount", "results"}) shows as its items in the row formats.
    let rows = match (&value, op.paging) {
        (Value::Object(m), Some(catalog::Paging::Results)) => m.get("results").unwrap_or(&value),
        _ => &value,
    };
    match (rows, format) {
        (Value::Array(items), Format::Table | Format::Csv | Format::Ndjson) => {
            let mut w = ListWriter::stdout(format, None);
            for item in items {
                w.push(item)?;
            }
            w.finish()
        }
        _ => output::print_one(format, &value, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_similar_ids() {
        assert!(suggestions("systemusers").contains(&"systemusers_list"));
        assert!(suggestions("zzzz").is_empty());
    }

    #[test]
    fn secret_names_are_recognised() {
        assert!(is_secret_name("Authorization"));
        assert!(is_secret_name("x-api-key"));
        assert!(!is_secret_name("limit"));
    }
}
