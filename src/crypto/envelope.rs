//! Envelopes: binary age files. Small values are sealed in memory; attachments stream.

use std::io::{Read, Write};

use zeroize::Zeroizing;

use super::CryptoError;

/// An age file, as stored for every confidential value.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope(Vec<u8>);

impl Envelope {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Envelope({} bytes)", self.0.len())
    }
}

/// Decrypted bytes. Never printed, wiped when dropped, and no store function accepts one.
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl Plaintext {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plaintext({} bytes)", self.0.len())
    }
}

pub(crate) fn seal(recipients: &[&dyn age::Recipient], plaintext: &[u8]) -> Result<Envelope, CryptoError> {
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let mut writer = seal_writer(recipients, &mut out)?;
    writer.write_all(plaintext).map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    writer.finish().map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    Ok(Envelope(out))
}

pub(crate) fn open(identity: &dyn age::Identity, envelope: &Envelope) -> Result<Plaintext, CryptoError> {
    let mut reader = open_reader(identity, envelope.as_bytes())?;
    let mut plaintext = Zeroizing::new(Vec::with_capacity(envelope.as_bytes().len()));
    reader.read_to_end(&mut plaintext).map_err(|_| CryptoError::Decrypt)?;
    Ok(Plaintext(plaintext))
}

/// Streams plaintext written to the result into `output` as an age file. Call `finish()` on
/// the writer, or the file is cut short and will not open.
pub(crate) fn seal_writer<W: Write>(
    recipients: &[&dyn age::Recipient],
    output: W,
) -> Result<age::stream::StreamWriter<W>, CryptoError> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().copied())?;
    encryptor.wrap_output(output).map_err(|e| CryptoError::Encrypt(e.to_string()))
}

/// Streams the plaintext of the age file read from `input`. A read fails when a chunk was
/// altered or the file was cut short.
pub(crate) fn open_reader<'a, R: Read + 'a>(
    identity: &'a dyn age::Identity,
    input: R,
) -> Result<impl Read + 'a, CryptoError> {
    let decryptor = age::Decryptor::new(input)?;
    Ok(decryptor.decrypt(std::iter::once(identity))?)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::super::{Key, Tip};
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let tip = Key::<Tip>::generate();
        let sealed = tip.public().seal(b"the boiler room has no exit").unwrap();
        assert_eq!(tip.open(&sealed).unwrap().as_bytes(), b"the boiler room has no exit");

        for position in [0, 40, sealed.as_bytes().len() - 1] {
            let mut bytes = sealed.clone().into_bytes();
            bytes[position] ^= 0x01;
            assert!(tip.open(&Envelope::from_bytes(bytes)).is_err(), "flipped byte {position} went unnoticed");
        }
        let mut cut = sealed.into_bytes();
        cut.truncate(cut.len() - 5);
        assert!(tip.open(&Envelope::from_bytes(cut)).is_err(), "a cut-short file went unnoticed");
    }

    #[test]
    fn streams_large_data_in_and_out() {
        let tip = Key::<Tip>::generate();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut stored = Vec::new();
        let mut writer = tip.public().seal_stream(&mut stored).unwrap();
        for chunk in data.chunks(10_000) {
            writer.write_all(chunk).unwrap();
        }
        writer.finish().unwrap();
        let mut back = Vec::new();
        tip.open_stream(stored.as_slice()).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn nothing_secret_is_printed() {
        let tip = Key::<Tip>::generate();
        let sealed = tip.public().seal(b"secret words").unwrap();
        let opened = tip.open(&sealed).unwrap();
        assert_eq!(format!("{opened:?}"), "Plaintext(12 bytes)");
        assert!(format!("{sealed:?}").starts_with("Envelope("));
    }
}
