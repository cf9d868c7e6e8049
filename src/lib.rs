//! jubao (举报): anonymous reporting of workplace-safety hazards, violations and concealed
//! accidents, with encrypted storage, routing by the division of duties, deadlines and rewards.
//!
//! Layers, outside in: `web` (HTTP; markup from the `jubao-templates` crate) → `service` (what
//! the portal does) → `domain` (pure rules), `crypto` (the key hierarchy), `evidence` (file
//! kinds, metadata removal) → `store` (SQL and the encrypted files). Beside them: `auth`
//! officials' password and second factor, `seeds` the reference data, `configuration` the
//! settings, `startup` the server's assembly, `cli` the command line, `telemetry` logging.

#![forbid(unsafe_code)]

pub mod auth;
pub mod cli;
pub mod configuration;
pub mod crypto;
pub mod domain;
pub mod evidence;
pub mod seeds;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
