//! Room to store evidence. Below a floor of free space under `data_dir`
//! (`limits.min_free_disk_mib`), or with the database above `limits.max_database_mib` (where
//! PostgreSQL keeps the evidence), uploads are refused with 507 while tips without files, and
//! everything else, go on: a disk filled by uploads must never stop the portal taking tips.
//! The answer is looked up at most every few seconds.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::ServiceError;
use crate::store::Store;

const MIB: u64 = 1024 * 1024;
/// How long one look at the disk and the database is believed.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// Whether evidence can be stored now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    Enough,
    /// Less free space under the data directory than the floor.
    DiskLow,
    /// The database holds more than its cap.
    DatabaseFull,
}

pub struct Space {
    data_dir: PathBuf,
    min_free: u64,
    max_database: Option<u64>,
    seen: Mutex<Option<(Instant, Room)>>,
}

impl Space {
    pub fn new(data_dir: PathBuf, min_free_disk_mib: u64, max_database_mib: u64) -> Self {
        Self {
            data_dir,
            min_free: min_free_disk_mib.saturating_mul(MIB),
            max_database: (max_database_mib > 0).then(|| max_database_mib.saturating_mul(MIB)),
            seen: Mutex::new(None),
        }
    }

    /// The room there is now (a recent answer if there is one).
    pub async fn room(&self, store: &Store) -> Room {
        if let Ok(seen) = self.seen.lock()
            && let Some((at, room)) = *seen
            && at.elapsed() < FRESH_FOR
        {
            return room;
        }
        let room = self.look(store).await;
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((Instant::now(), room));
        }
        room
    }

    async fn look(&self, store: &Store) -> Room {
        let dir = self.data_dir.clone();
        let free = tokio::task::spawn_blocking(move || free_bytes(&dir)).await.ok().flatten();
        if free.is_some_and(|free| free < self.min_free) {
            return Room::DiskLow;
        }
        if let Some(cap) = self.max_database {
            match store.database_bytes().await {
                Ok(size) if size > cap => return Room::DatabaseFull,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "database size"),
            }
        }
        Room::Enough
    }

    /// `Ok` when a file may be stored, `NoRoom` (HTTP 507) otherwise.
    pub async fn check(&self, store: &Store) -> Result<(), ServiceError> {
        match self.room(store).await {
            Room::Enough => Ok(()),
            _ => Err(ServiceError::NoRoom),
        }
    }

    /// Forgets the last answer (tests, and after a sweep freed space).
    pub fn forget(&self) {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = None;
        }
    }
}

/// Bytes an unprivileged writer may still use on the file system holding `dir`.
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read() {
        let free = free_bytes(std::path::Path::new(".")).unwrap();
        assert!(free > 0);
    }
}
