//! The command line (CONTRACT.md). Exit codes: 0 success, 2 usage error (clap), 1 anything else.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::auth::Password;
use crate::configuration::Settings;
use crate::crypto::{Department, Key, PublicKey, Recovery};
use crate::domain::reward_policy::{Basis, RewardPolicy};
use crate::domain::{AccidentGrade, Code, KeyGroup, Kind, Roles, TipReference, Username, Yuan};
use crate::seeds::SeedSet;
use crate::service::groups::{self, Joined, admit_with_recovery};
use crate::service::officials::{self, NewOfficial};
use crate::service::{posters, tips};
use crate::startup::{Application, create_private_dir, open_store};
use crate::store::blobs::BlobStore;
use crate::store::{Store, backup, reference, unix_now, users};

#[derive(Debug, Parser)]
#[command(name = "jubao", version, about = "Anonymous work-safety reporting portal (安全生产举报)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load the reference data if the database has none, and serve (the default).
    Serve,
    /// Apply the database migrations of the configured backend.
    Migrate,
    /// Load or update the reference data: departments, categories, districts, kinds,
    /// deadlines, reward policy.
    Seed {
        /// A directory whose `*.toml` files replace the built-in ones of the same name.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Officials.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// QR posters.
    Poster {
        #[command(subcommand)]
        command: PosterCommand,
    },
    /// Departments' keys.
    Department {
        #[command(subcommand)]
        command: DepartmentCommand,
    },
    /// Rewards.
    Reward {
        #[command(subcommand)]
        command: RewardCommand,
    },
    /// Write a consistent copy of the database and the (still encrypted) blobs to a new
    /// directory, while the portal keeps serving.
    Backup {
        /// The directory to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Load a backup into the configured database and data directory, which must be new.
    Restore {
        /// A directory written by `jubao backup`.
        #[arg(long)]
        from: PathBuf,
    },
    /// Offline: decrypt one tip with a department's recovery identity.
    Recover {
        /// An identity file made with `age-keygen`, registered with `jubao department recovery`.
        #[arg(long)]
        identity: PathBuf,
        /// The tip's reference.
        #[arg(long, value_parser = parse_reference)]
        reference: TipReference,
        /// Where to write the decrypted tip (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RewardCommand {
    /// Print the reward in whole yuan that the policy in force gives (one integer).
    Quote {
        /// major_hazard, violation or concealed_accident.
        #[arg(long, value_parser = parse_kind)]
        kind: Kind,
        /// The administrative fine in yuan (major hazards and violations).
        #[arg(long, conflicts_with_all = ["grade", "deaths", "item"])]
        fine: Option<u64>,
        /// The final grade of a concealed accident: general, larger, major or especially_major.
        #[arg(long, value_parser = parse_grade, requires = "deaths", conflicts_with = "item")]
        grade: Option<AccidentGrade>,
        /// The verified concealed deaths.
        #[arg(long, requires = "grade")]
        deaths: Option<u32>,
        /// A matter listed in the policy's catalogue, by its code.
        #[arg(long, value_parser = parse_code)]
        item: Option<Code>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain: exit 0 when intact, 1 naming the first bad entry.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum PosterCommand {
    /// Create a QR poster; prints its code, the address in its QR code, and its printable page.
    Add {
        /// Where the poster hangs, e.g. "解放碑步行街 3 号工地".
        #[arg(long)]
        label: String,
        /// A district to preset in the form.
        #[arg(long, value_parser = parse_code)]
        district: Option<Code>,
        /// A category to preset in the form.
        #[arg(long, value_parser = parse_code)]
        category: Option<Code>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DepartmentCommand {
    /// Seal the department's key to an offline recovery recipient made with `age-keygen`. On
    /// a department with no key yet this makes the first version; otherwise a head of the
    /// department approves it from a session, which seals the existing versions to it.
    Recovery {
        #[arg(long, value_parser = parse_code)]
        department: Code,
        /// The recipient (`age1…`) printed by `age-keygen`.
        #[arg(long, value_parser = parse_recipient)]
        recipient: PublicKey<Recovery>,
    },
    /// Offline, by the holder of a printed recovery key: seal every key version that the
    /// identity opens for an official, who becomes an active holder if they were pending.
    /// The way forward when no active member holds older versions (KEYS.md).
    Admit {
        /// The identity file made with `age-keygen`, registered with `jubao department recovery`.
        #[arg(long)]
        identity: PathBuf,
        /// The official's username.
        #[arg(long, value_parser = parse_username)]
        user: Username,
        /// `custodians` or `finance`; without it, the department of the official.
        #[arg(long, value_parser = parse_group)]
        group: Option<KeyGroup>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an official; prints the TOTP secret and its otpauth:// URI.
    Add {
        #[arg(long, value_parser = parse_username)]
        username: Username,
        /// One or more of intake, officer, head, oversight, custodian, finance, admin,
        /// separated by commas.
        #[arg(long, value_parser = parse_roles)]
        role: Roles,
        /// Code of the department the official works in (needed for officer and head).
        #[arg(long, value_parser = parse_code)]
        department: Option<Code>,
        /// Where notifications go.
        #[arg(long, value_parser = parse_email)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn parse_username(s: &str) -> Result<Username, String> {
    Username::parse(s).map_err(|e| e.to_string())
}

fn parse_roles(s: &str) -> Result<Roles, String> {
    Roles::parse(s).map_err(|e| e.to_string())
}

fn parse_code(s: &str) -> Result<Code, String> {
    Code::parse(s).map_err(|e| e.to_string())
}

fn parse_group(s: &str) -> Result<KeyGroup, String> {
    match s {
        "custodians" => Ok(KeyGroup::Custodians),
        "finance" => Ok(KeyGroup::Finance),
        _ => {
            Err(format!("`{s}` is not a key group: custodians or finance (a department's group is the official's own)"))
        }
    }
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| format!("`{s}` is not a kind: major_hazard, violation, concealed_accident or other"))
}

fn parse_grade(s: &str) -> Result<AccidentGrade, String> {
    AccidentGrade::parse(s).ok_or_else(|| format!("`{s}` is not a grade: general, larger, major or especially_major"))
}

fn parse_reference(s: &str) -> Result<TipReference, String> {
    TipReference::parse(s).ok_or_else(|| format!("`{s}` is not a tip reference"))
}

fn parse_recipient(s: &str) -> Result<PublicKey<Recovery>, String> {
    PublicKey::parse(s).map_err(|_| format!("`{s}` is not an age recipient (age1…)"))
}

fn parse_email(s: &str) -> Result<String, String> {
    let valid = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        && s.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if valid { Ok(s.to_owned()) } else { Err(format!("`{s}` is not an email address")) }
}

/// Runs one command. Errors come back as one line for `main` to print.
pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let store = Store::connect(&settings.database_url()).await?;
            store.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { dir } => seed(settings, dir).await,
        Command::User { command: UserCommand::Add { username, role, department, email, password_stdin: _ } } => {
            user_add(settings, NewOfficialArgs { username, roles: role, department, email }).await
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let store = Store::connect(&settings.database_url()).await?;
            store.migrate().await?;
            match crate::store::audit::verify(&mut *store.conn().await?).await? {
                crate::store::audit::Verdict::Intact { entries } => {
                    println!("audit chain intact: {entries} entries");
                    Ok(())
                }
                crate::store::audit::Verdict::Broken { seq, reason } => {
                    bail!("audit chain broken at entry {seq}: {reason}")
                }
            }
        }
        Command::Poster { command: PosterCommand::Add { label, district, category } } => {
            let store = open_store(&settings).await?;
            let poster = posters::create(&store, &label, district.as_ref(), category.as_ref(), unix_now()).await?;
            println!("poster {} ({})", poster.code, poster.label);
            println!("{}", settings.public_url.join(&format!("/q/{}", poster.code)));
            println!("printable page: {}", settings.public_url.join(&format!("/q/{}/poster", poster.code)));
            Ok(())
        }
        Command::Department { command: DepartmentCommand::Recovery { department, recipient } } => {
            department_recovery(settings, department, recipient).await
        }
        Command::Department { command: DepartmentCommand::Admit { identity, user, group } } => {
            department_admit(settings, identity, user, group).await
        }
        Command::Reward { command: RewardCommand::Quote { kind, fine, grade, deaths, item } } => {
            let basis = match (fine, grade.zip(deaths), item) {
                (_, _, Some(item)) => Basis::Catalogue(item),
                (_, Some((grade, deaths)), None) => Basis::Concealed { grade, deaths },
                (Some(fine), None, None) => Basis::Fine(Yuan(i64::try_from(fine).context("the fine is too large")?)),
                (None, None, None) => clap::Error::raw(
                    clap::error::ErrorKind::MissingRequiredArgument,
                    "give --fine YUAN, or --grade GRADE --deaths N, or --item CODE\n",
                )
                .exit(),
            };
            let store = open_store(&settings).await?;
            let (_, source) = crate::store::rewards::newest_policy(&mut *store.conn().await?)
                .await?
                .context("no reward policy is loaded: run `jubao seed`")?;
            let policy: RewardPolicy = toml::from_str(&source).context("the stored reward policy cannot be read")?;
            let amount = policy.quote(kind, &basis).map_err(|e| anyhow::anyhow!(e.0))?;
            println!("{}", amount.0);
            Ok(())
        }
        Command::Recover { identity, reference, out } => recover(settings, identity, reference, out).await,
        Command::Backup { out } => backup(settings, out).await,
        Command::Restore { from } => restore(settings, from).await,
    }
}

fn blob_store(settings: &Settings, store: &Store) -> anyhow::Result<BlobStore> {
    create_private_dir(&settings.data_dir)?;
    BlobStore::open(store, &settings.data_dir)
        .with_context(|| format!("cannot open the blob store under {}", settings.data_dir.display()))
}

async fn backup(settings: Settings, out: PathBuf) -> anyhow::Result<()> {
    let store = Store::connect(&settings.database_url()).await?;
    store.migrate().await?;
    let blobs = blob_store(&settings, &store)?;
    let manifest = backup::backup(&store, &blobs, &out, unix_now(), &mut |line: &str| eprintln!("{line}")).await?;
    let rows: u64 = manifest.tables.values().sum();
    println!(
        "backup written to {}: {rows} rows in {} tables, {} bytes of blobs (schema {})",
        out.display(),
        manifest.tables.len(),
        manifest.blob_bytes,
        manifest.schema_version
    );
    Ok(())
}

async fn restore(settings: Settings, from: PathBuf) -> anyhow::Result<()> {
    let store = Store::connect(&settings.database_url()).await?;
    store.migrate().await?;
    let blobs = blob_store(&settings, &store)?;
    let latest = store.latest_schema();
    let manifest = backup::restore(&store, &blobs, &from, latest, &mut |line: &str| eprintln!("{line}")).await?;
    let rows: u64 = manifest.tables.values().sum();
    println!(
        "restored {} (taken at {}) into the configured database: {rows} rows, {} bytes of blobs",
        from.display(),
        manifest.created_at,
        manifest.blob_bytes
    );
    Ok(())
}

/// This program as it was called (`target/release/jubao`, `./jubao`, or `jubao` from the
/// PATH), so that a command printed for a person runs as printed.
fn program() -> String {
    std::env::args_os()
        .next()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "jubao".to_owned())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let public_url = settings.public_url.clone();
    let database = settings.database_line();
    let app = Application::build(settings).await?;
    println!("jubao: {database}");
    if users::count_active(&mut *app.store().conn().await?).await? == 0 {
        let program = program();
        println!(
            "No official can sign in yet. Create the first administrator with the same configuration\n\
             (the same working directory and JUBAO_DATABASE_URL) in another terminal:\n  \
             {program} user add --username admin --role admin --password-stdin\n\
             type the password and press Enter, then add the printed TOTP secret (or otpauth:// URI)\n\
             to an authenticator app: the administrator signs in at {} with username, password and code.",
            public_url.join("/staff/login")
        );
    }
    println!("jubao is serving on port {} — public pages at {}", app.port(), public_url.join("/"));
    app.run_until_stopped().await?;
    Ok(())
}

async fn seed(settings: Settings, dir: Option<PathBuf>) -> anyhow::Result<()> {
    let seeds = match &dir {
        Some(dir) => SeedSet::from_dir(dir)?,
        None => SeedSet::builtin()?,
    };
    let store = Store::connect(&settings.database_url()).await?;
    store.migrate().await?;
    let report = reference::store_seeds(&store, &seeds, unix_now()).await?;
    println!(
        "reference data loaded: {} departments, {} districts, {} categories, {} kinds, {} deadlines; \
         reward policy {} (version {}{})",
        report.departments,
        report.districts,
        report.categories,
        report.kinds,
        report.deadlines,
        report.policy_code,
        report.policy_version,
        if report.policy_changed { ", new" } else { ", unchanged" }
    );
    Ok(())
}

struct NewOfficialArgs {
    username: Username,
    roles: Roles,
    department: Option<Code>,
    email: Option<String>,
}

async fn user_add(settings: Settings, args: NewOfficialArgs) -> anyhow::Result<()> {
    if args.roles.needs_department() && args.department.is_none() {
        bail!("the roles officer and head need --department CODE");
    }
    let password = read_password()?;
    let store = open_store(&settings).await?;
    let (username, roles) = (args.username.clone(), args.roles.clone());
    let new = NewOfficial {
        username: args.username,
        roles: args.roles,
        department: args.department,
        email: args.email,
        password,
    };
    let created = officials::create(&store, new, unix_now()).await?;
    println!("created official {username} with roles {roles}");
    for (group, joined) in &created.groups {
        match joined {
            Joined::NewVersion(version) => println!("{group}: holds key version {version} (new)"),
            Joined::Pending { .. } => {
                println!("{group}: pending until a member of the group approves from a session")
            }
        }
    }
    println!("TOTP secret (base32): {}", *created.enrolment.secret_base32);
    println!("{}", *created.enrolment.uri);
    Ok(())
}

async fn department_recovery(
    settings: Settings,
    department: Code,
    recipient: PublicKey<Recovery>,
) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    if !reference::department_exists(&store, department.as_str()).await? {
        bail!("unknown department {department}");
    }
    let group = KeyGroup::Department(department);
    let mut tx = store.begin().await?;
    let joined = groups::add_recovery::<Department>(&mut tx, &group, &recipient, unix_now()).await?;
    tx.commit().await?;
    match joined {
        Joined::NewVersion(version) => println!("{group}: {recipient} holds key version {version} (new)"),
        Joined::Pending { .. } => println!(
            "{group}: {recipient} is pending until a head of the department approves it from a session, \
             which seals every key version to it"
        ),
    }
    Ok(())
}

async fn department_admit(
    settings: Settings,
    identity: PathBuf,
    username: Username,
    group: Option<KeyGroup>,
) -> anyhow::Result<()> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&identity).with_context(|| format!("cannot read {}", identity.display()))?,
    );
    let key = Key::<Recovery>::parse(&text).with_context(|| format!("{} holds no age identity", identity.display()))?;
    let url = settings.database_url();
    println!("数据库 database: {}", url.redacted());
    let store = open_store(&settings).await?;
    let user = users::by_username(&mut *store.conn().await?, username.as_str())
        .await?
        .with_context(|| format!("没有此工作人员 no official named {username}"))?;
    if user.disabled_at.is_some() {
        bail!("{username} 已停用 is disabled");
    }
    let group = match group {
        Some(group) => group,
        None => {
            KeyGroup::Department(user.department_code.as_deref().and_then(|d| Code::parse(d).ok()).with_context(
                || format!("{username} 没有部门 has no department: give --group custodians or finance"),
            )?)
        }
    };
    let mut tx = store.begin().await?;
    let now = unix_now();
    let done =
        crate::service::per_group!(&group, admit_with_recovery(&mut tx, &group, &key, &user.id, now)).map_err(|e| {
            match e {
                crate::service::ServiceError::Conflict(msg) => {
                    anyhow::anyhow!("{}\n{}", msg.render(jubao_templates::Lang::Zh), msg)
                }
                e => e.into(),
            }
        })?;
    crate::store::audit::append(
        &mut tx,
        &crate::store::audit::Entry {
            actor_id: None,
            action: "key.grant.recovery",
            tip_id: None,
            detail: &format!("group={} user={} versions={:?}", group.name(), user.id, done.sealed),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    let list = |v: &[i64]| {
        if v.is_empty() { "—".to_owned() } else { v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ") }
    };
    println!("{group}: {username}");
    println!("  新交给的版本 versions sealed now: {}", list(&done.sealed));
    println!("  原已持有 already held: {}", list(&done.already));
    println!("  此恢复密钥打不开 not opened by this identity: {}", list(&done.not_opened));
    if done.activated {
        println!("  {username} 已获准加入密钥组 is now an active holder");
    }
    Ok(())
}

async fn recover(settings: Settings, identity: PathBuf, reference: TipReference, out: PathBuf) -> anyhow::Result<()> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&identity).with_context(|| format!("cannot read {}", identity.display()))?,
    );
    let key = Key::<Recovery>::parse(&text).with_context(|| format!("{} holds no age identity", identity.display()))?;
    let store = Store::connect(&settings.database_url()).await?;
    let opened = tips::open_for_recovery(&store, &key, &reference).await?;
    create_private_dir(&out)?;
    let tip = &opened.tip;
    let record = serde_json::json!({
        "reference": tip.reference,
        "kind": tip.kind,
        "category": tip.category_code,
        "district": tip.district_code,
        "channel": tip.channel,
        "status": tip.status,
        "department": tip.department_code,
        "received_at": tip.received_at,
        "report": opened.report,
    });
    let path = out.join("report.json");
    let text = zeroize::Zeroizing::new(serde_json::to_string_pretty(&record)?);
    std::fs::write(&path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;

    let messages = crate::service::conversation::messages(&store, &tip.id, &opened.key).await?;
    let messages: Vec<_> =
        messages.iter().map(|m| serde_json::json!({"from": m.author.as_str(), "at": m.at, "body": m.body})).collect();
    let path = out.join("messages.json");
    let text = zeroize::Zeroizing::new(serde_json::to_string_pretty(&messages)?);
    std::fs::write(&path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;

    let files = crate::service::conversation::attachments(&store, &tip.id, &opened.key).await?;
    if !files.is_empty() {
        create_private_dir(&out.join("attachments"))?;
    }
    let blobs = blob_store(&settings, &store)?;
    let rows = crate::store::attachments::of_tip(&mut *store.conn().await?, &tip.id).await?;
    for (n, file) in files.iter().enumerate() {
        let Some(row) = rows.iter().find(|r| r.id == file.id) else { continue };
        // Under its neutral name, numbered within the tip; a file from before numbering gets a
        // number in front, so that two of the same name both survive. Never a path.
        let shown = file.name(jubao_templates::Lang::Zh);
        let name = std::path::Path::new(&shown).file_name().and_then(|n| n.to_str()).unwrap_or("evidence");
        let file_name = if file.number.is_some() { name.to_owned() } else { format!("{:02}-{name}", n + 1) };
        let path = out.join("attachments").join(file_name);
        let sealed = blobs.read(&row.blob_id).await.with_context(|| format!("the blob of {name} cannot be read"))?;
        let mut plain = opened.key.open_async(tokio_util::compat::TokioAsyncReadCompatExt::compat(sealed)).await?;
        let mut target = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = futures_util::AsyncReadExt::read(&mut plain, &mut buffer).await?;
            if n == 0 {
                break;
            }
            std::io::Write::write_all(&mut target, &buffer[..n])?;
        }
    }
    println!(
        "recovered tip {reference} into {}: report, {} messages, {} attachments",
        out.display(),
        messages.len(),
        files.len()
    );
    Ok(())
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<Password> {
    let mut input = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut input).context("cannot read the password from standard input")?;
    let line = input.lines().next().unwrap_or_default().to_owned();
    Ok(Password::new(line)?)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn emails() {
        for (s, ok) in [
            ("em@example.org", true),
            ("li.wei@yjj.cq.gov.cn", true),
            ("no-at-sign", false),
            ("a@b", false),
            ("a b@example.org", false),
            ("a@b@example.org", false),
            ("<a@example.org>", false),
        ] {
            assert_eq!(parse_email(s).is_ok(), ok, "{s}");
        }
    }
}
