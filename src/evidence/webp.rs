//! WebP: a RIFF file rebuilt from the chunks that hold the picture; EXIF, XMP and ICC chunks
//! are dropped and the extended header's flags say so.

use super::stream::{Input, Output};
use super::{Budget, Source, StripError};

const FORMAT: &str = "WebP";
/// VP8X flag bits: ICC profile, EXIF, XMP.
const METADATA_FLAGS: u8 = 0x20 | 0x08 | 0x04;

/// Chunks in the RIFF file. A still picture has one to five (VP8X, ICCP, ALPH, the bitstream,
/// EXIF, XMP); an animation adds one ANMF per frame, and stickers and short clips have
/// hundreds to a few thousand frames. 65 536 leaves room for long animations.
pub const MAX_CHUNKS: u64 = 65_536;

fn keep(kind: &[u8]) -> bool {
    matches!(kind, b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH" | b"ANIM" | b"ANMF")
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    let mut input = Input::new(source, FORMAT)?;
    // The RIFF header states the size of what follows, known once the kept chunks are: a
    // first pass counts them (and checks the whole file), the second writes.
    let mut counted = Output::counting();
    walk(&mut input, &mut counted)?;
    let size = u32::try_from(counted.written() + 4).map_err(|_| input.malformed("too long"))?;
    input.seek(0)?;
    let mut output = Output::to(out);
    output.write(b"RIFF")?;
    output.write(&size.to_le_bytes())?;
    output.write(b"WEBP")?;
    walk(&mut input, &mut output)?;
    Ok(output.written())
}

/// Writes the kept chunks (the RIFF header is the caller's).
fn walk(input: &mut Input<'_>, out: &mut Output<'_>) -> Result<(), StripError> {
    let head = input.peek(12)?;
    if head.len() < 12 || &head[..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return Err(input.malformed("no RIFF WEBP header"));
    }
    let declared = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    input.consume(12);
    // Bytes after the RIFF file are not part of the picture and are dropped.
    let end = u64::from(declared) + 8;
    if end > input.len() {
        return Err(input.malformed("cut short"));
    }
    let mut chunks = Budget::new(FORMAT, MAX_CHUNKS, "png-chunks");
    let mut picture = false;
    while input.pos() < end {
        chunks.spend(1)?;
        if end - input.pos() < 8 {
            return Err(input.malformed("chunk header cut short"));
        }
        let header: [u8; 8] = input.array("chunk header cut short")?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let padded = u64::from(size) + u64::from(size & 1);
        if end - input.pos() < padded {
            return Err(input.malformed("chunk runs past the end"));
        }
        let kind = &header[..4];
        if !keep(kind) {
            input.skip(padded, "chunk runs past the end")?;
            continue;
        }
        if size == 0 {
            return Err(input.malformed("empty chunk"));
        }
        // Frames of an animation carry their own bitstream.
        picture |= matches!(kind, b"VP8 " | b"VP8L" | b"ANMF");
        out.write(&header)?;
        if kind == b"VP8X" {
            let [flags] = input.array("chunk runs past the end")?;
            out.write(&[flags & !METADATA_FLAGS])?;
            input.copy(padded - 1, out, "chunk runs past the end")?;
        } else {
            input.copy(padded, out, "chunk runs past the end")?;
        }
    }
    if !picture {
        return Err(input.malformed("no picture"));
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::evidence::FileKind;
    use crate::evidence::tests::{assert_clean, clean_metered, is_malformed, is_too_complex};

    /// The file cleaned in memory.
    fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
        crate::evidence::strip_metadata(crate::evidence::FileKind::WebP, input)
    }

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

    fn riff(chunks: &[u8]) -> Vec<u8> {
        let size = u32::try_from(chunks.len() + 4).unwrap().to_le_bytes();
        [&b"RIFF"[..], &size, b"WEBP", chunks].concat()
    }

    /// The photo with `n` empty unknown chunks after its VP8X header.
    fn with_chunks(n: usize) -> Vec<u8> {
        let vp8x_end = 12 + 8 + 10;
        riff(&[&PHOTO[12..vp8x_end], &b"JUNK\0\0\0\0".repeat(n), &PHOTO[vp8x_end..]].concat())
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        vec![("webp-7000-chunks", with_chunks(7000))]
    }

    #[test]
    fn refuses_more_chunks_than_real_files_have() {
        assert!(strip(&with_chunks(7000)).is_ok_and(|c| c == strip(PHOTO).unwrap()));
        let result = clean_metered(FileKind::WebP, &with_chunks(MAX_CHUNKS as usize));
        assert!(is_too_complex(&result, MAX_CHUNKS), "{result:?}");
    }

    #[test]
    fn refuses_broken_chunks() {
        let vp8 = PHOTO.windows(4).position(|w| w == b"VP8 ").unwrap();
        for bad in [
            riff(&[&PHOTO[12..vp8], b"VP8 \0\0\0\0"].concat()), // an empty bitstream
            riff(&[&PHOTO[12..vp8], b"VP8 \xFF\0\0\0abc"].concat()), // past the end
            riff(&[&PHOTO[12..vp8], b"VP8 \x03\0\0\0abc"].concat()), // no padding byte
            riff(&[&PHOTO[12..vp8], b"VP8 "].concat()),         // header cut short
            [&PHOTO[..4], &u32::MAX.to_le_bytes()[..], &PHOTO[8..]].concat(), // RIFF past the end
        ] {
            let result = clean_metered(FileKind::WebP, &bad);
            assert!(is_malformed(&result), "{result:?}");
        }
    }
}
