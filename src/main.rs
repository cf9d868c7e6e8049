//! `jubao`: one binary for serving and operating the portal.

use std::process::ExitCode;

use clap::Parser;
use jubao::cli::{Cli, Command, run};
use jubao::configuration::{LogFilter, Settings};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    jubao::startup::private_files();
    let command = cli.command.unwrap_or(Command::Serve);
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    // Serving logs to standard output. The other commands keep standard output for their
    // results and standard error for one line of failure, so they log warnings only.
    if matches!(command, Command::Serve) {
        jubao::telemetry::init(&settings.log, std::io::stdout);
    } else if let Ok(quiet) = LogFilter::new("warn") {
        jubao::telemetry::init(&quiet, std::io::stderr);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    // Every command says which database it used: on standard error, so that what scripts
    // read on standard output stays as it was, and within the one line of a failure.
    let serving = matches!(command, Command::Serve);
    let database = settings.database_line();
    match runtime.block_on(run(command, settings)) {
        Ok(()) => {
            if !serving {
                eprintln!("jubao: {database}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("{e:#} ({database})")),
    }
}

/// One line on standard error, exit status 1.
fn fail(reason: &dyn std::fmt::Display) -> ExitCode {
    let line = reason.to_string().replace(['\n', '\r'], " ");
    eprintln!("jubao: {line}");
    ExitCode::FAILURE
}
