//! What every fuzz target links in: the targets' bodies (`targets`) and a cap on the Rust
//! heap. libFuzzer's `-malloc_limit_mb` needs a sanitizer's malloc hooks and does nothing
//! under `--sanitizer none`, so the cap is the allocator's own: an allocation past it fails,
//! the process aborts and libFuzzer keeps the input as a crash.

#![forbid(unsafe_code)]

pub mod targets;

/// The most Rust heap a fuzz target may hold at once.
pub const HEAP_LIMIT: usize = 64 * 1024 * 1024;

#[global_allocator]
static HEAP: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, HEAP_LIMIT);
