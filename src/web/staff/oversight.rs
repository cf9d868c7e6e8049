//! `GET /staff/oversight`: the 安委办's statistics, drawn as SVG on the server.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::staff::{OversightView, RelatedLine, RepeatView, StatRow};

use super::html;
use super::{Staff, need};
use crate::domain::china_time::DAY;
use crate::service::officials::SignedIn;
use crate::service::{ServiceError, oversight, related};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;
use crate::web::reference_cache::ReferenceData;

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::Oversee>,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let stats = oversight::stats(&state.store, unix_now()).await.map_err(|e| PageError { problem: e.into(), lang })?;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let zh = lang == Lang::Zh;
    let rows = |rows: Vec<oversight::Row>, name: &dyn Fn(&str) -> String| {
        rows.into_iter()
            .map(|r| StatRow {
                name: name(&r.code),
                total: r.total,
                open: r.open,
                overdue: r.overdue,
                concluded: r.concluded,
                days: r.days_to_conclude,
            })
            .collect()
    };
    let now = unix_now();
    let official = &page.session.official;
    let repeats = match related::repeats(&state.store, official, now - REPEATS_DAYS * DAY, now).await {
        Ok(found) => Some(found.into_iter().map(|r| repeat_view(r, official, &data, lang)).collect()),
        Err(ServiceError::NotAdmitted(_)) => None,
        Err(e) => return Err(PageError { problem: e.into(), lang }),
    };
    let view = OversightView {
        departments: rows(stats.by_department, &|c| data.department_name(c, zh)),
        districts: rows(stats.by_district, &|c| data.district_name(c, zh)),
        repeats,
    };
    let title = lang.tr("staff-oversight");
    Ok(html(StatusCode::OK, jubao_templates::staff::oversight(&page.frame(title, "/staff/oversight"), &view)))
}

/// How far back the page looks for companies and places reported more than once.
const REPEATS_DAYS: i64 = 90;

fn repeat_view(r: related::Repeat, official: &SignedIn, data: &ReferenceData, lang: Lang) -> RepeatView {
    let zh = lang == Lang::Zh;
    let tips = r
        .tips
        .into_iter()
        .map(|t| {
            let about = format!("{} · {}", data.department_name(&t.department_code, zh), lang.tr(t.status.words().0),);
            RelatedLine { openable: official.works_in(&t.department_code), reference: t.reference, about }
        })
        .collect();
    RepeatView { what: format!("{} {:05}", lang.tr(r.field.key()), r.value), tips }
}
