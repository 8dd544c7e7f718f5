//! `idm config`: every setting, its value (secrets masked) and where it came from.

use serde_json::{Value, json};

use crate::context::Ctx;
use crate::errors::CliResult;
use crate::output::{Format, ListWriter, columns};
use crate::sanitize;

/// Prints the settings.
pub fn run(ctx: &Ctx) -> CliResult {
    let s = &ctx.settings;
    let file = s
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(none: neither IDM_CONFIG, XDG_CONFIG_HOME nor HOME is set)".into());
    let exists = s.file.as_ref().is_some_and(|p| p.exists());
    let rows: Vec<Value> = s
        .display_rows()
        .into_iter()
        .map(|(k, v, src)| {
            json!({"key": k.name(), "value": v, "source": src.to_string(), "env": k.env()})
        })
        .collect();
    let format = ctx.format(false);
    if matches!(format, Format::Json | Format::Ndjson) {
        let doc = json!({
            "config_file": file,
            "config_file_exists": exists,
            "profile": s.profile,
            "settings": rows,
        });
        return crate::output::print_one(format, &doc, None);
    }
    if format == Format::Table {
        // The path and profile name come from the environment: shown sanitised.
        println!(
            "config file: {}{}",
            sanitize::line(&file),
            if exists { "" } else { " (not found)" }
        );
        println!(
            "profile:     {}",
            sanitize::line(s.profile.as_deref().unwrap_or("(none)"))
        );
        println!();
    }
    let mut w = ListWriter::stdout(format, Some(columns(&["key", "source", "env", "value"])));
    for r in &rows {
        w.push(r)?;
    }
    w.finish()
}
