//! `GET /staff/finance`: finance's rewards — amounts, deadlines and, for claimed rewards, the
//! payout details; never any tip content. `POST /staff/finance/{reference}`: authorise or
//! record the payment. `GET /staff/finance/payments.csv`: payments without identity fields.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use jubao_templates::staff::{FinanceLine, FinanceView};
use serde::Deserialize;

use super::{Done, Staff, need};
use super::{Page, check_csrf, html, see_other};
use crate::domain::reward::RewardStatus;
use crate::domain::{KeyGroup, TipReference, china_time};
use crate::service::officials::SignedIn;
use crate::service::{ServiceError, groups, rewards};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::PayRewards>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let notice = query.notice(page.lang, &[("authorise", "finance-done-authorise"), ("pay", "finance-done-pay")]);
    render(&state, &page, notice, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    page: &Page,
    notice: Option<String>,
    refused: Option<(String, Option<String>, String)>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    let items = rewards::finance_queue(&state.store, official, unix_now()).await.map_err(err)?;
    let mut conn = state.store.conn().await.map_err(|e| err(e.into()))?;
    let admitted = groups::require_active(&mut conn, &KeyGroup::Finance, &official.user_id).await.is_ok();
    drop(conn);
    let blocked = (!admitted).then(|| lang.tr("finance-your-finance-key-still-waits").to_owned());
    let lines = items
        .into_iter()
        .map(|i| {
            let payout = i
                .payout
                .map(|p| {
                    vec![
                        (lang.tr("finance-payee").to_owned(), p.name),
                        (lang.tr("finance-id-number").to_owned(), p.id_number),
                        (lang.tr("finance-bank").to_owned(), p.bank),
                        (lang.tr("finance-account").to_owned(), p.account),
                    ]
                })
                .unwrap_or_default();
            let method = match i.method.as_deref() {
                Some("bank") => lang.tr("track-bank-transfer"),
                Some("in_person") => lang.tr("finance-person-receipt"),
                _ => "—",
            };
            FinanceLine {
                can_authorise: i.status == RewardStatus::Approved,
                can_pay: i.status == RewardStatus::Claimed && !i.authorised_by_me,
                pays_a_colleague: i.status == RewardStatus::Claimed && i.authorised_by_me,
                needs_receipt: i.method.as_deref() == Some("in_person"),
                status: lang.tr(i.status.key()).to_owned(),
                reference: i.reference,
                amount: i.amount,
                due: i.claim_due_at.map_or_else(|| "—".to_owned(), china_time::date_string),
                method: method.to_owned(),
                payout,
                payment: i.payment_reference.unwrap_or_default(),
            }
        })
        .collect();
    let view = FinanceView { lines, notice, blocked, refused };
    let title = lang.tr("finance-rewards");
    Ok(html(status, jubao_templates::staff::finance(&page.frame(title, "/staff/finance"), &view)))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    step: String,
    payment_reference: String,
    receipt_code: String,
    confirm: String,
}

/// Finance's steps as the service takes them.
pub async fn finance_step(
    state: &AppState,
    official: &SignedIn,
    reference: &TipReference,
    step: &str,
    payment_reference: &str,
    receipt_code: &str,
) -> Result<(), ServiceError> {
    let now = unix_now();
    match step {
        "authorise" => rewards::authorise(&state.store, official, reference, now).await,
        "pay" => {
            let code = Some(receipt_code).filter(|c| !c.trim().is_empty());
            rewards::pay(&state.store, official, reference, payment_reference, code, now).await
        }
        _ => Err(crate::service::invalid("case-unknown-reward-step")),
    }
}

pub async fn act(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::PayRewards>,
    PageLang(lang): PageLang,
    path: web::Path<String>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = TipReference::parse(&path).ok_or(PageError { problem: Problem::not_found(), lang })?;
    let refuse = |field: Option<&str>, message: &str| {
        Some((reference.to_string(), field.map(str::to_owned), message.to_owned()))
    };
    let official = &page.session.official;
    if form.confirm.is_empty() {
        // A reward this official may not act on answers as the step would, box or not.
        let err = |e: ServiceError| PageError { problem: e.into(), lang };
        let mut conn = state.store.conn().await.map_err(|e| err(e.into()))?;
        groups::require_active(&mut conn, &KeyGroup::Finance, &official.user_id).await.map_err(err)?;
        drop(conn);
        let queue = rewards::finance_queue(&state.store, official, unix_now()).await.map_err(err)?;
        if !queue.iter().any(|i| i.reference == reference.as_str()) {
            return Err(err(ServiceError::NoSuchTip));
        }
        let why = lang.tr("case-tick-box-confirm-then-submit");
        return render(&state, &page, None, refuse(Some("confirm"), why), StatusCode::BAD_REQUEST).await;
    }
    if form.step == "pay" && form.payment_reference.trim().is_empty() {
        let why = lang.tr("finance-give-payment-reference");
        return render(&state, &page, None, refuse(Some("payment_reference"), why), StatusCode::BAD_REQUEST).await;
    }
    match finance_step(&state, official, &reference, &form.step, &form.payment_reference, &form.receipt_code).await {
        Ok(()) => Ok(see_other(&format!("/staff/finance?done={}&reference={reference}", form.step))),
        Err(e) => {
            let problem: Problem = e.into();
            // Refused for who the official is or which reward it is: the error page, alike
            // for every reference; refused for what was typed: the queue again, saying why.
            if problem.status.is_server_error() || problem.status == StatusCode::FORBIDDEN {
                return Err(PageError { problem, lang });
            }
            render(&state, &page, None, refuse(None, &problem.message(lang)), problem.status).await
        }
    }
}

/// The payments as a CSV download.
pub fn csv_response(csv: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"payments.csv\""))
        .body(csv)
}

pub async fn payments(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::PayRewards>,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let csv = rewards::payments_csv(&state.store, &page.session.official)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(csv_response(csv))
}
