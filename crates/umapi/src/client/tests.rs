//! Unit tests of the client's configuration and request plumbing.

use super::*;

#[test]
fn uuid_has_the_v4_shape() {
    let u = uuid_v4();
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "4");
    assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
}

#[test]
fn segments_keep_at_and_escape_slashes_and_spaces() {
    assert_eq!(segment("a b/c@d.e"), "a%20b%2Fc@d.e");
}

#[test]
fn batch_options_past_umapi_limits_are_refused() {
    let build = |b: BatchOptions| {
        Client::builder()
            .org_id("o@AdobeOrg")
            .oauth("id", "secret")
            .batch_options(b)
            .build()
    };
    assert!(build(BatchOptions::default()).is_ok());
    for (b, want) in [
        (
            BatchOptions {
                entries_per_request: 11,
                ..Default::default()
            },
            "entries_per_request is 11; it must be 1 to 10",
        ),
        (
            BatchOptions {
                names_per_list: 0,
                ..Default::default()
            },
            "names_per_list is 0",
        ),
        (
            BatchOptions {
                concurrency: 0,
                ..Default::default()
            },
            "concurrency is 0; it must be at least 1",
        ),
    ] {
        let err = build(b).unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn builder_reports_missing_settings() {
    let err = Client::builder().oauth("id", "secret").build().unwrap_err();
    assert!(err.to_string().contains("UMAPI_ORG_ID"), "{err}");
    let err = Client::builder().org_id("x@AdobeOrg").build().unwrap_err();
    assert!(err.to_string().contains("UMAPI_CLIENT_ID"), "{err}");
    let err = Client::builder()
        .org_id("x@AdobeOrg")
        .oauth("id", "secret")
        .endpoint("http://umapi.example.com/v2/usermanagement")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("http"), "{err}");
}

#[test]
fn debug_hides_the_secret() {
    let c = Client::builder()
        .org_id("x@AdobeOrg")
        .oauth("my-id", "my-very-secret")
        .build()
        .unwrap();
    let shown = format!("{c:?}");
    assert!(
        shown.contains("my-id") && !shown.contains("my-very-secret"),
        "{shown}"
    );
}

#[test]
fn status_url_is_at_the_host_root() {
    let c = Client::builder()
        .org_id("x@AdobeOrg")
        .oauth("i", "s")
        .build()
        .unwrap();
    assert_eq!(
        c.status_url().as_str(),
        "https://usermanagement.adobe.io/status"
    );
}
