//! HEIF/HEIC (ISO base media file format): the structure is kept, and every Exif item is
//! overwritten with an empty EXIF block and every XMP item (`mime` items of type
//! `application/rdf+xml`) with spaces. Offsets stay valid, so the picture still opens and
//! readers find empty metadata rather than broken metadata; orientation lives in the `irot`
//! and `imir` properties, not in Exif, and is unaffected.

use super::{StripError, malformed};

const FORMAT: &str = "HEIF";

/// A box: its type, where its payload starts and where it ends.
struct BmffBox<'a> {
    kind: &'a [u8],
    payload: usize,
    end: usize,
}

/// The boxes laid out in `data[start..end]`.
fn boxes(data: &[u8], start: usize, end: usize) -> Result<Vec<BmffBox<'_>>, StripError> {
    let mut found = Vec::new();
    let mut at = start;
    while at + 8 <= end {
        let size = u64::from(read_u32(data, at)?);
        let kind = data.get(at + 4..at + 8).ok_or(malformed(FORMAT, "cut short"))?;
        let (payload, size) = match size {
            0 => (at + 8, (end - at) as u64),
            1 => (at + 16, read_u64(data, at + 8)?),
            n => (at + 8, n),
        };
        let box_end =
            usize::try_from(size).ok().and_then(|s| at.checked_add(s)).ok_or(malformed(FORMAT, "box too long"))?;
        if box_end > end || box_end < payload {
            return Err(malformed(FORMAT, "box runs past its parent"));
        }
        found.push(BmffBox { kind, payload, end: box_end });
        at = box_end;
    }
    Ok(found)
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, StripError> {
    data.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok_or(malformed(FORMAT, "cut short"))
}

fn read_u64(data: &[u8], at: usize) -> Result<u64, StripError> {
    let b = data.get(at..at + 8).ok_or(malformed(FORMAT, "cut short"))?;
    Ok(u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// An unsigned big-endian number of 0, 4 or 8 bytes (iloc field sizes).
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metadata {
    Exif,
    Xmp,
}

/// An Exif item: a 4-byte offset to the TIFF header (0), then a big-endian TIFF header whose
/// only IFD has no entries.
const EMPTY_EXIF: [u8; 18] = [0, 0, 0, 0, b'M', b'M', 0, 0x2A, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0];

impl Metadata {
    fn blank(self, bytes: &mut [u8]) {
        match self {
            Metadata::Exif if bytes.len() >= EMPTY_EXIF.len() => {
                bytes.fill(0);
                bytes[..EMPTY_EXIF.len()].copy_from_slice(&EMPTY_EXIF);
            }
            Metadata::Exif => bytes.fill(0),
            Metadata::Xmp => bytes.fill(b' '),
        }
    }
}

/// The Exif and XMP items listed in `iinf`.
fn metadata_items(data: &[u8], iinf: &BmffBox<'_>) -> Result<Vec<(u32, Metadata)>, StripError> {
    let version = *data.get(iinf.payload).ok_or(malformed(FORMAT, "cut short"))?;
    // The entry count is not needed: the entries are boxes, read until the end of iinf.
    let at = iinf.payload + 4 + if version == 0 { 2 } else { 4 };
    let mut ids = Vec::new();
    for infe in boxes(data, at, iinf.end)?.iter().filter(|b| b.kind == b"infe") {
        let version = *data.get(infe.payload).ok_or(malformed(FORMAT, "cut short"))?;
        if version < 2 {
            continue; // old item entries carry no item type
        }
        let mut at = infe.payload + 4;
        let id = read_item_id(data, &mut at, version >= 3)?;
        at += 2; // protection index
        let item_type = data.get(at..at + 4).ok_or(malformed(FORMAT, "cut short"))?;
        at += 4;
        // After the type: the item's name, then (for `mime`) its content type, both
        // null-terminated.
        let is_xmp = || {
            let mut strings = data.get(at..infe.end).unwrap_or_default().split(|b| *b == 0);
            let _name = strings.next();
            strings.next().is_some_and(|t| t.eq_ignore_ascii_case(b"application/rdf+xml"))
        };
        if item_type == b"Exif" {
            ids.push((id, Metadata::Exif));
        } else if item_type == b"mime" && is_xmp() {
            ids.push((id, Metadata::Xmp));
        }
    }
    Ok(ids)
}

/// Byte ranges of the given items, from `iloc`; `idat` is where construction method 1 points.
fn item_ranges(
    data: &[u8],
    iloc: &BmffBox<'_>,
    items: &[(u32, Metadata)],
    idat: Option<usize>,
) -> Result<Vec<(usize, usize, Metadata)>, StripError> {
    let version = *data.get(iloc.payload).ok_or(malformed(FORMAT, "cut short"))?;
    let mut at = iloc.payload + 4;
    let sizes = data.get(at..at + 2).ok_or(malformed(FORMAT, "cut short"))?;
    let (offset_size, length_size) = (sizes[0] >> 4, sizes[0] & 0x0F);
    let (base_offset_size, index_size) = (sizes[1] >> 4, if version >= 1 { sizes[1] & 0x0F } else { 0 });
    at += 2;
    let count = if version < 2 { read_u16(data, &mut at)? } else { read_item_id(data, &mut at, true)? };
    let mut ranges = Vec::new();
    for _ in 0..count {
        let id = read_item_id(data, &mut at, version >= 2)?;
        let method = if version >= 1 { read_u16(data, &mut at)? & 0x0F } else { 0 };
        at += 2; // data reference index
        let base = read_sized(data, &mut at, base_offset_size)?;
        let extents = read_u16(data, &mut at)?;
        for _ in 0..extents {
            read_sized(data, &mut at, index_size)?;
            let offset = read_sized(data, &mut at, offset_size)?;
            let length = read_sized(data, &mut at, length_size)?;
            let Some(&(_, metadata)) = items.iter().find(|(item, _)| *item == id) else {
                continue;
            };
            let origin = match method {
                0 => 0,
                1 => idat.ok_or(malformed(FORMAT, "item in a missing idat"))?,
                _ => return Err(malformed(FORMAT, "metadata item built from other items")),
            };
            let start = base
                .checked_add(offset)
                .and_then(|s| usize::try_from(s).ok())
                .and_then(|s| s.checked_add(origin))
                .ok_or(malformed(FORMAT, "item offset too large"))?;
            let end = if length == 0 {
                data.len()
            } else {
                usize::try_from(length)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .ok_or(malformed(FORMAT, "item too long"))?
            };
            if end > data.len() || start > end {
                return Err(malformed(FORMAT, "item runs past the end"));
            }
            ranges.push((start, end, metadata));
        }
    }
    Ok(ranges)
}

pub fn strip(input: &[u8]) -> Result<Vec<u8>, StripError> {
    let top = boxes(input, 0, input.len())?;
    if top.first().map(|b| b.kind) != Some(b"ftyp") {
        return Err(malformed(FORMAT, "no ftyp box"));
    }
    let meta = top.iter().find(|b| b.kind == b"meta").ok_or(malformed(FORMAT, "no meta box"))?;
    let children = boxes(input, meta.payload + 4, meta.end)?;
    let mut out = input.to_vec();
    let Some(iinf) = children.iter().find(|b| b.kind == b"iinf") else {
        return Ok(out); // no items at all, so no metadata items
    };
    let ids = metadata_items(input, iinf)?;
    if ids.is_empty() {
        return Ok(out);
    }
    let iloc = children.iter().find(|b| b.kind == b"iloc").ok_or(malformed(FORMAT, "items without iloc"))?;
    let idat = children.iter().find(|b| b.kind == b"idat").map(|b| b.payload);
    for (start, end, metadata) in item_ranges(input, iloc, &ids, idat)? {
        metadata.blank(&mut out[start..end]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::tests::assert_clean;

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
}
