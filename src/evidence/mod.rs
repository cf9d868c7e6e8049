//! Evidence files: what a file is (sniffed from its bytes, never taken from the client), and
//! removal of the metadata that can betray a reporter — EXIF (with GPS position, camera
//! serial numbers, times), XMP, IPTC, comments, embedded thumbnails and secondary images —
//! with one module per image format (`jpeg`, `png`, `webp`, `heif`); the same for recordings
//! in the ISO base media file format (MP4, MOV, 3GP, M4A: `bmff`), whose tags, places and
//! times live in `moov` and whose timed-metadata tracks are dropped; the tags of call
//! recordings and voice memos — ID3, APE, RIFF `LIST`/`INFO`, `bext`, `iXML` (artist, comment,
//! encoder, originator, dates, a location) — with one module per audio format (`mp3`, `wav`,
//! `amr`); and PDF (`pdf`), read and written out whole.
//!
//! Each image format is rebuilt from a whitelist of the parts needed to show the picture,
//! so anything unknown is dropped rather than kept. HEIF keeps its structure and has the
//! bytes of its Exif and XMP items overwritten with zeros. Each audio format is rebuilt from
//! its audio alone: MP3 frames, WAV's `fmt `, `fact` and `data` chunks, AMR's frames.
//!
//! Files come from outside, so each stripper reads through a fixed buffer (`stream`), keeps
//! only bounded header structures, and refuses a file with more parts than real files have
//! (the caps are the `MAX_*` constants of each format's module).

pub mod amr;
pub mod bmff;
pub mod heif;
pub mod jpeg;
#[cfg(test)]
mod metered;
pub mod mp3;
pub mod office;
#[cfg(test)]
pub(crate) mod outside;
pub mod pdf;
pub mod png;
mod stream;
pub mod wav;
pub mod webp;

/// The kinds of file accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    WebP,
    Heif,
    Pdf,
    Mp4,
    QuickTime,
    ThreeGp,
    Mp3,
    M4a,
    Amr,
    Wav,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
}

impl FileKind {
    /// Bytes needed to tell what a file is: an office document's kind is in the names of its
    /// first zip entries, which Word, Excel, PowerPoint, WPS and LibreOffice write within 2 KiB.
    pub const SNIFF_BYTES: usize = 4096;

    pub fn sniff(head: &[u8]) -> Option<Self> {
        // ISO BMFF brands are read here: `infer` knows few of the 3GPP ones.
        if let Some(kind) = bmff::sniff(head) {
            return Some(kind);
        }
        // Office documents are zip archives: what kind is read from their first entries, and
        // any other archive is refused (never taken for one by `infer`).
        if head.starts_with(b"PK\x03\x04") {
            return office::sniff(head);
        }
        // `infer` knows neither AMR-WB nor MPEG audio that begins with a frame of every
        // version and layer (a call recorder's MP3 has no ID3 tag).
        if head.starts_with(b"#!AMR-WB\n") {
            return Some(FileKind::Amr);
        }
        if let [0xFF, second, third, ..] = *head
            && second & 0xE0 == 0xE0
            && second & 0x18 != 0x08
            && second & 0x06 != 0
            && third & 0xF0 != 0xF0
            && third & 0x0C != 0x0C
        {
            return Some(FileKind::Mp3);
        }
        let found = infer::get(head)?;
        Some(match found.mime_type() {
            "image/jpeg" => FileKind::Jpeg,
            "image/png" => FileKind::Png,
            "image/webp" => FileKind::WebP,
            "image/heif" => FileKind::Heif,
            "application/pdf" => FileKind::Pdf,
            "video/mp4" => FileKind::Mp4,
            "video/quicktime" => FileKind::QuickTime,
            "video/3gpp" => FileKind::ThreeGp,
            "audio/mpeg" => FileKind::Mp3,
            "audio/m4a" => FileKind::M4a,
            "audio/amr" => FileKind::Amr,
            "audio/x-wav" => FileKind::Wav,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::WebP => "image/webp",
            FileKind::Heif => "image/heif",
            FileKind::Pdf => "application/pdf",
            FileKind::Mp4 => "video/mp4",
            FileKind::QuickTime => "video/quicktime",
            FileKind::ThreeGp => "video/3gpp",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::M4a => "audio/mp4",
            FileKind::Amr => "audio/amr",
            FileKind::Wav => "audio/wav",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
        }
    }

    pub fn parse_content_type(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.content_type() == s)
    }

    const ALL: [FileKind; 18] = [
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::WebP,
        FileKind::Heif,
        FileKind::Pdf,
        FileKind::Mp4,
        FileKind::QuickTime,
        FileKind::ThreeGp,
        FileKind::Mp3,
        FileKind::M4a,
        FileKind::Amr,
        FileKind::Wav,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Pptx,
        FileKind::Odt,
        FileKind::Ods,
        FileKind::Odp,
    ];

    /// The usual file-name extension, for downloads.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::WebP => "webp",
            FileKind::Heif => "heic",
            FileKind::Pdf => "pdf",
            FileKind::Mp4 => "mp4",
            FileKind::QuickTime => "mov",
            FileKind::ThreeGp => "3gp",
            FileKind::Mp3 => "mp3",
            FileKind::M4a => "m4a",
            FileKind::Amr => "amr",
            FileKind::Wav => "wav",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
            FileKind::Odt => "odt",
            FileKind::Ods => "ods",
            FileKind::Odp => "odp",
        }
    }
}

/// Anything a file can be read back from: the upload spooled to disk (age's `StreamReader`
/// seeks), or bytes in memory.
pub trait Source: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> Source for T {}

#[derive(Debug, thiserror::Error)]
pub enum StripError {
    /// Not a well-formed file of the format.
    #[error("not a well-formed {format} file: {reason}")]
    Malformed { format: &'static str, reason: &'static str },
    /// Well-formed perhaps, but beyond what real files use: refused rather than worked through.
    /// `what` is the catalogue's name of what was counted.
    #[error("the {format} file has more {} than the {cap} accepted", jubao_templates::Lang::En.tr(.what))]
    TooComplex { format: &'static str, what: &'static str, cap: u64 },
    /// Reading the input or writing the output failed (not the file's fault).
    #[error("reading or writing the file failed: {0}")]
    Io(#[from] std::io::Error),
}

pub(crate) fn malformed(format: &'static str, reason: &'static str) -> StripError {
    StripError::Malformed { format, reason }
}

/// A count of parts of a file, refused once it passes `cap` (what real files have is said
/// where each cap is defined).
pub(crate) struct Budget {
    format: &'static str,
    what: &'static str,
    cap: u64,
    used: u64,
}

impl Budget {
    pub(crate) fn new(format: &'static str, cap: u64, what: &'static str) -> Self {
        Budget { format, what, cap, used: 0 }
    }

    pub(crate) fn spend(&mut self, n: u64) -> Result<(), StripError> {
        self.used = self.used.saturating_add(n);
        if self.used > self.cap {
            let Budget { format, what, cap, .. } = *self;
            return Err(StripError::TooComplex { format, what, cap });
        }
        Ok(())
    }
}

/// The caps on the formats that are read whole (PDF and office documents), from `[limits]`
/// (`max_document_mib`, `max_document_inflated_mib`). The memory a clean takes is bounded
/// by them: about three times `bytes` for a PDF, `bytes` + `inflated_bytes` + the archive
/// written for an office document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeFileCaps {
    /// The largest file.
    pub bytes: u64,
    /// What the parts of an office document kept may inflate to, together.
    pub inflated_bytes: u64,
}

impl WholeFileCaps {
    /// The defaults of `[limits]`: 128 MiB, a long scanned record or a ledger with photos;
    /// 1 GiB inflated, some eight times that (real documents inflate to a few times).
    pub const DEFAULT: WholeFileCaps = WholeFileCaps { bytes: 128 * 1024 * 1024, inflated_bytes: 1024 * 1024 * 1024 };
}

/// Cleans the file `input` (read from its start; its length from seeking to the end) into
/// `out`, which receives the cleaned file and nothing else; returns the bytes written.
///
/// Memory stays within a 64 KiB buffer and each format's bounded header structures, whatever
/// the file's size; work is a small multiple of it. A file refused as `Malformed` or
/// `TooComplex` is refused before anything is written. A PDF or an office document is read
/// whole, within `caps` and the caps of `pdf` and `office`.
pub fn clean_within(
    kind: FileKind,
    caps: WholeFileCaps,
    input: &mut dyn Source,
    out: &mut dyn std::io::Write,
) -> Result<u64, StripError> {
    match kind {
        FileKind::Jpeg => jpeg::clean(input, out),
        FileKind::Png => png::clean(input, out),
        FileKind::WebP => webp::clean(input, out),
        FileKind::Heif => heif::clean(input, out),
        FileKind::Pdf => pdf::clean(caps, input, out),
        FileKind::Docx | FileKind::Xlsx | FileKind::Pptx | FileKind::Odt | FileKind::Ods | FileKind::Odp => {
            office::clean(kind, caps, input, out)
        }
        FileKind::Mp4 | FileKind::QuickTime | FileKind::ThreeGp | FileKind::M4a => bmff::clean(input, out),
        FileKind::Mp3 => mp3::clean(input, out),
        FileKind::Wav => wav::clean(input, out),
        FileKind::Amr => amr::clean(input, out),
    }
}

/// The same within the default caps.
pub fn clean(kind: FileKind, input: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    clean_within(kind, WholeFileCaps::DEFAULT, input, out)
}

/// The same on bytes in memory (tests, fuzzing): a Cursor in, a Vec out.
pub fn strip_metadata(kind: FileKind, image: &[u8]) -> Result<Vec<u8>, StripError> {
    let mut out = Vec::new();
    clean(kind, &mut std::io::Cursor::new(image), &mut out)?;
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// None of what the fixtures hide (GPS canaries, camera make and serial, the owner's
    /// name, XMP, comments) is left, and no GPS field parses.
    pub fn assert_clean(file: &[u8]) {
        for canary in ["GPS-CANARY-7f3a", "CANARY-MAKE", "SERIAL-4242", "Zhang San", "xmpmeta", "comment"] {
            assert!(!file.windows(canary.len()).any(|w| w == canary.as_bytes()), "{canary} is still there");
        }
        if let Some(exif) = exif_of(file) {
            assert!(exif.fields().all(|f| f.ifd_num == exif::In::PRIMARY && f.tag == exif::Tag::Orientation));
        }
    }

    /// The EXIF of a file, where a reader can find one.
    pub fn exif_of(file: &[u8]) -> Option<exif::Exif> {
        exif::Reader::new()
            .continue_on_error(true)
            .read_from_container(&mut std::io::Cursor::new(file))
            .or_else(|e| e.distill_partial_result(|_| {}))
            .ok()
    }

    pub const FIXTURES: [(&str, FileKind, &[u8]); 5] = [
        ("photo-gps.jpg", FileKind::Jpeg, include_bytes!("../../tests/fixtures/photo-gps.jpg")),
        ("photo-progressive.jpg", FileKind::Jpeg, include_bytes!("../../tests/fixtures/photo-progressive.jpg")),
        ("photo.png", FileKind::Png, include_bytes!("../../tests/fixtures/photo.png")),
        ("photo.webp", FileKind::WebP, include_bytes!("../../tests/fixtures/photo.webp")),
        ("photo.heic", FileKind::Heif, include_bytes!("../../tests/fixtures/photo.heic")),
    ];

    /// A part of a file made for a test: bytes, or a long run of one byte that is never held.
    #[derive(Debug, Clone)]
    pub enum Piece {
        Bytes(Vec<u8>),
        Run(u64, u8),
    }

    impl Piece {
        fn len(&self) -> u64 {
            match self {
                Piece::Bytes(b) => b.len() as u64,
                Piece::Run(n, _) => *n,
            }
        }
    }

    /// A file of pieces, read and sought like one on disk.
    pub struct Pieces {
        pieces: Vec<Piece>,
        pos: u64,
    }

    impl Pieces {
        pub fn new(pieces: Vec<Piece>) -> Self {
            Pieces { pieces, pos: 0 }
        }

        pub fn len(&self) -> u64 {
            self.pieces.iter().map(Piece::len).sum()
        }
    }

    impl std::io::Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let mut start = 0;
            for piece in &self.pieces {
                let end = start + piece.len();
                if self.pos < end {
                    let n = buf.len().min((end - self.pos) as usize);
                    let at = (self.pos - start) as usize;
                    match piece {
                        Piece::Bytes(b) => buf[..n].copy_from_slice(&b[at..at + n]),
                        Piece::Run(_, byte) => buf[..n].fill(*byte),
                    }
                    self.pos += n as u64;
                    return Ok(n);
                }
                start = end;
            }
            Ok(0)
        }
    }

    impl std::io::Seek for Pieces {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            self.pos = seek_within(self.pos, self.len(), to);
            Ok(self.pos)
        }
    }

    /// Where a seek lands in a made-up file of `len` bytes that stands at `pos`.
    pub fn seek_within(pos: u64, len: u64, to: std::io::SeekFrom) -> u64 {
        match to {
            std::io::SeekFrom::Start(n) => n,
            std::io::SeekFrom::End(n) => len.checked_add_signed(n).unwrap(),
            std::io::SeekFrom::Current(n) => pos.checked_add_signed(n).unwrap(),
        }
    }

    /// Where a cleaned file goes when it must not be held: it counts, keeps the last bytes and
    /// the bytes in one window of offsets.
    pub struct Probe {
        pub written: u64,
        pub tail: Vec<u8>,
        pub window: std::ops::Range<u64>,
        pub seen: Vec<u8>,
    }

    impl Probe {
        pub fn new(window: std::ops::Range<u64>) -> Self {
            Probe { written: 0, tail: Vec::new(), window, seen: Vec::new() }
        }
    }

    impl std::io::Write for Probe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for (i, byte) in buf.iter().enumerate() {
                if self.window.contains(&(self.written + i as u64)) {
                    self.seen.push(*byte);
                }
            }
            self.written += buf.len() as u64;
            self.tail.extend_from_slice(&buf[buf.len().saturating_sub(16)..]);
            let keep = self.tail.len().saturating_sub(16);
            self.tail.drain(..keep);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Cleans a file held in memory, checking that it was read in bounded pieces and at most
    /// three times over, whatever the outcome.
    pub fn clean_metered(kind: FileKind, file: &[u8]) -> Result<Vec<u8>, StripError> {
        let mut input = crate::evidence::metered::Metered::new(std::io::Cursor::new(file));
        let mut out = Vec::new();
        let result = clean(kind, &mut input, &mut out);
        assert!(input.read <= 3 * file.len() as u64, "read {} bytes of a file of {}", input.read, file.len());
        assert!(input.largest_read <= 1 << 20, "one read asked for {} bytes", input.largest_read);
        if let Ok(written) = result {
            assert_eq!(written, out.len() as u64);
        }
        result.map(|_| out)
    }

    /// A refusal for being malformed, whatever the reason.
    pub fn is_malformed(result: &Result<Vec<u8>, StripError>) -> bool {
        matches!(result, Err(StripError::Malformed { .. }))
    }

    /// A refusal for passing the cap given.
    pub fn is_too_complex(result: &Result<Vec<u8>, StripError>, expected: u64) -> bool {
        matches!(result, Err(StripError::TooComplex { cap, .. }) if *cap == expected)
    }

    #[test]
    fn cleaning_a_cleaned_file_changes_nothing() {
        for (name, kind, file) in FIXTURES {
            let cleaned = clean_metered(kind, file).unwrap();
            assert!(cleaned.len() <= file.len(), "{name}");
            assert_eq!(clean_metered(kind, &cleaned).unwrap(), cleaned, "{name}");
        }
    }

    #[test]
    fn every_cut_short_file_is_refused_as_malformed() {
        for (name, kind, file) in FIXTURES {
            // PNG's fixture has bytes after IEND; anything shorter than that end is cut short.
            let end = match kind {
                FileKind::Png => file.windows(4).rposition(|w| w == b"IEND").unwrap() + 8,
                _ => file.len(),
            };
            for cut in 0..end {
                let result = clean_metered(kind, &file[..cut]);
                assert!(is_malformed(&result), "{name} cut at {cut}: {result:?}");
            }
        }
    }

    #[test]
    fn a_refused_file_writes_nothing() {
        let mut broken = FIXTURES[0].2.to_vec();
        broken.truncate(broken.len() - 10);
        for kind in [FileKind::Jpeg, FileKind::Png, FileKind::WebP, FileKind::Heif] {
            let mut out = Vec::new();
            assert!(clean(kind, &mut std::io::Cursor::new(&broken), &mut out).is_err());
            assert!(out.is_empty(), "{kind:?}");
        }
    }

    /// The worst cases each stripper's tests build, as fuzz seeds (the first byte picks the
    /// format, as in the fuzz target `image_metadata`). `JUBAO_WRITE_SEEDS=1` writes them.
    /// The integration test `fuzz_seeds` runs every one through that target.
    #[test]
    fn the_worst_cases_are_fuzz_seeds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/image_metadata");
        let cases = [
            jpeg::tests::worst_cases(),
            png::tests::worst_cases(),
            webp::tests::worst_cases(),
            heif::tests::worst_cases(),
            bmff::tests::worst_cases(),
            // QuickTime, 3GP and M4A go through the same cleaner as MP4 (index 4).
            Vec::new(),
            Vec::new(),
            Vec::new(),
            mp3::tests::worst_cases(),
            wav::tests::worst_cases(),
            amr::tests::worst_cases(),
        ];
        for (which, cases) in cases.into_iter().enumerate() {
            for (name, file) in cases {
                let seed = [&[which as u8][..], &file].concat();
                assert!(seed.len() <= 65_536, "{name} is longer than the fuzzer's -max_len");
                let path = dir.join(name);
                if std::env::var_os("JUBAO_WRITE_SEEDS").is_some() {
                    std::fs::write(&path, &seed).unwrap();
                }
                assert!(std::fs::read(&path).is_ok_and(|s| s == seed), "{} is out of date", path.display());
            }
        }
    }

    #[test]
    fn the_fixtures_do_carry_metadata() {
        let fixtures: [&[u8]; 5] = [
            include_bytes!("../../tests/fixtures/photo-gps.jpg"),
            include_bytes!("../../tests/fixtures/photo-progressive.jpg"),
            include_bytes!("../../tests/fixtures/photo.png"),
            include_bytes!("../../tests/fixtures/photo.webp"),
            include_bytes!("../../tests/fixtures/photo.heic"),
        ];
        for file in fixtures {
            let caught = std::panic::catch_unwind(|| assert_clean(file));
            assert!(caught.is_err(), "a fixture without metadata proves nothing");
        }
    }

    /// The recordings: name, kind, bytes, and the canaries each carries (the tones are 1.5 s long).
    pub const AUDIO_FIXTURES: [(&str, FileKind, &[u8], &[&str]); 4] = [
        (
            "call.mp3",
            FileKind::Mp3,
            include_bytes!("../../tests/fixtures/evidence/call.mp3"),
            &[
                "Zhang San",
                "张三",
                "CANARY-TITLE",
                "CANARY-COMMENT",
                "CANARY-ENCODER",
                "+29.5630+106.5516",
                "CANARY-PRIVATE",
                "CANARY-PICTURE",
                "CANARY-APE",
                "CANARY-APE-PHONE",
                "Lavf59",
                "Lavc59",
            ],
        ),
        (
            "memo.wav",
            FileKind::Wav,
            include_bytes!("../../tests/fixtures/evidence/memo.wav"),
            &[
                "Zhang San",
                "CANARY-TITLE",
                "CANARY-COMMENT",
                "CANARY-ORIGINATOR",
                "CANARY-DESCRIPTION",
                "CANARY-REFERENCE",
                "2024-05-06",
                "10:11:12",
                "CANARY-IXML",
                "+29.5630+106.5516",
                "Lavf59",
            ],
        ),
        (
            "call.amr",
            FileKind::Amr,
            include_bytes!("../../tests/fixtures/evidence/call.amr"),
            &["CANARY-AMR", "Zhang San", "+29.5630+106.5516"],
        ),
        (
            "call-wb.amr",
            FileKind::Amr,
            include_bytes!("../../tests/fixtures/evidence/call-wb.amr"),
            &["CANARY-AMR", "Zhang San", "+29.5630+106.5516"],
        ),
    ];

    /// Which of the canaries are in the file's bytes (UTF-8 or UTF-16): the quick check.
    fn canary_bytes_left<'c>(file: &[u8], canaries: &[&'c str]) -> Vec<&'c str> {
        canaries.iter().copied().filter(|canary| outside::in_bytes(file, canary)).collect()
    }

    /// What ffprobe says the file lasts, in seconds.
    fn duration(file: &[u8], extension: &str) -> f64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("file.{extension}"));
        std::fs::write(&path, file).unwrap();
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
            .arg(&path)
            .output()
            .expect("ffprobe must be installed");
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    #[test]
    fn the_audio_fixtures_do_carry_metadata() {
        for (name, kind, file, canaries) in AUDIO_FIXTURES {
            let found = outside::canaries_left(file, kind.extension(), canaries);
            assert_eq!(found, canaries, "{name}: a fixture without its canaries proves nothing");
        }
    }

    #[test]
    fn cleaned_recordings_keep_no_canary_still_play_and_last_as_long() {
        for (name, kind, file, canaries) in AUDIO_FIXTURES {
            let ext = kind.extension();
            let cleaned = clean_metered(kind, file).unwrap();
            assert!(cleaned.len() < file.len(), "{name}");
            assert_eq!(outside::canaries_left(&cleaned, ext, canaries), Vec::<&str>::new(), "{name}");
            assert_eq!(outside::ffmpeg_errors(&cleaned, ext), "", "{name}");
            assert_eq!(outside::stream_types(&cleaned, ext), ["audio"], "{name}");
            let (before, after) = (duration(file, ext), duration(&cleaned, ext));
            // AMR's duration is estimated from the file's size, bytes after the frames too.
            let expected = if kind == FileKind::Amr { 1.5 } else { before };
            assert!((after - expected).abs() <= 0.05 * expected, "{name}: {before} s, then {after} s");
        }
    }

    #[test]
    fn cleaning_a_cleaned_recording_changes_nothing() {
        for (name, kind, file, _) in AUDIO_FIXTURES {
            let cleaned = clean_metered(kind, file).unwrap();
            assert_eq!(clean_metered(kind, &cleaned).unwrap(), cleaned, "{name}");
        }
    }

    /// A recording cut short is refused as malformed (MP3 with a tag cut short, WAV with its
    /// header or fmt chunk cut, AMR with its header cut), or cleaned with its last partial frame
    /// or sample block dropped: then it carries no canary and cleans to itself. (ffmpeg checks
    /// a few from the second half: it cannot probe an MP3 of two or three frames.)
    #[test]
    fn a_cut_short_recording_is_refused_or_clean() {
        for (name, kind, file, canaries) in AUDIO_FIXTURES {
            let step = (file.len() / 300).max(1);
            let cuts = (0..file.len()).step_by(step).chain(file.len().saturating_sub(300)..file.len());
            let mut played = 0;
            for cut in cuts {
                match clean_metered(kind, &file[..cut]) {
                    Err(StripError::Malformed { .. }) => {}
                    Ok(cleaned) => {
                        assert_eq!(canary_bytes_left(&cleaned, canaries), Vec::<&str>::new(), "{name} cut at {cut}");
                        assert_eq!(clean_metered(kind, &cleaned).unwrap(), cleaned, "{name} cut at {cut}");
                        if cut > file.len() / 2 && cut % 7 == 0 && played < 4 {
                            played += 1;
                            assert_eq!(outside::ffmpeg_errors(&cleaned, kind.extension()), "", "{name} cut at {cut}");
                        }
                    }
                    Err(e) => panic!("{name} cut at {cut}: {e}"),
                }
            }
        }
    }

    /// As the fuzz target `image_metadata` checks, on the recordings damaged at random: what is
    /// cleaned is no larger and cleans to itself.
    #[test]
    fn damaged_recordings_clean_to_themselves() {
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        };
        for (name, kind, file, _) in AUDIO_FIXTURES {
            for round in 0..400 {
                let mut bad = file.to_vec();
                for _ in 0..1 + next(4) {
                    let at = next(bad.len());
                    match next(4) {
                        0 => bad[at] = next(256) as u8,
                        1 => bad[at] ^= 1 << next(8),
                        2 => drop(bad.drain(at..(at + next(64)).min(bad.len()))),
                        _ => bad
                            .splice(at..at, [0xFF, 0xFB, 0x90, 0x64, 0x49, 0x44, 0x33].repeat(next(3)))
                            .for_each(drop),
                    }
                }
                if let Ok(cleaned) = clean_metered(kind, &bad) {
                    assert!(cleaned.len() <= bad.len(), "{name} round {round}");
                    assert_eq!(clean_metered(kind, &cleaned).unwrap(), cleaned, "{name} round {round}");
                }
            }
        }
    }

    #[test]
    fn a_refused_recording_writes_nothing() {
        for (kind, bad) in [
            (FileKind::Mp3, &b"ID3\x03\0\0\0\0\x10\0 and then nothing"[..]),
            (FileKind::Wav, b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0"),
            (FileKind::Amr, b"#!AMR_MC1.0\n"),
        ] {
            let mut out = Vec::new();
            assert!(clean(kind, &mut std::io::Cursor::new(bad), &mut out).is_err(), "{kind:?}");
            assert!(out.is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"#!AMR-WB\n\x04"), Some(FileKind::Amr));
        // MPEG-1 layer III, MPEG-2 layer III with CRC, MPEG-2.5 layer III; AAC's ADTS is not MP3.
        for frame in [[0xFF, 0xFB, 0x90, 0x64], [0xFF, 0xF2, 0x50, 0xC4], [0xFF, 0xE3, 0x18, 0xC4]] {
            assert_eq!(FileKind::sniff(&frame), Some(FileKind::Mp3), "{frame:02x?}");
        }
        assert_eq!(FileKind::sniff(&[0xFF, 0xF1, 0x50, 0x80]), None, "ADTS");
        assert_eq!(FileKind::sniff(b"MZ\x90\0\x03\0\0\0"), None, "programs are refused");
        assert_eq!(FileKind::sniff(b"<html><script>"), None);
        for kind in FileKind::ALL {
            assert_eq!(FileKind::parse_content_type(kind.content_type()), Some(kind));
        }
    }
}
