//! Login names of officials.

use std::fmt;

/// 3–32 characters of `a-z`, `0-9`, `.`, `_`, `-`, starting with a letter. No colon, so it
/// can stand in an `otpauth://` label.
#[derive(Clone, PartialEq, Eq)]
pub struct Username(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a username is 3–32 characters of a-z, 0-9, '.', '_', '-' and starts with a letter")]
pub struct InvalidUsername;

impl Username {
    pub fn parse(s: &str) -> Result<Self, InvalidUsername> {
        let valid = (3..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if valid { Ok(Self(s.to_owned())) } else { Err(InvalidUsername) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (input, ok) in [
            ("admin", true),
            ("li.wei_2", true),
            ("ab", false),
            ("1admin", false),
            ("Admin", false),
            ("a:b", false),
            ("zhang san", false),
            ("张三", false),
            ("abcdefghijabcdefghijabcdefghijabc", false),
        ] {
            assert_eq!(Username::parse(input).is_ok(), ok, "{input}");
        }
    }
}
