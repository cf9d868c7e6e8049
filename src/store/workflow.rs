//! The casework records of a tip, with no rules in them (the lifecycle is
//! `domain::lifecycle`, its steps `service::cases`): the workflow columns of `tips` read and
//! saved together as a `Workflow` (state, department, assignee, dates, outcome), the
//! previously-known flag and the first acceptance among its duplicates, the deadline job's
//! queries and its claims of a reminder or an escalation, and the tables beside the tip:
//! events, proposals waiting for a head, notes and disclosure requests.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use crate::crypto::Envelope;
use crate::domain::lifecycle::Step;
use crate::domain::reward::Outcome;
use crate::domain::{AccidentGrade, EventKind, TipStatus};

/// The workflow columns of a tip.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Workflow {
    pub status: TipStatus,
    pub department_code: String,
    pub assignee_id: Option<String>,
    pub received_at: i64,
    pub accepted_at: Option<i64>,
    pub concluded_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub objected_at: Option<i64>,
    pub extension_days: i64,
    pub due_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub duplicate_of: Option<String>,
    pub outcome: Option<Outcome>,
    pub fine_yuan: Option<i64>,
    pub accident_grade: Option<AccidentGrade>,
    pub concealed_deaths: Option<i64>,
    pub concluded_by: Option<String>,
}

const WORKFLOW: &str = "status, department_code, assignee_id, received_at, accepted_at, concluded_at, closed_at, \
     objected_at, extension_days, due_at, reminded_at, escalated_at, duplicate_of, outcome, fine_yuan, accident_grade, \
     concealed_deaths, concluded_by";

pub async fn workflow(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<Workflow>, StoreError> {
    let sql = format!("SELECT {WORKFLOW} FROM tips WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tip_id).fetch_optional(conn).await?)
}

/// Writes the new workflow if the tip is still as `before` left it; `Conflict` when someone
/// else acted in between.
pub async fn save(
    conn: &mut AnyConnection,
    tip_id: &str,
    before: &Workflow,
    after: &Workflow,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE tips SET status = $1, department_code = $2, assignee_id = $3, accepted_at = $4, concluded_at = $5, \
         closed_at = $6, objected_at = $7, extension_days = $8, due_at = $9, reminded_at = $10, escalated_at = $11, \
         duplicate_of = $12, outcome = $13, fine_yuan = $14, accident_grade = $15, concealed_deaths = $16, concluded_by = $17 \
         WHERE id = $18 AND status = $19 AND department_code = $20",
    )
    .bind(after.status.as_str())
    .bind(&after.department_code)
    .bind(after.assignee_id.as_deref())
    .bind(after.accepted_at)
    .bind(after.concluded_at)
    .bind(after.closed_at)
    .bind(after.objected_at)
    .bind(after.extension_days)
    .bind(after.due_at)
    .bind(after.reminded_at)
    .bind(after.escalated_at)
    .bind(after.duplicate_of.as_deref())
    .bind(after.outcome.map(Outcome::as_str))
    .bind(after.fine_yuan)
    .bind(after.accident_grade.map(AccidentGrade::as_str))
    .bind(after.concealed_deaths)
    .bind(after.concluded_by.as_deref())
    .bind(tip_id)
    .bind(before.status.as_str())
    .bind(&before.department_code)
    .execute(conn)
    .await?;
    if updated.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the tip changed meanwhile; reload and try again".to_owned()))
    }
}

pub struct NewEvent<'a> {
    pub id: &'a str,
    pub tip_id: &'a str,
    pub kind: EventKind,
    pub actor_id: Option<&'a str>,
    /// Shown to the reporter.
    pub public: bool,
    pub detail: Option<&'a Envelope>,
    pub at: i64,
}

pub async fn add_event(conn: &mut AnyConnection, e: &NewEvent<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tip_events (id, tip_id, kind, actor_id, public, detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.id)
    .bind(e.tip_id)
    .bind(e.kind.as_str())
    .bind(e.actor_id)
    .bind(i64::from(e.public))
    .bind(e.detail.map(Envelope::as_bytes))
    .bind(e.at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub kind: EventKind,
    pub actor_id: Option<String>,
    pub public: i64,
    pub detail: Option<Vec<u8>>,
    pub at: i64,
}

pub async fn events(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<EventRow>, StoreError> {
    let sql = "SELECT kind, actor_id, public, detail, at FROM tip_events WHERE tip_id = $1 ORDER BY at, id";
    rows_of_tip(conn, sql, tip_id).await
}

/// The rows `sql` selects for one tip, its `$1`.
async fn rows_of_tip<T>(conn: &mut AnyConnection, sql: &'static str, tip_id: &str) -> Result<Vec<T>, StoreError>
where
    T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as(sql).bind(tip_id).fetch_all(conn).await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct ProposalRow {
    pub id: String,
    pub step: Step,
    pub terms: Vec<u8>,
    pub proposed_by: String,
    pub proposed_at: i64,
}

pub async fn add_proposal(
    conn: &mut AnyConnection,
    id: &str,
    tip_id: &str,
    step: Step,
    terms: &Envelope,
    by: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO proposals (id, tip_id, step, terms, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(tip_id)
    .bind(step.as_str())
    .bind(terms.as_bytes())
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The proposal of a tip waiting for a decision, if any.
pub async fn open_proposal(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<ProposalRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, step, terms, proposed_by, proposed_at FROM proposals WHERE tip_id = $1 AND decided_at IS NULL \
         ORDER BY proposed_at DESC LIMIT 1",
    )
    .bind(tip_id)
    .fetch_optional(conn)
    .await?)
}

/// A decision is taken once: the row was still open, or somebody decided it meanwhile.
fn decided_once(updated: &sqlx::any::AnyQueryResult, what: &str) -> Result<(), StoreError> {
    if updated.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!("{what} was decided meanwhile")))
    }
}

pub async fn decide_proposal(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    approved: bool,
    at: i64,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE proposals SET decided_by = $1, decided_at = $2, decision = $3 WHERE id = $4 AND decided_at IS NULL",
    )
    .bind(by)
    .bind(at)
    .bind(if approved { "approved" } else { "denied" })
    .bind(id)
    .execute(conn)
    .await?;
    decided_once(&updated, "the proposal")
}

/// Open proposals of the tips of some departments, for heads.
pub async fn open_proposals_of(
    conn: &mut AnyConnection,
    departments: &[String],
) -> Result<Vec<(String, Step, String, i64)>, StoreError> {
    let mut all = Vec::new();
    for department in departments {
        let rows: Vec<(String, Step, String, i64)> = sqlx::query_as(
            "SELECT t.reference, p.step, p.proposed_by, p.proposed_at FROM proposals p JOIN tips t ON t.id = p.tip_id \
             WHERE p.decided_at IS NULL AND t.department_code = $1 ORDER BY p.proposed_at",
        )
        .bind(department)
        .fetch_all(&mut *conn)
        .await?;
        all.extend(rows);
    }
    Ok(all)
}

pub async fn add_note(
    conn: &mut AnyConnection,
    id: &str,
    tip_id: &str,
    user_id: &str,
    body: &Envelope,
    at: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO notes (id, tip_id, user_id, body, created_at) VALUES ($1, $2, $3, $4, $5)";
    insert_written(conn, sql, [id, tip_id, user_id], body, at).await
}

/// Inserts a row someone wrote on a tip (a note, a disclosure request): `sql` takes its id,
/// the tip, the writer, what they wrote sealed, and when.
async fn insert_written(
    conn: &mut AnyConnection,
    sql: &'static str,
    [id, tip_id, by]: [&str; 3],
    sealed: &Envelope,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(sql).bind(id).bind(tip_id).bind(by).bind(sealed.as_bytes()).bind(at).execute(conn).await?;
    Ok(())
}

pub async fn notes(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<(String, Vec<u8>, i64)>, StoreError> {
    rows_of_tip(conn, "SELECT user_id, body, created_at FROM notes WHERE tip_id = $1 ORDER BY created_at, id", tip_id)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DisclosureRow {
    pub id: String,
    pub tip_id: String,
    pub requested_by: String,
    pub reason: Vec<u8>,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision: Option<String>,
    pub envelope: Option<Vec<u8>>,
}

const DISCLOSURE: &str = "id, tip_id, requested_by, reason, requested_at, decided_by, decided_at, decision, envelope";

pub async fn add_disclosure(
    conn: &mut AnyConnection,
    id: &str,
    tip_id: &str,
    by: &str,
    reason: &Envelope,
    at: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO disclosures (id, tip_id, requested_by, reason, requested_at) VALUES ($1, $2, $3, $4, $5)";
    insert_written(conn, sql, [id, tip_id, by], reason, at).await
}

pub async fn disclosures_of_tip(conn: &mut AnyConnection, tip_id: &str) -> Result<Vec<DisclosureRow>, StoreError> {
    let sql = format!("SELECT {DISCLOSURE} FROM disclosures WHERE tip_id = $1 ORDER BY requested_at");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tip_id).fetch_all(conn).await?)
}

pub async fn disclosure(conn: &mut AnyConnection, id: &str) -> Result<Option<DisclosureRow>, StoreError> {
    let sql = format!("SELECT {DISCLOSURE} FROM disclosures WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?)
}

pub async fn open_disclosures(conn: &mut AnyConnection) -> Result<Vec<DisclosureRow>, StoreError> {
    let sql = format!("SELECT {DISCLOSURE} FROM disclosures WHERE decided_at IS NULL ORDER BY requested_at");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?)
}

pub async fn decide_disclosure(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    envelope: Option<&Envelope>,
    at: i64,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE disclosures SET decided_by = $1, decided_at = $2, decision = $3, envelope = $4 WHERE id = $5 AND decided_at IS NULL",
    )
    .bind(by)
    .bind(at)
    .bind(if envelope.is_some() { "approved" } else { "denied" })
    .bind(envelope.map(Envelope::as_bytes))
    .bind(id)
    .execute(conn)
    .await?;
    decided_once(&updated, "the request")
}

/// Whether the department already knew of the matter (1) or not (0), once verification
/// has said; `None` before.
pub async fn previously_known(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT previously_known FROM tips WHERE id = $1").bind(tip_id).fetch_one(conn).await?)
}

pub async fn set_previously_known(conn: &mut AnyConnection, tip_id: &str, known: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE tips SET previously_known = $1 WHERE id = $2")
        .bind(i64::from(known))
        .bind(tip_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the first of the tips marked duplicates of this one was accepted.
pub async fn first_duplicate_accepted_at(conn: &mut AnyConnection, tip_id: &str) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT MIN(accepted_at) FROM tips WHERE duplicate_of = $1")
        .bind(tip_id)
        .fetch_one(conn)
        .await?)
}

/// A tip whose step falls due within the reminder window and has not been reminded of.
#[derive(Debug, Clone, FromRow)]
pub struct DueSoon {
    pub id: String,
    pub reference: String,
    pub department_code: String,
    pub assignee_id: Option<String>,
}

/// Tips due after `now` and by `until`, not reminded yet.
pub async fn due_soon(conn: &mut AnyConnection, now: i64, until: i64) -> Result<Vec<DueSoon>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, reference, department_code, assignee_id FROM tips \
         WHERE due_at IS NOT NULL AND due_at > $1 AND due_at <= $2 AND reminded_at IS NULL",
    )
    .bind(now)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Tips due by `now`, not escalated yet: id, reference, department.
pub async fn overdue_unescalated(
    conn: &mut AnyConnection,
    now: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, reference, department_code FROM tips WHERE due_at IS NOT NULL AND due_at <= $1 AND escalated_at IS NULL",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Marks the tip reminded at `now` unless it already was; whether this call did.
pub async fn claim_reminder(conn: &mut AnyConnection, tip_id: &str, now: i64) -> Result<bool, StoreError> {
    claim(conn, "UPDATE tips SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL", tip_id, now).await
}

/// Marks the tip escalated at `now` unless it already was; whether this call did.
pub async fn claim_escalation(conn: &mut AnyConnection, tip_id: &str, now: i64) -> Result<bool, StoreError> {
    claim(conn, "UPDATE tips SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL", tip_id, now).await
}

/// Sets a time on the tip if it has none yet (`sql` binds the time and the tip); whether
/// this call did, so that of several instances only one goes on.
pub(super) async fn claim(
    conn: &mut AnyConnection,
    sql: &'static str,
    tip_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(sql).bind(now).bind(tip_id).execute(conn).await?.rows_affected() != 0)
}
