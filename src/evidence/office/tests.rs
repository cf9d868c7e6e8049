use std::io::Write as _;

use super::*;
use crate::evidence::outside;
use crate::evidence::tests::{clean_metered, is_malformed, is_too_complex};

/// The text every fixture shows.
const TEXT: &str = "Ledger: 3 workers without permits";
/// What the OOXML fixtures hide (see `tests/fixtures/evidence/office.py`).
const OOXML_CANARIES: &[&str] = &[
    "Zhang San",
    "Li Si",
    "CANARY-COMPANY",
    "zhangsan",
    "EMP-4242",
    "COMMENT-CANARY",
    "THUMBNAIL-CANARY",
    "2026-11-29",
];
/// What the Word fixture hides besides: revision ids, deleted text, the photo's EXIF.
const DOCX_CANARIES: &[&str] = &["DELETED-CANARY", "00A1B2C3", "1A2B3C4D", "GPS-CANARY-7f3a", "SERIAL-4242"];
/// What the OpenDocument fixtures hide.
const ODF_CANARIES: &[&str] = &[
    "Zhang San",
    "EMP-4242",
    "COMMENT-CANARY",
    "THUMBNAIL-CANARY",
    "CANARY-PRINTER",
    "CANARY-GENERATOR",
    "zhangsan",
    "2026-11-29",
];

pub const FIXTURES: [(&str, FileKind, &[u8]); 6] = [
    ("ledger.docx", FileKind::Docx, include_bytes!("../../../tests/fixtures/evidence/ledger.docx")),
    ("ledger.xlsx", FileKind::Xlsx, include_bytes!("../../../tests/fixtures/evidence/ledger.xlsx")),
    ("slides.pptx", FileKind::Pptx, include_bytes!("../../../tests/fixtures/evidence/slides.pptx")),
    ("ledger.odt", FileKind::Odt, include_bytes!("../../../tests/fixtures/evidence/ledger.odt")),
    ("ledger.ods", FileKind::Ods, include_bytes!("../../../tests/fixtures/evidence/ledger.ods")),
    ("slides.odp", FileKind::Odp, include_bytes!("../../../tests/fixtures/evidence/slides.odp")),
];

fn canaries_of(name: &str, kind: FileKind) -> Vec<&'static str> {
    let mut canaries = match kind {
        FileKind::Odt | FileKind::Ods | FileKind::Odp => ODF_CANARIES.to_vec(),
        _ => OOXML_CANARIES.to_vec(),
    };
    match name {
        "ledger.docx" => canaries.extend(DOCX_CANARIES),
        "ledger.odt" => canaries.extend(["DELETED-CANARY", "GPS-CANARY-7f3a"]),
        "slides.odp" => canaries.push("GPS-CANARY-7f3a"),
        _ => {}
    }
    canaries
}

/// Every member of an archive, inflated.
fn members(file: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = ZipArchive::new(Cursor::new(file)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

/// The canaries the outside instruments find in the file or in any member inflated.
fn canaries_found<'c>(file: &[u8], extension: &str, canaries: &[&'c str]) -> Vec<&'c str> {
    let mut found = outside::canaries_left(file, extension, canaries);
    for (name, bytes) in members(file) {
        let ext = name.rsplit_once('.').map_or("bin", |(_, ext)| ext);
        found.extend(outside::canaries_left(&bytes, ext, canaries));
    }
    canaries.iter().copied().filter(|c| found.contains(c)).collect()
}

/// The text of every XML member, which must parse to its end.
fn text_of(file: &[u8]) -> String {
    let mut text = String::new();
    for (name, bytes) in members(file) {
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Text(t)) => text.push_str(&t.xml_content(quick_xml::XmlVersion::Explicit1_0)),
                Ok(_) => {}
                Err(e) => panic!("{name} does not parse: {e}"),
            }
        }
    }
    text
}

#[test]
fn the_fixtures_do_carry_their_canaries() {
    for (name, kind, file) in FIXTURES {
        let canaries = canaries_of(name, kind);
        assert_eq!(
            canaries_found(file, kind.extension(), &canaries),
            canaries,
            "{name}: a fixture without them proves nothing"
        );
        assert_eq!(FileKind::sniff(&file[..file.len().min(FileKind::SNIFF_BYTES)]), Some(kind), "{name}");
    }
}

#[test]
fn nothing_identifying_is_left_and_the_text_stays() {
    for (name, kind, file) in FIXTURES {
        let cleaned = clean_metered(kind, file).unwrap();
        let canaries = canaries_of(name, kind);
        assert_eq!(canaries_found(&cleaned, kind.extension(), &canaries), Vec::<&str>::new(), "{name}");
        let text = text_of(&cleaned);
        assert!(text.contains(TEXT), "{name}: {text}");
        assert_eq!(FileKind::sniff(&cleaned), Some(kind), "{name}");
    }
}

#[test]
fn tracked_insertions_are_accepted_and_the_photo_stays() {
    for (name, kind, file) in [FIXTURES[0], FIXTURES[3]] {
        let cleaned = clean_metered(kind, file).unwrap();
        assert!(text_of(&cleaned).contains("Inserted by hand."), "{name}");
        let photo = members(&cleaned).into_iter().find(|(n, _)| is_media(n)).unwrap().1;
        assert_eq!(FileKind::sniff(&photo), Some(FileKind::Jpeg), "{name}");
    }
}

#[test]
fn no_relationship_or_manifest_entry_points_at_a_part_dropped() {
    for (name, kind, file) in FIXTURES {
        let parts = members(&clean_metered(kind, file).unwrap());
        let names: HashSet<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        for (part, bytes) in &parts {
            let xml = String::from_utf8_lossy(bytes);
            let base = part.split_once("_rels/").map_or("", |(dir, _)| dir);
            for target in xml.split("Target=\"").skip(1).filter_map(|t| t.split('"').next()) {
                if !target.starts_with("http") {
                    assert!(names.contains(resolve(base, target).unwrap().as_str()), "{name}: {part} → {target}");
                }
            }
            for path in xml.split("manifest:full-path=\"").skip(1).filter_map(|t| t.split('"').next()) {
                assert!(path == "/" || names.contains(path), "{name}: manifest lists {path}");
            }
            for path in xml.split("PartName=\"/").skip(1).filter_map(|t| t.split('"').next()) {
                assert!(names.contains(path), "{name}: content types list {path}");
            }
        }
    }
}

#[test]
fn cleaning_again_changes_nothing() {
    for (name, kind, file) in FIXTURES {
        let cleaned = clean_metered(kind, file).unwrap();
        assert_eq!(clean_metered(kind, &cleaned).unwrap(), cleaned, "{name}");
    }
}

#[test]
fn cut_short_files_are_refused_as_malformed() {
    for (name, kind, file) in FIXTURES {
        let step = (file.len() / 150).max(1);
        for cut in (0..file.len()).step_by(step).chain(file.len() - 30..file.len()) {
            let result = clean_metered(kind, &file[..cut]);
            assert!(is_malformed(&result), "{name} cut at {cut}: {result:?}");
        }
    }
}

#[test]
fn the_legacy_binary_formats_and_other_archives_are_not_sniffed() {
    assert_eq!(FileKind::sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0\0\0\0\0"), None);
    let other = raw_zip(&[entry("notes/readme.txt", b"hello")], None);
    assert_eq!(FileKind::sniff(&other), None, "a zip that is no office document");
    let odf_other = raw_zip(&[stored("mimetype", b"application/epub+zip")], None);
    assert_eq!(FileKind::sniff(&odf_other), None);
}

#[test]
fn the_worst_cases_are_refused_fast() {
    for (name, file) in worst_cases() {
        let kind = if name.contains("odt") { FileKind::Odt } else { FileKind::Docx };
        let started = std::time::Instant::now();
        let result = clean_metered(kind, &file);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{name} took {:?}", started.elapsed());
        let expected = match name {
            "office-declared-huge" => is_too_complex(&result, MAX_PART_BYTES),
            "office-many-entries" | "office-zip64-entries" => is_too_complex(&result, MAX_ENTRIES),
            "office-deep-xml" => is_too_complex(&result, MAX_XML_DEPTH),
            _ => is_malformed(&result),
        };
        assert!(expected, "{name}: {result:?}");
    }
}

/// The worst cases as seeds of the fuzz target `documents` (first byte: 0 DOCX, 3 ODT).
#[test]
fn the_worst_cases_are_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/documents");
    for (name, file) in worst_cases() {
        let which = if name.contains("odt") { 3 } else { 0 };
        let seed = [&[which][..], &file].concat();
        assert!(seed.len() <= 65_536, "{name} is longer than the fuzzer's -max_len");
        let path = dir.join(name);
        if std::env::var_os("JUBAO_WRITE_SEEDS").is_some() {
            std::fs::write(&path, &seed).unwrap();
        }
        assert!(std::fs::read(&path).is_ok_and(|s| s == seed), "{} is out of date", path.display());
    }
}

/// An entry of a zip made by hand: name, method, the bytes as stored, CRC and declared size.
struct Raw {
    name: &'static str,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u32,
}

fn entry(name: &'static str, bytes: &[u8]) -> Raw {
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflater.write_all(bytes).unwrap();
    Raw { name, method: 8, data: deflater.finish().unwrap(), crc: crc(bytes), size: bytes.len() as u32 }
}

fn stored(name: &'static str, bytes: &[u8]) -> Raw {
    Raw { name, method: 0, data: bytes.to_vec(), crc: crc(bytes), size: bytes.len() as u32 }
}

fn crc(bytes: &[u8]) -> u32 {
    let mut hasher = flate2::Crc::new();
    hasher.update(bytes);
    hasher.sum()
}

/// A zip of the entries; `count` overrides the number of entries the end declares (zip64
/// when over 65 534).
fn raw_zip(entries: &[Raw], count: Option<u64>) -> Vec<u8> {
    let mut file = Vec::new();
    let mut central = Vec::new();
    for raw in entries {
        let offset = file.len() as u32;
        let common = |out: &mut Vec<u8>| {
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&raw.method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0x21, 0]);
            out.extend_from_slice(&raw.crc.to_le_bytes());
            out.extend_from_slice(&(raw.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&raw.size.to_le_bytes());
            out.extend_from_slice(&(raw.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        };
        file.extend_from_slice(b"PK\x03\x04");
        common(&mut file);
        file.extend_from_slice(raw.name.as_bytes());
        file.extend_from_slice(&raw.data);
        central.extend_from_slice(b"PK\x01\x02\x14\x00");
        common(&mut central);
        // Comment length, disk, internal and external attributes.
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(raw.name.as_bytes());
    }
    let at = file.len() as u64;
    file.extend_from_slice(&central);
    let count = count.unwrap_or(entries.len() as u64);
    if count > 0xFFFE {
        let record = file.len() as u64;
        file.extend_from_slice(b"PK\x06\x06");
        file.extend_from_slice(&44u64.to_le_bytes());
        file.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        file.extend_from_slice(&count.to_le_bytes());
        file.extend_from_slice(&count.to_le_bytes());
        file.extend_from_slice(&(central.len() as u64).to_le_bytes());
        file.extend_from_slice(&at.to_le_bytes());
        file.extend_from_slice(b"PK\x06\x07\0\0\0\0");
        file.extend_from_slice(&record.to_le_bytes());
        file.extend_from_slice(&1u32.to_le_bytes());
    }
    let short = if count > 0xFFFE { 0xFFFF } else { u16::try_from(count).unwrap() };
    file.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    file.extend_from_slice(&short.to_le_bytes());
    file.extend_from_slice(&short.to_le_bytes());
    file.extend_from_slice(&(central.len() as u32).to_le_bytes());
    file.extend_from_slice(&(at as u32).to_le_bytes());
    file.extend_from_slice(&[0, 0]);
    file
}

const DOCUMENT: &[u8] =
    b"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body/></w:document>";

/// Archives no real document is: bombs, huge counts, zero sizes, names that leave the
/// archive, nesting, lengths past the end.
pub(crate) fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut bomb = entry("word/document.xml", &vec![b' '; 8 << 20]);
    bomb.size = 100;
    let mut huge = entry("word/document.xml", DOCUMENT);
    huge.size = 0xFFFF_FFF0;
    let deep = [&b"<a>"[..].repeat(10_000)[..], &b"</a>".repeat(10_000)].concat();
    let mut past_end = raw_zip(&[entry("word/document.xml", DOCUMENT)], None);
    let len = past_end.len();
    past_end[len - 6..len - 2].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
    let inner = raw_zip(&[entry("word/document.xml", DOCUMENT)], None);
    vec![
        ("office-bomb", raw_zip(&[bomb], None)),
        ("office-declared-huge", raw_zip(&[huge], None)),
        ("office-many-entries", raw_zip(&[entry("word/document.xml", DOCUMENT)], Some(0xFFFE))),
        ("office-zip64-entries", raw_zip(&[entry("word/document.xml", DOCUMENT)], Some(100_000))),
        (
            "office-dot-dot-name",
            raw_zip(&[entry("word/document.xml", DOCUMENT), entry("word/../../evil.xml", b"<a/>")], None),
        ),
        (
            "office-nested-zip",
            raw_zip(&[entry("word/document.xml", DOCUMENT), entry("word/media/image1.png", &inner)], None),
        ),
        ("office-deep-xml", raw_zip(&[entry("word/document.xml", &deep)], None)),
        ("office-zero-size", raw_zip(&[stored("word/document.xml", b"")], None)),
        ("office-central-directory-past-the-end", past_end),
        (
            "office-odt-wrong-mimetype",
            raw_zip(&[stored("mimetype", b"application/zip"), entry("content.xml", b"<a/>")], None),
        ),
        (
            "office-odt-mimetype-not-first",
            raw_zip(
                &[entry("content.xml", b"<a/>"), stored("mimetype", b"application/vnd.oasis.opendocument.text")],
                None,
            ),
        ),
    ]
}

/// The caps on the whole file and on what it inflates to are the `[limits]` settings.
#[test]
fn the_caps_of_the_settings_hold() {
    let (_, kind, file) = FIXTURES[0];
    let clean = |caps| clean(kind, caps, &mut std::io::Cursor::new(file), &mut Vec::new());
    assert!(clean(WholeFileCaps::DEFAULT).is_ok());
    let small_file = WholeFileCaps { bytes: file.len() as u64 - 1, ..WholeFileCaps::DEFAULT };
    assert!(matches!(clean(small_file), Err(StripError::TooComplex { what: "office-bytes", .. })));
    let small_inflated = WholeFileCaps { inflated_bytes: 1000, ..WholeFileCaps::DEFAULT };
    let result = clean(small_inflated);
    assert!(
        matches!(result, Err(StripError::TooComplex { what: "office-inflated-bytes", cap: 1000, .. })),
        "{result:?}"
    );
}
