//! Codes of reference data (departments, categories, districts) as they appear in seeds,
//! URLs and the API.

use std::fmt;

/// A reference-data code: 1–64 characters of `a-z`, `0-9`, `-` and `_`, starting with a
/// letter or digit. Parsing is the only way to make one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a valid code (1–64 of a-z, 0-9, '-', '_')")]
pub struct InvalidCode(pub String);

impl Code {
    pub fn parse(s: &str) -> Result<Self, InvalidCode> {
        let valid = (1..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid { Ok(Self(s.to_owned())) } else { Err(InvalidCode(s.chars().take(80).collect())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.0)
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_codes_of_the_contract() {
        for ok in ["ndrc-energy", "safety-office", "500103", "major_hazard", "a"] {
            assert!(Code::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_anything_else() {
        let too_long = "a".repeat(65);
        for bad in ["", "-x", "_x", "Emergency", "a b", "a/b", "渝中", too_long.as_str(), "x\n"] {
            assert!(Code::parse(bad).is_err(), "{bad:?}");
        }
    }
}
