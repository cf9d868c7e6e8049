//! AMR (the storage format of RFC 4867, `#!AMR\n` and `#!AMR-WB\n`): the header and the frames
//! are kept, nothing else. The format has no tags, but recorders and editors append bytes after
//! the last frame; they are dropped from the first byte that cannot begin a frame, and a last
//! frame cut short is dropped too. Multichannel files (`#!AMR_MC1.0\n`) are refused.
//!
//! Each frame is a table-of-contents byte (frame type and quality bits) and the speech bits
//! that frame type has. A first pass finds where the frames end; the second copies them.

use super::stream::{Input, Output};
use super::{Source, StripError};

const FORMAT: &str = "AMR";

const NARROWBAND: &[u8] = b"#!AMR\n";
const WIDEBAND: &[u8] = b"#!AMR-WB\n";

/// Bytes after the table-of-contents byte, by frame type; `None` for the types no encoder
/// writes (reserved for future use). The last type is NO_DATA (a frame of one byte).
const NARROWBAND_SIZES: [Option<u8>; 16] = [
    Some(12), // 4.75 kbit/s
    Some(13),
    Some(15),
    Some(17),
    Some(19),
    Some(20),
    Some(26),
    Some(31), // 12.2 kbit/s
    Some(5),  // SID (comfort noise)
    None,
    None,
    None,
    None,
    None,
    None,
    Some(0), // NO_DATA
];
const WIDEBAND_SIZES: [Option<u8>; 16] = [
    Some(17), // 6.6 kbit/s
    Some(23),
    Some(32),
    Some(36),
    Some(40),
    Some(46),
    Some(50),
    Some(58),
    Some(60), // 23.85 kbit/s
    Some(5),  // SID
    None,
    None,
    None,
    None,
    Some(0), // SPEECH_LOST
    Some(0), // NO_DATA
];

/// The bytes after a table-of-contents byte, or `None` if the byte cannot begin a frame: the
/// frame-following bit and the two padding bits are 0 in storage files.
fn frame_size(toc: u8, sizes: &[Option<u8>; 16]) -> Option<u64> {
    if toc & 0x83 != 0 {
        return None;
    }
    sizes.get(usize::from(toc >> 3 & 0x0F)).copied().flatten().map(u64::from)
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    let mut input = Input::new(source, FORMAT)?;
    let head = input.peek(WIDEBAND.len())?;
    let (magic, sizes) = if head.starts_with(NARROWBAND) {
        (NARROWBAND, &NARROWBAND_SIZES)
    } else if head.starts_with(WIDEBAND) {
        (WIDEBAND, &WIDEBAND_SIZES)
    } else if head.starts_with(b"#!AMR_MC") || head.starts_with(b"#!AMR-WB_MC") {
        return Err(input.malformed("multichannel AMR is not supported"));
    } else {
        return Err(input.malformed("no AMR header"));
    };
    input.consume(magic.len());
    let end = frames_end(&mut input, sizes)?;
    if end == magic.len() as u64 {
        return Err(input.malformed("no audio frame"));
    }
    input.seek(0)?;
    let mut output = Output::to(out);
    input.copy(end, &mut output, "cut short")?;
    Ok(output.written())
}

/// Where the last whole frame ends.
fn frames_end(input: &mut Input<'_>, sizes: &[Option<u8>; 16]) -> Result<u64, StripError> {
    loop {
        let at = input.pos();
        let Some(&toc) = input.peek(1)?.first() else { return Ok(at) };
        let Some(size) = frame_size(toc, sizes) else { return Ok(at) };
        if input.remaining() < 1 + size {
            return Ok(at);
        }
        input.skip(1 + size, "cut short")?;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evidence::FileKind;
    use crate::evidence::tests::{clean_metered, is_malformed};

    fn clean_amr(file: &[u8]) -> Result<Vec<u8>, StripError> {
        clean_metered(FileKind::Amr, file)
    }

    /// A 12.2 kbit/s frame, a SID frame and a NO_DATA frame.
    fn frames() -> Vec<u8> {
        [&[7 << 3 | 4][..], &[0x5A; 31], &[8 << 3 | 4], &[1, 2, 3, 4, 5], &[15 << 3 | 4]].concat()
    }

    #[test]
    fn keeps_the_frames_and_drops_what_follows() {
        let file = [NARROWBAND, &frames()].concat();
        assert_eq!(clean_amr(&file).unwrap(), file);
        for tail in [&b"CANARY"[..], &[0x80], &[9 << 3], &[7 << 3, 1, 2, 3]] {
            let with_tail = [&file[..], tail].concat();
            assert_eq!(clean_amr(&with_tail).unwrap(), file, "{tail:?}");
        }
        let wide = [WIDEBAND, &[8 << 3 | 4], &[0x33; 60], &[14 << 3], &[15 << 3 | 4]].concat();
        assert_eq!(clean_amr(&[&wide[..], b"\x4Ftrailer"].concat()).unwrap(), wide);
    }

    #[test]
    fn refuses_what_is_not_a_mono_amr_recording() {
        for bad in
            [&b""[..], b"#!AMR", b"#!AMR\n", b"#!AMR\nCANARY", b"#!AMR_MC1.0\n\0\0\0\x01", b"#!AMR-WB_MC1.0\n", b"RIFF"]
        {
            let result = clean_amr(bad);
            assert!(is_malformed(&result), "{bad:?}: {result:?}");
        }
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("amr-no-data-frames", [NARROWBAND, &[15 << 3 | 4; 60_000][..]].concat()),
            ("amr-wb-a-frame-past-the-end", [WIDEBAND, &[8 << 3 | 4], &[0; 30]].concat()),
            ("amr-trailer", [NARROWBAND, &frames(), b"#!AMR\n", &frames()].concat()),
        ]
    }
}
