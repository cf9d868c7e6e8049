//! Working a case: every action is a step of the lifecycle (`domain::lifecycle`), taken by an
//! official whose roles allow it, of the tip's department, holding its key. The new state,
//! the event, the audit entry and the notifications commit together. Reading one: `dossier`,
//! what the case page and the staff API show of it.

use serde::{Deserialize, Serialize};

use super::conversation::{self, AttachmentInfo, Message};
use super::notify::{self, Why};
use super::officials::SignedIn;
use super::tips::{self, OpenedTip};
use super::{Arg, Msg, ServiceError, groups};
use crate::configuration::PublicUrl;
use crate::crypto::{Department, Envelope, Key, PublicKey, Tip};
use crate::domain::Capability;
use crate::domain::deadline_rules::{self, Days, Times};
use crate::domain::lifecycle::{self, Facts, Step};
use crate::domain::{AccidentGrade, Code, DeadlineStep, EventKind, Id, KeyGroup, Kind, Role, TipReference, TipStatus};
use crate::store::audit::{self, Entry};
use crate::store::tips::Sealed;
use crate::store::workflow::{self, NewEvent, Workflow};
use crate::store::{Conn, Store, reference, users};

pub use crate::domain::reward::Outcome;

/// The terms of a conclusion (sealed to the tip key until approved; then the outcome, fine,
/// grade and deaths become metadata for rewards and statistics).
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Conclusion {
    pub outcome: Outcome,
    /// The administrative fine imposed, whole yuan.
    pub fine_yuan: i64,
    /// For a concealed accident: the final grade and the verified concealed deaths.
    pub accident_grade: Option<AccidentGrade>,
    pub concealed_deaths: Option<i64>,
    /// The matter was already known to the regulator (and handled): no reward.
    pub previously_known: bool,
    /// For the reporter: conclusion, short account, decision, whether reward conditions are met.
    pub feedback: String,
}

/// What an official does to a tip.
pub enum Action {
    Accept,
    ProposeRejection {
        reason: String,
    },
    Transfer {
        to: Code,
    },
    /// `None`: the official takes it themself.
    Assign {
        to: Option<String>,
    },
    StartVerification,
    ProposeExtension {
        days: i64,
        reason: String,
    },
    ProposeConclusion(Conclusion),
    /// Approves the proposal that waits.
    Approve,
    /// Turns the proposal that waits down.
    Deny {
        reason: String,
    },
    LinkDuplicate {
        of: TipReference,
    },
    /// Proposes the link to an earlier tip; a head other than the proposer approves it.
    ProposeDuplicate {
        of: TipReference,
    },
    Close,
    /// A note for officials only.
    Note {
        body: String,
    },
    /// A message to the reporter.
    Reply {
        body: String,
    },
    /// A head who did not conclude the tip answers the reporter's objection, upholding the
    /// conclusion or revising its terms.
    ConcludeReview {
        account: String,
        revised: Option<Conclusion>,
    },
}

#[derive(Serialize, Deserialize)]
struct Reason {
    reason: String,
}

#[derive(Serialize, Deserialize)]
struct Extension {
    days: i64,
    reason: String,
}

/// The terms of a proposed duplicate: the earlier tip's reference.
#[derive(Serialize, Deserialize)]
struct DuplicateOf {
    of: String,
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, ServiceError> {
    serde_json::to_vec(value).map_err(super::unprocessable)
}

fn parse<T: for<'a> Deserialize<'a>>(bytes: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(bytes).map_err(|_| ServiceError::Crypto(crate::crypto::CryptoError::Malformed("case terms")))
}

/// `what` names the text in Chinese and English.
/// `text` trimmed, refused when empty or longer than `max`; `name` is the catalogue's name
/// of the field, as it starts a sentence.
fn text_required(text: &str, name: &'static str, max: usize) -> Result<String, ServiceError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(super::invalid(Msg::new("cases-field-required").with("field", Arg::Key(name))));
    }
    if text.chars().count() > max {
        return Err(super::invalid(Msg::new("cases-field-too-long").with("field", Arg::Key(name)).with("max", max)));
    }
    Ok(text.to_owned())
}

/// A tip opened for an official allowed to work it, with its workflow.
pub struct Case {
    pub opened: OpenedTip,
    pub workflow: Workflow,
}

pub async fn open(store: &Store, official: &SignedIn, reference: &TipReference) -> Result<Case, ServiceError> {
    if !official.can(Capability::ReadTips) {
        return Err(super::forbidden("cases-role-does-not-read-tips"));
    }
    let opened = tips::open_for_official(store, official, reference).await?;
    let workflow = workflow::workflow(&mut *store.conn().await?, &opened.tip.id).await?.ok_or_else(super::no_tip)?;
    Ok(Case { opened, workflow })
}

async fn deadline_days(conn: &mut Conn) -> Result<(Days, i64), ServiceError> {
    let days: std::collections::HashMap<DeadlineStep, i64> =
        reference::deadline_days(conn).await?.into_iter().collect();
    let get = |step| days.get(&step).copied().unwrap_or(0);
    let (acknowledge, conclude, review) =
        (get(DeadlineStep::Acknowledge), get(DeadlineStep::Conclude), get(DeadlineStep::Review));
    Ok((Days { acknowledge, conclude, review }, get(DeadlineStep::Extension)))
}

/// When the step a tip is in is due.
pub fn due_at(w: &Workflow, days: Days) -> Option<i64> {
    let status = w.status;
    let times = Times {
        received_at: w.received_at,
        accepted_at: w.accepted_at,
        extension_days: w.extension_days,
        objected_at: w.objected_at,
    };
    deadline_rules::due(status, times, days).map(|(_, at)| at)
}

/// Everything a step changes, written in one transaction.
struct Change {
    step: Option<Step>,
    after: Workflow,
    event: Option<(EventKind, bool, Option<Vec<u8>>)>,
    audit: String,
    tell: Vec<(Vec<String>, Why)>,
}

/// What every action of one `act` call shares: who acts, on which tip, in which state.
struct Ctx<'a> {
    official: &'a SignedIn,
    case: &'a Case,
    tip_id: String,
    before: Workflow,
    tip_key: PublicKey<Tip>,
    status: TipStatus,
    facts: Facts,
    now: i64,
}

impl Ctx<'_> {
    fn seal(&self, bytes: &[u8]) -> Result<Vec<u8>, ServiceError> {
        Ok(self.tip_key.seal(bytes)?.into_bytes())
    }

    /// The official's roles allow `step` and the lifecycle allows it now: the status after it.
    fn check(&self, step: Step) -> Result<TipStatus, ServiceError> {
        if !crate::domain::capability::may_take(step, &self.official.roles) {
            return Err(super::forbidden("cases-role-may-not-take-step"));
        }
        lifecycle::after(self.status, step, self.facts).map_err(|e| super::conflict(e.msg()))
    }

    /// The tip's department's heads, told a proposal waits.
    async fn heads(&self, conn: &mut Conn) -> Result<Vec<(Vec<String>, Why)>, ServiceError> {
        let heads = users::emails_of(conn, &[Role::Head], Some(&self.before.department_code)).await?;
        Ok(vec![(heads, Why::ProposalWaiting)])
    }

    fn kind(&self) -> Kind {
        self.case.opened.tip.kind
    }
}

/// Takes one action on a tip.
pub async fn act(
    store: &Store,
    public_url: &PublicUrl,
    official: &SignedIn,
    reference: &TipReference,
    action: Action,
    now: i64,
) -> Result<(), ServiceError> {
    let case = open(store, official, reference).await?;
    let before = case.workflow.clone();
    if !official.works_in(&before.department_code) {
        return Err(super::forbidden("cases-only-officials-tip-s-department"));
    }
    let tip_id = case.opened.tip.id.clone();
    let tip_key = PublicKey::<Tip>::parse(&case.opened.tip.public_key)?;
    let status = before.status;

    let mut tx = store.begin().await?;
    let conn: &mut Conn = &mut tx;
    let (days, extension_max) = deadline_days(conn).await?;
    let open_proposal = workflow::open_proposal(conn, &tip_id).await?;
    let facts = Facts { extended: before.extension_days > 0, pending: open_proposal.as_ref().map(|p| p.step) };
    let ctx = Ctx { official, case: &case, tip_id, before, tip_key, status, facts, now };

    let change = match action {
        Action::Note { body } => note(conn, &ctx, &body).await?,
        Action::Reply { body } => reply(conn, &ctx, &body).await?,
        Action::Accept => accept(&ctx)?,
        Action::StartVerification => start_verification(&ctx)?,
        Action::Close => close(&ctx)?,
        Action::Assign { to } => assign(conn, &ctx, to).await?,
        Action::Transfer { to } => transfer(conn, &ctx, &to).await?,
        Action::ProposeRejection { reason } => propose_rejection(conn, &ctx, &reason).await?,
        Action::ProposeExtension { days: extra, reason } => {
            propose_extension(conn, &ctx, extra, &reason, extension_max).await?
        }
        Action::ProposeConclusion(conclusion) => propose_conclusion(conn, &ctx, conclusion).await?,
        Action::Approve => decide(conn, &ctx, open_proposal, None).await?,
        Action::Deny { reason } => decide(conn, &ctx, open_proposal, Some(reason)).await?,
        Action::ConcludeReview { account, revised } => review(conn, &ctx, &account, revised).await?,
        Action::LinkDuplicate { of } => link_duplicate(conn, &ctx, &of).await?,
        Action::ProposeDuplicate { of } => propose_duplicate(conn, &ctx, &of).await?,
    };

    apply(conn, public_url, &ctx, reference, days, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes a change inside the action's transaction: the workflow (with its new deadline when
/// the status or the extension changed), the event, the audit entry and the mails.
async fn apply(
    conn: &mut Conn,
    public_url: &PublicUrl,
    ctx: &Ctx<'_>,
    reference: &TipReference,
    days: Days,
    change: Change,
) -> Result<(), ServiceError> {
    let (before, tip_id, official, now) = (&ctx.before, ctx.tip_id.as_str(), ctx.official, ctx.now);
    let mut after = change.after;
    if after.status != before.status || after.extension_days != before.extension_days {
        after.due_at = due_at(&after, days);
        if after.status != before.status {
            after.reminded_at = None;
            after.escalated_at = None;
        }
    }
    if after != *before {
        workflow::save(conn, tip_id, before, &after).await?;
    }
    if let Some((kind, public, detail)) = &change.event {
        let detail = detail.clone().map(Envelope::from_bytes);
        workflow::add_event(
            conn,
            &NewEvent {
                id: Id::random().as_str(),
                tip_id,
                kind: *kind,
                actor_id: Some(&official.user_id),
                public: *public,
                detail: detail.as_ref(),
                at: now,
            },
        )
        .await?;
    }
    let action_name = change
        .step
        .map_or_else(|| change.audit.split('=').next().unwrap_or("note").to_owned(), |s| s.as_str().to_owned());
    let detail = if change.step.is_some() { change.audit.clone() } else { String::new() };
    audit::append(
        conn,
        &Entry {
            actor_id: Some(&official.user_id),
            action: &format!("tip.{action_name}"),
            tip_id: Some(tip_id),
            detail: &detail,
            at: now,
        },
    )
    .await?;
    for (to, why) in &change.tell {
        let to: Vec<String> = to.iter().filter(|a| !a.is_empty()).cloned().collect();
        notify::tell(conn, public_url, &to, *why, Some(reference.as_str()), now).await?;
    }
    Ok(())
}

/// A change that moves the tip by `step` and writes a public event, with no audit detail
/// and no mail.
fn stepped(step: Step, after: Workflow, event: EventKind) -> Change {
    Change { step: Some(step), after, event: Some((event, true, None)), audit: String::new(), tell: vec![] }
}

async fn note(conn: &mut Conn, ctx: &Ctx<'_>, body: &str) -> Result<Change, ServiceError> {
    let body = text_required(body, "cases-note", 10_000)?;
    workflow::add_note(
        conn,
        Id::random().as_str(),
        &ctx.tip_id,
        &ctx.official.user_id,
        &Envelope::from_bytes(ctx.seal(body.as_bytes())?),
        ctx.now,
    )
    .await?;
    Ok(Change { step: None, after: ctx.before.clone(), event: None, audit: "note".into(), tell: vec![] })
}

async fn reply(conn: &mut Conn, ctx: &Ctx<'_>, body: &str) -> Result<Change, ServiceError> {
    let body = crate::domain::validation::validate_message(body).map_err(|e| super::invalid(e.msg))?;
    let sealed = Envelope::from_bytes(ctx.seal(body.as_bytes())?);
    crate::store::messages::insert(
        conn,
        &crate::store::messages::NewMessage {
            id: Id::random().as_str(),
            tip_id: &ctx.tip_id,
            author: crate::store::messages::Author::Official,
            user_id: Some(&ctx.official.user_id),
            body: &sealed,
            created_at: ctx.now,
        },
    )
    .await?;
    Ok(Change { step: None, after: ctx.before.clone(), event: None, audit: "message".into(), tell: vec![] })
}

fn accept(ctx: &Ctx<'_>) -> Result<Change, ServiceError> {
    let mut after = ctx.before.clone();
    after.status = ctx.check(Step::Accept)?;
    after.accepted_at = Some(ctx.now);
    Ok(stepped(Step::Accept, after, EventKind::Accepted))
}

fn start_verification(ctx: &Ctx<'_>) -> Result<Change, ServiceError> {
    let mut after = ctx.before.clone();
    after.status = ctx.check(Step::StartVerification)?;
    Ok(stepped(Step::StartVerification, after, EventKind::VerificationStarted))
}

fn close(ctx: &Ctx<'_>) -> Result<Change, ServiceError> {
    let mut after = ctx.before.clone();
    after.status = ctx.check(Step::Close)?;
    after.closed_at = Some(ctx.now);
    Ok(stepped(Step::Close, after, EventKind::Closed))
}

async fn assign(conn: &mut Conn, ctx: &Ctx<'_>, to: Option<String>) -> Result<Change, ServiceError> {
    let official = ctx.official;
    ctx.check(Step::Assign)?;
    let to = to.unwrap_or_else(|| official.user_id.clone());
    if to != official.user_id && !official.can(Capability::Approve) {
        return Err(super::forbidden("cases-only-head-assigns-tip-someone"));
    }
    let assignee = users::by_id(conn, &to)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(|| super::not_found("cases-official-not-found"))?;
    let assignee_roles = users::roles(conn, &assignee.id).await?;
    let fits = assignee.department_code.as_deref() == Some(ctx.before.department_code.as_str())
        && assignee_roles.iter().any(|r| matches!(r, Role::Officer | Role::Head));
    if !fits {
        return Err(super::invalid("cases-assignee-must-officer-head-tip"));
    }
    let mut after = ctx.before.clone();
    after.assignee_id = Some(assignee.id.clone());
    let tell = assignee.email.map(|e| vec![(vec![e], Why::Assigned)]).unwrap_or_default();
    Ok(Change {
        step: Some(Step::Assign),
        after,
        event: Some((EventKind::Assigned, false, None)),
        audit: format!("assignee={}", assignee.id),
        tell,
    })
}

async fn transfer(conn: &mut Conn, ctx: &Ctx<'_>, to: &Code) -> Result<Change, ServiceError> {
    ctx.check(Step::Transfer)?;
    if to.as_str() == ctx.before.department_code {
        return Err(super::already_there());
    }
    let Some((key_id, public)) = groups::newest_public::<Department>(conn, &KeyGroup::Department(to.clone())).await?
    else {
        return Err(super::cannot_receive(conn, to).await);
    };
    let grant = ctx.case.opened.key.wrap_for(&public)?;
    let from = KeyGroup::Department(Code::parse(&ctx.before.department_code).map_err(super::unprocessable)?);
    crate::store::tips::revoke_group(conn, &ctx.tip_id, &from.name()).await?;
    crate::store::tips::insert_grant(conn, &ctx.tip_id, &key_id, &grant, ctx.now).await?;
    let mut after = ctx.before.clone();
    after.department_code = to.to_string();
    after.assignee_id = None;
    let tell = vec![(notify::department_staff(conn, to.as_str()).await?, Why::NewTip)];
    let detail = ctx.seal(to.as_str().as_bytes())?;
    Ok(Change {
        step: Some(Step::Transfer),
        after,
        event: Some((EventKind::Transferred, true, Some(detail))),
        audit: format!("to={to}"),
        tell,
    })
}

/// Records the proposal `step` with its sealed `terms` and tells the department's heads.
async fn proposed(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    step: Step,
    terms: &[u8],
    event: EventKind,
    audit: String,
) -> Result<Change, ServiceError> {
    propose(conn, &ctx.tip_id, step, terms, ctx.official, ctx.now).await?;
    let tell = ctx.heads(conn).await?;
    Ok(Change { step: Some(step), after: ctx.before.clone(), event: Some((event, false, None)), audit, tell })
}

async fn propose_rejection(conn: &mut Conn, ctx: &Ctx<'_>, reason: &str) -> Result<Change, ServiceError> {
    ctx.check(Step::ProposeRejection)?;
    let terms = ctx.seal(&json(&Reason { reason: text_required(reason, "cases-reason", 2_000)? })?)?;
    proposed(conn, ctx, Step::ProposeRejection, &terms, EventKind::RejectionProposed, String::new()).await
}

async fn propose_extension(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    extra: i64,
    reason: &str,
    extension_max: i64,
) -> Result<Change, ServiceError> {
    ctx.check(Step::ProposeExtension)?;
    if !(1..=extension_max).contains(&extra) {
        return Err(super::invalid(Msg::new("cases-extension-days").with("max", extension_max)));
    }
    let terms = ctx.seal(&json(&Extension { days: extra, reason: text_required(reason, "cases-reason", 2_000)? })?)?;
    proposed(conn, ctx, Step::ProposeExtension, &terms, EventKind::ExtensionProposed, format!("days={extra}")).await
}

async fn propose_conclusion(conn: &mut Conn, ctx: &Ctx<'_>, conclusion: Conclusion) -> Result<Change, ServiceError> {
    ctx.check(Step::ProposeConclusion)?;
    let conclusion = checked_conclusion(conclusion, ctx.kind())?;
    let terms = ctx.seal(&json(&conclusion)?)?;
    let audit = format!("outcome={}", conclusion.outcome.as_str());
    proposed(conn, ctx, Step::ProposeConclusion, &terms, EventKind::ConclusionProposed, audit).await
}

async fn propose_duplicate(conn: &mut Conn, ctx: &Ctx<'_>, of: &TipReference) -> Result<Change, ServiceError> {
    ctx.check(Step::ProposeDuplicate)?;
    let earlier = earlier_of_duplicate(conn, ctx.official, &ctx.tip_id, &ctx.before, of).await?;
    let terms = ctx.seal(&json(&DuplicateOf { of: earlier.reference.clone() })?)?;
    let audit = format!("of={}", earlier.reference);
    proposed(conn, ctx, Step::ProposeDuplicate, &terms, EventKind::DuplicateProposed, audit).await
}

async fn link_duplicate(conn: &mut Conn, ctx: &Ctx<'_>, of: &TipReference) -> Result<Change, ServiceError> {
    ctx.check(Step::LinkDuplicate)?;
    let earlier = earlier_of_duplicate(conn, ctx.official, &ctx.tip_id, &ctx.before, of).await?;
    let mut after = ctx.before.clone();
    after.status = TipStatus::Closed;
    after.closed_at = Some(ctx.now);
    after.duplicate_of = Some(earlier.id.clone());
    Ok(Change {
        step: Some(Step::LinkDuplicate),
        after,
        event: Some((EventKind::Duplicate, true, None)),
        audit: format!("of={}", earlier.reference),
        tell: vec![],
    })
}

/// A head other than the proposer decides the proposal that waits: approves it (`deny` is
/// `None`) or turns it down for the reason given. The proposer is told either way.
async fn decide(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    open_proposal: Option<workflow::ProposalRow>,
    deny: Option<String>,
) -> Result<Change, ServiceError> {
    let official = ctx.official;
    let proposal = open_proposal.ok_or_else(|| super::conflict("cases-nothing-waits-approval"))?;
    let proposed = proposal.step;
    let approval = Step::approval_of(proposed);
    if !crate::domain::capability::may_take(approval, &official.roles) {
        return Err(super::forbidden("cases-only-head-decides-proposal"));
    }
    if proposal.proposed_by == official.user_id {
        return Err(super::forbidden("cases-proposal-decided-head-other-than"));
    }
    let proposer_email = users::by_id(conn, &proposal.proposed_by).await?.and_then(|u| u.email);
    let tell = proposer_email.map(|e| vec![(vec![e], Why::ProposalDecided)]).unwrap_or_default();
    let terms = ctx.case.opened.key.open(&Envelope::from_bytes(proposal.terms.clone()))?;
    if let Some(reason) = deny {
        let reason = text_required(&reason, "cases-reason", 2_000)?;
        workflow::decide_proposal(conn, &proposal.id, &official.user_id, false, ctx.now).await?;
        let detail = ctx.seal(reason.as_bytes())?;
        return Ok(Change {
            step: None,
            after: ctx.before.clone(),
            event: Some((EventKind::ProposalDenied, false, Some(detail))),
            audit: format!("denied={}", proposal.step.as_str()),
            tell,
        });
    }
    let mut after = ctx.before.clone();
    after.status = ctx.check(approval)?;
    workflow::decide_proposal(conn, &proposal.id, &official.user_id, true, ctx.now).await?;
    let (event, audit) = match approval {
        Step::ApproveRejection => approve_rejection(ctx, &mut after, terms.as_bytes())?,
        Step::ApproveExtension => approve_extension(ctx, &mut after, terms.as_bytes())?,
        Step::ApproveDuplicate => approve_duplicate(conn, ctx, &mut after, terms.as_bytes()).await?,
        _ => approve_conclusion(conn, ctx, &mut after, terms.as_bytes()).await?,
    };
    Ok(Change { step: Some(approval), after, event: Some(event), audit, tell })
}

/// The event and the audit detail of an approval.
type Approved = ((EventKind, bool, Option<Vec<u8>>), String);

fn approve_rejection(ctx: &Ctx<'_>, after: &mut Workflow, terms: &[u8]) -> Result<Approved, ServiceError> {
    let reason: Reason = parse(terms)?;
    after.closed_at = Some(ctx.now);
    Ok(((EventKind::Rejected, true, Some(ctx.seal(reason.reason.as_bytes())?)), String::new()))
}

fn approve_extension(ctx: &Ctx<'_>, after: &mut Workflow, terms: &[u8]) -> Result<Approved, ServiceError> {
    let extension: Extension = parse(terms)?;
    after.extension_days = extension.days;
    after.reminded_at = None;
    after.escalated_at = None;
    Ok(((EventKind::Extended, true, Some(ctx.seal(&json(&extension)?)?)), format!("days={}", extension.days)))
}

async fn approve_duplicate(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    after: &mut Workflow,
    terms: &[u8],
) -> Result<Approved, ServiceError> {
    let terms: DuplicateOf = parse(terms)?;
    let of = TipReference::parse(&terms.of).ok_or_else(|| super::not_found("cases-earlier-tip-not-found"))?;
    let earlier = earlier_of_duplicate(conn, ctx.official, &ctx.tip_id, &ctx.before, &of).await?;
    after.closed_at = Some(ctx.now);
    after.duplicate_of = Some(earlier.id.clone());
    Ok(((EventKind::Duplicate, true, None), format!("of={}", earlier.reference)))
}

async fn approve_conclusion(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    after: &mut Workflow,
    terms: &[u8],
) -> Result<Approved, ServiceError> {
    let conclusion: Conclusion = parse(terms)?;
    after.concluded_at = Some(ctx.now);
    after.concluded_by = Some(ctx.official.user_id.clone());
    after.outcome = Some(conclusion.outcome);
    after.fine_yuan = Some(conclusion.fine_yuan);
    after.accident_grade = conclusion.accident_grade;
    after.concealed_deaths = conclusion.concealed_deaths;
    set_previously_known(conn, &ctx.tip_id, conclusion.previously_known).await?;
    let detail = ctx.seal(conclusion.feedback.as_bytes())?;
    Ok(((EventKind::Concluded, true, Some(detail)), format!("outcome={}", conclusion.outcome.as_str())))
}

/// A head who did not conclude the tip answers the objection, upholding or revising.
async fn review(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    account: &str,
    revised: Option<Conclusion>,
) -> Result<Change, ServiceError> {
    let mut after = ctx.before.clone();
    after.status = ctx.check(Step::ConcludeReview)?;
    if ctx.before.concluded_by.as_deref() == Some(ctx.official.user_id.as_str()) {
        return Err(super::forbidden("cases-objection-reviewed-head-other-than"));
    }
    let account = text_required(account, "cases-review-s-account-reporter", 5_000)?;
    let mut audit = "upheld".to_owned();
    if let Some(mut revised) = revised {
        if revised.feedback.trim().is_empty() {
            revised.feedback.clone_from(&account);
        }
        let revised = checked_conclusion(revised, ctx.kind())?;
        after.outcome = Some(revised.outcome);
        after.fine_yuan = Some(revised.fine_yuan);
        after.accident_grade = revised.accident_grade;
        after.concealed_deaths = revised.concealed_deaths;
        set_previously_known(conn, &ctx.tip_id, revised.previously_known).await?;
        audit = format!("revised outcome={}", revised.outcome.as_str());
    }
    Ok(Change {
        step: Some(Step::ConcludeReview),
        after,
        event: Some((EventKind::Reviewed, true, Some(ctx.seal(account.as_bytes())?))),
        audit,
        tell: vec![],
    })
}

/// The reporter objects to the conclusion, within the objection window after it: a head
/// other than the one who concluded reviews it within the review window.
pub async fn object(
    store: &Store,
    public_url: &PublicUrl,
    view: &tips::ReporterView,
    reason: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let reason = crate::domain::validation::clean_paragraphs(reason);
    let reason = text_required(&reason, "cases-reason-objection", 5_000)?;
    let mut tx = store.begin().await?;
    let conn: &mut Conn = &mut tx;
    let before = workflow::workflow(conn, &view.tip.id).await?.ok_or_else(super::no_tip)?;
    let status = before.status;
    let after_status = lifecycle::after(status, Step::Object, Facts { extended: false, pending: None })
        .map_err(|_| super::conflict("cases-only-concluded-report-can-objected"))?;
    if before.objected_at.is_some() {
        return Err(super::conflict("cases-objection-can-made-once-its"));
    }
    let objection_days: i64 = reference::deadline_days(conn)
        .await?
        .into_iter()
        .find(|(s, _)| *s == DeadlineStep::Objection)
        .map_or(0, |(_, d)| d);
    let concluded_at = before.concluded_at.ok_or_else(|| super::conflict("cases-report-has-not-been-concluded"))?;
    if now > concluded_at + objection_days * crate::domain::china_time::DAY {
        return Err(super::conflict(Msg::new("cases-objection-window-passed").with("days", objection_days)));
    }
    let (days, _) = deadline_days(conn).await?;
    let mut after = before.clone();
    after.status = after_status;
    after.objected_at = Some(now);
    after.due_at = due_at(&after, days);
    after.reminded_at = None;
    after.escalated_at = None;
    workflow::save(conn, &view.tip.id, &before, &after).await?;
    let detail = view.key.public().seal(reason.as_bytes())?;
    workflow::add_event(
        conn,
        &NewEvent {
            id: Id::random().as_str(),
            tip_id: &view.tip.id,
            kind: EventKind::Objected,
            actor_id: None,
            public: true,
            detail: Some(&detail),
            at: now,
        },
    )
    .await?;
    audit::append(
        conn,
        &Entry { actor_id: None, action: "tip.object", tip_id: Some(&view.tip.id), detail: "", at: now },
    )
    .await?;
    let heads = users::emails_of(conn, &[Role::Head], Some(&before.department_code)).await?;
    notify::tell(conn, public_url, &heads, Why::Objection, Some(&view.tip.reference), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The earlier tip a duplicate links to: one this official could open, accepted first.
async fn earlier_of_duplicate(
    conn: &mut Conn,
    official: &SignedIn,
    tip_id: &str,
    before: &Workflow,
    of: &TipReference,
) -> Result<crate::store::tips::TipRow, ServiceError> {
    // Only a tip this official could open: an unknown reference and another
    // department's get the same answer.
    let not_ours = || super::invalid("cases-duplicate-links-earlier-tip-same");
    let earlier = crate::store::tips::by_reference(conn, of.as_str()).await?.ok_or_else(not_ours)?;
    if crate::store::tips::grant_path_for_user(conn, &earlier.id, &official.user_id).await?.is_none() {
        return Err(not_ours());
    }
    let earlier_accepted = workflow::workflow(conn, &earlier.id).await?.and_then(|w| w.accepted_at);
    let first = match (earlier_accepted, before.accepted_at) {
        (Some(e), Some(this)) => e <= this,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if earlier.id == tip_id || !first {
        return Err(super::invalid("cases-duplicate-links-tip-same-matter"));
    }
    Ok(earlier)
}

async fn set_previously_known(conn: &mut Conn, tip_id: &str, known: bool) -> Result<(), ServiceError> {
    Ok(workflow::set_previously_known(conn, tip_id, known).await?)
}

async fn propose(
    conn: &mut Conn,
    tip_id: &str,
    step: Step,
    terms: &[u8],
    official: &SignedIn,
    now: i64,
) -> Result<(), ServiceError> {
    workflow::add_proposal(
        conn,
        Id::random().as_str(),
        tip_id,
        step,
        &Envelope::from_bytes(terms.to_vec()),
        &official.user_id,
        now,
    )
    .await?;
    Ok(())
}

/// A conclusion that makes sense for the kind of tip.
fn checked_conclusion(mut c: Conclusion, kind: Kind) -> Result<Conclusion, ServiceError> {
    c.feedback = text_required(&c.feedback, "cases-feedback-reporter", 5_000)?;
    if c.fine_yuan < 0 {
        return Err(super::invalid("cases-fine-cannot-negative"));
    }
    if kind == Kind::ConcealedAccident && c.outcome != Outcome::Unsubstantiated {
        if c.accident_grade.is_none() || c.concealed_deaths.is_none_or(|d| d < 0) {
            return Err(super::invalid("cases-concealed-accident-needs-its-grade"));
        }
    } else if kind != Kind::ConcealedAccident {
        c.accident_grade = None;
        c.concealed_deaths = None;
    }
    Ok(c)
}

/// A decrypted event of the timeline.
pub struct Event {
    pub kind: EventKind,
    pub actor_id: Option<String>,
    pub public: bool,
    pub detail: Option<String>,
    pub at: i64,
}

pub async fn events(
    store: &Store,
    tip_id: &str,
    key: &Key<Tip>,
    public_only: bool,
) -> Result<Vec<Event>, ServiceError> {
    let rows = workflow::events(&mut *store.conn().await?, tip_id).await?;
    rows.into_iter()
        .filter(|e| !public_only || e.public == 1)
        .map(|e| {
            let detail = match e.detail {
                Some(sealed) => {
                    Some(String::from_utf8_lossy(key.open(&Envelope::from_bytes(sealed))?.as_bytes()).into_owned())
                }
                None => None,
            };
            Ok(Event { kind: e.kind, actor_id: e.actor_id, public: e.public == 1, detail, at: e.at })
        })
        .collect()
}

/// Notes of a case, decrypted.
pub async fn notes(store: &Store, tip_id: &str, key: &Key<Tip>) -> Result<Vec<(String, String, i64)>, ServiceError> {
    let rows = workflow::notes(&mut *store.conn().await?, tip_id).await?;
    rows.into_iter()
        .map(|(user, body, at)| {
            Ok((user, String::from_utf8_lossy(key.open(&Envelope::from_bytes(body))?.as_bytes()).into_owned(), at))
        })
        .collect()
}

/// The proposal that waits for a head, decrypted.
pub struct Proposal {
    pub step: Step,
    pub proposed_by: String,
    pub proposed_at: i64,
    /// The terms as the proposer gave them (JSON).
    pub terms: serde_json::Value,
}

/// A case as the official reads it, on the case page and in the staff API alike: the tip, its
/// workflow and report, the conversation, notes, timeline, evidence, the waiting proposal, and
/// whether the reporter gave an identity (sealed apart; only its presence is known here).
pub struct Dossier {
    pub case: Case,
    pub messages: Vec<Message>,
    /// `(author, text, at)`.
    pub notes: Vec<(String, String, i64)>,
    pub events: Vec<Event>,
    pub files: Vec<AttachmentInfo>,
    pub proposal: Option<Proposal>,
    pub identity_given: bool,
    /// Other tips on the same company, code, address or accident (`related`).
    pub related: super::related::Related,
}

/// Opens a case for an official, records the read in the audit chain, and reads what both of
/// its renderings show, each row once.
pub async fn dossier(
    store: &Store,
    official: &SignedIn,
    reference: &TipReference,
    places: &crate::domain::matching::Places,
    now: i64,
) -> Result<Dossier, ServiceError> {
    let case = open(store, official, reference).await?;
    let (tip_id, key) = (&case.opened.tip.id, &case.opened.key);
    audit_read(store, official, tip_id, "tip.read", now).await?;
    let messages = conversation::messages(store, tip_id, key).await?;
    let notes = notes(store, tip_id, key).await?;
    let events = events(store, tip_id, key, false).await?;
    let files = conversation::attachments(store, tip_id, key).await?;
    let mut conn = store.conn().await?;
    let proposal = match workflow::open_proposal(&mut conn, tip_id).await? {
        Some(p) => Some(Proposal {
            terms: parse(key.open(&Envelope::from_bytes(p.terms))?.as_bytes())?,
            step: p.step,
            proposed_by: p.proposed_by,
            proposed_at: p.proposed_at,
        }),
        None => None,
    };
    let identity_given = crate::store::tips::sealed(&mut conn, Sealed::Identity, tip_id).await?.is_some();
    drop(conn);
    let related = super::related::for_case(store, official, &case, places, now).await?;
    Ok(Dossier { case, messages, notes, events, files, proposal, identity_given, related })
}

/// The department a tip now sits with, for the official who last transferred it (and who
/// may no longer open it); anyone else gets `NoSuchTip`, as for a tip they cannot see.
pub async fn transferred_by(
    store: &Store,
    official: &SignedIn,
    reference: &TipReference,
) -> Result<String, ServiceError> {
    let mut conn = store.conn().await?;
    let tip = crate::store::tips::by_reference(&mut conn, reference.as_str()).await?.ok_or(ServiceError::NoSuchTip)?;
    let events = workflow::events(&mut conn, &tip.id).await?;
    let last = events.iter().rev().find(|e| e.kind == EventKind::Transferred).ok_or(ServiceError::NoSuchTip)?;
    if last.actor_id.as_deref() != Some(official.user_id.as_str()) {
        return Err(ServiceError::NoSuchTip);
    }
    let w = workflow::workflow(&mut conn, &tip.id).await?.ok_or(ServiceError::NoSuchTip)?;
    Ok(w.department_code)
}

/// The departments a tip may be transferred to: those with a key to seal it to, other
/// than `from`.
pub async fn transfer_targets(store: &Store, from: &str) -> Result<Vec<String>, ServiceError> {
    let keyed = crate::store::keys::groups_with_keys(&mut *store.conn().await?).await?;
    Ok(keyed
        .iter()
        .filter_map(|g| match KeyGroup::parse(g) {
            Some(KeyGroup::Department(code)) if code.as_str() != from => Some(code.to_string()),
            _ => None,
        })
        .collect())
}

/// Records that an official read a case (content), for the audit chain.
pub async fn audit_read(
    store: &Store,
    official: &SignedIn,
    tip_id: &str,
    what: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    audit::append(
        &mut tx,
        &Entry { actor_id: Some(&official.user_id), action: what, tip_id: Some(tip_id), detail: "", at: now },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
