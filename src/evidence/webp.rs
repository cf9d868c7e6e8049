//! WebP: a RIFF file rebuilt from the chunks that hold the picture; EXIF, XMP and ICC chunks
//! are dropped and the extended header's flags say so.

use super::{StripError, malformed};

const FORMAT: &str = "WebP";
/// VP8X flag bits: ICC profile, EXIF, XMP.
const METADATA_FLAGS: u8 = 0x20 | 0x08 | 0x04;

fn keep(kind: &[u8]) -> bool {
    matches!(kind, b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH" | b"ANIM" | b"ANMF")
}

pub fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
    if input.len() < 12 || &input[..4] != b"RIFF" || &input[8..12] != b"WEBP" {
        return Err(malformed(FORMAT, "no RIFF WEBP header"));
    }
    let declared = u32::from_le_bytes([input[4], input[5], input[6], input[7]]);
    let end = usize::try_from(declared).ok().and_then(|d| d.checked_add(8)).ok_or(malformed(FORMAT, "too long"))?;
    let riff = input.get(..end).ok_or(malformed(FORMAT, "cut short"))?;
    let mut chunks = Vec::with_capacity(riff.len());
    let mut at = 12;
    while at < riff.len() {
        let header = riff.get(at..at + 8).ok_or(malformed(FORMAT, "chunk header cut short"))?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let size = usize::try_from(size).map_err(|_| malformed(FORMAT, "chunk too long"))?;
        let padded = size + (size & 1);
        let chunk_end = at.checked_add(8 + padded).ok_or(malformed(FORMAT, "chunk too long"))?;
        let chunk = riff.get(at..chunk_end).ok_or(malformed(FORMAT, "chunk runs past the end"))?;
        if keep(&header[..4]) {
            let start = chunks.len();
            chunks.extend_from_slice(chunk);
            if &header[..4] == b"VP8X" {
                let flags = chunks.get_mut(start + 8).ok_or(malformed(FORMAT, "empty VP8X"))?;
                *flags &= !METADATA_FLAGS;
            }
        }
        at = chunk_end;
    }
    if !chunks.windows(4).any(|w| w == b"VP8 " || w == b"VP8L") {
        return Err(malformed(FORMAT, "no picture"));
    }
    let size = u32::try_from(chunks.len() + 4).map_err(|_| malformed(FORMAT, "too long"))?;
    let mut out = Vec::with_capacity(chunks.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::tests::assert_clean;

    const PHOTO: &[u8] = include_bytes!("../../tests/fixtures/photo.webp");

    #[test]
    fn keeps_the_picture_and_drops_the_rest() {
        assert!(PHOTO.windows(4).any(|w| w == b"EXIF"));
        let stripped = strip(PHOTO).unwrap();
        assert_clean(&stripped);
        assert!(!stripped.windows(4).any(|w| w == b"EXIF" || w == b"XMP "));
        let vp8x = stripped.windows(4).position(|w| w == b"VP8X").unwrap();
        assert_eq!(stripped[vp8x + 8] & METADATA_FLAGS, 0, "the header no longer announces metadata");
        let vp8 = PHOTO.windows(4).position(|w| w == b"VP8 " || w == b"VP8L").unwrap();
        let size = u32::from_le_bytes(PHOTO[vp8 + 4..vp8 + 8].try_into().unwrap()) as usize;
        let bitstream = &PHOTO[vp8..vp8 + 8 + size];
        assert!(stripped.windows(bitstream.len()).any(|w| w == bitstream), "the bitstream is kept whole");
        let declared = u32::from_le_bytes(stripped[4..8].try_into().unwrap()) as usize;
        assert_eq!(declared + 8, stripped.len());
    }

    #[test]
    fn refuses_what_is_not_a_webp() {
        for bad in [&b""[..], b"RIFF\x04\0\0\0WEBP", b"RIFF\xFF\0\0\0WEBPVP8 ", b"RIFF\x10\0\0\0WAVEfmt "] {
            assert!(strip(bad).is_err(), "{bad:?}");
        }
    }
}
