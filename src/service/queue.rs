//! The queue an official sees: their department's tips, or every department's for the
//! 安委办's oversight. Metadata only.

use super::ServiceError;
use super::officials::SignedIn;
use crate::domain::TipStatus;
use crate::domain::capability::{self, Scope};
use crate::domain::deadline_rules::REMIND_BEFORE;
use crate::store::Store;
use crate::store::queue::{self, Filter, QueueRow, Sort};
use jubao_templates::i18n::Msg;

pub const PAGE_SIZE: i64 = 50;
/// The last page one may ask for: fifty million tips, far beyond any queue, and far from
/// overflowing the offset.
pub const MAX_PAGE: i64 = 1_000_000;

/// Filters as a client sends them; empty means "any".
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Query {
    pub status: String,
    pub kind: String,
    pub category: String,
    pub district: String,
    pub channel: String,
    /// `soon` (within two days) or `overdue`.
    pub due: String,
    /// `me`, `none`, or an official's id.
    pub assignee: String,
    /// `newest` (default), `oldest` or `due`.
    pub sort: String,
    /// From 1 (the default) to 1 000 000.
    pub page: Option<i64>,
}

pub struct Page {
    pub rows: Vec<QueueRow>,
    pub total: i64,
    /// More than `total` match (a filter that is not counted beyond `queue::COUNT_CAP`).
    pub more: bool,
    pub counts: Vec<(TipStatus, i64)>,
    pub page: i64,
    pub pages: i64,
}

/// The departments whose tips this official may list; `None` for all of them.
fn scope(official: &SignedIn) -> Result<Option<Vec<String>>, ServiceError> {
    match capability::queue_scope(&official.roles, official.department.as_deref()) {
        Some(Scope::All) => Ok(None),
        Some(Scope::Departments(departments)) => Ok(Some(departments)),
        None => Err(super::forbidden("queue-role-has-no-queue")),
    }
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

pub async fn list(store: &Store, official: &SignedIn, q: &Query, now: i64) -> Result<Page, ServiceError> {
    let filter = Filter {
        departments: scope(official)?,
        status: some(&q.status),
        kind: some(&q.kind),
        category: some(&q.category),
        district: some(&q.district),
        channel: some(&q.channel),
        due_within: (q.due == "soon").then_some(REMIND_BEFORE),
        overdue: q.due == "overdue",
        assignee: match q.assignee.as_str() {
            "" => None,
            "none" => Some(None),
            "me" => Some(Some(official.user_id.clone())),
            id => Some(Some(id.to_owned())),
        },
        now,
    };
    let sort = match q.sort.as_str() {
        "oldest" => Sort::Oldest,
        "due" => Sort::DueFirst,
        _ => Sort::Newest,
    };
    let page = q.page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(ServiceError::BadInput(
            Msg::new("queue-page-must-from-1-max").with("MAX_PAGE", (MAX_PAGE).to_string()),
        ));
    }
    let mut conn = store.conn().await?;
    let rows = queue::page(&mut conn, &filter, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    let (total, counts) = queue::counts(&mut conn, &filter).await?;
    Ok(Page {
        rows,
        total: total.tips,
        more: total.more,
        counts,
        page,
        pages: ((total.tips + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    })
}
