//! The whole-system count of tips per clock hour (migration 0007), shared by every instance.

use sqlx::AnyConnection;

use super::StoreError;

/// Tips filed so far in `hour` (Unix time / 3600).
pub async fn filed(conn: &mut AnyConnection, hour: i64) -> Result<i64, StoreError> {
    let tips: Option<i64> =
        sqlx::query_scalar("SELECT tips FROM intake_hours WHERE hour = $1").bind(hour).fetch_optional(conn).await?;
    Ok(tips.unwrap_or(0))
}

/// Counts one more tip in `hour`; returns the count with it. Inside the tip's transaction, so
/// a tip that is not stored is not counted.
pub async fn count_one(conn: &mut AnyConnection, hour: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO intake_hours (hour, tips) VALUES ($1, 1) \
         ON CONFLICT (hour) DO UPDATE SET tips = intake_hours.tips + 1 RETURNING tips",
    )
    .bind(hour)
    .fetch_one(conn)
    .await?)
}

/// Forgets hours before `hour`.
pub async fn forget_before(conn: &mut AnyConnection, hour: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM intake_hours WHERE hour < $1").bind(hour).execute(conn).await?.rows_affected())
}

/// What one tip's share of a grouped transaction does: its writes, in the transaction it is
/// given, returning its result or an error that undoes its share alone.
pub type Work<T> =
    Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> futures_util::future::BoxFuture<'c, Result<T, StoreError>> + Send>;

/// The most tips one grouped transaction takes.
const MOST_PER_COMMIT: usize = 64;

type Job<T> = (Work<T>, tokio::sync::oneshot::Sender<Result<T, StoreError>>);

/// Grouped commits for intake. Every tip is its own transaction at heart, but its commit —
/// on SQLite one writer at a time, a write-ahead-log append and an fsync; on PostgreSQL a log
/// flush and the lock on the hour's count — is the part every tip waits in line for. So the
/// tips that arrive while one commit is under way are written together in the next one, each
/// inside a savepoint of its own: a tip that fails is rolled back alone, and nobody is answered
/// before the commit that holds their tip is durable.
pub struct Grouped<T> {
    jobs: tokio::sync::mpsc::Sender<Job<T>>,
}

impl<T: Send + 'static> Grouped<T> {
    /// Starts the writer task on the current runtime.
    pub fn start(store: super::Store) -> Self {
        let (jobs, receiver) = tokio::sync::mpsc::channel(4 * MOST_PER_COMMIT);
        tokio::spawn(write_groups(store, receiver));
        Self { jobs }
    }

    /// Runs `work` in the next grouped transaction; answers once that has committed.
    pub async fn run(&self, work: Work<T>) -> Result<T, StoreError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let stopped = || StoreError::Conflict("the intake writer has stopped".to_owned());
        self.jobs.send((work, answer)).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

async fn write_groups<T: Send + 'static>(store: super::Store, mut receiver: tokio::sync::mpsc::Receiver<Job<T>>) {
    let mut batch = Vec::with_capacity(MOST_PER_COMMIT);
    while receiver.recv_many(&mut batch, MOST_PER_COMMIT).await > 0 {
        let (works, answers): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let mut results = Vec::with_capacity(works.len());
        let committed = async {
            let mut tx = store.begin().await?;
            for work in works {
                sqlx::query("SAVEPOINT tip").execute(&mut *tx).await?;
                let result = work(&mut tx).await;
                if result.is_err() {
                    sqlx::query("ROLLBACK TO SAVEPOINT tip").execute(&mut *tx).await?;
                }
                sqlx::query("RELEASE SAVEPOINT tip").execute(&mut *tx).await?;
                results.push(result);
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        }
        .await;
        match committed {
            Ok(()) => {
                for (answer, result) in answers.into_iter().zip(results) {
                    let _ = answer.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "grouped intake commit");
                for answer in answers {
                    let _ = answer.send(Err(StoreError::GroupFailed));
                }
            }
        }
    }
}
