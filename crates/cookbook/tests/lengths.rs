//! The recipes stay as short as their Python equivalents plus a third (the measure):
//! a recipe that grows past it means a task helper is missing from the libraries.

#[test]
fn recipes_stay_short() {
    for (name, limit) in [
        ("offboarding", 75),
        ("licence_report", 20),
        ("reconcile_groups", 80),
        ("onboarding", 80),
        ("access_review", 50),
    ] {
        let path = format!("{}/examples/{name}.rs", env!("CARGO_MANIFEST_DIR"));
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= limit, "{name}: {lines} lines, over {limit}");
    }
}
