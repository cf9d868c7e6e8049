//! `GET /staff/finance`: finance's rewards — amounts, deadlines and, for claimed rewards, the
//! payout details; never any tip content. `POST /staff/finance/{reference}`: authorise or
//! record the payment. `GET /staff/finance/payments.csv`: payments without identity fields.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::staff::{FinanceLine, FinanceView};
use serde::Deserialize;

use super::{check_csrf, html, see_other};
use crate::domain::{Role, TipReference, china_time};
use crate::service::officials::SignedIn;
use crate::service::{ServiceError, rewards};
use crate::store::unix_now;
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Finance]);
    let official = &page.session.official;
    let items = rewards::finance_queue(&state.store, official, unix_now())
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    let lines = items
        .into_iter()
        .map(|i| {
            let payout = i
                .payout
                .map(|p| {
                    vec![
                        (lang.t("收款人", "Payee").to_owned(), p.name),
                        (lang.t("身份证号", "ID number").to_owned(), p.id_number),
                        (lang.t("开户行", "Bank").to_owned(), p.bank),
                        (lang.t("账号", "Account").to_owned(), p.account),
                    ]
                })
                .unwrap_or_default();
            let method = match i.method.as_deref() {
                Some("bank") => lang.t("银行转账", "Bank transfer"),
                Some("in_person") => lang.t("凭查询码现场领取", "In person, with the receipt"),
                _ => "—",
            };
            FinanceLine {
                can_authorise: i.status == "approved",
                can_pay: i.status == "claimed" && !i.authorised_by_me,
                needs_receipt: i.method.as_deref() == Some("in_person"),
                status: jubao_templates::events::reward_status(&i.status, lang).to_owned(),
                reference: i.reference,
                amount: i.amount,
                due: i.claim_due_at.map_or_else(|| "—".to_owned(), china_time::date_string),
                method: method.to_owned(),
                payout,
                payment: i.payment_reference.unwrap_or_default(),
            }
        })
        .collect();
    let view =
        FinanceView { lines, notice: (!query.done.is_empty()).then(|| lang.t("已完成。", "Done.").to_owned()) };
    let title = lang.t("奖励发放", "Rewards");
    Ok(html(StatusCode::OK, jubao_templates::staff::finance(&page.frame(title, "/staff/finance"), &view)))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    step: String,
    payment_reference: String,
    receipt_code: String,
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
        _ => Err(crate::service::invalid("无法识别的奖励操作。", "Unknown reward step.")),
    }
}

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    path: web::Path<String>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Finance]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = TipReference::parse(&path).ok_or(PageError { problem: Problem::not_found(), lang })?;
    finance_step(&state, &page.session.official, &reference, &form.step, &form.payment_reference, &form.receipt_code)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(see_other("/staff/finance?done=1"))
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
    req: HttpRequest,
    PageLang(lang): PageLang,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Finance]);
    let csv = rewards::payments_csv(&state.store, &page.session.official)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(csv_response(csv))
}
