//! HEIF/HEIC (ISO base media file format): the structure is kept, and every Exif item is
//! overwritten with an empty EXIF block and every XMP item (`mime` items of type
//! `application/rdf+xml`) with spaces. Offsets stay valid, so the picture still opens and
//! readers find empty metadata rather than broken metadata; orientation lives in the `irot`
//! and `imir` properties, not in Exif, and is unaffected.
//!
//! A first pass reads the top-level box headers and the `meta` box (wherever it is), and
//! works out the byte ranges to blank: collected, sorted and merged. The second copies the
//! file through one buffer and writes the blanks in place of those ranges.

use super::stream::{BUFFER, Input, Output};
use super::{Budget, Source, StripError, malformed};

const FORMAT: &str = "HEIF";

/// Boxes side by side at the top level, or inside `meta`. Phones write `ftyp`, `meta` and
/// `mdat` (sometimes a `free`), and `meta` holds about ten children (`hdlr`, `pitm`, `iloc`,
/// `iinf`, `iref`, `iprp`, `idat`, `grpl`).
pub const MAX_BOXES: u64 = 1024;
/// The `meta` box is read whole: item information, locations and properties. An iPhone's
/// 48 MP HEIC (a grid of 48 tiles, thumbnails, depth and gain maps) has one of some 10 KiB.
pub const MAX_META_BYTES: u64 = 4 * 1024 * 1024;
/// Items in `iinf` or `iloc`. An iPhone's 48 MP HEIC has about 60 (a grid, ~48 tiles, a few
/// thumbnails, depth and gain-map items, Exif, XMP); Samsung and Google phones write similar
/// counts.
pub const MAX_ITEMS: u64 = 4096;
/// Extents of one item: phones write one per item.
pub const MAX_EXTENTS_PER_ITEM: u64 = 256;
/// Extents of all items together: about one per item in real files.
pub const MAX_EXTENTS: u64 = 16_384;
/// Exif and XMP items: real files have one of each (a few more with gain-map metadata).
pub const MAX_METADATA_ITEMS: u64 = 64;

/// A box: its type, where its payload starts and where it ends (offsets in one buffer or
/// in the file).
#[derive(Debug, Clone, Copy)]
struct BmffBox {
    kind: [u8; 4],
    payload: u64,
    end: u64,
}

/// The `meta` box and its payload, read whole.
type Meta = (BmffBox, Vec<u8>);

/// The top-level boxes, their payloads skipped, and the payload of `meta`.
fn top_level(input: &mut Input<'_>) -> Result<(Vec<BmffBox>, Option<Meta>), StripError> {
    let mut found = Vec::new();
    let mut meta = None;
    let mut count = Budget::new(FORMAT, MAX_BOXES, "heif-top-level-boxes");
    while input.remaining() > 0 {
        count.spend(1)?;
        let (kind, end) = input.box_header()?;
        let found_box = BmffBox { kind, payload: input.pos(), end };
        if found.is_empty() && &kind != b"ftyp" {
            return Err(input.malformed("no ftyp box"));
        }
        if &kind == b"meta" {
            if meta.is_some() {
                return Err(input.malformed("more than one meta box"));
            }
            let length = end - found_box.payload;
            Budget::new(FORMAT, MAX_META_BYTES, "heif-bytes-meta-box").spend(length)?;
            meta = Some((found_box, input.take(length, "box runs past the end of the file")?));
        } else {
            input.seek(end)?;
        }
        found.push(found_box);
    }
    if found.is_empty() {
        return Err(input.malformed("no ftyp box"));
    }
    Ok((found, meta))
}

/// The boxes laid out in `data[start..end]`, inside a box read whole; their offsets are in
/// `data`.
fn boxes(data: &[u8], start: usize, end: usize, cap: u64) -> Result<Vec<BmffBox>, StripError> {
    let mut found = Vec::new();
    let mut count = Budget::new(FORMAT, cap, "heif-boxes-one-box");
    let mut at = start;
    while at < end {
        count.spend(1)?;
        if end - at < 8 {
            return Err(malformed(FORMAT, "stray bytes after the last box"));
        }
        let size = u64::from(read_u32(data, at)?);
        let kind = read_4cc(data, at + 4)?;
        let (payload, size) = match size {
            0 => return Err(malformed(FORMAT, "a box inside another has size 0")),
            1 => (at + 16, read_u64(data, at + 8)?),
            n => (at + 8, n),
        };
        let box_end = usize::try_from(size)
            .ok()
            .and_then(|s| at.checked_add(s))
            .ok_or(malformed(FORMAT, "box runs past its parent"))?;
        if box_end > end {
            return Err(malformed(FORMAT, "box runs past its parent"));
        }
        if box_end < payload {
            return Err(malformed(FORMAT, "box smaller than its header"));
        }
        found.push(BmffBox { kind, payload: payload as u64, end: box_end as u64 });
        at = box_end;
    }
    Ok(found)
}

fn read_4cc(data: &[u8], at: usize) -> Result<[u8; 4], StripError> {
    data.get(at..at + 4).map(|b| [b[0], b[1], b[2], b[3]]).ok_or(malformed(FORMAT, "cut short"))
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, StripError> {
    read_4cc(data, at).map(u32::from_be_bytes)
}

fn read_u64(data: &[u8], at: usize) -> Result<u64, StripError> {
    let b = data.get(at..at + 8).ok_or(malformed(FORMAT, "cut short"))?;
    Ok(u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// An unsigned big-endian number of 0, 4 or 8 bytes (iloc field sizes); 0 bytes read as 0.
fn read_sized(data: &[u8], at: &mut usize, bytes: u8) -> Result<u64, StripError> {
    let value = match bytes {
        0 => 0,
        4 => u64::from(read_u32(data, *at)?),
        8 => read_u64(data, *at)?,
        _ => return Err(malformed(FORMAT, "unsupported iloc field size")),
    };
    *at += usize::from(bytes);
    Ok(value)
}

fn read_u16(data: &[u8], at: &mut usize) -> Result<u32, StripError> {
    let b = data.get(*at..*at + 2).ok_or(malformed(FORMAT, "cut short"))?;
    *at += 2;
    Ok(u32::from(u16::from_be_bytes([b[0], b[1]])))
}

fn read_item_id(data: &[u8], at: &mut usize, wide: bool) -> Result<u32, StripError> {
    if wide {
        let v = read_u32(data, *at)?;
        *at += 4;
        Ok(v)
    } else {
        read_u16(data, at)
    }
}

/// The version of a full box, whose payload starts with a version byte and three of flags.
fn full_box(data: &[u8], of: &BmffBox) -> Result<(u8, usize), StripError> {
    let at = of.payload as usize;
    if of.end - of.payload < 4 {
        return Err(malformed(FORMAT, "cut short"));
    }
    Ok((data[at], at + 4))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metadata {
    Exif,
    Xmp,
}

/// An Exif item: a 4-byte offset to the TIFF header (0), then a big-endian TIFF header whose
/// only IFD has no entries.
const EMPTY_EXIF: [u8; 18] = [0, 0, 0, 0, b'M', b'M', 0, 0x2A, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0];

/// The Exif and XMP items listed in `iinf`.
fn metadata_items(data: &[u8], iinf: &BmffBox) -> Result<Vec<(u32, Metadata)>, StripError> {
    let (version, at) = full_box(data, iinf)?;
    // The entry count is not needed: the entries are boxes, read until the end of iinf.
    let at = match version {
        0 => at + 2,
        1 => at + 4,
        _ => return Err(malformed(FORMAT, "unsupported iinf version")),
    };
    let mut ids = Vec::new();
    let mut metadata = Budget::new(FORMAT, MAX_METADATA_ITEMS, "heif-metadata-items");
    for infe in boxes(data, at, iinf.end as usize, MAX_ITEMS)?.iter().filter(|b| &b.kind == b"infe") {
        let (version, mut at) = full_box(data, infe)?;
        match version {
            0 | 1 => continue, // old item entries carry no item type
            2 | 3 => {}
            _ => return Err(malformed(FORMAT, "unsupported infe version")),
        }
        let end = infe.end as usize;
        let data = &data[..end];
        let id = read_item_id(data, &mut at, version == 3)?;
        at += 2; // protection index
        let item_type = data.get(at..at + 4).ok_or(malformed(FORMAT, "cut short"))?;
        at += 4;
        // After the type: the item's name, then (for `mime`) its content type, both
        // null-terminated.
        let is_xmp = || {
            let mut strings = data.get(at..end).unwrap_or_default().split(|b| *b == 0);
            let _name = strings.next();
            strings.next().is_some_and(|t| t.eq_ignore_ascii_case(b"application/rdf+xml"))
        };
        let kind = match item_type {
            b"Exif" => Metadata::Exif,
            b"mime" if is_xmp() => Metadata::Xmp,
            _ => continue,
        };
        metadata.spend(1)?;
        ids.push((id, kind));
    }
    Ok(ids)
}

/// Where blanks go, in file offsets.
#[derive(Debug, Default)]
struct Blanks {
    /// Byte ranges of metadata items: start, end, what they hold.
    ranges: Vec<(u64, u64, Metadata)>,
    /// Where an Exif item's first extent starts, if it can hold [`EMPTY_EXIF`].
    headers: Vec<u64>,
}

/// Where the metadata items' bytes are, from `iloc`. `idat` is where construction method 1
/// points; `media` the payloads of the `mdat` boxes, where method 0 must point.
fn item_ranges(
    data: &[u8],
    iloc: &BmffBox,
    items: &[(u32, Metadata)],
    idat: Option<(u64, u64)>,
    media: &[(u64, u64)],
    file_len: u64,
) -> Result<Blanks, StripError> {
    let (version, mut at) = full_box(data, iloc)?;
    if version > 2 {
        return Err(malformed(FORMAT, "unsupported iloc version"));
    }
    let end = iloc.end as usize;
    let data = &data[..end];
    let sizes = data.get(at..at + 2).ok_or(malformed(FORMAT, "cut short"))?;
    let (offset_size, length_size) = (sizes[0] >> 4, sizes[0] & 0x0F);
    let (base_offset_size, index_size) = (sizes[1] >> 4, if version >= 1 { sizes[1] & 0x0F } else { 0 });
    at += 2;
    let count = if version < 2 { read_u16(data, &mut at)? } else { read_item_id(data, &mut at, true)? };
    Budget::new(FORMAT, MAX_ITEMS, "heif-items").spend(u64::from(count))?;
    let mut all_extents = Budget::new(FORMAT, MAX_EXTENTS, "heif-extents");
    let mut blanks = Blanks::default();
    for _ in 0..count {
        let id = read_item_id(data, &mut at, version >= 2)?;
        let method = if version >= 1 { read_u16(data, &mut at)? & 0x0F } else { 0 };
        at += 2; // data reference index
        let base = read_sized(data, &mut at, base_offset_size)?;
        let extents = read_u16(data, &mut at)?;
        Budget::new(FORMAT, MAX_EXTENTS_PER_ITEM, "heif-extents-one-item").spend(u64::from(extents))?;
        all_extents.spend(u64::from(extents))?;
        let metadata = items.iter().find(|(item, _)| *item == id).map(|(_, m)| *m);
        for extent in 0..extents {
            read_sized(data, &mut at, index_size)?;
            let offset = read_sized(data, &mut at, offset_size)?;
            let length = read_sized(data, &mut at, length_size)?;
            let Some(metadata) = metadata else { continue };
            // A length of 0 runs to the end of where the data lives.
            let (origin, region_end) = match method {
                0 => (0, file_len),
                1 => idat.ok_or(malformed(FORMAT, "item in a missing idat"))?,
                2 => return Err(malformed(FORMAT, "metadata item built from other items")),
                _ => return Err(malformed(FORMAT, "unknown construction method")),
            };
            let start = origin
                .checked_add(base)
                .and_then(|s| s.checked_add(offset))
                .ok_or(malformed(FORMAT, "item offset too large"))?;
            let end = if length == 0 { region_end } else { start.saturating_add(length) };
            if start > end || end > region_end {
                return Err(malformed(FORMAT, "item runs past the end of its data"));
            }
            // Blanking anything but item data would break the file (and blank it again).
            let within = |(from, to): (u64, u64)| from <= start && end <= to;
            let i = media.partition_point(|(_, to)| *to < end);
            if !(idat.is_some_and(within) || media.get(i).copied().is_some_and(within)) {
                return Err(malformed(FORMAT, "metadata item outside the media data"));
            }
            blanks.ranges.push((start, end, metadata));
            if metadata == Metadata::Exif && extent == 0 && end - start >= EMPTY_EXIF.len() as u64 {
                blanks.headers.push(start);
            }
        }
    }
    if at != end {
        return Err(malformed(FORMAT, "iloc box longer than its items"));
    }
    Ok(blanks)
}

/// A run of bytes to overwrite: where, and with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Blank {
    start: u64,
    end: u64,
    fill: u8,
}

/// The ranges sorted and merged into disjoint runs; where Exif and XMP overlap, Exif's zeros win.
fn merge(ranges: &[(u64, u64, Metadata)]) -> Vec<Blank> {
    let mut events: Vec<(u64, i32, i32)> = Vec::with_capacity(ranges.len() * 2);
    for &(start, end, metadata) in ranges.iter().filter(|(start, end, _)| start < end) {
        let (exif, xmp) = if metadata == Metadata::Exif { (1, 0) } else { (0, 1) };
        events.push((start, exif, xmp));
        events.push((end, -exif, -xmp));
    }
    events.sort_unstable_by_key(|e| e.0);
    let mut runs: Vec<Blank> = Vec::new();
    let (mut exif, mut xmp, mut from) = (0, 0, 0);
    for (at, d_exif, d_xmp) in events {
        if at > from && (exif > 0 || xmp > 0) {
            let fill = if exif > 0 { 0 } else { b' ' };
            match runs.last_mut() {
                Some(last) if last.end == from && last.fill == fill => last.end = at,
                _ => runs.push(Blank { start: from, end: at, fill }),
            }
        }
        (exif, xmp, from) = (exif + d_exif, xmp + d_xmp, at);
    }
    runs
}

/// What the second pass blanks.
#[derive(Debug)]
struct Plan {
    runs: Vec<Blank>,
    headers: Vec<u64>,
}

fn plan(input: &mut Input<'_>) -> Result<Plan, StripError> {
    let nothing = Plan { runs: Vec::new(), headers: Vec::new() };
    let (top, meta) = top_level(input)?;
    let (meta, data) = meta.ok_or(input.malformed("no meta box"))?;
    let meta_box = BmffBox { kind: meta.kind, payload: 0, end: data.len() as u64 };
    let (version, at) = full_box(&data, &meta_box)?;
    if version != 0 {
        return Err(malformed(FORMAT, "unsupported meta version"));
    }
    let children = boxes(&data, at, data.len(), MAX_BOXES)?;
    let only = |kind: &[u8; 4]| -> Result<Option<BmffBox>, StripError> {
        let mut found = children.iter().filter(|b| &b.kind == kind);
        match (found.next(), found.next()) {
            (_, Some(_)) => Err(malformed(FORMAT, "a box that may appear once appears twice")),
            (first, None) => Ok(first.copied()),
        }
    };
    let Some(iinf) = only(b"iinf")? else {
        return Ok(nothing); // no items at all, so no metadata items
    };
    let ids = metadata_items(&data, &iinf)?;
    if ids.is_empty() {
        return Ok(nothing);
    }
    let iloc = only(b"iloc")?.ok_or(malformed(FORMAT, "items without iloc"))?;
    let idat = only(b"idat")?.map(|b| (meta.payload + b.payload, meta.payload + b.end));
    let media: Vec<(u64, u64)> = top.iter().filter(|b| &b.kind == b"mdat").map(|b| (b.payload, b.end)).collect();
    let mut blanks = item_ranges(&data, &iloc, &ids, idat, &media, input.len())?;
    blanks.headers.sort_unstable();
    blanks.headers.dedup();
    Ok(Plan { runs: merge(&blanks.ranges), headers: blanks.headers })
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    let mut input = Input::new(source, FORMAT)?;
    let plan = plan(&mut input)?;
    input.seek(0)?;
    let mut output = Output::to(out);
    let mut fill = vec![0; BUFFER];
    let mut header = 0; // the first of `plan.headers` not yet behind us
    for run in &plan.runs {
        input.copy(run.start - input.pos(), &mut output, "cut short")?;
        let mut at = run.start;
        while at < run.end {
            let n = usize::try_from(run.end - at).unwrap_or(BUFFER).min(BUFFER);
            let piece = &mut fill[..n];
            piece.fill(run.fill);
            while plan.headers.get(header).is_some_and(|h| h + EMPTY_EXIF.len() as u64 <= at) {
                header += 1;
            }
            // Headers lie in Exif ranges, so in runs of zeros; a later one overwrites an earlier.
            for &h in plan.headers[header..].iter().take_while(|h| **h < at + n as u64) {
                for (i, byte) in EMPTY_EXIF.iter().enumerate() {
                    let p = h + i as u64;
                    if (at..at + n as u64).contains(&p) {
                        piece[(p - at) as usize] = *byte;
                    }
                }
            }
            output.write(piece)?;
            at += n as u64;
        }
        input.skip(run.end - run.start, "cut short")?;
    }
    input.copy(input.remaining(), &mut output, "cut short")?;
    Ok(output.written())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::evidence::FileKind;
    use crate::evidence::tests::{Piece, Pieces, Probe, assert_clean, clean_metered, is_malformed, is_too_complex};

    /// The file cleaned in memory.
    fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
        crate::evidence::strip_metadata(crate::evidence::FileKind::Heif, input)
    }

    struct TopBox {
        kind: Vec<u8>,
        payload: usize,
        end: usize,
    }

    /// The boxes in `data[start..end]`, with offsets as indices.
    fn boxes(data: &[u8], start: usize, end: usize) -> Result<Vec<TopBox>, StripError> {
        let found = super::boxes(data, start, end, MAX_BOXES)?;
        Ok(found
            .iter()
            .map(|b| TopBox { kind: b.kind.to_vec(), payload: b.payload as usize, end: b.end as usize })
            .collect())
    }

    const PHOTO: &[u8] = include_bytes!("../../tests/fixtures/photo.heic");

    #[test]
    fn blanks_exif_and_xmp_and_keeps_the_rest_byte_for_byte() {
        let stripped = strip(PHOTO).unwrap();
        assert_clean(&stripped);
        assert_eq!(stripped.len(), PHOTO.len());
        let changed: Vec<usize> = (0..PHOTO.len()).filter(|i| PHOTO[*i] != stripped[*i]).collect();
        assert!(!changed.is_empty());
        let top = boxes(PHOTO, 0, PHOTO.len()).unwrap();
        let mdat = top.iter().find(|b| b.kind == b"mdat").unwrap();
        assert!(changed.iter().all(|i| (mdat.payload..mdat.end).contains(i)), "only item data changed");
        let exif = crate::evidence::tests::exif_of(&stripped).unwrap();
        assert_eq!(exif.fields().count(), 0, "readers find an empty EXIF");
        // The image item's data (the largest mdat run) is untouched: boxes still parse the same.
        let before: Vec<_> = boxes(PHOTO, 0, PHOTO.len()).unwrap().iter().map(|b| (b.kind.to_vec(), b.end)).collect();
        let after: Vec<_> =
            boxes(&stripped, 0, stripped.len()).unwrap().iter().map(|b| (b.kind.to_vec(), b.end)).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn refuses_what_is_not_a_heif() {
        for bad in [&b""[..], b"\0\0\0\x08free", b"\0\0\0\x10ftypheic\0\0\0\0\0\0\0\x09meta", b"\0\0\0\xFFftypheic"] {
            assert!(strip(bad).is_err(), "{bad:?}");
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Exif,
        Xmp,
        Picture,
    }

    #[derive(Clone, Copy)]
    enum Base {
        Zero,
        /// Where the payload of `mdat` starts, plus this.
        Mdat(u64),
    }

    /// An `iloc` entry: its extents (offset, length), repeated `times`.
    #[derive(Clone)]
    struct Location {
        id: u32,
        method: u16,
        base: Base,
        extents: Vec<(u64, u64)>,
        times: usize,
    }

    impl Location {
        fn new(id: u32, base: Base, extents: &[(u64, u64)]) -> Self {
            Location { id, method: 0, base, extents: extents.to_vec(), times: 1 }
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Mdat {
        Sized,
        Large,
        ToEnd,
    }

    /// A HEIF file made to order: `ftyp`, then `meta` and `mdat` in either order.
    #[derive(Clone)]
    struct Heif {
        iloc_version: u8,
        /// Bytes of the iloc offset, length, base offset and extent index fields.
        sizes: [u8; 4],
        infos: Vec<(u32, Kind)>,
        locations: Vec<Location>,
        idat: Option<Vec<u8>>,
        /// A `free` box of this many bytes inside `meta`.
        meta_padding: usize,
        mdat: Vec<u8>,
        /// Bytes of 0x77 after `mdat`, never held.
        mdat_run: u64,
        mdat_box: Mdat,
        meta_last: bool,
    }

    const FTYP: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&u32::try_from(body.len() + 8).unwrap().to_be_bytes()[..], kind, body].concat()
    }

    fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        bx(kind, &[&[version, 0, 0, 0][..], body].concat())
    }

    fn sized(bytes: u8, value: u64) -> Vec<u8> {
        match bytes {
            0 => {
                assert_eq!(value, 0, "a field of no bytes holds 0");
                Vec::new()
            }
            4 => u32::try_from(value).unwrap().to_be_bytes().to_vec(),
            _ => value.to_be_bytes().to_vec(),
        }
    }

    impl Heif {
        /// Exif and XMP items with one extent each in `mdat`, fields of 4 bytes.
        fn new(mdat: Vec<u8>, exif: (u64, u64), xmp: (u64, u64)) -> Self {
            Heif {
                iloc_version: 1,
                sizes: [4, 4, 4, 0],
                infos: vec![(1, Kind::Exif), (2, Kind::Xmp)],
                locations: vec![Location::new(1, Base::Mdat(0), &[exif]), Location::new(2, Base::Mdat(0), &[xmp])],
                idat: None,
                meta_padding: 0,
                mdat,
                mdat_run: 0,
                mdat_box: Mdat::Sized,
                meta_last: false,
            }
        }

        fn mdat_header(&self) -> usize {
            if self.mdat_box == Mdat::Large { 16 } else { 8 }
        }

        /// The `meta` box, given where `mdat`'s payload starts; also where `idat`'s payload is
        /// within it.
        fn meta(&self, mdat_payload: u64) -> (Vec<u8>, usize) {
            let hdlr = full(b"hdlr", 0, &[&[0; 4][..], b"pict", &[0; 13]].concat());
            let mut iinf = if self.infos.len() > 0xFFFF {
                (self.infos.len() as u32).to_be_bytes().to_vec()
            } else {
                (self.infos.len() as u16).to_be_bytes().to_vec()
            };
            for &(id, kind) in &self.infos {
                let wide = id > 0xFFFF;
                let mut body = if wide { id.to_be_bytes().to_vec() } else { (id as u16).to_be_bytes().to_vec() };
                body.extend_from_slice(&[0, 0]);
                body.extend_from_slice(match kind {
                    Kind::Exif => b"Exif\0",
                    Kind::Xmp => b"mime\0application/rdf+xml\0",
                    Kind::Picture => b"hvc1\0",
                });
                iinf.extend(full(b"infe", if wide { 3 } else { 2 }, &body));
            }
            let iinf = full(b"iinf", u8::from(self.infos.len() > 0xFFFF), &iinf);
            let [offset, length, base, index] = self.sizes;
            let v = self.iloc_version;
            let mut iloc = vec![offset << 4 | length, base << 4 | index];
            let count = self.locations.len() as u32;
            iloc.extend(if v == 2 { count.to_be_bytes().to_vec() } else { (count as u16).to_be_bytes().to_vec() });
            for location in &self.locations {
                let id = location.id;
                iloc.extend(if v == 2 { id.to_be_bytes().to_vec() } else { (id as u16).to_be_bytes().to_vec() });
                if v >= 1 {
                    iloc.extend(location.method.to_be_bytes());
                }
                iloc.extend([0, 0]);
                iloc.extend(sized(
                    base,
                    match location.base {
                        Base::Zero => 0,
                        Base::Mdat(plus) => mdat_payload + plus,
                    },
                ));
                iloc.extend(u16::try_from(location.extents.len() * location.times).unwrap().to_be_bytes());
                // Extents whose fields take no bytes take no bytes at all (the bomb has 39 million).
                let times = if offset == 0 && length == 0 && (v == 0 || index == 0) {
                    assert!(location.extents.iter().all(|e| *e == (0, 0)));
                    0
                } else {
                    location.times
                };
                for _ in 0..times {
                    for &(o, l) in &location.extents {
                        if v >= 1 {
                            iloc.extend(sized(index, 0));
                        }
                        iloc.extend(sized(offset, o));
                        iloc.extend(sized(length, l));
                    }
                }
            }
            let iloc = full(b"iloc", v, &iloc);
            let mut children = [hdlr, iinf, iloc].concat();
            let idat_at = 12 + children.len() + 8;
            if let Some(idat) = &self.idat {
                children.extend(bx(b"idat", idat));
            }
            if self.meta_padding > 0 {
                children.extend(bx(b"free", &vec![0; self.meta_padding]));
            }
            (full(b"meta", 0, &children), idat_at)
        }

        /// Where the payloads of `mdat` and `idat` start.
        fn layout(&self) -> (u64, u64) {
            let meta_len = self.meta(0).0.len();
            let mdat = FTYP.len() + if self.meta_last { 0 } else { meta_len } + self.mdat_header();
            let meta = if self.meta_last { mdat + self.mdat.len() + self.mdat_run as usize } else { FTYP.len() };
            (mdat as u64, (meta + self.meta(0).1) as u64)
        }

        fn pieces(&self) -> Vec<Piece> {
            let (mdat_payload, _) = self.layout();
            let (meta, _) = self.meta(mdat_payload);
            let mdat_len = (self.mdat_header() + self.mdat.len()) as u64 + self.mdat_run;
            let header = match self.mdat_box {
                Mdat::Sized => [&u32::try_from(mdat_len).unwrap().to_be_bytes()[..], b"mdat"].concat(),
                Mdat::ToEnd => b"\0\0\0\0mdat".to_vec(),
                Mdat::Large => [&[0, 0, 0, 1][..], b"mdat", &mdat_len.to_be_bytes()].concat(),
            };
            let mdat = vec![Piece::Bytes([header, self.mdat.clone()].concat()), Piece::Run(self.mdat_run, 0x77)];
            let mut pieces = vec![Piece::Bytes(FTYP.to_vec())];
            if self.meta_last {
                pieces.extend(mdat);
                pieces.push(Piece::Bytes(meta));
            } else {
                pieces.push(Piece::Bytes(meta));
                pieces.extend(mdat);
            }
            pieces
        }

        fn bytes(&self) -> Vec<u8> {
            let mut file = Vec::new();
            for piece in self.pieces() {
                match piece {
                    Piece::Bytes(b) => file.extend(b),
                    Piece::Run(n, byte) => file.extend(std::iter::repeat_n(byte, n as usize)),
                }
            }
            file
        }
    }

    /// Bytes that canaries can be found in.
    fn media(len: usize) -> Vec<u8> {
        b"GPS-CANARY-7f3a ".iter().copied().cycle().take(len).collect()
    }

    /// `file` with `range` overwritten as an Exif item's only extent.
    fn with_empty_exif(mut file: Vec<u8>, range: std::ops::Range<usize>) -> Vec<u8> {
        file[range.clone()].fill(0);
        file[range.start..range.start + EMPTY_EXIF.len()].copy_from_slice(&EMPTY_EXIF);
        file
    }

    fn clean_heif(file: &[u8]) -> Result<Vec<u8>, StripError> {
        clean_metered(FileKind::Heif, file)
    }

    /// The outside review's file, and its relatives: many Exif items, or many iloc entries for
    /// one, each with 65 535 extents whose offset and length take no bytes.
    fn bomb(exif_items: u32, entries: u32) -> Heif {
        let mut heif = Heif::new(media(64), (0, 0), (0, 0));
        heif.sizes = [0, 0, 0, 0];
        heif.infos = (1..=exif_items).map(|id| (id, Kind::Exif)).collect();
        let location = |id| Location { id, method: 0, base: Base::Zero, extents: vec![(0, 0)], times: 65_535 };
        heif.locations = (1..=entries).map(|n| location(1 + (n - 1) % exif_items)).collect();
        heif
    }

    /// Exif items whose extents overlap and repeat, and an XMP item over all of them, last.
    fn overlaps(sizes: [u8; 4]) -> Heif {
        let mut heif = Heif::new(media(4096), (0, 0), (0, 0));
        heif.sizes = sizes;
        heif.infos = (1..=63).map(|id| (id, Kind::Exif)).chain([(64, Kind::Xmp)]).collect();
        let (same, pair, all) = if sizes[0] == 0 {
            (vec![(0, 0)], vec![(0, 0), (0, 0)], (Base::Mdat(0), vec![(0, 0)]))
        } else {
            (vec![(100, 2900)], vec![(200, 200), (300, 300)], (Base::Zero, vec![(0, 4096)]))
        };
        let base = if sizes[0] == 0 { Base::Mdat(100) } else { Base::Mdat(0) };
        heif.locations = (1..=62).map(|id| Location { times: 256, ..Location::new(id, base, &same) }).collect();
        heif.locations.push(Location::new(63, if sizes[0] == 0 { Base::Mdat(200) } else { base }, &pair));
        heif.locations.push(Location::new(64, if sizes[0] == 0 { all.0 } else { Base::Mdat(0) }, &all.1));
        heif
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        let mut to_end = Heif::new(media(256), (0, 0), (0, 0));
        to_end.sizes = [0, 0, 4, 0];
        let mut whole = to_end.clone();
        whole.sizes = [0, 0, 0, 0];
        whole.locations.iter_mut().for_each(|l| l.base = Base::Zero);
        let mut meta_last = Heif::new(media(256), (10, 50), (100, 60));
        meta_last.meta_last = true;
        meta_last.mdat_box = Mdat::Large;
        vec![
            ("heif-600-exif-items-65535-empty-extents", bomb(600, 600).bytes()),
            ("heif-one-exif-item-600-entries-65535-empty-extents", bomb(1, 600).bytes()),
            ("heif-one-item-65535-empty-extents", bomb(1, 1).bytes()),
            ("heif-extents-at-the-cap", extents_at_the_cap().bytes()),
            ("heif-to-the-end-of-the-file", to_end.bytes()),
            ("heif-the-whole-file", whole.bytes()),
            ("heif-to-the-end-of-idat", in_idat().bytes()),
            ("heif-overlaps-and-duplicates", overlaps([0, 0, 4, 0]).bytes()),
            ("heif-meta-after-a-large-mdat", meta_last.bytes()),
        ]
    }

    #[test]
    fn refuses_the_bomb_and_its_relatives() {
        // Too many Exif items; one Exif item listed 600 times; one listing: 65 535 extents each.
        for (heif, cap) in [
            (bomb(600, 600), MAX_METADATA_ITEMS),
            (bomb(1, 600), MAX_EXTENTS_PER_ITEM),
            (bomb(1, 1), MAX_EXTENTS_PER_ITEM),
        ] {
            let result = clean_heif(&heif.bytes());
            assert!(is_too_complex(&result, cap), "{result:?}");
        }
    }

    fn extents_at_the_cap() -> Heif {
        let mut heif = Heif::new(media(1000), (0, 0), (500, 100));
        heif.locations[0].times = MAX_EXTENTS_PER_ITEM as usize;
        heif
    }

    #[test]
    fn refuses_more_extents_than_phones_write() {
        // Extents with real offsets and lengths, one past the cap of one item.
        let mut heif = Heif::new(media(1000), (0, 100), (500, 100));
        heif.locations[0].extents = vec![(0, 100); MAX_EXTENTS_PER_ITEM as usize + 1];
        let result = clean_heif(&heif.bytes());
        assert!(is_too_complex(&result, MAX_EXTENTS_PER_ITEM), "{result:?}");
        // Within the cap of each item, past the cap of all (pictures' extents count too).
        let mut heif = Heif::new(media(1000), (0, 100), (500, 100));
        for id in 3..=66 {
            heif.infos.push((id, Kind::Picture));
            heif.locations.push(Location { times: 256, ..Location::new(id, Base::Mdat(0), &[(200, 10)]) });
        }
        let result = clean_heif(&heif.bytes());
        assert!(is_too_complex(&result, MAX_EXTENTS), "{result:?}");
    }

    #[test]
    fn blanks_an_item_of_many_extents_once() {
        // 256 extents, each from the start of mdat to the end of the file (a length of 0); the
        // XMP item inside them is Exif's too, and Exif's zeros win.
        let heif = extents_at_the_cap();
        let file = heif.bytes();
        let mdat = heif.layout().0 as usize;
        let expected = with_empty_exif(file.clone(), mdat..file.len());
        assert_eq!(clean_heif(&file).unwrap(), expected);
    }

    #[test]
    fn fields_of_no_bytes_read_as_zero_and_lengths_of_zero_run_to_the_end_of_the_file() {
        let mut heif = Heif::new(media(256), (0, 0), (0, 0));
        heif.sizes = [0, 0, 4, 0]; // only the base offset is written: where mdat starts
        heif.locations[1].base = Base::Mdat(200);
        let file = heif.bytes();
        let mdat = heif.layout().0 as usize;
        let mut expected = with_empty_exif(file.clone(), mdat..file.len());
        expected[mdat + 200..].fill(0);
        assert_eq!(clean_heif(&file).unwrap(), expected);
        // With no base either, the item is the whole file, ftyp and meta too: refused.
        heif.sizes = [0, 0, 0, 0];
        heif.locations.iter_mut().for_each(|l| l.base = Base::Zero);
        let result = clean_heif(&heif.bytes());
        assert!(is_malformed(&result), "{result:?}");
    }

    fn in_idat() -> Heif {
        let mut heif = Heif::new(vec![0x33; 256], (0, 0), (0, 0));
        heif.idat = Some(b"Exif\0\0GPS-CANARY-7f3a in idat, then more".to_vec());
        heif.sizes = [4, 0, 0, 0];
        heif.locations[0].method = 1;
        heif.locations[0].base = Base::Zero;
        heif.locations[1] = Location::new(2, Base::Zero, &[]);
        heif
    }

    #[test]
    fn a_length_of_zero_in_idat_runs_to_the_end_of_idat() {
        let heif = in_idat();
        let file = heif.bytes();
        let idat = heif.layout().1 as usize;
        let expected = with_empty_exif(file.clone(), idat..idat + heif.idat.as_ref().unwrap().len());
        let cleaned = clean_heif(&file).unwrap();
        assert_eq!(cleaned, expected, "idat is blanked, the media data after it is not");
        assert_clean(&cleaned);
        // An item past its idat, or in an idat that is not there.
        let mut past = heif.clone();
        past.sizes = [4, 4, 0, 0];
        past.locations[0].extents = vec![(4, 100)];
        let mut missing = heif.clone();
        missing.idat = None;
        for bad in [past, missing] {
            let result = clean_heif(&bad.bytes());
            assert!(is_malformed(&result), "{result:?}");
        }
    }

    #[test]
    fn overlapping_and_repeated_ranges_are_merged() {
        for sizes in [[4, 4, 4, 0], [0, 0, 4, 0]] {
            let heif = overlaps(sizes);
            let file = heif.bytes();
            let mdat = heif.layout().0 as usize;
            let mut expected = file.clone();
            expected[mdat..].fill(b' ');
            let exif_end = if sizes[0] == 0 { file.len() } else { mdat + 3000 };
            expected[mdat + 100..exif_end].fill(0);
            // Each Exif item's first extent starts with an empty EXIF block, the later ones do not.
            for at in [mdat + 100, mdat + 200] {
                expected[at..at + EMPTY_EXIF.len()].copy_from_slice(&EMPTY_EXIF);
            }
            assert_eq!(clean_heif(&file).unwrap(), expected, "{sizes:?}");
        }
    }

    #[test]
    fn meta_may_follow_mdat_and_mdat_may_be_large_or_run_to_the_end() {
        for (meta_last, mdat_box) in
            [(false, Mdat::Sized), (true, Mdat::Sized), (false, Mdat::Large), (true, Mdat::Large), (false, Mdat::ToEnd)]
        {
            let mut heif = Heif::new(media(300), (10, 50), (100, 60));
            (heif.meta_last, heif.mdat_box, heif.iloc_version) = (meta_last, mdat_box, if meta_last { 2 } else { 0 });
            let file = heif.bytes();
            let mdat = heif.layout().0 as usize;
            let mut expected = with_empty_exif(file.clone(), mdat + 10..mdat + 60);
            expected[mdat + 100..mdat + 160].fill(b' ');
            let cleaned = clean_heif(&file).unwrap();
            assert_eq!(cleaned, expected, "{meta_last} {}", heif.mdat_header());
            assert_eq!(clean_heif(&cleaned).unwrap(), cleaned);
        }
    }

    #[test]
    fn refuses_broken_boxes() {
        let good = Heif::new(media(300), (10, 50), (100, 60));
        let file = good.bytes();
        let meta = FTYP.len();
        let mdat = good.layout().0 as usize - 8;
        let set = |at: usize, bytes: &[u8]| {
            let mut file = file.clone();
            file[at..at + bytes.len()].copy_from_slice(bytes);
            file
        };
        let iinf = meta + file[meta..].windows(4).position(|w| w == b"iinf").unwrap() - 4;
        let infe = meta + file[meta..].windows(4).position(|w| w == b"infe").unwrap() - 4;
        let mut pointing_at_meta = good.clone();
        pointing_at_meta.locations[0] = Location::new(1, Base::Zero, &[(meta as u64 + 20, 30)]);
        let mut two_metas = file.clone();
        two_metas.extend_from_slice(&file[meta..mdat]);
        for (why, bad) in [
            ("a box smaller than its header", set(mdat, &[0, 0, 0, 4])),
            ("a large size smaller than the header", [&file[..mdat], &[0, 0, 0, 1], b"mdat", &[0; 8]].concat()),
            ("a box past the end", set(mdat, &[0, 0, 0xFF, 0xFF])),
            ("a child of meta past meta", set(iinf, &[0, 0, 0xFF, 0xFF])),
            ("an item entry past its iinf", set(infe, &[0, 0, 0x0F, 0xFF])),
            ("a child of size 0", set(iinf, &[0, 0, 0, 0])),
            ("a meta box of size 0 swallows the rest", set(meta, &[0, 0, 0, 0])),
            ("bytes after the last box", [&file[..], b"junk"].concat()),
            ("two meta boxes", two_metas),
            ("no ftyp first", file[meta..].to_vec()),
            ("an Exif item in meta", pointing_at_meta.bytes()),
        ] {
            let result = clean_heif(&bad);
            assert!(is_malformed(&result), "{why}: {result:?}");
        }
    }

    #[test]
    fn refuses_more_than_real_files_have() {
        let good = Heif::new(media(300), (10, 50), (100, 60));
        let file = good.bytes();
        let free = bx(b"free", b"");
        let boxes = [FTYP, &free.repeat(MAX_BOXES as usize)].concat();
        let mut items = good.clone();
        items.iloc_version = 2;
        items.locations.extend((3..=MAX_ITEMS as u32 + 1).map(|id| Location::new(id, Base::Zero, &[])));
        let mut metadata = good.clone();
        metadata.infos.extend((3..=MAX_METADATA_ITEMS as u32 + 1).map(|id| (id, Kind::Xmp)));
        let mut big_meta = good.clone();
        big_meta.meta_padding = MAX_META_BYTES as usize;
        for (bad, cap) in [
            ([&boxes[..], &file[FTYP.len()..]].concat(), MAX_BOXES),
            (items.bytes(), MAX_ITEMS),
            (metadata.bytes(), MAX_METADATA_ITEMS),
            (big_meta.bytes(), MAX_META_BYTES),
        ] {
            let result = clean_heif(&bad);
            assert!(is_too_complex(&result, cap), "{cap}: {result:?}");
        }
    }

    #[test]
    fn streams_a_64_mib_file() {
        let mut heif = Heif::new(media(20_000), (1000, 5000), (10_000, 3000));
        (heif.mdat_box, heif.mdat_run) = (Mdat::Large, 64 << 20);
        let mdat = heif.layout().0;
        let file = Pieces::new(heif.pieces());
        let len = file.len();
        let mut input = crate::evidence::metered::Metered::new(file);
        let mut out = Probe::new(mdat..mdat + 20_000);
        assert_eq!(crate::evidence::clean(FileKind::Heif, &mut input, &mut out).unwrap(), len);
        assert_eq!(out.written, len);
        let expected = with_empty_exif(media(20_000), 1000..6000);
        let mut expected = expected;
        expected[10_000..13_000].fill(b' ');
        assert!(out.seen == expected, "the items are blanked and nothing else");
        assert_eq!(out.tail, [0x77; 16]);
        assert!(input.largest_read <= 1 << 20, "{}", input.largest_read);
        assert!(input.read <= 3 * len, "{} of {len}", input.read);
    }
}
