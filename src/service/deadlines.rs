//! The deadline job: reminds assignees two days before a step is due, and escalates an
//! overdue tip to the 安委办 (督办) once.

use super::ServiceError;
use super::notify::{self, Why};
use crate::configuration::PublicUrl;
use crate::domain::Id;
use crate::domain::deadline_rules::REMIND_BEFORE;
use crate::store::audit::{self, Entry};
use crate::store::workflow::{self, NewEvent};
use crate::store::{Store, StoreError, users};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ran {
    pub reminded: usize,
    pub escalated: usize,
}

pub async fn run(store: &Store, public_url: &PublicUrl, now: i64) -> Result<Ran, ServiceError> {
    let mut ran = Ran::default();
    let mut conn = store.conn().await?;
    let due_soon: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, reference, department_code, assignee_id FROM tips \
         WHERE due_at IS NOT NULL AND due_at > $1 AND due_at <= $2 AND reminded_at IS NULL",
    )
    .bind(now)
    .bind(now + REMIND_BEFORE)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    let overdue: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, reference, department_code FROM tips WHERE due_at IS NOT NULL AND due_at <= $1 AND escalated_at IS NULL",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    drop(conn);

    // Each step is claimed by a conditional update first, so that with several instances
    // running this job a tip is reminded and escalated once.
    for (id, reference, department, assignee) in due_soon {
        let mut tx = store.begin().await?;
        let claimed = sqlx::query("UPDATE tips SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        let to = match assignee {
            Some(a) => users::by_id(&mut tx, &a).await?.and_then(|u| u.email).into_iter().collect(),
            None => notify::department_staff(&mut tx, &department).await?,
        };
        notify::tell(&mut tx, public_url, &to, Why::DueSoon, Some(&reference), now).await?;
        tx.commit().await.map_err(StoreError::from)?;
        ran.reminded += 1;
    }
    for (id, reference, _department) in overdue {
        let mut tx = store.begin().await?;
        let claimed = sqlx::query("UPDATE tips SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        workflow::add_event(
            &mut tx,
            &NewEvent {
                id: Id::random().as_str(),
                tip_id: &id,
                kind: "escalated",
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
        let to = users::emails_of(&mut tx, "oversight", None).await?;
        notify::tell(&mut tx, public_url, &to, Why::Escalated, Some(&reference), now).await?;
        tx.commit().await.map_err(StoreError::from)?;
        ran.escalated += 1;
    }
    Ok(ran)
}
