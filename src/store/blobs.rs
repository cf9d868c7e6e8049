//! Encrypted files (evidence) under `<data_dir>/blobs/`. A blob is written under `partial/`
//! and moved into place only once complete and on disk, so a crash or a refused upload
//! never leaves a half file where a finished one is expected; partial files are swept at
//! start. Blobs are age files: this module never sees plaintext.

use std::path::{Path, PathBuf};

use crate::domain::Id;

#[derive(Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// Where a blob being written lives until it is committed or thrown away.
pub struct BlobSlot {
    pub id: String,
    partial: PathBuf,
    done: PathBuf,
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

impl BlobStore {
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("blobs");
        private_dir(&root.join("partial"))?;
        Ok(Self { root })
    }

    fn path(&self, id: &str) -> PathBuf {
        let shard = id.get(..2).unwrap_or("00");
        self.root.join(shard).join(id)
    }

    /// A new blob: its slot, and the file to write it to.
    pub async fn create(&self) -> std::io::Result<(BlobSlot, tokio::fs::File)> {
        let id = Id::random().to_string();
        let partial = self.root.join("partial").join(&id);
        let done = self.path(&id);
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&partial).await?;
        Ok((BlobSlot { id, partial, done }, file))
    }

    /// Makes the written blob durable and puts it in place; returns its id.
    pub async fn commit(&self, slot: BlobSlot) -> std::io::Result<String> {
        tokio::fs::File::open(&slot.partial).await?.sync_all().await?;
        if let Some(dir) = slot.done.parent() {
            private_dir(dir)?;
        }
        tokio::fs::rename(&slot.partial, &slot.done).await?;
        if let Some(dir) = slot.done.parent() {
            tokio::fs::File::open(dir).await?.sync_all().await?;
        }
        Ok(slot.id)
    }

    /// Throws a blob being written away.
    pub async fn abort(&self, slot: BlobSlot) {
        let _ = tokio::fs::remove_file(&slot.partial).await;
    }

    pub async fn read(&self, id: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path(id)).await
    }

    pub async fn delete(&self, id: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Deletes what interrupted uploads left; returns how many.
    pub fn sweep_partials(&self) -> std::io::Result<usize> {
        let mut swept = 0;
        for entry in std::fs::read_dir(self.root.join("partial"))? {
            std::fs::remove_file(entry?.path())?;
            swept += 1;
        }
        Ok(swept)
    }
}
