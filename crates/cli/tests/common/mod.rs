//! Helpers for running the `idm` binary in tests: a clean environment, an in-process sandbox
//! reached through environment variables, and golden files.
#![allow(dead_code)] // each test file uses a different part

use std::path::PathBuf;
use std::process::{Command, Stdio};

use idm_sandbox::{Sandbox, SandboxConfig};

/// Every variable idm reads; tests start without any of them.
const VARS: &[&str] = &[
    "JUMPCLOUD_API_KEY",
    "JUMPCLOUD_ORG_ID",
    "JUMPCLOUD_BASE_URL",
    "UMAPI_ORG_ID",
    "UMAPI_CLIENT_ID",
    "UMAPI_CLIENT_SECRET",
    "UMAPI_ENDPOINT",
    "UMAPI_IMS_URL",
    "IDM_CA_FILE",
    "IDM_RETRIES",
    "IDM_MAX_WAIT",
    "IDM_PROFILE",
    "IDM_LOG",
    "XDG_CONFIG_HOME",
];

/// The binary with a clean environment and no config file.
pub fn idm() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_idm"));
    for v in VARS {
        cmd.env_remove(v);
    }
    cmd.env("IDM_CONFIG", "/nonexistent/idm-tests/config.toml");
    // Retries as many as by default, but 50 ms apart: the fault tests retry hundreds of times.
    cmd.env("IDM_RETRY_DELAY", "0.05");
    // Journals and locks of change-making commands go to a directory of this test run.
    cmd.env(
        "XDG_STATE_HOME",
        std::env::temp_dir().join(format!("idm-tests-state-{}", std::process::id())),
    );
    cmd.stdin(Stdio::null());
    cmd
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect(self, code: i32) -> Out {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// stdout as NDJSON lines.
    pub fn ndjson(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// Runs a command.
pub fn output(mut cmd: Command) -> Out {
    let out = cmd.output().expect("run idm");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `idm ARGS` in a clean environment.
pub fn run(args: &[&str]) -> Out {
    let mut cmd = idm();
    cmd.args(args);
    output(cmd)
}

/// A sandbox running in this test process, reached by the binary through environment variables
/// (which also proves that credentials from the environment work). State persists between runs.
pub struct Live {
    pub sandbox: Option<Sandbox>,
    rt: tokio::runtime::Runtime,
}

impl Live {
    pub fn start(config: SandboxConfig) -> Live {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = rt.block_on(Sandbox::start(config)).unwrap();
        Live {
            sandbox: Some(sandbox),
            rt,
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }

    /// The binary, with the sandbox's URLs and credentials in the environment.
    pub fn idm(&self) -> Command {
        let s = self.sandbox();
        let um = s.umapi_info();
        let mut cmd = idm();
        cmd.env("JUMPCLOUD_API_KEY", idm_sandbox::JUMPCLOUD_API_KEY)
            .env("JUMPCLOUD_BASE_URL", s.base_url())
            .env("UMAPI_ORG_ID", um.org_id)
            .env("UMAPI_CLIENT_ID", um.client_id)
            .env("UMAPI_CLIENT_SECRET", um.client_secret)
            .env("UMAPI_ENDPOINT", um.endpoint)
            .env("UMAPI_IMS_URL", um.ims);
        cmd
    }

    /// Runs `idm ARGS` against this sandbox.
    pub fn run(&self, args: &[&str]) -> Out {
        let mut cmd = self.idm();
        cmd.args(args);
        output(cmd)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// Compares `actual` with `tests/golden/NAME`; `IDM_UPDATE_GOLDEN=1` rewrites the file instead.
pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("IDM_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (IDM_UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        actual,
        want,
        "output differs from {} (IDM_UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

/// A temporary file with this content, removed on drop.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, content: &str) -> TempFile {
        let dir = std::env::temp_dir().join(format!(
            "idm-cli-test-{}-{}",
            std::process::id(),
            fastrand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn fastrand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    t ^ (N.fetch_add(1, Ordering::Relaxed) << 32)
}

/// A run journal's action lines, the latest for each `seq` (a resumed run's lines supersede).
/// The journal may be read while a run writes it: a last line not yet ended is not read.
pub fn journal_lines(path: &std::path::Path) -> std::collections::BTreeMap<u64, serde_json::Value> {
    // Bytes first: a write cut mid-line may also cut a character in two.
    let bytes = std::fs::read(path).unwrap();
    let end = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |end| end + 1);
    let whole = String::from_utf8(bytes[..end].to_vec()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for line in whole.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(seq) = v.get("seq").and_then(serde_json::Value::as_u64) {
            out.insert(seq, v);
        }
    }
    out
}
