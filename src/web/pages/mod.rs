//! Public HTML pages.

pub mod home;
