//! What a reporter is shown of their tip: one answer for the status page (`/track/status`)
//! and the reporter API (`GET /api/v1/reporter/tip`), which are two renderings of it.

use super::cases::{self, Event};
use super::conversation::{self, AttachmentInfo, Message};
use super::rewards::{self, AfterConclusion};
use super::tips::{self, ReporterView};
use super::{ServiceError, retention};
use crate::domain::TipStatus;
use crate::domain::china_time::DAY;
use crate::store::Store;

/// Everything the reporter may see of their tip besides the report itself.
pub struct Status {
    pub messages: Vec<Message>,
    pub files: Vec<AttachmentInfo>,
    /// The reporter gave their identity (sealed; only its presence is known here).
    pub identity_given: bool,
    /// The events the reporter may see, oldest first.
    pub events: Vec<Event>,
    /// The dates ahead: acknowledgement while the tip waits for it, and destruction under
    /// the retention rule once it is closed.
    pub deadlines: Vec<(Ahead, i64)>,
    pub after: AfterConclusion,
}

/// A date ahead that the reporter is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ahead {
    Acknowledge,
    Destroy,
}

impl Ahead {
    /// The name the reporter API gives it (CONTRACT.md).
    pub fn as_str(self) -> &'static str {
        match self {
            Ahead::Acknowledge => "acknowledge",
            Ahead::Destroy => "destroy",
        }
    }
}

/// The reporter's view of their tip. `acknowledge_days` is the deadline rule in force;
/// `retention_days` the retention setting.
pub async fn status(
    store: &Store,
    view: &ReporterView,
    acknowledge_days: i64,
    retention_days: u32,
    now: i64,
) -> Result<Status, ServiceError> {
    let tip = &view.tip;
    let mut deadlines = Vec::new();
    if tip.status == TipStatus::Received {
        deadlines.push((Ahead::Acknowledge, tip.received_at + acknowledge_days * DAY));
    }
    if let Some(on) = retention::destroy_on_tip(store, tip, retention_days).await? {
        deadlines.push((Ahead::Destroy, on));
    }
    Ok(Status {
        messages: conversation::messages(store, &tip.id, &view.key).await?,
        files: conversation::attachments(store, &tip.id, &view.key).await?,
        identity_given: tips::identity_for_reporter(store, view).await.is_ok(),
        events: cases::events(store, &tip.id, &view.key, true).await?,
        deadlines,
        after: rewards::for_reporter(store, view, now).await?,
    })
}
