//! X25519 keys typed by their place in the hierarchy, and keys wrapped for their holders.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use zeroize::Zeroizing;

use super::CryptoError;
use super::envelope::{self, Envelope, Plaintext};

/// A place in the key hierarchy.
pub trait KeyRole {
    const NAME: &'static str;
}

macro_rules! roles {
    ($($(#[$doc:meta])* $role:ident = $name:literal;)*) => {$(
        $(#[$doc])*
        pub enum $role {}
        impl KeyRole for $role {
            const NAME: &'static str = $name;
        }
    )*};
}

roles! {
    /// An official's own key, wrapped with their password.
    User = "user";
    /// Derived from an official's password; opens only their user key.
    Password = "password";
    /// A department's key (versioned): opens the tips granted to the department.
    Department = "department";
    /// The custodians' key: opens identity envelopes.
    Custodian = "custodian";
    /// Finance's key: opens payout envelopes.
    Finance = "finance";
    /// The matching key: computes the blind indexes of related tips (`blind`).
    Matching = "matching";
    /// An offline recovery identity made with `age-keygen`.
    Recovery = "recovery";
    /// One tip's key: opens its body, messages, notes and attachments.
    Tip = "tip";
    /// Derived from a receipt's query code: the reporter's view of their own tip.
    Reporter = "reporter";
    /// Lives in a client's session token; opens the signed-in key for one session.
    Session = "session";
    /// Lives in memory only while an upload is cleaned: opens the copy spooled to disk.
    Spool = "spool";
}

/// `H: Holds<K>`: a `Key<K>` may be wrapped for a holder of role `H`.
pub trait Holds<K: KeyRole>: KeyRole {}

impl Holds<User> for Password {}
impl Holds<User> for Session {}
impl Holds<Reporter> for Session {}
impl Holds<Department> for User {}
impl Holds<Department> for Recovery {}
impl Holds<Custodian> for User {}
impl Holds<Custodian> for Recovery {}
impl Holds<Finance> for User {}
impl Holds<Finance> for Recovery {}
impl Holds<Matching> for User {}
impl Holds<Matching> for Recovery {}
impl Holds<Tip> for Department {}
impl Holds<Tip> for Reporter {}

/// An X25519 identity in role `R`. It has no `Debug` or `Display`, and its secret is wiped
/// when it is dropped.
pub struct Key<R: KeyRole> {
    identity: age::x25519::Identity,
    role: PhantomData<R>,
}

impl<R: KeyRole> Key<R> {
    pub fn generate() -> Self {
        Self { identity: age::x25519::Identity::generate(), role: PhantomData }
    }

    /// The key whose secret scalar is `seed` (from a key derivation or a session token).
    pub(crate) fn from_seed(seed: &[u8; 32]) -> Result<Self, CryptoError> {
        let hrp = bech32::Hrp::parse("age-secret-key-").map_err(|_| CryptoError::Malformed("key prefix"))?;
        let text = Zeroizing::new(
            bech32::encode::<bech32::Bech32>(hrp, seed).map_err(|_| CryptoError::Malformed("key"))?.to_uppercase(),
        );
        Self::parse(&text)
    }

    /// Parses an `AGE-SECRET-KEY-1…` line, or an identity file of `age-keygen` (comments and
    /// one key).
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or(CryptoError::Malformed("identity"))?;
        age::x25519::Identity::from_str(line)
            .map(|identity| Self { identity, role: PhantomData })
            .map_err(|_| CryptoError::Malformed("identity"))
    }

    pub fn public(&self) -> PublicKey<R> {
        PublicKey { recipient: self.identity.to_public(), role: PhantomData }
    }

    /// Wraps this key for `holder`: an age file whose plaintext is this key's identity line,
    /// so `age -d -i HOLDER_KEY` yields a file `age -d -i` accepts in turn.
    pub fn wrap_for<H: Holds<R>>(&self, holder: &PublicKey<H>) -> Result<Wrapped<R>, CryptoError> {
        let secret = self.identity.to_string();
        let line = Zeroizing::new(format!("{}\n", secret.expose_secret()));
        Ok(Wrapped { envelope: envelope::seal(&[holder.recipient()], line.as_bytes())?, role: PhantomData })
    }

    /// Opens an envelope sealed to this key.
    pub fn open(&self, envelope: &Envelope) -> Result<Plaintext, CryptoError> {
        envelope::open(&self.identity, envelope)
    }

    /// As `open_stream`, for an async reader (an attachment read from a file).
    pub async fn open_async<I: futures_util::AsyncRead + Unpin>(
        &self,
        input: I,
    ) -> Result<age::stream::StreamReader<I>, CryptoError> {
        let decryptor = age::Decryptor::new_async(input).await?;
        Ok(decryptor.decrypt_async(std::iter::once(&self.identity as &dyn age::Identity))?)
    }

    /// The plaintext of an age file sealed to this key, read with seeking: the age STREAM is
    /// made of 64 KiB chunks, each opened on its own, so any part can be read again.
    pub fn open_seekable<I: std::io::Read + std::io::Seek>(
        &self,
        input: I,
    ) -> Result<age::stream::StreamReader<I>, CryptoError> {
        let decryptor = age::Decryptor::new(input)?;
        Ok(decryptor.decrypt(std::iter::once(&self.identity as &dyn age::Identity))?)
    }

    /// Streams the plaintext of a large envelope (an attachment) sealed to this key.
    pub fn open_stream<'a, I: std::io::Read + 'a>(&'a self, input: I) -> Result<impl std::io::Read + 'a, CryptoError> {
        envelope::open_reader(&self.identity, input)
    }
}

impl Key<super::Matching> {
    /// What computes the blind indexes: keyed by this key's secret, so only its holders can.
    pub fn indexer(&self) -> super::blind::BlindIndexer {
        super::blind::BlindIndexer::new(self.identity.to_string().expose_secret().as_bytes())
    }
}

/// The public half of a `Key<R>`: an `age1…` recipient, safe to store and show.
pub struct PublicKey<R: KeyRole> {
    recipient: age::x25519::Recipient,
    role: PhantomData<R>,
}

impl<R: KeyRole> PublicKey<R> {
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        age::x25519::Recipient::from_str(text.trim())
            .map(|recipient| Self { recipient, role: PhantomData })
            .map_err(|_| CryptoError::Malformed("recipient"))
    }

    /// Seals `plaintext` to this key alone (tip content to the tip key, a TOTP secret to its
    /// official).
    pub fn seal(&self, plaintext: &[u8]) -> Result<Envelope, CryptoError> {
        envelope::seal(&[self.recipient()], plaintext)
    }

    /// Streams a large value (an attachment) into `output` sealed to this key. Call
    /// `finish()` on the writer, or the file is cut short and will not open.
    pub fn seal_stream<W: std::io::Write>(&self, output: W) -> Result<age::stream::StreamWriter<W>, CryptoError> {
        envelope::seal_writer(&[self.recipient()], output)
    }

    /// As `seal_stream`, for an async writer (an upload going to a file). Close the writer
    /// to finish the file.
    pub async fn seal_async<W: futures_util::AsyncWrite + Unpin>(
        &self,
        output: W,
    ) -> Result<age::stream::StreamWriter<W>, CryptoError> {
        let encryptor = age::Encryptor::with_recipients(std::iter::once(self.recipient()))?;
        encryptor.wrap_async_output(output).await.map_err(|e| CryptoError::Encrypt(e.to_string()))
    }

    pub(crate) fn recipient(&self) -> &dyn age::Recipient {
        &self.recipient
    }
}

impl<R: KeyRole> Clone for PublicKey<R> {
    fn clone(&self) -> Self {
        Self { recipient: self.recipient.clone(), role: PhantomData }
    }
}

impl<R: KeyRole> PartialEq for PublicKey<R> {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl<R: KeyRole> fmt::Display for PublicKey<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.recipient)
    }
}

impl<R: KeyRole> fmt::Debug for PublicKey<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey<{}>({})", R::NAME, self.recipient)
    }
}

/// A `Key<K>` sealed for one holder.
pub struct Wrapped<K: KeyRole> {
    envelope: Envelope,
    role: PhantomData<K>,
}

impl<K: KeyRole> Clone for Wrapped<K> {
    fn clone(&self) -> Self {
        Self { envelope: self.envelope.clone(), role: PhantomData }
    }
}

impl<K: KeyRole> Wrapped<K> {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { envelope: Envelope::from_bytes(bytes), role: PhantomData }
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.envelope.as_bytes()
    }

    pub fn open<H: Holds<K>>(&self, holder: &Key<H>) -> Result<Key<K>, CryptoError> {
        let line = holder.open(&self.envelope)?;
        let text = std::str::from_utf8(line.as_bytes()).map_err(|_| CryptoError::Malformed("wrapped key"))?;
        Key::parse(text)
    }
}

impl<K: KeyRole> fmt::Debug for Wrapped<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wrapped<{}>({} bytes)", K::NAME, self.envelope.as_bytes().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_key_opens_for_its_holder_only() {
        let department = Key::<Department>::generate();
        let member = Key::<User>::generate();
        let stranger = Key::<User>::generate();
        let wrapped = department.wrap_for(&member.public()).unwrap();
        let opened = wrapped.open(&member).unwrap();
        assert_eq!(opened.public(), department.public());
        assert!(matches!(wrapped.open(&stranger), Err(CryptoError::Decrypt)));
    }

    #[test]
    fn seeds_give_the_same_key_every_time() {
        let seed = [7u8; 32];
        let a = Key::<Session>::from_seed(&seed).unwrap();
        let b = Key::<Session>::from_seed(&seed).unwrap();
        assert_eq!(a.public(), b.public());
        assert_ne!(a.public(), Key::<Session>::from_seed(&[8u8; 32]).unwrap().public());
    }

    #[test]
    fn parses_age_keygen_files_and_recipients() {
        let file = "# created: 2026-11-29T00:00:00Z\n# public key: age1…\nAGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J33\n";
        let key = Key::<Recovery>::parse(file).unwrap();
        let public = key.public().to_string();
        assert!(public.starts_with("age1"));
        assert_eq!(PublicKey::<Recovery>::parse(&public).unwrap(), key.public());
        assert!(Key::<Recovery>::parse("# nothing here\n").is_err());
        assert!(PublicKey::<Recovery>::parse("age1nonsense").is_err());
    }
}
