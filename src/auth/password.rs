//! Officials' passwords. A password is never hashed on its own: one Argon2id derivation
//! gives its verifier and the key that opens the official's own key (`crypto::derive`).

use zeroize::Zeroizing;

pub const MIN_CHARS: usize = 12;
pub const MAX_BYTES: usize = 1024;

/// A password in memory: never printed, wiped when dropped.
pub struct Password(Zeroizing<String>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WeakPassword {
    #[error("the password must have at least {MIN_CHARS} characters")]
    TooShort,
    #[error("the password must have at most {MAX_BYTES} bytes")]
    TooLong,
}

impl Password {
    pub fn new(text: String) -> Result<Self, WeakPassword> {
        let text = Zeroizing::new(text);
        if text.chars().count() < MIN_CHARS {
            Err(WeakPassword::TooShort)
        } else if text.len() > MAX_BYTES {
            Err(WeakPassword::TooLong)
        } else {
            Ok(Self(text))
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert_eq!(Password::new("short".into()).unwrap_err(), WeakPassword::TooShort);
        assert_eq!(Password::new("一二三四五六七八九十一二".into()).map(|_| ()), Ok(()));
        assert_eq!(Password::new("x".repeat(MAX_BYTES + 1)).unwrap_err(), WeakPassword::TooLong);
        assert_eq!(format!("{:?}", Password::new("secret secret".into()).unwrap()), "Password(…)");
    }
}
