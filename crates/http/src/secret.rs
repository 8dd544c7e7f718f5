//! Secret values (API keys, client secrets, tokens, private keys).
//!
//! They are [`secrecy`] types: `Debug` prints `[REDACTED]`, they have no `Display`, and the memory
//! is zeroed on drop. Read the value only where it goes on the wire, with
//! [`ExposeSecret::expose_secret`].

pub use secrecy::{ExposeSecret, SecretString};

/// Builds a [`SecretString`] from anything string-like.
pub fn secret(value: impl Into<String>) -> SecretString {
    SecretString::from(value.into())
}

/// Shows only the last four characters of a secret (`****abcd`), for `idm config`-style displays.
///
/// Short secrets (eight characters or fewer) are masked entirely.
pub fn mask(value: &SecretString) -> String {
    let s = value.expose_secret();
    let n = s.chars().count();
    if n <= 8 {
        "****".to_owned()
    } else {
        let tail: String = s.chars().skip(n - 4).collect();
        format!("****{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let s = secret("super-secret-value-1234");
        let shown = format!("{s:?}");
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }

    #[test]
    fn mask_keeps_only_the_tail() {
        assert_eq!(mask(&secret("abcdefghijkl")), "****ijkl");
        assert_eq!(mask(&secret("short")), "****");
    }
}
