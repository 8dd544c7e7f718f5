//! The System Context signer against a signature made by `openssl dgst -sha256 -sign` for a fixed
//! key, request line and date (fixtures/signing-string.txt, fixtures/signature.b64).

use std::time::{Duration, UNIX_EPOCH};

use jumpcloud::SystemContext;

const KEY: &[u8] = include_bytes!("fixtures/system-key.pem");
const EXPECTED_STRING: &str = include_str!("fixtures/signing-string.txt");
const EXPECTED_SIGNATURE: &str = include_str!("fixtures/signature.b64");

#[test]
fn matches_openssl_byte_for_byte() {
    let ctx = SystemContext::new("5f1b2c3d4e5f6a7b8c9d0e1f", KEY).unwrap();
    // Thu, 09 Aug 1990 14:25:15 GMT
    let at = UNIX_EPOCH + Duration::from_secs(650_211_915);
    let path = "/api/v2/systems/5f1b2c3d4e5f6a7b8c9d0e1f/memberof?limit=10";
    assert_eq!(
        SystemContext::signing_string("GET", path, "Thu, 09 Aug 1990 14:25:15 GMT"),
        EXPECTED_STRING
    );
    let signed = ctx.sign("GET", path, at).unwrap();
    assert_eq!(signed.date, "Thu, 09 Aug 1990 14:25:15 GMT");
    assert_eq!(
        signed.authorization,
        format!(
            "Signature keyId=\"system/5f1b2c3d4e5f6a7b8c9d0e1f\",headers=\"request-line date\",algorithm=\"rsa-sha256\",signature=\"{}\"",
            EXPECTED_SIGNATURE.trim()
        )
    );
    // The key never shows in Debug.
    let debug = format!("{ctx:?}");
    assert!(debug.contains("5f1b2c3d4e5f6a7b8c9d0e1f") && debug.contains("redacted"));
    assert!(!debug.contains("PRIVATE"));
}

#[test]
fn agent_files() {
    let dir = std::env::temp_dir().join(format!("jc-agent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("jcagent.conf");
    let key = dir.join("client.key");
    std::fs::write(&conf, r#"{"systemKey":"abc123","x":1}"#).unwrap();
    std::fs::write(&key, KEY).unwrap();
    let ctx = SystemContext::from_agent_files(&key, &conf).unwrap();
    assert_eq!(ctx.system_id(), "abc123");
    std::fs::write(&conf, "{}").unwrap();
    let err = SystemContext::from_agent_files(&key, &conf).unwrap_err();
    assert!(err.to_string().contains("systemKey"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
