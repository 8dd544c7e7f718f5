//! Every operation of the catalog, sent through the client to a local server that
//! records what arrives: the method, the path with its parameters filled in, the required query
//! and header parameters, the body and the standard headers must all be right.
//! (The typed builders are the same engine; the sandbox's JumpCloud half will answer these
//! operations for real as it grows.)

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use jumpcloud::catalog::{self, BodyKind, Location, ParamKind};
use jumpcloud::{Client, FilePart};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

#[tokio::test]
async fn every_operation_reaches_the_server_as_specified() {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = Arc::clone(&seen);
    let app = Router::new().fallback(move |req: Request| {
        let log = Arc::clone(&log);
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            log.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().unwrap_or("").to_owned(),
                headers: parts.headers,
                body: body.to_vec(),
            });
            axum::Json(serde_json::json!({})).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder()
        .api_key("every-op-key")
        .base_url(&base)
        .build()
        .unwrap();

    let mut count = 0;
    for op in catalog::operations() {
        let mut req = client.request(op);
        let mut want_path = op.full_path();
        for p in op.params {
            let value = match p.kind {
                ParamKind::Integer | ParamKind::Number => "7".to_string(),
                ParamKind::Boolean => "true".to_string(),
                ParamKind::Array => "a,b".to_string(),
                ParamKind::String => format!("v-{}", p.name.replace(['_', '-'], "")),
            };
            match p.location {
                Location::Path => {
                    want_path = want_path.replace(&format!("{{{}}}", p.name), &value);
                    req.param(p.name, value).unwrap();
                }
                _ if p.required => req.param(p.name, value).unwrap(),
                _ => {}
            }
        }
        match op.body {
            BodyKind::Json { .. } => req.json_body(&serde_json::json!({"probe": op.id})),
            BodyKind::Multipart { .. } => req.file(FilePart {
                field: "file".into(),
                file_name: "logo.png".into(),
                content_type: "image/png".into(),
                data: vec![0x89, b'P', b'N', b'G'],
            }),
            BodyKind::None => {}
        }
        req.send_value()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
        let got = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!(got.method, op.method, "{}", op.id);
        assert_eq!(got.path, want_path, "{}", op.id);
        assert_eq!(got.headers["x-api-key"], "every-op-key", "{}", op.id);
        assert_eq!(got.headers["accept"], "application/json", "{}", op.id);
        for p in op.params.iter().filter(|p| p.required) {
            match p.location {
                Location::Query => assert!(
                    got.query.contains(&format!("{}=", p.name)),
                    "{}: required query parameter {} missing from {:?}",
                    op.id,
                    p.name,
                    got.query
                ),
                Location::Header => assert!(
                    got.headers
                        .contains_key(p.name.to_ascii_lowercase().as_str()),
                    "{}: header {}",
                    op.id,
                    p.name
                ),
                Location::Path => {}
            }
        }
        match op.body {
            BodyKind::Json { .. } => {
                assert_eq!(got.headers["content-type"], "application/json", "{}", op.id);
                let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
                assert_eq!(body["probe"], op.id);
            }
            BodyKind::Multipart { .. } => {
                let ct = got.headers["content-type"].to_str().unwrap();
                assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
                assert!(got.body.windows(4).any(|w| w == b"\x89PNG"), "{}", op.id);
            }
            BodyKind::None => assert!(got.body.is_empty(), "{}", op.id),
        }
        count += 1;
    }
    assert_eq!(count, jumpcloud::catalog::operations().count());
    assert_eq!(
        seen.lock().unwrap().len(),
        count,
        "one request each, no retries"
    );
}
