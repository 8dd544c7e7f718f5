//! Shared test set-up: a sandbox, a reqwest client and authenticated helpers.
#![allow(dead_code)]

use std::time::Duration;

use idm_sandbox::{Sandbox, SandboxConfig, UmapiInfo};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::Value;

/// A reqwest client for loopback tests: ring crypto provider, no proxy, 10 s timeout.
pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
}

pub fn http() -> Client {
    http_builder().build().unwrap()
}

/// A client that trusts the CA certificates of a PEM file.
pub fn http_with_ca(path: &std::path::Path) -> Client {
    let pem = std::fs::read(path).unwrap();
    let certs = reqwest::Certificate::from_pem_bundle(&pem).unwrap();
    http_builder().tls_certs_merge(certs).build().unwrap()
}

pub struct Ctx {
    pub sb: Sandbox,
    pub http: Client,
    pub info: UmapiInfo,
    pub token: String,
}

pub async fn token(http: &Client, info: &UmapiInfo) -> String {
    let resp = http
        .post(format!("{}/ims/token/v3", info.ims))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.client_id.as_str()),
            ("client_secret", info.client_secret.as_str()),
            ("scope", "openid,AdobeID,user_management_sdk"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

impl Ctx {
    pub async fn new(config: SandboxConfig) -> Ctx {
        let sb = Sandbox::start(config).await.unwrap();
        let http = http();
        let info = sb.umapi_info();
        let token = token(&http, &info).await;
        Ctx {
            sb,
            http,
            info,
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.info.endpoint,
            path.replace("{org}", &self.info.org_id)
        )
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .header("x-api-key", &self.info.client_id)
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, HeaderMap, Value) {
        let resp = self.get(path).send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, headers, body)
    }

    pub async fn action_raw(&self, body: &str, test_only: bool) -> (StatusCode, Value) {
        let path = if test_only {
            "/action/{org}?testOnly=true"
        } else {
            "/action/{org}"
        };
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("x-api-key", &self.info.client_id)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    pub async fn action(&self, body: Value) -> Value {
        let (status, v) = self.action_raw(&body.to_string(), false).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    pub async fn action_test(&self, body: Value) -> Value {
        let (status, v) = self.action_raw(&body.to_string(), true).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }
}

pub fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}
