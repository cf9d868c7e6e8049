//! Officials' credentials: the password and its rules (`password`) and the second factor,
//! time-based one-time passwords (`totp`).

pub mod password;
pub mod totp;

pub use password::Password;
