//! Evidence uploads. The first bytes say what the file is. Images whose metadata is to be
//! removed are held in memory (up to a bound), cleaned and then sealed; everything else is
//! sealed as it streams in. Either way only ciphertext is stored, and a refused upload
//! leaves nothing behind.

use futures_util::AsyncWriteExt;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use super::ServiceError;
use super::work::{self, Work};
use crate::crypto::{PublicKey, Tip};
use crate::domain::Id;
use crate::evidence::{FileKind, StripError, strip_metadata};
use crate::store::attachments::{self, NewAttachment};
use crate::store::blobs::{BlobSlot, BlobStore, BlobWriter};
use crate::store::messages::Author;
use crate::store::tips::TipRow;
use crate::store::{Store, StoreError};

/// Images are cleaned in memory; larger ones must be sent with their metadata kept.
pub const MAX_CLEANED_IMAGE: u64 = 64 * 1024 * 1024;
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

enum Sink {
    /// An image waiting to be cleaned.
    Memory(Vec<u8>),
    /// Sealed as it arrives (boxed: the age writer carries its chunk buffer).
    Sealed { slot: BlobSlot, writer: Box<age::stream::StreamWriter<Compat<BlobWriter>>> },
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
    /// Starts an upload; `head` holds the first bytes (at least `FileKind::SNIFF_BYTES`, or
    /// the whole file if it is shorter).
    pub async fn begin(
        store: &Store,
        blobs: &BlobStore,
        tip: &TipRow,
        name: &str,
        keep_metadata: bool,
        head: &[u8],
        limits: UploadLimits,
    ) -> Result<Upload, EvidenceError> {
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
        let mut limit = limits.max_file.min(room);
        let sink = if kind.is_strippable() && !keep_metadata {
            limit = limit.min(MAX_CLEANED_IMAGE);
            Sink::Memory(Vec::with_capacity(head.len()))
        } else {
            let (slot, file) = blobs.create().await?;
            match tip_key.seal_async(file.compat_write()).await {
                Ok(writer) => Sink::Sealed { slot, writer: Box::new(writer) },
                Err(e) => {
                    blobs.abort(slot).await;
                    return Err(ServiceError::from(e).into());
                }
            }
        };
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
            Sink::Memory(buffer) => buffer.extend_from_slice(chunk),
            Sink::Sealed { writer, .. } => writer.write_all(chunk).await?,
        }
        Ok(())
    }

    /// Throws the upload away: nothing of it stays on disk.
    pub async fn abort(self, blobs: &BlobStore) {
        if let Sink::Sealed { slot, mut writer } = self.sink {
            let _ = writer.close().await;
            blobs.abort(slot).await;
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
            Sink::Memory(image) => {
                let kind = self.kind;
                let cleaned = work::run(Work::Files, move || strip_metadata(kind, &image)).await??;
                let (slot, file) = blobs.create().await?;
                let sealed = async {
                    let mut writer = self.tip_key.seal_async(file.compat_write()).await.map_err(ServiceError::from)?;
                    writer.write_all(&cleaned).await?;
                    writer.close().await?;
                    Ok::<(), EvidenceError>(())
                };
                if let Err(e) = sealed.await {
                    blobs.abort(slot).await;
                    return Err(e);
                }
                (slot, cleaned.len() as u64, "removed")
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
