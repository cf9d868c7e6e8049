//! Evidence files: what a file is (sniffed from its bytes, never taken from the client), and
//! removal of the metadata that can betray a reporter — EXIF (with GPS position, camera
//! serial numbers, times), XMP, IPTC, comments, embedded thumbnails and secondary images.
//!
//! Each image format is rebuilt from a whitelist of the parts needed to show the picture,
//! so anything unknown is dropped rather than kept. HEIF keeps its structure and has the
//! bytes of its Exif and XMP items overwritten with zeros.

mod heif;
mod jpeg;
mod png;
mod webp;

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
}

impl FileKind {
    /// Bytes needed to tell what a file is.
    pub const SNIFF_BYTES: usize = 64;

    pub fn sniff(head: &[u8]) -> Option<Self> {
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
        }
    }

    pub fn parse_content_type(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.content_type() == s)
    }

    const ALL: [FileKind; 12] = [
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
        }
    }

    /// Images whose metadata is removed unless the reporter asks to keep it.
    pub fn is_strippable(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png | FileKind::WebP | FileKind::Heif)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a well-formed {format} file: {reason}")]
pub struct StripError {
    pub format: &'static str,
    pub reason: &'static str,
}

pub(crate) fn malformed(format: &'static str, reason: &'static str) -> StripError {
    StripError { format, reason }
}

/// The image without its metadata. Files that are not images are not passed here.
pub fn strip_metadata(kind: FileKind, image: &[u8]) -> Result<Vec<u8>, StripError> {
    match kind {
        FileKind::Jpeg => jpeg::strip(image),
        FileKind::Png => png::strip(image),
        FileKind::WebP => webp::strip(image),
        FileKind::Heif => heif::strip(image),
        _ => Ok(image.to_vec()),
    }
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

    #[test]
    fn sniffs_by_content() {
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"MZ\x90\0\x03\0\0\0"), None, "programs are refused");
        assert_eq!(FileKind::sniff(b"<html><script>"), None);
        for kind in FileKind::ALL {
            assert_eq!(FileKind::parse_content_type(kind.content_type()), Some(kind));
        }
    }
}
