//! The deadline job: reminds assignees two days before a step is due, and escalates an
//! overdue tip to the 安委办 (督办) once.

use super::ServiceError;
use super::notify::{self, Why};
use crate::configuration::PublicUrl;
use crate::domain::deadline_rules::REMIND_BEFORE;
use crate::domain::{EventKind, Id, Role};
use crate::store::audit::{self, Entry};
use crate::store::workflow::{self, NewEvent};
use crate::store::{Store, users};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ran {
    pub reminded: usize,
    pub escalated: usize,
}

pub async fn run(store: &Store, public_url: &PublicUrl, now: i64) -> Result<Ran, ServiceError> {
    let mut ran = Ran::default();
    let mut conn = store.conn().await?;
    let due_soon = workflow::due_soon(&mut conn, now, now + REMIND_BEFORE).await?;
    let overdue = workflow::overdue_unescalated(&mut conn, now).await?;
    drop(conn);

    // Each step is claimed by a conditional update first, so that with several instances
    // running this job a tip is reminded and escalated once.
    for tip in due_soon {
        let mut tx = store.begin().await?;
        if !workflow::claim_reminder(&mut tx, &tip.id, now).await? {
            continue;
        }
        let to = match tip.assignee_id {
            Some(a) => users::by_id(&mut tx, &a).await?.and_then(|u| u.email).into_iter().collect(),
            None => notify::department_staff(&mut tx, &tip.department_code).await?,
        };
        notify::tell(&mut tx, public_url, &to, Why::DueSoon, Some(&tip.reference), now).await?;
        tx.commit().await?;
        ran.reminded += 1;
    }
    for (id, reference, _department) in overdue {
        let mut tx = store.begin().await?;
        if !workflow::claim_escalation(&mut tx, &id, now).await? {
            continue;
        }
        workflow::add_event(
            &mut tx,
            &NewEvent {
                id: Id::random().as_str(),
                tip_id: &id,
                kind: EventKind::Escalated,
                actor_id: None,
                public: false,
                detail: None,
                at: now,
            },
        )
        .await?;
        audit::append(
            &mut tx,
            &Entry { actor_id: None, action: "tip.escalate", tip_id: Some(&id), detail: "overdue", at: now },
        )
        .await?;
        let to = users::emails_of(&mut tx, &[Role::Oversight], None).await?;
        notify::tell(&mut tx, public_url, &to, Why::Escalated, Some(&reference), now).await?;
        tx.commit().await?;
        ran.escalated += 1;
    }
    Ok(ran)
}
