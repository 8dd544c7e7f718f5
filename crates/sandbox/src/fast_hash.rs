//! A fast hasher for the stores' in-memory indexes.
//!
//! The standard library's SipHash resists hash flooding, which costs about 6% of the sandbox's
//! CPU on a bulk UMAPI run (every action looks up users and groups by name). The sandbox is a
//! local test server holding demo data, so it trades that resistance for speed: a word-at-a-time
//! multiply-rotate hash, finished with a full 64-bit mix so that every output bit depends on
//! every input bit (hashbrown takes its bucket from the low bits and its tag from the high ones).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// See the module documentation.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The finaliser of MurmurHash3 (fmix64).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(s)
    }

    #[test]
    fn similar_keys_spread_over_buckets_and_tags() {
        // Keys like the sandbox's own (same prefix and suffix, a counter in the middle).
        let keys: Vec<String> = (0..4096).map(|i| format!("b77-{i}@example.com")).collect();
        let mut low = std::collections::HashSet::new();
        let mut high = std::collections::HashSet::new();
        for k in &keys {
            let h = hash(k);
            low.insert(h & 0xfff);
            high.insert(h >> 57);
        }
        // 4096 keys into 4096 buckets: a uniform hash fills about 63% of them.
        assert!(
            low.len() > 2300,
            "only {} of 4096 low-bit buckets used",
            low.len()
        );
        assert_eq!(high.len(), 128, "every 7-bit tag should occur");
    }

    #[test]
    fn lengths_and_contents_are_told_apart() {
        assert_ne!(hash("a"), hash("a\0"));
        assert_ne!(hash("abcdefgh"), hash("abcdefgh\0"));
        assert_ne!(hash(""), hash("\0"));
        let mut m: FastMap<String, u32> = FastMap::default();
        m.insert("x".into(), 1);
        m.insert("X".into(), 2);
        assert_eq!((m["x"], m["X"]), (1, 2));
    }
}
