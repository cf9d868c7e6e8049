//! Session tokens. The token the client holds is a random lookup id and a random secret; the
//! store keeps only a hash of the id and the signed-in key sealed to `Key<Session>`, which
//! only the secret yields. So any instance can serve the session, and a stolen database
//! opens nothing.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{CryptoError, Key, Session};

const ID_BYTES: usize = 16;
const SECRET_BYTES: usize = 32;
const ENCODING: data_encoding::Encoding = data_encoding::BASE64URL_NOPAD;

/// What a cookie or bearer header carries. No `Debug` of its contents; wiped on drop.
pub struct SessionToken {
    id: [u8; ID_BYTES],
    secret: Zeroizing<[u8; SECRET_BYTES]>,
}

impl SessionToken {
    pub fn generate() -> Self {
        use rand::RngExt;
        let mut rng = rand::rng();
        Self { id: rng.random(), secret: Zeroizing::new(rng.random()) }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let bytes = Zeroizing::new(ENCODING.decode(text.trim().as_bytes()).ok()?);
        if bytes.len() != ID_BYTES + SECRET_BYTES {
            return None;
        }
        let mut id = [0u8; ID_BYTES];
        id.copy_from_slice(&bytes[..ID_BYTES]);
        let mut secret = Zeroizing::new([0u8; SECRET_BYTES]);
        secret.copy_from_slice(&bytes[ID_BYTES..]);
        Some(Self { id, secret })
    }

    pub fn to_text(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(ID_BYTES + SECRET_BYTES));
        bytes.extend_from_slice(&self.id);
        bytes.extend_from_slice(self.secret.as_slice());
        Zeroizing::new(ENCODING.encode(&bytes))
    }

    /// What the store keys the session by: a hash, so the table does not hold live ids.
    pub fn lookup_id(&self) -> String {
        data_encoding::HEXLOWER.encode(&Sha256::digest(self.id))
    }

    /// The key the signed-in key is sealed to for this session.
    pub fn key(&self) -> Result<Key<Session>, CryptoError> {
        Key::from_seed(&self.secret)
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Key, User};
    use super::*;

    #[test]
    fn a_token_round_trips_and_opens_what_was_sealed_to_it() {
        let token = SessionToken::generate();
        let text = token.to_text();
        let back = SessionToken::parse(&text).unwrap();
        assert_eq!(back.lookup_id(), token.lookup_id());
        assert_eq!(token.lookup_id().len(), 64);

        let user = Key::<User>::generate();
        let sealed = user.wrap_for(&token.key().unwrap().public()).unwrap();
        let reopened = sealed.open(&back.key().unwrap()).unwrap();
        assert_eq!(reopened.public(), user.public());
        let other = SessionToken::generate();
        assert!(sealed.open(&other.key().unwrap()).is_err());
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "abc", "!!!!", &"A".repeat(65)] {
            assert!(SessionToken::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(format!("{:?}", SessionToken::generate()), "SessionToken(…)");
    }
}
