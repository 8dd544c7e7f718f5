//! Splitting long actions the way UMAPI needs them: name lists of
//! at most `max` entries, and entries of at most `max` steps. Nothing is lost, duplicated or reordered.

use super::Step;

/// Cuts every name list longer than `max` in `add`/`remove` steps into chunks; extra chunks
/// become new steps of the same kind right after the original. Returns each resulting step with
/// the index of the step it came from. `"all"` and steps given as other JSON are left whole.
/// Takes the steps by value: the common case (nothing to cut) moves each step, copying nothing.
pub(crate) fn split_lists(steps: Vec<Step>, max: usize) -> Vec<(usize, Step)> {
    let max = max.max(1);
    let mut out = Vec::with_capacity(steps.len());
    for (i, step) in steps.into_iter().enumerate() {
        let longest = step.longest_list();
        if longest <= max {
            out.push((i, step));
            continue;
        }
        for c in 0..longest.div_ceil(max) {
            out.push((i, step.list_chunk(c, max)));
        }
    }
    out
}

/// Cuts a step list into consecutive runs of at most `max` steps.
pub(crate) fn split_steps(steps: Vec<(usize, Step)>, max: usize) -> Vec<Vec<(usize, Step)>> {
    let max = max.max(1);
    let mut out = Vec::with_capacity(steps.len().div_ceil(max));
    let mut it = steps.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(max).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[test]
    fn splits_long_lists_in_place() {
        let names: Vec<String> = (0..23).map(|i| format!("g{i}")).collect();
        let steps = vec![
            Step::new("createEnterpriseID", json!({"email": "a@b.c"})),
            Step::new("add", json!({"group": names})),
            Step::new("remove", json!("all")),
        ];
        let out = split_lists(steps.clone(), 10);
        let shape: Vec<(usize, &str, usize)> = out
            .iter()
            .map(|(i, s)| {
                (
                    *i,
                    s.name(),
                    s.value()
                        .get("group")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (0, "createEnterpriseID", 0),
                (1, "add", 10),
                (1, "add", 10),
                (1, "add", 3),
                (2, "remove", 0)
            ]
        );
        assert_eq!(out[4].1.value(), json!("all"));
    }

    #[test]
    fn mixed_lists_share_chunks() {
        let users: Vec<String> = (0..12).map(|i| format!("u{i}@x.com")).collect();
        let steps = vec![Step::new(
            "add",
            json!({"user": users, "productConfiguration": ["P1", "P2"]}),
        )];
        let out = split_lists(steps.clone(), 10);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].1.value()["productConfiguration"],
            json!(["P1", "P2"])
        );
        assert!(out[1].1.value().get("productConfiguration").is_none());
        assert_eq!(out[1].1.value()["user"].as_array().unwrap().len(), 2);
    }

    fn step_strategy() -> impl Strategy<Value = Step> {
        let names = prop::collection::vec("[a-z]{1,4}", 0..40);
        prop_oneof![
            names
                .clone()
                .prop_map(|g| Step::new("add", json!({ "group": g }))),
            (names.clone(), names).prop_map(|(u, p)| Step::new(
                "remove",
                json!({ "user": u, "productConfiguration": p })
            )),
            Just(Step::new("remove", json!("all"))),
            // The builders' typed form.
            prop::collection::vec("[a-z]{1,4}", 0..40)
                .prop_map(|g| Step::list("remove", "group", g)),
            "[a-z]{1,8}".prop_map(|n| Step::new("update", json!({ "firstname": n }))),
        ]
    }

    /// Flattens steps back to (step name, key, element) triples, per original step.
    fn flatten(steps: &[(usize, Step)]) -> Vec<(usize, String, String, Value)> {
        let mut out = Vec::new();
        for (i, s) in steps {
            match s.value() {
                Value::Object(m) if s.name() == "add" || s.name() == "remove" => {
                    for (k, v) in m {
                        for item in v.as_array().into_iter().flatten() {
                            out.push((*i, s.name().to_owned(), k.clone(), item.clone()));
                        }
                    }
                }
                other => out.push((*i, s.name().to_owned(), String::new(), other)),
            }
        }
        // Order within one step across keys is map order; compare per original step and key.
        out.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
        out
    }

    proptest! {
        #[test]
        fn no_step_lost_duplicated_or_reordered(steps in prop::collection::vec(step_strategy(), 0..25), max in 1usize..12) {
            let lists = split_lists(steps.clone(), max);
            // Every list within bounds.
            for (_, s) in &lists {
                if let Value::Object(m) = &s.value() {
                    for v in m.values() {
                        if let Some(a) = v.as_array() {
                            prop_assert!(a.len() <= max);
                        }
                    }
                }
            }
            // Same content in the same order (stable sort keeps per-key order).
            let original: Vec<(usize, Step)> = steps.iter().cloned().enumerate().collect();
            prop_assert_eq!(flatten(&lists), flatten(&original));
            // Original indices never go backwards.
            prop_assert!(lists.windows(2).all(|w| w[0].0 <= w[1].0));
            // Entries: consecutive, bounded, and concatenating them gives the list back.
            let entries = split_steps(lists.clone(), max);
            prop_assert!(entries.iter().all(|e| !e.is_empty() && e.len() <= max));
            let rejoined: Vec<(usize, Step)> = entries.into_iter().flatten().collect();
            prop_assert_eq!(rejoined, lists);
        }
    }
}
