//! The reward track. The case officer proposes (amount computed from the policy in force;
//! another amount needs a reason), a head who did not propose approves, finance — someone
//! else again — authorises, and the reporter is notified with a claim deadline. The reporter
//! claims with payout details sealed for finance alone (or to collect in person with the
//! receipt); finance, not the one who authorised, records the payment. Unclaimed rewards are
//! forfeited when the window passes, unless a head approves the reporter's request for more
//! time. Finance never opens tip content; case officers never open payout details.

use jubao_templates::i18n::{Arg, Msg};
use serde::{Deserialize, Serialize};

use super::cases::{self, Case};
use super::notify::{self, Why};
use super::officials::SignedIn;
use super::tips::{self, ReporterView};
use super::{ServiceError, forbidden, groups};
use crate::configuration::PublicUrl;
use crate::crypto::{Envelope, Finance, PublicKey, Tip};
use crate::domain::Capability;
use crate::domain::report::PayoutDetails;
use crate::domain::reward::{self, Approval, Facts, Ineligible, NotApprover, RewardStatus, RewardStep};
use crate::domain::reward_policy::{AmountRefused, Basis, RewardPolicy};
use crate::domain::{
    AccidentGrade, Code, DeadlineStep, EventKind, Id, KeyGroup, Kind, Role, Roles, TipReference, TipStatus, Yuan,
};
use crate::store::audit::{self, Entry};
use crate::store::rewards::{self, NewReward, RewardRow};
use crate::store::tips::TipRow;
use crate::store::workflow::{self, NewEvent};
use crate::store::{Conn, Store, StoreError, reference, users};

/// What the case page shows: the amount the policy gives, and whether the tip qualifies.
pub struct Quote {
    pub policy_version: i64,
    /// The basis as stored with the reward, e.g. `fine=200000` (for the API, not for people).
    pub basis: String,
    /// The basis and the policy's terms for it, for a page to put in words.
    pub terms: Option<BasisTerms>,
    pub computed: Result<Yuan, String>,
    /// The most a proposal may give (the kind's ceiling, or the policy's `override_maximum`).
    pub most: Option<Yuan>,
    pub eligible: Result<(), Ineligible>,
}

async fn policy(conn: &mut Conn) -> Result<(i64, RewardPolicy), ServiceError> {
    let (version, source) =
        rewards::newest_policy(conn).await?.ok_or_else(|| super::invalid("rewards-no-reward-policy-loaded"))?;
    let policy: RewardPolicy = toml::from_str(&source)
        .map_err(|e| super::invalid(Msg::new("rewards-reward-policy-cannot-read-e").with("e", (e).to_string())))?;
    Ok((version, policy))
}

async fn days(conn: &mut Conn, step: DeadlineStep) -> Result<i64, ServiceError> {
    Ok(reference::deadline_days(conn).await?.into_iter().find(|(s, _)| *s == step).map_or(0, |(_, d)| d))
}

/// Whether a tip may be rewarded, from its metadata and (for the declaration) its report.
pub async fn eligibility(
    conn: &mut Conn,
    tip_id: &str,
    kind: Kind,
    supervisory_duty: bool,
) -> Result<Result<(), Ineligible>, ServiceError> {
    let w = workflow::workflow(conn, tip_id).await?.ok_or_else(super::no_tip)?;
    let previously_known = workflow::previously_known(conn, tip_id).await?;
    let earlier = workflow::first_duplicate_accepted_at(conn, tip_id).await?;
    let concluded = matches!(w.status, TipStatus::Concluded | TipStatus::Closed) && w.concluded_at.is_some();
    Ok(reward::eligibility(Facts {
        kind,
        outcome: if concluded { w.outcome } else { None },
        previously_known: previously_known == Some(1),
        supervisory_duty,
        is_duplicate: w.duplicate_of.is_some(),
        accepted_later_than_another: matches!((earlier, w.accepted_at), (Some(e), Some(a)) if e < a),
    }))
}

/// The basis of the reward from the verified outcome: the fine, or the grade and deaths.
fn basis_of(kind: Kind, fine: Option<i64>, grade: Option<AccidentGrade>, deaths: Option<i64>) -> Option<Basis> {
    if kind == Kind::ConcealedAccident {
        Some(Basis::Concealed { grade: grade?, deaths: u32::try_from(deaths?).ok()? })
    } else {
        Some(Basis::Fine(Yuan(fine?)))
    }
}

fn basis_text(basis: &Basis) -> String {
    match basis {
        Basis::Fine(f) => format!("fine={f}"),
        Basis::Concealed { grade, deaths } => format!("grade={} deaths={deaths}", grade.as_str()),
        Basis::Catalogue(c) => format!("catalogue={c}"),
    }
}

/// The basis of a quote with the policy's terms that turn it into an amount.
pub enum BasisTerms {
    /// A share of the fine: percent, and the floor and ceiling of the amount.
    Fine {
        fine: i64,
        share: Option<(u8, i64, i64)>,
    },
    /// A concealed accident: the grade, the deaths, and the amount per death.
    Concealed {
        grade: AccidentGrade,
        deaths: u32,
        per_death: Option<i64>,
    },
    Catalogue(String),
}

fn terms_of(policy: &RewardPolicy, kind: Kind, basis: &Basis) -> BasisTerms {
    match basis {
        Basis::Fine(f) => BasisTerms::Fine {
            fine: f.0,
            share: policy
                .fine_share
                .iter()
                .find(|s| s.kinds.contains(&kind))
                .map(|s| (s.percent, s.minimum.0, s.maximum.0)),
        },
        Basis::Concealed { grade, deaths } => BasisTerms::Concealed {
            grade: *grade,
            deaths: *deaths,
            per_death: policy.concealed_accident.as_ref().map(|p| p.per_death.for_grade(*grade).0),
        },
        Basis::Catalogue(c) => BasisTerms::Catalogue(c.to_string()),
    }
}

pub async fn quote(store: &Store, case: &Case) -> Result<Quote, ServiceError> {
    Ok(quote_with_policy(store, case).await?.0)
}

/// The quote, with the policy it was made under and the tip's kind, to check an amount against.
async fn quote_with_policy(store: &Store, case: &Case) -> Result<(Quote, RewardPolicy, Kind), ServiceError> {
    let mut conn = store.conn().await?;
    let (version, policy) = policy(&mut conn).await?;
    let kind = case.opened.tip.kind;
    let w = &case.workflow;
    let eligible = eligibility(&mut conn, &case.opened.tip.id, kind, case.opened.report.supervisory_duty).await?;
    let basis = basis_of(kind, w.fine_yuan, w.accident_grade, w.concealed_deaths);
    let (basis_text, computed) = match &basis {
        Some(b) => (basis_text(b), policy.quote(kind, b).map_err(|e| e.0)),
        None => (String::new(), Err("the verified outcome gives no basis yet".to_owned())),
    };
    let most = computed.as_ref().ok().map(|c| policy.most_for(kind, *c));
    let terms = basis.as_ref().map(|b| terms_of(&policy, kind, b));
    Ok((Quote { policy_version: version, basis: basis_text, terms, computed, most, eligible }, policy, kind))
}

/// The tip a department's reward step names, for an official who works that department's
/// tips and is an active holder of its key. A reference that does not exist and a tip of
/// another department get the same answer, so a step never confirms a reference across
/// departments; and an account its own key groups have not admitted yet is refused before
/// anything is looked up, so it learns nothing of which references exist either.
async fn department_tip(
    conn: &mut Conn,
    official: &SignedIn,
    reference: &TipReference,
) -> Result<TipRow, ServiceError> {
    let own = official.department.as_deref().and_then(|d| Code::parse(d).ok());
    let roles = Roles::new(official.roles.iter().copied()).map(|r| KeyGroup::for_official(&r, own.as_ref()));
    for group in roles.unwrap_or_default().iter().filter(|g| matches!(g, KeyGroup::Department(_))) {
        groups::require_active(conn, group, &official.user_id).await?;
    }
    let tip = crate::store::tips::by_reference(conn, reference.as_str())
        .await?
        .filter(|t| official.works_in(&t.department_code))
        .ok_or(ServiceError::NoSuchTip)?;
    let department = Code::parse(&tip.department_code).map_err(|_| ServiceError::NoSuchTip)?;
    groups::require_active(conn, &KeyGroup::Department(department), &official.user_id).await?;
    Ok(tip)
}

/// The reward finance acts on, for an active holder of the finance key. Finance handles every
/// department's rewards, so a reference that does not exist and a tip without a reward get
/// the same answer.
async fn finance_reward(
    conn: &mut Conn,
    finance: &SignedIn,
    reference: &TipReference,
) -> Result<(TipRow, RewardRow), ServiceError> {
    groups::require_active(conn, &KeyGroup::Finance, &finance.user_id).await?;
    let tip = crate::store::tips::by_reference(conn, reference.as_str()).await?.ok_or(ServiceError::NoSuchTip)?;
    let reward = rewards::of_tip(conn, &tip.id).await?.ok_or(ServiceError::NoSuchTip)?;
    Ok((tip, reward))
}

/// Opens a case for its reward (the quote, the proposal), as `department_tip` lets it.
pub async fn open_case(store: &Store, official: &SignedIn, reference: &TipReference) -> Result<Case, ServiceError> {
    if !official.can(Capability::ReadTips) {
        return Err(super::forbidden("cases-role-does-not-read-tips"));
    }
    department_tip(&mut *store.conn().await?, official, reference).await?;
    cases::open(store, official, reference).await
}

/// What the reporter is told of a reward: the amount and the last day to claim it.
fn notice_json(amount: i64, due: Option<i64>) -> String {
    let due = due.map(crate::domain::china_time::date_string).unwrap_or_default();
    serde_json::json!({"amount": amount, "claim_due_on": due}).to_string()
}

/// The reward's state, in words, does not allow the step.
fn not_now(status: RewardStatus) -> ServiceError {
    super::conflict(Msg::new("rewards-reward-status-cannot-what").with("status", Arg::Key(status.key())))
}

async fn step(
    conn: &mut Conn,
    before: &RewardRow,
    after: &RewardRow,
    actor: Option<&str>,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<(), ServiceError> {
    rewards::save(conn, before, after).await?;
    audit::append(conn, &Entry { actor_id: actor, action, tip_id: Some(&before.tip_id), detail, at: now }).await?;
    Ok(())
}

async fn event(
    conn: &mut Conn,
    tip: &str,
    kind: EventKind,
    actor: Option<&str>,
    public: bool,
    detail: Option<&Envelope>,
    now: i64,
) -> Result<(), ServiceError> {
    workflow::add_event(
        conn,
        &NewEvent { id: Id::random().as_str(), tip_id: tip, kind, actor_id: actor, public, detail, at: now },
    )
    .await?;
    Ok(())
}

/// The case officer proposes the reward of a concluded, eligible tip.
pub async fn propose(
    store: &Store,
    public_url: &PublicUrl,
    official: &SignedIn,
    reference: &TipReference,
    amount: Option<i64>,
    override_reason: Option<&str>,
    now: i64,
) -> Result<i64, ServiceError> {
    if !official.can(Capability::WorkCases) {
        return Err(super::forbidden("rewards-only-official-tip-s-department"));
    }
    let case = open_case(store, official, reference).await?;
    let (quote, policy, kind) = quote_with_policy(store, &case).await?;
    if let Err(why) = quote.eligible {
        return Err(super::conflict(why.msg()));
    }
    let computed = quote.computed.map_err(|why| {
        super::invalid(Msg::new("rewards-reward-policy-gives-no-amount").with("why", (why).to_string()))
    })?;
    let amount = amount.unwrap_or(computed.0);
    policy.check_amount(kind, computed, Yuan(amount)).map_err(amount_refused)?;
    let tip_key = PublicKey::<Tip>::parse(&case.opened.tip.public_key)?;
    let reason = match override_reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(tip_key.seal(r.as_bytes())?),
        None if amount != computed.0 => {
            return Err(super::invalid(
                Msg::new("rewards-amount-other-than-computed-computed").with("computed", (computed).to_string()),
            ));
        }
        None => None,
    };
    let tip_id = case.opened.tip.id.clone();
    let mut tx = store.begin().await?;
    rewards::insert(
        &mut tx,
        &NewReward {
            id: Id::random().as_str(),
            tip_id: &tip_id,
            policy_version: quote.policy_version,
            basis: &quote.basis,
            computed_yuan: computed.0,
            amount_yuan: amount,
            override_reason: reason.as_ref(),
            proposed_by: &official.user_id,
            proposed_at: now,
        },
    )
    .await?;
    let heads = reward::heads_needed(computed.0, amount);
    let detail = format!("amount={amount} computed={computed} policy={} heads={heads}", quote.policy_version);
    audit::append(
        &mut tx,
        &Entry {
            actor_id: Some(&official.user_id),
            action: "reward.propose",
            tip_id: Some(&tip_id),
            detail: &detail,
            at: now,
        },
    )
    .await?;
    event(&mut tx, &tip_id, EventKind::RewardProposed, Some(&official.user_id), false, None, now).await?;
    let heads = users::emails_of(&mut tx, &[Role::Head], Some(&case.workflow.department_code)).await?;
    notify::tell(&mut tx, public_url, &heads, Why::ProposalWaiting, Some(reference.as_str()), now).await?;
    tx.commit().await?;
    Ok(amount)
}

/// The tip and reward a head of its department decides on.
async fn reward_for_head(
    conn: &mut Conn,
    head: &SignedIn,
    reference: &TipReference,
    what: &str,
) -> Result<(TipRow, RewardRow), ServiceError> {
    if !head.can(Capability::Approve) {
        return Err(head_only(what));
    }
    let tip = department_tip(conn, head, reference).await?;
    if head.department.as_deref() != Some(tip.department_code.as_str()) {
        return Err(head_only(what));
    }
    let reward = rewards::of_tip(conn, &tip.id).await?.ok_or_else(no_reward)?;
    Ok((tip, reward))
}

/// Refuses a reward above what the policy in force allows for its tip, at every step that
/// lets money go further: a proposal stored before the ceiling was enforced, or one the
/// database was made to hold, gets no further than one refused at the proposal.
async fn within_policy(conn: &mut Conn, tip: &TipRow, r: &RewardRow) -> Result<(), ServiceError> {
    let (_, policy) = policy(conn).await?;
    let kind = tip.kind;
    policy.check_amount(kind, Yuan(r.computed_yuan), Yuan(r.amount_yuan)).map_err(amount_refused)
}

fn head_only(what: &str) -> ServiceError {
    super::forbidden(Msg::new("rewards-head-tip-s-department-what").with("what", (what).to_string()))
}

fn no_reward() -> ServiceError {
    super::not_found("rewards-reward-not-found")
}

fn amount_refused(why: AmountRefused) -> ServiceError {
    match why {
        AmountRefused::NotPositive => super::invalid("rewards-reward-above-zero"),
        AmountRefused::AboveCeiling(most) => ServiceError::AboveCeiling { ceiling: most.0 },
    }
}

/// The addresses of the department's heads other than `except` (user ids).
async fn heads_but(conn: &mut Conn, department: &str, except: &[&str]) -> Result<Vec<String>, ServiceError> {
    let mut skip = Vec::new();
    for id in except {
        if let Some(email) = users::by_id(conn, id).await?.and_then(|u| u.email) {
            skip.push(email);
        }
    }
    let heads = users::emails_of(conn, &[Role::Head], Some(department)).await?;
    Ok(heads.into_iter().filter(|e| !skip.contains(e)).collect())
}

fn next(r: &RewardRow, step: RewardStep) -> Result<RewardStatus, ServiceError> {
    reward::reward_after(r.status, step).ok_or_else(|| not_now(r.status))
}

/// A head of the department, not the proposer, approves. An amount above the computed one
/// needs two such heads in turn: after the first the reward stays proposed, and the other
/// heads are told.
pub async fn approve(
    store: &Store,
    public_url: &PublicUrl,
    head: &SignedIn,
    reference: &TipReference,
    now: i64,
) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    let (tip, before) = reward_for_head(&mut tx, head, reference, "approves its reward").await?;
    let heads = reward::heads_needed(before.computed_yuan, before.amount_yuan);
    let approval = reward::approval(heads, &before.proposed_by, before.first_approved_by.as_deref(), &head.user_id)
        .map_err(|why| match why {
            NotApprover::Proposer => forbidden("rewards-one-who-proposed-reward-does"),
            NotApprover::ApprovedAlready => forbidden("rewards-you-approved-reward-already-amount"),
        })?;
    let approved = next(&before, RewardStep::Approve)?;
    within_policy(&mut tx, &tip, &before).await?;
    let detail = format!("amount={} computed={}", before.amount_yuan, before.computed_yuan);
    let mut after = before.clone();
    match approval {
        Approval::First => {
            after.first_approved_by = Some(head.user_id.clone());
            after.first_approved_at = Some(now);
            step(&mut tx, &before, &after, Some(&head.user_id), "reward.first_approve", &detail, now).await?;
            event(&mut tx, &tip.id, EventKind::RewardFirstApproved, Some(&head.user_id), false, None, now).await?;
            let others = heads_but(&mut tx, &tip.department_code, &[&before.proposed_by, &head.user_id]).await?;
            notify::tell(&mut tx, public_url, &others, Why::SecondApprovalWaiting, Some(reference.as_str()), now)
                .await?;
        }
        Approval::Final => {
            after.status = approved;
            after.approved_by = Some(head.user_id.clone());
            after.approved_at = Some(now);
            step(&mut tx, &before, &after, Some(&head.user_id), "reward.approve", &detail, now).await?;
            event(&mut tx, &tip.id, EventKind::RewardApproved, Some(&head.user_id), false, None, now).await?;
            let finance = users::emails_of(&mut tx, &[Role::Finance], None).await?;
            notify::tell(&mut tx, public_url, &finance, Why::RewardWaiting, None, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Finance, neither proposer nor approver, authorises: the reporter is notified with a
/// claim deadline.
pub async fn authorise(
    store: &Store,
    finance: &SignedIn,
    reference: &TipReference,
    now: i64,
) -> Result<(), ServiceError> {
    if !finance.can(Capability::PayRewards) {
        return Err(super::forbidden("rewards-finance-authorises-rewards"));
    }
    let mut tx = store.begin().await?;
    let (tip, before) = finance_reward(&mut tx, finance, reference).await?;
    let me = Some(finance.user_id.as_str());
    if before.proposed_by == finance.user_id
        || before.approved_by.as_deref() == me
        || before.first_approved_by.as_deref() == me
    {
        return Err(super::forbidden("rewards-whoever-authorises-neither-proposed-nor"));
    }
    within_policy(&mut tx, &tip, &before).await?;
    let mut after = before.clone();
    after.status = next(&before, RewardStep::Authorise)?;
    after.authorised_by = Some(finance.user_id.clone());
    after.authorised_at = Some(now);
    let claim_days = days(&mut tx, DeadlineStep::Claim).await?;
    after.claim_due_at = Some(now + claim_days * crate::domain::china_time::DAY);
    step(
        &mut tx,
        &before,
        &after,
        Some(&finance.user_id),
        "reward.authorise",
        &format!("amount={}", before.amount_yuan),
        now,
    )
    .await?;
    let notice = notice_json(before.amount_yuan, after.claim_due_at);
    let sealed = PublicKey::<Tip>::parse(&tip.public_key)?.seal(notice.as_bytes())?;
    event(&mut tx, &tip.id, EventKind::RewardNotified, Some(&finance.user_id), true, Some(&sealed), now).await?;
    tx.commit().await?;
    Ok(())
}

/// How the reporter takes the reward.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Claim {
    /// To a bank account: the details are sealed for finance and the reporter.
    Bank(PayoutDetails),
    /// In person at the department's finance office, with the receipt.
    InPerson,
}

pub async fn claim(
    store: &Store,
    public_url: &PublicUrl,
    view: &ReporterView,
    claim: Claim,
    now: i64,
) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    let before = rewards::of_tip(&mut tx, &view.tip.id).await?.ok_or_else(no_reward)?;
    let status = next(&before, RewardStep::Claim).map_err(|_| super::conflict("rewards-reward-cannot-claimed-now"))?;
    if before.claim_due_at.is_some_and(|due| now > due) {
        return Err(super::conflict("rewards-claim-window-has-passed-you"));
    }
    let method = match &claim {
        Claim::Bank(details) => {
            let details = &crate::domain::validation::validate_payout(details).map_err(|e| {
                super::invalid(Msg::all(e.into_iter().map(|e| e.msg)).unwrap_or(Msg::new("rewards-payout-not-valid")))
            })?;
            let (finance_key_id, finance) =
                groups::newest_public::<Finance>(&mut tx, &crate::domain::KeyGroup::Finance)
                    .await?
                    .ok_or_else(super::no_finance)?;
            let json = serde_json::to_vec(details).map_err(super::unprocessable)?;
            let envelope = crate::crypto::seal_payout(&finance, &view.reporter.public(), &json)?;
            crate::store::tips::insert_sealed(
                &mut tx,
                crate::store::tips::Sealed::Payout,
                &view.tip.id,
                &finance_key_id,
                &envelope,
                now,
            )
            .await?;
            "bank"
        }
        Claim::InPerson => "in_person",
    };
    let mut after = before.clone();
    after.status = status;
    after.claim_method = Some(method.into());
    after.claimed_at = Some(now);
    step(&mut tx, &before, &after, None, "reward.claim", &format!("method={method}"), now).await?;
    let finance = users::emails_of(&mut tx, &[Role::Finance], None).await?;
    notify::tell(&mut tx, public_url, &finance, Why::RewardWaiting, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Finance, not the one who authorised, records the payment. A reward collected in person
/// is handed over only to whoever shows the receipt: the query code is checked here (the tip
/// is not opened for finance).
pub async fn pay(
    store: &Store,
    finance: &SignedIn,
    reference: &TipReference,
    payment_reference: &str,
    receipt_code: Option<&str>,
    now: i64,
) -> Result<(), ServiceError> {
    if !finance.can(Capability::PayRewards) {
        return Err(super::forbidden("rewards-finance-records-payments"));
    }
    let payment_reference = payment_reference.trim();
    if payment_reference.is_empty() || payment_reference.chars().count() > 64 {
        return Err(super::invalid("rewards-payment-reference-1-64-characters"));
    }
    let (_, reward) = finance_reward(&mut *store.conn().await?, finance, reference).await?;
    let in_person = reward.claim_method.as_deref() == Some("in_person");
    if in_person {
        let code = receipt_code
            .and_then(crate::crypto::receipt::QueryCode::parse)
            .ok_or_else(|| super::invalid("rewards-reward-collected-person-needs-query"))?;
        if tips::open_for_reporter(store, reference, code).await.is_err() {
            return Err(super::invalid("rewards-query-code-does-not-match"));
        }
    }
    let mut tx = store.begin().await?;
    let (tip, before) = finance_reward(&mut tx, finance, reference).await?;
    if before.authorised_by.as_deref() == Some(finance.user_id.as_str()) || before.proposed_by == finance.user_id {
        return Err(super::forbidden("rewards-whoever-pays-did-not-authorise"));
    }
    let mut after = before.clone();
    after.status = next(&before, RewardStep::Pay)?;
    after.paid_by = Some(finance.user_id.clone());
    after.paid_at = Some(now);
    let (key_id, finance_key) = groups::newest_public::<Finance>(&mut tx, &crate::domain::KeyGroup::Finance)
        .await?
        .ok_or_else(super::no_finance)?;
    after.payment_reference = Some(finance_key.seal(payment_reference.as_bytes())?.into_bytes());
    after.payment_key_id = Some(key_id);
    step(
        &mut tx,
        &before,
        &after,
        Some(&finance.user_id),
        "reward.pay",
        &format!("amount={}", before.amount_yuan),
        now,
    )
    .await?;
    event(&mut tx, &tip.id, EventKind::RewardPaid, Some(&finance.user_id), true, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The reporter asks for more time to claim (also after forfeiture).
pub async fn request_extension(
    store: &Store,
    public_url: &PublicUrl,
    view: &ReporterView,
    reason: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let reason = crate::domain::validation::clean_paragraphs(reason);
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ServiceError::BadInput(Msg::new("rewards-give-reason-1-2000-characters")));
    }
    let mut tx = store.begin().await?;
    let before = rewards::of_tip(&mut tx, &view.tip.id).await?.ok_or_else(no_reward)?;
    next(&before, RewardStep::Extend).map_err(|_| super::conflict("rewards-reward-needs-no-extension"))?;
    if before.extension_requested_at.is_some() && before.extension_decided_at.is_none() {
        return Err(super::conflict("rewards-you-have-asked-already-wait"));
    }
    let mut after = before.clone();
    after.extension_reason = Some(PublicKey::<Tip>::parse(&view.tip.public_key)?.seal(reason.as_bytes())?.into_bytes());
    after.extension_requested_at = Some(now);
    after.extension_decided_at = None;
    after.extension_decided_by = None;
    step(&mut tx, &before, &after, None, "reward.extension_request", "", now).await?;
    let department = crate::store::tips::department_of(&mut tx, &view.tip.id).await?;
    let heads = users::emails_of(&mut tx, &[Role::Head], Some(&department)).await?;
    notify::tell(&mut tx, public_url, &heads, Why::RewardWaiting, Some(&view.tip.reference), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A head of the department grants the requested extension: a fresh claim window.
pub async fn approve_extension(
    store: &Store,
    head: &SignedIn,
    reference: &TipReference,
    now: i64,
) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    let (tip, before) = reward_for_head(&mut tx, head, reference, "decides").await?;
    if before.extension_requested_at.is_none() || before.extension_decided_at.is_some() {
        return Err(super::conflict("rewards-no-extension-asked"));
    }
    let mut after = before.clone();
    after.status = next(&before, RewardStep::Extend)?;
    let claim_days = days(&mut tx, DeadlineStep::Claim).await?;
    after.claim_due_at = Some(now + claim_days * crate::domain::china_time::DAY);
    after.forfeited_at = None;
    after.reminded_at = None;
    after.extension_decided_by = Some(head.user_id.clone());
    after.extension_decided_at = Some(now);
    step(&mut tx, &before, &after, Some(&head.user_id), "reward.extend", "", now).await?;
    let notice = notice_json(before.amount_yuan, after.claim_due_at);
    let sealed = PublicKey::<Tip>::parse(&tip.public_key)?.seal(notice.as_bytes())?;
    event(&mut tx, &tip.id, EventKind::RewardExtended, Some(&head.user_id), true, Some(&sealed), now).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub forfeited: usize,
    pub reminded: usize,
}

/// The reward job: forfeits what was not claimed in time, and reminds finance a week before.
pub async fn sweep(store: &Store, public_url: &PublicUrl, now: i64) -> Result<Swept, ServiceError> {
    let mut swept = Swept::default();
    let notified = rewards::with_status(&mut *store.conn().await?, &[RewardStatus::Notified]).await?;
    for before in notified {
        let Some(due) = before.claim_due_at else { continue };
        let mut tx = store.begin().await?;
        if now > due {
            let mut after = before.clone();
            after.status = RewardStatus::Forfeited;
            after.forfeited_at = Some(now);
            // Another instance's job, or the reporter's claim, got there first.
            match step(&mut tx, &before, &after, None, "reward.forfeit", "", now).await {
                Err(ServiceError::Store(StoreError::Conflict(_))) => continue,
                other => other?,
            }
            event(&mut tx, &before.tip_id, EventKind::RewardForfeited, None, true, None, now).await?;
            swept.forfeited += 1;
        } else if due - now <= 7 * crate::domain::china_time::DAY && before.reminded_at.is_none() {
            let mut after = before.clone();
            after.reminded_at = Some(now);
            match rewards::save(&mut tx, &before, &after).await {
                Err(StoreError::Conflict(_)) => continue,
                other => other?,
            }
            let finance = users::emails_of(&mut tx, &[Role::Finance], None).await?;
            notify::tell(&mut tx, public_url, &finance, Why::ClaimDueSoon, None, now).await?;
            swept.reminded += 1;
        }
        tx.commit().await?;
    }
    Ok(swept)
}

/// A reward as finance sees it: no tip content; payout details only here.
pub struct FinanceItem {
    pub reference: String,
    pub status: RewardStatus,
    pub amount: i64,
    pub claim_due_at: Option<i64>,
    pub method: Option<String>,
    pub payout: Option<PayoutDetails>,
    pub payment_reference: Option<String>,
    pub paid_at: Option<i64>,
    pub authorised_by_me: bool,
}

pub async fn finance_queue(store: &Store, finance: &SignedIn, now: i64) -> Result<Vec<FinanceItem>, ServiceError> {
    if !finance.can(Capability::PayRewards) {
        return Err(super::forbidden("rewards-finance-s-queue"));
    }
    let recent = now - 90 * crate::domain::china_time::DAY;
    let rows: Vec<RewardRow> = rewards::with_status(
        &mut *store.conn().await?,
        &[
            RewardStatus::Approved,
            RewardStatus::Notified,
            RewardStatus::Claimed,
            RewardStatus::Paid,
            RewardStatus::Forfeited,
        ],
    )
    .await?
    .into_iter()
    .filter(|r| r.paid_at.or(r.forfeited_at).is_none_or(|at| at >= recent))
    .collect();
    let mut items = Vec::new();
    for r in rows {
        let tip = crate::store::tips::by_id(&mut *store.conn().await?, &r.tip_id).await?.ok_or_else(super::no_tip)?;
        let payout = if r.status == RewardStatus::Claimed && r.claim_method.as_deref() == Some("bank") {
            // A finance official whose membership still waits for approval holds no key yet.
            match tips::payout_for_finance(store, finance, &r.tip_id).await {
                Ok(details) => {
                    let mut tx = store.begin().await?;
                    let entry = Entry {
                        actor_id: Some(&finance.user_id),
                        action: "payout.read",
                        tip_id: Some(&r.tip_id),
                        detail: "",
                        at: now,
                    };
                    audit::append(&mut tx, &entry).await?;
                    tx.commit().await?;
                    Some(details)
                }
                Err(ServiceError::Crypto(_) | ServiceError::NotFound { .. } | ServiceError::Forbidden { .. }) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        items.push(FinanceItem {
            reference: tip.meta.reference,
            status: r.status,
            amount: r.amount_yuan,
            claim_due_at: r.claim_due_at,
            method: r.claim_method.clone(),
            payout,
            payment_reference: payment_reference_of(store, finance, &r).await,
            paid_at: r.paid_at,
            authorised_by_me: r.authorised_by.as_deref() == Some(finance.user_id.as_str()),
        });
    }
    Ok(items)
}

/// The payment reference, opened with the finance official's key (none while their
/// membership waits for approval).
async fn payment_reference_of(store: &Store, finance: &SignedIn, r: &RewardRow) -> Option<String> {
    let (sealed, key_id) = (r.payment_reference.as_ref()?, r.payment_key_id.as_ref()?);
    let mut conn = store.conn().await.ok()?;
    let key = groups::open_version::<Finance>(&mut conn, key_id, &finance.user_id, &finance.key).await.ok()?;
    let plain = key.open(&Envelope::from_bytes(sealed.clone())).ok()?;
    std::str::from_utf8(plain.as_bytes()).ok().map(str::to_owned)
}

/// Payments as CSV: reference, amount, date, payment reference — no identity fields.
pub async fn payments_csv(store: &Store, finance: &SignedIn) -> Result<String, ServiceError> {
    if !finance.can(Capability::PayRewards) {
        return Err(super::forbidden("rewards-finance-exports-payments"));
    }
    let rows = rewards::with_status(&mut *store.conn().await?, &[RewardStatus::Paid]).await?;
    let mut csv = String::from("reference,amount_yuan,paid_on,payment_reference\n");
    for r in rows {
        let Some(paid_at) = r.paid_at else { continue };
        let reference = crate::store::tips::by_id(&mut *store.conn().await?, &r.tip_id)
            .await?
            .ok_or_else(super::no_tip)?
            .meta
            .reference;
        let payment_reference = payment_reference_of(store, finance, &r).await.unwrap_or_default();
        let amount = r.amount_yuan;
        let safe = payment_reference.replace(['"', '\n', '\r'], " ");
        let safe = if safe.starts_with(['=', '+', '-', '@']) { format!("'{safe}") } else { safe };
        csv.push_str(&format!("{reference},{amount},{},\"{safe}\"\n", crate::domain::china_time::date_string(paid_at)));
    }
    Ok(csv)
}

/// The reward as the reporter sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReporterReward {
    #[schema(value_type = String)]
    pub status: RewardStatus,
    pub amount_yuan: i64,
    pub claim_due_at: Option<i64>,
    pub method: Option<String>,
    pub extension_requested: bool,
    /// The reporter may claim now.
    pub can_claim: bool,
    /// The reporter may ask for more time (the window is closing or has passed).
    pub can_ask_more_time: bool,
}

/// What the reporter sees after the conclusion: the reward, whether the tip qualifies (and
/// why not), and until when they may object.
pub struct AfterConclusion {
    pub reward: Option<ReporterReward>,
    pub eligible: Option<Result<(), Ineligible>>,
    pub objection_until: Option<i64>,
}

pub async fn for_reporter(store: &Store, view: &ReporterView, now: i64) -> Result<AfterConclusion, ServiceError> {
    let mut conn = store.conn().await?;
    let w = workflow::workflow(&mut conn, &view.tip.id).await?.ok_or_else(super::no_tip)?;
    let Some(concluded_at) = w.concluded_at else {
        // A duplicate is closed without a conclusion of its own: its reporter is told why now.
        let eligible = w.duplicate_of.as_ref().map(|_| Err(Ineligible::NotFirst));
        return Ok(AfterConclusion { reward: None, eligible, objection_until: None });
    };
    let kind = view.tip.kind;
    let eligible = eligibility(&mut conn, &view.tip.id, kind, view.report.supervisory_duty).await?;
    let until = concluded_at + days(&mut conn, DeadlineStep::Objection).await? * crate::domain::china_time::DAY;
    let objection_until =
        (w.status == TipStatus::Concluded && w.objected_at.is_none() && now <= until).then_some(until);
    let reward = rewards::of_tip(&mut conn, &view.tip.id).await?.filter(|r| r.status.shown_to_reporter());
    let reward = reward.map(|r| {
        let pending = r.extension_requested_at.is_some() && r.extension_decided_at.is_none();
        let open = r.claim_due_at.is_some_and(|due| now <= due);
        ReporterReward {
            can_claim: r.status == RewardStatus::Notified && open,
            can_ask_more_time: !pending
                && (r.status == RewardStatus::Forfeited
                    || (r.status == RewardStatus::Notified
                        && r.claim_due_at.is_some_and(|due| due - now <= 14 * crate::domain::china_time::DAY))),
            status: r.status,
            amount_yuan: r.amount_yuan,
            claim_due_at: r.claim_due_at,
            method: r.claim_method,
            extension_requested: pending,
        }
    });
    Ok(AfterConclusion { reward, eligible: Some(eligible), objection_until })
}

/// The reward of a case as its officials see it (no payout details).
pub async fn for_case(store: &Store, tip_id: &str) -> Result<Option<RewardRow>, ServiceError> {
    Ok(rewards::of_tip(&mut *store.conn().await?, tip_id).await?)
}
