//! The RSA key pairs of systems, for System Context Authorization. A key pair is handed out when
//! a system's key file is first asked for; key pairs are pooled per process, so the n-th system to
//! ask in any sandbox of the process gets the same pair. The first pair is a fixed demo key that
//! ships with the crate (it opens nothing but a local sandbox), so the readiness line costs no
//! key generation; later ones are generated (2048 bits, a fraction of a second each). The PEM
//! files are removed when the sandbox stops.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::error::SandboxError;
use crate::lock;

/// The first system's key: a demo key, public on purpose.
const DEMO_KEY: &str = include_str!("demo-system-key.pem");

/// Key pairs made so far in this process, in order of first use.
static POOL: Mutex<Vec<RsaPrivateKey>> = Mutex::new(Vec::new());

/// The public keys of the systems that have one, and their private key files.
#[derive(Default)]
pub(crate) struct SystemKeys {
    systems: Mutex<HashMap<String, (RsaPublicKey, PathBuf)>>,
}

impl SystemKeys {
    /// The PKCS#1 PEM file of a system's private key, made on first use.
    pub(crate) fn key_file(&self, system: &str) -> Result<PathBuf, SandboxError> {
        let mut systems = lock(&self.systems);
        if let Some((_, path)) = systems.get(system) {
            return Ok(path.clone());
        }
        let fail = |reason: String| SandboxError::SystemKey {
            system: system.to_owned(),
            reason,
        };
        let key = {
            let mut pool = lock(&POOL);
            if pool.is_empty() {
                let demo = RsaPrivateKey::from_pkcs1_pem(DEMO_KEY)
                    .map_err(|e| fail(format!("the demo key does not parse: {e}")))?;
                pool.push(demo);
            }
            while pool.len() <= systems.len() {
                let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
                    .map_err(|e| fail(format!("key generation failed: {e}")))?;
                pool.push(key);
            }
            pool[systems.len()].clone()
        };
        let pem = key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| fail(format!("cannot encode the key: {e}")))?;
        // Unique per sandbox of the process: several may hand out the same system's key.
        static FILES: AtomicU64 = AtomicU64::new(0);
        let n = FILES.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "idm-sandbox-system-{}-{n}-{system}.pem",
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
        file.write_all(pem.as_bytes())
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
        systems.insert(system.to_owned(), (key.to_public_key(), path.clone()));
        Ok(path)
    }

    /// Whether `signature` is the system's RSA-SHA256 (PKCS#1 v1.5) signature of `message`.
    /// A system without a key pair verifies nothing.
    pub(crate) fn verify(&self, system: &str, message: &[u8], signature: &[u8]) -> bool {
        let systems = lock(&self.systems);
        let Some((key, _)) = systems.get(system) else {
            return false;
        };
        let digest = Sha256::digest(message);
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
            .is_ok()
    }
}

impl Drop for SystemKeys {
    fn drop(&mut self) {
        for (_, path) in lock(&self.systems).values() {
            let _ = std::fs::remove_file(path);
        }
    }
}
