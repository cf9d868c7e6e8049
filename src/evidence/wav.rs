//! WAV (RIFF `WAVE`): the file is rebuilt from `fmt `, `fact` (when there is one) and `data`,
//! in that order, with a new RIFF size. Everything else — `LIST`/`INFO` (artist, comment,
//! software), `bext` (originator, date and time), `iXML`, `id3 `/`ID3 `, `cue `, `smpl`,
//! `junk`, `PAD `, `axml`, `_PMX` and whatever else a recorder writes — is dropped.
//!
//! A first pass reads the chunk headers (skipping their payloads) and remembers where the three
//! kept chunks are; the second copies them. A `data` chunk that claims more than the file holds
//! (a recording cut short, or a streamed one whose size says 0xFFFFFFFF) keeps the whole
//! sample blocks that are there: `data` is then the last chunk read.

use super::stream::{Input, Output};
use super::{Budget, Source, StripError};

const FORMAT: &str = "WAV";

/// Chunks in the file. Recorders and editors write fmt, data and a handful of others (LIST,
/// bext, iXML, cue, smpl, junk, fact): fewer than 20.
pub const MAX_CHUNKS: u64 = 1024;
/// The `fmt ` chunk: 16 bytes for PCM, 18 to 50 for compressed formats and 40 for
/// WAVE_FORMAT_EXTENSIBLE.
pub const MAX_FMT_BYTES: u64 = 1024;
/// The `fact` chunk: 4 bytes (the number of samples).
pub const MAX_FACT_BYTES: u64 = 64;

/// Where a kept chunk's payload starts in the file, and how many of its bytes are kept.
#[derive(Debug, Clone, Copy)]
struct Kept {
    at: u64,
    len: u64,
}

/// The chunks that are kept.
#[derive(Debug, Default)]
struct Layout {
    fmt: Option<Kept>,
    fact: Option<Kept>,
    data: Option<Kept>,
}

impl Layout {
    fn chunks(&self) -> impl Iterator<Item = (&'static [u8; 4], Kept)> {
        [(b"fmt ", self.fmt), (b"fact", self.fact), (b"data", self.data)]
            .into_iter()
            .filter_map(|(id, kept)| kept.map(|k| (id, k)))
    }

    /// The size the RIFF header states: `WAVE` and the kept chunks, each padded to even.
    fn riff_size(&self) -> u64 {
        4 + self.chunks().map(|(_, k)| 8 + k.len + (k.len & 1)).sum::<u64>()
    }
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    let mut input = Input::new(source, FORMAT)?;
    let layout = layout(&mut input)?;
    let size = u32::try_from(layout.riff_size()).map_err(|_| input.malformed("too long for RIFF"))?;
    let mut output = Output::to(out);
    output.write(b"RIFF")?;
    output.write(&size.to_le_bytes())?;
    output.write(b"WAVE")?;
    for (id, kept) in layout.chunks() {
        output.write(id)?;
        // Each kept length came from a u32 size.
        output.write(&u32::try_from(kept.len).unwrap_or(u32::MAX).to_le_bytes())?;
        input.seek(kept.at)?;
        input.copy(kept.len, &mut output, "cut short")?;
        if kept.len & 1 == 1 {
            output.write(&[0])?;
        }
    }
    Ok(output.written())
}

/// The first pass: the chunk headers, and where the kept chunks are.
fn layout(input: &mut Input<'_>) -> Result<Layout, StripError> {
    let head: [u8; 12] = input.array("no RIFF WAVE header")?;
    match (&head[..4], &head[8..12]) {
        (b"RIFF", b"WAVE") => {}
        (b"RF64" | b"BW64", _) => return Err(input.malformed("RF64 and BW64 files are not supported")),
        _ => return Err(input.malformed("no RIFF WAVE header")),
    }
    // The RIFF size is not trusted (streaming writers leave it 0 or 0xFFFFFFFF): chunks are read
    // to the end of the file, and anything after the RIFF is dropped like any unknown chunk.
    let mut layout = Layout::default();
    let mut chunks = Budget::new(FORMAT, MAX_CHUNKS, "wav-chunks");
    while input.remaining() >= 8 {
        chunks.spend(1)?;
        let header: [u8; 8] = input.array("chunk header cut short")?;
        let size = u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
        let at = input.pos();
        let kind = &header[..4];
        if kind == b"data" {
            if layout.data.is_some() {
                return Err(input.malformed("two data chunks"));
            }
            let fits = size <= input.remaining();
            layout.data = Some(Kept { at, len: size.min(input.remaining()) });
            if !fits {
                break; // cut short or streamed: the rest of the file is the samples
            }
        } else if let Some((slot, cap, what)) = match kind {
            b"fmt " => Some((&mut layout.fmt, MAX_FMT_BYTES, "wav-bytes-fmt-chunk")),
            b"fact" => Some((&mut layout.fact, MAX_FACT_BYTES, "wav-bytes-fact-chunk")),
            _ => None,
        } {
            if slot.is_some() {
                return Err(input.malformed("a chunk that may appear once appears twice"));
            }
            Budget::new(FORMAT, cap, what).spend(size)?;
            input.need(size + (size & 1), "chunk runs past the end")?;
            *slot = Some(Kept { at, len: size });
        } else if size > input.remaining() {
            break; // an unknown chunk cut short: dropped like the others
        }
        input.skip((size + (size & 1)).min(input.remaining()), "chunk runs past the end")?;
    }
    let block = block_align(input, &layout)?;
    let file_len = input.len();
    let data = layout.data.as_mut().ok_or(input.malformed("no data chunk"))?;
    data.len -= data.len % block;
    // An odd data chunk gets its pad byte; where the file has none, the last block goes instead
    // (blocks are then odd), so that the cleaned file is never longer.
    if data.len & 1 == 1 && data.at + data.len == file_len {
        data.len -= block;
    }
    Ok(layout)
}

/// The size of one sample block, from `fmt `: `data` keeps only whole blocks.
fn block_align(input: &mut Input<'_>, layout: &Layout) -> Result<u64, StripError> {
    let fmt = layout.fmt.ok_or(input.malformed("no fmt chunk"))?;
    if fmt.len < 16 {
        return Err(input.malformed("fmt chunk too short"));
    }
    input.seek(fmt.at)?;
    let fields: [u8; 16] = input.array("fmt chunk too short")?;
    let block = u64::from(u16::from_le_bytes([fields[12], fields[13]]));
    if block == 0 {
        return Err(input.malformed("fmt chunk with no block size"));
    }
    Ok(block)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evidence::FileKind;
    use crate::evidence::tests::{Piece, Pieces, clean_metered, is_malformed, is_too_complex};

    /// A chunk: its id, size field and payload (padded when the size is odd).
    pub fn chunk(id: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let size = u32::try_from(payload.len()).unwrap();
        let pad: &[u8] = if payload.len() % 2 == 1 { &[0] } else { &[] };
        [id, &size.to_le_bytes()[..], payload, pad].concat()
    }

    /// PCM, mono, 8 kHz, 16 bits.
    pub fn fmt() -> Vec<u8> {
        let fields = [&1u16.to_le_bytes()[..], &1u16.to_le_bytes(), &8000u32.to_le_bytes(), &16000u32.to_le_bytes()];
        chunk(b"fmt ", &[&fields.concat()[..], &2u16.to_le_bytes(), &16u16.to_le_bytes()].concat())
    }

    /// A RIFF WAVE file of these chunks, its size stated right.
    pub fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = chunks.concat();
        let size = u32::try_from(body.len() + 4).unwrap();
        [&b"RIFF"[..], &size.to_le_bytes(), b"WAVE", &body].concat()
    }

    fn clean_wav(file: &[u8]) -> Result<Vec<u8>, StripError> {
        clean_metered(FileKind::Wav, file)
    }

    #[test]
    fn keeps_fmt_fact_and_data_in_that_order() {
        let samples: Vec<u8> = (0..200u8).collect();
        let file = riff(&[
            chunk(b"LIST", b"INFOIART\x0a\0\0\0Zhang San\0"),
            chunk(b"data", &samples),
            chunk(b"bext", b"CANARY-ORIGINATOR"),
            chunk(b"fact", &100u32.to_le_bytes()),
            fmt(),
            chunk(b"iXML", b"<x/>"),
        ]);
        let expected = riff(&[fmt(), chunk(b"fact", &100u32.to_le_bytes()), chunk(b"data", &samples)]);
        assert_eq!(clean_wav(&file).unwrap(), expected);
    }

    #[test]
    fn an_odd_data_chunk_keeps_its_pad_byte_and_its_last_whole_block() {
        // One byte per block (8-bit mono), 201 bytes: padded to even.
        let mut fmt8 = fmt();
        fmt8[20] = 1; // block align
        let samples = vec![0x80; 201];
        let file = riff(&[fmt8.clone(), chunk(b"data", &samples), chunk(b"junk", b"CANARY")]);
        assert_eq!(clean_wav(&file).unwrap(), riff(&[fmt8.clone(), chunk(b"data", &samples)]));
        // Without its pad byte at the end of the file, the last block goes.
        let file = riff(&[fmt8.clone(), chunk(b"data", &samples)]);
        let cleaned = clean_wav(&file[..file.len() - 1]).unwrap();
        assert_eq!(cleaned, riff(&[fmt8, chunk(b"data", &samples[..200])]));
    }

    #[test]
    fn a_data_chunk_past_the_end_keeps_the_whole_blocks_there() {
        let samples = vec![0x11; 1001];
        for size in [u32::MAX, 5000] {
            let file = [&riff(&[fmt()])[..], b"data", &size.to_le_bytes(), &samples].concat();
            let cleaned = clean_wav(&file).unwrap();
            assert_eq!(cleaned, riff(&[fmt(), chunk(b"data", &samples[..1000])]), "{size}");
            assert_eq!(clean_wav(&cleaned).unwrap(), cleaned);
        }
    }

    #[test]
    fn refuses_what_cannot_be_played() {
        let data = chunk(b"data", &[0; 16]);
        let mut rf64 = riff(&[fmt(), data.clone()]);
        rf64[..4].copy_from_slice(b"RF64");
        let mut no_block = fmt();
        no_block[20] = 0;
        for (why, bad) in [
            ("no fmt", riff(std::slice::from_ref(&data))),
            ("no data", riff(&[fmt()])),
            ("two data chunks", riff(&[fmt(), data.clone(), data.clone()])),
            ("two fmt chunks", riff(&[fmt(), fmt(), data.clone()])),
            ("a short fmt", riff(&[chunk(b"fmt ", &[1, 0, 1, 0]), data.clone()])),
            ("a block size of 0", riff(&[no_block, data.clone()])),
            ("RF64", rf64),
            ("not RIFF", b"RIFX\0\0\0\0WAVE".to_vec()),
            ("nothing", Vec::new()),
        ] {
            let result = clean_wav(&bad);
            assert!(is_malformed(&result), "{why}: {result:?}");
        }
    }

    #[test]
    fn refuses_more_chunks_than_recorders_write() {
        let file = riff(&[fmt(), chunk(b"data", &[0; 4]), chunk(b"junk", b"").repeat(MAX_CHUNKS as usize)]);
        assert!(is_too_complex(&clean_wav(&file), MAX_CHUNKS));
        let big_fmt = riff(&[chunk(b"fmt ", &vec![0; MAX_FMT_BYTES as usize + 2]), chunk(b"data", &[0; 4])]);
        assert!(is_too_complex(&clean_wav(&big_fmt), MAX_FMT_BYTES));
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        let tiny = riff(&[fmt(), chunk(b"data", &[0; 4]), vec![0; 8 * 8000]]);
        let past = [&riff(&[fmt()])[..], b"data", &u32::MAX.to_le_bytes(), &[1, 2, 3]].concat();
        let junk_past = [&riff(&[fmt(), chunk(b"data", &[0; 4])])[..], b"LIST", &[0xFF; 4], b"Zhang"].concat();
        let odd = riff(&[chunk(b"fmt ", &[0xFF; 17]), chunk(b"data", &[7; 3])]);
        vec![
            ("wav-8000-empty-chunks", tiny),
            ("wav-data-to-the-end", past),
            ("wav-a-chunk-past-the-end", junk_past),
            ("wav-odd-sizes", odd),
        ]
    }

    #[test]
    fn ten_million_tiny_chunks_are_refused_and_2_gib_of_samples_stream() {
        // 10 000 000 chunks of size 0 (eight zero bytes each) after fmt: refused at the cap.
        let head = riff(&[fmt()]);
        let tiny = Pieces::new(vec![Piece::Bytes(head.clone()), Piece::Run(80_000_000, 0)]);
        let mut input = crate::evidence::metered::Metered::new(tiny);
        let result = crate::evidence::clean(FileKind::Wav, &mut input, &mut std::io::sink());
        assert!(matches!(result, Err(StripError::TooComplex { cap: MAX_CHUNKS, .. })), "{result:?}");
        assert!(input.read < 1 << 20, "{}", input.read);
        // A 2 GiB data chunk, and LIST after it.
        let size: u32 = 2 << 30;
        let pieces = vec![
            Piece::Bytes([&head[..], b"data", &size.to_le_bytes()].concat()),
            Piece::Run(u64::from(size), 0x42),
            Piece::Bytes(chunk(b"LIST", b"INFOIART Zhang San")),
        ];
        let mut input = crate::evidence::metered::Metered::new(Pieces::new(pieces));
        let mut out = Counted::default();
        let written = crate::evidence::clean(FileKind::Wav, &mut input, &mut out).unwrap();
        assert_eq!(written, head.len() as u64 + 8 + u64::from(size));
        assert_eq!((out.written, out.largest), (written, 64 * 1024));
        assert!(input.largest_read <= 1 << 20 && input.read <= u64::from(size) + (1 << 20), "{}", input.read);
    }

    /// A sink that counts what it is given, and the most given at once.
    #[derive(Default)]
    pub struct Counted {
        pub written: u64,
        pub largest: usize,
    }

    impl std::io::Write for Counted {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.written += buf.len() as u64;
            self.largest = self.largest.max(buf.len());
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
