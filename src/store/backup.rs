//! `jubao backup` and `jubao restore`: a consistent copy of the database and the encrypted
//! blobs, in a form of its own that either backend loads — a backup of a SQLite portal can be
//! restored into PostgreSQL and back.
//!
//! A backup is a directory:
//!
//! ```text
//! manifest.json        format, schema version, rows per table, every file's SHA-256
//! tables/NAME.jsonl    first line the columns and their kinds, then one JSON array per row
//!                      (integers as numbers, text as strings, bytes as base64)
//! blobs/ID             each attachment's age file, as stored
//! ```
//!
//! Nothing is decrypted: the copy holds exactly what the database and the blob store hold.
//! All rows and blobs are read in one read transaction (a snapshot on both backends), so the
//! copy is consistent while the portal keeps serving. It is written under `DIR.partial` and
//! renamed into place only when complete, so a crash leaves no backup that looks whole.

use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::blobs::BlobStore;
use super::{Store, StoreError};
use crate::configuration::Backend;

/// The version of the layout above.
const FORMAT: u32 = 1;

/// What is copied, parents before children. Left out: `sessions` (a restored portal signs
/// everyone out), `tip_counts` (its triggers rebuild it as the tips are loaded), `intake_hours`
/// (rate counting), `blobs` and `blob_chunks` (copied as files under `blobs/`).
pub const TABLES: &[&str] = &[
    "districts",
    "departments",
    "categories",
    "kinds",
    "deadline_rules",
    "reward_policies",
    "users",
    "user_roles",
    "group_keys",
    "key_holders",
    "group_key_wraps",
    "posters",
    "tips",
    "tip_grants",
    "tip_indexes",
    "tip_identities",
    "tip_payouts",
    "messages",
    "attachments",
    "tip_events",
    "proposals",
    "notes",
    "disclosures",
    "audit_log",
    "audit_head",
    "outbox",
    "rewards",
];

/// Tables a backup leaves out on purpose (see `TABLES`).
pub const LEFT_OUT: &[&str] = &["sessions", "tip_counts", "intake_hours", "blobs", "blob_chunks"];

/// Columns that point into their own table: loaded empty, then set once every row is in.
const SELF_REFERENCES: &[(&str, &str)] = &[("tips", "duplicate_of")];

/// Rows per INSERT when loading: fewer round trips, well under both backends' parameter limits.
const PARAMETERS_PER_INSERT: usize = 30_000;
const ROWS_PER_INSERT: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.display().to_string(), source }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ColumnKind {
    Int,
    Text,
    Bytes,
}

impl ColumnKind {
    fn of_declared(declared: &str) -> Self {
        let declared = declared.to_ascii_uppercase();
        if declared.contains("INT") {
            Self::Int
        } else if declared.contains("BLOB") || declared.contains("BYTEA") {
            Self::Bytes
        } else {
            Self::Text
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct TableHeader {
    table: String,
    columns: Vec<(String, ColumnKind)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    format: u32,
    /// Seconds since the epoch when the snapshot was taken.
    pub created_at: i64,
    pub backend: String,
    /// The newest migration the source database had applied.
    pub schema_version: i64,
    /// Rows per table.
    pub tables: BTreeMap<String, u64>,
    /// SHA-256 (hex) of every file of the backup but this one, by path relative to the backup.
    files: BTreeMap<String, String>,
    /// Bytes of blobs.
    pub blob_bytes: u64,
    /// Blobs the snapshot names that were shredded before they could be copied (their tips
    /// were past retention); a restore leaves their attachments out.
    #[serde(default)]
    pub shredded_meanwhile: Vec<String>,
}

/// The columns of `table` in the connected database, with the kind of value each holds.
async fn columns(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, ColumnKind)>, BackupError> {
    let rows: Vec<(String, String)> = match backend {
        Backend::Sqlite => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut *conn)
                .await?
        }
        Backend::Postgres => {
            sqlx::query_as(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    if rows.is_empty() {
        return Err(BackupError::Invalid(format!("the database has no table {table}")));
    }
    Ok(rows.into_iter().map(|(name, declared)| (name, ColumnKind::of_declared(&declared))).collect())
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every table of the connected database but sqlx's own.
pub async fn all_tables(store: &Store) -> Result<Vec<String>, StoreError> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name"
        }
    };
    Ok(sqlx::query_scalar(sql).fetch_all(store.pool()).await?)
}

async fn schema_version(conn: &mut AnyConnection) -> Result<i64, BackupError> {
    let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&mut *conn)
        .await?;
    Ok(version.unwrap_or(0))
}

/// A writer that hashes what passes through it.
struct Hashed<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(digest)
}

/// What `backup` reports as it goes: one line per table and per thousand blobs.
pub trait Progress {
    fn note(&mut self, line: &str);
}

impl<F: FnMut(&str)> Progress for F {
    fn note(&mut self, line: &str) {
        self(line)
    }
}

/// Writes one table to `tables/{table}.jsonl` under `partial`: a header, then a line per row.
async fn dump_table(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    partial: &Path,
    manifest: &mut Manifest,
) -> Result<u64, BackupError> {
    let columns = columns(&mut *conn, backend, table).await?;
    let relative = format!("tables/{table}.jsonl");
    let path = partial.join(&relative);
    let file = std::fs::File::create(&path).map_err(io_at(&path))?;
    let mut writer = Hashed { inner: BufWriter::new(file), hash: Sha256::new(), bytes: 0 };
    let header = TableHeader { table: table.to_owned(), columns: columns.clone() };
    write_line(&mut writer, &serde_json::to_vec(&header).map_err(json)?, &path)?;
    let names: Vec<String> = columns.iter().map(|(name, _)| quoted(name)).collect();
    let sql = format!("SELECT {} FROM {}", names.join(", "), quoted(table));
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await? {
        let values = row_values(&row, &columns)?;
        write_line(&mut writer, &serde_json::to_vec(&values).map_err(json)?, &path)?;
        count += 1;
    }
    drop(rows);
    finish_file(writer, &path, &relative, manifest)?;
    manifest.tables.insert(table.to_owned(), count);
    Ok(count)
}

/// A row's values as JSON: numbers, text, and bytes in Base64.
fn row_values(
    row: &sqlx::any::AnyRow,
    columns: &[(String, ColumnKind)],
) -> Result<Vec<serde_json::Value>, BackupError> {
    let mut values = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        values.push(match kind {
            ColumnKind::Int => row.try_get::<Option<i64>, _>(i)?.map_or(serde_json::Value::Null, Into::into),
            ColumnKind::Text => row.try_get::<Option<String>, _>(i)?.map_or(serde_json::Value::Null, Into::into),
            ColumnKind::Bytes => {
                row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(serde_json::Value::Null, |b| BASE64.encode(&b).into())
            }
        });
    }
    Ok(values)
}

/// Writes a consistent copy of the database and blobs to `out`, which must not exist yet.
pub async fn backup(
    store: &Store,
    blobs: &BlobStore,
    out: &Path,
    now: i64,
    progress: &mut dyn Progress,
) -> Result<Manifest, BackupError> {
    if out.exists() {
        return Err(BackupError::Invalid(format!("{} already exists; name a new directory", out.display())));
    }
    let partial = partial_path(out);
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io_at(&partial))?;
    }
    for dir in [partial.join("tables"), partial.join("blobs")] {
        private_dir(&dir)?;
    }
    let backend = store.backend();
    // One snapshot for everything: SQLite's read transaction sees the database as of its first
    // read (WAL); PostgreSQL's REPEATABLE READ sees it as of its first statement.
    let mut tx = store.pool().begin().await?;
    if backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    }
    let schema_version = schema_version(&mut tx).await?;
    let mut manifest = Manifest {
        format: FORMAT,
        created_at: now,
        backend: backend.name().to_owned(),
        schema_version,
        tables: BTreeMap::new(),
        files: BTreeMap::new(),
        blob_bytes: 0,
        shredded_meanwhile: Vec::new(),
    };
    for &table in TABLES {
        let count = dump_table(&mut tx, backend, table, &partial, &mut manifest).await?;
        progress.note(&format!("{table}: {count} rows"));
    }
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT blob_id FROM attachments ORDER BY blob_id").fetch_all(&mut *tx).await?;
    for (done, id) in ids.iter().enumerate() {
        let relative = format!("blobs/{id}");
        let path = partial.join(&relative);
        let bytes = match blobs {
            // Blob files never change once in place. Shredding deletes them after the rows
            // that name them, so one the snapshot names may be gone: it is noted, not copied.
            BlobStore::Files { .. } => match blobs.read(id).await {
                Ok(mut reader) => copy_hashed(&mut reader, &path).await?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    manifest.shredded_meanwhile.push(id.clone());
                    continue;
                }
                Err(e) => return Err(io_at(&path)(e)),
            },
            // Read through the snapshot, so a blob shredded meanwhile is still copied whole.
            BlobStore::Database { .. } => copy_chunks(&mut tx, id, &path).await?,
        };
        manifest.files.insert(relative, bytes.1);
        manifest.blob_bytes += bytes.0;
        if (done + 1) % 1000 == 0 {
            progress.note(&format!("blobs: {} of {}", done + 1, ids.len()));
        }
    }
    tx.rollback().await?;
    progress.note(&format!("blobs: {} ({} bytes)", ids.len(), manifest.blob_bytes));
    let path = partial.join("manifest.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).map_err(json)?).map_err(io_at(&path))?;
    sync_tree(&partial)?;
    std::fs::rename(&partial, out).map_err(io_at(out))?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(io_at(parent))?;
    }
    Ok(manifest)
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

fn private_dir(path: &Path) -> Result<(), BackupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(io_at(path))
}

fn json(e: serde_json::Error) -> BackupError {
    BackupError::Invalid(e.to_string())
}

fn write_line(writer: &mut impl Write, line: &[u8], path: &Path) -> Result<(), BackupError> {
    writer.write_all(line).and_then(|()| writer.write_all(b"\n")).map_err(io_at(path))
}

fn finish_file(
    writer: Hashed<BufWriter<std::fs::File>>,
    path: &Path,
    relative: &str,
    manifest: &mut Manifest,
) -> Result<(), BackupError> {
    let Hashed { inner, hash, .. } = writer;
    let file = inner.into_inner().map_err(|e| io_at(path)(e.into_error()))?;
    file.sync_all().map_err(io_at(path))?;
    manifest.files.insert(relative.to_owned(), hex(&hash.finalize()));
    Ok(())
}

/// Copies a blob into `path`; returns its size and SHA-256.
async fn copy_hashed(
    reader: &mut (impl tokio::io::AsyncRead + Unpin),
    path: &Path,
) -> Result<(u64, String), BackupError> {
    let mut file = tokio::fs::File::create(path).await.map_err(io_at(path))?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = reader.read(&mut buffer).await.map_err(io_at(path))?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
        file.write_all(&buffer[..n]).await.map_err(io_at(path))?;
        bytes += n as u64;
    }
    file.sync_all().await.map_err(io_at(path))?;
    Ok((bytes, hex(&hash.finalize())))
}

/// Copies a blob stored in PostgreSQL chunk by chunk through the snapshot transaction.
async fn copy_chunks(conn: &mut AnyConnection, id: &str, path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = tokio::fs::File::create(path).await.map_err(io_at(path))?;
    let mut hash = Sha256::new();
    let mut bytes = 0u64;
    let mut seq = 0i64;
    loop {
        let Some(chunk) = super::blobs::read_chunk(&mut *conn, id, seq).await? else { break };
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(io_at(path))?;
        bytes += chunk.len() as u64;
        seq += 1;
    }
    file.sync_all().await.map_err(io_at(path))?;
    Ok((bytes, hex(&hash.finalize())))
}

fn sync_tree(root: &Path) -> Result<(), BackupError> {
    for dir in [root.join("tables"), root.join("blobs"), root.to_path_buf()] {
        std::fs::File::open(&dir).and_then(|d| d.sync_all()).map_err(io_at(&dir))?;
    }
    Ok(())
}

/// Reads and checks a backup's manifest and every file's checksum.
pub fn verify(from: &Path) -> Result<Manifest, BackupError> {
    let path = from.join("manifest.json");
    let text = std::fs::read(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            BackupError::Invalid(format!("{} holds no manifest.json: it is not a complete backup", from.display()))
        } else {
            io_at(&path)(source)
        }
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Invalid(format!("{} cannot be read: {e}", path.display())))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Invalid(format!("backup format {} is not known to this jubao", manifest.format)));
    }
    for (relative, expected) in &manifest.files {
        if relative.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(BackupError::Invalid(format!("the manifest names an unsafe path {relative}")));
        }
        let path = from.join(relative);
        let mut file = std::fs::File::open(&path).map_err(io_at(&path))?;
        let mut hash = Sha256::new();
        std::io::copy(&mut file, &mut hash).map_err(io_at(&path))?;
        if hex(&hash.finalize()) != *expected {
            return Err(BackupError::Invalid(format!("{relative} does not match its checksum: the backup is damaged")));
        }
    }
    Ok(manifest)
}

/// Loads a backup into the connected database, which must be migrated and empty, and its
/// blobs into `blobs`. The rows go in one transaction: a failed restore leaves the database
/// empty and removes the blobs it wrote.
pub async fn restore(
    store: &Store,
    blobs: &BlobStore,
    from: &Path,
    latest_schema: i64,
    progress: &mut dyn Progress,
) -> Result<Manifest, BackupError> {
    let manifest = verify(from)?;
    if manifest.schema_version > latest_schema {
        return Err(BackupError::Invalid(format!(
            "the backup was made by a newer jubao (schema {}, this one knows {latest_schema})",
            manifest.schema_version
        )));
    }
    for table in TABLES.iter().chain(["sessions"].iter()) {
        // The chain's head starts at entry 0 in every new database (migration 0004).
        let fresh = if *table == "audit_head" { " WHERE seq <> 0" } else { "" };
        let rows: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {}{fresh}", quoted(table))))
                .fetch_one(store.pool())
                .await?;
        if rows > 0 {
            return Err(BackupError::Invalid(format!(
                "the target database already holds data ({table}: {rows} rows); restore into a new, empty database"
            )));
        }
    }
    if blobs.list().await.map_err(io_at(from))?.iter().any(|(_, finished)| *finished) {
        return Err(BackupError::Invalid(
            "the target data directory already holds blobs; restore into a new data directory".into(),
        ));
    }
    let mut written = Vec::new();
    let result = load(store, blobs, from, &manifest, &mut written, progress).await;
    if result.is_err() {
        for id in &written {
            let _ = blobs.delete(id).await;
        }
    }
    result.map(|()| manifest)
}

async fn load(
    store: &Store,
    blobs: &BlobStore,
    from: &Path,
    manifest: &Manifest,
    written: &mut Vec<String>,
    progress: &mut dyn Progress,
) -> Result<(), BackupError> {
    load_blobs(blobs, from, manifest, written).await?;
    progress.note(&format!("blobs: {} ({} bytes)", written.len(), manifest.blob_bytes));

    let shredded: std::collections::HashSet<&str> = manifest.shredded_meanwhile.iter().map(String::as_str).collect();
    let backend = store.backend();
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM audit_head").execute(&mut *tx).await?;
    for &table in TABLES {
        let count = load_table(&mut tx, backend, from, table, manifest, &shredded, progress).await?;
        progress.note(&format!("{table}: {count} rows"));
    }
    tx.commit().await?;
    store.optimize().await?;
    Ok(())
}

/// Puts every blob of the backup in place; `written` names those written, to undo them.
async fn load_blobs(
    blobs: &BlobStore,
    from: &Path,
    manifest: &Manifest,
    written: &mut Vec<String>,
) -> Result<(), BackupError> {
    for relative in manifest.files.keys() {
        let Some(id) = relative.strip_prefix("blobs/") else { continue };
        let path = from.join(relative);
        let mut source = tokio::fs::File::open(&path).await.map_err(io_at(&path))?;
        let (slot, mut target) = blobs.create_with_id(id.to_owned()).await.map_err(io_at(&path))?;
        let copied = async {
            tokio::io::copy(&mut source, &mut target).await?;
            target.shutdown().await
        };
        if let Err(e) = copied.await {
            blobs.abort(slot).await;
            return Err(io_at(&path)(e));
        }
        written.push(blobs.commit(slot).await.map_err(io_at(&path))?);
    }
    Ok(())
}

/// Loads one table's rows in batches, self-references set once every row is in; gives the
/// rows loaded. Rows naming a blob shredded meanwhile are skipped.
async fn load_table(
    conn: &mut AnyConnection,
    backend: Backend,
    from: &Path,
    table: &str,
    manifest: &Manifest,
    shredded: &std::collections::HashSet<&str>,
    progress: &mut dyn Progress,
) -> Result<u64, BackupError> {
    let path = from.join(format!("tables/{table}.jsonl"));
    let file = std::fs::File::open(&path).map_err(io_at(&path))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header: TableHeader = match lines.next() {
        Some(line) => serde_json::from_str(&line.map_err(io_at(&path))?).map_err(json)?,
        None => return Err(BackupError::Invalid(format!("{} is empty", path.display()))),
    };
    let target = columns(&mut *conn, backend, table).await?;
    for (name, _) in &header.columns {
        if !target.iter().any(|(t, _)| t == name) {
            return Err(BackupError::Invalid(format!("{table}.{name} of the backup is not in this schema")));
        }
    }
    let kinds: Vec<ColumnKind> = header
        .columns
        .iter()
        .map(|(name, _)| target.iter().find(|(t, _)| t == name).map_or(ColumnKind::Text, |(_, k)| *k))
        .collect();
    let deferred: Vec<usize> = header
        .columns
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| SELF_REFERENCES.contains(&(table, name.as_str())))
        .map(|(i, _)| i)
        .collect();
    let per_insert = ROWS_PER_INSERT.min(PARAMETERS_PER_INSERT / header.columns.len().max(1)).max(1);
    let mut batch: Vec<Vec<serde_json::Value>> = Vec::with_capacity(per_insert);
    let mut later: Vec<Vec<serde_json::Value>> = Vec::new();
    let mut count = 0u64;
    let mut skipped = 0u64;
    let blob_column =
        if table == "attachments" { header.columns.iter().position(|(name, _)| name == "blob_id") } else { None };
    for line in lines {
        let mut row: Vec<serde_json::Value> = serde_json::from_str(&line.map_err(io_at(&path))?).map_err(json)?;
        if row.len() != header.columns.len() {
            return Err(BackupError::Invalid(format!("{}: a row of the wrong width", path.display())));
        }
        if blob_column.is_some_and(|i| row[i].as_str().is_some_and(|id| shredded.contains(id))) {
            skipped += 1;
            continue;
        }
        if deferred.iter().any(|&i| !row[i].is_null()) {
            later.push(row.clone());
            for &i in &deferred {
                row[i] = serde_json::Value::Null;
            }
        }
        batch.push(row);
        count += 1;
        if batch.len() == per_insert {
            insert(&mut *conn, table, &header, &kinds, &batch).await?;
            batch.clear();
        }
        if count.is_multiple_of(100_000) {
            progress.note(&format!("{table}: {count} rows…"));
        }
    }
    if !batch.is_empty() {
        insert(&mut *conn, table, &header, &kinds, &batch).await?;
    }
    set_deferred(&mut *conn, table, &header, &kinds, &deferred, &later).await?;
    if manifest.tables.get(table).copied() != Some(count + skipped) {
        return Err(BackupError::Invalid(format!(
            "{table}: the backup holds {count} rows, its manifest says otherwise"
        )));
    }
    Ok(count)
}

fn bind_value<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    kind: ColumnKind,
    value: &serde_json::Value,
) -> Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, BackupError> {
    let wrong = || BackupError::Invalid(format!("a value of the backup does not fit its column: {value}"));
    Ok(match kind {
        ColumnKind::Int => query.bind(if value.is_null() { None } else { Some(value.as_i64().ok_or_else(wrong)?) }),
        ColumnKind::Text => {
            query.bind(if value.is_null() { None } else { Some(value.as_str().ok_or_else(wrong)?.to_owned()) })
        }
        ColumnKind::Bytes => query.bind(match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(BASE64.decode(s.as_bytes()).map_err(|_| wrong())?),
            _ => return Err(wrong()),
        }),
    })
}

async fn insert(
    conn: &mut AnyConnection,
    table: &str,
    header: &TableHeader,
    kinds: &[ColumnKind],
    rows: &[Vec<serde_json::Value>],
) -> Result<(), BackupError> {
    let width = header.columns.len();
    let names: Vec<String> = header.columns.iter().map(|(name, _)| quoted(name)).collect();
    let groups: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!("INSERT INTO {} ({}) VALUES {}", quoted(table), names.join(", "), groups.join(", "));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for (value, kind) in row.iter().zip(kinds) {
            query = bind_value(query, *kind, value)?;
        }
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Sets the self-referencing columns held back while loading `table`.
async fn set_deferred(
    conn: &mut AnyConnection,
    table: &str,
    header: &TableHeader,
    kinds: &[ColumnKind],
    deferred: &[usize],
    rows: &[Vec<serde_json::Value>],
) -> Result<(), BackupError> {
    let Some(key) = header.columns.iter().position(|(name, _)| name == "id") else {
        return if rows.is_empty() { Ok(()) } else { Err(BackupError::Invalid(format!("{table} has no id column"))) };
    };
    for row in rows {
        for &i in deferred {
            let sql = format!("UPDATE {} SET {} = $1 WHERE id = $2", quoted(table), quoted(&header.columns[i].0));
            let query = bind_value(sqlx::query(sqlx::AssertSqlSafe(sql)), kinds[i], &row[i])?;
            bind_value(query, kinds[key], &row[key])?.execute(&mut *conn).await?;
        }
    }
    Ok(())
}
