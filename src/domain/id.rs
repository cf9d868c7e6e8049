//! Identifiers that leave the server: random, never sequential.

use std::fmt;

use rand::RngExt;

/// 128 random bits, written as 26 lowercase base32 characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Id(String);

const ALPHABET: data_encoding::Encoding = data_encoding::BASE32_NOPAD;

impl Id {
    pub fn random() -> Self {
        let bytes: [u8; 16] = rand::rng().random();
        Self(ALPHABET.encode(&bytes).to_ascii_lowercase())
    }

    /// An identifier read back from the store or a URL; `None` when it is not one of ours.
    pub fn parse(s: &str) -> Option<Self> {
        let upper = s.to_ascii_uppercase();
        match ALPHABET.decode(upper.as_bytes()) {
            Ok(bytes) if bytes.len() == 16 && s.len() == 26 => Some(Self(s.to_ascii_lowercase())),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_distinct_and_parse_back() {
        let a = Id::random();
        let b = Id::random();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 26);
        assert_eq!(Id::parse(a.as_str()), Some(a));
    }

    #[test]
    fn rejects_foreign_strings() {
        for bad in ["", "1", "not-an-id", "aaaaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaaaaaa"] {
            assert_eq!(Id::parse(bad), None, "{bad}");
        }
    }
}
