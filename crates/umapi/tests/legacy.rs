//! The legacy (umapi-client v1 style) API and the blocking facade against the sandbox.

mod common;

use idm_sandbox::SandboxConfig;
use serde_json::json;
use umapi::legacy::{AccessRequest, Action, Auth, Jwt, LegacyError, Umapi, paginate};

#[tokio::test]
async fn the_seed_walkthrough_works() {
    let sb = common::sandbox(SandboxConfig {
        users: 30,
        user_page_size: 8,
        ..Default::default()
    })
    .await;
    let info = sb.umapi_info();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../http/tests/fixtures");
    let key = std::fs::read(format!("{dir}/test-rsa-pkcs1.pem")).unwrap();
    let public = std::fs::read_to_string(format!("{dir}/test-rsa-public.pem")).unwrap();
    sb.register_jwt_public_key(&info.client_id, &public)
        .unwrap();

    // Steps 1-4.
    let jwt = Jwt::new(
        &info.org_id,
        "tech@techacct.adobe.com",
        &info.ims,
        &info.client_id,
        &key,
    )
    .unwrap();
    let token = AccessRequest::new(
        format!("{}/ims/exchange/jwt", info.ims),
        &info.client_id,
        &info.client_secret,
        jwt.encode().unwrap(),
    );
    assert!(token.expiry().is_none());
    let access = token.token().await.unwrap();
    assert!(token.expiry().unwrap() > std::time::SystemTime::now());
    let api = Umapi::new(&info.endpoint, Auth::new(&info.client_id, access)).unwrap();

    // Queries.
    let page0 = api.users(&info.org_id, 0).await.unwrap();
    assert_eq!(page0["users"].as_array().unwrap().len(), 8);
    let all_users = paginate(|p| api.users(&info.org_id, p), None, None)
        .await
        .unwrap();
    assert!(all_users.len() > 8);
    let capped = paginate(|p| api.users(&info.org_id, p), Some(2), None)
        .await
        .unwrap();
    assert_eq!(capped.len(), 16);
    let groups = paginate(|p| api.groups(&info.org_id, p), None, None)
        .await
        .unwrap();
    assert!(!groups.is_empty());

    // Actions: one, then several.
    let action = Action::new("user@example.com").r#do(
        "createEnterpriseID",
        json!({"email": "user@example.com", "firstname": "U", "lastname": "S"}),
    );
    let status = api.action(&info.org_id, action).await.unwrap();
    assert_eq!(status["result"], "success");
    let group = groups
        .iter()
        .find(|g| g["type"] == "PRODUCT_PROFILE")
        .unwrap()["groupName"]
        .as_str()
        .unwrap()
        .to_owned();
    let actions = vec![
        Action::new("user@example.com").r#do("add", json!([group.clone()])),
        Action::new("user@example.com").r#do("remove", json!([group])),
    ];
    let status = api.action(&info.org_id, actions).await.unwrap();
    assert!(status["result"] == "success", "{status}");

    // An all-failed action is a request error carrying the body.
    let bad = Action::new("ghost@example.com").r#do("update", json!({"firstname": "G"}));
    match api.action(&info.org_id, bad).await {
        Err(LegacyError::Request(body)) => assert_eq!(body["result"], "error"),
        other => panic!("expected UMAPIRequestError, got {other:?}"),
    }
    let err = api
        .action(&info.org_id, Vec::<Action>::new())
        .await
        .unwrap_err();
    assert!(matches!(err, LegacyError::ActionFormat(_)));
}

#[test]
fn blocking_facade_lists_and_acts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt.block_on(common::sandbox(SandboxConfig {
        users: 12,
        ..Default::default()
    }));
    let client = umapi::blocking::Client::new(common::builder(&sb)).unwrap();
    let users = client.all_users().unwrap();
    let streamed: Vec<_> = client
        .iter(client.users().stream())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users, streamed);
    let report = client
        .execute([umapi::UserAction::new("blocking@example.com")
            .unwrap()
            .create(umapi::NewUser::adobe_id("blocking@example.com"))
            .unwrap()])
        .unwrap();
    assert!(report.is_success());
    assert!(client.user("blocking@example.com").unwrap().is_some());
    drop(sb);
}

#[tokio::test]
async fn the_legacy_error_kinds() {
    // Throttling that outlasts every retry is UMAPIRetryError; a server error is UMAPIError.
    let sb = common::sandbox(
        SandboxConfig::default()
            .faults_spec("umapi.groups:429:retry-after=0.01:count=50;umapi.users:500")
            .unwrap(),
    )
    .await;
    let info = sb.umapi_info();
    // A token fetched by hand, handed to the legacy objects as the seed does.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", info.client_id.as_str()),
        ("client_secret", info.client_secret.as_str()),
        ("scope", umapi::auth::DEFAULT_SCOPE),
    ];
    let http = umapi::HttpConfig::default();
    let (access, _) = umapi::auth::request_token(
        &http.build_client().unwrap(),
        &http,
        &format!("{}/ims/token/v3", info.ims),
        &form,
        false,
    )
    .await
    .unwrap();
    let api = Umapi::new(&info.endpoint, Auth::new(&info.client_id, access)).unwrap();
    let err = api.groups(&info.org_id, 0).await.unwrap_err();
    assert!(matches!(err, LegacyError::Retry(_)), "{err:?}");
    assert!(err.to_string().starts_with("UMAPIRetryError"), "{err}");
    let err = api.users(&info.org_id, 0).await.unwrap_err();
    assert!(matches!(err, LegacyError::Umapi(_)), "{err:?}");
    assert!(err.to_string().contains("500"), "{err}");
}
