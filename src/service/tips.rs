//! Tips and their keys: filing (routing, sealing, the receipt), opening by an official, a
//! reporter or an offline recovery identity, transfer between departments, and the identity
//! and payout envelopes.

use jubao_templates::i18n::Msg;
use zeroize::Zeroizing;

use super::ServiceError;
use super::groups;
use super::notify::Why;
use super::officials::SignedIn;
use super::work::{self, Work};
use crate::configuration::PublicUrl;
use crate::crypto::receipt::QueryCode;
use crate::crypto::{
    self, Custodian, Department, Envelope, Finance, KdfParams, Key, PublicKey, Recovery, Reporter, Tip, User, Verifier,
    Wrapped,
};
use crate::domain::report::{Identity, PayoutDetails, Report};
use crate::domain::routing::{self, LocalUnit, Route};
use crate::domain::{Channel, Code, Id, KeyGroup, Kind, TipReference};
use crate::store::intake::Filing;
use crate::store::tips::{self, GrantPath, Sealed, TipRow};
use crate::store::{Store, StoreError, keys, reference};

pub struct NewTip {
    pub kind: Kind,
    pub category: Code,
    pub district: Code,
    pub channel: Channel,
    pub report: Report,
    pub identity: Option<Identity>,
    /// The QR poster the reporter came from, if any.
    pub poster_id: Option<String>,
}

impl NewTip {
    /// A checked tip as it came in on `channel`, from the poster `poster_id` if any.
    pub fn from_valid(valid: crate::domain::validation::ValidTip, channel: Channel, poster_id: Option<String>) -> Self {
        NewTip {
            kind: valid.kind,
            category: valid.category,
            district: valid.district,
            channel,
            report: valid.report,
            identity: valid.identity,
            poster_id,
        }
    }
}

/// What the reporter takes away. The query code exists nowhere else.
/// How many references to draw for a tip when one is taken (50 random bits: rare).
const REFERENCE_ATTEMPTS: usize = 8;

pub struct Receipt {
    pub reference: TipReference,
    pub query_code: QueryCode,
    /// The department the tip was routed to.
    pub department: String,
    pub tip_id: String,
    pub received_at: i64,
    /// The reporter's key, to start their session without deriving it again.
    pub reporter: Key<Reporter>,
}

fn json<T: serde::Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, ServiceError> {
    serde_json::to_vec(value).map(Zeroizing::new).map_err(super::unprocessable)
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(bytes).map_err(|_| ServiceError::Crypto(crypto::CryptoError::Malformed("sealed content")))
}

/// Routes, seals and stores a new tip; returns its receipt.
pub async fn file(store: &Store, new: NewTip, now: i64) -> Result<Receipt, ServiceError> {
    file_within(store, new, now, None, None).await
}

/// As `file`, refusing with `Busy` once all instances together have taken `per_hour` tips in
/// this clock hour (checked before the work, counted with the tip), and, given the portal's
/// address, telling the department's officers and heads by mail in the tip's own transaction.
pub async fn file_within(
    store: &Store,
    new: NewTip,
    now: i64,
    per_hour: Option<u32>,
    tell: Option<&PublicUrl>,
) -> Result<Receipt, ServiceError> {
    let plan = plan(store, &new, now, per_hour, tell).await?;
    let salt = crypto::new_salt();
    let params = KdfParams::RECEIPT;
    let (query_code, derived) = work::run(Work::Intake, move || {
        let code = QueryCode::generate();
        let derived = code.derive(&salt, params);
        (code, derived)
    })
    .await?;
    let reporter = derived?;
    let tip_key = Key::<Tip>::generate();
    let identity = match (&new.identity, &plan.custodians) {
        (Some(identity), Some((custodian_key_id, custodian_public))) => Some((
            custodian_key_id.clone(),
            crypto::seal_identity(custodian_public, &reporter.key.public(), &json(identity)?)?,
        )),
        _ => None,
    };
    let id = Id::random();
    let filing = Filing {
        id: id.to_string(),
        reference: String::new(),
        kind: new.kind,
        category: new.category.as_str().to_owned(),
        district: new.district.as_str().to_owned(),
        channel: new.channel,
        department: plan.department.to_string(),
        received_at: now,
        public_key: tip_key.public().to_string(),
        receipt_kdf: params.to_string(),
        receipt_salt: salt.to_vec(),
        receipt_verifier: reporter.verifier.as_bytes().to_vec(),
        reporter_wrap: tip_key.wrap_for(&reporter.key.public())?,
        body: tip_key.public().seal(&json(&new.report)?)?,
        poster_id: new.poster_id.clone(),
        due_at: now + plan.acknowledge_days * crate::domain::china_time::DAY,
        department_key_id: plan.department_key_id.clone(),
        department_wrap: tip_key.wrap_for(&plan.department_public)?,
        identity,
        per_hour,
        mails: Vec::new(),
    };
    let reference = store_filing(store, filing, tell, &plan.staff, now).await?;
    Ok(Receipt {
        reference,
        query_code,
        department: plan.department.to_string(),
        tip_id: id.to_string(),
        received_at: now,
        reporter: reporter.key,
    })
}

/// Where a new tip goes and the keys it is sealed to, read before any work is done.
struct Plan {
    department: Code,
    department_key_id: String,
    department_public: PublicKey<Department>,
    /// The custodians' newest key, when the reporter gave an identity.
    custodians: Option<(String, PublicKey<Custodian>)>,
    /// Who is told by mail.
    staff: Vec<String>,
    acknowledge_days: i64,
}

/// `Busy` until the next clock hour.
fn busy(now: i64) -> ServiceError {
    ServiceError::Busy { retry_after_secs: u64::try_from(3600 - now.rem_euclid(3600)).unwrap_or(3600) }
}

/// Checks the hourly cap and the choices, and routes the tip to its department.
async fn plan(
    store: &Store,
    new: &NewTip,
    now: i64,
    per_hour: Option<u32>,
    tell: Option<&PublicUrl>,
) -> Result<Plan, ServiceError> {
    let hour = now.div_euclid(3600);
    let mut conn = store.conn().await?;
    if let Some(cap) = per_hour
        && crate::store::intake::filed(&mut conn, hour).await? >= i64::from(cap)
    {
        return Err(busy(now));
    }
    let facts = reference::intake_facts(&mut conn, new.category.as_str(), new.district.as_str()).await?;
    let responsible = facts.department_code.ok_or_else(|| {
        super::invalid(Msg::new("tips-unknown-category").with("new_category", (new.category).to_string()))
    })?;
    if facts.district_in_force == 0 {
        return Err(super::invalid(Msg::new("tips-unknown-district").with("new_district", (new.district).to_string())));
    }
    let units: Vec<LocalUnit> = reference::local_units(&mut conn)
        .await?
        .into_iter()
        .filter_map(|(code, parent, district)| {
            Some(LocalUnit {
                code: Code::parse(&code).ok()?,
                parent: Code::parse(&parent).ok()?,
                district: Code::parse(&district).ok()?,
            })
        })
        .collect();
    let keyed = keys::groups_with_keys(&mut conn).await?;
    let acknowledge_days = facts.acknowledge_days.unwrap_or(0);
    let safety_office = Code::parse(crate::domain::key_group::SAFETY_OFFICE).map_err(super::unprocessable)?;
    let responsible = Code::parse(&responsible).map_err(super::unprocessable)?;
    let route = routing::route(&responsible, &new.district, &units, &safety_office, |code| {
        keyed.contains(&KeyGroup::Department(code.clone()).name())
    });
    let department = match route {
        Route::Department(code) => code,
        Route::SafetyOffice { .. } => safety_office,
        Route::Nobody => return Err(ServiceError::NotSetUp),
    };
    let (department_key_id, department_public) =
        groups::newest_public::<Department>(&mut conn, &KeyGroup::Department(department.clone()))
            .await?
            .ok_or(ServiceError::NotSetUp)?;
    let custodians = match &new.identity {
        Some(_) => Some(
            groups::newest_public::<Custodian>(&mut conn, &KeyGroup::Custodians)
                .await?
                .ok_or_else(|| super::invalid("tips-identity-cannot-kept-yet-no"))?,
        ),
        None => None,
    };
    let staff = match tell {
        Some(_) => super::notify::department_staff(&mut conn, department.as_str()).await?,
        None => Vec::new(),
    };
    Ok(Plan { department, department_key_id, department_public, custodians, staff, acknowledge_days })
}

/// Stores the filing under a fresh reference, drawing again when one is taken.
async fn store_filing(
    store: &Store,
    filing: Filing,
    tell: Option<&PublicUrl>,
    staff: &[String],
    now: i64,
) -> Result<TipReference, ServiceError> {
    let mut filed = None;
    for _ in 0..REFERENCE_ATTEMPTS {
        let reference = TipReference::generate();
        let mails = match tell {
            Some(url) => super::notify::mails(url, staff, Why::NewTip, Some(reference.as_str())),
            None => Vec::new(),
        };
        match store.file_grouped(Filing { reference: reference.as_str().to_owned(), mails, ..filing.clone() }).await {
            Ok(()) => {
                filed = Some(reference);
                break;
            }
            Err(StoreError::ReferenceTaken) => continue,
            Err(StoreError::HourFull) => return Err(busy(now)),
            Err(e) => return Err(e.into()),
        }
    }
    filed.ok_or_else(|| ServiceError::from(StoreError::Conflict("no free reference".to_owned())))
}

/// A tip opened with its key.
pub struct OpenedTip {
    pub tip: TipRow,
    pub report: Report,
    pub key: Key<Tip>,
}

async fn tip_by_reference(store: &Store, reference: &TipReference) -> Result<TipRow, ServiceError> {
    let mut conn = store.conn().await?;
    tips::by_reference(&mut conn, reference.as_str()).await?.ok_or_else(super::no_tip)
}

fn open_path<H: crypto::Holds<Department>>(
    path: GrantPath,
    holder: &Key<H>,
    tip: TipRow,
) -> Result<OpenedTip, ServiceError> {
    let department = Wrapped::<Department>::from_bytes(path.group_wrap).open(holder)?;
    let key = Wrapped::<Tip>::from_bytes(path.tip_wrap).open(&department)?;
    let report = parse_json(key.open(&Envelope::from_bytes(tip.body.clone()))?.as_bytes())?;
    Ok(OpenedTip { tip, report, key })
}

/// Opens a tip for an official whose keys hold a grant of it. A tip that does not exist and
/// one the official cannot open get the same answer, `NoSuchTip`, so that a reference is
/// never confirmed to an official of another department; a shredded tip is said to be so
/// only to its own department.
pub async fn open_for_official(
    store: &Store,
    official: &SignedIn,
    reference: &TipReference,
) -> Result<OpenedTip, ServiceError> {
    let mut conn = store.conn().await?;
    let tip = tips::by_reference(&mut conn, reference.as_str()).await?.ok_or(ServiceError::NoSuchTip)?;
    if let Some(at) = tip.shredded_at {
        let own = official.department.as_deref() == Some(tip.department_code.as_str());
        return Err(if own { ServiceError::Shredded { at } } else { ServiceError::NoSuchTip });
    }
    let path =
        tips::grant_path_for_user(&mut conn, &tip.id, &official.user_id).await?.ok_or(ServiceError::NoSuchTip)?;
    open_path(path, &official.key, tip)
}

/// Offline: opens a tip with a department's recovery identity.
pub async fn open_for_recovery(
    store: &Store,
    recovery: &Key<Recovery>,
    reference: &TipReference,
) -> Result<OpenedTip, ServiceError> {
    let tip = tip_by_reference(store, reference).await?;
    if let Some(at) = tip.shredded_at {
        return Err(ServiceError::Shredded { at });
    }
    let mut conn = store.conn().await?;
    let path = tips::grant_path_for_recipient(&mut conn, &tip.id, &recovery.public().to_string())
        .await?
        .ok_or_else(|| super::forbidden("tips-identity-holds-no-key-tip"))?;
    open_path(path, recovery, tip)
}

/// The reporter's view: their key and the tip's, after checking the query code.
pub struct ReporterView {
    pub tip: TipRow,
    pub report: Report,
    pub key: Key<Tip>,
    pub reporter: Key<Reporter>,
}

/// Checks a receipt. An unknown reference costs the same time as a wrong code.
pub async fn open_for_reporter(
    store: &Store,
    reference: &TipReference,
    code: QueryCode,
) -> Result<ReporterView, ServiceError> {
    let mut conn = store.conn().await?;
    let tip = tips::by_reference(&mut conn, reference.as_str()).await?;
    drop(conn);
    let (params, salt, expected) = match &tip {
        Some(t) => (
            t.receipt_kdf.parse()?,
            t.receipt_salt.as_slice().try_into().map_err(|_| crypto::CryptoError::Malformed("salt"))?,
            Verifier::from_bytes(&t.receipt_verifier),
        ),
        None => (KdfParams::RECEIPT, [0u8; 16], None),
    };
    let derived = work::run(Work::Receipt, move || code.derive(&salt, params)).await??;
    let (Some(tip), Some(expected)) = (tip, expected) else {
        return Err(ServiceError::BadCredentials);
    };
    if !derived.verifier.matches(&expected) {
        return Err(ServiceError::BadCredentials);
    }
    if let Some(at) = tip.shredded_at {
        return Err(ServiceError::Shredded { at });
    }
    let key = Wrapped::<Tip>::from_bytes(tip.reporter_key_wrap.clone()).open(&derived.key)?;
    let report = parse_json(key.open(&Envelope::from_bytes(tip.body.clone()))?.as_bytes())?;
    Ok(ReporterView { tip, report, key, reporter: derived.key })
}

/// The reporter's view again, from the key their session holds.
pub async fn open_with_reporter_key(
    store: &Store,
    tip_id: &str,
    reporter: Key<Reporter>,
) -> Result<ReporterView, ServiceError> {
    let mut conn = store.conn().await?;
    let tip = tips::by_id(&mut conn, tip_id).await?.ok_or_else(super::no_tip)?;
    if let Some(at) = tip.shredded_at {
        return Err(ServiceError::Shredded { at });
    }
    let key = Wrapped::<Tip>::from_bytes(tip.reporter_key_wrap.clone()).open(&reporter)?;
    let report = parse_json(key.open(&Envelope::from_bytes(tip.body.clone()))?.as_bytes())?;
    Ok(ReporterView { tip, report, key, reporter })
}

/// Transfers a tip: grants it to the new department's newest key and revokes every grant to
/// the old department, in one transaction. The identity envelope is sealed to the custodians
/// and never travels.
pub async fn transfer(
    store: &Store,
    official: &SignedIn,
    reference: &TipReference,
    to: &Code,
    now: i64,
) -> Result<(), ServiceError> {
    let opened = open_for_official(store, official, reference).await?;
    if opened.tip.department_code == to.as_str() {
        return Err(super::already_there());
    }
    let mut tx = store.begin().await?;
    let Some((key_id, public)) =
        groups::newest_public::<Department>(&mut tx, &KeyGroup::Department(to.clone())).await?
    else {
        return Err(super::cannot_receive(&mut tx, to).await);
    };
    let wrap = opened.key.wrap_for(&public)?;
    let from = Code::parse(&opened.tip.department_code).map_err(super::unprocessable)?;
    tips::revoke_group(&mut tx, &opened.tip.id, &KeyGroup::Department(from).name()).await?;
    tips::insert_grant(&mut tx, &opened.tip.id, &key_id, &wrap, now).await?;
    tips::set_department(&mut tx, &opened.tip.id, to.as_str()).await?;
    tx.commit().await?;
    Ok(())
}

/// Seals the reporter's payout details for finance and the reporter.
pub async fn store_payout(
    store: &Store,
    tip_id: &str,
    reporter: &PublicKey<Reporter>,
    details: &PayoutDetails,
    now: i64,
) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    let (finance_key_id, finance) =
        groups::newest_public::<Finance>(&mut tx, &KeyGroup::Finance).await?.ok_or_else(super::no_finance)?;
    let envelope = crypto::seal_payout(&finance, reporter, &json(details)?)?;
    tips::insert_sealed(&mut tx, Sealed::Payout, tip_id, &finance_key_id, &envelope, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn sealed_row(store: &Store, which: Sealed, tip_id: &str) -> Result<tips::SealedRow, ServiceError> {
    let mut conn = store.conn().await?;
    tips::sealed(&mut conn, which, tip_id).await?.ok_or_else(|| super::not_found("tips-sealed-record-not-found"))
}

/// A custodian reads the identity of a tip's reporter (a disclosure decision needs it).
pub async fn identity_for_custodian(
    store: &Store,
    custodian: &SignedIn,
    tip_id: &str,
) -> Result<Identity, ServiceError> {
    let row = sealed_row(store, Sealed::Identity, tip_id).await?;
    let mut conn = store.conn().await?;
    let key =
        groups::open_version::<Custodian>(&mut conn, &row.group_key_id, &custodian.user_id, &custodian.key).await?;
    parse_json(key.open(&Envelope::from_bytes(row.envelope))?.as_bytes())
}

/// Finance reads where to pay a reward.
pub async fn payout_for_finance(
    store: &Store,
    finance: &SignedIn,
    tip_id: &str,
) -> Result<PayoutDetails, ServiceError> {
    let row = sealed_row(store, Sealed::Payout, tip_id).await?;
    let mut conn = store.conn().await?;
    let key = groups::open_version::<Finance>(&mut conn, &row.group_key_id, &finance.user_id, &finance.key).await?;
    parse_json(key.open(&Envelope::from_bytes(row.envelope))?.as_bytes())
}

/// The reporter reads back the identity they gave.
pub async fn identity_for_reporter(store: &Store, view: &ReporterView) -> Result<Identity, ServiceError> {
    let row = sealed_row(store, Sealed::Identity, &view.tip.id).await?;
    parse_json(view.reporter.open(&Envelope::from_bytes(row.envelope))?.as_bytes())
}

/// Opens the identity envelope with an official's own key: succeeds only for an official it
/// was disclosed to (re-sealed for them); a case officer's keys cannot open it.
pub fn open_identity_with(official_key: &Key<User>, envelope: &Envelope) -> Result<Identity, ServiceError> {
    parse_json(official_key.open(envelope)?.as_bytes())
}
