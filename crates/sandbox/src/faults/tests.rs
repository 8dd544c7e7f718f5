//! Tests of the fault grammar and engine.

use super::*;

#[test]
fn parses_the_example() {
    let rules =
        parse_faults("umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1").unwrap();
    assert_eq!(
        rules[0],
        FaultRule::new(
            FaultTarget::UmapiAction,
            FaultKind::TooManyRequests {
                retry_after: RetryAfterValue::Seconds(2.0)
            }
        )
        .count(3)
    );
    assert_eq!(
        rules[1],
        FaultRule::new(
            FaultTarget::UmapiUsers,
            FaultKind::Truncate { as_404: false }
        )
        .page(1)
    );
    assert_eq!(
        rules[0].to_string(),
        "umapi.action:429:retry-after=2:count=3"
    );
}

#[test]
fn round_trips() {
    for spec in [
        "ims:500",
        "any:delay=250:every=2",
        "umapi:reset:count=2:prob=0.5",
        "umapi.groups:truncate:as=404:nth=2",
        "umapi.users:lastpage:page=1",
        "umapi.user:result=error",
        "umapi.action:429:retry-after-date=30",
        "umapi.action:429:retry-after=0.25",
        "umapi.users:short:page=2",
        "jumpcloud.v1:duplicate:every=2",
        "jumpcloud.v2:truncate:as=404",
        "jumpcloud:short",
        "any:malformed:count=3",
        "ims:html",
        "umapi.action:cut:nth=2",
    ] {
        let rule: FaultRule = spec.parse().unwrap();
        assert_eq!(rule.to_string(), spec);
    }
}

#[test]
fn rejects_bad_parts() {
    for (spec, part) in [
        ("umapi.nope:500", "umapi.nope"),
        ("umapi:teapot", "teapot"),
        ("umapi:500:often=2", "often=2"),
        ("umapi:500:nth=x", "nth=x"),
        ("umapi.action:truncate", "umapi.action:truncate"),
        ("umapi.action:lastpage", "umapi.action:lastpage"),
        ("umapi.action:short", "umapi.action:short"),
        ("umapi.user:duplicate", "umapi.user:duplicate"),
        ("ims:truncate", "ims:truncate"),
        ("ims:500:page=1", "ims:500:page=1"),
        ("jumpcloud:lastpage", "jumpcloud:lastpage"),
        (
            "jumpcloud.v2:lastpage:page=1",
            "jumpcloud.v2:lastpage:page=1",
        ),
        (
            "umapi.users:duplicate:page=0",
            "umapi.users:duplicate:page=0",
        ),
        ("umapi:cut:as=404", "as=404"),
        ("umapi:500:retry-after=2", "retry-after=2"),
        (
            "umapi:429:retry-after-date=300000000000",
            "retry-after-date=300000000000",
        ),
        ("umapi", "umapi"),
    ] {
        match parse_faults(spec) {
            Err(SandboxError::FaultSpec { part: p, .. }) => assert_eq!(p, part, "{spec}"),
            other => panic!("{spec}: {other:?}"),
        }
    }
    // Built in code, a date past the year 9999 is capped rather than a panic.
    let far = RetryAfterValue::DateIn(u64::MAX).header_value();
    assert!(far.ends_with("GMT"), "{far}");
    let msg = parse_faults("x:500").unwrap_err().to_string();
    assert!(msg.contains("TARGET = umapi.users | umapi.user"), "{msg}");
    // The reasons name the targets a fault may take, from the one list of targets.
    let msg = parse_faults("ims:500:page=1").unwrap_err().to_string();
    assert!(msg.contains(": page=K applies only to listings"), "{msg}");
    let msg = parse_faults("umapi.action:short").unwrap_err().to_string();
    assert!(msg.contains(": short applies only to listings"), "{msg}");
    assert!(
        msg.contains("only to the targets umapi.users, umapi.groups, umapi, jumpcloud, jumpcloud.v1, jumpcloud.v2, any"),
        "{msg}"
    );
    let msg = parse_faults("jumpcloud:lastpage").unwrap_err().to_string();
    assert!(
        msg.contains("only to the targets umapi.users, umapi.groups, umapi, any\nfault grammar: "),
        "{msg}"
    );
}

/// One rule of each fault kind, as the grammar spells it.
const EVERY_FAULT: [&str; 14] = [
    "429",
    "401",
    "500",
    "503",
    "delay=5",
    "reset",
    "malformed",
    "html",
    "cut",
    "result=error",
    "truncate",
    "short",
    "duplicate",
    "lastpage",
];

#[test]
fn the_grammar_names_every_target_and_fault_and_is_in_the_readme() {
    let grammar = crate::error::FAULT_GRAMMAR;
    // The summary in errors lists the alternatives of each rule.
    let summary = crate::error::fault_grammar_summary();
    let alternatives = |rule: &str| -> Vec<String> {
        let start = summary
            .find(&format!("{rule} = "))
            .unwrap_or_else(|| panic!("{rule}: {summary}"));
        let rest = &summary[start + rule.len() + 3..];
        rest[..rest.find(';').unwrap_or(rest.len())]
            .split(" | ")
            .map(str::to_owned)
            .collect()
    };
    let names: Vec<&str> = FaultTarget::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(alternatives("TARGET"), names, "{summary}");
    for target in FaultTarget::ALL {
        assert_eq!(target.as_str().parse::<FaultTarget>(), Ok(target));
    }
    let faults = alternatives("FAULT");
    assert_eq!(
        faults,
        [
            "429",
            "401",
            "500",
            "502",
            "503",
            "504",
            "<other 4xx/5xx>",
            "delay=MS",
            "reset",
            "malformed",
            "html",
            "cut",
            "result=VALUE",
            "truncate",
            "short",
            "duplicate",
            "lastpage"
        ],
        "{summary}"
    );
    assert_eq!(
        alternatives("OPTION"),
        [
            "nth=K",
            "count=N",
            "every=N",
            "prob=P",
            "page=K",
            "retry-after=S",
            "retry-after-date=S",
            "as=404"
        ],
        "{summary}"
    );
    assert!(
        summary.contains(r#"RULE = TARGET ":" FAULT (":" OPTION)*"#),
        "{summary}"
    );
    assert!(
        !summary.contains('\n') && !summary.contains("PAGED"),
        "{summary}"
    );
    for fault in EVERY_FAULT {
        let word = fault.split('=').next().unwrap_or_default();
        assert!(
            faults.iter().any(|f| f.split('=').next() == Some(word)),
            "{word}"
        );
        // Every spelling parses on a target that takes it, and round-trips.
        let rule: FaultRule = format!("umapi.users:{fault}").parse().unwrap();
        assert!(
            rule.to_string()
                .starts_with(&format!("umapi.users:{fault}")),
            "{rule}"
        );
    }
    // Every kind is in the list above: the match has no catch-all, so a new kind stops
    // this test from compiling until it is handled here (and so in the list).
    let index = |kind: FaultKind| match kind {
        FaultKind::TooManyRequests { .. } => 0,
        FaultKind::Status(_) => 1,
        FaultKind::Delay(_) => 2,
        FaultKind::Reset => 3,
        FaultKind::Truncate { .. } => 4,
        FaultKind::EarlyLastPage => 5,
        FaultKind::Result(_) => 6,
        FaultKind::Short => 7,
        FaultKind::Duplicate => 8,
        FaultKind::Malformed => 9,
        FaultKind::Html => 10,
        FaultKind::Cut => 11,
    };
    let covered: std::collections::BTreeSet<usize> = EVERY_FAULT
        .iter()
        .map(|f| index(parse_fault(f).unwrap()))
        .collect();
    assert_eq!(covered, (0..12).collect());
    // The README shows the same grammar, line for line.
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(grammar),
        "README.md's fault grammar differs from src/fault_grammar.txt"
    );
}

fn jumpcloud(v2: bool, page: Option<u64>, has_previous: bool) -> Asked {
    Asked {
        kind: RouteKind::JumpCloud,
        jumpcloud_v2: v2,
        listing: Some(PageAsked { page, has_previous }),
    }
}

#[test]
fn listing_faults_match_only_listings_and_duplicate_skips_the_first_page() {
    let rule = |spec: &str| spec.parse::<FaultRule>().unwrap();
    let plain_jc = Asked::plain(RouteKind::JumpCloud);
    // short and truncate: listings of both APIs, never a single object.
    assert!(rule("any:short").matches(&jumpcloud(false, Some(0), false)));
    assert!(rule("any:short").matches(&Asked::umapi_page(RouteKind::UmapiGroups, 0)));
    assert!(!rule("any:short").matches(&plain_jc));
    assert!(!rule("any:truncate").matches(&Asked::plain(RouteKind::UmapiUser)));
    // lastpage: UMAPI pages only, even with a broad target.
    assert!(!rule("any:lastpage").matches(&jumpcloud(false, Some(1), true)));
    assert!(rule("any:lastpage").matches(&Asked::umapi_page(RouteKind::UmapiUsers, 1)));
    // duplicate: only where a previous page exists.
    assert!(!rule("jumpcloud:duplicate").matches(&jumpcloud(true, Some(0), false)));
    assert!(!rule("jumpcloud:duplicate").matches(&jumpcloud(true, None, false)));
    assert!(rule("jumpcloud:duplicate").matches(&jumpcloud(true, None, true)));
    assert!(!rule("umapi.users:duplicate").matches(&Asked::umapi_page(RouteKind::UmapiUsers, 0)));
    // page=K: the page of a listing; a request between pages (JumpCloud skip not a multiple
    // of limit) is no page.
    assert!(rule("jumpcloud:500:page=2").matches(&jumpcloud(true, Some(2), true)));
    assert!(!rule("jumpcloud:500:page=2").matches(&jumpcloud(true, None, true)));
    assert!(!rule("jumpcloud:500:page=0").matches(&plain_jc));
    // The API version of the JumpCloud sub-targets.
    assert!(rule("jumpcloud.v2:html").matches(&jumpcloud(true, None, false)));
    assert!(!rule("jumpcloud.v2:html").matches(&plain_jc));
    assert!(rule("jumpcloud.v1:html").matches(&plain_jc));
    assert!(!rule("jumpcloud.v1:html").matches(&Asked::plain(RouteKind::UmapiAction)));
    // Faults of any route fire anywhere.
    for fault in ["malformed", "html", "cut"] {
        assert!(rule(&format!("any:{fault}")).matches(&Asked::plain(RouteKind::ImsToken)));
    }
    // A duplicate rule does not count the first page: its count is kept for page 1.
    let mut e = FaultEngine::new(vec![rule("umapi.users:duplicate")], 1);
    assert_eq!(e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 0)), None);
    assert_eq!(
        e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 1)),
        Some(FaultKind::Duplicate)
    );
    assert!(e.is_empty());
}

#[test]
fn triggers() {
    let mut e = FaultEngine::new(
        vec![
            FaultRule::new(FaultTarget::UmapiAction, FaultKind::Status(500)).count(2),
            FaultRule::new(FaultTarget::UmapiAction, FaultKind::Status(502)),
        ],
        1,
    );
    let got: Vec<_> = (0..4)
        .map(|_| e.decide(&Asked::plain(RouteKind::UmapiAction)))
        .collect();
    assert_eq!(
        got,
        vec![
            Some(FaultKind::Status(500)),
            Some(FaultKind::Status(500)),
            Some(FaultKind::Status(502)),
            None
        ]
    );
    let mut e = FaultEngine::new(
        vec![FaultRule::new(FaultTarget::Umapi, FaultKind::Status(503)).nth(3)],
        1,
    );
    let got: Vec<_> = (0..4)
        .map(|_| e.decide(&Asked::plain(RouteKind::UmapiUser)).is_some())
        .collect();
    assert_eq!(got, vec![false, false, true, false]);
    let mut e = FaultEngine::new(
        vec![FaultRule::new(FaultTarget::Any, FaultKind::Status(503)).every(2)],
        1,
    );
    let got: Vec<_> = (0..4)
        .map(|_| e.decide(&Asked::plain(RouteKind::Status)).is_some())
        .collect();
    assert_eq!(got, vec![false, true, false, true]);
    let mut e = FaultEngine::new(
        vec![FaultRule::new(FaultTarget::UmapiUsers, FaultKind::Reset).page(1)],
        1,
    );
    assert!(
        e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 0))
            .is_none()
    );
    assert!(
        e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 1))
            .is_some()
    );
}
