//! Fills the configured database with realistic tips, for measuring the queue and the
//! statistics at scale:
//!
//! ```text
//! JUBAO_DATABASE_URL=sqlite://fill/jubao.db cargo run --release --example fill -- --tips 1000000
//! ```
//!
//! The database is migrated and seeded first if it is new. Tips are routed to departments
//! without officials too; those departments' tips have no grant and cannot be opened.

#![allow(clippy::too_many_lines)] // the bulk filler is tooling, not the portal

use std::io::Write;

#[path = "../benches/support/fill.rs"]
mod fill;

fn main() -> anyhow::Result<()> {
    let mut tips = 1_000_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tips" => tips = args.next().unwrap_or_default().parse()?,
            other => anyhow::bail!("unknown argument {other}; usage: fill [--tips N]"),
        }
    }
    let settings = jubao::configuration::Settings::load()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = jubao::startup::open_store(&settings).await?;
        let now = jubao::store::unix_now();
        let filled = fill::fill(&store, tips, now, |done| {
            print!("\r{done} / {tips} tips");
            let _ = std::io::stdout().flush();
        })
        .await?;
        println!(
            "\nfilled {} tips in {:.1} s ({:.0} tips/s)",
            filled.tips,
            filled.seconds,
            filled.tips as f64 / filled.seconds
        );
        anyhow::Ok(())
    })
}
