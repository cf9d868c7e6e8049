//! Logging with `tracing`. What is logged is decided where it is logged: request lines carry
//! method, route pattern, status and duration only (see `web::request_log`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::configuration::LogFilter;

/// Installs the global subscriber writing to `writer`; a second call does nothing.
pub fn init<W>(filter: &LogFilter, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter.as_str()).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(false).try_init();
}
