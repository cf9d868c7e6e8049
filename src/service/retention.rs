//! Retention: a tip closed or rejected longer than `[retention] days_after_closure`, with no
//! reward still open, is crypto-shredded. Every wrapped copy of its tip key goes — to its
//! departments, to the reporter — and with them the only ways to open what it holds; the
//! sealed values themselves are deleted or emptied too, and its evidence blobs destroyed.
//! What stays is a tombstone of metadata (kind, category, district, department, channel,
//! status, dates, outcome, reward amount) for statistics, and the receipt's verifier, so the
//! reporter who signs in learns when the report was destroyed.

use super::ServiceError;
use crate::domain::china_time::DAY;
use crate::domain::{EventKind, Id, TipStatus};
use crate::store::audit::{self, Entry};
use crate::store::blobs::BlobStore;
use crate::store::tips::{self, TipRow};
use crate::store::workflow::{self, NewEvent};
use crate::store::{Store, attachments, rewards};

/// Tips shredded per round of the maintenance task; the rest wait for the next round.
pub const PER_ROUND: i64 = 200;

/// When a tip will be destroyed: `days` after it was closed (or rejected). `None` while it is
/// open, while a reward is still open, or when retention is off (`days` = 0).
pub fn destroy_on(status: TipStatus, closed_at: Option<i64>, reward_open: bool, days: u32) -> Option<i64> {
    if days == 0 || reward_open || !status.has_ended() {
        return None;
    }
    closed_at.map(|at| at + i64::from(days) * DAY)
}

/// When this tip will be destroyed, as the reporter's status page shows it.
pub async fn destroy_on_tip(store: &Store, tip: &TipRow, days: u32) -> Result<Option<i64>, ServiceError> {
    if days == 0 || !tip.status.has_ended() {
        return Ok(None);
    }
    let reward = rewards::status_of_tip(&mut *store.conn().await?, &tip.id).await?;
    let open = reward.is_some_and(|status| !status.is_settled());
    Ok(destroy_on(tip.status, tip.closed_at, open, days))
}

/// Shreds the tips due by `now`, at most `PER_ROUND`; returns how many.
pub async fn shred_due(store: &Store, blobs: &BlobStore, days: u32, now: i64) -> Result<u64, ServiceError> {
    if days == 0 {
        return Ok(0);
    }
    let cutoff = now - i64::from(days) * DAY;
    let due = tips::due_for_shredding(&mut *store.conn().await?, cutoff, PER_ROUND).await?;
    let mut shredded = 0;
    for id in &due {
        if shred(store, blobs, id, now).await? {
            shredded += 1;
        }
    }
    if shredded > 0 {
        store.forget_deleted().await?;
    }
    Ok(shredded)
}

/// Shreds one tip in one transaction, then deletes its blob files; `false` if another
/// instance got there first.
pub async fn shred(store: &Store, blobs: &BlobStore, tip_id: &str, now: i64) -> Result<bool, ServiceError> {
    let mut tx = store.begin().await?;
    if !tips::claim_shredding(&mut tx, tip_id, now).await? {
        return Ok(false);
    }
    let blob_ids = attachments::blob_ids_of_tip(&mut tx, tip_id).await?;
    for blob_id in &blob_ids {
        blobs.delete_rows(&mut tx, blob_id).await?;
    }
    tips::shred(&mut tx, tip_id).await?;
    let event_id = Id::random().to_string();
    workflow::add_event(
        &mut tx,
        &NewEvent {
            id: &event_id,
            tip_id,
            kind: EventKind::Shredded,
            actor_id: None,
            public: true,
            detail: None,
            at: now,
        },
    )
    .await?;
    let detail = format!("attachments={}", blob_ids.len());
    audit::append(
        &mut tx,
        &Entry { actor_id: None, action: "tip_shredded", tip_id: Some(tip_id), detail: &detail, at: now },
    )
    .await?;
    tx.commit().await?;
    if let BlobStore::Files { .. } = blobs {
        for blob_id in &blob_ids {
            // A file left by a failure here is unnamed now, and the blob sweep removes it.
            if let Err(e) = blobs.delete(blob_id).await {
                tracing::warn!(error = %e, "shredded blob not deleted yet");
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destruction_dates() {
        let closed = 1_700_000_000;
        for (status, closed_at, reward_open, days, expected) in [
            (TipStatus::Closed, Some(closed), false, 1825, Some(closed + 1825 * DAY)),
            (TipStatus::Rejected, Some(closed), false, 30, Some(closed + 30 * DAY)),
            (TipStatus::Closed, Some(closed), true, 1825, None),
            (TipStatus::Closed, Some(closed), false, 0, None),
            (TipStatus::Concluded, Some(closed), false, 1825, None),
            (TipStatus::Verifying, None, false, 1825, None),
            (TipStatus::Closed, None, false, 1825, None),
        ] {
            assert_eq!(destroy_on(status, closed_at, reward_open, days), expected, "{status:?} {reward_open} {days}");
        }
    }
}
