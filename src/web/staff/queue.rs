//! `GET /staff`: the queue.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::staff::{QueueRow, QueueView};

use super::html;
use super::{Staff, need};
use crate::domain::{Channel, TipStatus, china_time};
use crate::service::queue::{self, Query};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;

pub fn status_label(status: TipStatus, lang: Lang) -> String {
    lang.tr(status.words().0).to_owned()
}

/// The filters of the queue, by name, as the query string gives them.
fn query_pairs(query: &Query) -> [(&'static str, &String); 8] {
    [
        ("status", &query.status),
        ("kind", &query.kind),
        ("category", &query.category),
        ("district", &query.district),
        ("channel", &query.channel),
        ("due", &query.due),
        ("assignee", &query.assignee),
        ("sort", &query.sort),
    ]
}

/// One row of the queue in the page language; `me` is the official looking.
fn row_view(
    row: crate::store::queue::QueueRow,
    data: &crate::web::reference_cache::ReferenceData,
    lang: Lang,
    openable: &std::collections::HashSet<String>,
    me: &str,
    now: i64,
) -> QueueRow {
    let zh = lang == Lang::Zh;
    QueueRow {
        overdue: row.due_at.is_some_and(|d| d < now),
        escalated: row.escalated_at.is_some(),
        kind: data.kind_name(row.kind.as_str(), zh),
        category: data.category_name(&row.category_code, zh),
        district: data.district_name(&row.district_code, zh),
        department: data.department_name(&row.department_code, zh),
        channel: lang.tr(row.channel.key()).to_owned(),
        openable: openable.contains(&row.reference),
        status: status_label(row.status, lang),
        received: china_time::date_string(row.received_at),
        due: row.due_at.map(china_time::date_string).unwrap_or_default(),
        assignee: if row.assignee_id.as_deref() == Some(me) {
            lang.tr("queue-me").to_owned()
        } else if row.assignee_id.is_some() {
            "✓".to_owned()
        } else {
            String::new()
        },
        reference: row.meta.reference,
    }
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::ReadTips>,
    PageLang(lang): PageLang,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let now = unix_now();
    let listed = queue::list(&state.store, &page.session.official, &query, now)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    // A reference links to its case only where this official may open it (oversight sees
    // every department's queue but opens only what is granted to it).
    let references: Vec<String> = listed.rows.iter().map(|r| r.reference.clone()).collect();
    let openable = {
        let mut conn = state.store.conn().await.map_err(PageError::store(lang))?;
        crate::store::tips::openable_references(&mut conn, &page.session.official.user_id, &references)
            .await
            .map_err(PageError::store(lang))?
    };
    let zh = lang == Lang::Zh;
    let names = |pairs: Vec<(String, String, String)>| -> Vec<(String, String)> {
        pairs.into_iter().map(|(c, z, e)| (c, if zh { z } else { e })).collect()
    };
    let r = &data.reference;
    let statuses =
        crate::domain::TipStatus::ALL.iter().map(|s| (s.as_str().to_owned(), status_label(*s, lang))).collect();
    let view = QueueView {
        rows: listed
            .rows
            .into_iter()
            .map(|row| row_view(row, &data, lang, &openable, &page.session.official.user_id, now))
            .collect(),
        total: listed.total,
        more: listed.more,
        counts: listed.counts.into_iter().map(|(s, n)| (s.as_str().to_owned(), status_label(s, lang), n)).collect(),
        filters: query_pairs(&query).into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect(),
        statuses,
        channels: Channel::ALL.iter().map(|c| (c.as_str().to_owned(), lang.tr(c.key()).to_owned())).collect(),
        kinds: names(r.kinds.iter().map(|k| (k.code.clone(), k.name_zh.clone(), k.name_en.clone())).collect()),
        categories: names(
            r.categories.iter().map(|k| (k.code.clone(), k.name_zh.clone(), k.name_en.clone())).collect(),
        ),
        districts: names(r.districts.iter().map(|k| (k.code.clone(), k.name_zh.clone(), k.name_en.clone())).collect()),
        page: listed.page,
        pages: listed.pages,
        query: query_pairs(&query)
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
            .collect::<Vec<_>>()
            .join("&"),
    };
    let title = lang.tr("queue-queue");
    Ok(html(StatusCode::OK, jubao_templates::staff::queue(&page.frame(title, "/staff"), &view)))
}
