//! jubao (举报): anonymous reporting of workplace-safety hazards, violations and concealed
//! accidents, with encrypted storage, routing by the division of duties, deadlines and rewards.
//!
//! Layers, outside in: `web` (HTTP) → `domain` (pure rules) → `store` (SQL). `seeds` holds the
//! reference data, `auth` officials' credentials, `cli` the command line.

#![forbid(unsafe_code)]

pub mod auth;
pub mod cli;
pub mod configuration;
pub mod crypto;
pub mod domain;
pub mod evidence;
pub mod fill;
#[doc(hidden)]
pub mod fuzzing;
pub mod seeds;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
