//! The queue: tips an official may see, by metadata only, filtered, sorted and paged, with
//! counts by status for the same filters. Pages use the indexes of migrations 0004 and 0006;
//! counts come from `tip_counts` where the filter allows.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;
use super::tips::TipMeta;
use crate::domain::TipStatus;

/// Which departments' tips; `None` for every department (the 安委办's oversight).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub departments: Option<Vec<String>>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub channel: Option<String>,
    /// Due within this many seconds from `now`.
    pub due_within: Option<i64>,
    pub overdue: bool,
    /// `Some(None)`: unassigned; `Some(Some(id))`: assigned to that official.
    pub assignee: Option<Option<String>>,
    pub now: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    DueFirst,
}

/// A line of the queue: the tip's metadata, its due date and who has it.
#[derive(Debug, Clone, FromRow)]
pub struct QueueRow {
    #[sqlx(flatten)]
    pub meta: TipMeta,
    pub due_at: Option<i64>,
    pub assignee_id: Option<String>,
    pub escalated_at: Option<i64>,
}

impl std::ops::Deref for QueueRow {
    type Target = TipMeta;

    fn deref(&self) -> &TipMeta {
        &self.meta
    }
}

pub(super) enum Bind {
    Text(String),
    Int(i64),
}

/// A WHERE clause with numbered placeholders.
pub(super) struct Where {
    clauses: Vec<String>,
    pub(super) binds: Vec<Bind>,
}

impl Where {
    fn text(&mut self, clause: &str, value: &str) {
        self.binds.push(Bind::Text(value.to_owned()));
        self.clauses.push(clause.replace('?', &format!("${}", self.binds.len())));
    }

    fn int(&mut self, clause: &str, value: i64) {
        self.binds.push(Bind::Int(value));
        self.clauses.push(clause.replace('?', &format!("${}", self.binds.len())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }
}

fn build(filter: &Filter, with_status: bool) -> Where {
    let mut w = Where { clauses: Vec::new(), binds: Vec::new() };
    if let Some(departments) = &filter.departments {
        if departments.is_empty() {
            w.clauses.push("1 = 0".to_owned());
        } else {
            let mut placeholders = Vec::new();
            for d in departments {
                w.binds.push(Bind::Text(d.clone()));
                placeholders.push(format!("${}", w.binds.len()));
            }
            w.clauses.push(format!("department_code IN ({})", placeholders.join(", ")));
        }
    }
    if with_status && let Some(status) = &filter.status {
        w.text("status = ?", status);
    }
    for (column, value) in [
        ("kind", &filter.kind),
        ("category_code", &filter.category),
        ("district_code", &filter.district),
        ("channel", &filter.channel),
    ] {
        if let Some(value) = value {
            w.text(&format!("{column} = ?"), value);
        }
    }
    if let Some(within) = filter.due_within {
        w.int("due_at >= ?", filter.now);
        w.int("due_at <= ?", filter.now + within);
    }
    if filter.overdue {
        w.int("due_at < ?", filter.now);
    }
    match &filter.assignee {
        Some(Some(id)) => w.text("assignee_id = ?", id),
        Some(None) => w.clauses.push("assignee_id IS NULL".to_owned()),
        None => {}
    }
    w
}

pub(super) fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>,
    binds: &'q [Bind],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.as_str()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}

/// Whether `tip_counts` (migration 0006) can count what the filter selects: it keeps counts
/// by department, district, category, kind and status — not by channel, due date or assignee.
fn counted(filter: &Filter) -> bool {
    filter.channel.is_none() && filter.due_within.is_none() && !filter.overdue && filter.assignee.is_none()
}

/// Beyond this many matches a filter `tip_counts` cannot count is not counted further.
pub const COUNT_CAP: i64 = 1_000;

/// How many tips match: exact, or (for a filter `tip_counts` cannot count) "more than
/// `COUNT_CAP`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub tips: i64,
    pub more: bool,
}

/// One page of the queue.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &Filter,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Vec<QueueRow>, StoreError> {
    let (sql, w) = page_sql(filter, sort, offset, limit);
    Ok(bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &w.binds).fetch_all(&mut *conn).await?)
}

/// The statement of `page`, and what it binds.
pub(super) fn page_sql(filter: &Filter, sort: Sort, offset: i64, limit: i64) -> (String, Where) {
    let w = build(filter, true);
    let order = match sort {
        Sort::Newest => "received_at DESC, id DESC",
        Sort::Oldest => "received_at, id",
        Sort::DueFirst => "due_at NULLS LAST, id",
    };
    let sql = format!(
        "SELECT reference, kind, category_code, district_code, channel, status, department_code, received_at, due_at, \
         assignee_id, escalated_at FROM tips{} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    (sql, w)
}

/// Of counts by status, the count of the status a filter names.
fn of_status(by_status: &[(TipStatus, i64)], status: &str) -> i64 {
    by_status.iter().filter(|(s, _)| s.as_str() == status).map(|(_, n)| n).sum()
}

/// How many tips match the filter, and how many match it whatever their status, by status
/// (none when more than `COUNT_CAP` would have to be counted). From `tip_counts` where the
/// filter allows; otherwise by counting, at most `COUNT_CAP` + 1 tips.
pub async fn counts(conn: &mut AnyConnection, filter: &Filter) -> Result<(Total, Vec<(TipStatus, i64)>), StoreError> {
    let any_status = build(filter, false);
    if counted(filter) {
        let sql = format!(
            "SELECT status, CAST(SUM(tips) AS BIGINT) FROM tip_counts{} GROUP BY status HAVING SUM(tips) > 0",
            any_status.sql()
        );
        let by_status: Vec<(TipStatus, i64)> =
            bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &any_status.binds).fetch_all(conn).await?;
        let tips = match &filter.status {
            Some(status) => of_status(&by_status, status),
            None => by_status.iter().map(|(_, n)| n).sum(),
        };
        return Ok((Total { tips, more: false }, by_status));
    }
    // The limit in the inner query also keeps the planner on the filter's index.
    let sql = format!(
        "SELECT status, COUNT(*) FROM (SELECT status FROM tips{} LIMIT {}) capped GROUP BY status",
        any_status.sql(),
        COUNT_CAP + 1
    );
    let by_status: Vec<(TipStatus, i64)> =
        bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &any_status.binds).fetch_all(&mut *conn).await?;
    let seen: i64 = by_status.iter().map(|(_, n)| n).sum();
    if seen <= COUNT_CAP {
        let tips = match &filter.status {
            Some(status) => of_status(&by_status, status),
            None => seen,
        };
        return Ok((Total { tips, more: false }, by_status));
    }
    let total = match &filter.status {
        None => Total { tips: COUNT_CAP, more: true },
        Some(_) => {
            let w = build(filter, true);
            let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM tips{} LIMIT {}) capped", w.sql(), COUNT_CAP + 1);
            let (tips,): (i64,) = bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &w.binds).fetch_one(conn).await?;
            Total { tips: tips.min(COUNT_CAP), more: tips > COUNT_CAP }
        }
    };
    Ok((total, Vec::new()))
}
