//! JPEG: rebuilt from the segments needed to decode the picture, across every scan, up to
//! the first end-of-image marker (phones append secondary images after it, each with its own
//! EXIF). The EXIF orientation alone is carried over, in a minimal EXIF segment of its own,
//! so that photographs are not shown sideways.

use super::{StripError, malformed};

const FORMAT: &str = "JPEG";
const SOI: [u8; 2] = [0xFF, 0xD8];
const EOI: [u8; 2] = [0xFF, 0xD9];
const SOS: u8 = 0xDA;

fn keep(marker: u8, contents: &[u8]) -> bool {
    match marker {
        // Frame headers, Huffman and arithmetic tables (not the reserved 0xC8), quantisation
        // tables, restart interval, number of lines, scans.
        0xC0..=0xC7 | 0xC9..=0xCF | 0xDB | 0xDC | 0xDD | SOS => true,
        // JFIF header, only without an embedded thumbnail.
        0xE0 => contents.starts_with(b"JFIF\0") && contents.len() <= 14,
        // Adobe colour transform, needed to decode CMYK and YCCK.
        0xEE => contents.starts_with(b"Adobe"),
        // APP1 (EXIF, XMP), APP2 (ICC, MPF), other APPn, comments, anything else: dropped.
        _ => false,
    }
}

fn be16(data: &[u8], at: usize) -> Option<usize> {
    data.get(at..at + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
}

pub fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
    if !input.starts_with(&SOI) {
        return Err(malformed(FORMAT, "no start-of-image marker"));
    }
    let mut body = Vec::with_capacity(input.len());
    let mut orientation = None;
    let mut at = 2;
    loop {
        while input.get(at) == Some(&0xFF) && input.get(at + 1) == Some(&0xFF) {
            at += 1; // fill bytes
        }
        if input.get(at) != Some(&0xFF) {
            return Err(malformed(FORMAT, "expected a marker"));
        }
        let marker = *input.get(at + 1).ok_or(malformed(FORMAT, "cut short"))?;
        if marker == EOI[1] {
            body.extend_from_slice(&EOI);
            break;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            at += 2; // markers without a length
            continue;
        }
        let length = be16(input, at + 2).ok_or(malformed(FORMAT, "cut short"))?;
        if length < 2 {
            return Err(malformed(FORMAT, "segment length below 2"));
        }
        let end = at + 2 + length;
        let contents = input.get(at + 4..end).ok_or(malformed(FORMAT, "segment runs past the end"))?;
        if marker == 0xE1 && orientation.is_none() {
            orientation = read_orientation(contents);
        }
        if keep(marker, contents) {
            body.extend_from_slice(&input[at..end]);
        }
        at = end;
        if marker == SOS {
            let scan_end = scan_end(input, at)?;
            body.extend_from_slice(&input[at..scan_end]);
            at = scan_end;
        }
    }
    let mut out = Vec::with_capacity(body.len() + 40);
    out.extend_from_slice(&SOI);
    // A JFIF header must come first; the orientation follows it.
    let jfif = if body.starts_with(&[0xFF, 0xE0]) { be16(&body, 2).map_or(0, |l| l + 2) } else { 0 };
    out.extend_from_slice(&body[..jfif]);
    if let Some(o) = orientation.filter(|o| *o != 1) {
        out.extend_from_slice(&orientation_segment(o));
    }
    out.extend_from_slice(&body[jfif..]);
    Ok(out)
}

/// Entropy-coded data runs to the next marker that is neither a stuffed zero nor a restart.
fn scan_end(input: &[u8], mut at: usize) -> Result<usize, StripError> {
    loop {
        let offset = input
            .get(at..)
            .and_then(|rest| rest.iter().position(|b| *b == 0xFF))
            .ok_or(malformed(FORMAT, "scan data runs past the end"))?;
        at += offset;
        match input.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
            Some(_) => return Ok(at),
            None => return Err(malformed(FORMAT, "scan data runs past the end")),
        }
    }
}

/// The Orientation tag (1–8) of an EXIF APP1 segment, if it has one. Cameras and editors
/// write EXIF with small faults; what can be read before a fault is used.
fn read_orientation(contents: &[u8]) -> Option<u16> {
    let tiff = contents.strip_prefix(b"Exif\0\0")?;
    let exif = exif::Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
        .or_else(|e| e.distill_partial_result(|_| {}))
        .ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    u16::try_from(field.value.get_uint(0)?).ok().filter(|v| (1..=8).contains(v))
}

/// An APP1 segment holding an EXIF block with the Orientation tag and nothing else.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let mut segment = vec![0xFF, 0xE1, 0x00, 0x22];
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, first IFD at 8
    segment.extend_from_slice(&[0, 1]); // one entry
    segment.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]); // Orientation, SHORT, count 1
    segment.extend_from_slice(&orientation.to_be_bytes());
    segment.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, no next IFD
    segment
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::tests::{assert_clean, exif_of};

    const PHOTO: &[u8] = include_bytes!("../../tests/fixtures/photo-gps.jpg");
    const PROGRESSIVE: &[u8] = include_bytes!("../../tests/fixtures/photo-progressive.jpg");

    /// The segments (marker, bytes) a decoder needs, scan data included.
    fn picture_parts(jpeg: &[u8]) -> Vec<Vec<u8>> {
        let stripped = strip(jpeg).unwrap();
        let mut parts = Vec::new();
        let mut at = 2;
        while at < stripped.len() {
            let marker = stripped[at + 1];
            if marker == 0xD9 {
                break;
            }
            let end = at + 2 + be16(&stripped, at + 2).unwrap();
            let end = if marker == SOS { scan_end(&stripped, end).unwrap() } else { end };
            if marker != 0xE1 {
                parts.push(stripped[at..end].to_vec());
            }
            at = end;
        }
        parts
    }

    #[test]
    fn removes_every_kind_of_metadata_and_keeps_the_picture() {
        for jpeg in [PHOTO, PROGRESSIVE] {
            let stripped = strip(jpeg).unwrap();
            assert_clean(&stripped);
            // Every frame, table and scan is there, byte for byte, in order.
            for part in picture_parts(jpeg) {
                assert!(jpeg.windows(part.len()).any(|w| w == part.as_slice()), "a decoding segment changed");
            }
            assert!(stripped.ends_with(&EOI));
        }
    }

    #[test]
    fn carries_the_orientation_over_and_nothing_else() {
        let exif = exif_of(&strip(PHOTO).unwrap()).unwrap();
        assert_eq!(exif.fields().count(), 1);
        assert_eq!(exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY).unwrap().value.get_uint(0), Some(6));
        let progressive = exif_of(&strip(PROGRESSIVE).unwrap()).unwrap();
        assert_eq!(
            progressive.get_field(exif::Tag::Orientation, exif::In::PRIMARY).unwrap().value.get_uint(0),
            Some(3)
        );
    }

    #[test]
    fn drops_what_hides_between_scans_and_after_the_end() {
        // A comment between two scans, and a whole second JPEG (with EXIF) after the end.
        let second_sos = PROGRESSIVE.windows(2).rposition(|w| w == [0xFF, SOS]).unwrap();
        let mut tampered = PROGRESSIVE[..second_sos].to_vec();
        tampered.extend_from_slice(b"\xFF\xFE\x00\x12GPS-CANARY-7f3a!");
        tampered.extend_from_slice(&PROGRESSIVE[second_sos..]);
        tampered.extend_from_slice(PHOTO);
        let stripped = strip(&tampered).unwrap();
        assert_clean(&stripped);
        assert_eq!(stripped.windows(2).filter(|w| *w == SOI).count(), 1, "one image only");
    }

    #[test]
    fn refuses_what_is_not_a_jpeg() {
        for bad in [&b""[..], b"\xFF\xD8", b"\xFF\xD8\xFF\xE1\x00\x01", b"\xFF\xD8\xFF\xE1\x00\x40abc", b"GIF89a"] {
            assert!(strip(bad).is_err(), "{bad:?}");
        }
    }
}
