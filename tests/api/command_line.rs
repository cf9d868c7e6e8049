//! The built binary, run as an operator would, from an empty directory.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{TestDatabase, client_from};

const BIN: &str = env!("CARGO_BIN_EXE_jubao");

/// An empty working directory and a fresh database for one run of the binary.
struct Workplace {
    dir: tempfile::TempDir,
    database: TestDatabase,
}

impl Workplace {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::fresh(dir.path()).await;
        Self { dir, database }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        if let TestDatabase::Postgres { .. } = self.database {
            command.env("JUBAO_DATABASE_URL", self.database.url());
        }
        command
    }

    fn run(&self, args: &[&str], envs: &[(&str, &str)], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

/// Exit status 1 and exactly one line on standard error that contains `expected`.
fn assert_fails_with(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("jubao: "), "{stderr:?}");
    assert!(stderr.contains(expected), "{stderr:?} should contain {expected:?}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serves_from_an_empty_directory_with_a_new_seeded_database() {
    let place = Workplace::new().await;
    let child = place
        .command(&["serve"])
        .env("JUBAO_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut port = None;
    let mut printed = String::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("jubao is serving on port ") {
            port = rest.split_whitespace().next().map(|p| p.parse::<u16>().unwrap());
            break;
        }
    }
    let port = port.unwrap_or_else(|| panic!("no port announced: {printed}"));
    // The command as it can be run: this binary's path as it was called, not a bare `jubao`.
    assert!(printed.contains(&format!("{BIN} user add --username admin --role admin --password-stdin")), "{printed}");
    assert!(printed.contains("/staff/login"), "where to sign in: {printed}");
    assert!(printed.contains("jubao: database "), "which database: {printed}");

    let client = client_from(None);
    let health = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let reference: serde_json::Value =
        client.get(format!("http://127.0.0.1:{port}/api/v1/reference")).send().await.unwrap().json().await.unwrap();
    assert_eq!(reference["departments"].as_array().unwrap().len(), 15);
    assert!(reference["districts"].as_array().unwrap().iter().any(|d| d["code"] == "500103"));
    if let TestDatabase::Sqlite { .. } = place.database {
        let db = place.dir.path().join("data/jubao.db");
        assert!(db.is_file(), "created under data/");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(place.dir.path().join("data")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "the data directory is private");
        }
    }
}

#[tokio::test]
async fn a_bad_configuration_value_exits_1_naming_the_key() {
    let place = Workplace::new().await;
    for (var, value, expected) in [
        ("JUBAO_BIND", "nonsense", "bind (environment variable JUBAO_BIND)"),
        ("JUBAO_LIMITS__TIPS_PER_HOUR", "0", "limits.tips_per_hour"),
        ("JUBAO_DATABASE_URL", "mysql://localhost/jubao", "database_url"),
        ("JUBAO_PUBLIC_URL", "not a url", "public_url"),
    ] {
        let output = place.run(&["migrate"], &[(var, value)], "");
        assert_fails_with(&output, expected);
    }
    std::fs::write(place.dir.path().join("jubao.toml"), "[limits]\nmax_upload_bytes = \"lots\"\n").unwrap();
    let output = place.run(&["serve"], &[], "");
    assert_fails_with(&output, "limits.max_upload_bytes (in ");
}

#[tokio::test]
async fn an_unreachable_database_exits_1_quickly() {
    let place = Workplace::new().await;
    let started = Instant::now();
    let output = place.run(&["serve"], &[("JUBAO_DATABASE_URL", "postgres://jubao:secret@127.0.0.1:1/jubao")], "");
    assert_fails_with(&output, "cannot open the database at postgres://jubao:***@127.0.0.1:1/jubao");
    assert_fails_with(&output, "(database postgres://jubao:***@127.0.0.1:1/jubao)");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("secret"), "the password is not printed");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_seed_with_an_unknown_department_exits_1_naming_file_and_entry() {
    let place = Workplace::new().await;
    let seeds = place.dir.path().join("my-seeds");
    std::fs::create_dir(&seeds).unwrap();
    std::fs::write(
        seeds.join("categories.toml"),
        "[[category]]\ncode = \"pipes\"\ndepartment = \"plumbing\"\nname_zh = \"管道\"\nname_en = \"Pipes\"\n",
    )
    .unwrap();
    let output = place.run(&["seed", "--dir", "my-seeds"], &[], "");
    assert_fails_with(&output, "my-seeds/categories.toml: category pipes: unknown department plumbing");
}

#[tokio::test]
async fn seed_loads_and_updates_reference_data() {
    let place = Workplace::new().await;
    let output = place.run(&["seed"], &[], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("15 departments, 43 districts"), "{stdout}");
    assert!(stdout.contains("reward policy national-2018 (version 1, new)"), "{stdout}");

    // A province's own policy is a file, not a code change: it becomes version 2.
    let seeds = place.dir.path().join("province");
    std::fs::create_dir(&seeds).unwrap();
    let policy = include_str!("../../seeds/reward_policy.toml")
        .replace("code = \"national-2018\"", "code = \"province-a\"")
        .replace("percent = 15", "percent = 50");
    std::fs::write(seeds.join("reward_policy.toml"), policy).unwrap();
    let output = place.run(&["seed", "--dir", "province"], &[], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("reward policy province-a (version 2, new)"), "{stdout}");
    let output = place.run(&["seed", "--dir", "province"], &[], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(version 2, unchanged)"), "{stdout}");
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let place = Workplace::new().await;
    for args in [
        vec!["frobnicate"],
        vec!["user", "add", "--username", "li.wei"],
        vec!["user", "add", "--username", "li.wei", "--role", "root", "--password-stdin"],
        vec!["user", "add", "--username", "x", "--role", "admin", "--password-stdin"],
        vec!["user", "add", "--username", "li.wei", "--role", "admin", "--email", "nope", "--password-stdin"],
        vec!["seed", "--colour", "red"],
    ] {
        let output = place.run(&args, &[], "");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let output = place.run(&["--help"], &[], "");
    assert_eq!(output.status.code(), Some(0));
}

#[tokio::test]
async fn migrate_applies_the_migrations() {
    let place = Workplace::new().await;
    let output = place.run(&["migrate"], &[], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "migrations applied");
    let again = place.run(&["migrate"], &[], "");
    assert!(again.status.success(), "migrating twice is harmless");
}

#[tokio::test]
async fn user_add_creates_an_official_and_prints_the_second_factor() {
    let place = Workplace::new().await;
    let args = [
        "user",
        "add",
        "--username",
        "li.wei",
        "--role",
        "officer,head",
        "--department",
        "emergency",
        "--email",
        "li.wei@example.org",
        "--password-stdin",
    ];
    let output = place.run(&args, &[], "Long-enough-password-1\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("TOTP secret (base32): "))
        .unwrap_or_else(|| panic!("no secret: {stdout}"));
    assert!(secret.len() >= 32 && secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    let uri = stdout.lines().find(|l| l.starts_with("otpauth://totp/")).unwrap();
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("issuer=jubao"), "{uri}");
    // Which database was used, on standard error: standard output stays as scripts read it.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = match place.database {
        TestDatabase::Postgres { .. } => "jubao: database postgres://".to_owned(),
        _ => "jubao: database sqlite://data/jubao.db, the default".to_owned(),
    };
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(!stdout.contains("database"), "{stdout}");

    assert_fails_with(&place.run(&args, &[], "Long-enough-password-1\n"), "the username li.wei is taken");
    let mut other = args;
    other[3] = "zhang.min";
    assert_fails_with(&place.run(&other, &[], "short\n"), "at least 12 characters");
    other[7] = "plumbing";
    assert_fails_with(&place.run(&other, &[], "Long-enough-password-1\n"), "unknown department plumbing");
    assert_fails_with(
        &place.run(&["user", "add", "--username", "zhang.min", "--role", "officer", "--password-stdin"], &[], "x\n"),
        "need --department",
    );
}

#[tokio::test]
async fn the_test_suites_own_variables_are_not_settings() {
    let place = Workplace::new().await;
    let output = place.run(&["migrate"], &[("JUBAO_TEST_POSTGRES_URL", "postgres://unused")], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = place.run(&["migrate"], &[("JUBAO_BINDD", "127.0.0.1:1")], "");
    assert_fails_with(&output, "unknown field");
}
