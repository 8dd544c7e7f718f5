//! RSA-SHA256 (PKCS#1 v1.5) signing from a PEM private key.
//!
//! Used for UMAPI's JWT (RS256) and JumpCloud's System Context Authorization.

use std::fmt;
use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

/// Why a private key could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The key file could not be read.
    #[error("cannot read private key file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text holds no PEM private key.
    #[error(
        "no PEM private key found ({detail}); expected a block starting with \
         '-----BEGIN PRIVATE KEY-----' or '-----BEGIN RSA PRIVATE KEY-----'"
    )]
    NoKey {
        /// What the PEM parser said.
        detail: String,
    },
    /// The key is not an RSA key of a usable size.
    #[error("the private key is not a usable RSA key (2048 to 8192 bits): {0}")]
    Rejected(String),
    /// Signing failed.
    #[error("RSA signing failed")]
    Sign,
}

/// An RSA private key ready to sign with RSA-SHA256. Its `Debug` output never shows the key.
pub struct RsaSigner {
    key: RsaKeyPair,
}

impl fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigner")
            .field("bits", &(self.key.public().modulus_len() * 8))
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl RsaSigner {
    /// Loads a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM key.
    pub fn from_pem(pem: &[u8]) -> Result<Self, SignerError> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| SignerError::NoKey {
            detail: e.to_string(),
        })?;
        let key = match &der {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => {
                return Err(SignerError::Rejected(
                    "an elliptic-curve (SEC1) key was given".into(),
                ));
            }
        }
        .map_err(|e| SignerError::Rejected(e.to_string()))?;
        Ok(RsaSigner { key })
    }

    /// Loads a PEM key from a file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, SignerError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|source| SignerError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_pem(&pem)
    }

    /// Signs `message` with RSA-SHA256, PKCS#1 v1.5 padding (deterministic).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(|_| SignerError::Sign)?;
        Ok(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_keys_with_a_clear_message() {
        let err = RsaSigner::from_pem(b"hello").unwrap_err();
        assert!(err.to_string().contains("BEGIN PRIVATE KEY"), "{err}");
        let err = RsaSigner::from_pem_file("/nonexistent/key.pem").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/key.pem"), "{err}");
    }
}
