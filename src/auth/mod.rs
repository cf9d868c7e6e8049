//! Officials' credentials: password verifier and second factor.

pub mod password;
pub mod totp;

pub use password::Password;
