//! MP4, QuickTime MOV, 3GP/3G2 and M4A (ISO base media file format): the movie header
//! (`moov`) is rebuilt from an allow-list, in place and at the same size, and the samples of
//! every track that is neither video nor sound (subtitles, GPS and other timed metadata,
//! timecode, chapters) are overwritten with zeros inside `mdat`.
//!
//! Whatever is dropped becomes a `free` box of the same size whose payload is zeros, so the
//! file keeps its length and every chunk offset (`stco`, `co64`) stays right. Kept: `ftyp`,
//! `mdat`, and in `moov` the movie and track headers (their times zeroed), edit lists, the
//! media header and handler (its name blanked) and the sample tables of video and sound
//! tracks (the encoder's vendor code and compressor name blanked in their descriptions). Dropped: `udta` (©xyz, `loci`, 3GPP title and author), `meta` (mdta keys such as
//! `com.apple.quicktime.location.ISO6709`, iTunes tags), `uuid` (XMP) and anything unknown.
//!
//! A first pass reads the top-level box headers and `moov` whole (wherever it is), edits it
//! in memory and works out the ranges of `mdat` to blank; nothing is written until the whole
//! structure has been checked. The second copies the file once, through one buffer.

use super::stream::{BUFFER, Input, Output};
use super::{Budget, FileKind, Source, StripError, malformed};

const FORMAT: &str = "MP4/MOV";

/// Boxes side by side at the top level. Cameras write `ftyp`, `moov`, `mdat` and a `free`
/// or `wide` or two; files edited on a computer a few more (`uuid`, `meta`).
pub const MAX_TOP_LEVEL_BOXES: u64 = 1024;
/// `moov` is read whole. A one-hour 4K phone video has a moov of a few MiB (its sample
/// tables: some 4 bytes per frame and per audio packet).
pub const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;
/// Boxes listed inside `moov`, all levels together. A phone video has two to five tracks of
/// about twenty boxes each.
pub const MAX_MOOV_BOXES: u64 = 65_536;
/// Chunks of the tracks that are removed, whose bytes are blanked. An hour of iPhone video
/// has one timed-metadata sample per frame (216 000 at 60 frames a second), at most one chunk
/// each.
pub const MAX_REMOVED_CHUNKS: u64 = 1 << 20;

/// A box: its type, where it starts, where its payload starts, where it ends (offsets in
/// the file, or in `moov` once it is read).
#[derive(Debug, Clone, Copy)]
struct BmffBox {
    kind: [u8; 4],
    start: u64,
    payload: u64,
    end: u64,
}

/// Major brands of HEIF images (`heif` cleans them).
const HEIF_BRANDS: [&[u8; 4]; 12] =
    [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"avif", b"avis"];

/// What the brand of an `ftyp` box says the file is.
fn brand_kind(brand: [u8; 4]) -> Option<FileKind> {
    let three_gpp = [b"3gp", b"3gg", b"3ge", b"3gs", b"3gr", b"3gt", b"3gh", b"3gm", b"3g2"];
    Some(match &brand {
        b if HEIF_BRANDS.contains(&b) => FileKind::Heif,
        b"qt  " => FileKind::QuickTime,
        b"M4A " | b"M4B " | b"M4P " => FileKind::M4a,
        [b'i', b's', b'o', b'm' | b'2'..=b'9']
        | b"mp41"
        | b"mp42"
        | b"mp71"
        | b"avc1"
        | b"mmp4"
        | b"M4V "
        | b"M4VH"
        | b"M4VP"
        | b"MSNV"
        | b"dash"
        | b"F4V "
        | b"XAVC"
        | b"cmfc" => FileKind::Mp4,
        [a, b, c, _] if three_gpp.contains(&&[*a, *b, *c]) => FileKind::ThreeGp,
        _ => return None,
    })
}

/// The kind of an ISO BMFF file from its first bytes: the major brand of `ftyp`, else the
/// first compatible brand known; a QuickTime file without `ftyp` from its first boxes.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    let four = |at: usize| head.get(at..at + 4).map(|b| [b[0], b[1], b[2], b[3]]);
    let size = u32::from_be_bytes(four(0)?) as usize;
    match &four(4)? {
        b"ftyp" => {
            let end = size.min(head.len());
            let mut brands = std::iter::once(8).chain((16..end).step_by(4)).filter(|at| at + 4 <= end);
            brands.find_map(|at| four(at).and_then(brand_kind))
        }
        // Old QuickTime files start with the movie, or with its media data after padding.
        b"moov" if four(12) == Some(*b"mvhd") => Some(FileKind::QuickTime),
        b"wide" | b"free" | b"skip" if size == 8 => {
            matches!(four(12).as_ref(), Some(b"mdat" | b"moov")).then_some(FileKind::QuickTime)
        }
        b"mdat" if !(2..8).contains(&size) => Some(FileKind::QuickTime),
        _ => None,
    }
}

/// The top-level boxes, their payloads skipped.
fn top_level(input: &mut Input<'_>) -> Result<Vec<BmffBox>, StripError> {
    let mut found = Vec::new();
    let mut count = Budget::new(FORMAT, MAX_TOP_LEVEL_BOXES, "bmff-top-level-boxes");
    while input.remaining() > 0 {
        count.spend(1)?;
        let start = input.pos();
        let (kind, end) = input.box_header()?;
        if matches!(&kind, b"moof" | b"mfra" | b"sidx" | b"ssix" | b"styp" | b"emsg" | b"prft") {
            return Err(input.malformed("fragmented files (moof, sidx, mfra) are not accepted"));
        }
        found.push(BmffBox { kind, start, payload: input.pos(), end });
        input.seek(end)?;
    }
    Ok(found)
}

/// The boxes laid out in `data[from..to]`, inside a box read whole.
fn children(data: &[u8], from: u64, to: u64, count: &mut Budget) -> Result<Vec<BmffBox>, StripError> {
    let mut found = Vec::new();
    let mut at = from;
    while at < to {
        count.spend(1)?;
        if to - at < 8 {
            return Err(malformed(FORMAT, "stray bytes after the last box"));
        }
        let kind = read_4cc(data, at + 4)?;
        let (payload, size) = match read_u32(data, at)? {
            0 => return Err(malformed(FORMAT, "a box inside another has size 0")),
            1 => (at + 16, read_u64(data, at + 8)?),
            n => (at + 8, u64::from(n)),
        };
        let end = at.checked_add(size).ok_or(malformed(FORMAT, "box runs past its parent"))?;
        if end > to {
            return Err(malformed(FORMAT, "box runs past its parent"));
        }
        if end < payload {
            return Err(malformed(FORMAT, "box smaller than its header"));
        }
        found.push(BmffBox { kind, start: at, payload, end });
        at = end;
    }
    Ok(found)
}

/// The children of a container box.
fn inside(data: &[u8], of: &BmffBox, count: &mut Budget) -> Result<Vec<BmffBox>, StripError> {
    children(data, of.payload, of.end, count)
}

fn bytes(data: &[u8], at: u64, n: u64) -> Result<&[u8], StripError> {
    usize::try_from(at)
        .ok()
        .zip(usize::try_from(at.saturating_add(n)).ok())
        .and_then(|(from, to)| data.get(from..to))
        .ok_or(malformed(FORMAT, "cut short"))
}

fn read_4cc(data: &[u8], at: u64) -> Result<[u8; 4], StripError> {
    let b = bytes(data, at, 4)?;
    Ok([b[0], b[1], b[2], b[3]])
}

fn read_u32(data: &[u8], at: u64) -> Result<u32, StripError> {
    read_4cc(data, at).map(u32::from_be_bytes)
}

fn read_u64(data: &[u8], at: u64) -> Result<u64, StripError> {
    let b = bytes(data, at, 8)?;
    Ok(u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// Overwrites `data[from..to]` with zeros, within the box `of`.
fn zero(data: &mut [u8], of: &BmffBox, from: u64, to: u64) -> Result<(), StripError> {
    if from > to || to > of.end {
        return Err(malformed(FORMAT, "a box too short for its fields"));
    }
    let range = usize::try_from(from).ok().zip(usize::try_from(to).ok());
    let target = range.and_then(|(from, to)| data.get_mut(from..to)).ok_or(malformed(FORMAT, "cut short"))?;
    target.fill(0);
    Ok(())
}

/// The box made a `free` box of the same size, its payload zeros.
fn blank(data: &mut [u8], of: &BmffBox) -> Result<(), StripError> {
    zero(data, of, of.payload, of.end)?;
    let at = usize::try_from(of.start + 4).map_err(|_| malformed(FORMAT, "cut short"))?;
    data.get_mut(at..at + 4).ok_or(malformed(FORMAT, "cut short"))?.copy_from_slice(b"free");
    Ok(())
}

/// Zeroes the creation and modification times of `mvhd`, `tkhd` or `mdhd` (a version byte,
/// three of flags, then the two times: 4 bytes each in version 0, 8 in version 1).
fn zero_times(data: &mut [u8], of: &BmffBox) -> Result<(), StripError> {
    let width = match bytes(data, of.payload, 1)? {
        [0] => 4,
        [1] => 8,
        _ => return Err(malformed(FORMAT, "unsupported version of a movie, track or media header")),
    };
    zero(data, of, of.payload + 4, of.payload + 4 + 2 * width)
}

/// The handler type of `hdlr` (after version and flags, and QuickTime's component type).
fn handler_type(data: &[u8], hdlr: &BmffBox) -> Result<[u8; 4], StripError> {
    if hdlr.end - hdlr.payload < 24 {
        return Err(malformed(FORMAT, "a handler box too short for its fields"));
    }
    read_4cc(data, hdlr.payload + 8)
}

/// Zeroes the name of `hdlr` (`handler_name`, which recorders fill with what they like).
fn blank_handler_name(data: &mut [u8], hdlr: &BmffBox) -> Result<(), StripError> {
    handler_type(data, hdlr)?;
    zero(data, hdlr, hdlr.payload + 24, hdlr.end)
}

/// The one box of a kind among `boxes`, if any.
fn only(boxes: &[BmffBox], kind: &[u8; 4]) -> Result<Option<BmffBox>, StripError> {
    let mut found = boxes.iter().filter(|b| &b.kind == kind);
    match (found.next(), found.next()) {
        (_, Some(_)) => Err(malformed(FORMAT, "a box that may appear once appears twice")),
        (first, None) => Ok(first.copied()),
    }
}

/// Where the payloads of the `mdat` boxes are, in file order; the chunks of every track must
/// lie in one of them.
struct Media(Vec<(u64, u64)>);

impl Media {
    fn holds(&self, start: u64, end: u64) -> bool {
        let i = self.0.partition_point(|(_, to)| *to < end);
        self.0.get(i).is_some_and(|&(from, to)| from <= start && end <= to)
    }
}

/// What editing `moov` finds: the byte ranges, in the file, of the samples of the removed
/// tracks.
struct Found {
    removed: Vec<(u64, u64)>,
    chunks: Budget,
    boxes: Budget,
}

/// Edits `moov` (read whole into `data`, its header included) in place: what is not on the
/// allow-list becomes zeroed `free` boxes, times are zeroed, and removed tracks' samples are
/// listed in `found`.
fn edit_moov(data: &mut [u8], moov: BmffBox, media: &Media, found: &mut Found) -> Result<(), StripError> {
    for child in inside(data, &moov, &mut found.boxes)? {
        match &child.kind {
            b"mvhd" => zero_times(data, &child)?,
            b"trak" => edit_track(data, &child, media, found)?,
            b"mvex" => return Err(malformed(FORMAT, "fragmented files (mvex) are not accepted")),
            _ => blank(data, &child)?,
        }
    }
    Ok(())
}

/// The boxes of one track that the edit needs, each level's children listed once.
struct Track {
    children: Vec<BmffBox>,
    mdia: Vec<BmffBox>,
    minf: Vec<BmffBox>,
    stbl: Vec<BmffBox>,
    handler: Option<[u8; 4]>,
}

fn track_boxes(data: &[u8], trak: &BmffBox, count: &mut Budget) -> Result<Track, StripError> {
    let children = inside(data, trak, count)?;
    let list = |of: Option<BmffBox>, count: &mut Budget| of.map_or(Ok(Vec::new()), |b| inside(data, &b, count));
    let mdia = list(only(&children, b"mdia")?, count)?;
    let minf = list(only(&mdia, b"minf")?, count)?;
    let stbl = list(only(&minf, b"stbl")?, count)?;
    let handler = only(&mdia, b"hdlr")?.map(|h| handler_type(data, &h)).transpose()?;
    Ok(Track { children, mdia, minf, stbl, handler })
}

/// A track of video or sound is kept, its headers cleaned; any other track is blanked, its
/// samples too.
fn edit_track(data: &mut [u8], trak: &BmffBox, media: &Media, found: &mut Found) -> Result<(), StripError> {
    let track = track_boxes(data, trak, &mut found.boxes)?;
    let keep = matches!(track.handler.as_ref(), Some(b"vide" | b"soun"));
    let tables = SampleTables::of(&track.stbl)?;
    if keep {
        tables.each_chunk(data, false, |offset, _| {
            media.holds(offset, offset).then_some(()).ok_or(malformed(FORMAT, "a chunk outside the media data"))
        })?;
    } else {
        let Found { removed, chunks, .. } = found;
        tables.each_chunk(data, true, |offset, length| {
            chunks.spend(1)?;
            let end = offset.checked_add(length).ok_or(malformed(FORMAT, "a chunk past the end of the file"))?;
            if !media.holds(offset, end) {
                return Err(malformed(FORMAT, "a chunk outside the media data"));
            }
            removed.push((offset, end));
            Ok(())
        })?;
        return blank(data, trak);
    }
    for child in &track.children {
        match &child.kind {
            b"tkhd" => zero_times(data, child)?,
            b"edts" | b"tapt" | b"mdia" => {}
            _ => blank(data, child)?,
        }
    }
    for child in &track.mdia {
        match &child.kind {
            b"mdhd" => zero_times(data, child)?,
            b"hdlr" => blank_handler_name(data, child)?,
            b"minf" => {}
            _ => blank(data, child)?,
        }
    }
    for child in &track.minf {
        match &child.kind {
            b"vmhd" | b"smhd" | b"stbl" => {}
            b"hdlr" => blank_handler_name(data, child)?, // QuickTime's data handler
            b"dinf" => edit_data_information(data, child, &mut found.boxes)?,
            _ => blank(data, child)?,
        }
    }
    for child in &track.stbl {
        match &child.kind {
            b"stsd" => {
                let video = track.handler.as_ref() == Some(b"vide");
                edit_sample_descriptions(data, child, video, &mut found.boxes)?;
            }
            kind if SAMPLE_TABLE.contains(&kind) => {}
            _ => blank(data, child)?,
        }
    }
    Ok(())
}

/// Zeroes what the encoder writes of itself in each sample description: the vendor (QuickTime;
/// reserved in ISO files) and, for video, the compressor name (`Lavc60 libx264`, `HEVC`).
fn edit_sample_descriptions(
    data: &mut [u8],
    stsd: &BmffBox,
    video: bool,
    count: &mut Budget,
) -> Result<(), StripError> {
    if stsd.end - stsd.payload < 8 {
        return Err(malformed(FORMAT, "a sample description box cut short"));
    }
    // Version and flags, an entry count, then the entries (read as boxes until the end).
    for entry in children(data, stsd.payload + 8, stsd.end, count)? {
        let length = entry.end - entry.payload;
        // Reserved (6), data reference (2), version and revision (4), then the vendor.
        if length >= 16 {
            zero(data, &entry, entry.payload + 12, entry.payload + 16)?;
        }
        // A visual entry: then qualities (8), sizes and resolutions (12), reserved (4), a
        // frame count (2), and 32 bytes of name.
        if video && length >= 78 {
            zero(data, &entry, entry.payload + 42, entry.payload + 74)?;
        }
    }
    Ok(())
}

/// What a sample table may hold: how samples are described, timed, sized, placed and grouped.
const SAMPLE_TABLE: [&[u8; 4]; 20] = [
    b"stsd", b"stts", b"ctts", b"cslg", b"stsc", b"stsz", b"stz2", b"stco", b"co64", b"stss", b"stsh", b"stps",
    b"sdtp", b"sbgp", b"sgpd", b"subs", b"saiz", b"saio", b"padb", b"stdp",
];

/// `dinf` keeps its `dref`, whose entries must say the media is in this file (flag 1); their
/// location strings, empty then, are zeroed.
fn edit_data_information(data: &mut [u8], dinf: &BmffBox, count: &mut Budget) -> Result<(), StripError> {
    for child in inside(data, dinf, count)? {
        if &child.kind != b"dref" {
            blank(data, &child)?;
            continue;
        }
        if child.end - child.payload < 8 {
            return Err(malformed(FORMAT, "a data reference box cut short"));
        }
        // Version and flags, an entry count, then the entries (read as boxes until the end).
        for entry in children(data, child.payload + 8, child.end, count)? {
            let flags = bytes(data, entry.payload, 4).map_err(|_| malformed(FORMAT, "a data reference cut short"))?;
            if flags.get(3).is_none_or(|f| f & 1 == 0) {
                return Err(malformed(FORMAT, "a track's media lies in another file"));
            }
            zero(data, &entry, entry.payload + 4, entry.end)?;
        }
    }
    Ok(())
}

/// The sample-table boxes that place a track's samples in the file.
struct SampleTables {
    offsets: Option<BmffBox>,
    samples_per_chunk: Option<BmffBox>,
    sizes: Option<BmffBox>,
}

/// A table of a full box: where its entries start, and how many it declares, once checked
/// to fit in the box (`width` bytes each; the count after `header` bytes of the payload,
/// version and flags included).
fn table(data: &[u8], of: &BmffBox, header: u64, width: u64) -> Result<(u64, u64), StripError> {
    let count = u64::from(read_u32(data, of.payload + header)?);
    let first = of.payload + header + 4;
    if count.saturating_mul(width) > of.end.saturating_sub(first) {
        return Err(malformed(FORMAT, "a sample table declares more entries than it holds"));
    }
    Ok((first, count))
}

impl SampleTables {
    fn of(stbl: &[BmffBox]) -> Result<Self, StripError> {
        let (stco, co64) = (only(stbl, b"stco")?, only(stbl, b"co64")?);
        let (stsz, stz2) = (only(stbl, b"stsz")?, only(stbl, b"stz2")?);
        if (stco.is_some() && co64.is_some()) || (stsz.is_some() && stz2.is_some()) {
            return Err(malformed(FORMAT, "two tables of chunk offsets or of sample sizes"));
        }
        Ok(SampleTables { offsets: stco.or(co64), samples_per_chunk: only(stbl, b"stsc")?, sizes: stsz.or(stz2) })
    }

    /// Calls `each` with the file offset of every chunk, and with its length in bytes when
    /// `lengths` is asked for (else 0).
    fn each_chunk(
        &self,
        data: &[u8],
        lengths: bool,
        mut each: impl FnMut(u64, u64) -> Result<(), StripError>,
    ) -> Result<(), StripError> {
        let Some(offsets) = self.offsets else { return Ok(()) };
        let wide = &offsets.kind == b"co64";
        let (first, count) = table(data, &offsets, 4, if wide { 8 } else { 4 })?;
        let mut sizes = if lengths {
            let stsc = self.samples_per_chunk.ok_or(malformed(FORMAT, "chunks without a sample-to-chunk table"))?;
            let sizes = self.sizes.ok_or(malformed(FORMAT, "chunks without a sample-size table"))?;
            Some((ChunkSamples::new(data, &stsc)?, SampleSizes::new(data, &sizes)?))
        } else {
            None
        };
        for chunk in 0..count {
            let offset =
                if wide { read_u64(data, first + chunk * 8)? } else { u64::from(read_u32(data, first + chunk * 4)?) };
            let length = match &mut sizes {
                Some((per_chunk, sizes)) => sizes.next(data, per_chunk.samples_in(data, chunk + 1)?)?,
                None => 0,
            };
            each(offset, length)?;
        }
        Ok(())
    }
}

/// Samples per chunk, from `stsc`: runs of chunks (first chunk, numbered from 1; samples in
/// each; description index).
struct ChunkSamples {
    first: u64,
    count: u64,
    /// The run the last chunk asked for was in.
    run: u64,
}

impl ChunkSamples {
    fn new(data: &[u8], stsc: &BmffBox) -> Result<Self, StripError> {
        let (first, count) = table(data, stsc, 4, 12)?;
        if count == 0 {
            return Err(malformed(FORMAT, "chunks without a sample-to-chunk table"));
        }
        Ok(ChunkSamples { first, count, run: 0 })
    }

    /// The samples in `chunk`; chunks are asked for in order.
    fn samples_in(&mut self, data: &[u8], chunk: u64) -> Result<u64, StripError> {
        let first_chunk = |run: u64| read_u32(data, self.first + run * 12).map(u64::from);
        if self.run == 0 && first_chunk(0)? != 1 {
            return Err(malformed(FORMAT, "the sample-to-chunk table does not start at chunk 1"));
        }
        while self.run + 1 < self.count && first_chunk(self.run + 1)? <= chunk {
            if first_chunk(self.run + 1)? <= first_chunk(self.run)? {
                return Err(malformed(FORMAT, "the sample-to-chunk table is out of order"));
            }
            self.run += 1;
        }
        Ok(u64::from(read_u32(data, self.first + self.run * 12 + 4)?))
    }
}

/// Sample sizes, from `stsz` (one size for all, or 4 bytes each) or `stz2` (4, 8 or 16 bits
/// each), read in order.
struct SampleSizes {
    constant: u64,
    first: u64,
    count: u64,
    bits: u64,
    next: u64,
}

impl SampleSizes {
    fn new(data: &[u8], of: &BmffBox) -> Result<Self, StripError> {
        if &of.kind == b"stsz" {
            let constant = u64::from(read_u32(data, of.payload + 4)?);
            let width = if constant == 0 { 4 } else { 0 };
            let (first, count) = table(data, of, 8, width)?;
            return Ok(SampleSizes { constant, first, count, bits: 32, next: 0 });
        }
        let bits = u64::from(bytes(data, of.payload + 7, 1)?.first().copied().unwrap_or(0));
        if !matches!(bits, 4 | 8 | 16) {
            return Err(malformed(FORMAT, "unsupported field size in stz2"));
        }
        let (first, count) = table(data, of, 8, 0)?;
        if count.saturating_mul(bits).div_ceil(8) > of.end - first {
            return Err(malformed(FORMAT, "a sample table declares more entries than it holds"));
        }
        Ok(SampleSizes { constant: 0, first, count, bits, next: 0 })
    }

    /// The bytes of the next `samples` samples together.
    fn next(&mut self, data: &[u8], samples: u64) -> Result<u64, StripError> {
        let end = self.next.checked_add(samples).filter(|end| *end <= self.count);
        let end = end.ok_or(malformed(FORMAT, "chunks hold more samples than the sample sizes list"))?;
        let total = if self.constant > 0 {
            self.constant.checked_mul(samples).ok_or(malformed(FORMAT, "a chunk past the end of the file"))?
        } else {
            let mut total = 0u64;
            for sample in self.next..end {
                let bit = sample * self.bits;
                let at = self.first + bit / 8;
                let size = match (self.bits, bytes(data, at, self.bits.div_ceil(8))?) {
                    (32, &[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
                    (16, &[a, b]) => u32::from(u16::from_be_bytes([a, b])),
                    (8, &[a]) => u32::from(a),
                    (_, &[a]) => u32::from(a >> (4 - bit % 8) & 0x0F), // high nibble first
                    _ => return Err(malformed(FORMAT, "cut short")),
                };
                total += u64::from(size);
            }
            total
        };
        self.next = end;
        Ok(total)
    }
}

/// A run of the output that differs from the input: given bytes, or zeros.
#[derive(Debug)]
struct Patch {
    start: u64,
    end: u64,
    bytes: Option<Vec<u8>>,
}

/// The patches of the second pass, sorted and disjoint.
fn plan(input: &mut Input<'_>) -> Result<Vec<Patch>, StripError> {
    let top = top_level(input)?;
    let moov = only(&top, b"moov")?.ok_or(input.malformed("no moov box"))?;
    let media = Media(top.iter().filter(|b| &b.kind == b"mdat").map(|b| (b.payload, b.end)).collect());
    let length = moov.end - moov.start;
    Budget::new(FORMAT, MAX_MOOV_BYTES, "bmff-bytes-moov-box").spend(length)?;
    input.seek(moov.start)?;
    let mut data = input.take(length, "box runs past the end of the file")?;
    let mut found = Found {
        removed: Vec::new(),
        chunks: Budget::new(FORMAT, MAX_REMOVED_CHUNKS, "bmff-removed-chunks"),
        boxes: Budget::new(FORMAT, MAX_MOOV_BOXES, "bmff-moov-boxes"),
    };
    let in_memory = BmffBox { kind: moov.kind, start: 0, payload: moov.payload - moov.start, end: length };
    edit_moov(&mut data, in_memory, &media, &mut found)?;
    let mut removed = found.removed;
    removed.sort_unstable();
    let mut patches: Vec<Patch> = Vec::new();
    for b in &top {
        match &b.kind {
            b"ftyp" => {}
            b"moov" => patches.push(Patch { start: b.start, end: b.end, bytes: Some(std::mem::take(&mut data)) }),
            b"mdat" => {
                // Each range lies in one mdat (checked as it was found): those starting in this one.
                let here = removed.partition_point(|r| r.0 < b.payload)..removed.partition_point(|r| r.0 < b.end);
                for &(from, to) in removed.get(here).unwrap_or_default().iter().filter(|(from, to)| from < to) {
                    match patches.last_mut() {
                        Some(last) if last.bytes.is_none() && last.end >= from => last.end = last.end.max(to),
                        _ => patches.push(Patch { start: from, end: to, bytes: None }),
                    }
                }
            }
            _ => {
                patches.push(Patch { start: b.start + 4, end: b.start + 8, bytes: Some(b"free".to_vec()) });
                patches.push(Patch { start: b.payload, end: b.end, bytes: None });
            }
        }
    }
    Ok(patches)
}

pub(super) fn clean(source: &mut dyn Source, out: &mut dyn std::io::Write) -> Result<u64, StripError> {
    let mut input = Input::new(source, FORMAT)?;
    let patches = plan(&mut input)?;
    input.seek(0)?;
    let mut output = Output::to(out);
    let zeros = vec![0; BUFFER];
    for patch in &patches {
        input.copy(patch.start - input.pos(), &mut output, "cut short")?;
        match &patch.bytes {
            Some(bytes) => output.write(bytes)?,
            None => {
                let mut left = patch.end - patch.start;
                while left > 0 {
                    let n = usize::try_from(left).unwrap_or(BUFFER).min(BUFFER);
                    output.write(zeros.get(..n).unwrap_or_default())?;
                    left -= n as u64;
                }
            }
        }
        input.skip(patch.end - patch.start, "cut short")?;
    }
    input.copy(input.remaining(), &mut output, "cut short")?;
    Ok(output.written())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evidence::outside::{canaries_left, exiftool, ffmpeg_errors, stream_types};
    use crate::evidence::tests::{Piece, Pieces, clean_metered, is_malformed, is_too_complex};

    /// The recordings `tests/fixtures/evidence/video.sh` makes, and what each hides.
    /// Where and when a phone filmed, as the Android and iPhone fixtures carry it.
    const PLACE_AND_TIME: [&str; 5] = ["+29.5630+106.5516", "29.56", "106.55", "2024:05:06", "2024-05-06"];

    /// A fixture's canaries: its own, and the place and time of filming for the phones' two.
    fn canaries_of(name: &str, own: &[&'static str]) -> Vec<&'static str> {
        let phone = matches!(name, "android.mp4" | "iphone.mov");
        own.iter().copied().chain(PLACE_AND_TIME.into_iter().filter(|_| phone)).collect()
    }

    const FIXTURES: [(&str, FileKind, &[u8], &[&str]); 5] = [
        (
            "android.mp4",
            FileKind::Mp4,
            include_bytes!("../../tests/fixtures/evidence/android.mp4"),
            &["CANARY-MAKE", "CANARY-MODEL", "CANARY-ANDROID-13", "CANARY-HANDLER", "CANARY-SUBTITLE", "Lavf"],
        ),
        (
            "iphone.mov",
            FileKind::QuickTime,
            include_bytes!("../../tests/fixtures/evidence/iphone.mov"),
            &[
                "CANARY-MAKE",
                "CANARY-MODEL",
                "CANARY-SOFTWARE",
                "CANARY-HANDLER",
                "CANARY-SUBTITLE",
                "com.apple.quicktime",
            ],
        ),
        (
            "call.m4a",
            FileKind::M4a,
            include_bytes!("../../tests/fixtures/evidence/call.m4a"),
            &[
                "张三",
                "Zhang San",
                "CANARY-COMMENT",
                "CANARY-SOFTWARE",
                "CANARY-HANDLER",
                "29.56",
                "106.55",
                "2024:05:06",
            ],
        ),
        (
            "clip.3gp",
            FileKind::ThreeGp,
            include_bytes!("../../tests/fixtures/evidence/clip.3gp"),
            &["CANARY-TITLE", "CANARY-AUTHOR", "CANARY-HANDLER", "2024:05:06"],
        ),
        (
            "clip.3g2",
            FileKind::ThreeGp,
            include_bytes!("../../tests/fixtures/evidence/clip.3g2"),
            &["CANARY-TITLE", "CANARY-AUTHOR", "CANARY-HANDLER", "2024:05:06"],
        ),
    ];

    fn extension(name: &str) -> &str {
        name.rsplit('.').next().unwrap()
    }

    fn clean_bmff(file: &[u8]) -> Result<Vec<u8>, StripError> {
        clean_metered(FileKind::Mp4, file)
    }

    #[test]
    fn the_fixtures_do_carry_metadata() {
        for (name, kind, file, own) in FIXTURES {
            let canaries = &canaries_of(name, own)[..];
            assert_eq!(FileKind::sniff(file), Some(kind), "{name}");
            assert_eq!(canaries_left(file, extension(name), canaries), canaries, "{name}: a fixture hides these");
            assert!(ffmpeg_errors(file, extension(name)).is_empty(), "{name}");
        }
    }

    #[test]
    fn cleaned_recordings_keep_their_pictures_and_sound_and_nothing_else() {
        for (name, kind, file, own) in FIXTURES {
            let canaries = &canaries_of(name, own)[..];
            let ext = extension(name);
            let cleaned = clean_metered(kind, file).unwrap();
            assert_eq!(cleaned.len(), file.len(), "{name}: the length is kept");
            assert_eq!(canaries_left(&cleaned, ext, canaries), Vec::<&str>::new(), "{name}");
            assert_eq!(ffmpeg_errors(&cleaned, ext), "", "{name}");
            let before = stream_types(file, ext);
            let after = stream_types(&cleaned, ext);
            let kept: Vec<String> = before.into_iter().filter(|t| t == "video" || t == "audio").collect();
            assert_eq!(after, kept, "{name}: video and sound stay, nothing else");
            assert_eq!(clean_metered(kind, &cleaned).unwrap(), cleaned, "{name}: cleaning again changes nothing");
            let tags = exiftool(&cleaned, ext);
            assert!(!tags.contains("Lavc") && !tags.contains("FFmpeg"), "{name}: the encoder's name is blanked");
            let dates: Vec<&str> = tags.lines().filter(|l| l.contains("Date") && !l.starts_with("[System]")).collect();
            assert!(dates.iter().any(|l| l.contains("CreateDate")), "{name}: {tags}");
            for line in dates {
                assert!(line.ends_with("0000:00:00 00:00:00"), "{name}: {line}");
            }
        }
    }

    #[test]
    fn the_movie_may_come_before_or_after_its_media_data() {
        let order = |file: &[u8]| -> Vec<[u8; 4]> {
            let mut source = std::io::Cursor::new(file);
            let mut input = Input::new(&mut source, FORMAT).unwrap();
            top_level(&mut input).unwrap().iter().map(|b| b.kind).filter(|k| k == b"moov" || k == b"mdat").collect()
        };
        assert_eq!(order(FIXTURES[1].2), [*b"moov", *b"mdat"], "iphone.mov is moov first");
        assert_eq!(order(FIXTURES[3].2), [*b"mdat", *b"moov"], "clip.3gp is moov last");
        for file in [FIXTURES[1].2, FIXTURES[3].2] {
            let cleaned = clean_bmff(file).unwrap();
            assert_eq!(order(&cleaned), order(file));
        }
    }

    #[test]
    fn every_cut_short_recording_is_refused_as_malformed() {
        for (name, kind, file, _) in FIXTURES {
            let step = (file.len() / 300).max(1);
            // Every box boundary near the ends, and a few hundred cuts spread between.
            let cuts = (0..64).chain((64..file.len()).step_by(step)).chain(file.len() - 64..file.len());
            for cut in cuts {
                let result = clean_metered(kind, &file[..cut]);
                assert!(is_malformed(&result), "{name} cut at {cut}: {result:?}");
            }
        }
    }

    #[test]
    fn a_refused_recording_writes_nothing() {
        let file = &FIXTURES[0].2[..FIXTURES[0].2.len() - 1];
        let mut out = Vec::new();
        assert!(crate::evidence::clean(FileKind::Mp4, &mut std::io::Cursor::new(file), &mut out).is_err());
        assert!(out.is_empty());
    }

    fn head(box_type: &[u8; 4], brands: &[&[u8; 4]]) -> Vec<u8> {
        let body: Vec<u8> = brands.iter().flat_map(|b| b.iter().copied()).collect();
        let mut ftyp = bx(box_type, &[&body[..4], &[0, 0, 2, 0], &body[4..]].concat());
        ftyp.extend(bx(b"mdat", b""));
        ftyp
    }

    #[test]
    fn sniffs_every_brand_of_the_family() {
        for (brand, kind) in [
            (b"3gp4", FileKind::ThreeGp),
            (b"3gp9", FileKind::ThreeGp),
            (b"3gg6", FileKind::ThreeGp),
            (b"3ge7", FileKind::ThreeGp),
            (b"3gs7", FileKind::ThreeGp),
            (b"3gr6", FileKind::ThreeGp),
            (b"3gt8", FileKind::ThreeGp),
            (b"3g2a", FileKind::ThreeGp),
            (b"3g2c", FileKind::ThreeGp),
            (b"isom", FileKind::Mp4),
            (b"iso2", FileKind::Mp4),
            (b"iso9", FileKind::Mp4),
            (b"mp41", FileKind::Mp4),
            (b"mp42", FileKind::Mp4),
            (b"avc1", FileKind::Mp4),
            (b"mmp4", FileKind::Mp4),
            (b"M4V ", FileKind::Mp4),
            (b"MSNV", FileKind::Mp4),
            (b"dash", FileKind::Mp4),
            (b"qt  ", FileKind::QuickTime),
            (b"M4A ", FileKind::M4a),
            (b"M4B ", FileKind::M4a),
            (b"heic", FileKind::Heif),
            (b"heix", FileKind::Heif),
            (b"mif1", FileKind::Heif),
            (b"msf1", FileKind::Heif),
            (b"avif", FileKind::Heif),
        ] {
            assert_eq!(FileKind::sniff(&head(b"ftyp", &[brand])), Some(kind), "{}", String::from_utf8_lossy(brand));
        }
        // An unknown major brand: the first known compatible one decides.
        assert_eq!(FileKind::sniff(&head(b"ftyp", &[b"xxxx", b"yyyy", b"3gp5"])), Some(FileKind::ThreeGp));
        assert_eq!(FileKind::sniff(&head(b"ftyp", &[b"xxxx", b"mif1", b"isom"])), Some(FileKind::Heif));
        assert_eq!(sniff(&head(b"ftyp", &[b"xxxx", b"yyyy"])), None);
        // QuickTime without ftyp.
        assert_eq!(FileKind::sniff(&[&bx(b"wide", b"")[..], &bx(b"mdat", b"..")].concat()), Some(FileKind::QuickTime));
        assert_eq!(FileKind::sniff(&bx(b"moov", &bx(b"mvhd", &[0; 100]))), Some(FileKind::QuickTime));
        assert_eq!(sniff(&bx(b"free", b"not a movie")), None);
        assert_eq!(sniff(&bx(b"moov", b"not a movie")), None);
    }

    #[test]
    fn sniffs_what_ffmpeg_writes_as_3gp_and_3g2() {
        for (name, kind, file, _) in FIXTURES {
            assert_eq!(FileKind::sniff(&file[..FileKind::SNIFF_BYTES]), Some(kind), "{name}");
        }
        assert_eq!(&FIXTURES[3].2[8..11], b"3gp");
        assert_eq!(&FIXTURES[4].2[8..11], b"3g2");
        let photo = include_bytes!("../../tests/fixtures/photo.heic");
        assert_eq!(
            FileKind::sniff(&photo[..photo.len().min(FileKind::SNIFF_BYTES)]),
            Some(FileKind::Heif),
            "HEIF stays HEIF"
        );
    }

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&u32::try_from(body.len() + 8).unwrap().to_be_bytes()[..], kind, body].concat()
    }

    fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        bx(kind, &[&[version, 0, 0, 0][..], body].concat())
    }

    fn u32s(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    /// A track made to order: its handler and its chunks (offset in the media data, sample
    /// sizes); `stsc`, `stsz` and `stco` may be replaced whole.
    #[derive(Clone)]
    struct Track {
        handler: [u8; 4],
        chunks: Vec<(u32, Vec<u32>)>,
        stsc: Option<Vec<u8>>,
        stsz: Option<Vec<u8>>,
        stco: Option<Vec<u8>>,
    }

    impl Track {
        fn new(handler: &[u8; 4], chunks: &[(u32, &[u32])]) -> Self {
            let chunks = chunks.iter().map(|(at, sizes)| (*at, sizes.to_vec())).collect();
            Track { handler: *handler, chunks, stsc: None, stsz: None, stco: None }
        }

        fn trak(&self, media: u32) -> Vec<u8> {
            let name = b"CANARY-HANDLER\0";
            let hdlr = full(b"hdlr", 0, &[&[0; 4][..], &self.handler, &[0; 12], name].concat());
            let stsc: Vec<u32> =
                self.chunks.iter().enumerate().flat_map(|(i, c)| [i as u32 + 1, c.1.len() as u32, 1]).collect();
            let sizes: Vec<u32> = self.chunks.iter().flat_map(|c| c.1.iter().copied()).collect();
            let offsets: Vec<u32> = self.chunks.iter().map(|c| media + c.0).collect();
            let stsc = self.stsc.clone().unwrap_or(full(
                b"stsc",
                0,
                &u32s(&[&[self.chunks.len() as u32][..], &stsc].concat()),
            ));
            let stsz =
                self.stsz.clone().unwrap_or(full(b"stsz", 0, &u32s(&[&[0, sizes.len() as u32][..], &sizes].concat())));
            let stco =
                self.stco.clone().unwrap_or(full(b"stco", 0, &u32s(&[&[offsets.len() as u32][..], &offsets].concat())));
            let stbl = bx(b"stbl", &[full(b"stsd", 0, &[0; 4]), full(b"stts", 0, &[0; 4]), stsc, stsz, stco].concat());
            // One entry, `url ` with flag 1: the media is in this file.
            let dref = full(b"dref", 0, &[&u32s(&[1])[..], &bx(b"url ", &[0, 0, 0, 1])].concat());
            let minf = bx(b"minf", &[full(b"vmhd", 0, &[0; 8]), bx(b"dinf", &dref), stbl].concat());
            let mdhd = full(b"mdhd", 0, &[&u32s(&[0x7F00_0001, 0x7F00_0002, 1000, 1000])[..], &[0; 4]].concat());
            let mdia = bx(b"mdia", &[mdhd, hdlr, minf].concat());
            let tkhd = full(b"tkhd", 0, &[&u32s(&[0x7F00_0001, 0x7F00_0002])[..], &[0; 72]].concat());
            // Per-track tags, as iPhones write them (mdta keys in the track's own meta).
            let meta = full(b"meta", 0, &bx(b"keys", b"com.apple.quicktime.model CANARY-MODEL"));
            bx(b"trak", &[tkhd, mdia, bx(b"udta", b"CANARY-MAKE"), meta].concat())
        }
    }

    const FTYP: &[u8] = b"\0\0\0\x14ftypisom\0\0\x02\0isom";

    /// A movie made to order: `ftyp`, `moov` (`mvhd`, its tracks, `udta`) and `mdat`, in
    /// either order; `mdat` is followed by `mdat_run` bytes of 0x77, never held.
    #[derive(Clone)]
    struct Movie {
        tracks: Vec<Track>,
        extra: Vec<u8>,
        mdat: Vec<u8>,
        mdat_run: u64,
        moov_last: bool,
    }

    impl Movie {
        fn new(mdat: Vec<u8>, tracks: Vec<Track>) -> Self {
            Movie { tracks, extra: Vec::new(), mdat, mdat_run: 0, moov_last: false }
        }

        fn moov(&self, media: u32) -> Vec<u8> {
            let mvhd = full(b"mvhd", 1, &[&[0x7F; 16][..], &[0; 88]].concat());
            let traks: Vec<u8> = self.tracks.iter().flat_map(|t| t.trak(media)).collect();
            let udta = bx(b"udta", &bx(b"\xA9xyz", b"+29.5630+106.5516/"));
            bx(b"moov", &[mvhd, traks, self.extra.clone(), udta].concat())
        }

        /// Where `mdat`'s payload starts.
        fn media(&self) -> u32 {
            let moov = if self.moov_last { 0 } else { self.moov(0).len() };
            (FTYP.len() + moov + 16) as u32
        }

        fn pieces(&self) -> Vec<Piece> {
            let media = self.media();
            let length = 16 + self.mdat.len() as u64 + self.mdat_run;
            let mdat = [&[0, 0, 0, 1][..], b"mdat", &length.to_be_bytes(), &self.mdat].concat();
            let moov = self.moov(media);
            let (first, last) = if self.moov_last { (mdat, moov) } else { (moov, mdat) };
            let mut pieces = vec![Piece::Bytes([FTYP, &first].concat())];
            if self.moov_last {
                pieces.extend([Piece::Run(self.mdat_run, 0x77), Piece::Bytes(last)]);
            } else {
                pieces.extend([Piece::Bytes(last), Piece::Run(self.mdat_run, 0x77)]);
            }
            pieces
        }

        fn bytes(&self) -> Vec<u8> {
            assert_eq!(self.mdat_run, 0);
            self.pieces()
                .into_iter()
                .flat_map(|p| match p {
                    Piece::Bytes(b) => b,
                    Piece::Run(..) => Vec::new(),
                })
                .collect()
        }
    }

    /// Media data with a canary every 16 bytes.
    fn media(len: usize) -> Vec<u8> {
        b"GPS-CANARY-7f3a ".iter().copied().cycle().take(len).collect()
    }

    /// Video in the first 1000 bytes of mdat, a GPS track's samples in the next 600.
    fn movie() -> Movie {
        let video = Track::new(b"vide", &[(0, &[300, 200]), (500, &[500])]);
        let gps = Track::new(b"meta", &[(1000, &[100, 100]), (1200, &[400])]);
        Movie::new(media(2000), vec![video, gps])
    }

    #[test]
    fn blanks_the_samples_of_other_tracks_and_keeps_the_rest() {
        for moov_last in [false, true] {
            let mut movie = movie();
            movie.moov_last = moov_last;
            let file = movie.bytes();
            let cleaned = clean_bmff(&file).unwrap();
            assert_eq!(cleaned.len(), file.len());
            let at = movie.media() as usize;
            assert_eq!(&cleaned[at..at + 1000], &file[at..at + 1000], "the video samples are kept");
            assert!(cleaned[at + 1000..at + 1600].iter().all(|b| *b == 0), "the GPS samples are zeros");
            assert_eq!(&cleaned[at + 1600..at + 2000], &file[at + 1600..at + 2000]);
            for canary in
                [&b"CANARY-HANDLER"[..], b"CANARY-MAKE", b"CANARY-MODEL", b"+29.5630", &[0x7F, 0, 0, 1], &[0x7F; 4]]
            {
                let outside_media = [&cleaned[..at], &cleaned[at + 2000..]].concat();
                assert!(!outside_media.windows(canary.len()).any(|w| w == canary), "{canary:?}");
            }
            assert_eq!(clean_bmff(&cleaned).unwrap(), cleaned);
        }
    }

    #[test]
    fn reads_every_kind_of_sample_table() {
        // The GPS track as one chunk of 600 bytes: sizes as one for all, then in stz2 fields
        // of 16, 8 and 4 bits.
        let stz2 = |bits: u8, count: u32, entries: &[u8]| {
            full(b"stz2", 0, &[&[0, 0, 0, bits][..], &u32s(&[count]), entries].concat())
        };
        for (samples, stsz) in [
            (3, full(b"stsz", 0, &u32s(&[200, 3]))),
            (3, stz2(16, 3, &[0, 200, 0, 200, 0, 200])),
            (6, stz2(8, 6, &[100; 6])),
            (40, stz2(4, 40, &[0xFF; 20])),
        ] {
            let mut movie = movie();
            let gps = &mut movie.tracks[1];
            gps.chunks = vec![(1000, vec![])];
            gps.stsc = Some(full(b"stsc", 0, &u32s(&[1, 1, samples, 1])));
            gps.stsz = Some(stsz);
            let file = movie.bytes();
            let cleaned = clean_bmff(&file).unwrap();
            let at = movie.media() as usize;
            assert!(cleaned[at + 1000..at + 1600].iter().all(|b| *b == 0), "{samples}");
            assert_eq!(&cleaned[at + 1600..], &file[at + 1600..], "{samples}");
            assert_eq!(&cleaned[at..at + 1000], &file[at..at + 1000], "{samples}");
        }
    }

    /// The GPS track of [`movie`] with its tables replaced.
    fn with_gps(stsc: Option<Vec<u8>>, stsz: Option<Vec<u8>>, stco: Option<Vec<u8>>) -> Movie {
        let mut movie = movie();
        let gps = &mut movie.tracks[1];
        (gps.stsc, gps.stsz, gps.stco) = (stsc, stsz, stco);
        movie
    }

    /// Boxes nested `depth` deep, each a `kind` holding the next.
    fn nested(kind: &[u8; 4], depth: usize) -> Vec<u8> {
        (0..depth).fold(Vec::new(), |inner, _| bx(kind, &inner))
    }

    pub fn worst_cases() -> Vec<(&'static str, Vec<u8>)> {
        let hundred_million = 100_000_000;
        let one_chunk = Some(full(b"stsc", 0, &u32s(&[1, 1, hundred_million, 1])));
        let mut zero_in_moov = movie();
        zero_in_moov.extra = b"\0\0\0\0free".to_vec();
        let mut large_in_moov = movie();
        large_in_moov.extra = [&[0, 0, 0, 1][..], b"free", &u64::MAX.to_be_bytes()].concat();
        let mut nested_tracks = movie();
        nested_tracks.tracks[0].handler = *b"vide";
        nested_tracks.extra = nested(b"trak", 2000);
        let mut moov_last = movie();
        moov_last.moov_last = true;
        let large_past_the_end = [&movie().bytes()[..], &[0, 0, 0, 1], b"free", &(1u64 << 40).to_be_bytes()].concat();
        let fragmented = [&movie().bytes()[..], &bx(b"moof", &full(b"mfhd", 0, &[0; 4]))].concat();
        vec![
            ("bmff-moov-first", movie().bytes()),
            ("bmff-moov-last", moov_last.bytes()),
            (
                "bmff-100-million-sample-sizes",
                with_gps(None, Some(full(b"stsz", 0, &u32s(&[0, hundred_million]))), None).bytes(),
            ),
            (
                "bmff-100-million-chunks",
                with_gps(None, None, Some(full(b"stco", 0, &u32s(&[hundred_million, 0])))).bytes(),
            ),
            (
                "bmff-100-million-samples-of-one-size",
                with_gps(
                    one_chunk.clone(),
                    Some(full(b"stsz", 0, &u32s(&[1, hundred_million]))),
                    Some(full(b"stco", 0, &u32s(&[1, 0]))),
                )
                .bytes(),
            ),
            ("bmff-100-million-samples-in-a-chunk", with_gps(one_chunk, None, None).bytes()),
            ("bmff-size-0-inside-moov", zero_in_moov.bytes()),
            ("bmff-large-size-inside-moov", large_in_moov.bytes()),
            ("bmff-large-size-past-the-end", large_past_the_end),
            ("bmff-2000-nested-tracks", nested_tracks.bytes()),
            ("bmff-fragmented", fragmented),
        ]
    }

    #[test]
    fn refuses_the_worst_cases_fast_or_cleans_them() {
        for (name, file) in worst_cases() {
            let started = std::time::Instant::now();
            let result = clean_bmff(&file);
            assert!(started.elapsed() < std::time::Duration::from_secs(2), "{name} took {:?}", started.elapsed());
            match name {
                "bmff-moov-first" | "bmff-moov-last" | "bmff-2000-nested-tracks" => {
                    let cleaned = result.unwrap();
                    assert_eq!(clean_bmff(&cleaned).unwrap(), cleaned, "{name}");
                }
                _ => assert!(is_malformed(&result), "{name}: {result:?}"),
            }
        }
    }

    #[test]
    fn refuses_more_than_real_files_have() {
        let mut boxes = movie();
        boxes.extra = bx(b"free", b"").repeat(MAX_MOOV_BOXES as usize);
        let mut chunks = movie();
        let many = MAX_REMOVED_CHUNKS as u32 + 1;
        chunks.tracks[1].stsc = Some(full(b"stsc", 0, &u32s(&[1, 1, 0, 1])));
        chunks.tracks[1].stco = Some(full(b"stco", 0, &u32s(&[&[many][..], &vec![0; many as usize]].concat())));
        chunks.moov_last = true; // so that offset 0 of mdat's payload is where mdat's payload starts
        let top = [&movie().bytes()[..], &bx(b"free", b"").repeat(MAX_TOP_LEVEL_BOXES as usize)].concat();
        for (file, cap) in [(boxes.bytes(), MAX_MOOV_BOXES), (top, MAX_TOP_LEVEL_BOXES)] {
            let result = clean_bmff(&file);
            assert!(is_too_complex(&result, cap), "{cap}: {result:?}");
        }
        // Chunk offsets of 0 point at ftyp: fix them to mdat's payload, past the cap.
        let media = chunks.media();
        chunks.tracks[1].stco = Some(full(b"stco", 0, &u32s(&[&[many][..], &vec![media; many as usize]].concat())));
        let result = clean_bmff(&chunks.bytes());
        assert!(is_too_complex(&result, MAX_REMOVED_CHUNKS), "{result:?}");
        // A moov past its cap is refused before it is read.
        let moov = MAX_MOOV_BYTES + 1;
        let file = Pieces::new(vec![
            Piece::Bytes([FTYP, &u32::try_from(moov).unwrap().to_be_bytes(), b"moov"].concat()),
            Piece::Run(moov - 8, 0),
        ]);
        let mut input = crate::evidence::metered::Metered::new(file);
        let result = crate::evidence::clean(FileKind::Mp4, &mut input, &mut Vec::new()).map(|_| Vec::new());
        assert!(is_too_complex(&result, MAX_MOOV_BYTES), "{result:?}");
        assert!(input.read < 1 << 20, "{}", input.read);
    }

    #[test]
    fn refuses_media_in_another_file_and_chunks_outside_the_media_data() {
        let file = movie().bytes();
        let url = file.windows(4).position(|w| w == b"url ").unwrap();
        let mut elsewhere = file.clone();
        elsewhere[url + 7] = 0;
        let mut outside = movie();
        outside.tracks[0].chunks[0].0 = 1990; // 300 bytes from 1990: past mdat's end
        let mut gps_outside = movie();
        gps_outside.tracks[1].chunks[1].0 = 1700;
        for (why, bad) in
            [("data elsewhere", elsewhere), ("video outside", outside.bytes()), ("gps outside", gps_outside.bytes())]
        {
            let result = clean_bmff(&bad);
            if why == "video outside" {
                // Only a kept chunk's start is checked: it is in mdat.
                assert!(result.is_ok(), "{why}: {result:?}");
            } else {
                assert!(is_malformed(&result), "{why}: {result:?}");
            }
        }
    }

    /// Where a cleaned file goes when it must not be held: it counts, and keeps the bytes of
    /// one window of offsets.
    struct Window {
        written: u64,
        window: std::ops::Range<u64>,
        seen: Vec<u8>,
    }

    impl std::io::Write for Window {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (from, to) = (self.written, self.written + buf.len() as u64);
            let (start, end) = (from.max(self.window.start), to.min(self.window.end));
            if start < end {
                self.seen.extend_from_slice(&buf[(start - from) as usize..(end - from) as usize]);
            }
            self.written = to;
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn streams_a_2_gib_mdat_with_moov_after_it() {
        let mut movie = movie();
        (movie.moov_last, movie.mdat_run) = (true, 2 << 30);
        let media = u64::from(movie.media());
        let file = Pieces::new(movie.pieces());
        let len = file.len();
        let mut input = crate::evidence::metered::Metered::new(file);
        let mut out = Window { written: 0, window: media..media + 2000, seen: Vec::new() };
        assert_eq!(crate::evidence::clean(FileKind::Mp4, &mut input, &mut out).unwrap(), len);
        assert_eq!(out.written, len, "the length is kept");
        let mut expected = movie.mdat.clone();
        expected[1000..1600].fill(0);
        assert!(out.seen == expected, "the GPS samples are blanked and nothing else");
        assert!(input.largest_read <= 1 << 20, "{}", input.largest_read);
        assert!(input.read <= len + (1 << 20), "{} of {len}", input.read);
    }
}
