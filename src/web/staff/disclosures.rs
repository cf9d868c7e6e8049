//! `GET /staff/disclosures` and `POST /staff/disclosures/{id}`: the custodian decides.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::staff::DisclosureView;
use serde::Deserialize;

use super::{Done, Staff, need};
use super::{Page, check_csrf, html, see_other};
use crate::domain::china_time;
use crate::service::disclosure;
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::DecideDisclosures>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let notice =
        query.notice(page.lang, &[("approved", "disclosures-done-approved"), ("denied", "disclosures-done-denied")]);
    render(&state, &page, notice.as_deref(), None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    page: &Page,
    notice: Option<&str>,
    refused: Option<(&str, &str)>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
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
                r.department.map(|d| data.department_name(&d, lang == Lang::Zh)).unwrap_or_default()
            ),
            reason: r.reason,
            at: china_time::minute_string(r.requested_at),
        })
        .collect();
    let title = lang.tr("disclosures-disclosure-requests");
    let markup = jubao_templates::staff::disclosures(&page.frame(title, "/staff/disclosures"), &items, notice, refused);
    Ok(html(status, markup))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Decision {
    csrf: String,
    decision: String,
    confirm: String,
}

pub async fn decide(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::DecideDisclosures>,
    PageLang(lang): PageLang,
    id: web::Path<String>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let approve = form.decision == "approve";
    if approve && form.confirm.is_empty() {
        let why = lang.tr("disclosures-tick-box-confirm-then-approve");
        return render(&state, &page, None, Some((id.as_str(), why)), StatusCode::BAD_REQUEST).await;
    }
    let official = &page.session.official;
    let reference = match disclosure::reference_of_request(&state.store, official, &id).await {
        Ok(r) => r,
        Err(e) => return Err(PageError { problem: e.into(), lang }),
    };
    match disclosure::decide(&state.store, &state.settings.public_url, official, &id, approve, unix_now()).await {
        Ok(()) => {
            let done = if approve { "approved" } else { "denied" };
            Ok(see_other(&format!("/staff/disclosures?done={done}&reference={reference}")))
        }
        Err(e) => {
            let problem: Problem = e.into();
            if problem.status.is_server_error() {
                return Err(PageError { problem, lang });
            }
            render(&state, &page, None, Some((id.as_str(), &problem.message(lang))), problem.status).await
        }
    }
}
