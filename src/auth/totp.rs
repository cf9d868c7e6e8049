//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s) for officials.

use totp_rs::{Builder, Secret};
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
#[error("cannot create a TOTP secret: {0}")]
pub struct TotpError(String);

pub fn enrol(username: &Username) -> Result<Enrolment, TotpError> {
    let secret = Secret::generate();
    let secret_base32 = Zeroizing::new(secret.to_base32());
    let totp = Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(username.as_str())
        .build()
        .map_err(|e| TotpError(e.to_string()))?;
    let uri = Zeroizing::new(totp.to_url().map_err(|e| TotpError(e.to_string()))?);
    Ok(Enrolment { secret_base32, uri })
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
}
