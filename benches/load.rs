//! The load harness: starts the release binary on a fresh database, drives it over HTTP on
//! loopback and prints what it measured. Figures and commands in benches/README.md.
//!
//! ```text
//! cargo bench --bench load -- intake [--postgres URL] [--clients 32] [--seconds 30] [--driver wrk]
//! cargo bench --bench load -- upload [--postgres URL] --file VIDEO
//! cargo bench --bench load -- queue [--postgres URL] [--tips 1000000] [--no-reindex] [--keep | --reuse URL]
//! cargo bench --bench load -- attack [--postgres URL] [--seconds 20]
//! ```
//!
//! `intake` first loads `/healthz` as the ceiling of the machine, then files realistic tips
//! (random kind, field, district and text, as the public form sends them) from `--clients`
//! concurrent clients for `--seconds`, and reports
//! tips/s, p50/p99 latency, errors and the server's resident memory idle, at the end and at
//! its peak, and how much CPU the server and the whole machine used. The load comes from
//! this process (reqwest), or with `--driver wrk` from `wrk` (Debian package `wrk`) cycling
//! through a thousand bodies made the same way, which leaves more of the machine to the server. `upload` streams one large video (`--file`, e.g. made by
//! `benches/support/big-video.sh`) through the reporter API, where it is cleaned, and reports
//! MB/s end to end and how much the server's peak resident memory grew. `queue` fills a fresh database with
//! realistic tips (`benches/support/fill.rs`) and times, in the server's own code, the first page of an
//! officer's queue under several filters and the oversight statistics (`--keep` leaves the filled database behind and prints its URL; `--reuse URL` measures again on it, without filling or re-indexing; `--no-reindex` leaves out the re-indexing, which recomputes every tip's indexes from the 64 shared reports, so that afterwards every tip matches a sixty-fourth of the others). `attack` runs three
//! attacks for `--seconds` each — the worst HEIF within the upload limit two at a time, staff
//! sign-in floods from 8 addresses, and 2 000 trickling connections — and meanwhile measures
//! `/healthz`, filing a tip and an officer's queue page: p99 of each, any 5xx, and how much the
//! server's resident memory grew.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::too_many_lines)] // a harness that cannot set up should stop loudly

#[path = "support/fill.rs"]
mod fill;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jubao");

struct Options {
    mode: String,
    driver: String,
    postgres: Option<String>,
    clients: usize,
    seconds: u64,
    file: Option<String>,
    tips: usize,
    keep: bool,
    reuse: Option<String>,
    no_reindex: bool,
}

fn options() -> Options {
    let mut o = Options {
        mode: "intake".into(),
        driver: "reqwest".into(),
        postgres: None,
        clients: 32,
        seconds: 30,
        file: None,
        tips: 1_000_000,
        keep: false,
        reuse: None,
        no_reindex: false,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--postgres" => o.postgres = Some(value()),
            "--clients" => o.clients = value().parse().unwrap(),
            "--seconds" => o.seconds = value().parse().unwrap(),
            "--file" => o.file = Some(value()),
            "--tips" => o.tips = value().parse().unwrap(),
            "--driver" => o.driver = value(),
            "--keep" => o.keep = true,
            "--reuse" => o.reuse = Some(value()),
            "--no-reindex" => o.no_reindex = true,
            "intake" | "upload" | "queue" | "attack" => o.mode = arg,
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// The server under test, with its own data directory and database.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
    /// The TOTP secret of the officer `bench.emergency`.
    totp_secret: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin, name)) = &self.postgres {
            let _ = Command::new("psql")
                .args([admin.as_str(), "-qc", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                .status();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh PostgreSQL database next to `admin_url`'s, made and dropped with psql.
fn fresh_postgres(admin_url: &str) -> (String, String) {
    let name = format!("jubao_load_{}", std::process::id());
    let ok = Command::new("psql")
        .args([
            admin_url,
            "-q",
            "-c",
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .status()
        .expect("psql runs");
    assert!(ok.success(), "cannot create the database");
    let (path, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
    let query = if query.is_empty() { String::new() } else { format!("?{query}") };
    (format!("{base}/{name}{query}"), name)
}

fn jubao(dir: &Path, database: &str, port: u16) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("JUBAO_DATABASE_URL", database)
        .env("JUBAO_DATA_DIR", dir.join("data"))
        .env("JUBAO_BIND", format!("127.0.0.1:{port}"))
        .env("JUBAO_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("JUBAO_LIMITS__TIPS_PER_HOUR", "100000000")
        .env("JUBAO_LIMITS__TIPS_PER_CLIENT_PER_HOUR", "100000000")
        .env("JUBAO_LIMITS__REPORTER_LOGINS_PER_CLIENT_PER_MINUTE", "100000000")
        .env("JUBAO_LIMITS__MAX_UPLOAD_BYTES", "4294967296")
        .env("JUBAO_LIMITS__MAX_TIP_BYTES", "4294967296")
        .env("JUBAO_LIMITS__EVIDENCE_MIB_PER_CLIENT_PER_HOUR", "1000000")
        .env("JUBAO_LIMITS__MIN_FREE_DISK_MIB", "0")
        .env("RUST_LOG", "warn");
    for name in ["MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"] {
        if let Ok(v) = std::env::var(name) {
            c.env(name, v);
        }
    }
    c
}

fn start(postgres: Option<&str>) -> Server {
    start_with(postgres, &[])
}

/// As `start`, with settings of its own (`JUBAO_…` variables).
fn start_with(postgres: Option<&str>, settings: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (database, pg) = match postgres {
        Some(admin) => {
            let (url, name) = fresh_postgres(admin);
            (url, Some((admin.to_owned(), name)))
        }
        None => (format!("sqlite://{}/jubao.db", dir.path().display()), None),
    };
    // One official per department the generated tips go to, so each can receive tips; each
    // is told of every new tip by mail (written to files, as no mail server is set).
    let mut totp_secret = String::new();
    for (user, department) in [
        ("bench.emergency", "emergency"),
        ("bench.fire", "fire"),
        ("bench.housing", "housing"),
        ("bench.economy", "economy"),
    ] {
        let mut command = jubao(dir.path(), &database, port);
        command.envs(settings.iter().copied());
        let mut add = command
            .args([
                "user",
                "add",
                "--username",
                user,
                "--role",
                "officer",
                "--department",
                department,
                "--email",
                &format!("{user}@example.org"),
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        add.stdin.take().unwrap().write_all(b"bench passphrase long enough\n").unwrap();
        let printed = add.wait_with_output().unwrap();
        assert!(printed.status.success(), "jubao user add");
        if user == "bench.emergency" {
            let printed = String::from_utf8_lossy(&printed.stdout);
            totp_secret = printed
                .lines()
                .find_map(|l| l.strip_prefix("TOTP secret (base32): "))
                .unwrap_or_default()
                .trim()
                .to_owned();
        }
    }
    let mut serve = jubao(dir.path(), &database, port);
    serve.envs(settings.iter().copied());
    let child = serve.arg("serve").stdout(Stdio::null()).spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let server = Server { child, url, _dir: dir, postgres: pg, totp_secret };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Resident and peak resident memory of a process, in KiB (Linux).
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds a process has used (user + system), from `/proc/PID/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// (busy, total) CPU ticks of the whole machine, from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<u64> =
        stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: u64 = values.iter().sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// What the server and the machine used during a run.
struct Usage {
    server_cpu: f64,
    machine: (u64, u64),
    started: Instant,
}

impl Usage {
    fn start(pid: u32) -> Self {
        Self { server_cpu: cpu_seconds(pid), machine: machine_ticks(), started: Instant::now() }
    }

    fn report(&self, pid: u32) {
        let wall = self.started.elapsed().as_secs_f64();
        let (busy, total) = machine_ticks();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        println!(
            "CPU: the server used {:.2} of {cores} cores; the machine was {:.0} % busy (server, load generator{})",
            (cpu_seconds(pid) - self.server_cpu) / wall,
            100.0 * (busy - self.machine.0) as f64 / (total - self.machine.1).max(1) as f64,
            if std::env::args().any(|a| a == "--postgres") { ", PostgreSQL" } else { "" }
        );
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// A small deterministic generator, so runs are comparable.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PLACES: &[&str] =
    &["渝中区解放碑", "江北区观音桥", "沙坪坝区大学城", "九龙坡区杨家坪", "南岸区南坪", "北碚区蔡家", "渝北区空港"];
const MATTERS: &[(&str, &str, &str)] = &[
    ("mine", "煤矿井下违规作业", "井下通风不良，瓦斯检测仪长期未校准，工人被要求超时作业。"),
    ("hazardous-chemicals", "危险化学品违规存放", "仓库内多种危险化学品混放，没有防爆设施，消防通道被货物堵塞。"),
    ("construction-site", "工地高处作业无防护", "脚手架没有安全网，工人高处作业不系安全带，塔吊司机无证上岗。"),
    ("fire-crowded-place", "商场消防通道堵塞", "商场后门安全出口上锁，消防通道堆满杂物，灭火器过期。"),
    ("urban-gas-pipeline", "餐馆燃气管道私接", "餐馆私自改装燃气管道，软管老化，厨房没有燃气报警器。"),
];
const DISTRICTS: &[&str] = &["500103", "500105", "500106", "500107", "500108", "500109", "500112", "500000"];

fn tip(draw: &mut Draw) -> serde_json::Value {
    let (category, title, description) = MATTERS[(draw.next() % MATTERS.len() as u64) as usize];
    let kind = draw.pick(&["major_hazard", "violation", "violation", "concealed_accident"]);
    let place = draw.pick(PLACES);
    let n = draw.next() % 1000;
    serde_json::json!({
        "kind": kind,
        "category": category,
        "district": draw.pick(DISTRICTS),
        "title": format!("{title}（{n} 号）"),
        "description": format!("{description}地点在{place}附近，已经持续一个多月，附近居民和工人都很担心。编号 {n}。"),
        "location": format!("{place}{n} 号"),
        "company": if n.is_multiple_of(2) { Some(format!("重庆某某{n}有限公司")) } else { None },
        "supervisory_duty": false,
    })
}

/// Drives `url` with `wrk`: `clients` connections on two threads for `seconds`, each request
/// one of a thousand tips made by `tip`. Latencies are wrk's percentiles.
fn wrk(url: &str, clients: usize, seconds: u64) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tips.lua");
    let mut draw = Draw(0x9e37_79b9_7f4a_7c15);
    let bodies: Vec<String> = (0..1000).map(|_| format!("[==[{}]==]", tip(&mut draw))).collect();
    std::fs::write(
        &script,
        format!(
            "local bodies = {{{}}}\nlocal n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(\"POST\", nil, \
             {{[\"Content-Type\"] = \"application/json\"}}, bodies[n % #bodies + 1])\nend\n",
            bodies.join(",\n")
        ),
    )
    .unwrap();
    let output = Command::new("wrk")
        .args(["-t2", &format!("-c{clients}"), &format!("-d{seconds}s"), "--latency", "--timeout", "10s", "-s"])
        .arg(&script)
        .arg(url)
        .output()
        .expect("wrk runs (Debian package wrk)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let number = |line: &str| -> f64 {
        let value = line.split_whitespace().last().unwrap_or("0");
        let (digits, unit): (String, String) = value.chars().partition(|c| c.is_ascii_digit() || *c == '.');
        let n: f64 = digits.parse().unwrap_or(0.0);
        match unit.as_str() {
            "us" => n / 1000.0,
            "s" => n * 1000.0,
            "k" => n * 1000.0,
            _ => n,
        }
    };
    let find = |prefix: &str| text.lines().map(str::trim).find(|l| l.starts_with(prefix)).map_or(0.0, number);
    let done = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    let refused = find("Non-2xx or 3xx responses:") as u64;
    let socket = text
        .lines()
        .find(|l| l.contains("Socket errors"))
        .map_or(0, |l| l.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse::<u64>().ok()).sum());
    println!("{}", text.lines().filter(|l| l.contains("Latency") || l.contains('%')).collect::<Vec<_>>().join("\n"));
    Run {
        done: done.saturating_sub(refused),
        errors: refused + socket,
        seconds: seconds as f64,
        p50: find("50%"),
        p99: find("99%"),
    }
}

struct Run {
    done: u64,
    errors: u64,
    seconds: f64,
    /// Median and 99th percentile latency, ms.
    p50: f64,
    p99: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.done as f64 / self.seconds
    }
}

/// The `p` quantile of sorted latencies in µs, in ms.
fn percentile(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let i = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    sorted_us[i] as f64 / 1000.0
}

/// `clients` loops sending what `request` builds for `seconds`; a non-2xx answer is an error.
async fn drive<F>(clients: usize, seconds: u64, request: F) -> Run
where
    F: Fn(&reqwest::Client, &mut Draw) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let (request, stop, errors) = (request.clone(), stop.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
            let mut draw = Draw(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1));
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let begun = Instant::now();
                match request(&client, &mut draw).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(begun.elapsed().as_micros() as u64);
                    }
                    Ok(r) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("error {}: {}", r.status(), r.text().await.unwrap_or_default());
                        }
                    }
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("error: {e}");
                        }
                    }
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies_us = Vec::new();
    for t in tasks {
        latencies_us.extend(t.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies_us.sort_unstable();
    Run {
        done: latencies_us.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        seconds,
        p50: percentile(&latencies_us, 0.50),
        p99: percentile(&latencies_us, 0.99),
    }
}

fn report(what: &str, run: &Run) {
    println!(
        "{what:<10} {:>9.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {} done, {} errors in {:.1} s",
        run.rate(),
        run.p50,
        run.p99,
        run.done,
        run.errors,
        run.seconds
    );
}

async fn intake(o: &Options) {
    let server = start(o.postgres.as_deref());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = server.child.id();
    let (idle, _) = memory(pid);
    let backend = if o.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("backend {backend}, {} clients, {} s; resident memory idle {:.1} MiB", o.clients, o.seconds, mib(idle));

    let health = format!("{}/healthz", server.url);
    let ceiling = drive(o.clients, o.seconds.min(10), move |c, _| c.get(&health)).await;
    report("/healthz", &ceiling);
    println!("resident memory after /healthz {:.1} MiB", mib(memory(pid).0));

    let tips = format!("{}/api/v1/tips", server.url);
    let usage = Usage::start(pid);
    let run = if o.driver == "wrk" {
        wrk(&tips, o.clients, o.seconds)
    } else {
        drive(o.clients, o.seconds, move |c, draw| c.post(&tips).json(&tip(draw))).await
    };
    report(&format!("tips ({})", o.driver), &run);
    usage.report(pid);
    let (end, peak) = memory(pid);
    println!(
        "tips/s as a share of /healthz: {:.1} %; resident memory at the end {:.1} MiB, peak {:.1} MiB",
        100.0 * run.rate() / ceiling.rate(),
        mib(end),
        mib(peak)
    );
}

async fn upload(o: &Options) {
    let server = start(o.postgres.as_deref());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = server.child.id();
    let client = reqwest::Client::new();
    let mut draw = Draw(7);
    let token = reporter_token(&client, &server.url, &mut draw).await;
    let (before, peak_before) = memory(pid);

    // A real video, streamed from disk in 256 KiB pieces as a phone sends it.
    let path = o.file.clone().expect("upload needs --file VIDEO (benches/support/big-video.sh makes one)");
    let size = std::fs::metadata(&path).unwrap().len();
    let file = tokio::fs::File::open(&path).await.unwrap();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
    let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
        .file_name("site.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let started = Instant::now();
    let response = client
        .post(format!("{}/api/v1/reporter/attachments", server.url))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert!(status.is_success(), "upload: {status} {body}");
    let (after, peak_after) = memory(pid);
    println!(
        "upload {path} ({:.0} MiB) in {elapsed:.2} s: {:.0} MB/s; resident {:.1} → {:.1} MiB, peak {:.1} → {:.1} MiB (grew {:.1} MiB)",
        size as f64 / 1024.0 / 1024.0,
        size as f64 / elapsed / 1e6,
        mib(before),
        mib(after),
        mib(peak_before),
        mib(peak_after),
        mib(peak_after.saturating_sub(peak_before.max(before)))
    );
}

/// Files a tip at `url` and opens its reporter session: the session's bearer token.
async fn reporter_token(client: &reqwest::Client, url: &str, draw: &mut Draw) -> String {
    let receipt: serde_json::Value =
        client.post(format!("{url}/api/v1/tips")).json(&tip(draw)).send().await.unwrap().json().await.unwrap();
    let session: serde_json::Value = client
        .post(format!("{url}/api/v1/reporter/session"))
        .json(&serde_json::json!({"reference": receipt["reference"], "query_code": receipt["query_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_owned()
}

/// Median and slowest of `runs` timings of `f`, in milliseconds.
async fn timed<F, Fut, T>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let begun = Instant::now();
        std::hint::black_box(f().await);
        ms.push(begun.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1])
}

async fn queue(o: &Options) {
    use jubao::service::officials::{self, NewOfficial};
    use jubao::service::{
        oversight,
        queue::{self, Query},
    };
    let dir = tempfile::tempdir().unwrap();
    let mut settings = jubao::configuration::Settings::defaults().unwrap();
    settings.data_dir = dir.path().join("data");
    let pg = if o.reuse.is_some() { None } else { o.postgres.as_deref().map(fresh_postgres) };
    let url = match (&o.reuse, &pg) {
        (Some(url), _) => url.clone(),
        (None, Some((url, _))) => url.clone(),
        (None, None) => format!("sqlite://{}/jubao.db", dir.path().display()),
    };
    settings.set_database_url(jubao::configuration::DatabaseUrl::parse(&url).unwrap());
    let store = jubao::startup::open_store(&settings).await.unwrap();
    let password = || jubao::auth::Password::new("bench passphrase long enough".to_owned()).unwrap();
    // An officer of every department the tips go to, so that each tip is granted to a
    // department key with a holder who can re-index it; the first is `bench.officer`.
    let data = jubao::store::reference::load(&store).await.unwrap();
    let mut departments: Vec<String> = data.categories.iter().map(|c| c.department_code.clone()).collect();
    departments.sort();
    departments.dedup();
    departments.retain(|d| d != "emergency");
    let mut accounts = vec![("bench.officer".to_owned(), "officer", Some("emergency".to_owned()))];
    accounts.push(("bench.oversight".to_owned(), "oversight", None));
    for (i, code) in departments.iter().enumerate() {
        accounts.push((format!("bench.officer{i}"), "officer", Some(code.clone())));
    }
    let now = jubao::store::unix_now();
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    if o.reuse.is_none() {
        for (name, roles, department) in &accounts {
            let new = NewOfficial {
                username: jubao::domain::Username::parse(name).unwrap(),
                roles: jubao::domain::Roles::parse(roles).unwrap(),
                department: department.as_deref().map(|d| jubao::domain::Code::parse(d).unwrap()),
                email: None,
                password: password(),
            };
            officials::create(&store, new, jubao::store::unix_now()).await.unwrap();
        }
        let tips = o.tips;
        let filled = fill::fill(&store, tips, now, |done| {
            if done % 100_000 == 0 || done == tips {
                eprint!("\rfilled {done} / {tips}");
            }
        })
        .await
        .unwrap();
        eprintln!();
        println!(
            "backend {backend}: filled {} tips in {:.0} s ({:.0}/s)",
            filled.tips,
            filled.seconds,
            filled.tips as f64 / filled.seconds
        );
    } else {
        println!("backend {backend}: the database of an earlier run, {url}");
    }
    let officer = officials::sign_in(&store, "bench.officer", password()).await.unwrap();
    let overseer = officials::sign_in(&store, "bench.oversight", password()).await.unwrap();
    let cases: [(&str, Query); 7] = [
        ("officer, no filter", Query::default()),
        ("officer, status received", Query { status: "received".into(), ..Query::default() }),
        ("officer, kind + district", Query { kind: "violation".into(), district: "500103".into(), ..Query::default() }),
        ("officer, overdue, due first", Query { due: "overdue".into(), sort: "due".into(), ..Query::default() }),
        ("officer, unassigned, oldest", Query { assignee: "none".into(), sort: "oldest".into(), ..Query::default() }),
        ("oversight, no filter", Query::default()),
        (
            "oversight, category + status",
            Query { category: "mine".into(), status: "verifying".into(), ..Query::default() },
        ),
    ];
    for (what, q) in &cases {
        let who = if what.starts_with("oversight") { &overseer } else { &officer };
        let (median, slowest) = timed(20, || queue::list(&store, who, q, now)).await;
        let page = queue::list(&store, who, q, now).await.unwrap();
        println!(
            "queue page 1, {what:<30} median {median:>7.2} ms  slowest {slowest:>7.2} ms  ({}{} matching)",
            page.total,
            if page.more { "+" } else { "" }
        );
    }
    let (median, slowest) = timed(20, || oversight::stats(&store, now)).await;
    println!("oversight statistics{:<23} median {median:>7.2} ms  slowest {slowest:>7.2} ms", "");
    related_tips(&store, &officer, &overseer, now).await;
    if o.reuse.is_some() {
        store.close().await;
        return;
    }
    if !o.no_reindex {
        // The 安委办's tips open with oversight's key (its officer here waits to be admitted).
        let mut holders = vec![officer, overseer];
        for (name, _, _) in accounts.iter().skip(2) {
            holders.push(officials::sign_in(&store, name, password()).await.unwrap());
        }
        reindexing(&store, &holders, now).await;
    }
    store.close().await;
    if o.keep {
        // `--keep`: the filled database stays, to look into with sqlite3 or psql.
        println!("kept: {url}");
        let _ = dir.keep();
        return;
    }
    if let Some((_, name)) = pg {
        let admin = o.postgres.as_deref().unwrap();
        let _ =
            Command::new("psql").args([admin, "-qc", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")]).status();
    }
}

/// Related tips at scale: the lookup of one case (index check, candidates, audit entry) for
/// twenty cases of the officer's queue, and the 安委办's repeats of the last 90 days.
async fn related_tips(
    store: &jubao::store::Store,
    officer: &jubao::service::officials::SignedIn,
    overseer: &jubao::service::officials::SignedIn,
    now: i64,
) {
    use jubao::service::{cases, related};
    // The officer came first and admits everyone else to the matching key.
    let name = jubao::domain::KeyGroup::Matching.name();
    let holders = jubao::store::keys::holders(&mut store.conn().await.unwrap(), &name).await.unwrap();
    for waiting in holders.iter().filter(|h| !h.is_active()) {
        jubao::service::groups::admit_pending(store, officer, &waiting.id, now).await.unwrap();
    }
    let _ = overseer;
    let data = jubao::store::reference::load(store).await.unwrap();
    let places = jubao::domain::matching::Places::new(&["重庆市"], data.districts.iter().map(|d| d.name_zh.as_str()));
    let page = jubao::service::queue::list(store, officer, &Default::default(), now).await.unwrap();
    let mut medians = Vec::new();
    let mut found = 0;
    for row in page.rows.iter().take(20) {
        let reference = jubao::domain::TipReference::parse(&row.meta.reference).unwrap();
        let case = cases::open(store, officer, &reference).await.unwrap();
        let (median, _) = timed(5, || related::for_case(store, officer, &case, &places, now)).await;
        medians.push(median);
        if let Ok(related::Related::Found { listed, elsewhere, .. }) =
            related::for_case(store, officer, &case, &places, now).await
        {
            found += listed.len() + elsewhere.iter().map(|e| e.count).sum::<usize>();
        }
    }
    medians.sort_by(f64::total_cmp);
    println!(
        "related tips of one case{:<19} median {:>7.2} ms  slowest {:>7.2} ms  ({} cases, {found} related in all)",
        "",
        medians[medians.len() / 2],
        medians[medians.len() - 1],
        medians.len()
    );
    let since = now - 90 * jubao::domain::china_time::DAY;
    let (median, slowest) = timed(20, || related::repeats(store, overseer, since, now)).await;
    let repeats = related::repeats(store, overseer, since, now).await.unwrap();
    println!(
        "repeats of 90 days (oversight){:<13} median {median:>7.2} ms  slowest {slowest:>7.2} ms  ({} values, most {} tips)",
        "",
        repeats.len(),
        repeats.first().map_or(0, |r| r.tips.len())
    );
}

/// A new version of the matching key (as when a holder leaves), then every department's
/// officer re-indexes the tips they can open, one after another, as the keys page would.
async fn reindexing(store: &jubao::store::Store, holders: &[jubao::service::officials::SignedIn], now: i64) {
    use jubao::service::related::Reindexing;
    let mut tx = store.begin().await.unwrap();
    jubao::service::groups::new_version::<jubao::crypto::Matching>(
        &mut tx,
        &jubao::domain::KeyGroup::Matching,
        "bench rotation",
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let data = jubao::store::reference::load(store).await.unwrap();
    let places = jubao::domain::matching::Places::new(&["重庆市"], data.districts.iter().map(|d| d.name_zh.as_str()));
    let started = std::time::Instant::now();
    let (mut done, mut unreadable) = (0, 0);
    for official in holders {
        let run = Reindexing::prepare(store, official, &places, None).await.unwrap().expect("holds the matching key");
        let finished = run
            .run(store, |p| {
                if p.done % 50_000 < 1_000 {
                    eprintln!("re-indexed {} / {} ({})", p.done, p.total, official.username);
                }
            })
            .await
            .unwrap();
        done += finished.done;
        unreadable += finished.unreadable;
    }
    eprintln!();
    let seconds = started.elapsed().as_secs_f64();
    let coverage = jubao::service::related::coverage(store).await.unwrap().unwrap();
    println!(
        "re-indexing after a rotation{:<15} {done} tips in {seconds:.1} s ({:.0} tips/s; {} officials one after another; \
         {unreadable} unreadable; {} of {} tips now indexed)",
        "",
        done as f64 / seconds,
        holders.len(),
        coverage.indexed,
        coverage.tips
    );
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        match o.mode.as_str() {
            "upload" => upload(&o).await,
            "queue" => queue(&o).await,
            "attack" => attack::run(&o).await,
            _ => intake(&o).await,
        }
    });
}

/// The portal under attack, and what its users meanwhile get.
mod attack {
    use super::*;

    const IP: fn(u8, u8) -> std::net::IpAddr = |c, d| std::net::IpAddr::from([127, 0, c, d]);

    /// One probe's answers during a phase: latencies in µs, and statuses.
    #[derive(Default)]
    struct Seen {
        latencies_us: Vec<u64>,
        server_errors: u64,
        refusals: u64,
        failures: u64,
    }

    /// Sends `request` every 100 ms until `stop`, from its own address.
    fn probe<F>(stop: Arc<AtomicBool>, from: std::net::IpAddr, request: F) -> tokio::task::JoinHandle<Seen>
    where
        F: Fn(&reqwest::Client, &mut Draw) -> reqwest::RequestBuilder + Send + 'static,
    {
        tokio::spawn(async move {
            let client = reqwest::Client::builder().local_address(from).build().unwrap();
            let mut draw = Draw(u64::from(from.to_string().len() as u32) * 7919 + 1);
            let mut seen = Seen::default();
            while !stop.load(Ordering::Relaxed) {
                let begun = Instant::now();
                match request(&client, &mut draw).send().await {
                    Ok(r) => {
                        let status = r.status();
                        let _ = r.bytes().await;
                        seen.latencies_us.push(begun.elapsed().as_micros() as u64);
                        if status.is_server_error() {
                            seen.server_errors += 1;
                        } else if !status.is_success() {
                            seen.refusals += 1;
                        }
                    }
                    Err(_) => seen.failures += 1,
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            seen
        })
    }

    /// The worst HEIF the cleaner accepts within the upload limit: the most metadata items
    /// with the most extents, every one covering the whole `mdat`, which is as large as an
    /// upload may be.
    fn worst_heif(size: usize) -> Vec<u8> {
        use jubao::evidence::heif::{MAX_EXTENTS, MAX_EXTENTS_PER_ITEM, MAX_METADATA_ITEMS};
        fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
            let mut b = u32::try_from(payload.len() + 8).unwrap().to_be_bytes().to_vec();
            b.extend_from_slice(kind);
            b.extend_from_slice(payload);
            b
        }
        let items = u16::try_from(MAX_METADATA_ITEMS.min(MAX_EXTENTS / MAX_EXTENTS_PER_ITEM)).unwrap();
        let extents = u16::try_from(MAX_EXTENTS_PER_ITEM).unwrap();
        let build = |mdat_at: u32, mdat_len: u32| {
            let mut iinf = vec![0, 0, 0, 0];
            iinf.extend_from_slice(&items.to_be_bytes());
            // iloc v1: 4-byte offsets and lengths, no base offset, no index.
            let mut iloc = vec![1, 0, 0, 0, 0x44, 0x00];
            iloc.extend_from_slice(&items.to_be_bytes());
            for id in 1..=items {
                let mut infe = vec![2, 0, 0, 0];
                infe.extend_from_slice(&id.to_be_bytes());
                infe.extend_from_slice(&[0, 0]);
                infe.extend_from_slice(if id % 2 == 0 { b"mime\0application/rdf+xml\0".as_slice() } else { b"Exif\0" });
                iinf.extend(boxed(b"infe", &infe));
                iloc.extend_from_slice(&id.to_be_bytes());
                iloc.extend_from_slice(&[0, 0, 0, 0]);
                iloc.extend_from_slice(&extents.to_be_bytes());
                for _ in 0..extents {
                    iloc.extend_from_slice(&(mdat_at + 8).to_be_bytes());
                    iloc.extend_from_slice(&mdat_len.to_be_bytes());
                }
            }
            let mut meta = vec![0, 0, 0, 0];
            meta.extend(boxed(b"iinf", &iinf));
            meta.extend(boxed(b"iloc", &iloc));
            let mut head = boxed(b"ftyp", b"heic\0\0\0\0mif1heic");
            head.extend(boxed(b"meta", &meta));
            head
        };
        let head_len = build(0, 0).len();
        let mdat_len = size - head_len - 8;
        let mut file = build(u32::try_from(head_len).unwrap(), u32::try_from(mdat_len).unwrap());
        file.extend_from_slice(&u32::try_from(mdat_len + 8).unwrap().to_be_bytes());
        file.extend_from_slice(b"mdat");
        file.resize(size, 0x5a);
        file
    }

    /// A connection that sends the headers of a 10 000-byte `POST /report`, then one byte a
    /// second, and starts again whenever the server closes it.
    async fn trickler(address: std::net::SocketAddr, from: std::net::IpAddr, stop: Arc<AtomicBool>) -> Vec<u16> {
        use tokio::io::AsyncWriteExt;
        let mut opened = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let Ok(socket) = tokio::net::TcpSocket::new_v4() else { break };
            let _ = socket.bind(std::net::SocketAddr::new(from, 0));
            let Ok(mut stream) = socket.connect(address).await else {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            opened.push(0);
            let head = "POST /report HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                continue;
            }
            while !stop.load(Ordering::Relaxed) && stream.write_all(b"a").await.is_ok() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        opened
    }

    fn report(phase: &str, probes: &[(&str, Seen)], rss: (u64, u64)) {
        println!("\n== {phase} ==");
        for (name, seen) in probes {
            let mut sorted = seen.latencies_us.clone();
            sorted.sort_unstable();
            println!(
                "{name:<12} {:>5} answers  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms  5xx {}  refused {}  failed {}",
                sorted.len(),
                percentile(&sorted, 0.50),
                percentile(&sorted, 0.99),
                percentile(&sorted, 1.0),
                seen.server_errors,
                seen.refusals,
                seen.failures
            );
        }
        let (before, peak) = rss;
        println!(
            "server memory: {:.1} MiB before, peak {:.1} MiB during: grew {:.1} MiB",
            mib(before),
            mib(peak),
            mib(peak.saturating_sub(before))
        );
    }

    pub async fn run(o: &Options) {
        let seconds = if o.seconds == 30 { 20 } else { o.seconds };
        // The defaults of a deployment, except what lets the attacks reach the work they
        // attack: many tips and files per client, so that the cleaner (not the hourly evidence
        // allowance) is what the HEIF attack meets.
        let settings = [
            ("JUBAO_LIMITS__EVIDENCE_MIB_PER_CLIENT_PER_HOUR", "1000000"),
            ("JUBAO_LIMITS__MAX_FILES_PER_TIP", "100000"),
            ("JUBAO_LIMITS__MAX_TIP_BYTES", "1099511627776"),
            ("JUBAO_LIMITS__MIN_FREE_DISK_MIB", "0"),
        ];
        let server = start_with(o.postgres.as_deref(), &settings);
        let pid = server.child.id();
        let url = server.url.clone();
        let address: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let client = reqwest::Client::new();

        // The officer signs in once; their session's token opens the queue page.
        let code = jubao::auth::totp::code_at(&server.totp_secret, jubao::store::unix_now() as u64).unwrap();
        let session: serde_json::Value = client
            .post(format!("{url}/api/v1/staff/session"))
            .json(&serde_json::json!({"username": "bench.emergency", "password": "bench passphrase long enough", "totp": code}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let cookie = format!("jubao_staff={}", session["token"].as_str().expect("the officer signs in"));
        // The attacker's receipt, for uploads.
        let mut draw = Draw(11);
        let reporter_token = reporter_token(&client, &url, &mut draw).await;
        let max_upload = 100 * 1024 * 1024;
        let heif = Arc::new(worst_heif(max_upload));
        let upload = {
            let (url, token, heif) = (url.clone(), reporter_token.clone(), heif.clone());
            move |client: reqwest::Client| {
                let (url, token, heif) = (url.clone(), token.clone(), heif.clone());
                async move {
                    let part = reqwest::multipart::Part::bytes(heif.to_vec()).file_name("IMG_0001.HEIC");
                    client
                        .post(format!("{url}/api/v1/reporter/attachments"))
                        .bearer_auth(token)
                        .multipart(reqwest::multipart::Form::new().part("file", part))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                }
            }
        };
        // Warm up every path once, so each kind of work's memory is in the baseline.
        let warm = upload(client.clone()).await;
        println!("the worst HEIF ({} MiB) is answered {warm}", heif.len() / (1024 * 1024));
        let _ = client.get(format!("{url}/staff")).header("cookie", &cookie).send().await;

        let phases: [(&str, u8); 3] = [
            ("HEIF cleaning, two at a time", 1),
            ("sign-in floods from 8 addresses", 2),
            ("2 000 trickling connections", 3),
        ];
        for (phase, which) in phases {
            let stop = Arc::new(AtomicBool::new(false));
            // What each attacker was answered (for the tricklers: a 0 per connection opened).
            let mut attackers: Vec<tokio::task::JoinHandle<Vec<u16>>> = Vec::new();
            match which {
                1 => {
                    for _ in 0..2 {
                        let (upload, stop) = (upload.clone(), stop.clone());
                        attackers.push(tokio::spawn(async move {
                            let client = reqwest::Client::builder().local_address(IP(1, 1)).build().unwrap();
                            let mut answers = Vec::new();
                            while !stop.load(Ordering::Relaxed) {
                                answers.push(upload(client.clone()).await);
                            }
                            answers
                        }));
                    }
                }
                2 => {
                    for address in 0..8u8 {
                        // Four at each address at once: more than the password pool lets wait.
                        for lane in 0..4u64 {
                            let (url, stop) = (url.clone(), stop.clone());
                            attackers.push(tokio::spawn(async move {
                                let client = reqwest::Client::builder().local_address(IP(2, address + 1)).build().unwrap();
                                let mut answers = Vec::new();
                                let mut tries = 0u64;
                                while !stop.load(Ordering::Relaxed) {
                                    let name = if tries.is_multiple_of(2) { "bench.emergency".to_owned() } else { format!("guess.{lane}.{tries}") };
                                    let r = client
                                        .post(format!("{url}/api/v1/staff/session"))
                                        .json(&serde_json::json!({"username": name, "password": "a wrong guess of length", "totp": "000000"}))
                                        .send()
                                        .await;
                                    answers.push(r.map(|r| r.status().as_u16()).unwrap_or(0));
                                    tries += 1;
                                }
                                answers
                            }));
                        }
                    }
                }
                _ => {
                    for i in 0..2000u32 {
                        let stop = stop.clone();
                        let from = IP(3, u8::try_from(i % 4).unwrap() + 1);
                        attackers.push(tokio::spawn(trickler(address, from, stop)));
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let (before, _) = memory(pid);
            let probes_stop = Arc::new(AtomicBool::new(false));
            let health = probe(probes_stop.clone(), IP(9, 1), {
                let url = url.clone();
                move |c, _| c.get(format!("{url}/healthz"))
            });
            let filing = probe(probes_stop.clone(), IP(9, 2), {
                let url = url.clone();
                move |c, d| c.post(format!("{url}/api/v1/tips")).json(&tip(d))
            });
            let queue = probe(probes_stop.clone(), IP(9, 3), {
                let (url, cookie) = (url.clone(), cookie.clone());
                move |c, _| c.get(format!("{url}/staff")).header("cookie", &cookie)
            });
            let mut peak = before;
            let until = Instant::now() + Duration::from_secs(seconds);
            while Instant::now() < until {
                peak = peak.max(memory(pid).0);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            probes_stop.store(true, Ordering::Relaxed);
            let seen = [
                ("/healthz", health.await.unwrap()),
                ("file a tip", filing.await.unwrap()),
                ("queue page", queue.await.unwrap()),
            ];
            stop.store(true, Ordering::Relaxed);
            let mut answered = std::collections::BTreeMap::<u16, u64>::new();
            for a in attackers {
                for status in a.await.unwrap_or_default() {
                    *answered.entry(status).or_default() += 1;
                }
            }
            report(phase, &seen, (before, peak));
            let what = if which == 3 { "connections opened" } else { "answers by status" };
            println!("attack: {what} {answered:?}");
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    }
}
