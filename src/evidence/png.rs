//! PNG: rebuilt from the chunks needed to show the picture, up to IEND. Text chunks (where
//! XMP lives), eXIf, tIME, private chunks and anything after the end are dropped.

use super::{StripError, malformed};

const FORMAT: &str = "PNG";
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

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

pub fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
    if !input.starts_with(SIGNATURE) {
        return Err(malformed(FORMAT, "no PNG signature"));
    }
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(SIGNATURE);
    let mut at = SIGNATURE.len();
    loop {
        let header = input.get(at..at + 8).ok_or(malformed(FORMAT, "cut short before IEND"))?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let length = usize::try_from(length).map_err(|_| malformed(FORMAT, "chunk too long"))?;
        let kind = &header[4..8];
        let end = at.checked_add(12 + length).ok_or(malformed(FORMAT, "chunk too long"))?;
        let chunk = input.get(at..end).ok_or(malformed(FORMAT, "chunk runs past the end"))?;
        if keep(kind) {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::tests::assert_clean;

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
}
