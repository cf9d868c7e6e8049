//! Writing new tips: grouped commits (`Grouped`), whose rows go in through
//! `tips::insert_many`, and the whole-system count of tips per clock hour (migration 0007)
//! that every instance shares.

use sqlx::AnyConnection;

use super::StoreError;
use super::outbox::NewMail;
use crate::crypto::{Envelope, Tip, Wrapped};
use crate::domain::{Channel, Kind, TipStatus};

/// Tips filed so far in `hour` (Unix time / 3600).
pub async fn filed(conn: &mut AnyConnection, hour: i64) -> Result<i64, StoreError> {
    let tips: Option<i64> =
        sqlx::query_scalar("SELECT tips FROM intake_hours WHERE hour = $1").bind(hour).fetch_optional(conn).await?;
    Ok(tips.unwrap_or(0))
}

/// Forgets hours before `hour`.
pub async fn forget_before(conn: &mut AnyConnection, hour: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM intake_hours WHERE hour < $1").bind(hour).execute(conn).await?.rows_affected())
}

/// A new tip, sealed and ready for its grouped commit: its row, its department's grant, the
/// identity sealed to the custodians if the reporter gave one, and the mails telling the
/// department — all in the one transaction, so that no tip is stored untold.
#[derive(Clone)]
pub struct Filing {
    pub id: String,
    /// Drawn by the caller; if it is taken, the tip is refused with `ReferenceTaken`.
    pub reference: String,
    pub kind: Kind,
    pub category: String,
    pub district: String,
    pub channel: Channel,
    pub department: String,
    pub received_at: i64,
    pub public_key: String,
    pub receipt_kdf: String,
    pub receipt_salt: Vec<u8>,
    pub receipt_verifier: Vec<u8>,
    pub reporter_wrap: Wrapped<Tip>,
    pub body: Envelope,
    pub poster_id: Option<String>,
    /// When acknowledgement is due.
    pub due_at: i64,
    pub department_key_id: String,
    pub department_wrap: Wrapped<Tip>,
    /// The custodians' key id and the identity sealed to it.
    pub identity: Option<(String, Envelope)>,
    /// The whole system's cap on tips in the clock hour of `received_at`, if any.
    pub per_hour: Option<u32>,
    pub mails: Vec<NewMail>,
}

impl Filing {
    /// The clock hour this tip is counted in: only tips under a cap are counted (the hotline
    /// desk's are not).
    fn counted_in(&self) -> Option<i64> {
        self.per_hour.map(|_| self.received_at.div_euclid(3600))
    }
}

/// The most tips one grouped transaction takes.
const MOST_PER_COMMIT: usize = 64;

type Job = (Filing, tokio::sync::oneshot::Sender<Result<(), StoreError>>);

/// Grouped commits for intake. A tip's commit — on SQLite one writer at a time, a
/// write-ahead-log append and an fsync; on PostgreSQL a log flush and the lock on the hour's
/// count — is the part every tip waits in line for, and so is every statement of a single
/// writer. So the tips that arrive while one group is being written are written together in
/// the next, in a handful of statements whatever their number: the hour's count, the tips,
/// their grants, their identities, their mails. Nobody is answered before the commit that holds their tip
/// is durable. A tip refused by the hour's cap is left out alone; if the group fails as a
/// whole, each of its tips is tried again on its own, so one bad tip cannot fail the others.
pub struct Grouped {
    jobs: tokio::sync::mpsc::Sender<Job>,
}

impl Grouped {
    /// Starts the writer task on the current runtime.
    pub fn start(store: super::Store) -> Self {
        let (jobs, receiver) = tokio::sync::mpsc::channel(4 * MOST_PER_COMMIT);
        tokio::spawn(write_groups(store, receiver));
        Self { jobs }
    }

    /// Stores `filing` in the next grouped transaction; answers once that has committed.
    pub async fn run(&self, filing: Filing) -> Result<(), StoreError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let stopped = || StoreError::Conflict("the intake writer has stopped".to_owned());
        self.jobs.send((filing, answer)).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

async fn write_groups(store: super::Store, mut receiver: tokio::sync::mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MOST_PER_COMMIT);
    while receiver.recv_many(&mut batch, MOST_PER_COMMIT).await > 0 {
        let (filings, answers): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match write_group(&store, &filings).await {
            Ok(results) => {
                for (answer, result) in answers.into_iter().zip(results) {
                    let _ = answer.send(result);
                }
            }
            Err(e) if filings.len() == 1 => {
                tracing::error!(error = %e, "intake commit");
                for answer in answers {
                    let _ = answer.send(Err(StoreError::GroupFailed));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, tips = filings.len(), "grouped intake commit; each tip tried alone");
                for (filing, answer) in filings.iter().zip(answers) {
                    let result = match write_group(&store, std::slice::from_ref(filing)).await {
                        Ok(mut results) => results.pop().unwrap_or(Err(StoreError::GroupFailed)),
                        Err(e) => {
                            tracing::error!(error = %e, "intake commit");
                            Err(StoreError::GroupFailed)
                        }
                    };
                    let _ = answer.send(result);
                }
            }
        }
    }
}

/// Writes `filings` in one transaction; returns for each whether it was stored or why not.
async fn write_group(store: &super::Store, filings: &[Filing]) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut tx = store.begin().await?;
    let mut outcome: Vec<Option<Result<(), StoreError>>> = filings.iter().map(|_| None).collect();

    // The hour's count first: it decides who is admitted, and its row stays locked until the
    // commit, so that instances filing at once cannot both take the hour's last places.
    let mut hours: Vec<i64> = filings.iter().filter_map(Filing::counted_in).collect();
    hours.sort_unstable();
    hours.dedup();
    for &hour in &hours {
        let of_hour = filings.iter().filter(|f| f.counted_in() == Some(hour)).count();
        let mut counted = add(&mut tx, hour, of_hour).await? - i64::try_from(of_hour).unwrap_or(i64::MAX);
        for (filing, outcome) in filings.iter().zip(outcome.iter_mut()).filter(|(f, _)| f.counted_in() == Some(hour)) {
            match filing.per_hour {
                Some(cap) if counted >= i64::from(cap) => *outcome = Some(Err(StoreError::HourFull)),
                _ => counted += 1,
            }
        }
    }

    // The tips; one whose reference is taken is refused (the caller draws another).
    let admitted: Vec<&Filing> = filings.iter().zip(&outcome).filter(|(_, o)| o.is_none()).map(|(f, _)| f).collect();
    let stored = insert_tips(&mut tx, &admitted).await?;
    let outcome: Vec<Result<(), StoreError>> = filings
        .iter()
        .zip(outcome)
        .map(|(filing, o)| match o {
            Some(refused) => refused,
            None if stored.contains(&filing.id) => Ok(()),
            None => Err(StoreError::ReferenceTaken),
        })
        .collect();
    let stored: Vec<&Filing> = filings.iter().zip(&outcome).filter(|(_, o)| o.is_ok()).map(|(f, _)| f).collect();

    // Tips counted above but not stored are taken off the count again.
    for &hour in &hours {
        let not_stored =
            filings.iter().zip(&outcome).filter(|(f, o)| f.counted_in() == Some(hour) && o.is_err()).count();
        if not_stored > 0 {
            sqlx::query("UPDATE intake_hours SET tips = tips - $1 WHERE hour = $2")
                .bind(i64::try_from(not_stored).unwrap_or(i64::MAX))
                .bind(hour)
                .execute(&mut *tx)
                .await?;
        }
    }
    insert_grants(&mut tx, &stored).await?;
    insert_identities(&mut tx, &stored).await?;
    insert_mails(&mut tx, &stored).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Counts `tips` more in `hour`; returns the count with them.
async fn add(conn: &mut AnyConnection, hour: i64, tips: usize) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO intake_hours (hour, tips) VALUES ($1, $2) \
         ON CONFLICT (hour) DO UPDATE SET tips = intake_hours.tips + excluded.tips RETURNING tips",
    )
    .bind(hour)
    .bind(i64::try_from(tips).unwrap_or(i64::MAX))
    .fetch_one(conn)
    .await?)
}

/// `($1, $2, …), ($n+1, …), …`: placeholders for `rows` rows of `columns` values.
pub(super) fn placeholders(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let values: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
        format!("({})", values.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// Inserts the tips; returns the ids of those stored (a tip whose reference is taken is not).
async fn insert_tips(conn: &mut AnyConnection, tips: &[&Filing]) -> Result<Vec<String>, StoreError> {
    let rows: Vec<super::tips::NewTip<'_>> = tips
        .iter()
        .map(|tip| super::tips::NewTip {
            id: tip.id.as_str(),
            reference: tip.reference.as_str(),
            kind: tip.kind,
            category: tip.category.as_str(),
            district: tip.district.as_str(),
            channel: tip.channel,
            status: TipStatus::Received,
            department: tip.department.as_str(),
            received_at: tip.received_at,
            public_key: tip.public_key.as_str(),
            receipt_kdf: tip.receipt_kdf.as_str(),
            receipt_salt: tip.receipt_salt.as_slice(),
            receipt_verifier: tip.receipt_verifier.as_slice(),
            reporter_key_wrap: &tip.reporter_wrap,
            body: &tip.body,
            poster_id: tip.poster_id.as_deref(),
            due_at: Some(tip.due_at),
        })
        .collect();
    super::tips::insert_many(conn, &rows).await
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// `INSERT INTO {into} VALUES (…), (…), … {tail}`, a row for each of `rows`, its `columns`
/// values bound by `bind`.
async fn insert_rows<'q, T>(
    conn: &mut AnyConnection,
    into: &str,
    columns: usize,
    tail: &str,
    rows: &'q [T],
    bind: impl Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO {into} VALUES {}{tail}", placeholders(rows.len(), columns));
    rows.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), bind).execute(conn).await?;
    Ok(())
}

/// Each tip's key wrapped for its department's key.
async fn insert_grants(conn: &mut AnyConnection, tips: &[&Filing]) -> Result<(), StoreError> {
    let into = "tip_grants (tip_id, group_key_id, envelope, granted_at)";
    insert_rows(conn, into, 4, " ON CONFLICT DO NOTHING", tips, |query, tip| {
        query
            .bind(tip.id.as_str())
            .bind(tip.department_key_id.as_str())
            .bind(tip.department_wrap.as_bytes())
            .bind(tip.received_at)
    })
    .await
}

/// The identities given, sealed to the custodians.
async fn insert_identities(conn: &mut AnyConnection, tips: &[&Filing]) -> Result<(), StoreError> {
    let with_identity: Vec<(&Filing, &(String, Envelope))> =
        tips.iter().filter_map(|tip| Some((*tip, tip.identity.as_ref()?))).collect();
    let into = "tip_identities (tip_id, group_key_id, envelope, created_at)";
    insert_rows(conn, into, 4, "", &with_identity, |query, (tip, (custodian_key_id, envelope))| {
        query.bind(tip.id.as_str()).bind(custodian_key_id.as_str()).bind(envelope.as_bytes()).bind(tip.received_at)
    })
    .await
}

/// The mails telling each tip's department that it has arrived.
async fn insert_mails(conn: &mut AnyConnection, tips: &[&Filing]) -> Result<(), StoreError> {
    let mails: Vec<(&Filing, &NewMail)> =
        tips.iter().flat_map(|tip| tip.mails.iter().map(move |m| (*tip, m))).collect();
    let into = "outbox (id, to_address, subject, body, created_at, next_attempt_at)";
    insert_rows(conn, into, 6, "", &mails, |query, (tip, mail)| {
        query
            .bind(mail.id.as_str())
            .bind(mail.to.as_str())
            .bind(mail.subject.as_str())
            .bind(mail.body.as_str())
            .bind(tip.received_at)
            .bind(tip.received_at)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_every_value_once() {
        assert_eq!(placeholders(1, 2), "($1, $2)");
        assert_eq!(placeholders(3, 2), "($1, $2), ($3, $4), ($5, $6)");
    }
}
