//! Identity disclosure (PRODUCT.md §4): a head asks, with a reason; a custodian decides; on
//! approval the custodian's key opens the identity envelope and seals it again for the
//! requester alone. The reporter sees that it happened, to whom, when and why. Without a
//! custodian's approval nothing the requester holds opens the identity.

use serde::{Deserialize, Serialize};

use super::cases;
use super::notify::{self, Why};
use super::officials::SignedIn;
use super::tips;
use super::{ServiceError, groups};
use crate::configuration::PublicUrl;
use crate::crypto::{self, Custodian, Envelope, Key, PublicKey, Tip, User};
use crate::domain::Capability;
use crate::domain::report::Identity;
use crate::domain::{EventKind, Id, Role, TipReference};
use crate::store::audit::{self, Entry};
use crate::store::tips::Sealed;
use crate::store::workflow::{self, NewEvent};
use crate::store::{Conn, Store, users};

/// What the reporter is told, sealed to the tip key.
#[derive(Serialize, Deserialize)]
pub struct DisclosedTo {
    pub username: String,
    pub department: Option<String>,
    pub reason: String,
}

pub async fn request(
    store: &Store,
    public_url: &PublicUrl,
    head: &SignedIn,
    reference: &TipReference,
    reason: &str,
    now: i64,
) -> Result<String, ServiceError> {
    if !head.can(Capability::Approve) {
        return Err(super::forbidden("disclosure-only-head-asks-reporter-s"));
    }
    let case = cases::open(store, head, reference).await?;
    if !head.works_in(&case.workflow.department_code) {
        return Err(super::forbidden("disclosure-only-head-tip-s-department"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2_000 {
        return Err(super::invalid("disclosure-reason-1-2000-characters-required"));
    }
    let tip = &case.opened.tip;
    let mut tx = store.begin().await?;
    let identity = crate::store::tips::sealed(&mut tx, Sealed::Identity, &tip.id)
        .await?
        .ok_or_else(|| super::invalid("disclosure-reporter-gave-no-identity"))?;
    let custodians = crate::store::keys::by_id(&mut tx, &identity.group_key_id)
        .await?
        .ok_or_else(|| super::not_found("disclosure-custodian-key-not-found"))?;
    let sealed_reason = crypto::seal_disclosure_reason(
        &PublicKey::<Tip>::parse(&tip.public_key)?,
        &PublicKey::<Custodian>::parse(&custodians.public_key)?,
        reason.as_bytes(),
    )?;
    let id = Id::random().to_string();
    workflow::add_disclosure(&mut tx, &id, &tip.id, &head.user_id, &sealed_reason, now).await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: Some(&head.user_id),
            action: "disclosure.request",
            tip_id: Some(&tip.id),
            detail: &format!("request={id}"),
            at: now,
        },
    )
    .await?;
    let to = users::emails_of(&mut tx, &[Role::Custodian], None).await?;
    notify::tell(&mut tx, public_url, &to, Why::DisclosureRequested, None, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The custodians' key the identity of a tip is sealed to, opened for a custodian.
async fn custodian_key(
    store: &Store,
    custodian: &SignedIn,
    tip_id: &str,
) -> Result<(Key<Custodian>, Vec<u8>), ServiceError> {
    let mut conn = store.conn().await?;
    let row = crate::store::tips::sealed(&mut conn, Sealed::Identity, tip_id)
        .await?
        .ok_or_else(|| super::not_found("disclosure-reporter-gave-no-identity"))?;
    let key =
        groups::open_version::<Custodian>(&mut conn, &row.group_key_id, &custodian.user_id, &custodian.key).await?;
    Ok((key, row.envelope))
}

/// A request as a custodian sees it: who asks, when and why — no tip content.
pub struct Request {
    pub id: String,
    pub reference: String,
    pub requested_by: String,
    pub department: Option<String>,
    pub reason: String,
    pub requested_at: i64,
}

pub async fn open_requests(store: &Store, custodian: &SignedIn) -> Result<Vec<Request>, ServiceError> {
    if !custodian.can(Capability::DecideDisclosures) {
        return Err(super::forbidden("disclosure-only-custodian-decides-disclosures"));
    }
    let rows = workflow::open_disclosures(&mut *store.conn().await?).await?;
    let mut requests = Vec::new();
    for r in rows {
        let (key, _) = custodian_key(store, custodian, &r.tip_id).await?;
        let reason = String::from_utf8_lossy(key.open(&Envelope::from_bytes(r.reason))?.as_bytes()).into_owned();
        let mut conn = store.conn().await?;
        let requester = users::by_id(&mut conn, &r.requested_by).await?;
        let tip = crate::store::tips::by_id(&mut conn, &r.tip_id).await?.ok_or_else(super::no_tip)?;
        requests.push(Request {
            id: r.id,
            reference: tip.meta.reference,
            requested_by: requester.as_ref().map_or_else(|| r.requested_by.clone(), |u| u.username.clone()),
            department: requester.and_then(|u| u.department_code),
            reason,
            requested_at: r.requested_at,
        });
    }
    Ok(requests)
}

pub async fn decide(
    store: &Store,
    public_url: &PublicUrl,
    custodian: &SignedIn,
    request_id: &str,
    approve: bool,
    now: i64,
) -> Result<(), ServiceError> {
    if !custodian.can(Capability::DecideDisclosures) {
        return Err(super::forbidden("disclosure-only-custodian-decides-disclosures"));
    }
    let pending = load_pending(store, custodian, request_id).await?;
    let (key, identity) = custodian_key(store, custodian, &pending.tip.id).await?;
    let mut tx = store.begin().await?;
    if approve {
        approve_request(&mut tx, &key, identity, &pending, custodian, request_id, now).await?;
    } else {
        workflow::decide_disclosure(&mut tx, request_id, &custodian.user_id, None, now).await?;
    }
    audit_decision(&mut tx, custodian, &pending.tip.id, request_id, approve, now).await?;
    mail_requester(&mut tx, public_url, &pending, now).await?;
    tx.commit().await?;
    Ok(())
}

/// An undecided disclosure request with the official who asked and the tip it is about.
struct Pending {
    request: workflow::DisclosureRow,
    requester: users::UserRow,
    tip: crate::store::tips::TipRow,
}

/// Loads a request the custodian may decide: it exists, is undecided and is not their own.
async fn load_pending(store: &Store, custodian: &SignedIn, request_id: &str) -> Result<Pending, ServiceError> {
    let mut conn = store.conn().await?;
    let request = workflow::disclosure(&mut conn, request_id)
        .await?
        .ok_or_else(|| super::not_found("disclosure-disclosure-request-not-found"))?;
    if request.decided_at.is_some() {
        return Err(super::conflict("disclosure-request-decided-already"));
    }
    if request.requested_by == custodian.user_id {
        return Err(super::forbidden("disclosure-custodian-does-not-decide-their"));
    }
    let requester = users::by_id(&mut conn, &request.requested_by)
        .await?
        .ok_or_else(|| super::not_found("disclosure-requester-not-found"))?;
    let tip = crate::store::tips::by_id(&mut conn, &request.tip_id).await?.ok_or_else(super::no_tip)?;
    Ok(Pending { request, requester, tip })
}

/// Reseals the identity for the requester, records the decision, tells the reporter and audits the read.
async fn approve_request(
    tx: &mut Conn,
    key: &Key<Custodian>,
    identity: Vec<u8>,
    pending: &Pending,
    custodian: &SignedIn,
    request_id: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let Pending { request, requester, tip } = pending;
    let identity = key.open(&Envelope::from_bytes(identity))?;
    let reason = key.open(&Envelope::from_bytes(request.reason.clone()))?;
    let resealed = crypto::reseal_identity_for(&PublicKey::<User>::parse(&requester.public_key)?, &identity)?;
    workflow::decide_disclosure(&mut *tx, request_id, &custodian.user_id, Some(&resealed), now).await?;
    let told = DisclosedTo {
        username: requester.username.clone(),
        department: requester.department_code.clone(),
        reason: String::from_utf8_lossy(reason.as_bytes()).into_owned(),
    };
    let detail = serde_json::to_vec(&told).map_err(super::unprocessable)?;
    let sealed = PublicKey::<Tip>::parse(&tip.public_key)?.seal(&detail)?;
    workflow::add_event(
        &mut *tx,
        &NewEvent {
            id: Id::random().as_str(),
            tip_id: &tip.id,
            kind: EventKind::IdentityDisclosed,
            actor_id: Some(&custodian.user_id),
            public: true,
            detail: Some(&sealed),
            at: now,
        },
    )
    .await?;
    audit::append(
        &mut *tx,
        &Entry {
            actor_id: Some(&custodian.user_id),
            action: "identity.read",
            tip_id: Some(&tip.id),
            detail: &format!("request={request_id}"),
            at: now,
        },
    )
    .await?;
    Ok(())
}

/// Writes the audit entry for the custodian's approval or denial.
async fn audit_decision(
    tx: &mut Conn,
    custodian: &SignedIn,
    tip_id: &str,
    request_id: &str,
    approve: bool,
    now: i64,
) -> Result<(), ServiceError> {
    let action = if approve { "disclosure.approve" } else { "disclosure.deny" };
    audit::append(
        tx,
        &Entry {
            actor_id: Some(&custodian.user_id),
            action,
            tip_id: Some(tip_id),
            detail: &format!("request={request_id}"),
            at: now,
        },
    )
    .await?;
    Ok(())
}

/// Queues the mail telling the requester, if they have an address, that their request was decided.
async fn mail_requester(
    tx: &mut Conn,
    public_url: &PublicUrl,
    pending: &Pending,
    now: i64,
) -> Result<(), ServiceError> {
    if let Some(email) = &pending.requester.email {
        notify::tell(
            tx,
            public_url,
            std::slice::from_ref(email),
            Why::DisclosureDecided,
            Some(&pending.tip.reference),
            now,
        )
        .await?;
    }
    Ok(())
}

/// The identity disclosed to this official for this tip, if a custodian approved it.
pub async fn read(
    store: &Store,
    official: &SignedIn,
    reference: &TipReference,
    now: i64,
) -> Result<Identity, ServiceError> {
    let case = cases::open(store, official, reference).await?;
    let rows = workflow::disclosures_of_tip(&mut *store.conn().await?, &case.opened.tip.id).await?;
    let approved = rows
        .into_iter()
        .find(|r| r.requested_by == official.user_id && r.decision.as_deref() == Some("approved"))
        .and_then(|r| r.envelope)
        .ok_or_else(|| super::forbidden("disclosure-no-custodian-has-approved-disclosure"))?;
    let identity = tips::open_identity_with(&official.key, &Envelope::from_bytes(approved))?;
    cases::audit_read(store, official, &case.opened.tip.id, "identity.read", now).await?;
    Ok(identity)
}

/// The reference of the tip a request is about, for a custodian (to name it after deciding).
pub async fn reference_of_request(
    store: &Store,
    custodian: &SignedIn,
    request_id: &str,
) -> Result<String, ServiceError> {
    if !custodian.can(Capability::DecideDisclosures) {
        return Err(super::forbidden("disclosure-only-custodian-decides-disclosures-2"));
    }
    let mut conn = store.conn().await?;
    let request = workflow::disclosure(&mut conn, request_id)
        .await?
        .ok_or_else(|| super::not_found("disclosure-request-not-found"))?;
    let tip = crate::store::tips::by_id(&mut conn, &request.tip_id).await?.ok_or_else(super::no_tip)?;
    Ok(tip.meta.reference)
}

/// Where the disclosure of a tip's identity stands, as the case page shows it.
pub enum State {
    /// Nothing asked, or every request was turned down: the head may ask (again).
    Open { denied_before: bool },
    /// A request waits for a custodian.
    Pending { requested_by: String, at: i64 },
    /// A custodian approved a request of `to` (a username).
    Approved { to: String, at: i64, mine: bool },
}

pub async fn state(store: &Store, official: &SignedIn, tip_id: &str) -> Result<State, ServiceError> {
    let mut conn = store.conn().await?;
    let rows = workflow::disclosures_of_tip(&mut conn, tip_id).await?;
    let name = |id: &str, all: &[users::UserSummary]| {
        all.iter().find(|u| u.id == id).map_or_else(|| "—".to_owned(), |u| u.username.clone())
    };
    let everyone = users::list(&mut conn).await?;
    let mine = rows.iter().find(|r| r.requested_by == official.user_id && r.decision.as_deref() == Some("approved"));
    if let Some(r) = mine.or_else(|| rows.iter().rev().find(|r| r.decision.as_deref() == Some("approved"))) {
        return Ok(State::Approved {
            to: name(&r.requested_by, &everyone),
            at: r.decided_at.unwrap_or(r.requested_at),
            mine: r.requested_by == official.user_id,
        });
    }
    if let Some(r) = rows.iter().find(|r| r.decided_at.is_none()) {
        return Ok(State::Pending { requested_by: name(&r.requested_by, &everyone), at: r.requested_at });
    }
    Ok(State::Open { denied_before: !rows.is_empty() })
}
