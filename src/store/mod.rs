//! Persistence: the SQL of every table, on SQLite or PostgreSQL through sqlx's `Any` driver,
//! the encrypted evidence files (`blobs`), and backup and restore. One SQL text serves both
//! backends (`$1` placeholders, integers for times and money, text ids, blobs), and the few
//! places where the backends differ are in this module. Columns that hold a domain enum are
//! read as that enum (`codes`); a value it does not know is `StoreError::Corrupt`. Every SQL
//! statement of the program is in `store`, and no code outside it names sqlx: it passes a
//! `Conn` and asks `StoreError` (`is_unavailable`, `is_constraint_violation`); a unit test
//! below holds to that.

pub mod attachments;
pub mod audit;
pub mod backup;
pub mod blobs;
pub mod codes;
pub mod indexes;
pub mod intake;
pub mod keys;
pub mod messages;
pub mod outbox;
#[cfg(test)]
mod plans;
pub mod posters;
pub mod queue;
pub mod reference;
pub mod rewards;
pub mod sessions;
pub mod tips;
pub mod users;
pub mod workflow;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

use crate::configuration::{Backend, DatabaseUrl};

/// A connection, or a transaction seen as one (`WriteTx` derefs to it): what every store
/// function takes, and what service code passes on without naming sqlx.
pub type Conn = AnyConnection;

/// `$first, …` for `n` bound values: an `IN (…)` list whose values are all bound (rows of
/// values for an `INSERT` are `intake::placeholders`).
pub(crate) fn bound_list(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Set on every SQLite connection: WAL so readers never wait for the writer, FULL sync so a
/// commit the reporter was told about survives a power cut.
/// `secure_delete` overwrites what is deleted (a shredded tip's keys) instead of leaving it in
/// free pages.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot create the directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[source] sqlx::Error),
    /// A column held a value this build cannot read (`codes`): the data is wrong, not the
    /// request.
    #[error("the column {column} holds {value:?}, which is not a {what}")]
    Corrupt { column: String, what: &'static str, value: String },
    #[error("{0}")]
    Conflict(String),
    /// A new tip's reference is already another's; draw again.
    #[error("the reference is taken")]
    ReferenceTaken,
    /// The whole system has taken as many tips this hour as it may.
    #[error("the hour's cap on tips is reached")]
    HourFull,
    /// A grouped commit failed; the cause is logged once, for the whole group.
    #[error("the grouped commit failed")]
    GroupFailed,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::ColumnDecode { index, source } => match source.downcast::<codes::Unknown>() {
                Ok(unknown) => {
                    // sqlx names the column as it prints it, in quotes.
                    let column = index.trim_matches('"').to_owned();
                    StoreError::Corrupt { column, what: unknown.what, value: unknown.value }
                }
                Err(source) => StoreError::Query(sqlx::Error::ColumnDecode { index, source }),
            },
            e => StoreError::Query(e),
        }
    }
}

impl StoreError {
    /// A unique or foreign-key constraint refused the write.
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            StoreError::Query(sqlx::Error::Database(e)) => matches!(
                e.kind(),
                sqlx::error::ErrorKind::UniqueViolation | sqlx::error::ErrorKind::ForeignKeyViolation
            ),
            _ => false,
        }
    }

    /// The database cannot be reached now (the pool timed out or is closed, or the
    /// connection failed): worth retrying later, not a fault of the request.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Query(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)))
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's writers take turns here (see `begin`).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// New tips' grouped commits (`intake::Grouped`), started with the first tip.
    intake: Arc<std::sync::OnceLock<intake::Grouped>>,
}

/// A write transaction, holding (on SQLite) the process's writer turn until it ends.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Store {
    /// Opens the database the URL names, creating a SQLite file (and its directory) if needed.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let connect_error = |source| StoreError::Connect { url: url.redacted(), source };
        let (backend, full_url) = match url.backend() {
            Some(Backend::Sqlite) => {
                if let Some(dir) = url.sqlite_path().as_deref().and_then(std::path::Path::parent)
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir)
                        .map_err(|source| StoreError::Directory { path: dir.display().to_string(), source })?;
                }
                let separator = if url.expose().contains('?') { '&' } else { '?' };
                let full = if url.expose().contains("mode=") {
                    url.expose().to_owned()
                } else {
                    format!("{}{separator}mode=rwc", url.expose())
                };
                (Backend::Sqlite, full)
            }
            _ => (Backend::Postgres, url.expose().to_owned()),
        };
        let options: AnyConnectOptions = full_url.parse().map_err(connect_error)?;
        // One direct connection first: it fails at once with the real reason ("connection
        // refused", "password authentication failed"), where the pool would retry until
        // its timeout and then only say that it timed out.
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(&options))
            .await
            .map_err(|_| connect_error(sqlx::Error::PoolTimedOut))?
            .map_err(connect_error)?;
        probe.close().await.map_err(connect_error)?;
        // PostgreSQL: evidence uploads take up to 8 (`blobs::CHUNKS_WRITING`), leaving 16 to
        // everything else. Connections are opened only when needed.
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 24 })
            .acquire_timeout(CONNECT_TIMEOUT)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        Ok(Self {
            pool,
            backend,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            intake: Arc::new(std::sync::OnceLock::new()),
        })
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Applies the migrations up to and including `version` only: a database as an older
    /// build left it, to prove that a later migration carries its data over.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        self.migrator().run_to(version, &self.pool).await?;
        Ok(())
    }

    /// The newest migration this build knows.
    pub fn latest_schema(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Bytes the database takes (SQLite: its pages; PostgreSQL: the whole database, evidence
    /// included).
    pub async fn database_bytes(&self) -> Result<u64, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            Backend::Postgres => "SELECT CAST(pg_database_size(current_database()) AS BIGINT)",
        };
        let bytes: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    /// A connection from the pool, for reads and single writes.
    pub async fn conn(&self) -> Result<PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A write transaction. SQLite has one writer at a time: writers queue here, in order,
    /// for the process's turn, then take the file's write lock at once (`BEGIN IMMEDIATE`),
    /// so a transaction that reads before it writes never fails half-way, and nobody waits
    /// in SQLite's busy handler, whose growing sleeps made the slowest requests ten times
    /// slower than the median under load.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self.writer.clone().lock_owned().await;
                WriteTx { tx: self.pool.begin_with("BEGIN IMMEDIATE").await?, _turn: Some(turn) }
            }
            Backend::Postgres => WriteTx { tx: self.pool.begin().await?, _turn: None },
        })
    }

    /// Refreshes the planner's statistics. On SQLite from a bounded sample of each index, so
    /// it takes milliseconds at any size. On PostgreSQL autovacuum does the same in time; a
    /// vacuum here also marks pages all-visible, which index-only scans (the overdue counts)
    /// need, and after a bulk load that matters. It skips pages already marked, so it is
    /// cheap when little has changed.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE",
            Backend::Postgres => "VACUUM (ANALYZE) tips, tip_counts, tip_indexes",
        };
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// After deleting secrets: on SQLite, copies the write-ahead log into the database and
    /// truncates it, so that the old pages it held (with what was deleted) are gone too.
    /// PostgreSQL recycles its own log; see SECURITY.md.
    pub async fn forget_deleted(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Stores a new tip in the next grouped commit (see `intake::Grouped`).
    pub async fn file_grouped(&self, filing: intake::Filing) -> Result<(), StoreError> {
        self.intake.get_or_init(|| intake::Grouped::start(self.clone())).run(filing).await
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Seconds since the Unix epoch: the one way times are stored.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// The one line outside the store that may say `sqlx`: the default log filter, which
    /// names sqlx's tracing target, not its API.
    const LOG_FILTER: (&str, &str) = ("configuration.rs", r#"log = "info,sqlx=warn""#);

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                rust_files(&path, out)?;
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        Ok(())
    }

    /// SQL, connections and sqlx's types live in `src/store/` alone.
    #[test]
    fn only_the_store_names_sqlx() -> std::io::Result<()> {
        let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
        let store = src.join("store");
        let mut files = Vec::new();
        rust_files(src, &mut files)?;
        files.sort();
        assert!(files.iter().any(|f| f.starts_with(&store)), "no store under {}", src.display());
        let mut found = Vec::new();
        for file in files.iter().filter(|f| !f.starts_with(&store)) {
            let name = file.strip_prefix(src).unwrap_or(file).display().to_string();
            for (n, line) in std::fs::read_to_string(file)?.lines().enumerate() {
                let line = line.trim();
                if line.starts_with("//") || !line.contains("sqlx") || (name.as_str(), line) == LOG_FILTER {
                    continue;
                }
                found.push(format!("src/{name}:{}: {line}", n + 1));
            }
        }
        assert!(found.is_empty(), "sqlx outside src/store/:\n{}", found.join("\n"));
        Ok(())
    }
}
