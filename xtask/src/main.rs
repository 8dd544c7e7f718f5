//! Repository tasks.
//!
//! `cargo xtask codegen [--check] [--spec-dir DIR]` reads JumpCloud's OpenAPI specs (`v1.yaml` and
//! `v2.yaml`, default `../shared/specs/jumpcloud`) and writes `crates/jumpcloud/src/generated/`.
//! With `--check` it writes nothing and fails when the committed files differ from what the specs
//! produce.
//!
//! The specs are not in this repository. JumpCloud publishes them with its generated SDKs: the
//! committed code comes from `jcapiv1/api/swagger.yaml` and `jcapiv2/api/swagger.yaml` of
//! TheJumpCloud/jcapi-go on GitHub (branch `fixes`, commit `4ac4caa`, 2022-11-02; OpenAPI 3.0.1,
//! the generation jcapi-python 5.0.0 came from). Save them as `v1.yaml` and `v2.yaml` in one folder
//! and pass it with `--spec-dir`. The operations JumpCloud added since come from the folder's
//! `2026-subset/v1.json` and `v2.json` (JumpCloud's PowerShell SDK specs; see [`subset`]).

mod emit;
mod emit_tests;
mod model;
mod names;
mod ops;
mod sandbox_spec;
mod subset;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use serde_json::Value;

/// Where to obtain the specs, for errors.
const WHERE_SPECS: &str = "JumpCloud publishes them with its SDKs: jcapiv1/api/swagger.yaml and \
     jcapiv2/api/swagger.yaml of TheJumpCloud/jcapi-go on GitHub, branch `fixes`, commit 4ac4caa";

/// Where the client's generated code goes, relative to the workspace root.
const CLIENT_DIR: &str = "crates/jumpcloud/src/generated";
/// Where the generated end-to-end test goes.
const TEST_FILE: &str = "crates/jumpcloud/tests/generated/every_operation_calls.rs";
/// Where the sandbox's compact specs go.
const SANDBOX_DIR: &str = "crates/sandbox/src/jumpcloud/generated";

const USAGE: &str = "usage: cargo xtask codegen [--check] [--spec-dir DIR]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("--help" | "-h") | None => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => return Err(format!("unknown task {other:?}\n{USAGE}")),
    }
    let root = workspace_root();
    let mut check = false;
    let mut spec_dir = root.join("../shared/specs/jumpcloud");
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check = true,
            "--spec-dir" => {
                spec_dir = PathBuf::from(args.next().ok_or("--spec-dir needs a directory")?)
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let files = generate(&spec_dir)?;
    if check {
        let mut stale = Vec::new();
        for (rel, text) in &files {
            let path = root.join(rel);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        }
        if !stale.is_empty() {
            return Err(format!(
                "generated code is stale (run `cargo xtask codegen` and commit the result):\n  {}",
                stale.join("\n  ")
            ));
        }
        println!("generated code is up to date ({} files)", files.len());
        return Ok(());
    }
    for (rel, text) in &files {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    println!(
        "wrote {} files, {lines} lines, to {CLIENT_DIR} and {SANDBOX_DIR}",
        files.len(),
    );
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn load(spec_dir: &Path, file: &str) -> Result<Value, String> {
    let path = spec_dir.join(file);
    if !spec_dir.is_dir() {
        return Err(format!(
            "spec folder {} not found: pass --spec-dir DIR with JumpCloud's v1.yaml and v2.yaml \
             ({WHERE_SPECS})",
            spec_dir.display()
        ));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e} ({WHERE_SPECS})", path.display()))?;
    let v: Value = serde_norway::from_str(&text).map_err(|e| {
        format!(
            "{} is not a valid YAML OpenAPI document: {e}",
            path.display()
        )
    })?;
    if v.get("paths").and_then(Value::as_object).is_none() {
        return Err(format!(
            "{} has no `paths`: not an OpenAPI document",
            path.display()
        ));
    }
    Ok(v)
}

/// Every generated file, relative to the workspace root; Rust files rustfmt-formatted.
fn generate(spec_dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    let mut catalog = String::from(
        "// Generated by `cargo xtask codegen` from JumpCloud's OpenAPI spec. Do not edit.\n\
         //! The operation catalog: every operation of both API versions.\n\n\
         use crate::catalog::Location::*;\n\
         use crate::catalog::ParamKind::*;\n\
         use crate::catalog::{Api, BodyKind, Operation, Param, Paging, ResponseKind, Source};\n\n",
    );
    let mut counts = Vec::new();
    let mut subsets = Vec::new();
    let mut specs = Vec::new();
    let mut all_ops = Vec::new();
    for (api, file, stat) in [("v1", "v1.yaml", "V1"), ("v2", "v2.yaml", "V2")] {
        let mut doc = load(spec_dir, file)?;
        let subset_file = format!("2026-subset/{api}.json");
        let added = subset::merge(&mut doc, &load(spec_dir, &subset_file)?)
            .map_err(|e| format!("{subset_file}: {e}"))?;
        subsets.push(added);
        specs.push((
            format!("{SANDBOX_DIR}/{api}.json"),
            sandbox_spec::emit(api, &doc),
        ));
        let mut models = model::Models::new(&doc);
        let ops = ops::operations(&doc, &mut models);
        models.box_cycles();
        files.push((format!("{api}/models.rs"), emit::models(&models, api)));
        files.push((format!("{api}/ops.rs"), emit::ops(&ops, api, stat)));
        files.push((
            format!("{api}/mod.rs"),
            format!(
                "// Generated by `cargo xtask codegen` from JumpCloud's OpenAPI spec. Do not edit.\n\
                 //! JumpCloud API {api}: {} operations, {} models.\n\n\
                 pub mod models;\nmod ops;\n\npub use ops::*;\n",
                ops.len(),
                models.defs.len()
            ),
        ));
        catalog.push_str(&format!(
            "/// The {} operations of API {api}, in path order.\npub static {stat}: &[Operation] = &[\n{}];\n\n",
            ops.len(),
            emit::catalog(&ops, api)
        ));
        counts.push(ops.len());
        all_ops.push((api, ops));
    }
    files.push(("catalog.rs".into(), catalog));
    files.push((
        "mod.rs".into(),
        format!(
            "// Generated by `cargo xtask codegen` from JumpCloud's OpenAPI spec. Do not edit.\n\
             //! Code generated from JumpCloud's OpenAPI specs ({} + {} operations, of which {} + {} from the 2026 subset).\n\
             #![allow(clippy::all, clippy::pedantic, rustdoc::all)]\n\n\
             pub mod catalog;\npub mod v1;\npub mod v2;\n",
            counts[0], counts[1], subsets[0], subsets[1]
        ),
    ));
    let apis: Vec<(&str, &[ops::Op])> = all_ops.iter().map(|(a, o)| (*a, o.as_slice())).collect();
    let test = emit_tests::every_operation(&apis);
    let mut out = files
        .into_iter()
        .map(|(name, text)| rustfmt(&text).map(|t| (format!("{CLIENT_DIR}/{name}"), t)))
        .collect::<Result<Vec<_>, String>>()?;
    out.push((TEST_FILE.to_owned(), rustfmt(&test)?));
    out.extend(specs);
    Ok(out)
}

/// Formats source with rustfmt (edition 2024), as `cargo fmt` would.
fn rustfmt(src: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run rustfmt (install it with `rustup component add rustfmt`): {e}")
        })?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = src.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt failed: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "rustfmt rejected the generated code (a generator bug): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output is not UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::{Def, Models, RType};

    fn spec() -> serde_json::Value {
        json!({
            "openapi": "3.0.1",
            "paths": {
                "/things": {"get": {
                    "operationId": "things_list", "tags": ["Things"], "summary": "List things",
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {"name": "skip", "in": "query", "schema": {"type": "integer"}},
                        {"name": "filter", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                        {"name": "x-org-id", "in": "header", "schema": {"type": "string"}},
                        {"name": "Content-Type", "in": "header", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/thing"}}}}}}
                }},
                "/things/{id}": {"put": {
                    "operationId": "things_put", "tags": ["Things"],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}},
                    "responses": {"204": {"description": "done"}}
                }}
            },
            "components": {"schemas": {
                "base": {"type": "object", "properties": {"_id": {"type": "string"}, "type": {"type": "string", "enum": ["a", "b-c", "9"]}}},
                "thing": {"allOf": [{"$ref": "#/components/schemas/base"}, {"type": "object", "properties": {
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "parent": {"$ref": "#/components/schemas/thing"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/thing"}},
                    "3dSecure": {"type": "boolean", "nullable": true}
                }}]}
            }}
        })
    }

    #[test]
    fn models_merge_all_of_and_make_safe_names() {
        let doc = spec();
        let mut models = Models::new(&doc);
        let ops = crate::ops::operations(&doc, &mut models);
        models.box_cycles();
        let Some(Def::Struct { fields, .. }) = models.defs.get("Thing") else {
            panic!("Thing is not a struct: {:?}", models.defs.get("Thing"))
        };
        let names: Vec<(&str, &str)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.wire.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("id", "_id"),
                ("r#type", "type"),
                ("n3d_secure", "3dSecure"),
                ("children", "children"),
                ("labels", "labels"),
                ("parent", "parent")
            ]
        );
        let field = |n: &str| fields.iter().find(|f| f.name == n).unwrap();
        assert_eq!(field("labels").ty, RType::Map(Box::new(RType::Str)));
        assert!(field("parent").boxed, "a direct self-reference is boxed");
        assert!(!field("children").boxed, "a Vec already breaks the cycle");
        assert!(
            matches!(models.defs.get("BaseType"), Some(Def::Enum { values, .. }) if values == &["a", "b-c", "9"])
        );

        assert_eq!(ops.len(), 2);
        let list = &ops[0];
        assert!(list.paging.is_some());
        assert!(
            list.params.iter().all(|p| p.name != "Content-Type"),
            "set by the client"
        );
        let put = &ops[1];
        assert!(
            matches!(&put.body, crate::ops::Body::Json { ty: RType::Named(n), .. } if n == "ThingsPutBody")
        );
        assert!(matches!(put.response, crate::ops::Response::Empty));
        let groups = crate::ops::short_names(&ops);
        let names: Vec<&str> = groups["Things"].iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["list", "put"]);

        // The emitted code is valid Rust that rustfmt accepts, and the same every time.
        let a = crate::rustfmt(&crate::emit::models(&models, "v9")).unwrap();
        let b = crate::rustfmt(&crate::emit::models(&models, "v9")).unwrap();
        assert_eq!(a, b);
        assert!(a.contains("crate::string_enum! {"), "{a}");
        let o = crate::rustfmt(&crate::emit::ops(&ops, "v9", "V9")).unwrap();
        assert!(o.contains("pub fn list(&self) -> ThingsList"), "{o}");
        assert!(o.contains("pub fn concurrency(mut self"), "{o}");
    }
}
