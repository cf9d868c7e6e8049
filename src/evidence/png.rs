//! PNG: rebuilt from the chunks needed to show the picture, up to IEND. Text chunks (where
//! XMP lives), eXIf, tIME, private chunks and anything after the end are dropped.

use super::stream::{Input, Output};
use super::{Budget, Source, StripError};

const FORMAT: &str = "PNG";
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Chunks up to IEND. Encoders split the image data into IDAT chunks of 8 KiB (libpng's
/// default) to 1 MiB, so a 64 MiB photograph has up to 8 192 of them; animations add an fcTL
/// and fdATs per frame. A million leaves room for encoders with tiny chunks (each chunk costs
/// a constant amount of work, so this bounds a file of 12-byte chunks, not real ones).
pub const MAX_CHUNKS: u64 = 1 << 20;
/// The longest chunk the format allows (its length is a 31-bit number).
const MAX_LENGTH: u32 = (1 << 31) - 1;

fn keep(kind: &[u8]) -> bool {
    matches!(
        kind,
        b"IHDR"
            | b"PLTE"
            | b"IDAT"
            | b"IEND"
            | b"tRNS"
            | b"gAMA"
            | b"cHRM"
            | b"sRGB"
            | b"sBIT"
            | b"bKGD"
            | b"pHYs"
            | b"acTL"
            | b"fcTL"
            | b"fdAT"
    )
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    super::stream::twice(source, FORMAT, walk, out)
}

fn walk(input: &mut Input<'_>, out: &mut Output<'_>) -> Result<(), StripError> {
    if input.peek(SIGNATURE.len())? != SIGNATURE {
        return Err(input.malformed("no PNG signature"));
    }
    input.consume(SIGNATURE.len());
    out.write(SIGNATURE)?;
    let mut chunks = Budget::new(FORMAT, MAX_CHUNKS, "png-chunks");
    loop {
        chunks.spend(1)?;
        let header: [u8; 8] = input.array("cut short before IEND")?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        if length > MAX_LENGTH {
            return Err(input.malformed("chunk too long"));
        }
        let kind = &header[4..8];
        // The data and its CRC.
        let rest = u64::from(length) + 4;
        input.need(rest, "chunk runs past the end")?;
        if keep(kind) {
            out.write(&header)?;
            input.copy(rest, out, "chunk runs past the end")?;
        } else {
            input.skip(rest, "chunk runs past the end")?;
        }
        if kind == b"IEND" {
            return Ok(());
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::evidence::FileKind;
    use crate::evidence::tests::{Piece, Pieces, Probe, assert_clean, clean_metered, is_malformed, is_too_complex};

    /// The file cleaned in memory.
    fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
        crate::evidence::strip_metadata(crate::evidence::FileKind::Png, input)
    }

    const PHOTO: &[u8] = include_bytes!("../../tests/fixtures/photo.png");

    #[test]
    fn keeps_the_picture_and_drops_the_rest() {
        let stripped = strip(PHOTO).unwrap();
        assert_clean(&stripped);
        assert!(stripped.ends_with(b"IEND\xAE\x42\x60\x82"));
        let idat = PHOTO.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        let length = u32::from_be_bytes(PHOTO[idat..idat + 4].try_into().unwrap()) as usize;
        let image_data = &PHOTO[idat..idat + 12 + length];
        assert!(stripped.windows(image_data.len()).any(|w| w == image_data), "the image data is kept whole");
    }

    #[test]
    fn refuses_what_is_not_a_png() {
        for bad in [&b""[..], b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n\xFF\xFF\xFF\xFFIHDR", b"GIF89a"] {
            assert!(strip(bad).is_err(), "{bad:?}");
        }
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let length = u32::try_from(data.len()).unwrap().to_be_bytes();
        [&length[..], kind, data, &[0; 4]].concat()
    }

    /// The photo's header, `n` empty private chunks, then the rest of the photo.
    fn with_chunks(n: usize) -> Vec<u8> {
        let idat = PHOTO.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        [&PHOTO[..idat], &chunk(b"prVt", b"").repeat(n), &PHOTO[idat..]].concat()
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        vec![("png-5000-chunks", with_chunks(5000))]
    }

    #[test]
    fn refuses_more_chunks_than_real_files_have() {
        assert!(strip(&with_chunks(5000)).is_ok_and(|c| c == strip(PHOTO).unwrap()));
        let result = clean_metered(FileKind::Png, &with_chunks(MAX_CHUNKS as usize));
        assert!(is_too_complex(&result, MAX_CHUNKS), "{result:?}");
    }

    #[test]
    fn refuses_broken_chunks() {
        let idat = PHOTO.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        for bad in [
            [&PHOTO[..idat], b"\x80\0\0\0IDAT", &PHOTO[idat + 8..]].concat(), // longer than 2^31 - 1
            [&PHOTO[..idat], b"\x00\x10\0\0IDAT", &PHOTO[idat + 8..]].concat(), // past the end
            PHOTO[..idat + 6].to_vec(),
        ] {
            let result = clean_metered(FileKind::Png, &bad);
            assert!(is_malformed(&result), "{result:?}");
        }
    }

    #[test]
    fn streams_a_64_mib_picture() {
        let idat = PHOTO.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        let data: u64 = 64 << 20;
        let file = Pieces::new(vec![
            Piece::Bytes([&PHOTO[..idat], &u32::try_from(data).unwrap().to_be_bytes()[..], b"IDAT"].concat()),
            Piece::Run(data, 0x5A),
            Piece::Bytes([&[0; 4][..], &chunk(b"tEXt", b"Comment\0GPS-CANARY-7f3a"), &chunk(b"IEND", b"")].concat()),
        ]);
        let len = file.len();
        let mut input = crate::evidence::metered::Metered::new(file);
        let mut out = Probe::new(0..0);
        let written = crate::evidence::clean(FileKind::Png, &mut input, &mut out).unwrap();
        assert_eq!(written, out.written);
        let kept_before = strip(&[&PHOTO[..idat], &chunk(b"IEND", b"")].concat()).unwrap().len() as u64 - 12;
        assert_eq!(written, kept_before + 12 + data + 12, "the picture whole, the text chunk dropped");
        assert!(out.tail.ends_with(&chunk(b"IEND", b"")));
        assert!(input.largest_read <= 1 << 20, "{}", input.largest_read);
        assert!(input.read <= 3 * len, "{} of {len}", input.read);
    }
}
