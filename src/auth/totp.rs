//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s) for officials. The secret
//! is stored sealed to the official's own key, so it is readable only after the password.

use totp_rs::{Builder, Secret, Totp};
use zeroize::Zeroizing;

use crate::domain::Username;

const ISSUER: &str = "jubao";

/// A fresh second-factor enrolment: the secret as base32 and the `otpauth://` URI an
/// authenticator app reads.
pub struct Enrolment {
    pub secret_base32: Zeroizing<String>,
    pub uri: Zeroizing<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("TOTP: {0}")]
pub struct TotpError(String);

pub fn enrol(username: &Username) -> Result<Enrolment, TotpError> {
    let secret = Secret::generate();
    let secret_base32 = Zeroizing::new(secret.to_base32());
    let totp = build(secret, Some(username))?;
    let uri = Zeroizing::new(totp.to_url().map_err(|e| TotpError(e.to_string()))?);
    Ok(Enrolment { secret_base32, uri })
}

fn build(secret: Secret, username: Option<&Username>) -> Result<Totp, TotpError> {
    let mut builder = Builder::new().with_secret(secret);
    if let Some(name) = username {
        builder = builder.with_issuer(Some(ISSUER)).with_account_name(name.as_str());
    }
    builder.build().map_err(|e| TotpError(e.to_string()))
}

/// The time step `code` is valid for at `unix_time` (one step of skew either way), if any.
pub fn check(secret_base32: &str, code: &str, unix_time: u64) -> Result<Option<u64>, TotpError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|e| TotpError(format!("{e:?}")))?;
    let totp = build(secret, None)?;
    Ok(totp.check(code.trim(), unix_time))
}

/// The code for `unix_time`, for tests and tools.
pub fn code_at(secret_base32: &str, unix_time: u64) -> Result<String, TotpError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|e| TotpError(format!("{e:?}")))?;
    Ok(build(secret, None)?.generate(unix_time).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_carries_the_secret_issuer_and_account() {
        let e = enrol(&Username::parse("li.wei").unwrap()).unwrap();
        assert!(e.secret_base32.len() >= 32, "160 bits");
        assert!(e.secret_base32.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
        assert!(e.uri.starts_with("otpauth://totp/jubao:li.wei?"), "{}", *e.uri);
        assert!(e.uri.contains(&format!("secret={}", *e.secret_base32)));
        assert!(e.uri.contains("issuer=jubao"));
    }

    #[test]
    fn codes_check_within_one_step_of_skew() {
        let e = enrol(&Username::parse("li.wei").unwrap()).unwrap();
        let now = 1_800_000_000;
        let code = code_at(&e.secret_base32, now).unwrap();
        assert_eq!(check(&e.secret_base32, &code, now).unwrap(), Some(now / 30));
        assert!(check(&e.secret_base32, &code, now + 30).unwrap().is_some());
        assert_eq!(check(&e.secret_base32, &code, now + 90).unwrap(), None);
        assert_eq!(check(&e.secret_base32, "000000x", now).unwrap(), None);
    }
}
