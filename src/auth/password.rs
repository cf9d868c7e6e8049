//! Officials' passwords, hashed with Argon2id (OWASP parameters: 19 MiB, 2 passes).
//! Hashing costs tens of milliseconds of CPU: call it from a blocking thread.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
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

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// A PHC string: `$argon2id$v=19$m=19456,t=2,p=1$…`.
pub fn hash(password: &Password) -> Result<String, HashError> {
    Argon2::default().hash_password(password.bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// True when `password` matches `phc`; false for a wrong password or an unreadable hash.
pub fn verify(password: &Password, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let password = Password::new("correct horse battery".into()).unwrap();
        let a = hash(&password).unwrap();
        let b = hash(&password).unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b);
        assert!(verify(&password, &a));
        assert!(!verify(&Password::new("correct horse battery!".into()).unwrap(), &a));
        assert!(!verify(&password, "not a hash"));
    }

    #[test]
    fn length_rules() {
        assert_eq!(Password::new("short".into()).unwrap_err(), WeakPassword::TooShort);
        assert_eq!(Password::new("一二三四五六七八九十一二".into()).map(|_| ()), Ok(()));
        assert_eq!(Password::new("x".repeat(MAX_BYTES + 1)).unwrap_err(), WeakPassword::TooLong);
        assert_eq!(format!("{:?}", Password::new("secret secret".into()).unwrap()), "Password(…)");
    }
}
