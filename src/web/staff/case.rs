//! `GET /staff/tips/{reference}`: the case, decrypted with the official's keys;
//! `POST …/act`: one action; `GET …/attachments/{id}`: evidence, decrypted as it streams;
//! `POST …/disclosure`: a head asks for the reporter's identity; `POST …/reward`: the
//! department's steps of the reward track.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::events as words;
use jubao_templates::i18n::Arg;
use jubao_templates::i18n::Msg;
use jubao_templates::staff::{CaseView, FileLine, Line, ProposalView, Refused, RelatedLine, RelatedView, RewardPanel};
use serde::Deserialize;
use tokio_util::compat::{FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};

use super::queue::status_label;
use super::{Page, check_csrf, html, see_other};
use super::{Staff, need};
use crate::domain::Capability;
use crate::domain::lifecycle::{self, Facts, Step};
use crate::domain::reward::{self, RewardStatus};
use crate::domain::{AccidentGrade, Code, Role, TipReference, TipStatus, china_time};
use crate::service::cases::{self, Action, Conclusion, Outcome};
use crate::service::officials::SignedIn;
use crate::service::related::Related;
use crate::service::rewards::BasisTerms;
use crate::service::{ServiceError, conversation, disclosure, rewards};
use crate::store::messages::Author;
use crate::store::{unix_now, users};
use crate::web::AppState;
use crate::web::error::{PageError, Problem};
use crate::web::lang::PageLang;

fn reference_of(text: &str, lang: Lang) -> Result<TipReference, PageError> {
    TipReference::parse(text).ok_or(PageError { problem: ServiceError::NoSuchTip.into(), lang })
}

/// The actions this official may take now, with labels that say what each does.
fn available(status: TipStatus, facts: Facts, roles: &[Role], is_proposer: bool, lang: Lang) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut offer = |step: Step, code: &str, label: &'static str| {
        if crate::domain::capability::may_take(step, roles) && lifecycle::after(status, step, facts).is_ok() {
            out.push((code.to_owned(), lang.tr(label).to_owned()));
        }
    };
    offer(Step::Accept, "accept", "case-accept-tip");
    offer(Step::Assign, "assign_me", "case-take-myself");
    if Capability::Approve.held_by(roles) {
        offer(Step::Assign, "assign", "case-assign-chosen-official");
    }
    offer(Step::StartVerification, "start_verification", "case-start-verification");
    offer(Step::Transfer, "transfer", "case-transfer-chosen-department");
    offer(Step::ProposeRejection, "propose_rejection", "case-propose-rejection-head-approve");
    offer(Step::ProposeExtension, "propose_extension", "case-propose-extension-head-approve");
    offer(Step::ProposeConclusion, "propose_conclusion", "case-propose-conclusion-head-approve");
    offer(Step::ProposeDuplicate, "propose_duplicate", "case-propose-duplicate-head-approve");
    offer(Step::Close, "close", "case-close-case");
    offer(Step::ConcludeReview, "conclude_review", "case-answer-objection");
    if let Some(pending) = facts.pending {
        let approval = Step::approval_of(pending);
        if !is_proposer {
            offer(approval, "approve", "case-approve-proposal");
            if crate::domain::capability::may_take(approval, roles) {
                out.push(("deny".to_owned(), lang.tr("case-turn-proposal-down").to_owned()));
            }
        }
    }
    out
}

/// The notice after an action, named by the `done` query parameter.
fn done_notice(done: &str, lang: Lang) -> Option<String> {
    let key = match done {
        "" => return None,
        "accept" => "case-tip-accepted",
        "assign_me" => "case-you-now-handle-tip",
        "assign" => "case-assignee-set-told",
        "start_verification" => "case-verification-has-started",
        "propose_rejection" => "case-rejection-proposed-another-head-decides",
        "propose_extension" => "case-extension-proposed-another-head-decides",
        "propose_conclusion" => "case-conclusion-proposed-another-head-decides",
        "propose_duplicate" => "case-duplicate-proposed-another-head-decides",
        "approve" => "case-proposal-approved",
        "deny" => "case-proposal-turned-down-proposer-told",
        "close" => "case-case-closed",
        "conclude_review" => "case-objection-answered-reporter-sees-answer",
        "note" => "case-note-added",
        "reply" => "case-reply-sent-reporter",
        "reward_propose" => "case-reward-proposed-head-approves",
        "reward_approve" => "case-reward-approved",
        "reward_approve_extension" => "case-more-time-claim-granted",
        "identity" => "case-request-identity-sent-custodian-decides",
        _ => "case-done",
    };
    Some(lang.tr(key).to_owned())
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
    Staff(page, _): Staff<need::ReadTips>,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let reference = reference_of(&path.reference, lang)?;
    render(&state, &page, &reference, done_notice(&query.done, lang), None, StatusCode::OK).await
}

/// A refused form: the problem and the field at fault, if one is. `checked_here`: the page
/// refused it before the service looked, so an official who may not open the case gets the
/// case's own answer, not this one.
struct Refusal {
    field: Option<&'static str>,
    problem: Problem,
    checked_here: bool,
}

fn refusal(field: &'static str, msg: &'static str) -> Refusal {
    Refusal { field: Some(field), problem: ServiceError::BadInput(msg.into()).into(), checked_here: true }
}

impl Refusal {
    fn service(field: Option<&'static str>, e: ServiceError) -> Self {
        Self { field, problem: e.into(), checked_here: false }
    }
}

impl From<ServiceError> for Refusal {
    fn from(e: ServiceError) -> Self {
        Self::service(None, e)
    }
}

/// Answers a refused form with the case page again: what was typed, and why beside the field.
/// A failure of the portal itself is an error page.
async fn refuse(
    state: &AppState,
    page: &Page,
    reference: &TipReference,
    action: &str,
    values: Vec<(String, String)>,
    r: Refusal,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    if r.problem.status.is_server_error() {
        return Err(PageError { problem: r.problem, lang });
    }
    let refused = Refused {
        action: action.to_owned(),
        field: r.field.map(str::to_owned),
        message: r.problem.message(lang).to_owned(),
        values,
    };
    match render(state, page, reference, None, Some(refused), r.problem.status).await {
        // The case does not open for this official: the service's own refusal says why.
        Err(_) if !r.checked_here => Err(PageError { problem: r.problem, lang }),
        answer => answer,
    }
}

/// The terms of a waiting proposal as labelled lines in the page language.
fn proposal_lines(step: &str, terms: &serde_json::Value, lang: Lang) -> (String, Vec<(String, String)>) {
    let t = |key: &'static str| lang.tr(key).to_owned();
    let text = |name: &str| terms.get(name).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
    let number = |name: &str| terms.get(name).and_then(serde_json::Value::as_i64);
    match step {
        "propose_rejection" => (t("case-rejection"), vec![(t("case-reason"), text("reason"))]),
        "propose_extension" => (
            t("case-extension"),
            vec![
                (t("case-days"), number("days").map_or_else(|| "—".to_owned(), |d| d.to_string())),
                (t("case-reason"), text("reason")),
            ],
        ),
        "propose_duplicate" => (t("case-close-duplicate"), vec![(t("case-duplicate"), text("of"))]),
        _ => {
            let mut lines = vec![
                (t("case-outcome"), Outcome::parse(&text("outcome")).map_or("—", |o| lang.tr(o.key())).to_owned()),
                (t("case-fine"), yuan(number("fine_yuan").unwrap_or(0), lang)),
            ];
            if let Some(grade) = terms.get("accident_grade").and_then(serde_json::Value::as_str) {
                let grade = AccidentGrade::parse(grade).map_or("—", |g| lang.tr(g.key()));
                lines.push((t("case-accident-grade"), grade.to_owned()));
            }
            if let Some(deaths) = number("concealed_deaths") {
                lines.push((t("case-verified-concealed-deaths"), deaths.to_string()));
            }
            let known = terms.get("previously_known").and_then(serde_json::Value::as_bool).unwrap_or(false);
            lines.push((t("case-known-before"), if known { t("case-yes") } else { t("case-no") }));
            lines.push((t("case-feedback-reporter"), text("feedback")));
            (t("case-conclusion"), lines)
        }
    }
}

/// Whole yuan, e.g. `200000 元`.
fn yuan(amount: i64, lang: Lang) -> String {
    format!("{amount} {}", lang.tr("case-yuan"))
}

/// The reward's basis in words, e.g. `罚款 200 000 元 × 比例 10%（不低于 … 不高于 …）`.
fn basis_words(terms: &BasisTerms, lang: Lang) -> String {
    match terms {
        BasisTerms::Fine { fine, share } => {
            let mut text = format!("{}{}", lang.tr("case-fine-2"), yuan(*fine, lang));
            if let Some((percent, least, most)) = share {
                let args = [
                    ("percent", Arg::from(percent.to_string())),
                    ("least", Arg::from(yuan(*least, lang))),
                    ("most", Arg::from(yuan(*most, lang))),
                ];
                text.push_str(&lang.tr_with("case-basis-share", &args));
            }
            text
        }
        BasisTerms::Concealed { grade, deaths, per_death } => {
            let grade = lang.tr(grade.key());
            let per = per_death.map(|p| yuan(p, lang)).unwrap_or_else(|| "—".to_owned());
            let args =
                [("grade", Arg::from(grade)), ("deaths", Arg::from(deaths.to_string())), ("per", Arg::from(per))];
            lang.tr_with("case-basis-concealed", &args)
        }
        BasisTerms::Catalogue(code) => format!("{}{code}", lang.tr("case-catalogue-item")),
    }
}

/// A waiting proposal as labelled lines, with who proposed it and when.
fn proposal_view(p: &cases::Proposal, everyone: &[users::UserSummary], lang: Lang) -> ProposalView {
    let (title, lines) = proposal_lines(p.step.as_str(), &p.terms, lang);
    ProposalView {
        title,
        by: name_of(Some(&p.proposed_by), everyone),
        at: china_time::minute_string(p.proposed_at),
        lines,
    }
}

/// The active officials of a department, to assign a tip to.
fn colleagues(everyone: &[users::UserSummary], department: &str) -> Vec<(String, String)> {
    everyone
        .iter()
        .filter(|u| u.department_code.as_deref() == Some(department) && u.disabled_at.is_none())
        .map(|u| (u.id.clone(), u.username.clone()))
        .collect()
}

/// The steps this official may take on the case now (no review of one's own conclusion).
fn steps_now(
    case: &cases::Case,
    official: &SignedIn,
    facts: Facts,
    is_proposer: bool,
    lang: Lang,
) -> Vec<(String, String)> {
    let w = &case.workflow;
    let status = w.status;
    let concluded_by_me = w.concluded_by.as_deref() == Some(official.user_id.as_str());
    let mut actions = available(status, facts, &official.roles, is_proposer, lang);
    actions.retain(|(code, _)| !(concluded_by_me && code == "conclude_review"));
    actions
}

/// The username of an official, or a dash.
fn name_of(id: Option<&String>, everyone: &[users::UserSummary]) -> String {
    id.and_then(|id| everyone.iter().find(|u| &u.id == id)).map_or_else(|| "—".to_owned(), |u| u.username.clone())
}

fn message_line(m: conversation::Message, lang: Lang) -> Line {
    let who = if m.author == Author::Reporter { lang.tr("case-reporter") } else { lang.tr("case-official") };
    Line { who: who.to_owned(), at: china_time::minute_string(m.at), text: m.body }
}

fn event_line(
    e: cases::Event,
    everyone: &[users::UserSummary],
    data: &crate::web::reference_cache::ReferenceData,
    lang: Lang,
) -> Line {
    let at = china_time::minute_string(e.at);
    let zh = lang == Lang::Zh;
    let text = words::sentence(e.kind.words(), words::Reader::Official, e.detail.as_deref(), &at, lang, &|c| {
        data.department_name(c, zh)
    });
    Line { who: name_of(e.actor_id.as_ref(), everyone), at, text }
}

fn file_line(f: conversation::AttachmentInfo, lang: Lang) -> FileLine {
    FileLine {
        name: f.name(lang),
        metadata: lang.tr(f.cleaning.key()).to_owned(),
        sent_as: f.sent_as.filter(|_| f.number.is_some()),
        kind: f.content_type,
        size: jubao_templates::size_text(f.size),
        id: f.id,
    }
}

/// The facts at the head of the case page: status, choices, department, channel, dates,
/// assignee, and the outcome once there is one.
fn facts_list(
    case: &cases::Case,
    data: &crate::web::reference_cache::ReferenceData,
    everyone: &[users::UserSummary],
    now: i64,
    lang: Lang,
) -> Vec<(String, String)> {
    let (tip, w) = (&case.opened.tip, &case.workflow);
    let zh = lang == Lang::Zh;
    let assignee = name_of(w.assignee_id.as_ref(), everyone);
    let mut facts_list = vec![
        (lang.tr("case-status").to_owned(), status_label(w.status, lang)),
        (lang.tr("case-kind").to_owned(), data.kind_name(tip.kind.as_str(), zh)),
        (lang.tr("case-field").to_owned(), data.category_name(&tip.category_code, zh)),
        (lang.tr("case-district").to_owned(), data.district_name(&tip.district_code, zh)),
        (lang.tr("case-department").to_owned(), data.department_name(&w.department_code, zh)),
        (lang.tr("case-channel").to_owned(), lang.tr(tip.channel.key()).to_owned()),
        (lang.tr("case-received").to_owned(), china_time::minute_string(tip.received_at)),
        (lang.tr("case-assignee").to_owned(), assignee),
    ];
    if let Some(due) = w.due_at {
        let overdue = if due < now { lang.tr("case-overdue") } else { "" };
        facts_list.push((lang.tr("case-due").to_owned(), format!("{}{overdue}", china_time::date_string(due))));
    }
    if let Some(outcome) = w.outcome {
        facts_list.push((lang.tr("case-outcome-2").to_owned(), lang.tr(outcome.key()).to_owned()));
        facts_list.push((lang.tr("case-fine").to_owned(), yuan(w.fine_yuan.unwrap_or(0), lang)));
    }
    facts_list
}

/// What the case page says of the reporter's identity.
struct Shown {
    identity: String,
    /// Where a disclosure request stands, if there is one to speak of.
    identity_state: Option<String>,
    /// This official may ask the custodian for the identity now.
    may_ask: bool,
}

async fn identity_shown(
    state: &AppState,
    official: &SignedIn,
    (reference, tip_id): (&TipReference, &str),
    identity_given: bool,
    now: i64,
    lang: Lang,
) -> Result<Shown, ServiceError> {
    let disclosure_state =
        if identity_given { Some(disclosure::state(&state.store, official, tip_id).await?) } else { None };
    let disclosed = match &disclosure_state {
        Some(disclosure::State::Approved { mine: true, .. }) => {
            disclosure::read(&state.store, official, reference, now).await.ok()
        }
        _ => None,
    };
    let identity = match (&disclosure_state, disclosed) {
        (None, _) => lang.tr("case-anonymous").to_owned(),
        (_, Some(i)) => {
            [Some(i.name), i.phone, i.email, i.id_number].into_iter().flatten().collect::<Vec<_>>().join(" ")
        }
        (Some(_), None) => lang.tr("case-given-sealed-apart-custodian-s").to_owned(),
    };
    let identity_state = disclosure_state.as_ref().and_then(|s| match s {
        disclosure::State::Open { denied_before: true } => {
            Some(lang.tr("case-earlier-request-turned-down-new").to_owned())
        }
        disclosure::State::Open { .. } => None,
        disclosure::State::Pending { requested_by, at } => {
            let args = [("who", Arg::from(requested_by)), ("at", Arg::from(china_time::minute_string(*at)))];
            Some(lang.tr_with("case-disclosure-pending", &args))
        }
        disclosure::State::Approved { to, at, mine } => {
            let key = if *mine { "case-disclosure-approved-to-you" } else { "case-disclosure-approved-to" };
            Some(lang.tr_with(key, &[("to", Arg::from(to)), ("at", Arg::from(china_time::minute_string(*at)))]))
        }
    });
    let may_ask = matches!(disclosure_state, Some(disclosure::State::Open { .. }));
    Ok(Shown { identity, identity_state, may_ask })
}

/// A note of the case, under its author's username.
fn note_line((who, text, at): (String, String, i64), everyone: &[users::UserSummary]) -> Line {
    Line { who: name_of(Some(&who), everyone), at: china_time::minute_string(at), text }
}

/// The case page, with a notice after an action or a refused form shown again.
async fn render(
    state: &AppState,
    page: &Page,
    reference: &TipReference,
    notice: Option<String>,
    refused: Option<Refused>,
    status_code: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    let now = unix_now();
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let cases::Dossier { case, messages, notes, events, files, proposal, identity_given, related } =
        cases::dossier(&state.store, official, reference, &data.places, now).await.map_err(err)?;
    let tip = &case.opened.tip;
    let w = &case.workflow;
    let zh = lang == Lang::Zh;
    let everyone = users::list(&mut *state.store.conn().await.map_err(PageError::store(lang))?)
        .await
        .map_err(PageError::store(lang))?;
    let Shown { identity, identity_state, may_ask } =
        identity_shown(state, official, (reference, &tip.id), identity_given, now, lang).await.map_err(err)?;
    let facts = Facts { extended: w.extension_days > 0, pending: proposal.as_ref().map(|p| p.step) };
    let is_proposer = proposal.as_ref().is_some_and(|p| p.proposed_by == official.user_id);
    let facts_list = facts_list(&case, &data, &everyone, now, lang);
    let proposal_view = proposal.as_ref().map(|p| proposal_view(p, &everyone, lang));
    let colleagues = colleagues(&everyone, &w.department_code);
    let works = official.works_in(&w.department_code);
    let actions = if works { steps_now(&case, official, facts, is_proposer, lang) } else { Vec::new() };
    let propose_duplicate = actions.iter().any(|(code, _)| code == "propose_duplicate");
    // The departments are offered only in the transfer form.
    let departments = if actions.iter().any(|(code, _)| code == "transfer") {
        let targets = cases::transfer_targets(&state.store, &w.department_code).await.map_err(err)?;
        let named = |code: String| {
            let name = data.department_name(&code, zh);
            (code, name)
        };
        targets.into_iter().map(named).collect()
    } else {
        Vec::new()
    };
    let reward = match w.concluded_at {
        Some(_) => Some(reward_panel(state, &case, official, &everyone, works, lang).await.map_err(err)?),
        None => None,
    };
    let report = &case.opened.report;
    let view = CaseView {
        reference: tip.reference.clone(),
        facts: facts_list,
        told: report.told(),
        supervisory_duty: report.supervisory_duty,
        identity,
        messages: messages.into_iter().map(|m| message_line(m, lang)).collect(),
        notes: notes.into_iter().map(|n| note_line(n, &everyone)).collect(),
        events: events.into_iter().map(|e| event_line(e, &everyone, &data, lang)).collect(),
        files: files.into_iter().map(|f| file_line(f, lang)).collect(),
        proposal: proposal_view,
        actions,
        departments,
        colleagues,
        can_request_identity: works && may_ask && official.can(Capability::Approve),
        identity_state,
        notice,
        refused,
        reward,
        related: related_view(related, &data, propose_duplicate, lang),
    };
    let path_text = format!("/staff/tips/{}", tip.reference);
    Ok(html(status_code, jubao_templates::staff::case(&page.frame(&tip.reference, &path_text), &view)))
}

/// Related tips in words: each listed one with its department, state and what it shares; the
/// others as a count per department and state.
fn related_view(
    related: Related,
    data: &crate::web::reference_cache::ReferenceData,
    propose_duplicate: bool,
    lang: Lang,
) -> RelatedView {
    let zh = lang == Lang::Zh;
    let Related::Found { nothing_to_match, listed, elsewhere } = related else {
        return RelatedView {
            held: false,
            nothing_to_match: false,
            listed: Vec::new(),
            elsewhere: Vec::new(),
            propose_duplicate,
        };
    };
    let listed = listed
        .into_iter()
        .map(|t| {
            let fields: Vec<&str> = t.fields.iter().map(|f| lang.tr(f.key())).collect();
            let args = [
                ("department", Arg::from(data.department_name(&t.department_code, zh))),
                ("status", Arg::from(lang.tr(t.status.words().0))),
                ("fields", Arg::from(fields.join(lang.tr("list-separator")))),
            ];
            RelatedLine {
                about: lang.tr_with("case-related-about", &args),
                reference: t.reference,
                openable: t.openable,
            }
        })
        .collect();
    let elsewhere = elsewhere
        .into_iter()
        .map(|e| {
            let args = [
                ("department", Arg::from(data.department_name(&e.department_code, zh))),
                ("count", Arg::from(e.count.to_string())),
                ("status", Arg::from(lang.tr(e.status.words().0))),
            ];
            lang.tr_with("case-related-elsewhere", &args)
        })
        .collect();
    RelatedView { held: true, nothing_to_match, listed, elsewhere, propose_duplicate }
}

/// A reward's track so far: status, amount, who proposed, approved and authorised it, and
/// the claim's dates.
fn track_lines(
    r: &crate::store::rewards::RewardRow,
    everyone: &[users::UserSummary],
    lang: Lang,
) -> Vec<(String, String)> {
    let t = |key: &'static str| lang.tr(key).to_owned();
    let name = |id: &String| name_of(Some(id), everyone);
    let mut lines = Vec::new();
    let status = match (&r.first_approved_by, r.status) {
        (Some(_), RewardStatus::Proposed) => t("case-approved-one-head-waiting-second"),
        _ => lang.tr(r.status.key()).to_owned(),
    };
    lines.push((t("case-reward-status"), status));
    lines.push((t("case-amount"), yuan(r.amount_yuan, lang)));
    lines.push((t("case-proposed"), name(&r.proposed_by)));
    if reward::heads_needed(r.computed_yuan, r.amount_yuan) > 1 {
        lines.push((t("case-approval"), t("case-above-computed-amount-two-heads")));
    }
    if let Some(by) = &r.first_approved_by {
        lines.push((t("case-first-approved"), name(by)));
    }
    if let Some(by) = &r.approved_by {
        lines.push((t("case-approved"), name(by)));
    }
    if let Some(by) = &r.authorised_by {
        lines.push((t("case-authorised"), name(by)));
    }
    if let Some(due) = r.claim_due_at {
        lines.push((t("case-claim"), china_time::date_string(due)));
    }
    if r.extension_requested_at.is_some() && r.extension_decided_at.is_none() {
        lines.push((t("case-more-time"), t("case-reporter-asked-more-time")));
    }
    lines
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
    let t = |key: &'static str| lang.tr(key).to_owned();
    let mut lines = vec![(t("case-policy-version"), quote.policy_version.to_string())];
    if let Some(terms) = &quote.terms {
        lines.push((t("case-basis"), basis_words(terms, lang)));
    }
    lines.push((
        t("case-computed"),
        match &quote.computed {
            Ok(y) => yuan(y.0, lang),
            Err(why) => lang.tr_with("case-no-amount-under-policy", &[("why", Arg::from(why.to_string()))]),
        },
    ));
    if let Some(most) = quote.most {
        lines.push((t("case-most-allowed"), yuan(most.0, lang)));
    }
    lines.push((
        t("case-eligibility"),
        match quote.eligible {
            Ok(()) => t("case-met"),
            Err(why) => why.msg().render(lang),
        },
    ));
    if let Some(r) = &row {
        lines.extend(track_lines(r, everyone, lang));
    }
    let head = official.can(Capability::Approve);
    let status = row.as_ref().map(|r| r.status);
    let approve = works
        && head
        && status == Some(RewardStatus::Proposed)
        && row.as_ref().is_some_and(|r| {
            reward::approval(
                reward::heads_needed(r.computed_yuan, r.amount_yuan),
                &r.proposed_by,
                r.first_approved_by.as_deref(),
                &official.user_id,
            )
            .is_ok()
        });
    let waiting = match status {
        Some(RewardStatus::Proposed) if !approve => Some(t("case-reward-waits-head-other-than")),
        Some(RewardStatus::Approved) => Some(t("case-approved-finance-authorises-tells-reporter")),
        Some(RewardStatus::Notified) => Some(t("case-waiting-reporter-claim-status-page")),
        Some(RewardStatus::Claimed) => Some(t("case-claimed-finance-pays")),
        _ => None,
    };
    Ok(RewardPanel {
        lines,
        propose: match (&quote.computed, quote.eligible) {
            (Ok(y), Ok(())) if works && row.is_none() && official.can(Capability::WorkCases) => Some(y.0),
            _ => None,
        },
        approve,
        approve_extension: works
            && head
            && row.as_ref().is_some_and(|r| r.extension_requested_at.is_some() && r.extension_decided_at.is_none()),
        waiting,
    })
}

/// Not `Debug`: it carries what officials write. Every field is text, as a browser sends
/// it: an empty field is "not given", and a value that does not read is said beside it.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    csrf: String,
    action: String,
    body: String,
    reason: String,
    to: String,
    days: String,
    outcome: String,
    fine_yuan: String,
    accident_grade: String,
    concealed_deaths: String,
    previously_known: String,
    feedback: String,
    of: String,
    confirm: String,
}

impl ActForm {
    /// What was typed, to fill the form again.
    fn values(&self) -> Vec<(String, String)> {
        [
            ("body", &self.body),
            ("reason", &self.reason),
            ("to", &self.to),
            ("days", &self.days),
            ("outcome", &self.outcome),
            ("fine_yuan", &self.fine_yuan),
            ("accident_grade", &self.accident_grade),
            ("concealed_deaths", &self.concealed_deaths),
            ("previously_known", &self.previously_known),
            ("feedback", &self.feedback),
            ("of", &self.of),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }
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
    let invalid = |key: &'static str| crate::service::invalid(key);
    Ok(match action {
        "accept" => Action::Accept,
        "start_verification" => Action::StartVerification,
        "close" => Action::Close,
        "approve" => Action::Approve,
        "deny" => Action::Deny { reason: reason.to_owned() },
        "assign_me" => Action::Assign { to: None },
        "assign" => Action::Assign { to: Some(to.to_owned()) },
        "transfer" => Action::Transfer { to: Code::parse(to).map_err(|_| invalid("case-choose-department"))? },
        "propose_rejection" => Action::ProposeRejection { reason: reason.to_owned() },
        "propose_extension" => Action::ProposeExtension { days, reason: reason.to_owned() },
        "propose_conclusion" => {
            Action::ProposeConclusion(conclusion.ok_or_else(|| invalid("case-conclusion-incomplete"))?)
        }
        "link_duplicate" => Action::LinkDuplicate {
            of: TipReference::parse(of).ok_or_else(|| invalid("case-give-earlier-tip-s-reference"))?,
        },
        "propose_duplicate" => Action::ProposeDuplicate {
            of: TipReference::parse(of)
                .ok_or_else(|| ServiceError::BadInput(Msg::new("case-give-reference-tip-accepted-earlier-2")))?,
        },
        "note" => Action::Note { body: body.to_owned() },
        "reply" => Action::Reply { body: body.to_owned() },
        "conclude_review" => Action::ConcludeReview { account: body.to_owned(), revised: conclusion },
        _ => return Err(invalid("case-unknown-action")),
    })
}

/// A whole number typed in a field: empty is "not given".
fn optional_number(text: &str, field: &'static str, msg: &'static str) -> Result<Option<i64>, Refusal> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| refusal(field, msg)),
    }
}

/// The conclusion the form's fields give, if an outcome was chosen.
fn form_conclusion(f: &ActForm) -> Result<Option<Conclusion>, Refusal> {
    let outcome = match f.outcome.as_str() {
        "substantiated" => Outcome::Substantiated,
        "partially_substantiated" => Outcome::PartiallySubstantiated,
        "unsubstantiated" => Outcome::Unsubstantiated,
        _ => return Ok(None),
    };
    let fine_yuan = optional_number(&f.fine_yuan, "fine_yuan", "case-fine-whole-yuan-0-none")?.unwrap_or(0);
    if fine_yuan < 0 {
        return Err(refusal("fine_yuan", "case-fine-cannot-negative"));
    }
    let concealed_deaths =
        optional_number(&f.concealed_deaths, "concealed_deaths", "case-deaths-whole-number-leave-empty")?;
    if concealed_deaths.is_some_and(|d| d < 0) {
        return Err(refusal("concealed_deaths", "case-deaths-cannot-negative"));
    }
    let accident_grade = AccidentGrade::ALL.into_iter().find(|g| g.as_str() == f.accident_grade);
    Ok(Some(Conclusion {
        outcome,
        fine_yuan,
        accident_grade,
        concealed_deaths,
        previously_known: !f.previously_known.is_empty(),
        feedback: f.feedback.clone(),
    }))
}

/// The action the form asks for, after the checks a person can fix beside the field.
fn page_action(f: &ActForm) -> Result<Action, Refusal> {
    let empty = |s: &str| s.trim().is_empty();
    let confirmed = || {
        if f.confirm.is_empty() { Err(refusal("confirm", "case-tick-box-confirm-then-submit")) } else { Ok(()) }
    };
    match f.action.as_str() {
        "approve" | "close" => confirmed()?,
        "transfer" => {
            if empty(&f.to) {
                return Err(refusal("to", "case-choose-department-transfer"));
            }
            confirmed()?;
        }
        "note" | "reply" | "conclude_review" if empty(&f.body) => {
            return Err(refusal("body", "case-write-text-first"));
        }
        "deny" | "propose_rejection" | "propose_extension" if empty(&f.reason) => {
            return Err(refusal("reason", "case-give-reason"));
        }
        "propose_duplicate" if TipReference::parse(f.of.trim()).is_none() => {
            return Err(refusal("of", "case-give-reference-tip-accepted-earlier"));
        }
        "propose_conclusion" => {
            if f.outcome.is_empty() {
                return Err(refusal("outcome", "case-choose-outcome"));
            }
            if empty(&f.feedback) {
                return Err(refusal("feedback", "case-write-feedback-reporter"));
            }
        }
        _ => {}
    }
    let days = optional_number(&f.days, "days", "case-days-whole-number")?.unwrap_or(0);
    let conclusion = form_conclusion(f)?;
    Ok(action_of(&f.action, &f.body, &f.reason, f.to.trim(), days, conclusion, f.of.trim())?)
}

pub async fn act(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::ReadTips>,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = reference_of(&path.reference, lang)?;
    let form = form.into_inner();
    let done = match page_action(&form) {
        Ok(action) => {
            let official = &page.session.official;
            cases::act(&state.store, &state.settings.public_url, official, &reference, action, unix_now())
                .await
                .map_err(Refusal::from)
        }
        Err(r) => Err(r),
    };
    match done {
        Ok(()) if form.action == "transfer" => Ok(see_other(&format!("/staff/tips/{reference}/transferred"))),
        Ok(()) => Ok(see_other(&format!("/staff/tips/{reference}?done={}", form.action))),
        Err(r) => refuse(&state, &page, &reference, &form.action, form.values(), r).await,
    }
}

/// `GET /staff/tips/{reference}/transferred`: where a transfer ends for the one who made it,
/// who may no longer open the tip.
pub async fn transferred(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::ReadTips>,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
) -> Result<HttpResponse, PageError> {
    let reference = reference_of(&path.reference, lang)?;
    let department = cases::transferred_by(&state.store, &page.session.official, &reference)
        .await
        .map_err(|e| PageError { problem: e.into(), lang })?;
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let name = data.department_name(&department, lang == Lang::Zh);
    let text = lang
        .tr_with("case-transferred-to", &[("reference", Arg::from(reference.to_string())), ("name", Arg::from(name))]);
    let title = lang.tr("case-transferred");
    let markup = jubao_templates::staff::transferred(
        &page.frame(title, "/staff"),
        &text,
        ("/staff", lang.tr("case-back-queue")),
    );
    Ok(html(StatusCode::OK, markup))
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
    Staff(page, _): Staff<need::ReadTips>,
    PageLang(lang): PageLang,
    path: web::Path<FilePath>,
) -> Result<HttpResponse, PageError> {
    let reference = reference_of(&path.reference, lang)?;
    download(&state, &page.session.official, &reference, &path.id, lang)
        .await
        .map_err(|e| PageError { problem: e, lang })
}

/// The decrypted download of an attachment, for pages and the API.
pub async fn download(
    state: &AppState,
    official: &crate::service::officials::SignedIn,
    reference: &TipReference,
    attachment_id: &str,
    lang: Lang,
) -> Result<HttpResponse, Problem> {
    let case = cases::open(&state.store, official, reference).await?;
    let files = conversation::attachments(&state.store, &case.opened.tip.id, &case.opened.key).await?;
    let file = files.into_iter().find(|f| f.id == attachment_id).ok_or_else(Problem::not_found)?;
    let store_problem = |e: crate::store::StoreError| crate::web::error::problem_of_store_error(&e);
    let mut conn = state.store.conn().await.map_err(store_problem)?;
    let blob_id = crate::store::attachments::blob_id(&mut conn, &file.id).await.map_err(store_problem)?;
    drop(conn);
    let sealed = state.blobs.read(&blob_id).await.map_err(|_| Problem::not_found())?;
    let plain = case.opened.key.open_async(sealed.compat()).await.map_err(|e| Problem::from(ServiceError::from(e)))?;
    cases::audit_read(&state.store, official, &case.opened.tip.id, "tip.read_attachment", unix_now()).await?;
    let stream = tokio_util::io::ReaderStream::new(plain.compat());
    let kind = crate::evidence::FileKind::parse_content_type(&file.content_type);
    // The neutral name: ASCII in English for old clients, in the official's language beside it.
    let plain = file.name(Lang::En).replace(|c: char| !c.is_ascii_graphic() || c == '"' || c == '\\', "_");
    let encoded: String =
        url::form_urlencoded::byte_serialize(file.name(lang).as_bytes()).collect::<String>().replace('+', "%20");
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, kind.map_or("application/octet-stream", |k| k.content_type())))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")))
        .streaming(stream))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RewardForm {
    csrf: String,
    step: String,
    amount: String,
    reason: String,
    confirm: String,
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
        _ => Err(crate::service::invalid("case-unknown-reward-step")),
    }
}

pub async fn reward(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::WorkCases>,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    form: web::Form<RewardForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = reference_of(&path.reference, lang)?;
    let form = form.into_inner();
    let action = format!("reward_{}", form.step);
    let checked = (|| {
        if form.step == "approve" && form.confirm.is_empty() {
            return Err(refusal("confirm", "case-tick-box-confirm-then-submit"));
        }
        optional_number(&form.amount, "amount", "case-amount-whole-yuan")
    })();
    let done = match checked {
        Ok(amount) => reward_step(&state, &page.session.official, &reference, &form.step, amount, &form.reason)
            .await
            .map_err(|e| Refusal::service((form.step == "propose").then_some("amount"), e)),
        Err(r) => Err(r),
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/staff/tips/{reference}?done={action}"))),
        Err(r) => {
            let values = vec![("amount".to_owned(), form.amount.clone()), ("reason".to_owned(), form.reason.clone())];
            refuse(&state, &page, &reference, &action, values, r).await
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DisclosureForm {
    csrf: String,
    reason: String,
}

pub async fn request_identity(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::Approve>,
    PageLang(lang): PageLang,
    path: web::Path<Path>,
    form: web::Form<DisclosureForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let reference = reference_of(&path.reference, lang)?;
    let done = if form.reason.trim().is_empty() {
        Err(refusal("reason", "case-give-reason-identity-needed"))
    } else {
        disclosure::request(
            &state.store,
            &state.settings.public_url,
            &page.session.official,
            &reference,
            &form.reason,
            unix_now(),
        )
        .await
        .map(|_| ())
        .map_err(|e| Refusal::service(Some("reason"), e))
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/staff/tips/{reference}?done=identity"))),
        Err(r) => {
            let values = vec![("reason".to_owned(), form.reason.clone())];
            refuse(&state, &page, &reference, "identity", values, r).await
        }
    }
}
