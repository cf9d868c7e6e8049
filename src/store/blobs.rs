//! Encrypted files (evidence). Blobs are age files: this module never sees plaintext.
//!
//! With SQLite they live under `<data_dir>/blobs/`: written under `partial/` and moved into
//! place only once complete and on disk, so a crash or a refused upload never leaves a half
//! file where a finished one is expected; partial files are swept at start.
//!
//! With PostgreSQL they live in the database (migration 0008), so that every instance of the
//! portal serves every blob: a blob row marked `partial` until the upload is complete, and its
//! bytes in chunks of 1 MiB (blobs written before are in 2 MiB chunks), written a few at once
//! and read one at a time — never whole in memory.
//! Interrupted uploads stay `partial` and are swept a day later (another instance may still
//! be receiving a slow one).

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use sqlx::Connection;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::PollSender;

use super::{Store, StoreError};
use crate::configuration::Backend;
use crate::domain::Id;

/// Bytes per chunk in the database: each chunk is one statement, and each statement over TCP
/// costs a wait besides its bytes (sqlx 0.9.0 does not set `TCP_NODELAY`, so the end of a
/// large statement can wait for a delayed acknowledgement). One chunk at a time went at
/// 10 MB/s in 256 KiB chunks, 61 MB/s in 1 MiB and 56–90 MB/s in 2 MiB; six 1 MiB chunks
/// under way at once 139–143 MB/s, and eight 165–176 MB/s (benches/README.md).
const CHUNK: usize = 1024 * 1024;

/// Chunks waiting for a writer per upload, besides the one being filled.
const CHUNKS_IN_FLIGHT: usize = 1;

/// Chunk statements under way at once in the process (`WRITING`): the most the uploads hold
/// in memory is this many chunks besides their own waiting and filling ones.
pub const CHUNKS_WRITING: usize = 8;

/// An unfinished upload in the database older than this is taken to be abandoned.
const ABANDONED_AFTER: i64 = 24 * 3600;

#[derive(Clone)]
pub enum BlobStore {
    Files { root: PathBuf },
    Database { store: Store },
}

/// Where a blob being written lives until it is committed or thrown away.
pub struct BlobSlot {
    pub id: String,
    place: Place,
}

enum Place {
    File { partial: PathBuf, done: PathBuf },
    Database { writer: tokio::task::JoinHandle<Result<(), StoreError>> },
}

/// What a blob is written to.
pub enum BlobWriter {
    File(tokio::fs::File),
    Database(ChunkWriter),
}

/// What a blob is read from.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

fn io(e: StoreError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl BlobStore {
    /// Files under `data_dir` for SQLite; the database itself for PostgreSQL.
    pub fn open(store: &Store, data_dir: &Path) -> std::io::Result<Self> {
        match store.backend() {
            Backend::Sqlite => {
                let root = data_dir.join("blobs");
                private_dir(&root.join("partial"))?;
                Ok(Self::Files { root })
            }
            Backend::Postgres => Ok(Self::Database { store: store.clone() }),
        }
    }

    fn path(root: &Path, id: &str) -> PathBuf {
        let shard = id.get(..2).unwrap_or("00");
        root.join(shard).join(id)
    }

    /// A new blob: its slot, and what to write it to.
    pub async fn create(&self) -> std::io::Result<(BlobSlot, BlobWriter)> {
        self.create_with_id(Id::random().to_string()).await
    }

    /// A new blob under a given id (a restore keeps the ids the rows name).
    pub async fn create_with_id(&self, id: String) -> std::io::Result<(BlobSlot, BlobWriter)> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("`{id}` is not a blob id")));
        }
        match self {
            Self::Files { root } => {
                let partial = root.join("partial").join(&id);
                let done = Self::path(root, &id);
                let mut options = tokio::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                options.mode(0o600);
                let file = options.open(&partial).await?;
                Ok((BlobSlot { id, place: Place::File { partial, done } }, BlobWriter::File(file)))
            }
            Self::Database { store } => {
                sqlx::query("INSERT INTO blobs (id, state, created_at) VALUES ($1, 'partial', $2)")
                    .bind(&id)
                    .bind(super::unix_now())
                    .execute(store.pool())
                    .await
                    .map_err(|e| io(e.into()))?;
                let (sender, receiver) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
                let writer = tokio::spawn(write_chunks(store.clone(), id.clone(), receiver));
                let chunks = ChunkWriter { buffer: Vec::with_capacity(CHUNK), sender: PollSender::new(sender) };
                Ok((BlobSlot { id, place: Place::Database { writer } }, BlobWriter::Database(chunks)))
            }
        }
    }

    /// Makes the written blob durable and puts it in place; returns its id. The writer must
    /// have been shut down (closed) first.
    pub async fn commit(&self, slot: BlobSlot) -> std::io::Result<String> {
        match (self, slot.place) {
            (_, Place::File { partial, done }) => {
                tokio::fs::File::open(&partial).await?.sync_all().await?;
                if let Some(dir) = done.parent() {
                    private_dir(dir)?;
                }
                tokio::fs::rename(&partial, &done).await?;
                if let Some(dir) = done.parent() {
                    tokio::fs::File::open(dir).await?.sync_all().await?;
                }
                Ok(slot.id)
            }
            (Self::Database { store }, Place::Database { writer }) => {
                writer.await.map_err(std::io::Error::other)?.map_err(io)?;
                // A normal (durable) commit: it also makes the chunks' lazier commits durable.
                let mut conn = store.conn().await.map_err(io)?;
                mark_done(&mut conn, &slot.id).await?;
                Ok(slot.id)
            }
            (Self::Files { .. }, Place::Database { .. }) => Err(std::io::Error::other("a slot of another store")),
        }
    }

    /// As `commit`, except that in the database the blob stays unfinished until `mark_done` in
    /// the caller's transaction — the one that records what the blob is — so that a crash
    /// between the two leaves only an unfinished upload, which the sweeps remove. (Files are
    /// put in place first; one left unnamed by a crash is swept by `sweep_unreferenced`.)
    pub async fn commit_pending(&self, slot: BlobSlot) -> std::io::Result<String> {
        match slot.place {
            Place::Database { writer } => {
                writer.await.map_err(std::io::Error::other)?.map_err(io)?;
                Ok(slot.id)
            }
            place @ Place::File { .. } => Box::pin(self.commit(BlobSlot { id: slot.id, place })).await,
        }
    }

    /// Throws a blob being written away.
    pub async fn abort(&self, slot: BlobSlot) {
        match slot.place {
            Place::File { partial, .. } => {
                let _ = tokio::fs::remove_file(&partial).await;
            }
            Place::Database { writer } => {
                writer.abort();
                let _ = writer.await;
                let _ = self.delete(&slot.id).await;
            }
        }
    }

    pub async fn read(&self, id: &str) -> std::io::Result<BlobReader> {
        match self {
            Self::Files { root } => Ok(Box::pin(tokio::fs::File::open(Self::path(root, id)).await?)),
            Self::Database { store } => {
                let done: Option<String> = sqlx::query_scalar("SELECT state FROM blobs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(store.pool())
                    .await
                    .map_err(|e| io(e.into()))?;
                if done.as_deref() != Some("done") {
                    return Err(std::io::ErrorKind::NotFound.into());
                }
                let chunks =
                    futures_util::stream::unfold((store.clone(), id.to_owned(), 0i64), |(store, id, seq)| async move {
                        let chunk = match store.pool().acquire().await {
                            Ok(mut conn) => read_chunk(&mut conn, &id, seq).await,
                            Err(e) => Err(e),
                        };
                        match chunk {
                            Ok(Some(data)) => Some((Ok(Cursor::new(data)), (store, id, seq + 1))),
                            Ok(None) => None,
                            Err(e) => Some((Err(std::io::Error::other(e)), (store, id, i64::MAX))),
                        }
                    });
                Ok(Box::pin(tokio_util::io::StreamReader::new(Box::pin(chunks))))
            }
        }
    }

    pub async fn delete(&self, id: &str) -> std::io::Result<()> {
        match self {
            Self::Files { root } => match tokio::fs::remove_file(Self::path(root, id)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            Self::Database { store } => {
                let mut tx = store.begin().await.map_err(io)?;
                self.delete_rows(&mut tx, id).await.map_err(io)?;
                tx.commit().await.map_err(io)
            }
        }
    }

    /// In the database, deletes a blob in the caller's transaction (shredding deletes a tip's
    /// blobs with its rows). Files have no rows: `delete` removes them after the commit.
    pub async fn delete_rows(&self, conn: &mut sqlx::AnyConnection, id: &str) -> Result<(), StoreError> {
        if let Self::Database { .. } = self {
            for sql in ["DELETE FROM blob_chunks WHERE blob_id = $1", "DELETE FROM blobs WHERE id = $1"] {
                sqlx::query(sql).bind(id).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    /// Deletes what interrupted uploads left; returns how many. At start (`at_start`) every
    /// partial file is left over — SQLite has one instance — while later, and in the shared
    /// database always, only uploads abandoned for a day are.
    pub async fn sweep_partials(&self, now: i64, at_start: bool) -> std::io::Result<usize> {
        match self {
            Self::Files { root } => {
                let cutoff = std::time::SystemTime::UNIX_EPOCH
                    + std::time::Duration::from_secs(u64::try_from(now - ABANDONED_AFTER).unwrap_or(0));
                let mut swept = 0;
                for entry in std::fs::read_dir(root.join("partial"))? {
                    let entry = entry?;
                    if at_start || entry.metadata()?.modified()? < cutoff {
                        std::fs::remove_file(entry.path())?;
                        swept += 1;
                    }
                }
                Ok(swept)
            }
            Self::Database { store } => {
                let abandoned: Vec<String> =
                    sqlx::query_scalar("SELECT id FROM blobs WHERE state = 'partial' AND created_at < $1")
                        .bind(now - ABANDONED_AFTER)
                        .fetch_all(store.pool())
                        .await
                        .map_err(|e| io(e.into()))?;
                for id in &abandoned {
                    self.delete(id).await?;
                }
                Ok(abandoned.len())
            }
        }
    }

    /// Deletes finished blobs that no attachment names: left by a crash between putting a
    /// file in place and recording it, or by shredding. `named` holds the blob ids the
    /// attachments name. Files younger than `min_age` seconds are spared (an upload may be
    /// between the two steps right now), except at start, when nothing is in flight. In the
    /// database a blob is finished only in the transaction that names it, so there is nothing
    /// to do there.
    pub fn sweep_unreferenced(
        &self,
        named: &std::collections::HashSet<String>,
        min_age: std::time::Duration,
        at_start: bool,
    ) -> std::io::Result<usize> {
        let Self::Files { root } = self else { return Ok(0) };
        let mut swept = 0;
        for shard in std::fs::read_dir(root)? {
            let shard = shard?;
            if shard.file_name() == "partial" || !shard.file_type()?.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(shard.path())? {
                let entry = entry?;
                let id = entry.file_name().to_string_lossy().into_owned();
                if named.contains(&id) {
                    continue;
                }
                let old = entry.metadata()?.modified()?.elapsed().is_ok_and(|age| age >= min_age);
                if at_start || old {
                    std::fs::remove_file(entry.path())?;
                    swept += 1;
                }
            }
        }
        Ok(swept)
    }

    /// Every blob, finished or not: (id, finished).
    pub async fn list(&self) -> std::io::Result<Vec<(String, bool)>> {
        match self {
            Self::Files { root } => {
                let mut all = Vec::new();
                for shard in std::fs::read_dir(root)? {
                    let shard = shard?;
                    let finished = shard.file_name() != "partial";
                    if shard.file_type()?.is_dir() {
                        for entry in std::fs::read_dir(shard.path())? {
                            all.push((entry?.file_name().to_string_lossy().into_owned(), finished));
                        }
                    }
                }
                Ok(all)
            }
            Self::Database { store } => {
                let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, state FROM blobs")
                    .fetch_all(store.pool())
                    .await
                    .map_err(|e| io(e.into()))?;
                Ok(rows.into_iter().map(|(id, state)| (id, state == "done")).collect())
            }
        }
    }
}

/// Chunk `seq` of a blob in the database; `None` past its last.
pub async fn read_chunk(conn: &mut sqlx::AnyConnection, id: &str, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let chunk = sqlx::query_scalar("SELECT data FROM blob_chunks WHERE blob_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .fetch_optional(&mut *conn)
        .await?;
    // Not left to hold a chunk's size in the pool.
    conn.shrink_buffers();
    Ok(chunk)
}

/// Marks a blob written with `commit_pending` finished, in the caller's transaction. Files
/// need nothing.
pub async fn mark_done(conn: &mut sqlx::AnyConnection, id: &str) -> std::io::Result<()> {
    sqlx::query("UPDATE blobs SET state = 'done' WHERE id = $1 AND state = 'partial'")
        .bind(id)
        .execute(conn)
        .await
        .map_err(|e| io(e.into()))?;
    Ok(())
}

/// Chunk statements under way at once in this process, whatever the number of uploads: enough
/// to hide each statement's wait on the socket, few enough to leave most of the pool's
/// connections to everything else.
static WRITING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CHUNKS_WRITING);

/// Stores the chunks as they come, several at once (`WRITING`), each on a connection of its own
/// in a small transaction that need not wait for the disk: the blob's final commit does (its
/// flush of the log covers every earlier commit). One statement at a time left PostgreSQL idle
/// while the next chunk's bytes were on their way, and each statement over TCP can wait tens of
/// milliseconds on a delayed acknowledgement (sqlx 0.9.0 does not set `TCP_NODELAY`).
async fn write_chunks(
    store: Store,
    id: String,
    mut chunks: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> Result<(), StoreError> {
    let finished = |joined: Result<Result<(), StoreError>, tokio::task::JoinError>| {
        joined.map_err(|e| StoreError::Conflict(format!("a chunk writer stopped: {e}")))?
    };
    let mut seq: i64 = 0;
    let mut writing = tokio::task::JoinSet::new();
    while let Some(data) = chunks.recv().await {
        while let Some(joined) = writing.try_join_next() {
            finished(joined)?;
        }
        let turn = WRITING.acquire().await.map_err(|_| StoreError::Conflict("blob writes closed".to_owned()))?;
        let (store, id) = (store.clone(), id.clone());
        writing.spawn(async move {
            let _turn = turn;
            write_chunk(&store, &id, seq, data).await
        });
        seq += 1;
    }
    while let Some(joined) = writing.join_next().await {
        finished(joined)?;
    }
    Ok(())
}

async fn write_chunk(store: &Store, id: &str, seq: i64, data: Vec<u8>) -> Result<(), StoreError> {
    let mut conn = store.pool().acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
    sqlx::query("INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(data)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // The connection's buffers grew to the chunk's size; they would stay so in the pool.
    conn.shrink_buffers();
    Ok(())
}

/// Cuts what is written into chunks and hands them to the task that stores them.
pub struct ChunkWriter {
    buffer: Vec<u8>,
    sender: PollSender<Vec<u8>>,
}

impl ChunkWriter {
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let gone = || std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the blob writer stopped");
        ready!(self.sender.poll_reserve(cx)).map_err(|_| gone())?;
        let full = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.sender.send_item(full).map_err(|_| gone())?;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ChunkWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        if self.buffer.len() == CHUNK {
            ready!(self.poll_send(cx))?;
        }
        let n = buf.len().min(CHUNK - self.buffer.len());
        self.buffer.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if !self.buffer.is_empty() {
            ready!(self.poll_send(cx))?;
        }
        self.sender.close();
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for BlobWriter {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            BlobWriter::File(f) => Pin::new(f).poll_write(cx, buf),
            BlobWriter::Database(c) => Pin::new(c).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            BlobWriter::File(f) => Pin::new(f).poll_flush(cx),
            BlobWriter::Database(c) => Pin::new(c).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            BlobWriter::File(f) => Pin::new(f).poll_shutdown(cx),
            BlobWriter::Database(c) => Pin::new(c).poll_shutdown(cx),
        }
    }
}
