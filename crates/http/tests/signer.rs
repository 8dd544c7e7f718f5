//! The signer must produce exactly what `openssl dgst -sha256 -sign` produces.

use base64::Engine;
use idm_http::RsaSigner;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

#[test]
fn matches_openssl_for_pkcs8_and_pkcs1_keys() {
    let message = fixture("message.txt");
    let expected = String::from_utf8(fixture("message.sig.b64")).unwrap();
    for key in ["test-rsa-pkcs8.pem", "test-rsa-pkcs1.pem"] {
        let signer = RsaSigner::from_pem_file(format!("{DIR}/{key}")).unwrap();
        let sig = signer.sign(&message).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig);
        assert_eq!(b64, expected.trim(), "key {key}");
        let shown = format!("{signer:?}");
        assert!(
            shown.contains("REDACTED") && shown.contains("2048"),
            "{shown}"
        );
    }
}
