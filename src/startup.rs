//! Builds the application once: open the store (migrate, seed if empty), bind, serve.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

use crate::configuration::Settings;
use crate::seeds::{SeedError, SeedSet};
use crate::store::blobs::BlobStore;
use crate::store::{Store, StoreError, reference, unix_now};
use crate::web::{self as http, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("built-in seeds are invalid: {0}")]
    Seeds(#[from] SeedError),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("the message catalogue (locales_dir) cannot be used: {0}")]
    Catalogue(#[from] jubao_templates::i18n::CatalogueError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
}

/// Everything the process creates from now on is its own alone: files 0600, directories
/// 0700 (the database, its WAL, blobs, the outbox, backups, recovered tips).
pub fn private_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Files made before `private_files` was in force are made private too.
fn make_private(path: &std::path::Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o777 != mode
            && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        {
            tracing::warn!(error = %e, path = %path.display(), "cannot make private");
        }
    }
}

/// Connects, applies migrations, and loads the built-in reference data into an empty database.
pub async fn open_store(settings: &Settings) -> Result<Store, StartError> {
    private_files();
    create_private_dir(&settings.data_dir)?;
    let url = settings.database_url();
    if let Some(file) = url.sqlite_path() {
        for suffix in ["", "-wal", "-shm"] {
            make_private(std::path::Path::new(&format!("{}{suffix}", file.display())), 0o600);
        }
    }
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    if !reference::has_reference_data(&store).await? {
        let seeds = SeedSet::builtin()?;
        let report = reference::store_seeds(&store, &seeds, unix_now()).await?;
        tracing::info!(
            departments = report.departments,
            districts = report.districts,
            categories = report.categories,
            "loaded the built-in reference data"
        );
    }
    Ok(store)
}

/// The data directory holds encrypted blobs and the outbox: readable by the service alone.
pub fn create_private_dir(path: &std::path::Path) -> Result<(), StartError> {
    let error = |source| StartError::DataDir { path: path.display().to_string(), source };
    if path.is_dir() {
        make_private(path, 0o700);
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(error)
}

/// A finished blob file no attachment names is left alone this long while serving: an upload
/// may be between putting its file in place and recording it.
const UNNAMED_BLOB_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes blob files no attachment names (`BlobStore::sweep_unreferenced`), off the async
/// threads. Blobs in the database are finished only with their attachment: nothing to do.
async fn sweep_unnamed(store: &Store, blobs: &BlobStore, at_start: bool) -> std::io::Result<usize> {
    if let BlobStore::Database { .. } = blobs {
        return Ok(0);
    }
    let named = async { crate::store::attachments::blob_ids(&mut *store.conn().await?).await };
    let named = named.await.map_err(std::io::Error::other)?;
    let blobs = blobs.clone();
    tokio::task::spawn_blocking(move || blobs.sweep_unreferenced(&named, UNNAMED_BLOB_GRACE, at_start))
        .await
        .map_err(std::io::Error::other)?
}

pub struct Application {
    port: u16,
    server: Server,
    store: Store,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        jubao_templates::i18n::install(settings.locales_dir.as_deref())?;
        let store = open_store(&settings).await?;
        let listener = TcpListener::bind(settings.bind)
            .map_err(|source| StartError::Bind { address: settings.bind.to_string(), source })?;
        let address =
            listener.local_addr().map_err(|source| StartError::Bind { address: settings.bind.to_string(), source })?;
        let blobs = BlobStore::open(&store, &settings.data_dir)
            .map_err(|source| StartError::DataDir { path: settings.data_dir.display().to_string(), source })?;
        let swept = blobs
            .sweep_partials(unix_now(), true)
            .await
            .map_err(|source| StartError::DataDir { path: settings.data_dir.display().to_string(), source })?;
        if swept > 0 {
            tracing::info!(swept, "removed unfinished uploads");
        }
        let unnamed = sweep_unnamed(&store, &blobs, true)
            .await
            .map_err(|source| StartError::DataDir { path: settings.data_dir.display().to_string(), source })?;
        if unnamed > 0 {
            tracing::info!(unnamed, "removed blobs no attachment names");
        }
        let spool = crate::service::evidence::SpoolDir::open(&settings.data_dir)
            .map_err(|source| StartError::DataDir { path: settings.data_dir.display().to_string(), source })?;
        match spool.sweep() {
            Ok(0) => {}
            Ok(swept) => tracing::info!(swept, "removed files an interrupted cleaning left"),
            Err(e) => tracing::warn!(error = %e, "spool sweep"),
        }
        let state = web::Data::new(AppState::new(store.clone(), settings, blobs, spool));
        tokio::spawn(maintenance(state.clone()));
        let server =
            serve(listener, state).map_err(|source| StartError::Bind { address: address.to_string(), source })?;
        tracing::info!(%address, "jubao is serving");
        Ok(Self { port: address.port(), server, store })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.store.close().await;
        result
    }
}

/// Background work: every 20 s the outbox is sent; once a minute idle rate-limit keys and
/// finished sign-in pauses are forgotten, expired sessions destroyed, deadlines reminded and escalated, and rewards
/// reminded and forfeited; once an hour (and at start) the planner's statistics refreshed
/// and yesterday's intake counts forgotten.
async fn maintenance(state: web::Data<AppState>) {
    let mailer = match crate::service::mailer::Mailer::new(&state.settings) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!(error = %e, "mail cannot be sent");
            None
        }
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(20));
    let mut round: u64 = 0;
    loop {
        tick.tick().await;
        let now = unix_now();
        if let Some(mailer) = &mailer
            && let Err(e) = mailer.run(&state.store, now).await
        {
            tracing::warn!(error = %e, "outbox");
        }
        round += 1;
        if round % 180 == 1 {
            if let Err(e) = state.store.optimize().await {
                tracing::warn!(error = %e, "optimize");
            }
            let forgotten = async {
                let mut conn = state.store.conn().await?;
                crate::store::intake::forget_before(&mut conn, now.div_euclid(3600) - 24).await
            };
            if let Err(e) = forgotten.await {
                tracing::warn!(error = %e, "intake hours");
            }
            match state.blobs.sweep_partials(now, false).await {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "removed abandoned uploads"),
                Err(e) => tracing::warn!(error = %e, "blob sweep"),
            }
            match sweep_unnamed(&state.store, &state.blobs, false).await {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "removed blobs no attachment names"),
                Err(e) => tracing::warn!(error = %e, "blob sweep"),
            }
        }
        if round % 3 != 1 {
            continue;
        }
        let days = state.settings.retention.days_after_closure;
        match crate::service::retention::shred_due(&state.store, &state.blobs, days, now).await {
            Ok(0) => {}
            Ok(shredded) => tracing::info!(shredded, "tips shredded under the retention rule"),
            Err(e) => tracing::warn!(error = %e, "retention"),
        }
        state.limiters.retain_recent();
        state.lockouts.retain_recent(now);
        if let Err(e) = crate::service::sessions::sweep(&state.store, now).await {
            tracing::warn!(error = %e, "session sweep");
        }
        if let Err(e) = crate::service::deadlines::run(&state.store, &state.settings.public_url, now).await {
            tracing::warn!(error = %e, "deadlines");
        }
        match crate::service::rewards::sweep(&state.store, &state.settings.public_url, now).await {
            Ok(swept) if swept.forfeited + swept.reminded > 0 => {
                tracing::info!(forfeited = swept.forfeited, reminded = swept.reminded, "rewards swept");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "rewards"),
        }
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let https = state.settings.public_url.is_https();
    let limits = state.settings.limits.clone();
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(http::request_limits::limit_requests))
            .wrap(ErrorHandlers::new().default_handler(http::error::fill_empty_error))
            .wrap(http::security_headers::middleware(https))
            .wrap(from_fn(http::request_log::log_request))
            .configure(http::routes)
    })
    .workers(workers)
    // Per worker: the instance as a whole holds at most `max_connections`.
    .max_connections((limits.max_connections.get() as usize).div_ceil(workers))
    .client_request_timeout(std::time::Duration::from_secs(u64::from(limits.header_timeout_seconds.get())))
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}
