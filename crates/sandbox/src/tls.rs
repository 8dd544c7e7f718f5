//! Self-signed certificates for https mode.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

use crate::error::SandboxError;

/// The TLS material of a running sandbox.
pub(crate) struct TlsSetup {
    /// Accepts TLS connections with the server certificate.
    pub acceptor: TlsAcceptor,
    /// The PEM file of the CA that signed the server certificate.
    pub ca_file: PathBuf,
}

fn tls_err(what: &str, e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Tls(format!("{what}: {e}"))
}

/// Makes a CA and a server certificate for `localhost`, `127.0.0.1` and `::1`, writes the CA PEM
/// to a fresh file in the temporary directory and builds the acceptor.
pub(crate) fn setup(port: u16) -> Result<TlsSetup, SandboxError> {
    let ca_key = KeyPair::generate().map_err(|e| tls_err("cannot generate the CA key", e))?;
    let mut ca_params = CertificateParams::default();
    let mut ca_name = DistinguishedName::new();
    ca_name.push(DnType::CommonName, "idm-sandbox local CA");
    ca_name.push(DnType::OrganizationName, "idm sandbox");
    ca_params.distinguished_name = ca_name;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| tls_err("cannot sign the CA certificate", e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key =
        KeyPair::generate().map_err(|e| tls_err("cannot generate the server key", e))?;
    let mut params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])
    .map_err(|e| tls_err("invalid server name", e))?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    params.distinguished_name = name;
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .map_err(|e| tls_err("cannot sign the server certificate", e))?;

    let ca_pem = ca_cert.pem();
    let ca_file = write_ca_file(port, &ca_pem)?;

    let key_der = pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(
        server_key.serialize_der(),
    ));
    let chain = vec![server_cert.der().clone(), ca_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("cannot configure TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| tls_err("cannot use the server certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_file,
    })
}

fn write_ca_file(port: u16, pem: &str) -> Result<PathBuf, SandboxError> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let path = std::env::temp_dir().join(format!(
        "idm-sandbox-ca-{}-{port}-{nanos:09}.pem",
        std::process::id()
    ));
    let io_err = |source| SandboxError::CaFile {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io_err)?;
    file.write_all(pem.as_bytes()).map_err(io_err)?;
    Ok(path)
}
