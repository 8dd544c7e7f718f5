//! IMS tokens, the JWT exchange, UMAPI authentication checks, status, and TLS mode.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Ctx, header, http, http_with_ca};
use idm_sandbox::{RouteKind, Sandbox, SandboxConfig, SandboxError};
use reqwest::StatusCode;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[tokio::test]
async fn tokens_are_issued_for_good_credentials_only() {
    let sb = Sandbox::start(SandboxConfig::default().users(5))
        .await
        .unwrap();
    let info = sb.umapi_info();
    let http = http();
    for path in [
        "/ims/token/v3",
        "/ims/token/v2",
        "/ims/token/v2/",
        "/ims/token/v3/",
    ] {
        let resp = http
            .post(format!("{}{path}", info.ims))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &info.client_id),
                ("client_secret", &info.client_secret),
                ("scope", "openid,AdobeID,user_management_sdk"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 86399);
        assert!(body["access_token"].as_str().unwrap().len() > 20);
    }
    // Parameters in the query string work too.
    let resp = http
        .post(format!("{}/ims/token/v3", info.ims))
        .query(&[
            ("grant_type", "client_credentials"),
            ("client_id", &info.client_id),
            ("client_secret", &info.client_secret),
            ("scope", "openid,AdobeID,user_management_sdk"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let post = |form: Vec<(&'static str, String)>| {
        http.post(format!("{}/ims/token/v3", info.ims))
            .form(&form)
            .send()
    };
    let good = |secret: &str| {
        vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", info.client_id.clone()),
            ("client_secret", secret.to_owned()),
            ("scope", "openid,AdobeID,user_management_sdk".to_owned()),
        ]
    };
    let resp = post(good("wrong")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string());

    let mut missing = good(&info.client_secret);
    missing.remove(1);
    let resp = post(missing).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    let mut grant = good(&info.client_secret);
    grant[0].1 = "password".into();
    assert_eq!(post(grant).await.unwrap().status(), StatusCode::BAD_REQUEST);
    let mut scope = good(&info.client_secret);
    scope[3].1 = "openid".into();
    let resp = post(scope).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_scope"
    );
    assert_eq!(sb.stats().tokens_issued, 5);
    assert_eq!(sb.stats().requests_for(RouteKind::ImsToken), 9);
}

#[tokio::test]
async fn umapi_checks_token_api_key_and_org() {
    let ctx = Ctx::new(SandboxConfig::default().users(5)).await;
    let url = ctx.url("/groups/{org}/0");
    // No token, or an unknown one: 401, empty body, WWW-Authenticate.
    for auth in [None, Some("Bearer nope"), Some("Basic abc")] {
        let mut req = ctx.http.get(&url).header("x-api-key", &ctx.info.client_id);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        let www = header(resp.headers(), "www-authenticate").to_owned();
        assert!(www.starts_with("Bearer realm=\"JIL\""), "{www}");
        assert!(www.contains("error=\"invalid_token\""));
        assert_eq!(resp.text().await.unwrap(), "");
    }
    // Missing or wrong X-Api-Key: 403, empty.
    for key in [None, Some("someone-else")] {
        let mut req = ctx.http.get(&url).bearer_auth(&ctx.token);
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{key:?}");
        assert_eq!(resp.text().await.unwrap(), "");
    }
    // Wrong organization: 400 with the documented body.
    let (status, _, body) = ctx
        .get_json("/groups/0123456789ABCDEF01234567@AdobeOrg/0")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"result": "error.organization.invalid_id", "message": "Bad organization Id"})
    );
    // The right everything: 200.
    let (status, _, _) = ctx.get_json("/groups/{org}/0").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_expire() {
    let ctx = Ctx::new(
        SandboxConfig::default()
            .users(3)
            .token_ttl(Duration::from_secs(1)),
    )
    .await;
    assert_eq!(ctx.get_json("/groups/{org}/0").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        ctx.get_json("/groups/{org}/0").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn status_request_id_and_pragma() {
    let ctx = Ctx::new(SandboxConfig::default().users(3)).await;
    let resp = ctx
        .http
        .get(format!("{}/status", ctx.sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["state"], "LIVE");
    assert!(body["build"].is_string() && body["version"].is_string());

    let resp = ctx
        .get("/users/{org}/0")
        .header("x-request-id", "abc-123_1646757323563")
        .header("pragma", "umapi-sync-start")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(resp.headers(), "x-request-id"),
        "abc-123_1646757323563"
    );
    ctx.get("/groups/{org}/0")
        .header("pragma", "umapi-sync-end")
        .send()
        .await
        .unwrap();
    ctx.get("/groups/{org}/0").send().await.unwrap();
    // Unknown routes: 404 JSON, request id echoed too.
    let resp = ctx
        .http
        .get(format!("{}/nowhere", ctx.sb.base_url()))
        .header("x-request-id", "r9")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(resp.headers(), "x-request-id"), "r9");

    let s = ctx.sb.stats();
    assert_eq!((s.sync_start, s.sync_end), (1, 1));
    assert_eq!(s.requests_for(RouteKind::Status), 1);
    assert_eq!(s.requests_for(RouteKind::UmapiGroups), 2);
    assert_eq!(s.requests_for(RouteKind::UmapiUsers), 1);

    // The same counters over HTTP, for out-of-process tools.
    let remote: Value = ctx
        .http
        .get(format!("{}/_sandbox/stats", ctx.sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(remote["sync_start"], 1);
    assert_eq!(remote["requests"]["umapi_groups"], 2);
    assert_eq!(remote["requests"]["status"], 1);
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

fn sign_jwt(key: &RsaPrivateKey, claims: &Value) -> String {
    let header = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = b64(claims.to_string().as_bytes());
    let signed = format!("{header}.{payload}");
    let digest = Sha256::digest(signed.as_bytes());
    let sig = key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
    format!("{signed}.{}", b64(&sig))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn jwt_exchange_verifies_signature_and_claims() {
    let sb = Sandbox::start(SandboxConfig::default().users(3))
        .await
        .unwrap();
    let info = sb.umapi_info();
    let http = http();
    let mut rng = rsa::rand_core::OsRng;
    let key = RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let other = RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let claims = |exp: u64, aud_host: &str| {
        json!({
            "exp": exp,
            "iss": info.org_id,
            "sub": "0123456789@techacct.adobe.com",
            "aud": format!("https://{aud_host}/c/{}", info.client_id),
            format!("https://{aud_host}/s/ent_user_sdk"): true,
        })
    };
    let exchange = |jwt: String| {
        http.post(format!("{}/ims/exchange/jwt/", info.ims))
            .form(&[
                ("client_id", info.client_id.clone()),
                ("client_secret", info.client_secret.clone()),
                ("jwt_token", jwt),
            ])
            .send()
    };
    let good = sign_jwt(&key, &claims(now() + 86400, "ims-na1.adobelogin.com"));

    // No key registered yet.
    let resp = exchange(good.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    sb.register_jwt_public_key(&info.client_id, &pem).unwrap();
    assert!(matches!(
        sb.register_jwt_public_key("nobody", &pem),
        Err(SandboxError::UnknownClient { .. })
    ));
    assert!(matches!(
        sb.register_jwt_public_key(&info.client_id, "not a key"),
        Err(SandboxError::PublicKey(_))
    ));

    let resp = exchange(good.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_399_000u64, "milliseconds");
    let token = body["access_token"].as_str().unwrap();
    let resp = http
        .get(format!("{}/groups/{}/0", info.endpoint, info.org_id))
        .bearer_auth(token)
        .header("x-api-key", &info.client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // Any IMS host is accepted in aud and the metascope.
    let resp = exchange(sign_jwt(&key, &claims(now() + 60, "ims-eu1.example")))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let mut bad_iss = claims(now() + 60, "ims-na1.adobelogin.com");
    bad_iss["iss"] = json!("FFFF@AdobeOrg");
    let mut no_scope = claims(now() + 60, "ims-na1.adobelogin.com");
    no_scope
        .as_object_mut()
        .unwrap()
        .remove("https://ims-na1.adobelogin.com/s/ent_user_sdk");
    let mut bad_aud = claims(now() + 60, "ims-na1.adobelogin.com");
    bad_aud["aud"] = json!("https://ims-na1.adobelogin.com/c/other");
    let parts: Vec<&str> = good.split('.').collect();
    let forged = b64(claims(now() + 120, "ims-na1.adobelogin.com")
        .to_string()
        .as_bytes());
    let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
    for (what, jwt) in [
        (
            "wrong key",
            sign_jwt(&other, &claims(now() + 60, "ims-na1.adobelogin.com")),
        ),
        (
            "expired",
            sign_jwt(&key, &claims(now() - 10, "ims-na1.adobelogin.com")),
        ),
        (
            "too far ahead",
            sign_jwt(&key, &claims(now() + 3 * 86400, "ims-na1.adobelogin.com")),
        ),
        ("wrong iss", sign_jwt(&key, &bad_iss)),
        ("no metascope", sign_jwt(&key, &no_scope)),
        ("wrong aud", sign_jwt(&key, &bad_aud)),
        ("garbage", "a.b".to_owned()),
        ("tampered", tampered),
    ] {
        let resp = exchange(jwt).await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{what}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token", "{what}");
    }
    // Bad client secret: 401.
    let resp = http
        .post(format!("{}/ims/exchange/jwt", info.ims))
        .form(&[
            ("client_id", info.client_id.as_str()),
            ("client_secret", "x"),
            ("jwt_token", &good),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // A certificate holding the key works as well.
    let private_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let kp = rcgen::KeyPair::from_pem_and_sign_algo(&private_pem, &rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["tech.example".to_owned()])
        .unwrap()
        .self_signed(&kp)
        .unwrap();
    sb.register_jwt_public_key(&info.client_id, &cert.pem())
        .unwrap();
    assert_eq!(exchange(good).await.unwrap().status(), StatusCode::OK);
    assert_eq!(sb.stats().requests_for(RouteKind::ImsJwtExchange), 13);
}

#[tokio::test]
async fn tls_mode_is_reachable_with_the_ca_file() {
    let sb = Sandbox::start(SandboxConfig::default().users(3).tls(true))
        .await
        .unwrap();
    let base = sb.base_url();
    assert!(base.starts_with("https://localhost:"), "{base}");
    let ca = sb.ca_file().unwrap();
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let line: Value = serde_json::from_str(&sb.readiness_line()).unwrap();
    assert_eq!(line["tls_ca"], json!(ca.to_string_lossy()));
    assert!(
        line["umapi"]["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("https://localhost:")
    );

    let trusting = http_with_ca(&ca);
    let resp = trusting.get(format!("{base}/status")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let token = common::token(&trusting, &sb.umapi_info()).await;
    assert!(!token.is_empty());
    // 127.0.0.1 is in the certificate too.
    let port = base.rsplit(':').next().unwrap();
    let resp = trusting
        .get(format!("https://127.0.0.1:{port}/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let untrusting = http();
    assert!(
        untrusting
            .get(format!("{base}/status"))
            .send()
            .await
            .is_err()
    );

    sb.shutdown().await;
    assert!(!ca.exists(), "the CA file is removed on shutdown");
}

#[tokio::test]
async fn readiness_line_and_shutdown() {
    let sb = Sandbox::start(SandboxConfig::default().users(3))
        .await
        .unwrap();
    let line: Value = serde_json::from_str(&sb.readiness_line()).unwrap();
    let jc = sb.jumpcloud_info();
    assert_eq!(
        line["jumpcloud"]["v1"],
        json!(format!("{}/api", sb.base_url()))
    );
    assert_eq!(
        line["jumpcloud"]["v2"],
        json!(format!("{}/api/v2", sb.base_url()))
    );
    assert_eq!(line["jumpcloud"]["api_key"], json!(jc.api_key));
    assert_eq!(line["jumpcloud"]["org_id"], json!(jc.org_id));
    let sc = &line["jumpcloud"]["system_context"];
    assert_eq!(sc["system_id"].as_str().unwrap().len(), 24);
    let key_file = sc["key_file"].as_str().unwrap().to_owned();
    let pem = std::fs::read_to_string(&key_file).unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{pem}");
    assert_eq!(line["tls_ca"], Value::Null);
    let info = sb.umapi_info();
    assert_eq!(line["umapi"]["endpoint"], json!(info.endpoint));
    assert_eq!(line["umapi"]["ims"], json!(sb.base_url()));
    assert_eq!(line["umapi"]["org_id"], json!(info.org_id));
    assert_eq!(line["umapi"]["client_id"], json!(info.client_id));
    assert_eq!(line["umapi"]["client_secret"], json!(info.client_secret));
    assert!(sb.base_url().starts_with("http://127.0.0.1:"));
    let keys: Vec<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 3);
    let raw = sb.readiness_line();
    assert!(
        raw.starts_with("{\"jumpcloud\":{\"v1\":\"http://127.0.0.1:"),
        "{raw}"
    );

    let base = sb.base_url();
    sb.shutdown().await;
    let err = http().get(format!("{base}/status")).send().await;
    assert!(err.is_err(), "the port is closed after shutdown");
    assert!(
        !std::path::Path::new(&key_file).exists(),
        "the system key file is removed"
    );

    // Dropping stops it too.
    let sb = Sandbox::start(SandboxConfig::default().users(1))
        .await
        .unwrap();
    let base = sb.base_url();
    drop(sb);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(http().get(format!("{base}/status")).send().await.is_err());
}

#[tokio::test]
async fn bad_settings_are_refused_with_a_reason() {
    for config in [
        SandboxConfig::default().time_scale(0.0),
        SandboxConfig::default().time_scale(f64::NAN),
        SandboxConfig::default().user_page_size(0),
        SandboxConfig::default().token_ttl(Duration::ZERO),
        // expires_in is sent in whole seconds: 0 would read as "no expiry given".
        SandboxConfig::default().token_ttl(Duration::from_millis(500)),
    ] {
        let err = Sandbox::start(config).await.unwrap_err();
        assert!(matches!(err, SandboxError::Config { .. }), "{err}");
    }
    let taken = Sandbox::start(SandboxConfig::default().users(1))
        .await
        .unwrap();
    let addr = taken
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let err = Sandbox::start(SandboxConfig::default().listen(addr))
        .await
        .unwrap_err();
    assert!(matches!(err, SandboxError::Bind { .. }), "{err}");
    assert!(err.to_string().contains("port 0"), "{err}");
}
