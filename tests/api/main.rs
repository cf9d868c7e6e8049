//! The one integration-test binary. Every test starts the real application on a random port
//! with a fresh database: SQLite by default, PostgreSQL when `JUBAO_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::too_many_lines)]

mod audit;
mod availability;
mod backup;
mod browser;
mod canary;
mod case_pages;
mod command_line;
mod crash;
mod desk;
mod errors;
mod evidence;
mod fuzz_seeds;
mod health;
mod helpers;
mod intake;
mod interop;
mod key_groups;
mod keys;
mod life;
mod mail;
mod matching;
mod no_trace;
mod openapi;
mod pages;
mod queries;
mod reference;
mod retention;
mod reward_controls;
mod rewards;
mod roles;
mod scale_out;
mod security_headers;
mod staff_login;
mod workspace;
