//! The plans SQLite chooses for the busiest reads, with the statistics of a database of a
//! million tips: `sqlite_stat1` as the hourly `PRAGMA analysis_limit = 1000; ANALYZE` left it
//! on the database of `cargo bench --bench load -- queue --keep` (re-indexed, so that each
//! index value is shared by many tips). PostgreSQL keeps statistics of its own; these are
//! SQLite's planner only.

use super::queue::{self, Filter, Sort};
use super::{Store, StoreError, indexes};
use crate::configuration::DatabaseUrl;
use crate::crypto::blind::Field;

const MILLION_TIPS: &[(&str, &str, &str)] = &[
    ("tips", "sqlite_autoindex_tips_1", "1165136 1"),
    ("tips", "sqlite_autoindex_tips_2", "998400 1"),
    ("tips", "tips_assignee", "1074600 1001 1001"),
    ("tips", "tips_department", "694378 1001 1 1 1 1"),
    ("tips", "tips_department_due", "684400 1001 1001 1001"),
    ("tips", "tips_district", "639000 1001 501 1"),
    ("tips", "tips_due", "689526 2 2 2"),
    // An index no query needs any more (dropped by migration 0014): with it, the first page
    // without a filter walked it and sorted every tip.
    ("tips", "tips_indexed_with", "221728 1001 1"),
    ("tips", "tips_queue", "752000 1001 501 1"),
    ("tips", "tips_received", "1072848 1"),
    ("tips", "tips_status", "1082160 1001 1"),
    ("tips", "tips_to_shred", "513600 1"),
    ("tip_indexes", "sqlite_autoindex_tip_indexes_1", "2146560 2 1 1"),
    ("tip_indexes", "tip_indexes_period", "1343850 1001 2 1"),
    ("tip_indexes", "tip_indexes_value", "1774224 1001 501 501 1"),
];

/// A migrated SQLite database that the planner believes holds a million tips.
async fn million(dir: &std::path::Path) -> Result<(Store, sqlx::pool::PoolConnection<sqlx::Any>), StoreError> {
    let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.join("plans.db"))).await?;
    store.migrate().await?;
    let mut conn = store.conn().await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    for (table, index, stat) in MILLION_TIPS {
        sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ($1, $2, $3)")
            .bind(table)
            .bind(index)
            .bind(stat)
            .execute(&mut *conn)
            .await?;
    }
    // The planner reads the statistics again.
    sqlx::query("ANALYZE sqlite_schema").execute(&mut *conn).await?;
    Ok((store, conn))
}

type Explain<'q> = sqlx::query::QueryAs<'q, sqlx::Any, (i64, i64, i64, String), sqlx::any::AnyArguments>;

/// `EXPLAIN QUERY PLAN` of `sql`, its values still to bind.
fn explain(sql: &str) -> Explain<'static> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
}

/// The steps of a plan.
async fn plan(conn: &mut sqlx::AnyConnection, explained: Explain<'_>) -> Result<Vec<String>, StoreError> {
    let rows = explained.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(_, _, _, step)| step).collect())
}

fn temp() -> Result<tempfile::TempDir, StoreError> {
    tempfile::tempdir().map_err(|source| StoreError::Directory { path: "temp".into(), source })
}

/// Each first page of the queue is read along an index, in its order: no step sorts all the
/// tips that match.
#[tokio::test]
async fn a_first_page_of_the_queue_is_read_in_the_order_of_an_index() -> Result<(), StoreError> {
    let dir = temp()?;
    let (_store, mut conn) = million(dir.path()).await?;
    let department = || Some(vec!["emergency".to_owned()]);
    let cases = [
        ("oversight, no filter", Filter::default(), Sort::Newest),
        ("oversight, oldest", Filter::default(), Sort::Oldest),
        ("officer, no filter", Filter { departments: department(), ..Filter::default() }, Sort::Newest),
        (
            "officer, status",
            Filter { departments: department(), status: Some("received".into()), ..Filter::default() },
            Sort::Newest,
        ),
        (
            "officer, kind and district",
            Filter {
                departments: department(),
                kind: Some("violation".into()),
                district: Some("500103".into()),
                ..Filter::default()
            },
            Sort::Newest,
        ),
        ("officer, due first", Filter { departments: department(), ..Filter::default() }, Sort::DueFirst),
        (
            "officer, unassigned",
            Filter { departments: department(), assignee: Some(None), ..Filter::default() },
            Sort::Oldest,
        ),
    ];
    for (what, filter, sort) in cases {
        let (sql, w) = queue::page_sql(&filter, sort, 0, 25);
        let steps = plan(&mut conn, queue::bind_all(explain(&sql), &w.binds)).await?;
        assert!(!steps.iter().any(|s| s == "USE TEMP B-TREE FOR ORDER BY"), "{what}: {steps:?}");
        assert!(steps.iter().all(|s| !s.starts_with("SCAN tips") || s.contains("INDEX")), "{what}: {steps:?}");
    }
    Ok(())
}

/// The repeats of a period read one range of the period's index, covering; the holders of
/// the values found and the candidates of one tip are looked up value by value.
#[tokio::test]
async fn related_tips_and_repeats_read_the_index_made_for_them() -> Result<(), StoreError> {
    let dir = temp()?;
    let (_store, mut conn) = million(dir.path()).await?;
    let repeats = explain(indexes::REPEATS).bind("k").bind(0_i64).bind(2_i64).bind(50_i64);
    let steps = plan(&mut conn, repeats).await?;
    assert!(
        steps.contains(
            &"SEARCH tip_indexes USING COVERING INDEX tip_indexes_period (key_id=? AND received_at>?)".into()
        ),
        "{steps:?}"
    );
    let values: Vec<(Field, i64)> = (0..50).map(|v| (Field::Company, v)).collect();
    let steps = plan(&mut conn, explain(&indexes::holders_sql(&values)).bind("k").bind(0_i64)).await?;
    assert!(
        steps.contains(
            &"SEARCH i USING INDEX tip_indexes_value (field=? AND value=? AND key_id=? AND received_at>?)".into()
        ),
        "{steps:?}"
    );
    let steps = plan(&mut conn, explain(indexes::CANDIDATES).bind("t").bind(50_i64)).await?;
    assert!(steps.iter().any(|s| s.starts_with("SEARCH o USING INDEX tip_indexes_value")), "{steps:?}");
    Ok(())
}
