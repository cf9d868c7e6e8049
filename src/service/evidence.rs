//! Evidence uploads. The first bytes say what the file is. A file whose metadata is to be
//! removed is spooled to disk as it arrives, sealed to a key that lives only in memory, then
//! read back with seeking and cleaned on the file pool (`work::Files`) straight into its
//! sealed blob; everything else is sealed to the tip's key as it streams in. Memory stays flat
//! whatever the file's size, only ciphertext ever touches the disk, and a refused upload
//! leaves nothing behind.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use futures_util::AsyncWriteExt;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use super::ServiceError;
use super::work::{self, Work};
use crate::crypto::{Key, PublicKey, Spool, Tip};
use crate::domain::Id;
use crate::evidence::{FileKind, StripError, clean};
use crate::store::attachments::{self, NewAttachment};
use crate::store::blobs::{BlobSlot, BlobStore, BlobWriter};
use crate::store::messages::Author;
use crate::store::tips::TipRow;
use crate::store::{Store, StoreError};

/// Longest file name kept (in characters).
const MAX_NAME: usize = 200;

#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_file: u64,
    pub max_tip: u64,
    pub max_files: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("this kind of file is not accepted")]
    Unsupported,
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

enum Sink {
    /// A file to be cleaned, on its way to the spool (boxed: the age writer carries its chunk
    /// buffer).
    Spooled { path: PathBuf, key: Key<Spool>, writer: Box<SpoolWriter> },
    /// Sealed to the tip's key as it arrives.
    Sealed { slot: BlobSlot, writer: Box<age::stream::StreamWriter<Compat<BlobWriter>>> },
}

/// What is known of a file as it begins to arrive.
pub struct Arriving<'a> {
    /// The name the sender's device gave it.
    pub name: &'a str,
    /// The sender asks to keep the original, metadata and all.
    pub keep_metadata: bool,
    /// The first bytes: at least `FileKind::SNIFF_BYTES`, or the whole file if it is shorter.
    pub head: &'a [u8],
}

/// One file on its way in.
pub struct Upload {
    tip_id: String,
    tip_key: PublicKey<Tip>,
    name: String,
    kind: FileKind,
    written: u64,
    limit: u64,
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

impl Upload {
    /// Starts an upload of `file` to `tip`.
    pub async fn begin(
        store: &Store,
        (blobs, spool): (&BlobStore, &SpoolDir),
        tip: &TipRow,
        file: Arriving<'_>,
        limits: UploadLimits,
    ) -> Result<Upload, EvidenceError> {
        let Arriving { name, keep_metadata, head } = file;
        let (files, bytes) = attachments::usage(&mut *store.conn().await?, &tip.id).await?;
        if files >= i64::from(limits.max_files) {
            return Err(EvidenceError::TooManyFiles { limit: limits.max_files });
        }
        let room = limits.max_tip.saturating_sub(u64::try_from(bytes).unwrap_or(u64::MAX));
        if room == 0 {
            return Err(EvidenceError::TipFull { limit: limits.max_tip });
        }
        let kind = FileKind::sniff(head).ok_or(EvidenceError::Unsupported)?;
        let tip_key = PublicKey::<Tip>::parse(&tip.public_key).map_err(ServiceError::from)?;
        let sink = if kind.is_strippable() && !keep_metadata {
            let key = Key::<Spool>::generate();
            let (path, file) = spool.create().await?;
            match key.public().seal_async(file.compat_write()).await {
                Ok(writer) => Sink::Spooled { path, key, writer: Box::new(writer) },
                Err(e) => {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(e.into());
                }
            }
        } else {
            let (slot, file) = blobs.create().await?;
            match tip_key.seal_async(file.compat_write()).await {
                Ok(writer) => Sink::Sealed { slot, writer: Box::new(writer) },
                Err(e) => {
                    blobs.abort(slot).await;
                    return Err(e.into());
                }
            }
        };
        let limit = limits.max_file.min(room);
        let mut upload =
            Upload { tip_id: tip.id.clone(), tip_key, name: clean_name(name, kind), kind, written: 0, limit, sink };
        upload.write(head).await?;
        Ok(upload)
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), EvidenceError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            return Err(EvidenceError::TooLarge { limit: self.limit });
        }
        match &mut self.sink {
            Sink::Spooled { writer, .. } => writer.write_all(chunk).await?,
            Sink::Sealed { writer, .. } => writer.write_all(chunk).await?,
        }
        Ok(())
    }

    /// Throws the upload away: nothing of it stays on disk.
    pub async fn abort(self, blobs: &BlobStore) {
        match self.sink {
            Sink::Spooled { path, mut writer, .. } => {
                let _ = writer.close().await;
                let _ = tokio::fs::remove_file(&path).await;
            }
            Sink::Sealed { slot, mut writer } => {
                let _ = writer.close().await;
                blobs.abort(slot).await;
            }
        }
    }

    /// Cleans (if asked), seals and records the file; returns the attachment's id.
    pub async fn finish(
        self,
        store: &Store,
        blobs: &BlobStore,
        author: Author,
        now: i64,
    ) -> Result<String, EvidenceError> {
        let (slot, size, metadata) = match self.sink {
            Sink::Spooled { path, key, mut writer } => {
                let closed = writer.close().await;
                let cleaned = match closed {
                    Ok(()) => clean_into_blob(blobs, &path, key, self.kind, self.tip_key.clone()).await,
                    Err(e) => Err(e.into()),
                };
                let _ = tokio::fs::remove_file(&path).await;
                let (slot, size) = cleaned?;
                (slot, size, "removed")
            }
            Sink::Sealed { slot, mut writer } => {
                if let Err(e) = writer.close().await {
                    blobs.abort(slot).await;
                    return Err(e.into());
                }
                (slot, self.written, if self.kind.is_strippable() { "kept" } else { "none" })
            }
        };
        let blob_id = blobs.commit_pending(slot).await?;
        let recorded = async {
            let name = self.tip_key.seal(self.name.as_bytes()).map_err(ServiceError::from)?;
            let id = Id::random().to_string();
            let mut tx = store.begin().await?;
            attachments::insert(
                &mut tx,
                &NewAttachment {
                    id: &id,
                    tip_id: &self.tip_id,
                    blob_id: &blob_id,
                    name: &name,
                    content_type: self.kind.content_type(),
                    plain_size: i64::try_from(size).unwrap_or(i64::MAX),
                    metadata,
                    author,
                    created_at: now,
                },
            )
            .await?;
            crate::store::blobs::mark_done(&mut tx, &blob_id).await?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok::<String, EvidenceError>(id)
        };
        match recorded.await {
            Ok(id) => Ok(id),
            Err(e) => {
                let _ = blobs.delete(&blob_id).await;
                Err(e)
            }
        }
    }
}

/// Reads the spooled file back (seeking as the format needs), cleans it on the file pool and
/// seals the result to the tip's key into a new blob; returns the blob's slot and the cleaned
/// size. A file that cannot be cleaned leaves no blob.
async fn clean_into_blob(
    blobs: &BlobStore,
    spooled: &Path,
    key: Key<Spool>,
    kind: FileKind,
    tip_key: PublicKey<Tip>,
) -> Result<(BlobSlot, u64), EvidenceError> {
    let (slot, blob) = blobs.create().await?;
    // The blob writer is async (a file, or chunks sent to PostgreSQL); the cleaner is not.
    let output = tokio_util::io::SyncIoBridge::new(blob);
    let spooled = spooled.to_owned();
    let job = move || -> Result<u64, EvidenceError> {
        let mut input = key.open_seekable(BufReader::new(std::fs::File::open(&spooled)?))?;
        let mut sealed = tip_key.seal_stream(output)?;
        let size = clean(kind, &mut input, &mut sealed)?;
        let mut output = sealed.finish()?;
        output.shutdown()?;
        Ok(size)
    };
    match work::run(Work::Files, job).await {
        Ok(Ok(size)) => Ok((slot, size)),
        Ok(Err(e)) => {
            blobs.abort(slot).await;
            Err(e)
        }
        Err(e) => {
            blobs.abort(slot).await;
            Err(e.into())
        }
    }
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
