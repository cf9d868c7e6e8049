//! MP3 (MPEG-1, -2 and 2.5 audio, layers I to III): the file is rebuilt from its audio frames
//! alone. ID3v2 tags (at the start, or appended with a `3DI` footer), ID3v1 and its extended
//! `TAG+`, APE tags and Lyrics3 tags are dropped, as is anything else between frames.
//!
//! A frame is a 4-byte header (version, layer, bitrate, sample rate, padding: hence its length)
//! and its audio. A header is taken for a frame only when the frame fits in the file and is
//! followed by another header, a tag or the end of the file, so that stray bytes which happen
//! to look like a header are not kept. Tags that state their size (ID3v2, APE with a header,
//! ID3v1) are skipped whole; anything else (APE tags with only a footer, Lyrics3, junk) is
//! passed over a byte at a time until the next frame, a bounded distance. The first frame may
//! be a Xing/Info or VBRI frame (frame count and seek table): it is kept, with the encoder's
//! name in its LAME tag blanked and everything after its fields set to zeros.
//!
//! A first pass checks the whole file; the second writes the frames. A last frame cut short is
//! dropped like any stray bytes; a tag cut short makes the file malformed.

use super::stream::{Input, Output};
use super::{Budget, Source, StripError};

const FORMAT: &str = "MP3";

/// Bytes between two frames that are neither a frame nor a tag that states its size: APE tags
/// with only a footer (a few hundred bytes, a few hundred KiB with cover art), Lyrics3 tags
/// (at most 1 MB by their format), junk left by editors.
pub const MAX_GAP_BYTES: u64 = 2 * 1024 * 1024;

/// The longest frame: MPEG-2.5 layer II at 160 kbit/s and 8 kHz, 2 881 bytes.
const MAX_FRAME: usize = 2881;
/// Bytes after a frame that tell whether a header or a tag follows (`LYRICSBEGIN`).
const LOOKAHEAD: usize = 11;

/// What a frame header says.
#[derive(Debug, Clone, Copy)]
struct Header {
    len: usize,
    mpeg1: bool,
    layer3: bool,
    mono: bool,
    crc: bool,
}

/// What four bytes are.
#[derive(Debug, Clone, Copy)]
enum Sync {
    Frame(Header),
    /// A header but for its bitrate, which is free (index 0): the frame length is not stated.
    FreeFormat,
    None,
}

/// Bitrates in kbit/s by bitrate index (1 to 14): MPEG-1 layers I, II, III, then MPEG-2 and
/// 2.5 layer I, and layers II and III.
const BITRATES: [[u16; 14]; 5] = [
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

fn header(bytes: &[u8]) -> Sync {
    let &[b0, b1, b2, b3, ..] = bytes else { return Sync::None };
    // Sync bits; version 01 and layer 00 are reserved, bitrate 1111, rate 11 and emphasis 10
    // are invalid.
    let (version, layer) = (b1 >> 3 & 3, b1 >> 1 & 3);
    let (bitrate, rate) = (usize::from(b2 >> 4), usize::from(b2 >> 2 & 3));
    if b0 != 0xFF || b1 & 0xE0 != 0xE0 || version == 1 || layer == 0 || bitrate == 15 || rate == 3 || b3 & 3 == 2 {
        return Sync::None;
    }
    if bitrate == 0 {
        return Sync::FreeFormat;
    }
    let mpeg1 = version == 3;
    let table = match (mpeg1, layer) {
        (true, 3) => 0,
        (true, 2) => 1,
        (true, _) => 2,
        (false, 3) => 3,
        (false, _) => 4,
    };
    let (Some(kbps), Some(base)) = (BITRATES[table].get(bitrate - 1), [44_100usize, 48_000, 32_000].get(rate)) else {
        return Sync::None;
    };
    let bits = usize::from(*kbps) * 1000;
    let hz = *base
        >> if mpeg1 {
            0
        } else if version == 2 {
            1
        } else {
            2
        };
    let padding = usize::from(b2 >> 1 & 1);
    let len = match layer {
        3 => (12 * bits / hz + padding) * 4,
        2 => 144 * bits / hz + padding,
        _ => (if mpeg1 { 144 } else { 72 }) * bits / hz + padding,
    };
    Sync::Frame(Header { len, mpeg1, layer3: layer == 1, mono: b3 >> 6 == 3, crc: b1 & 1 == 0 })
}

/// How long the tag at the start of `bytes` is, if one starts there and says so. ID3v1 and
/// `TAG+` count only if the file holds them whole.
fn tag_length(bytes: &[u8], remaining: u64) -> Option<u64> {
    match bytes {
        [b'I', b'D', b'3', major, minor, flags, size @ ..] if *major != 0xFF && *minor != 0xFF => {
            let size = size.get(..4).filter(|s| s.iter().all(|b| *b < 0x80))?;
            let body = size.iter().fold(0u64, |n, b| n << 7 | u64::from(*b));
            Some(10 + body + if flags & 0x10 != 0 { 10 } else { 0 })
        }
        [b'A', b'P', b'E', b'T', b'A', b'G', b'E', b'X', rest @ ..] => {
            let field = |at: usize| rest.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            let (size, flags) = (field(4)?, field(12)?);
            // A header counts the items and footer after it; a footer is passed over alone.
            Some(if flags & 1 << 29 != 0 { 32 + u64::from(size) } else { 32 })
        }
        [b'T', b'A', b'G', b'+', ..] if remaining >= 227 => Some(227),
        [b'T', b'A', b'G', ..] if remaining >= 128 => Some(128),
        _ => None,
    }
}

/// Whether what follows a frame, `after` (the end of the file if empty), is another frame, a tag
/// or the end.
fn followed_well(after: &[u8]) -> bool {
    after.is_empty()
        || matches!(header(after), Sync::Frame(_))
        || [&b"ID3"[..], b"TAG", b"APETAGEX", b"LYRICSBEGIN"].iter().any(|t| after.starts_with(t))
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    super::stream::twice(source, FORMAT, walk, out)
}

/// Writes the frames of the file and nothing else.
fn walk(input: &mut Input<'_>, out: &mut Output<'_>) -> Result<(), StripError> {
    let mut frames = 0u64;
    let mut gap = Budget::new(FORMAT, MAX_GAP_BYTES, "mp3-bytes-between-frames");
    let mut gap_bytes = 0u64;
    while input.remaining() > 0 {
        let remaining = input.remaining();
        let window = input.peek(MAX_FRAME + LOOKAHEAD)?;
        if let Some(len) = tag_length(window, remaining) {
            if len > remaining {
                return Err(input.malformed("a tag runs past the end"));
            }
            input.skip(len, "a tag runs past the end")?;
            continue;
        }
        match header(window) {
            Sync::Frame(h) if h.len <= window.len() && followed_well(&window[h.len..]) => {
                if frames == 0 {
                    let first = first_frame(&window[..h.len], h);
                    out.write(&first)?;
                    input.consume(h.len);
                } else {
                    input.copy(h.len as u64, out, "cut short")?;
                }
                frames += 1;
                gap = Budget::new(FORMAT, MAX_GAP_BYTES, "mp3-bytes-between-frames");
                continue;
            }
            Sync::FreeFormat if frames == 0 && gap_bytes == 0 => {
                return Err(input.malformed("free-format bitrates are not supported"));
            }
            _ => {}
        }
        gap.spend(1)?;
        gap_bytes += 1;
        input.consume(1);
    }
    if frames == 0 {
        return Err(input.malformed("no MPEG audio frame"));
    }
    Ok(())
}

/// The first frame as it is kept: a Xing/Info or VBRI frame keeps its fields, the encoder's name
/// in a LAME tag is blanked, and the rest is zeros. Any other frame is kept as it is.
fn first_frame(frame: &[u8], h: Header) -> Vec<u8> {
    let mut kept = frame.to_vec();
    if !h.layer3 {
        return kept;
    }
    let side_info = match (h.mpeg1, h.mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let xing = 4 + if h.crc { 2 } else { 0 } + side_info;
    let tag = |at: usize| frame.get(at..at + 4);
    let end = if matches!(tag(xing), Some(b"Xing" | b"Info")) {
        let Some(flags) = tag(xing + 4).map(|f| f[3]) else { return kept };
        let fields = [4, 4, 100, 4].iter().enumerate().filter(|(bit, _)| flags & 1 << bit != 0);
        let end = xing + 8 + fields.map(|(_, n)| n).sum::<usize>();
        lame_tag(&mut kept, end).unwrap_or(end)
    } else if tag(36) == Some(b"VBRI") {
        let field = |at: usize| frame.get(at..at + 2).map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        field(36 + 18).saturating_mul(field(36 + 22)).saturating_add(36 + 26)
    } else {
        return kept;
    };
    if let Some(rest) = kept.get_mut(end..) {
        rest.fill(0);
    }
    kept
}

/// Blanks the encoder's version in the LAME tag at `at` (LAME, and ffmpeg's `Lavf`/`Lavc`, whose
/// delay and padding fields players read for gapless playback) and sets the tag's checksum;
/// where the tag ends, or `None` if there is none.
fn lame_tag(frame: &mut [u8], at: usize) -> Option<usize> {
    let end = at + 36;
    if !matches!(frame.get(at..at + 4)?, b"LAME" | b"Lavf" | b"Lavc") || frame.len() < end {
        return None;
    }
    let version = frame.get_mut(at..at + 9)?;
    version.copy_from_slice(b"LAME\0\0\0\0\0");
    let crc = frame.get(..end - 2)?.iter().fold(0u16, |crc, byte| crc16(crc, *byte));
    frame.get_mut(end - 2..end)?.copy_from_slice(&crc.to_be_bytes());
    Some(end)
}

/// CRC-16 (polynomial 0x8005, reflected), as the LAME tag's checksum.
fn crc16(mut crc: u16, byte: u8) -> u16 {
    crc ^= u16::from(byte);
    for _ in 0..8 {
        crc = if crc & 1 != 0 { crc >> 1 ^ 0xA001 } else { crc >> 1 };
    }
    crc
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evidence::FileKind;
    use crate::evidence::tests::{clean_metered, is_malformed, is_too_complex};

    fn clean_mp3(file: &[u8]) -> Result<Vec<u8>, StripError> {
        clean_metered(FileKind::Mp3, file)
    }

    /// MPEG-1 layer III, 128 kbit/s, 44.1 kHz, stereo, no padding: 417 bytes.
    pub fn frame(fill: u8) -> Vec<u8> {
        [&[0xFF, 0xFB, 0x90, 0x64][..], &[fill; 413]].concat()
    }

    fn id3(body: &[u8], footer: bool) -> Vec<u8> {
        let n = body.len() as u32;
        let size = [n >> 21 & 0x7F, n >> 14 & 0x7F, n >> 7 & 0x7F, n & 0x7F].map(|b| b as u8);
        let flags = if footer { 0x10 } else { 0 };
        let mut tag = [&b"ID3\x04\0"[..], &[flags], &size, body].concat();
        if footer {
            tag.extend([&b"3DI\x04\0"[..], &[flags], &size].concat());
        }
        tag
    }

    fn ape(items: &[u8], header: bool) -> Vec<u8> {
        let size = (items.len() + 32) as u32;
        let part = |flags: u32| {
            [
                &b"APETAGEX"[..],
                &2000u32.to_le_bytes(),
                &size.to_le_bytes(),
                &1u32.to_le_bytes(),
                &flags.to_le_bytes(),
                &[0; 8],
            ]
            .concat()
        };
        let head = if header { part(0xA000_0000) } else { Vec::new() };
        [head, items.to_vec(), part(0x8000_0000)].concat()
    }

    fn id3v1() -> Vec<u8> {
        let mut tag = b"TAGZhang San".to_vec();
        tag.resize(128, b' ');
        tag
    }

    #[test]
    fn frame_lengths_follow_from_the_header() {
        for (bytes, len) in [
            ([0xFF, 0xFB, 0x90, 0x64], 417),  // MPEG-1 III 128k 44.1k
            ([0xFF, 0xFB, 0x92, 0x64], 418),  // padded
            ([0xFF, 0xF3, 0x14, 0xC4], 24),   // MPEG-2 III 8k 24k
            ([0xFF, 0xF3, 0x18, 0xC4], 36),   // MPEG-2 III 8k 16k
            ([0xFF, 0xE3, 0xE8, 0xC4], 1440), // MPEG-2.5 III 160k 8k
            ([0xFF, 0xE5, 0xE8, 0xC4], 2880), // MPEG-2.5 II 160k 8k
            ([0xFF, 0xFF, 0xE0, 0x04], 484),  // MPEG-1 I 448k 44.1k
        ] {
            match header(&bytes) {
                Sync::Frame(h) => assert_eq!(h.len, len, "{bytes:x?}"),
                other => panic!("{bytes:x?}: {other:?}"),
            }
        }
        for bad in [
            [0xFF, 0xFB, 0xF0, 0x64],
            [0xFF, 0xFB, 0x9C, 0x64],
            [0xFF, 0xEB, 0x90, 0x64],
            [0xFF, 0xF9, 0x90, 0x64],
            [0xFF, 0xFB, 0x90, 0x66],
            [0xFE, 0xFB, 0x90, 0x64],
        ] {
            assert!(matches!(header(&bad), Sync::None), "{bad:x?}");
        }
        assert!(matches!(header(&[0xFF, 0xFB, 0x00, 0x64]), Sync::FreeFormat));
    }

    #[test]
    fn keeps_the_frames_and_drops_every_tag() {
        let frames = [frame(1), frame(2), frame(3)].concat();
        let file = [
            id3(b"TPE1\0\0\0\x0a\0\0\x03Zhang San", false),
            id3(b"second tag", false),
            frames[..834].to_vec(),
            b"junk between frames".to_vec(),
            frames[834..].to_vec(),
            ape(b"Zhang San items", true),
            ape(b"Zhang San items, no header", false),
            b"LYRICSBEGINZhang San LYRICS200".to_vec(),
            id3(b"appended", true),
            [&b"TAG+"[..], &[b'Z'; 223]].concat(),
            id3v1(),
        ]
        .concat();
        // The frame before the junk is followed by neither a frame nor a tag: dropped with it.
        let cleaned = clean_mp3(&file).unwrap();
        assert_eq!(cleaned, [frame(1), frame(3)].concat());
        assert_eq!(clean_mp3(&cleaned).unwrap(), cleaned);
    }

    #[test]
    fn a_last_frame_cut_short_is_dropped_and_a_tag_cut_short_is_refused() {
        let frames = [frame(1), frame(2), frame(3)].concat();
        assert_eq!(clean_mp3(&frames[..1000]).unwrap(), frames[..834]);
        let tag = id3(&[0; 2000], false);
        let result = clean_mp3(&[&tag[..50], &frames].concat());
        assert!(is_malformed(&result), "{result:?}");
    }

    #[test]
    fn refuses_free_format_and_files_with_no_frame() {
        let free = [&[0xFF, 0xFB, 0x00, 0x64][..], &[0; 600]].concat();
        for (why, bad) in [
            ("free format", [id3(b"x", false), free.clone(), free].concat()),
            ("no frame", b"just some bytes".to_vec()),
            ("only tags", [id3(b"x", false), id3v1()].concat()),
            ("a lone frame followed by junk", [frame(1), b"junk".to_vec()].concat()),
            ("nothing", Vec::new()),
        ] {
            let result = clean_mp3(&bad);
            assert!(is_malformed(&result), "{why}: {result:?}");
        }
        let result = match clean_mp3(&[&[0xFF, 0xFB, 0x00, 0x64][..], &[0; 600]].concat()) {
            Err(StripError::Malformed { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(result.contains("free-format"), "{result}");
    }

    /// A Xing frame (MPEG-1 stereo) with frame count, byte count and TOC, and a LAME tag.
    fn xing_frame() -> Vec<u8> {
        let mut f = frame(0);
        f[36..40].copy_from_slice(b"Info");
        f[40..44].copy_from_slice(&15u32.to_be_bytes());
        f[44..48].copy_from_slice(&3u32.to_be_bytes());
        f[48..52].copy_from_slice(&1251u32.to_be_bytes());
        f[52..152].fill(9);
        f[156..165].copy_from_slice(b"LAME3.100");
        f[165..190].fill(5);
        f[200..210].copy_from_slice(b"Zhang San!");
        f
    }

    #[test]
    fn the_xing_frame_keeps_its_fields_and_loses_the_encoder_name() {
        let file = [xing_frame(), frame(1), frame(2)].concat();
        let cleaned = clean_mp3(&file).unwrap();
        let mut expected = xing_frame();
        expected[156..165].copy_from_slice(b"LAME\0\0\0\0\0");
        let crc = expected[..190].iter().fold(0, |c, b| crc16(c, *b));
        expected[190..192].copy_from_slice(&crc.to_be_bytes());
        expected[192..].fill(0);
        assert_eq!(cleaned[..417], expected[..]);
        assert_eq!(cleaned[417..], file[417..]);
        assert_eq!(clean_mp3(&cleaned).unwrap(), cleaned);
        // A standard check value: CRC-16/ARC of "123456789".
        assert_eq!(b"123456789".iter().fold(0, |c, b| crc16(c, *b)), 0xBB3D);
    }

    #[test]
    fn a_vbri_frame_keeps_its_fields_and_table_and_nothing_after() {
        let mut vbri = frame(0);
        vbri[36..40].copy_from_slice(b"VBRI");
        vbri[40..62].fill(3);
        vbri[54..56].copy_from_slice(&10u16.to_be_bytes()); // table entries
        vbri[58..60].copy_from_slice(&2u16.to_be_bytes()); // bytes per entry
        vbri[62..82].fill(8);
        vbri[82..92].copy_from_slice(b"Zhang San!");
        let cleaned = clean_mp3(&[vbri.clone(), frame(1)].concat()).unwrap();
        let mut expected = vbri;
        expected[82..].fill(0);
        assert_eq!(cleaned, [expected, frame(1)].concat());
    }

    #[test]
    fn junk_between_frames_is_passed_over_a_bounded_distance() {
        // The frame before the junk is followed by no frame: it counts as junk too.
        let junk = vec![0x20; MAX_GAP_BYTES as usize - 417];
        let file = [frame(1), frame(2), junk.clone(), frame(3), frame(4)].concat();
        assert_eq!(clean_mp3(&file).unwrap(), [frame(1), frame(3), frame(4)].concat());
        let file = [frame(1), frame(2), junk, vec![0x20], frame(3), frame(4)].concat();
        assert!(is_too_complex(&clean_mp3(&file), MAX_GAP_BYTES));
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        let huge_id3 = [&b"ID3\x03\0\0\x7F\x7F\x7F\x7F"[..], &frame(1), &frame(2)].concat();
        let id3_0x7fffffff = [&b"ID3\x03\0\0\x7F\xFF\xFF\xFF"[..], &frame(1), &frame(2)].concat();
        let syncs = [0xFF, 0xFB, 0x9C, 0x66].repeat(16_000);
        let tiny_tags = [id3(b"", false).repeat(3000), frame(1), frame(2)].concat();
        let ape_past = [frame(1), frame(2), ape(b"x", true)[..40].to_vec()].concat();
        let mut lying_ape = ape(b"x", true);
        lying_ape[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        vec![
            ("mp3-id3-size-to-the-syncsafe-limit", huge_id3),
            ("mp3-id3-size-0x7fffffff", id3_0x7fffffff),
            ("mp3-sync-bytes-with-bad-headers", syncs),
            ("mp3-3000-empty-id3-tags", tiny_tags),
            ("mp3-ape-tag-past-the-end", ape_past),
            ("mp3-ape-size-4-gib", [frame(1), lying_ape, frame(2)].concat()),
            ("mp3-xing-lame-frames", [xing_frame(), frame(1), b"junk".to_vec(), frame(2), id3v1()].concat()),
        ]
    }

    /// A file of `head`, then `unit` repeated `count` times, then `tail`, never held whole.
    struct Repeated {
        head: Vec<u8>,
        unit: Vec<u8>,
        count: u64,
        tail: Vec<u8>,
        pos: u64,
    }

    impl Repeated {
        fn len(&self) -> u64 {
            self.head.len() as u64 + self.unit.len() as u64 * self.count + self.tail.len() as u64
        }
    }

    impl std::io::Read for Repeated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let (head, body) = (self.head.len() as u64, self.unit.len() as u64 * self.count);
            let (from, at) = if self.pos < head {
                (&self.head[..], self.pos as usize)
            } else if self.pos < head + body {
                (&self.unit[..], ((self.pos - head) % self.unit.len() as u64) as usize)
            } else if self.pos < self.len() {
                (&self.tail[..], (self.pos - head - body) as usize)
            } else {
                return Ok(0);
            };
            let n = buf.len().min(from.len() - at);
            buf[..n].copy_from_slice(&from[at..at + n]);
            self.pos += n as u64;
            Ok(n)
        }
    }

    impl std::io::Seek for Repeated {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            self.pos = crate::evidence::tests::seek_within(self.pos, self.len(), to);
            Ok(self.pos)
        }
    }

    #[test]
    fn two_gib_of_frames_stream_through_bounded_reads() {
        // 5 150 000 frames of 417 bytes (2.0 GiB, some 37 hours at 128 kbit/s), tagged both ends.
        let count = 5_150_000;
        let file = Repeated { head: id3(&[0x5A; 4000], false), unit: frame(7), count, tail: id3v1(), pos: 0 };
        let len = file.len();
        let mut input = crate::evidence::metered::Metered::new(file);
        let mut out = crate::evidence::wav::tests::Counted::default();
        let written = crate::evidence::clean(FileKind::Mp3, &mut input, &mut out).unwrap();
        assert_eq!((written, out.written), (417 * count, 417 * count));
        assert!(out.largest <= 64 * 1024, "{}", out.largest);
        assert!(input.largest_read <= 1 << 20, "{}", input.largest_read);
        assert!(input.read <= 2 * len + (1 << 20), "{} of {len}", input.read);
    }
}
