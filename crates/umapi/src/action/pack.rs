//! Packing queued command entries into requests so that UMAPI's ordering rules hold:
//! the entries of one request may run in any order, and one request must not name the same user
//! twice. So an entry goes out only when no other entry for its user (or group) is in flight or
//! already in the request being packed, and the entries for one target leave in the order they
//! were queued — the parts of a split action included, each after the previous one was answered.

use std::collections::{HashSet, VecDeque};

/// What the packer needs of an entry: the user or group it acts on, normalised.
pub(crate) trait Keyed {
    fn key(&self) -> &str;
}

/// Entries waiting to be sent, and the targets that have an entry in flight.
#[derive(Debug)]
pub(crate) struct Packer<E> {
    queue: VecDeque<E>,
    busy: HashSet<String>,
}

impl<E: Keyed> Packer<E> {
    pub(crate) fn new() -> Self {
        Packer {
            queue: VecDeque::new(),
            busy: HashSet::new(),
        }
    }

    pub(crate) fn push(&mut self, entry: E) {
        self.queue.push_back(entry);
    }

    /// Entries waiting, sendable now or not.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many entries a request could take now, counting up to `max`.
    pub(crate) fn ready(&self, max: usize) -> usize {
        // At most `max` keys: a short list beats a hash set here.
        let mut taken: Vec<&str> = Vec::with_capacity(max.min(16));
        for e in &self.queue {
            if taken.len() >= max {
                break;
            }
            let k = e.key();
            if !self.busy.contains(k) && !taken.contains(&k) {
                taken.push(k);
            }
        }
        taken.len()
    }

    /// Takes up to `max` entries that can go now, in queue order, and marks their targets busy
    /// until [`release`](Self::release).
    pub(crate) fn take(&mut self, max: usize) -> Vec<E> {
        let mut taken = Vec::new();
        let mut skipped = Vec::new();
        while taken.len() < max {
            let Some(e) = self.queue.pop_front() else {
                break;
            };
            if self.busy.contains(e.key()) {
                skipped.push(e);
            } else {
                self.busy.insert(e.key().to_owned());
                taken.push(e);
            }
        }
        // The skipped entries keep their place at the front.
        for e in skipped.into_iter().rev() {
            self.queue.push_front(e);
        }
        taken
    }

    /// The request that held these targets was answered: their next entries may go.
    pub(crate) fn release<'a>(&mut self, keys: impl IntoIterator<Item = &'a str>) {
        for k in keys {
            self.busy.remove(k);
        }
    }

    /// Empties the queue (for entries that can never go, see `ActionQueue::flush`).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.busy.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone, PartialEq)]
    struct E(String, usize);

    impl Keyed for E {
        fn key(&self) -> &str {
            &self.0
        }
    }

    #[test]
    fn a_target_in_flight_waits_and_keeps_its_order() {
        let mut p = Packer::new();
        for (i, k) in ["a", "a", "b", "a", "c"].into_iter().enumerate() {
            p.push(E(k.into(), i));
        }
        assert_eq!(p.ready(10), 3);
        let first: Vec<usize> = p.take(10).into_iter().map(|e| e.1).collect();
        assert_eq!(first, [0, 2, 4]);
        assert_eq!((p.ready(10), p.len()), (0, 2));
        assert!(p.take(10).is_empty());
        p.release(["a", "b", "c"]);
        assert_eq!(p.take(10), [E("a".into(), 1)]);
        p.release(["a"]);
        assert_eq!(p.take(10), [E("a".into(), 3)]);
        assert!(p.is_empty());
    }

    proptest! {
        /// Whatever the targets and request sizes: no request names a target twice, no target is
        /// in two requests at once, every entry leaves exactly once, and each target's entries
        /// leave in queue order.
        #[test]
        fn requests_respect_umapi_ordering(keys in prop::collection::vec(0u8..6, 0..60),
                                           max in 1usize..11,
                                           answer_after in 1usize..4) {
            let mut p = Packer::new();
            for (i, k) in keys.iter().enumerate() {
                p.push(E(format!("u{k}"), i));
            }
            let mut in_flight: VecDeque<Vec<E>> = VecDeque::new();
            let mut sent: Vec<E> = Vec::new();
            let mut rounds = 0;
            while !p.is_empty() || !in_flight.is_empty() {
                rounds += 1;
                prop_assert!(rounds < 1000, "no progress");
                let ready = p.ready(max);
                let req = p.take(max);
                prop_assert_eq!(req.len(), ready);
                let mut names: Vec<&str> = req.iter().map(|e| e.0.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                prop_assert_eq!(names.len(), req.len(), "a target twice in one request");
                for e in &req {
                    let clash = in_flight.iter().flatten().any(|f| f.0 == e.0);
                    prop_assert!(!clash, "target {} in two requests at once", e.0);
                }
                if !req.is_empty() {
                    in_flight.push_back(req);
                }
                // Answer the oldest request once enough are in flight, or when nothing else can go.
                if (in_flight.len() >= answer_after || p.ready(1) == 0)
                    && let Some(done) = in_flight.pop_front()
                {
                    p.release(done.iter().map(|e| e.0.as_str()));
                    sent.extend(done);
                }
            }
            prop_assert_eq!(sent.len(), keys.len());
            for k in 0u8..6 {
                let order: Vec<usize> = sent.iter().filter(|e| e.0 == format!("u{k}")).map(|e| e.1).collect();
                prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "u{} out of order: {:?}", k, order);
            }
        }
    }
}
