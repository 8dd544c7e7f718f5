//! From the umapi-client legacy (v1) guide, steps 1-4: build a JWT, exchange it for an access token, make an Auth object and a
//! UMAPI object, then make one call.
//!
//! Run: `cargo run -p umapi --example legacy_auth` (embedded sandbox), or with `UMAPI_ORG_ID`,
//! `UMAPI_CLIENT_ID`, `UMAPI_CLIENT_SECRET`, `UMAPI_TECH_ACCOUNT` and `UMAPI_PRIVATE_KEY_FILE` set.

#[path = "support/mod.rs"]
mod support;

use umapi::legacy::{AccessRequest, Auth, Jwt, Umapi};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await;
    let key = match std::env::var("UMAPI_PRIVATE_KEY_FILE") {
        Ok(path) => std::fs::read(path)?,
        Err(_) => support::DEMO_PRIVATE_KEY.as_bytes().to_vec(),
    };
    let tech_acct =
        std::env::var("UMAPI_TECH_ACCOUNT").unwrap_or_else(|_| "demo@techacct.adobe.com".into());
    if let Some(sb) = &t.sandbox {
        // The sandbox plays the integration whose certificate holds this public key.
        sb.register_jwt_public_key(&t.client_id, support::DEMO_PUBLIC_KEY)?;
    }

    // Step 1 - create the JSON Web Token.
    let jwt = Jwt::new(&t.org_id, &tech_acct, &t.ims, &t.client_id, &key)?;

    // Step 2 - exchange it for an access token (and see when it expires).
    let token = AccessRequest::new(
        format!("{}/ims/exchange/jwt", t.ims),
        &t.client_id,
        &t.client_secret,
        jwt.encode()?,
    );
    let access_token = token.token().await?;
    println!("token expires at {:?}", token.expiry());

    // Step 3 - the Auth object.
    let auth = Auth::new(&t.client_id, access_token);

    // Step 4 - the UMAPI object, used for every call after.
    let api = Umapi::new(&t.endpoint, auth)?;
    let page = api.users(&t.org_id, 0).await?;
    println!(
        "first page: {} users, lastPage = {}",
        page["users"].as_array().map_or(0, Vec::len),
        page["lastPage"]
    );
    Ok(())
}
