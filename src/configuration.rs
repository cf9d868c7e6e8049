//! Settings: built-in defaults ← optional `jubao.toml` in the working directory ← `JUBAO_*`
//! environment variables (nested keys as `JUBAO_SECTION__KEY`). Every value is checked while
//! it is read, so a bad one stops the start with one line naming the key.

use std::net::{IpAddr, SocketAddr};
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

/// The defaults of CONTRACT.md. `database_url` is absent: it defaults to a file in `data_dir`.
const DEFAULTS: &str = r#"
bind = "127.0.0.1:8080"
data_dir = "data"
public_url = "http://127.0.0.1:8080"
city_name = "重庆市"
trusted_proxies = []
log = "info,sqlx=warn"

[limits]
tips_per_client_per_hour = 20
tips_per_hour = 2000
reporter_logins_per_client_per_minute = 10
staff_logins_per_user_per_minute = 5
max_upload_bytes = 104857600
max_tip_bytes = 1073741824
max_files_per_tip = 20
max_document_mib = 128
max_document_inflated_mib = 1024
header_timeout_seconds = 5
request_timeout_seconds = 30
min_body_bytes_per_second = 16384
max_connections = 10000
connections_per_client = 32
messages_per_tip_per_day = 30
evidence_mib_per_client_per_hour = 1024
min_free_disk_mib = 1024
max_database_mib = 0

[retention]
days_after_closure = 1825
"#;

/// Environment variables the test suite reads for itself; they are not settings.
const RESERVED_ENV_PREFIX: &str = "test_";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://…` (default: `sqlite://<data_dir>/jubao.db`) or `postgres://…`.
    database_url: Option<DatabaseUrl>,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub public_url: PublicUrl,
    /// Unset: emails are written to `<data_dir>/outbox/` as `.eml` files.
    pub smtp_url: Option<SmtpUrl>,
    /// A directory with a deployment's own `zh.ftl` and/or `en.ftl`: their messages replace
    /// the built-in wording of the same key. Unset: the built-in catalogue only.
    #[serde(default)]
    pub locales_dir: Option<PathBuf>,
    pub trusted_proxies: TrustedProxies,
    /// The city's name as company names and addresses begin with it (`重庆市`): related
    /// tips match names with and without it, and with and without a district's.
    pub city_name: String,
    /// A tracing filter, e.g. `info` or `jubao=debug,info`.
    pub log: LogFilter,
    pub limits: Limits,
    pub retention: Retention,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days after a tip is closed or rejected (and any reward settled) until it is
    /// crypto-shredded; 0 keeps tips for ever.
    pub days_after_closure: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub tips_per_client_per_hour: NonZeroU32,
    /// Whole system, all clients together.
    pub tips_per_hour: NonZeroU32,
    pub reporter_logins_per_client_per_minute: NonZeroU32,
    pub staff_logins_per_user_per_minute: NonZeroU32,
    /// The largest single evidence file.
    pub max_upload_bytes: NonZeroU64,
    /// All evidence of one tip together.
    pub max_tip_bytes: NonZeroU64,
    pub max_files_per_tip: NonZeroU32,
    /// The largest PDF or office document cleaned, in MiB: these are read whole, and a clean
    /// takes about three times the file in memory. Larger ones are refused, or kept only as
    /// the sealed original when the reporter asks for it.
    pub max_document_mib: NonZeroU32,
    /// What the parts of an office document may inflate to, together, in MiB.
    pub max_document_inflated_mib: NonZeroU32,
    /// Seconds a client has to send a request's headers.
    pub header_timeout_seconds: NonZeroU32,
    /// Seconds a request's body may take, besides what its size needs at
    /// `min_body_bytes_per_second` (`web::request_limits`).
    pub request_timeout_seconds: NonZeroU32,
    pub min_body_bytes_per_second: NonZeroU32,
    /// Open connections of the whole instance; past it, new ones wait to be accepted.
    pub max_connections: NonZeroU32,
    /// Requests one client may have in progress at once.
    pub connections_per_client: NonZeroU32,
    /// Messages a reporter may send on one tip in a day.
    pub messages_per_tip_per_day: NonZeroU32,
    /// Evidence one client may send in an hour, in MiB.
    pub evidence_mib_per_client_per_hour: NonZeroU32,
    /// Free space under `data_dir` below which uploads are refused (507); 0 turns it off.
    pub min_free_disk_mib: u64,
    /// Database size above which uploads are refused (507); 0 means no cap. Set it on
    /// PostgreSQL, where the evidence lives in the database.
    pub max_database_mib: u64,
}

/// A configuration problem, in one line.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Reads the settings the way `jubao` does at start.
    pub fn load() -> Result<Self, ConfigError> {
        let env = Env::prefixed("JUBAO_")
            .split("__")
            .filter(|key| !key.as_str().to_ascii_lowercase().starts_with(RESERVED_ENV_PREFIX));
        Self::from_figment(Figment::from(Toml::string(DEFAULTS)).merge(Toml::file("jubao.toml")).merge(env))
    }

    /// The built-in defaults alone, for tests and tools that set fields themselves.
    pub fn defaults() -> Result<Self, ConfigError> {
        Self::from_figment(Figment::from(Toml::string(DEFAULTS)))
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        figment.extract().map_err(|e| ConfigError(describe(e)))
    }

    pub fn database_url(&self) -> DatabaseUrl {
        self.database_url.clone().unwrap_or_else(|| DatabaseUrl::sqlite_file(&self.data_dir.join("jubao.db")))
    }

    /// Which database the commands use, for a person to read: the URL without its password,
    /// and whether it is the default (no `JUBAO_DATABASE_URL` or `database_url` was given).
    pub fn database_line(&self) -> String {
        let url = self.database_url().redacted();
        if self.database_url.is_none() {
            format!("database {url}, the default: set JUBAO_DATABASE_URL to use another")
        } else {
            format!("database {url}")
        }
    }

    pub fn set_database_url(&mut self, url: DatabaseUrl) {
        self.database_url = Some(url);
    }
}

/// `limits.tips_per_hour (JUBAO_LIMITS__TIPS_PER_HOUR): invalid value: …` — the first error only.
fn describe(error: figment::Error) -> String {
    let Some(first) = error.into_iter().next() else {
        return "unreadable settings".to_owned();
    };
    let key = first.path.join(".");
    let source = match &first.metadata {
        Some(meta) if meta.name.contains("environment") => {
            format!(" (environment variable JUBAO_{})", first.path.join("__").to_uppercase())
        }
        Some(meta) => match &meta.source {
            Some(figment::Source::File(path)) => format!(" (in {})", path.display()),
            _ => String::new(),
        },
        None => String::new(),
    };
    let what = first.kind.to_string().replace('\n', " ");
    if key.is_empty() { format!("{what}{source}") } else { format!("{key}{source}: {what}") }
}

/// Which database the URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let parsed = Self(url.to_owned());
        match parsed.backend() {
            Some(Backend::Sqlite) if parsed.sqlite_path().is_none_or(|p| p.as_os_str().is_empty()) => {
                Err("a sqlite URL needs a file path, e.g. sqlite://data/jubao.db".to_owned())
            }
            Some(_) => Ok(parsed),
            None => Err("unsupported database URL; use sqlite://PATH or postgres://USER@HOST/DB".to_owned()),
        }
    }

    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self(format!("sqlite://{}", path.display()))
    }

    pub fn backend(&self) -> Option<Backend> {
        let url = self.0.as_str();
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The file of a SQLite URL, without its query string.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.0.strip_prefix("sqlite://").or_else(|| self.0.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        Some(PathBuf::from(path))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced, fit for messages.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.0.clone(),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        DatabaseUrl::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The address the public reaches the portal at, used in QR codes and emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(url::Url);

impl PublicUrl {
    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    pub fn host(&self) -> Option<String> {
        self.0.host_str().map(str::to_owned)
    }

    /// `path` (starting with `/`) under the public address.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.0.as_str().trim_end_matches('/'), path)
    }
}

impl<'de> Deserialize<'de> for PublicUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let url = url::Url::parse(&s).map_err(|e| serde::de::Error::custom(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(serde::de::Error::custom("must be an http:// or https:// address"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(serde::de::Error::custom("must not have a query or fragment"));
        }
        Ok(Self(url))
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(url::Url);

impl SmtpUrl {
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({}://{})", self.0.scheme(), self.0.host_str().unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for SmtpUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let url = url::Url::parse(&s).map_err(|e| serde::de::Error::custom(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "smtp" | "smtps") || url.host().is_none() {
            return Err(serde::de::Error::custom("must be smtp://HOST:PORT or smtps://HOST:PORT"));
        }
        Ok(Self(url))
    }
}

/// Proxies whose `X-Forwarded-For` is believed. Empty: the peer address is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }

    fn parse_one(item: &str) -> Result<ipnet::IpNet, String> {
        item.parse::<ipnet::IpNet>()
            .or_else(|_| item.parse::<IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| format!("`{item}` is not an address or CIDR block"))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    /// A list, or one string with items separated by commas or spaces.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<String>),
            Text(String),
        }
        let items: Vec<String> = match Raw::deserialize(d)? {
            Raw::List(items) => items,
            Raw::Text(text) => text.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        };
        items
            .iter()
            .map(|item| Self::parse_one(item.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter(String);

impl LogFilter {
    pub fn new(directives: &str) -> Result<Self, String> {
        tracing_subscriber::EnvFilter::try_new(directives)
            .map(|_| Self(directives.to_owned()))
            .map_err(|e| e.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for LogFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        LogFilter::new(&String::deserialize(d)?).map_err(|e| serde::de::Error::custom(format!("not a log filter: {e}")))
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return its own error type
mod tests {
    use figment::Jail;

    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url().expose(), "sqlite://data/jubao.db");
        assert_eq!(s.public_url.join("/q/abc"), "http://127.0.0.1:8080/q/abc");
        assert!(s.smtp_url.is_none());
        assert!(s.trusted_proxies.0.is_empty());
    }

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file("jubao.toml", "bind = \"0.0.0.0:9000\"\n[limits]\ntips_per_hour = 5\n")?;
            jail.set_env("JUBAO_LIMITS__TIPS_PER_HOUR", "100000");
            jail.set_env("JUBAO_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1");
            jail.set_env("JUBAO_DATABASE_URL", "postgres://jubao:secret@db/jubao");
            jail.set_env("JUBAO_TEST_POSTGRES_URL", "postgres://ignored");
            let s = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(s.bind.to_string(), "0.0.0.0:9000");
            assert_eq!(s.limits.tips_per_hour.get(), 100_000);
            assert!(s.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
            assert!(s.trusted_proxies.contains("192.168.1.1".parse().unwrap()));
            assert!(!s.trusted_proxies.contains("192.168.1.2".parse().unwrap()));
            assert_eq!(s.database_url().backend(), Some(Backend::Postgres));
            assert_eq!(s.database_url().redacted(), "postgres://jubao:***@db/jubao");
            Ok(())
        });
    }

    #[test]
    fn the_database_defaults_to_a_file_in_the_data_directory() {
        Jail::expect_with(|jail| {
            jail.set_env("JUBAO_DATA_DIR", "/var/lib/jubao");
            let s = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(s.database_url().expose(), "sqlite:///var/lib/jubao/jubao.db");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_its_key_in_one_line() {
        let cases = [
            ("JUBAO_BIND", "nonsense", "bind (environment variable JUBAO_BIND)"),
            (
                "JUBAO_LIMITS__TIPS_PER_HOUR",
                "0",
                "limits.tips_per_hour (environment variable JUBAO_LIMITS__TIPS_PER_HOUR)",
            ),
            ("JUBAO_LIMITS__TIPS_PER_HOUR", "many", "limits.tips_per_hour"),
            (
                "JUBAO_DATABASE_URL",
                "mysql://x/y",
                "database_url (environment variable JUBAO_DATABASE_URL): unsupported",
            ),
            ("JUBAO_PUBLIC_URL", "ftp://x", "public_url"),
            ("JUBAO_SMTP_URL", "http://mail", "smtp_url"),
            ("JUBAO_TRUSTED_PROXIES", "10.0.0.0/33", "trusted_proxies"),
            ("JUBAO_LOG", "jubao=loud", "log"),
            ("JUBAO_LIMIT__TIPS_PER_HOUR", "1", "unknown field"),
        ];
        for (var, value, expected) in cases {
            Jail::expect_with(|jail| {
                jail.set_env(var, value);
                let message = Settings::load().unwrap_err().to_string();
                assert!(message.contains(expected), "{var}={value}: {message}");
                assert!(!message.contains('\n'), "{message}");
                Ok(())
            });
        }
    }

    #[test]
    fn a_bad_file_value_names_the_file() {
        Jail::expect_with(|jail| {
            jail.create_file("jubao.toml", "[limits]\nmax_upload_bytes = -1\n")?;
            let message = Settings::load().unwrap_err().to_string();
            assert!(message.starts_with("configuration: limits.max_upload_bytes (in "), "{message}");
            assert!(message.contains("jubao.toml"), "{message}");
            Ok(())
        });
    }
}
