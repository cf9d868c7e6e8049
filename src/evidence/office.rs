//! Office documents: Word, Excel and PowerPoint (OOXML: DOCX, XLSX, PPTX) and OpenDocument
//! (ODT, ODS, ODP, as WPS and LibreOffice write them). Both are zip archives of XML parts.
//! The archive is read whole and a new one written from an allow-list of the parts that show
//! the document; everything else — properties with authors, companies, templates and times,
//! comments and their authors, people lists, custom properties, thumbnails, printer settings,
//! custom XML, macros, embedded objects — is left behind. `docProps/core.xml` and
//! `docProps/app.xml` are replaced by empty ones.
//!
//! The XML parts kept are streamed through a filter (`quick-xml`): tracked insertions are
//! accepted (the wrapper goes, the text stays), deletions, formatting changes and comment
//! marks are dropped with their authors and dates, and so are revision ids (`w:rsid*`,
//! `w14:paraId`) and the file's path on the author's disk (`x15ac:absPath`). Relationships and
//! content types are rewritten without what was dropped. Photos inside are cleaned with the
//! image cleaners. The new archive has fixed dates, no extra fields and no comment.
//!
//! Memory: the file (at most `WholeFileCaps::bytes`, `[limits] max_document_mib`: ledgers
//! with photos run to tens of MiB), the parts kept, inflated (together at most
//! `WholeFileCaps::inflated_bytes`, `max_document_inflated_mib`: real documents inflate to a
//! few times their size; each at most [`MAX_PART_BYTES`]), and the archive written. The
//! count of entries and the sizes the archive declares are checked before anything is
//! inflated ([`MAX_ENTRIES`]), parts not kept are never inflated, and every part is inflated
//! no further than it declared, so a zip bomb is refused after a few bytes.

use std::collections::HashSet;
use std::io::{Cursor, Read, SeekFrom, Write};

use quick_xml::events::{BytesStart, Event};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{Budget, FileKind, Source, StripError, WholeFileCaps, malformed};

/// Parts in one archive: a workbook of a thousand sheets with their relationships has some
/// 3 000; a long report with many photos a few hundred.
pub const MAX_ENTRIES: u64 = 10_000;
/// One part inflated: the largest sheet of a big ledger is some tens of MiB of XML.
pub const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;
/// Elements open at once in one XML part: real ones nest some 20 deep (tables in tables).
pub const MAX_XML_DEPTH: u64 = 256;

/// The OpenDocument media types, each the `mimetype` entry of its kind.
const ODF_TYPES: [(&[u8], FileKind); 3] = [
    (b"application/vnd.oasis.opendocument.text", FileKind::Odt),
    (b"application/vnd.oasis.opendocument.spreadsheet", FileKind::Ods),
    (b"application/vnd.oasis.opendocument.presentation", FileKind::Odp),
];

/// What the first bytes of a zip archive say it is: OpenDocument when its first entry is a
/// stored `mimetype`, OOXML when a part of the head is under `word/`, `xl/` or `ppt/`.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if !head.starts_with(b"PK\x03\x04") {
        return None;
    }
    let field = |at: usize| head.get(at..at + 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    if head.get(8..10) == Some(&[0, 0]) && head.get(30..38) == Some(b"mimetype") {
        let start = 38 + field(28)?;
        let size = field(18)?;
        let body = head.get(start..start + size)?;
        return ODF_TYPES.iter().find(|(mime, _)| body == *mime).map(|&(_, kind)| kind);
    }
    let starts = head.windows(4).enumerate().filter(|(_, w)| *w == b"PK\x03\x04").map(|(at, _)| at);
    for at in starts {
        let name = head.get(at + 30..).unwrap_or_default();
        for (dir, kind) in [(&b"word/"[..], FileKind::Docx), (b"xl/", FileKind::Xlsx), (b"ppt/", FileKind::Pptx)] {
            if name.starts_with(dir) {
                return Some(kind);
            }
        }
    }
    None
}

pub(super) fn clean(
    kind: FileKind,
    caps: WholeFileCaps,
    source: &mut dyn Source,
    out: &mut dyn Write,
) -> Result<u64, StripError> {
    let format = kind.extension();
    let len = source.seek(SeekFrom::End(0))?;
    if len > caps.bytes {
        return Err(StripError::TooComplex { format, what: "office-bytes", cap: caps.bytes });
    }
    source.seek(SeekFrom::Start(0))?;
    let mut file = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    source.take(len).read_to_end(&mut file)?;
    let cleaned = rebuild(kind, &file, caps.inflated_bytes)?;
    out.write_all(&cleaned)?;
    Ok(cleaned.len() as u64)
}

/// The count of entries the end of the archive declares (zip64 too), checked before the
/// central directory is read.
fn declared_entries(file: &[u8], format: &'static str) -> Result<u64, StripError> {
    let bad = || malformed(format, "no end of central directory");
    let search_from = file.len().saturating_sub(22 + 0xFFFF);
    let end = (search_from..=file.len().saturating_sub(22))
        .rev()
        .find(|&at| {
            file.get(at..at + 4) == Some(b"PK\x05\x06")
                && file
                    .get(at + 20..at + 22)
                    .is_some_and(|c| at + 22 + usize::from(u16::from_le_bytes([c[0], c[1]])) == file.len())
        })
        .ok_or_else(bad)?;
    let u16_at = |at: usize| file.get(at..at + 2).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])));
    let u64_at = |at: usize| file.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let count = u16_at(end + 10).ok_or_else(bad)?;
    if count != 0xFFFF {
        return Ok(count);
    }
    // zip64: the locator just before the end record points at the zip64 end record.
    let locator = end.checked_sub(20).filter(|&at| file.get(at..at + 4) == Some(b"PK\x06\x07")).ok_or_else(bad)?;
    let record = u64_at(locator + 8).and_then(|at| usize::try_from(at).ok()).ok_or_else(bad)?;
    if file.get(record..record + 4) != Some(b"PK\x06\x06") {
        return Err(bad());
    }
    u64_at(record + 32).ok_or_else(bad)
}

/// A part of the archive as read: its name and inflated bytes.
struct Part {
    name: String,
    bytes: Vec<u8>,
}

/// An archive read from memory, and the names of its entries.
type Opened<'f> = (ZipArchive<Cursor<&'f [u8]>>, Vec<String>);

/// The archive opened, its entries counted and named, and each name checked.
fn open<'f>(file: &'f [u8], format: &'static str, inflated_cap: u64) -> Result<Opened<'f>, StripError> {
    Budget::new(format, MAX_ENTRIES, "office-entries").spend(declared_entries(file, format)?)?;
    let mut archive =
        ZipArchive::new(Cursor::new(file)).map_err(|_| malformed(format, "not a readable zip archive"))?;
    let mut declared = Budget::new(format, inflated_cap, "office-inflated-bytes");
    let mut names = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|_| malformed(format, "an unreadable entry"))?;
        let name = entry.name().map_err(|_| malformed(format, "an entry name that is not UTF-8"))?.into_owned();
        let unsafe_name = name.starts_with('/')
            || name.contains('\\')
            || name.split('/').any(|piece| piece == ".." || piece == ".")
            || name.contains('\0');
        if unsafe_name {
            return Err(malformed(format, "an entry name that leaves the archive"));
        }
        if entry.encrypted() {
            return Err(malformed(format, "an encrypted entry"));
        }
        if !matches!(entry.compression(), CompressionMethod::Stored | CompressionMethod::Deflated) {
            return Err(malformed(format, "an entry compressed other than by deflate"));
        }
        Budget::new(format, MAX_PART_BYTES, "office-part-bytes").spend(entry.size())?;
        declared.spend(entry.size())?;
        names.push(name);
    }
    Ok((archive, names))
}

/// One entry inflated, no further than the size it declared.
fn inflate(archive: &mut ZipArchive<Cursor<&[u8]>>, index: usize, format: &'static str) -> Result<Vec<u8>, StripError> {
    let entry = archive.by_index(index).map_err(|_| malformed(format, "an unreadable entry"))?;
    let size = entry.size();
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
    entry.take(size + 1).read_to_end(&mut bytes).map_err(|_| malformed(format, "an entry that does not inflate"))?;
    if bytes.len() as u64 != size {
        return Err(malformed(format, "an entry inflates to other than its declared size"));
    }
    Ok(bytes)
}

fn rebuild(kind: FileKind, file: &[u8], inflated_cap: u64) -> Result<Vec<u8>, StripError> {
    let format = kind.extension();
    let (mut archive, names) = open(file, format, inflated_cap)?;
    let odf = matches!(kind, FileKind::Odt | FileKind::Ods | FileKind::Odp);
    if odf && names.first().map(String::as_str) != Some("mimetype") {
        return Err(malformed(format, "the first entry is not mimetype"));
    }
    let kept: HashSet<&str> =
        names.iter().map(String::as_str).filter(|n| if odf { odf_keeps(n) } else { ooxml_keeps(kind, n) }).collect();
    let mut parts = Vec::new();
    let mut images_dropped = HashSet::new();
    for (index, name) in names.iter().enumerate() {
        if !kept.contains(name.as_str()) {
            continue;
        }
        let bytes = inflate(&mut archive, index, format)?;
        if name.ends_with('/') {
            continue;
        }
        if is_media(name) {
            match clean_image(&bytes, format)? {
                Some(bytes) => parts.push(Part { name: name.clone(), bytes }),
                None => drop(images_dropped.insert(name.as_str())),
            }
            continue;
        }
        parts.push(Part { name: name.clone(), bytes });
    }
    let kept: HashSet<&str> = kept.difference(&images_dropped).copied().collect();
    let mut written = Vec::with_capacity(parts.len());
    for part in parts {
        let bytes = if is_media(&part.name) { part.bytes } else { scrub_part(&part, &kept, format)? };
        written.push(Part { name: part.name, bytes });
    }
    if odf && written.first().is_none_or(|p| !ODF_TYPES.iter().any(|(mime, k)| *k == kind && p.bytes == *mime)) {
        return Err(malformed(format, "the mimetype is not the document's"));
    }
    write_archive(&written, odf, format)
}

fn is_media(name: &str) -> bool {
    name.contains("/media/") || name.starts_with("Pictures/")
}

/// A photo inside, cleaned; `None` for pictures of other kinds (dropped with their links).
fn clean_image(bytes: &[u8], format: &'static str) -> Result<Option<Vec<u8>>, StripError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(malformed(format, "an archive inside the archive"));
    }
    match FileKind::sniff(bytes) {
        Some(kind @ (FileKind::Jpeg | FileKind::Png)) => super::strip_metadata(kind, bytes)
            .map(Some)
            .map_err(|_| malformed(format, "a picture inside is not a readable image")),
        _ => Ok(None),
    }
}

/// The OOXML parts that show the document.
fn ooxml_keeps(kind: FileKind, name: &str) -> bool {
    if let Some((dir, file)) = name.rsplit_once("_rels/") {
        let owner = format!("{dir}{}", file.strip_suffix(".rels").unwrap_or("\0"));
        return name == "_rels/.rels" || ooxml_keeps(kind, &owner);
    }
    let in_dir = |dir: &str, prefix: &str| {
        name.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with(prefix) && !rest.contains('/') && rest.ends_with(".xml"))
    };
    let common = matches!(name, "[Content_Types].xml" | "docProps/core.xml" | "docProps/app.xml");
    let root = match kind {
        FileKind::Docx => "word/",
        FileKind::Xlsx => "xl/",
        _ => "ppt/",
    };
    let shared =
        in_dir(&format!("{root}theme/"), "theme") || name.strip_prefix(root).is_some_and(|r| r.starts_with("media/"));
    let own = match kind {
        FileKind::Docx => {
            matches!(
                name,
                "word/document.xml"
                    | "word/styles.xml"
                    | "word/stylesWithEffects.xml"
                    | "word/numbering.xml"
                    | "word/fontTable.xml"
                    | "word/settings.xml"
                    | "word/footnotes.xml"
                    | "word/endnotes.xml"
            ) || in_dir("word/", "header")
                || in_dir("word/", "footer")
        }
        FileKind::Xlsx => {
            matches!(name, "xl/workbook.xml" | "xl/sharedStrings.xml" | "xl/styles.xml")
                || in_dir("xl/worksheets/", "sheet")
                || in_dir("xl/drawings/", "drawing")
                || in_dir("xl/tables/", "table")
        }
        _ => {
            matches!(name, "ppt/presentation.xml" | "ppt/tableStyles.xml")
                || in_dir("ppt/slides/", "slide")
                || in_dir("ppt/slideLayouts/", "slideLayout")
                || in_dir("ppt/slideMasters/", "slideMaster")
        }
    };
    common || shared || own
}

/// The OpenDocument parts that show the document.
fn odf_keeps(name: &str) -> bool {
    matches!(name, "mimetype" | "META-INF/manifest.xml" | "content.xml" | "styles.xml")
        || name.strip_prefix("Pictures/").is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// What becomes of an element met in a part.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Keep,
    /// The element goes, its children stay (an accepted insertion).
    Unwrap,
    /// The element goes with everything in it.
    Drop,
}

/// Elements that carry changes, comments, authors, revision ids or paths on a disk.
const ELEMENTS_DROPPED: &[&str] = &[
    "w:del",
    "w:moveFrom",
    "w:moveFromRangeStart",
    "w:moveFromRangeEnd",
    "w:moveToRangeStart",
    "w:moveToRangeEnd",
    "w:rPrChange",
    "w:pPrChange",
    "w:sectPrChange",
    "w:tblPrChange",
    "w:tblPrExChange",
    "w:tblGridChange",
    "w:trPrChange",
    "w:tcPrChange",
    "w:numberingChange",
    "w:cellDel",
    "w:cellIns",
    "w:cellMerge",
    "w:commentRangeStart",
    "w:commentRangeEnd",
    "w:commentReference",
    "w:rsids",
    "w:attachedTemplate",
    "w:docVars",
    "w14:docId",
    "w15:docId",
    "w:trackRevisions",
    "x15ac:absPath",
    "xr:revisionPtr",
    "legacyDrawing",
    "legacyDrawingHF",
    "office:annotation",
    "office:annotation-end",
    "text:tracked-changes",
    "text:changed-region",
    "text:change",
    "text:change-start",
    "text:change-end",
    "dc:creator",
    "dc:date",
    "office:scripts",
    "office:event-listeners",
];
/// Elements whose children are kept without them: accepted insertions.
const ELEMENTS_UNWRAPPED: &[&str] = &["w:ins", "w:moveTo"];
/// Attributes that name people, times or revisions, besides every `w:rsid*`.
const ATTRIBUTES_DROPPED: &[&str] =
    &["w14:paraId", "w14:textId", "w:author", "w:date", "w:initials", "xr:uid", "xr2:uid", "xr3:uid"];

fn judge_content(element: &BytesStart) -> Verdict {
    let name = element.name().into_inner();
    if ELEMENTS_DROPPED.contains(&name) {
        Verdict::Drop
    } else if ELEMENTS_UNWRAPPED.contains(&name) {
        Verdict::Unwrap
    } else {
        Verdict::Keep
    }
}

fn attribute_kept(key: &str) -> bool {
    !(key.starts_with("w:rsid") || ATTRIBUTES_DROPPED.contains(&key))
}

/// A kept part, as written: properties emptied, XML filtered, links to what went removed.
fn scrub_part(part: &Part, kept: &HashSet<&str>, format: &'static str) -> Result<Vec<u8>, StripError> {
    let name = part.name.as_str();
    let value = |element: &BytesStart, key: &str| -> Option<String> {
        element
            .try_get_attribute(key)
            .ok()
            .flatten()
            .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Explicit1_0).ok())
            .map(|v| v.into_owned())
    };
    match name {
        "mimetype" => Ok(part.bytes.clone()),
        "docProps/core.xml" => Ok(EMPTY_CORE.to_vec()),
        "docProps/app.xml" => Ok(EMPTY_APP.to_vec()),
        "[Content_Types].xml" => filter_xml(&part.bytes, format, &|e| {
            let gone = e.name().into_inner() == "Override"
                && value(e, "PartName").is_none_or(|p| !kept.contains(p.trim_start_matches('/')));
            if gone { Verdict::Drop } else { Verdict::Keep }
        }),
        "META-INF/manifest.xml" => filter_xml(&part.bytes, format, &|e| {
            let gone = e.name().into_inner() == "manifest:file-entry"
                && value(e, "manifest:full-path").is_none_or(|p| p != "/" && !kept.contains(p.as_str()));
            if gone { Verdict::Drop } else { Verdict::Keep }
        }),
        _ if name.ends_with(".rels") => {
            let base = name.split_once("_rels/").map_or("", |(dir, _)| dir);
            filter_xml(&part.bytes, format, &|e| {
                if e.name().into_inner() != "Relationship" {
                    return Verdict::Keep;
                }
                let external = value(e, "TargetMode").is_some_and(|m| m == "External");
                let linked = value(e, "Target").is_some_and(|t| {
                    if external {
                        value(e, "Type").is_some_and(|t| t.ends_with("/hyperlink")) && !t.is_empty()
                    } else {
                        resolve(base, &t).is_some_and(|target| kept.contains(target.as_str()))
                    }
                });
                if linked { Verdict::Keep } else { Verdict::Drop }
            })
        }
        _ => filter_xml(&part.bytes, format, &judge_content),
    }
}

/// Where a relationship's target lies in the archive, from the directory of its source.
fn resolve(base: &str, target: &str) -> Option<String> {
    let mut pieces: Vec<&str> =
        if target.starts_with('/') { Vec::new() } else { base.split('/').filter(|p| !p.is_empty()).collect() };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                pieces.pop()?;
            }
            _ => pieces.push(piece),
        }
    }
    Some(pieces.join("/"))
}

const EMPTY_CORE: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>";
const EMPTY_APP: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"/>";

/// An XML part streamed through: each element judged, attributes that name people or
/// revisions dropped, comments, processing instructions and document types left out.
fn filter_xml(xml: &[u8], format: &'static str, judge: &dyn Fn(&BytesStart) -> Verdict) -> Result<Vec<u8>, StripError> {
    let bad = |_| malformed(format, "a part is not well-formed XML");
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    // For each element open: whether its end is written.
    let mut open: Vec<bool> = Vec::new();
    let mut skipping = 0usize;
    let mut rooted = false;
    let mut depth = Budget::new(format, MAX_XML_DEPTH, "office-xml-depth");
    loop {
        let event = reader.read_event().map_err(bad)?;
        if skipping > 0 {
            match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                Event::Eof => return Err(malformed(format, "a part ends inside an element")),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(element) => {
                rooted = true;
                if open.len() as u64 >= MAX_XML_DEPTH {
                    depth.spend(open.len() as u64 + 1)?;
                }
                match judge(&element) {
                    Verdict::Drop => skipping = 1,
                    Verdict::Unwrap => open.push(false),
                    Verdict::Keep => {
                        writer
                            .write_event(Event::Start(kept_attributes(&element, format)?))
                            .map_err(|_| bad_write(format))?;
                        open.push(true);
                    }
                }
            }
            Event::Empty(element) => {
                rooted = true;
                if judge(&element) == Verdict::Keep {
                    writer
                        .write_event(Event::Empty(kept_attributes(&element, format)?))
                        .map_err(|_| bad_write(format))?;
                }
            }
            Event::End(end) => match open.pop() {
                Some(true) => writer.write_event(Event::End(end)).map_err(|_| bad_write(format))?,
                Some(false) => {}
                None => return Err(malformed(format, "a part closes an element never opened")),
            },
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            other => writer.write_event(other).map_err(|_| bad_write(format))?,
        }
    }
    if !open.is_empty() || !rooted {
        return Err(malformed(format, "a part ends inside an element or has none"));
    }
    Ok(writer.into_inner())
}

fn bad_write(format: &'static str) -> StripError {
    malformed(format, "a part cannot be written back as XML")
}

fn kept_attributes<'a>(element: &'a BytesStart<'a>, format: &'static str) -> Result<BytesStart<'a>, StripError> {
    let mut kept = BytesStart::new(element.name().into_inner().to_owned());
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|_| malformed(format, "a part has a broken attribute"))?;
        if attribute_kept(attribute.key.into_inner()) {
            kept.push_attribute(attribute);
        }
    }
    Ok(kept)
}

/// The new archive: fixed dates, deflate (the ODF `mimetype` stored, first, and the photos
/// stored), nothing else.
fn write_archive(parts: &[Part], odf: bool, format: &'static str) -> Result<Vec<u8>, StripError> {
    let io = |_| malformed(format, "the cleaned archive cannot be written");
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for part in parts {
        // Photos are compressed already: deflating them again costs time and saves nothing.
        let stored = (odf && part.name == "mimetype") || is_media(&part.name);
        let options = if stored { deflated.compression_method(CompressionMethod::Stored) } else { deflated };
        writer.start_file(part.name.as_str(), options).map_err(io)?;
        writer.write_all(&part.bytes)?;
    }
    Ok(writer.finish().map_err(io)?.into_inner())
}

#[cfg(test)]
pub(crate) mod tests;
