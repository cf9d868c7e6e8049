//! Public HTML pages.

pub mod home;
pub mod poster;
pub mod report;
pub mod track;
