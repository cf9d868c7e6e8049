//! The key hierarchy (KEYS.md): keys, their derivation from passwords and query codes,
//! envelopes, receipts and session tokens. Every confidential value at rest is a standard age
//! file (X25519 recipients), so any age implementation opens it with the right identity.
//!
//! ```text
//! password ──Argon2id──▶ Key<Password> ──opens──▶ Key<User>            (per official)
//! Key<User> ──opens──▶ Key<Department> / Key<Custodian> / Key<Finance>  (per group, versioned)
//! Key<Recovery> (offline, age-keygen) ──opens──▶ the same group keys
//! query code ──Argon2id──▶ Key<Reporter>                                (per tip)
//! Key<Department>, Key<Reporter> ──open──▶ Key<Tip>                     (per tip)
//! Key<Tip> ──opens──▶ body, messages, notes, attachments
//! Key<Matching> ──keys──▶ blind indexes of related tips (`blind`; sealed like the group keys)
//! Key<Custodian> or Key<Reporter> ──opens──▶ identity envelope
//! Key<Finance> or Key<Reporter> ──opens──▶ payout envelope
//! token held by the client ──▶ Key<Session> ──opens──▶ the signed-in Key<User> or Key<Reporter>
//! ```
//!
//! Which key may be wrapped for which holder is a trait (`Holds`), so a tip key cannot be
//! sealed for finance, nor an identity envelope for a department, by mistake.

pub mod blind;
mod derive;
mod envelope;
mod keys;
pub mod receipt;
pub mod session;

pub use derive::{Derived, KdfParams, Verifier, derive, new_salt};
pub use envelope::{Envelope, Plaintext};
pub use keys::{
    Custodian, Department, Finance, Holds, Key, KeyRole, Matching, Password, PublicKey, Recovery, Reporter, Session,
    Spool, Tip, User, Wrapped,
};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Wrong key, or the ciphertext was altered: age authenticates every chunk.
    #[error("cannot decrypt: wrong key or altered data")]
    Decrypt,
    #[error("cannot encrypt: {0}")]
    Encrypt(String),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("key derivation failed: {0}")]
    Derivation(String),
}

impl From<age::DecryptError> for CryptoError {
    fn from(_: age::DecryptError) -> Self {
        CryptoError::Decrypt
    }
}

impl From<age::EncryptError> for CryptoError {
    fn from(e: age::EncryptError) -> Self {
        CryptoError::Encrypt(e.to_string())
    }
}

/// Seals the identity a reporter chose to give: readable by the custodians and the reporter,
/// never by a case officer (PRODUCT.md §4, "Identity is its own envelope").
pub fn seal_identity(
    custodians: &PublicKey<Custodian>,
    reporter: &PublicKey<Reporter>,
    plaintext: &[u8],
) -> Result<Envelope, CryptoError> {
    envelope::seal(&[custodians.recipient(), reporter.recipient()], plaintext)
}

/// Seals payout details: readable by finance and the reporter, never by the case officer.
pub fn seal_payout(
    finance: &PublicKey<Finance>,
    reporter: &PublicKey<Reporter>,
    plaintext: &[u8],
) -> Result<Envelope, CryptoError> {
    envelope::seal(&[finance.recipient(), reporter.recipient()], plaintext)
}

/// Seals the reason of a disclosure request: readable with the tip's key (its department,
/// the reporter) and by the custodians who decide it.
pub fn seal_disclosure_reason(
    tip: &PublicKey<Tip>,
    custodians: &PublicKey<Custodian>,
    plaintext: &[u8],
) -> Result<Envelope, CryptoError> {
    envelope::seal(&[tip.recipient(), custodians.recipient()], plaintext)
}

/// Re-seals a disclosed identity for the one official a custodian approved it for.
pub fn reseal_identity_for(official: &PublicKey<User>, identity: &Plaintext) -> Result<Envelope, CryptoError> {
    envelope::seal(&[official.recipient()], identity.as_bytes())
}
