//! The queue: tips an official may see, by metadata only, filtered, sorted and paged, with
//! counts by status for the same filters. Queries use the indexes of migration 0004.

use sqlx::{AnyConnection, FromRow};

use super::StoreError;

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

#[derive(Debug, Clone, FromRow)]
pub struct QueueRow {
    pub reference: String,
    pub kind: String,
    pub category_code: String,
    pub district_code: String,
    pub channel: String,
    pub status: String,
    pub department_code: String,
    pub received_at: i64,
    pub due_at: Option<i64>,
    pub assignee_id: Option<String>,
    pub escalated_at: Option<i64>,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// A WHERE clause with numbered placeholders.
struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
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

fn bind_all<'q, O>(
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

/// One page of the queue, and the number of tips matching in all.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &Filter,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<(Vec<QueueRow>, i64), StoreError> {
    let w = build(filter, true);
    let order = match sort {
        Sort::Newest => "received_at DESC, id DESC",
        Sort::Oldest => "received_at, id",
        Sort::DueFirst => "CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id",
    };
    let sql = format!(
        "SELECT reference, kind, category_code, district_code, channel, status, department_code, received_at, due_at, \
         assignee_id, escalated_at FROM tips{} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    let rows = bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &w.binds).fetch_all(&mut *conn).await?;
    let count_sql = format!("SELECT COUNT(*) FROM tips{}", w.sql());
    let (total,): (i64,) = bind_all(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), &w.binds).fetch_one(conn).await?;
    Ok((rows, total))
}

/// Tips matching the filter, ignoring its status, counted by status.
pub async fn counts_by_status(conn: &mut AnyConnection, filter: &Filter) -> Result<Vec<(String, i64)>, StoreError> {
    let w = build(filter, false);
    let sql = format!("SELECT status, COUNT(*) FROM tips{} GROUP BY status", w.sql());
    Ok(bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &w.binds).fetch_all(conn).await?)
}
