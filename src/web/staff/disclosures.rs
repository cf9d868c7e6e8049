//! `GET /staff/disclosures` and `POST /staff/disclosures/{id}`: the custodian decides.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::staff::DisclosureView;
use serde::Deserialize;

use super::{check_csrf, html, see_other};
use crate::domain::{Role, china_time};
use crate::service::disclosure;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Custodian]);
    let requests = disclosure::open_requests(&state.store, &page.session.official)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let items: Vec<DisclosureView> = requests
        .into_iter()
        .map(|r| DisclosureView {
            id: r.id,
            reference: r.reference,
            requester: format!(
                "{} ({})",
                r.requested_by,
                r.department.map(|d| data.department_name(&d, lang == jubao_templates::Lang::Zh)).unwrap_or_default()
            ),
            reason: r.reason,
            at: china_time::minute_string(r.requested_at),
        })
        .collect();
    let title = lang.t("身份查看申请", "Disclosure requests");
    Ok(html(StatusCode::OK, jubao_templates::staff::disclosures(&page.frame(title, "/staff/disclosures"), &items)))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Decision {
    csrf: String,
    decision: String,
}

pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    id: web::Path<String>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Custodian]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let approve = form.decision == "approve";
    disclosure::decide(&state.store, &state.settings.public_url, &page.session.official, &id, approve, unix_now())
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(see_other("/staff/disclosures"))
}
