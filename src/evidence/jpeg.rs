//! JPEG: rebuilt from the segments needed to decode the picture, across every scan, up to
//! the first end-of-image marker (phones append secondary images after it, each with its own
//! EXIF). The EXIF orientation alone is carried over, in a minimal EXIF segment of its own,
//! so that photographs are not shown sideways.

use super::stream::{Input, Output};
use super::{Budget, Source, StripError, malformed};

const FORMAT: &str = "JPEG";
const SOI: [u8; 2] = [0xFF, 0xD8];
const EOI: [u8; 2] = [0xFF, 0xD9];
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;

/// Markers (segments, and markers without a length) up to the first end of image. A baseline
/// photo from a phone or camera has about 15 (APPn, DQT, SOF, DHT, SOS), a progressive one
/// some 30 (a DHT and an SOS per scan, about ten scans), ICC profiles split into APP2 pieces
/// a few more; 4 096 leaves room for any encoder while keeping the work per file bounded.
pub const MAX_SEGMENTS: u64 = 4096;

/// Whether a segment is kept, from its marker, the length of its contents and their first bytes.
fn keep(marker: u8, contents: usize, head: &[u8]) -> bool {
    match marker {
        // Frame headers, Huffman and arithmetic tables (not the reserved 0xC8), quantisation
        // tables, restart interval, number of lines, scans.
        0xC0..=0xC7 | 0xC9..=0xCF | 0xDB | 0xDC | 0xDD | SOS => true,
        // JFIF header, only without an embedded thumbnail.
        APP0 => head.starts_with(b"JFIF\0") && contents <= 14,
        // Adobe colour transform, needed to decode CMYK and YCCK.
        0xEE => head.starts_with(b"Adobe"),
        // APP1 (EXIF, XMP), APP2 (ICC, MPF), other APPn, comments, anything else: dropped.
        _ => false,
    }
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    let mut input = Input::new(source, FORMAT)?;
    // The orientation, wherever its EXIF is, goes before the segments: a first pass finds it
    // (and checks the whole file), the second writes.
    let orientation = walk(&mut input, &mut Output::counting(), None)?;
    input.seek(0)?;
    let mut output = Output::to(out);
    walk(&mut input, &mut output, Some(orientation.filter(|o| *o != 1)))?;
    Ok(output.written())
}

/// One pass over the file, writing what is kept. The first pass (`orientation` not yet known)
/// returns the orientation found; the second is given it and writes it after the JFIF header.
fn walk(
    input: &mut Input<'_>,
    out: &mut Output<'_>,
    orientation: Option<Option<u16>>,
) -> Result<Option<u16>, StripError> {
    if input.peek(2)? != SOI {
        return Err(input.malformed("no start-of-image marker"));
    }
    input.consume(2);
    out.write(&SOI)?;
    let mut found = None;
    let mut pending = orientation.flatten().map(orientation_segment);
    let mut markers = Budget::new(FORMAT, MAX_SEGMENTS, "jpeg-segments");
    let mut exif = Vec::new();
    loop {
        while input.peek(2)? == [0xFF, 0xFF] {
            input.consume(1); // fill bytes
        }
        let marker = match *input.peek(2)? {
            [0xFF, marker] => marker,
            [0xFF] => return Err(input.malformed("cut short")),
            _ => return Err(input.malformed("expected a marker")),
        };
        markers.spend(1)?;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            input.consume(2); // markers without a length
            continue;
        }
        let kept = marker == EOI[1] || {
            let header = input.peek(4 + 5)?;
            let length = header.get(2..4).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
            let length = length.ok_or(malformed(FORMAT, "cut short"))?;
            if length < 2 {
                return Err(input.malformed("segment length below 2"));
            }
            let head = header.get(4..).unwrap_or_default();
            keep(marker, length - 2, &head[..head.len().min(length - 2)])
        };
        // A JFIF header must come first; the orientation follows it.
        if kept
            && marker != APP0
            && let Some(segment) = pending.take()
        {
            out.write(&segment)?;
        }
        if marker == EOI[1] {
            input.consume(2);
            out.write(&EOI)?;
            return Ok(found);
        }
        let header: [u8; 4] = input.array("cut short")?;
        let contents = usize::from(u16::from_be_bytes([header[2], header[3]])) - 2;
        input.need(contents as u64, "segment runs past the end")?;
        if kept {
            out.write(&header)?;
            input.copy(contents as u64, out, "segment runs past the end")?;
            if let Some(segment) = pending.take() {
                out.write(&segment)?;
            }
        } else if marker == APP1 && orientation.is_none() && found.is_none() {
            exif.resize(contents, 0);
            input.read_exact(&mut exif, "segment runs past the end")?;
            found = read_orientation(&exif);
        } else {
            input.skip(contents as u64, "segment runs past the end")?;
        }
        if marker == SOS {
            copy_scan(input, out)?;
        }
    }
}

/// Entropy-coded data runs to the next marker that is neither a stuffed zero nor a restart.
fn copy_scan(input: &mut Input<'_>, out: &mut Output<'_>) -> Result<(), StripError> {
    loop {
        let buffered = input.fill(1)?;
        if buffered.is_empty() {
            return Err(input.malformed("scan data runs past the end"));
        }
        let Some(ff) = buffered.iter().position(|b| *b == 0xFF) else {
            let n = buffered.len();
            out.write(buffered)?;
            input.consume(n);
            continue;
        };
        out.write(&buffered[..ff])?;
        input.consume(ff);
        match input.peek(2)? {
            [0xFF, 0x00 | 0xD0..=0xD7 | 0xFF] => {
                out.write(&[0xFF])?;
                input.consume(1);
            }
            [0xFF, _] => return Ok(()),
            _ => return Err(input.malformed("scan data runs past the end")),
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
pub(super) mod tests {
    use super::*;
    use crate::evidence::tests::{
        Piece, Pieces, Probe, assert_clean, clean_metered, exif_of, is_malformed, is_too_complex,
    };

    /// The file cleaned in memory.
    fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
        crate::evidence::strip_metadata(crate::evidence::FileKind::Jpeg, input)
    }

    fn be16(data: &[u8], at: usize) -> Option<usize> {
        data.get(at..at + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    /// Where the scan data starting at `at` ends, read from bytes in memory.
    fn scan_end(input: &[u8], mut at: usize) -> Result<usize, StripError> {
        loop {
            let offset =
                input[at..].iter().position(|b| *b == 0xFF).ok_or(malformed(FORMAT, "scan data runs past the end"))?;
            at += offset;
            match input.get(at + 1) {
                Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
                Some(_) => return Ok(at),
                None => return Err(malformed(FORMAT, "scan data runs past the end")),
            }
        }
    }

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

    /// A picture whose scan data is `scan` bytes of zeros (which need no stuffing).
    fn with_scan(scan: u64) -> Vec<Piece> {
        let sos = PHOTO.windows(2).position(|w| w == [0xFF, SOS]).unwrap();
        let header_end = sos + 2 + be16(PHOTO, sos + 2).unwrap();
        vec![Piece::Bytes(PHOTO[..header_end].to_vec()), Piece::Run(scan, 0), Piece::Bytes(EOI.to_vec())]
    }

    /// A JPEG with `n` empty comment segments before the picture.
    fn with_comments(n: usize) -> Vec<u8> {
        [&PHOTO[..2], &b"\xFF\xFE\x00\x02".repeat(n), &PHOTO[2..]].concat()
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("jpeg-over-the-segment-cap", with_comments(MAX_SEGMENTS as usize)),
            (
                "jpeg-fill-bytes-and-restarts",
                [&PHOTO[..2], &[0xFF; 3000][..], &b"\xFF\xD0".repeat(500), &PHOTO[2..]].concat(),
            ),
        ]
    }

    #[test]
    fn refuses_more_segments_than_real_files_have() {
        // The photo's own segments and the comments pass the cap.
        let result = clean_metered(crate::evidence::FileKind::Jpeg, &with_comments(MAX_SEGMENTS as usize));
        assert!(is_too_complex(&result, MAX_SEGMENTS), "{result:?}");
        assert!(strip(&with_comments(100)).is_ok_and(|c| c == strip(PHOTO).unwrap()));
    }

    #[test]
    fn finds_the_orientation_after_the_first_scan_and_puts_it_first() {
        let second_sos = PROGRESSIVE.windows(2).rposition(|w| w == [0xFF, SOS]).unwrap();
        let app1 = PROGRESSIVE.windows(2).position(|w| w == [0xFF, APP1]).unwrap();
        let app1_end = app1 + 2 + be16(PROGRESSIVE, app1 + 2).unwrap();
        let mut moved = [&PROGRESSIVE[..app1], &PROGRESSIVE[app1_end..second_sos]].concat();
        moved.extend_from_slice(&PROGRESSIVE[app1..app1_end]);
        moved.extend_from_slice(&PROGRESSIVE[second_sos..]);
        assert_eq!(strip(&moved).unwrap(), strip(PROGRESSIVE).unwrap());
    }

    #[test]
    fn refuses_broken_segments() {
        let sos = PHOTO.windows(2).position(|w| w == [0xFF, SOS]).unwrap();
        for bad in [
            [&SOI[..], b"\xFF\xFE\x00\x00", &PHOTO[2..]].concat(), // a length of 0
            [&SOI[..], b"\xFF\xFE\x00\x01", &PHOTO[2..]].concat(),
            [&SOI[..], b"\xFF\xFE\xFF\xFF", &PHOTO[2..200]].concat(), // past the end
            [&SOI[..], b"\x00\x00", &PHOTO[2..]].concat(),            // no marker
            PHOTO[..sos + 40].to_vec(),                               // scan data cut short
        ] {
            let result = clean_metered(crate::evidence::FileKind::Jpeg, &bad);
            assert!(is_malformed(&result), "{result:?}");
        }
    }

    #[test]
    fn streams_a_large_scan() {
        let scan = 16 << 20;
        let file = Pieces::new(with_scan(scan));
        let len = file.len();
        let mut input = crate::evidence::metered::Metered::new(file);
        let mut out = Probe::new(0..0);
        let written = crate::evidence::clean(crate::evidence::FileKind::Jpeg, &mut input, &mut out).unwrap();
        assert_eq!(written, out.written);
        assert!(written > scan && written < len);
        assert!(out.tail.ends_with(&EOI));
        assert!(input.largest_read <= 1 << 20, "{}", input.largest_read);
        assert!(input.read <= 3 * len, "{} of {len}", input.read);
    }
}
