//! Evidence uploads. The first bytes say what the file is. Every file is spooled to disk as it
//! arrives, sealed to a key that lives only in memory, then read back with seeking and cleaned
//! on the file pool (`work::Files`) straight into its sealed blob, with the original sealed
//! beside it when the reporter keeps it. Memory stays flat whatever the file's size (a PDF,
//! read whole, within its caps), only ciphertext ever touches the disk, and a refused upload
//! leaves nothing behind.

use std::io::{BufReader, Seek};
use std::path::{Path, PathBuf};

use futures_util::AsyncWriteExt;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use super::ServiceError;
use super::work::{self, Work};
use crate::crypto::{Key, PublicKey, Spool, Tip};
use crate::domain::Id;
use crate::domain::tip::Cleaning;
use crate::evidence::{FileKind, StripError, WholeFileCaps, clean_within};
use crate::store::attachments::{self, NewAttachment};
use crate::store::blobs::{BlobSlot, BlobStore, BlobWriter};
use crate::store::messages::Author;
use crate::store::tips::TipRow;
use crate::store::{Store, StoreError};

/// How a compound file (OLE) begins: legacy DOC, XLS and PPT.
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Longest file name kept (in characters).
const MAX_NAME: usize = 200;

#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_file: u64,
    pub max_tip: u64,
    pub max_files: u32,
    /// The caps on the files cleaned whole.
    pub documents: WholeFileCaps,
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("this kind of file is not accepted")]
    Unsupported,
    /// A Word, Excel or PowerPoint file in the binary format of before 2007 (OLE), whose
    /// property sets are not cleaned.
    #[error("legacy binary office documents are not accepted: save as DOCX/XLSX or PDF")]
    LegacyOffice,
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("this tip holds as many files as it may")]
    TooManyFiles { limit: u32 },
    #[error("this tip holds as much evidence as it may")]
    TipFull { limit: u64 },
    #[error(transparent)]
    Malformed(#[from] StripError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

impl From<StoreError> for EvidenceError {
    fn from(e: StoreError) -> Self {
        EvidenceError::Service(e.into())
    }
}

impl From<crate::crypto::CryptoError> for EvidenceError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        EvidenceError::Service(e.into())
    }
}

/// Where files wait to be cleaned: `data_dir/spool/`, private to the service. What a crash
/// leaves there is sealed to a key that died with the process, and is removed at start.
#[derive(Debug, Clone)]
pub struct SpoolDir(PathBuf);

impl SpoolDir {
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let dir = data_dir.join("spool");
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir)?;
        Ok(Self(dir))
    }

    /// Removes what an earlier run left; returns how many files.
    pub fn sweep(&self) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.0)? {
            let path = entry?.path();
            if path.is_file() {
                std::fs::remove_file(&path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn create(&self) -> std::io::Result<(PathBuf, tokio::fs::File)> {
        let path = self.0.join(Id::random().to_string());
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options.open(&path).await?;
        Ok((path, file))
    }
}

type SpoolWriter = age::stream::StreamWriter<Compat<tokio::fs::File>>;

/// A file on its way to the spool, to be cleaned (boxed: the age writer carries its chunk
/// buffer).
struct Sink {
    path: PathBuf,
    key: Key<Spool>,
    writer: Box<SpoolWriter>,
}

/// What is known of a file as it begins to arrive.
pub struct Arriving<'a> {
    /// The name the sender's device gave it: kept only with the original.
    pub name: &'a str,
    /// The sender asks to keep the original as evidence, metadata and all, beside the
    /// cleaned copy.
    pub keep_original: bool,
    /// The first bytes: at least `FileKind::SNIFF_BYTES`, or the whole file if it is shorter.
    pub head: &'a [u8],
}

/// One file on its way in.
pub struct Upload {
    filing: Filing,
    keep_original: bool,
    written: u64,
    limit: u64,
    caps: WholeFileCaps,
    sink: Sink,
}

/// The name as the reporter's device gave it: the last path part, printable, not too long.
fn clean_name(name: &str, kind: FileKind) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(MAX_NAME).collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        format!("evidence.{}", kind.extension())
    } else {
        cleaned
    }
}

/// What the attachment's rows will say.
struct Filing {
    tip_id: String,
    tip_key: PublicKey<Tip>,
    /// The sender's name for it, when the original is to be kept.
    name: Option<String>,
    kind: FileKind,
}

/// A blob written and ready to be recorded: its size and what became of its metadata.
struct Stored {
    slot: BlobSlot,
    size: u64,
    cleaning: Cleaning,
}

impl Upload {
    /// Starts an upload of `file` to `tip`.
    pub async fn begin(
        store: &Store,
        spool: &SpoolDir,
        tip: &TipRow,
        file: Arriving<'_>,
        limits: UploadLimits,
    ) -> Result<Upload, EvidenceError> {
        let Arriving { name, keep_original, head } = file;
        let (files, bytes) = attachments::usage(&mut *store.conn().await?, &tip.id).await?;
        if files >= i64::from(limits.max_files) {
            return Err(EvidenceError::TooManyFiles { limit: limits.max_files });
        }
        let room = limits.max_tip.saturating_sub(u64::try_from(bytes).unwrap_or(u64::MAX));
        if room == 0 {
            return Err(EvidenceError::TipFull { limit: limits.max_tip });
        }
        if head.starts_with(&OLE_MAGIC) {
            return Err(EvidenceError::LegacyOffice);
        }
        let kind = FileKind::sniff(head).ok_or(EvidenceError::Unsupported)?;
        let tip_key = PublicKey::<Tip>::parse(&tip.public_key).map_err(ServiceError::from)?;
        let key = Key::<Spool>::generate();
        let (path, file) = spool.create().await?;
        let sink = match key.public().seal_async(file.compat_write()).await {
            Ok(writer) => Sink { path, key, writer: Box::new(writer) },
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                return Err(e.into());
            }
        };
        let limit = limits.max_file.min(room);
        let name = keep_original.then(|| clean_name(name, kind));
        let filing = Filing { tip_id: tip.id.clone(), tip_key, name, kind };
        let mut upload = Upload { filing, keep_original, written: 0, limit, caps: limits.documents, sink };
        upload.write(head).await?;
        Ok(upload)
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), EvidenceError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            return Err(EvidenceError::TooLarge { limit: self.limit });
        }
        self.sink.writer.write_all(chunk).await?;
        Ok(())
    }

    /// Throws the upload away: nothing of it stays on disk.
    pub async fn abort(mut self) {
        let _ = self.sink.writer.close().await;
        let _ = tokio::fs::remove_file(&self.sink.path).await;
    }

    /// Cleans, seals and records the file (and its original, if the sender keeps it);
    /// returns the id of the attachment officials open first: the cleaned copy where there
    /// is one.
    pub async fn finish(
        self,
        store: &Store,
        blobs: &BlobStore,
        author: Author,
        now: i64,
    ) -> Result<String, EvidenceError> {
        let Sink { path, key, mut writer } = self.sink;
        let closed = writer.close().await;
        let job = CleaningJob {
            kind: self.filing.kind,
            caps: self.caps,
            tip_key: self.filing.tip_key.clone(),
            keep: self.keep_original,
        };
        let stored = match closed {
            Ok(()) => job.run(blobs, &path, key).await,
            Err(e) => Err(e.into()),
        };
        let _ = tokio::fs::remove_file(&path).await;
        let stored = stored?;
        let mut blob_ids = Vec::with_capacity(stored.len());
        let mut committed = Ok(());
        let mut kept = Vec::with_capacity(stored.len());
        for Stored { slot, size, cleaning } in stored {
            if committed.is_err() {
                blobs.abort(slot).await;
                continue;
            }
            match blobs.commit_pending(slot).await {
                Ok(id) => {
                    blob_ids.push(id.clone());
                    kept.push((id, size, cleaning));
                }
                Err(e) => committed = Err(e),
            }
        }
        let recorded = match committed {
            Ok(()) => self.filing.record(store, &kept, author, now).await,
            Err(e) => Err(e.into()),
        };
        if recorded.is_err() {
            for id in &blob_ids {
                let _ = blobs.delete(id).await;
            }
        }
        recorded
    }
}

impl Filing {
    /// The attachments' rows, one per blob, in one transaction under the tip's next number.
    async fn record(
        &self,
        store: &Store,
        blobs: &[(String, u64, Cleaning)],
        author: Author,
        now: i64,
    ) -> Result<String, EvidenceError> {
        // The sender's name goes with the original only; a cleaned copy keeps none.
        let sent_as = self.tip_key.seal(self.name.as_deref().unwrap_or_default().as_bytes());
        let none = self.tip_key.seal(b"");
        let (sent_as, none) = (sent_as.map_err(ServiceError::from)?, none.map_err(ServiceError::from)?);
        let mut tx = store.begin().await?;
        let number = attachments::next_number(&mut tx, &self.tip_id).await?;
        let mut first = None;
        for (blob_id, size, cleaning) in blobs {
            let id = Id::random().to_string();
            attachments::insert(
                &mut tx,
                &NewAttachment {
                    id: &id,
                    tip_id: &self.tip_id,
                    blob_id,
                    name: if *cleaning == Cleaning::Removed { &none } else { &sent_as },
                    number,
                    content_type: self.kind.content_type(),
                    plain_size: i64::try_from(*size).unwrap_or(i64::MAX),
                    cleaning: *cleaning,
                    author,
                    created_at: now,
                },
            )
            .await?;
            crate::store::blobs::mark_done(&mut tx, blob_id).await?;
            first.get_or_insert(id);
        }
        tx.commit().await?;
        first.ok_or_else(|| EvidenceError::Service(ServiceError::Blocking("no file was stored".into())))
    }
}

/// Cleaning a spooled file on the file pool.
struct CleaningJob {
    kind: FileKind,
    caps: WholeFileCaps,
    tip_key: PublicKey<Tip>,
    /// Keep the original too.
    keep: bool,
}
impl CleaningJob {
    /// Reads the spooled file back (seeking as the format needs), cleans it and seals the
    /// result to the tip's key into a new blob, and, if asked, seals the original into
    /// another. A file that cannot be cleaned is refused, unless its original is kept: then
    /// the original alone is stored, marked as not cleaned. What is refused leaves no blob.
    async fn run(self, blobs: &BlobStore, spooled: &Path, key: Key<Spool>) -> Result<Vec<Stored>, EvidenceError> {
        let (cleaned_slot, cleaned_blob) = blobs.create().await?;
        let original = if self.keep {
            match blobs.create().await {
                Ok(created) => Some(created),
                Err(e) => {
                    blobs.abort(cleaned_slot).await;
                    return Err(e.into());
                }
            }
        } else {
            None
        };
        let (original_slot, original_blob) = original.unzip();
        let CleaningJob { kind, caps, tip_key, .. } = self;
        let spooled = spooled.to_owned();
        // The blob writers are async (a file, or chunks sent to PostgreSQL); the cleaner is not.
        let cleaned_out = tokio_util::io::SyncIoBridge::new(cleaned_blob);
        let original_out = original_blob.map(tokio_util::io::SyncIoBridge::new);
        let job = move || -> Result<(Result<u64, EvidenceError>, Option<u64>), EvidenceError> {
            let mut input = key.open_seekable(BufReader::new(std::fs::File::open(&spooled)?))?;
            let cleaned = seal_into(&tip_key, cleaned_out, |sealed| Ok(clean_within(kind, caps, &mut input, sealed)?));
            let original = match original_out {
                Some(out) => Some(seal_into(&tip_key, out, |sealed| {
                    input.seek(std::io::SeekFrom::Start(0))?;
                    Ok(std::io::copy(&mut input, sealed)?)
                })?),
                None => None,
            };
            Ok((cleaned, original))
        };
        let outcome = work::run(Work::Files, job).await.map_err(EvidenceError::from).and_then(|done| done);
        let (cleaned, original) = match outcome {
            Ok(done) => done,
            Err(e) => {
                blobs.abort(cleaned_slot).await;
                if let Some(slot) = original_slot {
                    blobs.abort(slot).await;
                }
                return Err(e);
            }
        };
        match (cleaned, original_slot.zip(original)) {
            (Ok(size), Some((slot, original))) => Ok(vec![
                Stored { slot: cleaned_slot, size, cleaning: Cleaning::Removed },
                Stored { slot, size: original, cleaning: Cleaning::Kept },
            ]),
            (Ok(size), None) => Ok(vec![Stored { slot: cleaned_slot, size, cleaning: Cleaning::Removed }]),
            (
                Err(EvidenceError::Malformed(StripError::Malformed { .. } | StripError::TooComplex { .. })),
                Some((slot, original)),
            ) => {
                blobs.abort(cleaned_slot).await;
                Ok(vec![Stored { slot, size: original, cleaning: Cleaning::Uncleaned }])
            }
            (Err(e), original) => {
                blobs.abort(cleaned_slot).await;
                if let Some((slot, _)) = original {
                    blobs.abort(slot).await;
                }
                Err(e)
            }
        }
    }
}

/// Seals what `write` writes to the tip's key into `out`; returns what `write` returned.
fn seal_into(
    tip_key: &PublicKey<Tip>,
    out: tokio_util::io::SyncIoBridge<BlobWriter>,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<u64, EvidenceError>,
) -> Result<u64, EvidenceError> {
    let mut sealed = tip_key.seal_stream(out)?;
    let size = write(&mut sealed)?;
    let mut out = sealed.finish()?;
    out.shutdown()?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        for (given, expected) in [
            ("IMG_0001.JPG", "IMG_0001.JPG"),
            ("C:\\Users\\zhang\\Desktop\\现场.jpg", "现场.jpg"),
            ("/etc/passwd", "passwd"),
            ("..", "evidence.jpg"),
            ("", "evidence.jpg"),
            ("a\u{0}b\nc.jpg", "abc.jpg"),
        ] {
            assert_eq!(clean_name(given, FileKind::Jpeg), expected);
        }
        assert_eq!(clean_name(&"长".repeat(300), FileKind::Pdf).chars().count(), MAX_NAME);
    }
}
