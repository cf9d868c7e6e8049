//! Statistics for the 安委办: open, overdue and concluded tips by department and by district,
//! and how long conclusions take. Metadata only; nothing is decrypted.

use super::ServiceError;
use crate::store::Store;
use crate::store::tips::{self, StatsBy};

/// A department's or a district's line.
pub use crate::store::tips::StatsRow as Row;

pub struct Stats {
    pub by_department: Vec<Row>,
    pub by_district: Vec<Row>,
}

pub async fn stats(store: &Store, now: i64) -> Result<Stats, ServiceError> {
    let mut conn = store.conn().await?;
    let by_department = tips::stats(&mut conn, StatsBy::Department, now).await?;
    let by_district = tips::stats(&mut conn, StatsBy::District, now).await?;
    Ok(Stats { by_department, by_district })
}
