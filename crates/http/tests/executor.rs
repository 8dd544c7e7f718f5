//! `send_with_retry` against a scripted local server: which outcomes retry, the WARN line for
//! every retry, and the headers every request carries.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Once;
use std::time::Duration;

use idm_http::{HttpConfig, Outcome, RetryPolicy, SendError, send_with_retry};

/// Serves `responses` in order, one connection each (`Connection: close`), and returns the
/// request heads it received.
fn scripted(responses: Vec<&'static str>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut heads = Vec::new();
        for response in responses {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            heads.push(head);
            let _ = stream.write_all(response.as_bytes());
        }
        heads
    });
    (base, handle)
}

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
const BUSY: &str = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const BUSY_FRACTION: &str = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0.25\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const BAD_GATEWAY: &str =
    "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

thread_local! {
    static LOGS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes log lines into the emitting thread's buffer: each test reads its own.
struct ThreadLogs;

impl Write for ThreadLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.with(|l| l.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs one global subscriber before any test logs anything (a subscriber per test, set as
/// a thread default, races with other tests caching which log call sites are enabled), and
/// starts this thread's capture afresh.
fn capture_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| ThreadLogs)
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
    LOGS.with(|l| l.borrow_mut().clear());
}

/// The WARN lines this thread logged since `capture_logs`.
fn warnings() -> Vec<String> {
    LOGS.with(|l| {
        String::from_utf8_lossy(&l.borrow())
            .lines()
            .filter(|l| l.contains("WARN"))
            .map(str::to_owned)
            .collect()
    })
}

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

#[tokio::test]
async fn a_503_is_retried_with_a_warning_and_the_headers_carry_the_user_agent() {
    capture_logs();
    let (base, server) = scripted(vec![BUSY, OK]);
    let config = HttpConfig::default().user_agent_prefix("sync/2");
    let http = config.build_client().unwrap();
    let answer = send_with_retry::<std::io::Error, _, _>(&fast(), true, "GET /x", |_| {
        std::future::ready(Ok(http.get(format!("{base}/x"))))
    })
    .await
    .unwrap();
    assert_eq!((answer.status.as_u16(), answer.attempts), (200, 2));
    assert_eq!(answer.body, b"ok");
    let warnings = warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("retrying GET /x") && warnings[0].contains("503"),
        "{warnings:?}"
    );
    let heads = server.join().unwrap();
    assert_eq!(heads.len(), 2);
    let ua = format!("user-agent: sync/2 idm/{}", idm_http::VERSION);
    assert!(heads[1].to_ascii_lowercase().contains(&ua), "{}", heads[1]);
}

#[tokio::test]
async fn a_bad_gateway_is_retried_only_when_the_request_is_idempotent() {
    capture_logs();
    let (base, server) = scripted(vec![BAD_GATEWAY, OK, BAD_GATEWAY]);
    let http = HttpConfig::default().build_client().unwrap();
    let send = |idempotent| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            send_with_retry::<std::io::Error, _, _>(&fast(), idempotent, "POST /a", |_| {
                std::future::ready(Ok(http.post(format!("{base}/a"))))
            })
            .await
            .unwrap()
        }
    };
    let retried = send(true).await;
    assert_eq!((retried.status.as_u16(), retried.attempts), (200, 2));
    // A POST that may have been applied is not sent twice on a 502.
    let once = send(false).await;
    assert_eq!((once.status.as_u16(), once.attempts), (502, 1));
    assert_eq!(server.join().unwrap().len(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_with_the_count() {
    capture_logs();
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = HttpConfig::default().build_client().unwrap();
    let err = send_with_retry::<std::io::Error, _, _>(
        &fast().max_attempts(3),
        false,
        "GET /gone",
        |_| {
            std::future::ready(Ok(
                http.get(format!("http://bob:hunter2@127.0.0.1:{port}/gone"))
            ))
        },
    )
    .await
    .unwrap_err();
    match &err {
        SendError::Transport {
            outcome, attempts, ..
        } => assert_eq!((outcome, *attempts), (&Outcome::Connect, 3)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("after 3 attempt(s)"), "{err}");
    // The message names the cause, and neither it nor any error of its chain shows the password.
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("connection refused by 127.0.0.1:{port}")),
        "{msg}"
    );
    let mut chain = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = cur {
        chain.push(e.to_string());
        cur = e.source();
    }
    assert!(!chain.iter().any(|m| m.contains("hunter2")), "{chain:?}");
    let warnings = warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("connection refused"), "{warnings:?}");
    assert!(!warnings[0].contains("hunter2"), "{warnings:?}");
}

#[tokio::test]
async fn a_fractional_retry_after_is_logged_as_it_is() {
    capture_logs();
    let (base, server) = scripted(vec![BUSY_FRACTION, OK]);
    let http = HttpConfig::default().build_client().unwrap();
    let answer = send_with_retry::<std::io::Error, _, _>(&fast(), true, "GET /f", |_| {
        std::future::ready(Ok(http.get(format!("{base}/f"))))
    })
    .await
    .unwrap();
    assert_eq!(answer.attempts, 2);
    let warnings = warnings();
    assert!(warnings[0].contains("in 0.25 s"), "{warnings:?}");
    server.join().unwrap();
}
