//! `GET /staff/oversight`: the 安委办's statistics, drawn as SVG on the server.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::staff::{OversightView, StatRow};

use super::html;
use super::{Staff, need};
use crate::service::oversight;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;

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
    let view = OversightView {
        departments: rows(stats.by_department, &|c| data.department_name(c, zh)),
        districts: rows(stats.by_district, &|c| data.district_name(c, zh)),
    };
    let title = lang.tr("staff-oversight");
    Ok(html(StatusCode::OK, jubao_templates::staff::oversight(&page.frame(title, "/staff/oversight"), &view)))
}
