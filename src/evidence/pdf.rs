//! PDF: the document is read whole with `lopdf` and written out whole again, so that what an
//! incremental save left behind (the values a later save replaced) is gone with the old
//! revisions. On the way, an allow-list keeps of the catalogue, the page tree and the trailer
//! only what shows the pages; everywhere else the keys that carry people, programs and times
//! are removed:
//! - the Info dictionary and the document ID (the trailer keeps `Root` alone);
//! - XMP (`Metadata`, on the catalogue and on any page, image or font), page-piece data
//!   (`PieceInfo`, `LastModified`);
//! - embedded and associated files, JavaScript, open and additional actions, and actions that
//!   launch, submit or import; page thumbnails; XFA forms;
//! - the authors, dates and ids of comments (`T`, `M`, `CreationDate`, `NM`), and annotations
//!   that carry files, sound or media;
//! - EXIF, XMP and comments of the JPEG photos inside (`DCTDecode` images), cleaned with the
//!   JPEG cleaner.
//!
//! Text and pages stay: the content streams, fonts and images are kept as they are. Objects
//! nothing refers to any more are dropped, and the rest renumbered.
//!
//! The whole file is held, and its objects with it. A parsed object takes some 70 bytes
//! however short its text (`1 ` is two), so memory is bounded by counting before it is
//! spent: the file is capped at `WholeFileCaps::bytes` (`[limits] max_document_mib`, 128 MiB
//! by default: scanned records and ledgers run to a few MiB a page at most); the tokens
//! outside its streams (each at most one object) at [`MAX_TOKENS`], counted in one pass
//! before parsing; each compressed object stream at [`MAX_STREAM_BYTES`] once inflated; and
//! what is loaded in all at
//! [`MAX_OBJECTS`] objects and [`LOADED_PER_FILE_BYTE`] times the file cap. The worst file
//! within these takes about three times the cap + 70 × `MAX_TOKENS` + 35 × `MAX_STREAM_BYTES`
//! + twice the output: under 1 GiB at the default cap; a real one about three times its size.

use std::cell::Cell;
use std::collections::HashSet;
use std::io::{Read, SeekFrom, Write};

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

use super::{Source, StripError, WholeFileCaps, malformed};

const FORMAT: &str = "PDF";

/// How far one compressed object or cross-reference stream may inflate: writers put some
/// 100–200 small objects in each (tens of KiB).
pub const MAX_STREAM_BYTES: usize = 1024 * 1024;
/// Tokens outside streams: a 1 000-page scanned document has some 200 000 (its pages, image
/// dictionaries and cross-reference table); text and pictures live in streams.
pub const MAX_TOKENS: u64 = 4_000_000;
/// Objects loaded: a 1 000-page scanned document has some 10 000.
pub const MAX_OBJECTS: u64 = 2_000_000;
/// Bytes of all the objects loaded (streams as stored, plus a share for each object), as a
/// multiple of the largest file: for a real file about its own size.
pub const LOADED_PER_FILE_BYTE: u64 = 2;

/// The catalogue entries that show the document; the rest goes.
const CATALOG_KEEP: &[&[u8]] = &[
    b"Type",
    b"Version",
    b"Pages",
    b"PageLabels",
    b"Names",
    b"Dests",
    b"ViewerPreferences",
    b"PageLayout",
    b"PageMode",
    b"Outlines",
    b"StructTreeRoot",
    b"MarkInfo",
    b"Lang",
    b"AcroForm",
    b"OCProperties",
];
/// The name trees kept: named destinations and appearances (not files, scripts or media).
const NAMES_KEEP: &[&[u8]] = &[b"Dests", b"AP"];
/// The entries of a page or page-tree node that show the page.
const PAGE_KEEP: &[&[u8]] = &[
    b"Type",
    b"Parent",
    b"Kids",
    b"Count",
    b"Resources",
    b"MediaBox",
    b"CropBox",
    b"BleedBox",
    b"TrimBox",
    b"ArtBox",
    b"BoxColorInfo",
    b"Contents",
    b"Rotate",
    b"Group",
    b"Annots",
    b"UserUnit",
    b"StructParents",
    b"Tabs",
];
/// Keys that carry metadata, files or programs, wherever they are.
const ANYWHERE_DROP: &[&[u8]] =
    &[b"Metadata", b"PieceInfo", b"LastModified", b"AA", b"JS", b"Thumb", b"EF", b"RF", b"AF", b"XFA", b"OpenAction"];
/// What a comment says of who wrote it and when.
const ANNOTATION_DROP: &[&[u8]] = &[b"T", b"M", b"CreationDate", b"NM"];
/// Annotations that carry files, sound or media: removed from the pages.
const ANNOTATIONS_REMOVED: &[&[u8]] = &[b"FileAttachment", b"Sound", b"Movie", b"Screen", b"RichMedia", b"3D"];
/// Actions that run something or reach outside the document: removed.
const ACTIONS_REMOVED: &[&[u8]] = &[
    b"JavaScript",
    b"Launch",
    b"SubmitForm",
    b"ImportData",
    b"GoToR",
    b"GoToE",
    b"Rendition",
    b"Sound",
    b"Movie",
    b"RichMediaExecute",
];

thread_local! {
    /// Objects and bytes loaded so far by this thread's clean, and whether a cap was passed.
    static LOADED: Cell<(u64, u64, bool)> = const { Cell::new((0, 0, false)) };
    /// The cap on the bytes loaded by this thread's clean.
    static LOADED_CAP: Cell<u64> = const { Cell::new(0) };
}

/// The share of memory an object takes, near enough to cap the whole.
fn weight(object: &Object) -> u64 {
    let share = match object {
        Object::Stream(stream) => stream.content.len() + stream.dict.len() * 32,
        Object::String(bytes, _) | Object::Name(bytes) => bytes.len(),
        Object::Array(items) => items.iter().map(|item| usize::try_from(weight(item)).unwrap_or(usize::MAX)).sum(),
        Object::Dictionary(dict) => dict.iter().map(|(k, v)| k.len() + usize::try_from(weight(v)).unwrap_or(0)).sum(),
        _ => 0,
    };
    u64::try_from(share).unwrap_or(u64::MAX).saturating_add(std::mem::size_of::<Object>() as u64)
}

/// Counts each object as it is loaded; past a cap, nothing more is kept.
fn counted(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    let (objects, bytes, over) = LOADED.get();
    let (objects, bytes) = (objects + 1, bytes.saturating_add(weight(object)));
    let over = over || objects > MAX_OBJECTS || bytes > LOADED_CAP.get();
    LOADED.set((objects, bytes, over));
    // lopdf keeps the object it lent for an object of the file, and the one returned for an
    // object out of an object stream: both must be whole (the copy lives only for a moment).
    if over { None } else { Some((id, object.clone())) }
}

pub(super) fn clean(caps: WholeFileCaps, source: &mut dyn Source, out: &mut dyn Write) -> Result<u64, StripError> {
    let len = source.seek(SeekFrom::End(0))?;
    if len > caps.bytes {
        return Err(StripError::TooComplex { format: FORMAT, what: "pdf-bytes", cap: caps.bytes });
    }
    source.seek(SeekFrom::Start(0))?;
    let mut file = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    source.take(len).read_to_end(&mut file)?;
    if tokens_outside_streams(&file) > MAX_TOKENS {
        return Err(StripError::TooComplex { format: FORMAT, what: "pdf-tokens", cap: MAX_TOKENS });
    }
    // lopdf is a large parser of outside input: a panic in it is a refusal, not a crash.
    let loaded_cap = caps.bytes.saturating_mul(LOADED_PER_FILE_BYTE);
    let rebuilt = std::panic::catch_unwind(|| rebuild(&file, loaded_cap))
        .map_err(|_| malformed(FORMAT, "the file cannot be read as a PDF"))??;
    out.write_all(&rebuilt)?;
    Ok(rebuilt.len() as u64)
}

/// How many tokens the file has outside its streams, near enough: a stream's bytes, from
/// `stream` to the next `endstream`, are skipped, and every other run of non-blank bytes is
/// one token.
fn tokens_outside_streams(file: &[u8]) -> u64 {
    let blank = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | 0);
    let (mut tokens, mut at, mut in_token) = (0u64, 0usize, false);
    while let Some(&byte) = file.get(at) {
        if file[at..].starts_with(b"stream") && matches!(file.get(at + 6), Some(b'\r' | b'\n')) {
            let rest = &file[at..];
            at += rest.windows(9).position(|w| w == b"endstream").map_or(rest.len(), |end| end + 9);
            tokens += 1;
            in_token = false;
            continue;
        }
        if blank(byte) {
            in_token = false;
        } else if !in_token {
            tokens += 1;
            in_token = true;
        }
        at += 1;
    }
    tokens
}

/// The document, read, cleaned and written out whole.
fn rebuild(file: &[u8], loaded_cap: u64) -> Result<Vec<u8>, StripError> {
    LOADED.set((0, 0, false));
    LOADED_CAP.set(loaded_cap);
    let options =
        LoadOptions { filter: Some(counted), max_decompressed_size: Some(MAX_STREAM_BYTES), ..LoadOptions::default() };
    let loaded = Document::load_mem_with_options(file, options);
    let (objects, _, over) = LOADED.get();
    if over {
        let (what, cap) =
            if objects > MAX_OBJECTS { ("pdf-objects", MAX_OBJECTS) } else { ("pdf-loaded-bytes", loaded_cap) };
        return Err(StripError::TooComplex { format: FORMAT, what, cap });
    }
    let mut doc = loaded.map_err(|_| malformed(FORMAT, "the file cannot be read as a PDF"))?;
    if doc.trailer.has(b"Encrypt") {
        return Err(malformed(FORMAT, "the file is encrypted: save it without a password"));
    }
    let root = doc.trailer.get(b"Root").ok().cloned().ok_or_else(|| malformed(FORMAT, "the file has no catalogue"))?;
    doc.trailer = Dictionary::new();
    doc.trailer.set("Root", root);
    keep_only(doc.catalog_mut().map_err(|_| malformed(FORMAT, "the file has no catalogue"))?, CATALOG_KEEP);
    let names = match doc.catalog_mut().ok().and_then(|c| c.get_mut(b"Names").ok()) {
        Some(Object::Dictionary(names)) => {
            keep_only(names, NAMES_KEEP);
            None
        }
        Some(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    if let Some(Ok(Object::Dictionary(names))) = names.map(|id| doc.get_object_mut(id)) {
        keep_only(names, NAMES_KEEP);
    }
    let removed = removed_annotations(&doc);
    let present: HashSet<ObjectId> = doc.objects.keys().copied().collect();
    let refs = Refs { removed: &removed, present: &present };
    for object in doc.objects.values_mut() {
        scrub(object, &refs)?;
    }
    if doc.get_pages().is_empty() {
        return Err(malformed(FORMAT, "the file has no pages"));
    }
    doc.prune_objects();
    doc.renumber_objects();
    let mut out = Vec::with_capacity(file.len());
    doc.save_to(&mut out).map_err(|_| malformed(FORMAT, "the file cannot be written again"))?;
    Ok(out)
}

fn keep_only(dict: &mut Dictionary, keep: &[&[u8]]) {
    let gone: Vec<Vec<u8>> = dict.iter().map(|(k, _)| k.clone()).filter(|k| !keep.contains(&k.as_slice())).collect();
    for key in gone {
        dict.remove(&key);
    }
}

fn name_is(dict: &Dictionary, key: &[u8], names: &[&[u8]]) -> bool {
    matches!(dict.get(key), Ok(Object::Name(name)) if names.contains(&name.as_slice()))
}

/// The annotations, stored as objects of their own, that carry files, sound or media.
fn removed_annotations(doc: &Document) -> Vec<ObjectId> {
    doc.objects
        .iter()
        .filter(|(_, object)| {
            matches!(object, Object::Dictionary(d) if d.has(b"Rect") && name_is(d, b"Subtype", ANNOTATIONS_REMOVED))
        })
        .map(|(id, _)| *id)
        .collect()
}

/// What references may point at: the annotations removed, and the objects the file has.
struct Refs<'a> {
    removed: &'a [ObjectId],
    present: &'a HashSet<ObjectId>,
}

/// Removes from one object, and the objects written inside it, what carries metadata,
/// files or programs. Each reference to an object the file does not have becomes `null`, as
/// the PDF standard reads it: left as a reference, it would point at whatever object takes
/// its number once the rest are renumbered (a page tree whose page is missing would come to
/// hold a font).
fn scrub(object: &mut Object, refs: &Refs<'_>) -> Result<(), StripError> {
    match object {
        Object::Reference(id) if !refs.present.contains(id) => {
            *object = Object::Null;
            Ok(())
        }
        Object::Dictionary(dict) => scrub_dict(dict, refs),
        Object::Stream(stream) => {
            scrub_dict(&mut stream.dict, refs)?;
            if name_is(&stream.dict, b"Type", &[b"EmbeddedFile", b"Metadata"]) {
                stream.set_content(Vec::new());
            } else if matches!(stream.dict.get(b"Filter"), Ok(Object::Name(f)) if f == b"DCTDecode") {
                let photo = super::strip_metadata(super::FileKind::Jpeg, &stream.content)
                    .map_err(|_| malformed(FORMAT, "a photo inside the file cannot be cleaned"))?;
                stream.set_content(photo);
            }
            Ok(())
        }
        Object::Array(items) => {
            items.retain(|item| !matches!(item, Object::Reference(id) if refs.removed.contains(id)));
            items.iter_mut().try_for_each(|item| scrub(item, refs))
        }
        _ => Ok(()),
    }
}

fn scrub_dict(dict: &mut Dictionary, refs: &Refs<'_>) -> Result<(), StripError> {
    for key in ANYWHERE_DROP {
        dict.remove(key);
    }
    if name_is(dict, b"Type", &[b"Page", b"Pages"]) {
        keep_only(dict, PAGE_KEEP);
    }
    if dict.has(b"Rect") && dict.has(b"Subtype") {
        for key in ANNOTATION_DROP {
            dict.remove(key);
        }
    }
    if name_is(dict, b"S", ACTIONS_REMOVED) {
        // An action that runs something becomes one that does nothing.
        *dict = Dictionary::new();
        dict.set("S", Object::Name(b"GoTo".to_vec()));
        dict.set("D", Object::Array(vec![]));
        return Ok(());
    }
    if let Ok(Object::Array(annotations)) = dict.get_mut(b"Annots") {
        annotations.retain(|a| match a {
            Object::Reference(id) => !refs.removed.contains(id),
            Object::Dictionary(d) => !name_is(d, b"Subtype", ANNOTATIONS_REMOVED),
            _ => true,
        });
    }
    for (_, value) in dict.iter_mut() {
        scrub(value, refs)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evidence::outside;

    pub const RECORD: &[u8] = include_bytes!("../../tests/fixtures/evidence/record.pdf");
    /// What `record.pdf` hides, each in its own place (see `tests/fixtures/evidence/pdf.py`).
    pub const CANARIES: [&str; 13] = [
        "Zhang San",
        "Wang Wu",
        "CANARY-CREATOR",
        "CANARY-PRODUCER",
        "CANARY-COMPANY",
        "2024:05:06",
        "20240506",
        "PIECE-CANARY",
        "JS-CANARY",
        "THUMB-CANARY",
        "EMBEDDED-CANARY",
        "GPS-CANARY-7f3a",
        "CANARY-ANNOT-ID",
    ];

    fn cleaned(file: &[u8]) -> Result<Vec<u8>, StripError> {
        let mut out = Vec::new();
        clean(WholeFileCaps::DEFAULT, &mut std::io::Cursor::new(file), &mut out)?;
        Ok(out)
    }

    /// The text `pdftotext` reads from the pages.
    fn text_of(file: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.pdf");
        std::fs::write(&path, file).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) must be installed");
        assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn the_fixture_does_carry_its_canaries_even_the_ones_an_incremental_save_replaced() {
        let exif = outside::exiftool(RECORD, "pdf");
        assert!(exif.contains("Author: Wang Wu"), "exiftool reads the latest revision: {exif}");
        assert_eq!(outside::canaries_left(RECORD, "pdf", &CANARIES), CANARIES, "a fixture without them proves nothing");
    }

    #[test]
    fn nothing_identifying_is_left_and_the_text_and_picture_stay() {
        let clean = cleaned(RECORD).unwrap();
        assert_eq!(outside::canaries_left(&clean, "pdf", &CANARIES), Vec::<&str>::new());
        assert!(text_of(&clean).contains("Inspection record: fire exit blocked on floor 3."));
        let tags = outside::exiftool(&clean, "pdf");
        assert!(tags.contains("PageCount: 1") && tags.contains("EmbeddedImageFilter: DCTDecode"), "{tags}");
        assert!(!tags.contains("Author") && !tags.contains("Producer") && !tags.contains("XMP"), "{tags}");
    }

    #[test]
    fn cleaning_again_changes_nothing() {
        let once = cleaned(RECORD).unwrap();
        assert_eq!(cleaned(&once).unwrap(), once);
    }

    #[test]
    fn what_is_not_a_readable_pdf_is_refused() {
        for (name, file) in [
            ("empty", Vec::new()),
            ("a header only", b"%PDF-1.7\n".to_vec()),
            (
                "a catalogue without pages",
                b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".to_vec(),
            ),
        ] {
            assert!(matches!(cleaned(&file), Err(StripError::Malformed { .. })), "{name}");
        }
    }

    /// A page tree may name an object the file lacks. Renumbered, such a reference would
    /// come to point at another object (here the font), so it becomes `null`: a file with no
    /// page left is refused, and one with a page left cleans to a file that reads the same.
    #[test]
    fn a_reference_to_a_missing_object_points_at_nothing_after_cleaning() {
        let file = |kids: &str| {
            format!(
                "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [{kids}] /Count 2 >>\nendobj\n\
                 5 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << /Font << /F1 6 0 R >> >> >>\nendobj\n\
                 6 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
            )
            .into_bytes()
        };
        let result = cleaned(&file("4 0 R"));
        assert!(matches!(result, Err(StripError::Malformed { reason: "the file has no pages", .. })), "{result:?}");
        let once = cleaned(&file("4 0 R 5 0 R")).unwrap();
        let doc = Document::load_mem(&once).unwrap();
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        assert_eq!(pages.len(), 1);
        assert!(matches!(doc.get_dictionary(pages[0]).unwrap().get_type(), Ok(b"Page")));
        assert_eq!(cleaned(&once).unwrap(), once);
    }

    /// A PDF cut short may still be read (lopdf rebuilds what it can find); whatever comes
    /// out is clean.
    #[test]
    fn a_cut_file_is_refused_or_comes_out_clean() {
        for cut in (0..RECORD.len()).step_by(97) {
            if let Ok(file) = cleaned(&RECORD[..cut]) {
                for canary in CANARIES {
                    assert!(!file.windows(canary.len()).any(|w| w == canary.as_bytes()), "{canary} cut at {cut}");
                }
            }
        }
    }

    #[test]
    fn a_file_of_more_tokens_than_real_ones_is_refused_before_it_is_parsed() {
        let mut file = b"%PDF-1.7\n1 0 obj\n[".to_vec();
        file.extend(std::iter::repeat_n(&b"1 "[..], usize::try_from(MAX_TOKENS).unwrap()).flatten());
        file.extend_from_slice(b"]\nendobj\n%%EOF\n");
        let result = cleaned(&file);
        assert!(matches!(result, Err(StripError::TooComplex { cap: MAX_TOKENS, .. })), "{result:?}");
        assert!(tokens_outside_streams(RECORD) < 1000, "the fixture's streams are skipped");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        let mut huge = crate::evidence::tests::Pieces::new(vec![
            crate::evidence::tests::Piece::Bytes(b"%PDF-1.7\n".to_vec()),
            crate::evidence::tests::Piece::Run(WholeFileCaps::DEFAULT.bytes, b' '),
        ]);
        let result = clean(WholeFileCaps::DEFAULT, &mut huge, &mut Vec::new());
        assert!(
            matches!(result, Err(StripError::TooComplex { cap, .. }) if cap == WholeFileCaps::DEFAULT.bytes),
            "{result:?}"
        );
        let small = WholeFileCaps { bytes: 100, ..WholeFileCaps::DEFAULT };
        let result = clean(small, &mut std::io::Cursor::new(RECORD), &mut Vec::new());
        assert!(
            matches!(result, Err(StripError::TooComplex { what: "pdf-bytes", cap: 100, .. })),
            "the cap is the setting's: {result:?}"
        );
    }

    /// An object stream that inflates past its cap is refused, and so is a file of more
    /// objects than the cap (built small: many tiny objects).
    #[test]
    fn a_deflate_bomb_is_refused() {
        use std::io::Write as _;
        let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..(MAX_STREAM_BYTES >> 20) + 1 {
            deflate.write_all(&zeros).unwrap();
        }
        let bomb = deflate.finish().unwrap();
        let mut file = b"%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ".to_vec();
        file.extend_from_slice(format!("{} >>\nstream\n", bomb.len()).as_bytes());
        file.extend_from_slice(&bomb);
        file.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 2 0 R >>\n%%EOF\n");
        assert!(file.len() < 64 * 1024, "a small file");
        assert!(cleaned(&file).is_err());
    }
}
