//! Reference data: districts, departments, categories, kinds, deadlines, reward policies.

use sqlx::{AnyConnection, FromRow};

use super::{Store, StoreError};
use crate::domain::DeadlineStep;
use crate::seeds::SeedSet;

#[derive(Debug, Clone, FromRow)]
pub struct KindRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub hint_zh: String,
    pub hint_en: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub department_code: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct DistrictRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct DepartmentRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub parent_code: Option<String>,
    pub district_code: Option<String>,
}

/// The reference data in force (nothing retired), in seed order.
#[derive(Debug, Clone)]
pub struct Reference {
    pub kinds: Vec<KindRow>,
    pub categories: Vec<CategoryRow>,
    pub districts: Vec<DistrictRow>,
    pub departments: Vec<DepartmentRow>,
}

/// What a seed run stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub departments: usize,
    pub districts: usize,
    pub categories: usize,
    pub kinds: usize,
    pub deadlines: usize,
    pub policy_code: String,
    pub policy_version: i64,
    pub policy_changed: bool,
}

pub async fn has_reference_data(store: &Store) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments").fetch_one(store.pool()).await?;
    Ok(count > 0)
}

/// A department's Chinese and English names; its code twice when it is not known.
pub async fn department_names(conn: &mut AnyConnection, code: &str) -> Result<(String, String), StoreError> {
    let names: Option<(String, String)> = sqlx::query_as("SELECT name_zh, name_en FROM departments WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    Ok(names.unwrap_or_else(|| (code.to_owned(), code.to_owned())))
}

pub async fn department_exists(store: &Store, code: &str) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments WHERE code = $1 AND retired_at IS NULL")
        .bind(code)
        .fetch_one(store.pool())
        .await?;
    Ok(count > 0)
}

pub async fn load(store: &Store) -> Result<Reference, StoreError> {
    let pool = store.pool();
    Ok(Reference {
        kinds: sqlx::query_as("SELECT code, name_zh, name_en, hint_zh, hint_en FROM kinds ORDER BY position")
            .fetch_all(pool)
            .await?,
        categories: sqlx::query_as(
            "SELECT code, name_zh, name_en, department_code FROM categories \
             WHERE retired_at IS NULL ORDER BY position",
        )
        .fetch_all(pool)
        .await?,
        districts: sqlx::query_as(
            "SELECT code, name_zh, name_en, kind FROM districts WHERE retired_at IS NULL ORDER BY position",
        )
        .fetch_all(pool)
        .await?,
        departments: sqlx::query_as(
            "SELECT code, name_zh, name_en, parent_code, district_code FROM departments \
             WHERE retired_at IS NULL ORDER BY position",
        )
        .fetch_all(pool)
        .await?,
    })
}

/// Stores a validated seed set in one transaction. Entries missing from the set are retired,
/// not deleted, because tips keep pointing at them; entries present again come back.
pub async fn store_seeds(store: &Store, seeds: &SeedSet, now: i64) -> Result<SeedReport, StoreError> {
    let mut tx = store.pool().begin().await?;
    let conn: &mut AnyConnection = &mut tx;
    retire_all(&mut *conn, now).await?;
    upsert_districts(&mut *conn, seeds).await?;
    upsert_departments(&mut *conn, seeds).await?;
    upsert_categories(&mut *conn, seeds).await?;
    upsert_kinds(&mut *conn, seeds).await?;
    upsert_deadlines(&mut *conn, seeds).await?;
    let (policy_version, policy_changed) = store_policy(&mut *conn, seeds, now).await?;
    tx.commit().await?;
    Ok(SeedReport {
        departments: seeds.departments.len(),
        districts: seeds.districts.len(),
        categories: seeds.categories.len(),
        kinds: seeds.kinds.len(),
        deadlines: DeadlineStep::ALL.len(),
        policy_code: seeds.reward_policy.code.to_string(),
        policy_version,
        policy_changed,
    })
}

/// Marks every district, department and category retired, until the seeds bring them back.
async fn retire_all(conn: &mut AnyConnection, now: i64) -> Result<(), StoreError> {
    for table in ["districts", "departments", "categories"] {
        let sql = match table {
            "districts" => "UPDATE districts SET retired_at = COALESCE(retired_at, $1)",
            "departments" => "UPDATE departments SET retired_at = COALESCE(retired_at, $1)",
            _ => "UPDATE categories SET retired_at = COALESCE(retired_at, $1)",
        };
        sqlx::query(sql).bind(now).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts or revives the seeded districts, in seed order.
async fn upsert_districts(conn: &mut AnyConnection, seeds: &SeedSet) -> Result<(), StoreError> {
    for (position, d) in (0i64..).zip(&seeds.districts) {
        sqlx::query(
            "INSERT INTO districts (code, name_zh, name_en, kind, position, retired_at) \
             VALUES ($1, $2, $3, $4, $5, NULL) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             kind = excluded.kind, position = excluded.position, retired_at = NULL",
        )
        .bind(d.code.as_str())
        .bind(&d.name_zh)
        .bind(&d.name_en)
        .bind(d.kind.as_str())
        .bind(position)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts or revives the seeded departments, city-level ones first.
async fn upsert_departments(conn: &mut AnyConnection, seeds: &SeedSet) -> Result<(), StoreError> {
    // City-level departments first: local units refer to them.
    let ordered = seeds
        .departments
        .iter()
        .filter(|d| d.parent.is_none())
        .chain(seeds.departments.iter().filter(|d| d.parent.is_some()));
    for (position, d) in (0i64..).zip(ordered) {
        sqlx::query(
            "INSERT INTO departments (code, name_zh, name_en, parent_code, district_code, position, retired_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             parent_code = excluded.parent_code, district_code = excluded.district_code, \
             position = excluded.position, retired_at = NULL",
        )
        .bind(d.code.as_str())
        .bind(&d.name_zh)
        .bind(&d.name_en)
        .bind(d.parent.as_ref().map(|c| c.as_str()))
        .bind(d.district.as_ref().map(|c| c.as_str()))
        .bind(position)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts or revives the seeded categories, in seed order.
async fn upsert_categories(conn: &mut AnyConnection, seeds: &SeedSet) -> Result<(), StoreError> {
    for (position, c) in (0i64..).zip(&seeds.categories) {
        sqlx::query(
            "INSERT INTO categories (code, name_zh, name_en, department_code, position, retired_at) \
             VALUES ($1, $2, $3, $4, $5, NULL) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             department_code = excluded.department_code, position = excluded.position, retired_at = NULL",
        )
        .bind(c.code.as_str())
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(c.department.as_str())
        .bind(position)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts or updates the seeded tip kinds, in seed order.
async fn upsert_kinds(conn: &mut AnyConnection, seeds: &SeedSet) -> Result<(), StoreError> {
    for (position, k) in (0i64..).zip(&seeds.kinds) {
        sqlx::query(
            "INSERT INTO kinds (code, name_zh, name_en, hint_zh, hint_en, position) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             hint_zh = excluded.hint_zh, hint_en = excluded.hint_en, position = excluded.position",
        )
        .bind(k.code.as_str())
        .bind(&k.name_zh)
        .bind(&k.name_en)
        .bind(&k.hint_zh)
        .bind(&k.hint_en)
        .bind(position)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts or updates the deadline rule of every step.
async fn upsert_deadlines(conn: &mut AnyConnection, seeds: &SeedSet) -> Result<(), StoreError> {
    for step in crate::domain::DeadlineStep::ALL {
        let rule = seeds.deadlines.get(step);
        sqlx::query(
            "INSERT INTO deadline_rules (step, days, status, source) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (step) DO UPDATE SET days = excluded.days, status = excluded.status, source = excluded.source",
        )
        .bind(step.as_str())
        .bind(i64::from(rule.days))
        .bind(rule.status.as_str())
        .bind(&rule.source)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Stores the reward policy as a new version if its source changed: (version, changed).
async fn store_policy(conn: &mut AnyConnection, seeds: &SeedSet, now: i64) -> Result<(i64, bool), StoreError> {
    let newest: Option<(i64, String)> =
        sqlx::query_as("SELECT version, source FROM reward_policies ORDER BY version DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match newest {
        Some((version, source)) if source == seeds.reward_policy_source => (version, false),
        other => {
            let version = other.map_or(1, |(v, _)| v + 1);
            sqlx::query("INSERT INTO reward_policies (version, code, source, loaded_at) VALUES ($1, $2, $3, $4)")
                .bind(version)
                .bind(seeds.reward_policy.code.as_str())
                .bind(&seeds.reward_policy_source)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            (version, true)
        }
    })
}

/// The department responsible for a category in force.
pub async fn category_department(conn: &mut AnyConnection, category: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT department_code FROM categories WHERE code = $1 AND retired_at IS NULL")
        .bind(category)
        .fetch_optional(conn)
        .await?)
}

pub async fn district_in_force(conn: &mut AnyConnection, district: &str) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts WHERE code = $1 AND retired_at IS NULL")
        .bind(district)
        .fetch_one(conn)
        .await?;
    Ok(count > 0)
}

/// What filing a tip needs to know of its category and district, in one round trip: the
/// category's department (if the category is in force), whether the district is in force,
/// and the days to acknowledge a tip.
#[derive(Debug, sqlx::FromRow)]
pub struct IntakeFacts {
    pub department_code: Option<String>,
    pub district_in_force: i64,
    pub acknowledge_days: Option<i64>,
}

pub async fn intake_facts(conn: &mut AnyConnection, category: &str, district: &str) -> Result<IntakeFacts, StoreError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT department_code FROM categories WHERE code = $1 AND retired_at IS NULL) AS department_code, \
                (SELECT COUNT(*) FROM districts WHERE code = $2 AND retired_at IS NULL) AS district_in_force, \
                (SELECT days FROM deadline_rules WHERE step = $3) AS acknowledge_days",
    )
    .bind(category)
    .bind(district)
    .bind(DeadlineStep::Acknowledge.as_str())
    .fetch_one(conn)
    .await?)
}

/// Local units in force: `(code, parent, district)`.
pub async fn local_units(conn: &mut AnyConnection) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT code, parent_code, district_code FROM departments \
         WHERE parent_code IS NOT NULL AND district_code IS NOT NULL AND retired_at IS NULL",
    )
    .fetch_all(conn)
    .await?)
}

/// The deadline rules in force: step and days.
pub async fn deadline_days(conn: &mut AnyConnection) -> Result<Vec<(DeadlineStep, i64)>, StoreError> {
    Ok(sqlx::query_as("SELECT step, days FROM deadline_rules").fetch_all(conn).await?)
}
