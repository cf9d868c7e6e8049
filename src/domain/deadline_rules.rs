//! When the current step of a tip is due (PRODUCT.md §2): acknowledgement from receipt,
//! conclusion from acceptance (plus the one extension), review from the objection.

use super::TipStatus;
use super::china_time::DAY;

/// The times a tip's deadlines count from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Times {
    pub received_at: i64,
    pub accepted_at: Option<i64>,
    pub extension_days: i64,
    pub objected_at: Option<i64>,
}

/// The deadline rules in days.
#[derive(Debug, Clone, Copy)]
pub struct Days {
    pub acknowledge: i64,
    pub conclude: i64,
    pub review: i64,
}

/// What is due next and when, or nothing for a tip with no step due.
pub fn due(status: TipStatus, t: Times, days: Days) -> Option<(&'static str, i64)> {
    match status {
        TipStatus::Received => Some(("acknowledge", t.received_at + days.acknowledge * DAY)),
        TipStatus::Accepted | TipStatus::Verifying => {
            t.accepted_at.map(|at| ("conclude", at + (days.conclude + t.extension_days) * DAY))
        }
        TipStatus::UnderReview => t.objected_at.map(|at| ("review", at + days.review * DAY)),
        TipStatus::Concluded | TipStatus::Closed | TipStatus::Rejected => None,
    }
}

/// Reminders go out this long before a due date.
pub const REMIND_BEFORE: i64 = 2 * DAY;

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS: Days = Days { acknowledge: 7, conclude: 60, review: 30 };

    #[test]
    fn table() {
        let t = Times { received_at: 1000, accepted_at: Some(2000), extension_days: 0, objected_at: Some(5000) };
        let extended = Times { extension_days: 30, ..t };
        let cases = [
            (TipStatus::Received, t, Some(("acknowledge", 1000 + 7 * DAY))),
            (TipStatus::Accepted, t, Some(("conclude", 2000 + 60 * DAY))),
            (TipStatus::Verifying, extended, Some(("conclude", 2000 + 90 * DAY))),
            (TipStatus::UnderReview, t, Some(("review", 5000 + 30 * DAY))),
            (TipStatus::Concluded, t, None),
            (TipStatus::Closed, t, None),
            (TipStatus::Rejected, t, None),
        ];
        for (status, times, expected) in cases {
            assert_eq!(due(status, times, DAYS), expected, "{status:?}");
        }
    }
}
