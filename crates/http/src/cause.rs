//! The root cause of a transport failure, in plain words.
//!
//! reqwest's own message for a failed request is "error sending request for url (...)"; what
//! went wrong (an untrusted certificate, a refused connection) sits several `source()` calls
//! down, partly behind `io::Error`s that hide their inner error from `source()`. This module
//! walks the whole chain once and names the cause, with what to do about it when there is
//! something to do.

use std::error::Error as StdError;
use std::io::ErrorKind;
use std::time::{Duration, SystemTime};

use rustls::CertificateError;

use crate::redact::redact_urls;

/// What failed, in plain words, for an error message: `certificate not trusted (unknown
/// issuer) — set IDM_CA_FILE to a PEM file with your CA`, `connection refused by
/// 127.0.0.1:9`, `DNS lookup of nohost.example failed (...)`, `connect timeout: ...`.
///
/// Never contains a password of the URL (it is shown as `****`).
pub fn transport_cause(err: &reqwest::Error) -> String {
    let target = err.url().map(target_of);
    let target = target.as_deref().unwrap_or("the server");
    let chain = chain(err);
    if let Some(tls) = chain.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return tls_cause(tls, err.url().and_then(reqwest::Url::host_str));
    }
    let innermost = chain
        .last()
        .map(|e| redact_urls(&e.to_string()).into_owned())
        .unwrap_or_default();
    if err.is_dns() {
        let host = err
            .url()
            .and_then(reqwest::Url::host_str)
            .unwrap_or("the host");
        return format!(
            "DNS lookup of {host} failed ({innermost}); check the host name in the URL and the \
             DNS or proxy settings"
        );
    }
    if err.is_timeout() {
        // reqwest marks a connect timeout as a connect error too.
        return if err.is_connect() {
            format!("connect timeout: no connection to {target} within the connect timeout")
        } else {
            format!("request timeout: {target} did not answer in full within the request timeout")
        };
    }
    for io in chain
        .iter()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
    {
        let said = match io.kind() {
            ErrorKind::ConnectionRefused => format!(
                "connection refused by {target}: nothing listens there; check the URL and that \
                 the service is running"
            ),
            ErrorKind::ConnectionReset => {
                format!("connection reset by {target} (or by a proxy on the way)")
            }
            ErrorKind::ConnectionAborted => format!("connection to {target} aborted"),
            ErrorKind::UnexpectedEof | ErrorKind::BrokenPipe => {
                format!("{target} closed the connection before the exchange was complete")
            }
            ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                format!("{target} is unreachable from here (no route); check the network")
            }
            ErrorKind::AddrNotAvailable => {
                format!("cannot reach {target}: the address is not available here")
            }
            ErrorKind::TimedOut => format!("timeout talking to {target}"),
            ErrorKind::PermissionDenied => {
                format!("connecting to {target} is not permitted here (a firewall?)")
            }
            _ => continue,
        };
        return said;
    }
    // hyper's error for a connection closed before the answer has no io::Error behind it.
    if chain.iter().any(|e| {
        e.to_string()
            .contains("connection closed before message completed")
    }) {
        return format!("{target} closed the connection before answering (or a proxy did)");
    }
    let what = if err.is_connect() {
        format!("cannot connect to {target}")
    } else if err.is_redirect() {
        "redirect refused".to_owned()
    } else if err.is_builder() {
        "invalid request".to_owned()
    } else if err.is_body() || err.is_decode() {
        format!("the answer from {target} could not be read")
    } else {
        format!("the connection to {target} failed")
    };
    if innermost.is_empty() {
        what
    } else {
        format!("{what}: {innermost}")
    }
}

/// Every error of the chain, the outer first. `io::Error` hides a wrapped error from
/// `source()` (it returns the wrapped error's source): descend through `get_ref()` instead.
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        // A cycle would be a bug elsewhere; never loop on it.
        if out.len() >= 32 {
            break;
        }
        out.push(e);
        cur = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    out
}

/// Whether a rustls error is somewhere in the chain (a certificate problem will not go away
/// by retrying).
pub(crate) fn is_tls(err: &(dyn StdError + 'static)) -> bool {
    chain(err)
        .iter()
        .any(|e| e.downcast_ref::<rustls::Error>().is_some())
}

/// `host:port` of a URL, for messages.
fn target_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => "the server".to_owned(),
    }
}

fn date(t: rustls_pki_types::UnixTime) -> String {
    httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(t.as_secs()))
}

/// A TLS failure in plain words; `host` is the name the URL asked for.
fn tls_cause(err: &rustls::Error, host: Option<&str>) -> String {
    const RENEW: &str = "renew the server's certificate, or check this machine's clock";
    let host = host.unwrap_or("the host");
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => {
                "certificate not trusted (unknown issuer) — set IDM_CA_FILE to a PEM file with \
                 your CA"
                    .to_owned()
            }
            CertificateError::Expired => format!("certificate expired — {RENEW}"),
            CertificateError::ExpiredContext { time, not_after } => format!(
                "certificate expired (valid until {}, now {}) — {RENEW}",
                date(*not_after),
                date(*time)
            ),
            CertificateError::NotValidYet => {
                "certificate not valid yet — check this machine's clock".to_owned()
            }
            CertificateError::NotValidYetContext { time, not_before } => format!(
                "certificate not valid yet (valid from {}, now {}) — check this machine's clock",
                date(*not_before),
                date(*time)
            ),
            CertificateError::NotValidForName => format!(
                "certificate name mismatch: the certificate is not valid for {host} — use the \
                 host name it was issued for"
            ),
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => {
                let names = if presented.is_empty() {
                    "no name".to_owned()
                } else {
                    presented.join(", ")
                };
                format!(
                    "certificate name mismatch: the URL names {} but the certificate is for {names} \
                     — use one of those names in the URL",
                    expected.to_str()
                )
            }
            CertificateError::Revoked => "certificate revoked by its issuer".to_owned(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "certificate not valid for a TLS server (its extended key usage)".to_owned()
            }
            CertificateError::BadSignature => "certificate signature invalid".to_owned(),
            CertificateError::BadEncoding => "certificate malformed".to_owned(),
            other => format!("certificate rejected ({other})"),
        },
        rustls::Error::NoCertificatesPresented => {
            "TLS handshake failed: the server sent no certificate".to_owned()
        }
        rustls::Error::InvalidMessage(_) => "TLS handshake failed: the server did not answer in \
             TLS (a plain http service behind an https:// URL?)"
            .to_owned(),
        rustls::Error::AlertReceived(alert) => {
            format!("TLS handshake refused by the server (alert: {alert:?})")
        }
        rustls::Error::PeerIncompatible(why) => format!(
            "TLS handshake failed: no TLS version or cipher suite in common with the server \
             ({why:?})"
        ),
        other => format!("TLS failure: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_wrapped(e: rustls::Error) -> std::io::Error {
        std::io::Error::new(ErrorKind::InvalidData, e)
    }

    #[test]
    fn certificate_problems_are_named() {
        let name = rustls_pki_types::ServerName::try_from("api.example.com")
            .unwrap()
            .to_owned();
        let t = |s: u64| rustls_pki_types::UnixTime::since_unix_epoch(Duration::from_secs(s));
        for (e, want) in [
            (
                CertificateError::UnknownIssuer,
                "certificate not trusted (unknown issuer) — set IDM_CA_FILE",
            ),
            (
                CertificateError::ExpiredContext {
                    time: t(1_700_000_000),
                    not_after: t(1_600_000_000),
                },
                "certificate expired (valid until Sun, 13 Sep 2020 12:26:40 GMT",
            ),
            (CertificateError::Expired, "certificate expired"),
            (
                CertificateError::NotValidForNameContext {
                    expected: name,
                    presented: vec!["DnsName(\"localhost\")".into()],
                },
                "the URL names api.example.com but the certificate is for DnsName(\"localhost\")",
            ),
            (CertificateError::NotValidForName, "not valid for h.example"),
            (CertificateError::NotValidYet, "not valid yet"),
        ] {
            let io = io_wrapped(rustls::Error::InvalidCertificate(e));
            let found = chain(&io)
                .iter()
                .find_map(|e| e.downcast_ref::<rustls::Error>())
                .map(|e| tls_cause(e, Some("h.example")))
                .unwrap();
            assert!(found.contains(want), "{found}");
        }
    }

    #[test]
    fn the_chain_descends_through_io_errors() {
        let io = io_wrapped(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        assert!(is_tls(&io));
        assert!(!is_tls(&std::io::Error::from(ErrorKind::ConnectionRefused)));
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_address() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = crate::HttpConfig::default().build_client().unwrap();
        let err = client
            .get(format!("http://u:pw@127.0.0.1:{port}/x"))
            .send()
            .await
            .unwrap_err();
        let cause = transport_cause(&err);
        assert!(
            cause.starts_with(&format!("connection refused by 127.0.0.1:{port}")),
            "{cause}"
        );
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_a_dns_failure() {
        // `.invalid` never resolves (RFC 6761); resolvers answer at once, offline too.
        let client = crate::HttpConfig::default()
            .connect_timeout(Duration::from_secs(60))
            .build_client()
            .unwrap();
        let err = client
            .get("http://idm-test.invalid/x")
            .send()
            .await
            .unwrap_err();
        let cause = transport_cause(&err);
        assert!(
            cause.starts_with("DNS lookup of idm-test.invalid failed ("),
            "{cause}"
        );
    }

    /// A server that accepts connections and then does `what` with each.
    fn server(what: fn(std::net::TcpStream)) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                what(stream);
            }
        });
        port
    }

    #[tokio::test]
    async fn a_silent_server_is_a_request_timeout() {
        let port = server(|s| {
            std::thread::sleep(Duration::from_secs(5));
            drop(s);
        });
        let client = crate::HttpConfig::default()
            .timeout(Duration::from_millis(200))
            .build_client()
            .unwrap();
        let err = client
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        let cause = transport_cause(&err);
        assert_eq!(
            cause,
            format!(
                "request timeout: 127.0.0.1:{port} did not answer in full within the request timeout"
            )
        );
    }

    #[tokio::test]
    async fn a_connection_closed_without_an_answer_says_so() {
        let port = server(|mut s| {
            use std::io::Read;
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
        });
        let client = crate::HttpConfig::default().build_client().unwrap();
        let err = client
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        let cause = transport_cause(&err);
        assert!(
            cause.starts_with(&format!("127.0.0.1:{port} closed the connection")),
            "{cause}"
        );
    }
}
