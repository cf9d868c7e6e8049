//! `GET /staff/tips/{reference}`: the case, decrypted with the official's keys;
//! `POST …/act`: one action; `GET …/attachments/{id}`: evidence, decrypted as it streams;
//! `POST …/disclosure`: a head asks for the reporter's identity; `POST …/reward`: the
//! department's steps of the reward track.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::staff::{CaseView, FileLine, Line, RewardPanel};
use serde::Deserialize;
use tokio_util::compat::{FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};

use super::queue::status_label;
use super::{check_csrf, html, see_other};
use crate::domain::lifecycle::{self, Facts, Step};
use crate::domain::reward;
use crate::domain::{AccidentGrade, Code, Role, TipReference, TipStatus, china_time};
use crate::service::cases::{self, Action, Conclusion, Outcome};
use crate::service::officials::SignedIn;
use crate::service::{ServiceError, conversation, disclosure, rewards};
use crate::store::messages::Author;
use crate::store::{unix_now, users, workflow};
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;

const CASE_ROLES: &[Role] = &[Role::Officer, Role::Head, Role::Oversight];

fn reference_of(text: &str, lang: Lang) -> Result<TipReference, PageError> {
    TipReference::parse(text).ok_or(PageError { problem: ServiceError::NoSuchTip.into(), lang })
}

/// The actions this official may take now, with their labels.
fn available(status: TipStatus, facts: Facts, roles: &[Role], is_proposer: bool, lang: Lang) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut offer = |step: Step, code: &str, zh: &str, en: &str| {
        if lifecycle::may_take(step, roles) && lifecycle::after(status, step, facts).is_ok() {
            out.push((code.to_owned(), lang.t(zh, en).to_owned()));
        }
    };
    offer(Step::Accept, "accept", "受理", "Accept");
    offer(Step::Assign, "assign_me", "由我承办", "Take it myself");
    if roles.contains(&Role::Head) {
        offer(Step::Assign, "assign", "分配承办人", "Assign");
    }
    offer(Step::StartVerification, "start_verification", "开始核查", "Start verification");
    offer(Step::Transfer, "transfer", "转交其他部门", "Transfer");
    offer(Step::ProposeRejection, "propose_rejection", "提议不予受理", "Propose rejection");
    offer(Step::ProposeExtension, "propose_extension", "提议延期", "Propose extension");
    offer(Step::ProposeConclusion, "propose_conclusion", "提议办结", "Propose conclusion");
    offer(Step::LinkDuplicate, "link_duplicate", "标记为重复举报", "Mark as duplicate");
    offer(Step::Close, "close", "结案", "Close");
    offer(Step::ConcludeReview, "conclude_review", "答复异议", "Answer the objection");
    if let Some(pending) = facts.pending {
        let approval = match pending {
            Step::ProposeRejection => Step::ApproveRejection,
            Step::ProposeExtension => Step::ApproveExtension,
            _ => Step::ApproveConclusion,
        };
        if !is_proposer {
            offer(approval, "approve", "批准", "Approve");
            if lifecycle::may_take(approval, roles) {
                out.push(("deny".to_owned(), lang.t("不批准", "Turn down").to_owned()));
            }
        }
    }
    out
}

#[derive(Deserialize)]
pub struct Path {
    reference: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, CASE_ROLES);
    let reference = reference_of(&path.reference, lang)?;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    let case = cases::open(&state.store, official, &reference).await.map_err(err)?;
    let now = unix_now();
    let tip = &case.opened.tip;
    let w = &case.workflow;
    cases::audit_read(&state.store, official, &tip.id, "tip.read", now).await.map_err(err)?;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let zh = lang == Lang::Zh;
    let mut conn = state.store.conn().await.map_err(|e| err(e.into()))?;
    let name_of = |id: &Option<String>, all: &[users::UserSummary]| -> String {
        id.as_ref()
            .and_then(|id| all.iter().find(|u| &u.id == id))
            .map_or_else(|| "—".to_owned(), |u| u.username.clone())
    };
    let everyone = users::list(&mut conn).await.map_err(|e| err(e.into()))?;
    let proposal = workflow::open_proposal(&mut conn, &tip.id).await.map_err(|e| err(e.into()))?;
    let identity_given = crate::store::tips::sealed(&mut conn, crate::store::tips::Sealed::Identity, &tip.id)
        .await
        .map_err(|e| err(e.into()))?
        .is_some();
    drop(conn);
    let identity = if !identity_given {
        lang.t("匿名", "Anonymous").to_owned()
    } else {
        match disclosure::read(&state.store, official, &reference, now).await {
            Ok(i) => format!(
                "{} {} {} {}",
                i.name,
                i.phone.unwrap_or_default(),
                i.email.unwrap_or_default(),
                i.id_number.unwrap_or_default()
            ),
            Err(_) => lang
                .t(
                    "已提供，单独加密；须经保密专员批准方可查看",
                    "Given, sealed apart; a custodian's approval is needed to see it",
                )
                .to_owned(),
        }
    };
    let status = TipStatus::parse(&w.status).unwrap_or(TipStatus::Received);
    let facts = Facts { extended: w.extension_days > 0, pending: proposal.as_ref().and_then(|p| Step::parse(&p.step)) };
    let is_proposer = proposal.as_ref().is_some_and(|p| p.proposed_by == official.user_id);
    let mut facts_list = vec![
        (lang.t("状态", "Status").to_owned(), status_label(&w.status, lang)),
        (lang.t("类型", "Kind").to_owned(), data.kind_name(&tip.kind, zh)),
        (lang.t("领域", "Field").to_owned(), data.category_name(&tip.category_code, zh)),
        (lang.t("区县", "District").to_owned(), data.district_name(&tip.district_code, zh)),
        (lang.t("部门", "Department").to_owned(), data.department_name(&w.department_code, zh)),
        (lang.t("渠道", "Channel").to_owned(), tip.channel.clone()),
        (lang.t("收到", "Received").to_owned(), china_time::minute_string(tip.received_at)),
        (lang.t("承办人", "Assignee").to_owned(), name_of(&w.assignee_id, &everyone)),
    ];
    if let Some(due) = w.due_at {
        let overdue = if due < now { lang.t("（已超期）", " (overdue)") } else { "" };
        facts_list.push((lang.t("期限", "Due").to_owned(), format!("{}{overdue}", china_time::date_string(due))));
    }
    if let Some(outcome) = &w.outcome {
        facts_list.push((lang.t("结论", "Outcome").to_owned(), outcome.clone()));
        facts_list.push((lang.t("罚款（元）", "Fine (yuan)").to_owned(), w.fine_yuan.unwrap_or(0).to_string()));
    }
    let key = &case.opened.key;
    let messages = conversation::messages(&state.store, &tip.id, key).await.map_err(err)?;
    let notes = cases::notes(&state.store, &tip.id, key).await.map_err(err)?;
    let events = cases::events(&state.store, &tip.id, key, false).await.map_err(err)?;
    let files = conversation::attachments(&state.store, &tip.id, key).await.map_err(err)?;
    let proposal_text =
        cases::open_proposal(&state.store, &tip.id, key).await.map_err(err)?.map(|(step, by, terms)| {
            format!(
                "{}{} · {} · {}",
                lang.t("待批准：", "Waiting for approval: "),
                step,
                name_of(&Some(by), &everyone),
                terms
            )
        });
    let colleagues = everyone
        .iter()
        .filter(|u| u.department_code.as_deref() == Some(w.department_code.as_str()) && u.disabled_at.is_none())
        .map(|u| (u.id.clone(), u.username.clone()))
        .collect();
    let departments = data
        .reference
        .departments
        .iter()
        .filter(|d| d.code != w.department_code)
        .map(|d| (d.code.clone(), if zh { d.name_zh.clone() } else { d.name_en.clone() }))
        .collect();
    let works = cases::works_in(official, &w.department_code);
    let reward = match w.concluded_at {
        Some(_) => Some(reward_panel(&state, &case, official, &everyone, works, lang).await.map_err(err)?),
        None => None,
    };
    let report = &case.opened.report;
    let view = CaseView {
        reference: tip.reference.clone(),
        facts: facts_list,
        title: report.title.clone(),
        description: report.description.clone(),
        location: report.location.clone(),
        company: report.company.clone(),
        occurred_on: report.occurred_on.clone(),
        supervisory_duty: report.supervisory_duty,
        identity,
        messages: messages
            .into_iter()
            .map(|m| Line {
                who: if m.author == Author::Reporter {
                    lang.t("举报人", "Reporter").to_owned()
                } else {
                    lang.t("工作人员", "Official").to_owned()
                },
                at: china_time::minute_string(m.at),
                text: m.body,
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|(who, text, at)| Line {
                who: name_of(&Some(who), &everyone),
                at: china_time::minute_string(at),
                text,
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| Line {
                who: name_of(&e.actor_id, &everyone),
                at: china_time::minute_string(e.at),
                text: jubao_templates::events::sentence(
                    &e.kind,
                    e.detail.as_deref(),
                    &china_time::minute_string(e.at),
                    lang,
                    &|c| data.department_name(c, zh),
                ),
            })
            .collect(),
        files: files
            .into_iter()
            .map(|f| FileLine {
                id: f.id,
                name: f.name,
                kind: f.content_type,
                size: jubao_templates::size_text(f.size),
                metadata: f.metadata,
            })
            .collect(),
        proposal: proposal_text,
        actions: if works {
            let concluded_by_me = w.concluded_by.as_deref() == Some(official.user_id.as_str());
            let mut actions = available(status, facts, &official.roles, is_proposer, lang);
            actions.retain(|(code, _)| !(concluded_by_me && code == "conclude_review"));
            actions
        } else {
            Vec::new()
        },
        departments,
        colleagues,
        can_request_identity: works && identity_given && official.has(Role::Head),
        notice: (!query.done.is_empty()).then(|| lang.t("已完成。", "Done.").to_owned()),
        reward,
    };
    let path_text = format!("/staff/tips/{}", tip.reference);
    Ok(html(StatusCode::OK, jubao_templates::staff::case(&page.frame(&tip.reference, &path_text), &view)))
}

/// The reward of a concluded case: what the policy gives, whether the tip qualifies and
/// why not, the track so far, and the steps this official may take.
async fn reward_panel(
    state: &AppState,
    case: &cases::Case,
    official: &SignedIn,
    everyone: &[users::UserSummary],
    works: bool,
    lang: Lang,
) -> Result<RewardPanel, ServiceError> {
    let quote = rewards::quote(&state.store, case).await?;
    let row = rewards::for_case(&state.store, &case.opened.tip.id).await?;
    let t = |zh: &str, en: &str| lang.t(zh, en).to_owned();
    let name = |id: &str| everyone.iter().find(|u| u.id == id).map_or_else(|| "—".to_owned(), |u| u.username.clone());
    let yuan = |y: i64| format!("{y} {}", lang.t("元", "yuan"));
    let mut lines = vec![(t("奖励办法版本", "Policy version"), quote.policy_version.to_string())];
    if !quote.basis.is_empty() {
        lines.push((t("计算依据", "Basis"), quote.basis.clone()));
    }
    lines.push((
        t("按办法计算", "Computed"),
        match &quote.computed {
            Ok(y) => yuan(y.0),
            Err(why) => why.clone(),
        },
    ));
    if let Some(most) = quote.most {
        lines.push((t("金额上限", "Most allowed"), yuan(most.0)));
    }
    lines.push((
        t("奖励条件", "Eligibility"),
        match quote.eligible {
            Ok(()) => t("符合", "Met"),
            Err(why) => lang.t(why.zh(), why.en()).to_owned(),
        },
    ));
    if let Some(r) = &row {
        let status = match (&r.first_approved_by, r.status.as_str()) {
            (Some(_), "proposed") => t(
                "已获一位负责人批准，等待第二位负责人批准",
                "Approved by one head, waiting for a second head's approval",
            ),
            _ => jubao_templates::events::reward_status(&r.status, lang).to_owned(),
        };
        lines.push((t("奖励状态", "Reward status"), status));
        lines.push((t("奖励金额", "Amount"), yuan(r.amount_yuan)));
        lines.push((t("提议人", "Proposed by"), name(&r.proposed_by)));
        if reward::heads_needed(r.computed_yuan, r.amount_yuan) > 1 {
            lines.push((
                t("审批", "Approval"),
                t("高于计算金额：须两位负责人批准", "Above the computed amount: two heads approve"),
            ));
        }
        if let Some(by) = &r.first_approved_by {
            lines.push((t("第一位批准人", "First approved by"), name(by)));
        }
        if let Some(by) = &r.approved_by {
            lines.push((t("批准人", "Approved by"), name(by)));
        }
        if let Some(by) = &r.authorised_by {
            lines.push((t("财务核准", "Authorised by"), name(by)));
        }
        if let Some(due) = r.claim_due_at {
            lines.push((t("领取期限", "Claim by"), china_time::date_string(due)));
        }
        if r.extension_requested_at.is_some() && r.extension_decided_at.is_none() {
            lines.push((t("延期申请", "More time"), t("举报人已申请延期领取", "The reporter asked for more time")));
        }
    }
    let head = official.has(Role::Head);
    let status = row.as_ref().map(|r| r.status.as_str());
    Ok(RewardPanel {
        lines,
        propose: match (&quote.computed, quote.eligible) {
            (Ok(y), Ok(())) if works && row.is_none() && (head || official.has(Role::Officer)) => Some(y.0),
            _ => None,
        },
        approve: works
            && head
            && status == Some("proposed")
            && row.as_ref().is_some_and(|r| {
                reward::approval(
                    reward::heads_needed(r.computed_yuan, r.amount_yuan),
                    &r.proposed_by,
                    r.first_approved_by.as_deref(),
                    &official.user_id,
                )
                .is_ok()
            }),
        approve_extension: works
            && head
            && row.as_ref().is_some_and(|r| r.extension_requested_at.is_some() && r.extension_decided_at.is_none()),
    })
}

/// Not `Debug`: it carries what officials write.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    csrf: String,
    action: String,
    body: String,
    reason: String,
    to: String,
    days: i64,
    outcome: String,
    fine_yuan: i64,
    accident_grade: String,
    concealed_deaths: Option<i64>,
    previously_known: Option<String>,
    feedback: String,
    of: String,
}

/// A form (or JSON) action as the service takes it.
pub fn action_of(
    action: &str,
    body: &str,
    reason: &str,
    to: &str,
    days: i64,
    conclusion: Option<Conclusion>,
    of: &str,
) -> Result<Action, ServiceError> {
    let invalid = |(zh, en): (&str, &str)| crate::service::invalid(zh, en);
    Ok(match action {
        "accept" => Action::Accept,
        "start_verification" => Action::StartVerification,
        "close" => Action::Close,
        "approve" => Action::Approve,
        "deny" => Action::Deny { reason: reason.to_owned() },
        "assign_me" => Action::Assign { to: None },
        "assign" => Action::Assign { to: Some(to.to_owned()) },
        "transfer" => Action::Transfer {
            to: Code::parse(to).map_err(|_| invalid(("请选择一个部门。", "Choose a department.")))?,
        },
        "propose_rejection" => Action::ProposeRejection { reason: reason.to_owned() },
        "propose_extension" => Action::ProposeExtension { days, reason: reason.to_owned() },
        "propose_conclusion" => Action::ProposeConclusion(
            conclusion.ok_or_else(|| invalid(("办结意见填写不完整。", "The conclusion is incomplete.")))?,
        ),
        "link_duplicate" => Action::LinkDuplicate {
            of: TipReference::parse(of)
                .ok_or_else(|| invalid(("请填写更早那条举报的编号。", "Give the earlier tip's reference.")))?,
        },
        "note" => Action::Note { body: body.to_owned() },
        "reply" => Action::Reply { body: body.to_owned() },
        "conclude_review" => Action::ConcludeReview { account: body.to_owned(), revised: conclusion },
        _ => return Err(invalid(("无法识别的操作。", "Unknown action."))),
    })
}

fn form_conclusion(f: &ActForm) -> Option<Conclusion> {
    let outcome = match f.outcome.as_str() {
        "substantiated" => Outcome::Substantiated,
        "partially_substantiated" => Outcome::PartiallySubstantiated,
        "unsubstantiated" => Outcome::Unsubstantiated,
        _ => return None,
    };
    let accident_grade = AccidentGrade::ALL.into_iter().find(|g| g.as_str() == f.accident_grade);
    Some(Conclusion {
        outcome,
        fine_yuan: f.fine_yuan,
        accident_grade,
        concealed_deaths: f.concealed_deaths,
        previously_known: f.previously_known.is_some(),
        feedback: f.feedback.clone(),
    })
}

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, CASE_ROLES);
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = reference_of(&path.reference, lang)?;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    let conclusion = form_conclusion(&form);
    let action =
        action_of(&form.action, &form.body, &form.reason, &form.to, form.days, conclusion, &form.of).map_err(err)?;
    cases::act(&state.store, &state.settings.public_url, &page.session.official, &reference, action, unix_now())
        .await
        .map_err(err)?;
    Ok(see_other(&format!("/staff/tips/{}?done=1", reference)))
}

#[derive(Deserialize)]
pub struct FilePath {
    reference: String,
    id: String,
}

/// Streams one piece of evidence, decrypted, as a download with a safe name and the type
/// sniffed when it came in.
pub async fn attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    path: web::Path<FilePath>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, CASE_ROLES);
    let reference = reference_of(&path.reference, lang)?;
    download(&state, &page.session.official, &reference, &path.id).await.map_err(|e| PageError { problem: e, lang })
}

/// The decrypted download of an attachment, for pages and the API.
pub async fn download(
    state: &AppState,
    official: &crate::service::officials::SignedIn,
    reference: &TipReference,
    attachment_id: &str,
) -> Result<HttpResponse, Problem> {
    let case = cases::open(&state.store, official, reference).await?;
    let files = conversation::attachments(&state.store, &case.opened.tip.id, &case.opened.key).await?;
    let file = files.into_iter().find(|f| f.id == attachment_id).ok_or_else(Problem::not_found)?;
    let blob_id: String = sqlx::query_scalar("SELECT blob_id FROM attachments WHERE id = $1")
        .bind(&file.id)
        .fetch_one(state.store.pool())
        .await
        .map_err(|e| crate::web::error::problem_of_store_error(&e.into()))?;
    let sealed = state.blobs.read(&blob_id).await.map_err(|_| Problem::not_found())?;
    let plain = case.opened.key.open_async(sealed.compat()).await.map_err(|e| Problem::from(ServiceError::from(e)))?;
    cases::audit_read(&state.store, official, &case.opened.tip.id, "tip.read_attachment", unix_now()).await?;
    let stream = tokio_util::io::ReaderStream::new(plain.compat());
    let kind = crate::evidence::FileKind::parse_content_type(&file.content_type);
    let extension = kind.map_or("bin", |k| k.extension());
    let encoded: String =
        url::form_urlencoded::byte_serialize(file.name.as_bytes()).collect::<String>().replace('+', "%20");
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, kind.map_or("application/octet-stream", |k| k.content_type())))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"evidence.{extension}\"; filename*=UTF-8''{encoded}"),
        ))
        .streaming(stream))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RewardForm {
    csrf: String,
    step: String,
    amount: String,
    reason: String,
}

/// The department's reward steps as the service takes them.
pub async fn reward_step(
    state: &AppState,
    official: &SignedIn,
    reference: &TipReference,
    step: &str,
    amount: Option<i64>,
    reason: &str,
) -> Result<(), ServiceError> {
    let (store, url, now) = (&state.store, &state.settings.public_url, unix_now());
    match step {
        "propose" => rewards::propose(store, url, official, reference, amount, Some(reason), now).await.map(|_| ()),
        "approve" => rewards::approve(store, url, official, reference, now).await,
        "approve_extension" => rewards::approve_extension(store, official, reference, now).await,
        _ => Err(crate::service::invalid("无法识别的奖励操作。", "Unknown reward step.")),
    }
}

pub async fn reward(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    form: web::Form<RewardForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Officer, Role::Head]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = reference_of(&path.reference, lang)?;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    let amount = match form.amount.trim() {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .map_err(|_| err(crate::service::invalid("金额须为整数元。", "The amount is whole yuan.")))?,
        ),
    };
    reward_step(&state, &page.session.official, &reference, &form.step, amount, &form.reason).await.map_err(err)?;
    Ok(see_other(&format!("/staff/tips/{reference}?done=1")))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DisclosureForm {
    csrf: String,
    reason: String,
}

pub async fn request_identity(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    form: web::Form<DisclosureForm>,
) -> Result<HttpResponse, PageError> {
    let page = crate::staff_page!(state, req, lang, &[Role::Head]);
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = reference_of(&path.reference, lang)?;
    disclosure::request(
        &state.store,
        &state.settings.public_url,
        &page.session.official,
        &reference,
        &form.reason,
        unix_now(),
    )
    .await
    .map_err(|e| PageError { problem: e.into(), lang })?;
    Ok(see_other(&format!("/staff/tips/{reference}?done=1")))
}
