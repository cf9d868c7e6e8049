//! Realistic tips in bulk, for measuring the queue and the statistics at scale
//! (`cargo run --release --example fill -- --tips 1000000`, and `queue` of the load harness,
//! `benches/load.rs`; both include this file). It uses only `jubao`'s public API.
//!
//! Tips are written through the same store code as real ones (`store::tips::insert`, the
//! department's grant, `store::workflow::save`), spread over three years with the metadata a
//! province would see: every field and district, the channels' mix, and older tips mostly
//! concluded or closed while recent ones are still being worked, some of them overdue. To be
//! quick, 64 sealed reports are made once and reused: each tip has its own row, reference
//! and workflow, but shares its tip key and query code with a sixty-fourth of the others.
//!
//! Each tip is also indexed for related tips (`store::indexes`), under the newest matching
//! key when an official holds one: seven in ten name a company, drawn from 200 000 companies
//! or, one time in five, from 2 000 repeat offenders (about 70 tips each at a million), and
//! half give a numbered address drawn the same way.

use std::collections::HashMap;

use jubao::crypto::blind::{BlindIndex, BlindIndexer, Field};
use jubao::crypto::{self, Department, Envelope, KdfParams, Key, Matching, Tip, Wrapped, receipt::QueryCode};
use jubao::domain::china_time::DAY;
use jubao::domain::deadline_rules::{self, Days, Times};
use jubao::domain::report::Report;
use jubao::domain::reward::Outcome;
use jubao::domain::{Channel, DeadlineStep, Id, KeyGroup, Kind, TipReference, TipStatus};
use jubao::service::{ServiceError, groups};
use jubao::store::tips::{self, NewTip};
use jubao::store::workflow::{self, Workflow};
use jubao::store::{Store, StoreError, reference};

/// Companies (and sites) named once in a while, and the repeat offenders among them.
const COMPANIES: u64 = 200_000;
const REPEATERS: u64 = 2_000;

/// The blind indexes of one filled tip: a company and an address, either of them left out.
fn indexes_of(indexer: &BlindIndexer, draw: &mut Draw) -> Vec<(Field, BlindIndex)> {
    let pick =
        |draw: &mut Draw| if draw.chance(20) { draw.below(REPEATERS) } else { REPEATERS + draw.below(COMPANIES) };
    let mut out = Vec::new();
    if draw.chance(70) {
        let company = pick(draw);
        out.push((Field::Company, indexer.index(Field::Company, &format!("企业{company}"))));
    }
    if draw.chance(50) {
        let site = pick(draw);
        out.push((Field::Address, indexer.index(Field::Address, &format!("500103|民族路{site}号"))));
    }
    out
}

/// Tips per transaction.
const BATCH: usize = 2_000;

/// One of the reports shared by many tips.
struct Sealed {
    public_key: String,
    salt: [u8; 16],
    verifier: Vec<u8>,
    reporter_wrap: Wrapped<Tip>,
    body: Envelope,
    key: Key<Tip>,
}

/// A deterministic stream of numbers (xorshift), so fills are comparable.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn seal(i: usize) -> Result<Sealed, ServiceError> {
    let places = ["渝中区解放碑", "江北区观音桥", "沙坪坝区大学城", "九龙坡区杨家坪", "南岸区南坪", "渝北区空港"];
    let report = Report {
        title: format!("企业违规作业存在重大隐患（{i} 号）"),
        description: format!(
            "{}附近一家企业长期违规作业：安全出口上锁，消防通道堆放杂物，工人未经培训上岗，\
             夜间赶工时没有专人监护。附近居民和工人都很担心，希望尽快核查。",
            places[i % places.len()]
        ),
        location: format!("{}{} 号", places[i % places.len()], i + 1),
        company: Some(format!("重庆某某实业有限公司（{i}）")),
        credit_code: None,
        occurred_on: None,
        supervisory_duty: false,
    };
    let salt = crypto::new_salt();
    let derived = QueryCode::generate().derive(&salt, KdfParams::RECEIPT)?;
    let key = Key::<Tip>::generate();
    let body = key.public().seal(&serde_json::to_vec(&report).map_err(jubao::service::unprocessable)?)?;
    Ok(Sealed {
        public_key: key.public().to_string(),
        salt,
        verifier: derived.verifier.as_bytes().to_vec(),
        reporter_wrap: key.wrap_for(&derived.key.public())?,
        body,
        key,
    })
}

/// A department's newest key version, and each shared tip key sealed to it.
type Grant = (String, Vec<Wrapped<Tip>>);

/// What a fill wrote.
#[derive(Debug, Default)]
pub struct Filled {
    pub tips: usize,
    pub seconds: f64,
}

/// Writes `count` tips received over the three years before `now`, oldest first, calling
/// `progress` after each batch with the number written so far.
pub async fn fill(
    store: &Store,
    count: usize,
    now: i64,
    mut progress: impl FnMut(usize),
) -> Result<Filled, ServiceError> {
    let started = std::time::Instant::now();
    let data = reference::load(store).await.map_err(ServiceError::from)?;
    let days: HashMap<DeadlineStep, i64> =
        reference::deadline_days(&mut *store.conn().await?).await?.into_iter().collect();
    let days = Days {
        acknowledge: days.get(&DeadlineStep::Acknowledge).copied().unwrap_or(7),
        conclude: days.get(&DeadlineStep::Conclude).copied().unwrap_or(60),
        review: days.get(&DeadlineStep::Review).copied().unwrap_or(30),
    };
    let sealed = tokio::task::spawn_blocking(|| (0..64).map(seal).collect::<Result<Vec<_>, _>>())
        .await
        .map_err(|e| ServiceError::Blocking(e.to_string()))??;
    // The departments' newest keys, for the grants of tips routed to them.
    let mut grants: HashMap<String, Option<Grant>> = HashMap::new();
    for category in &data.categories {
        if grants.contains_key(&category.department_code) {
            continue;
        }
        let group = KeyGroup::Department(
            jubao::domain::Code::parse(&category.department_code).map_err(jubao::service::unprocessable)?,
        );
        let grant = match groups::newest_public::<Department>(&mut *store.conn().await?, &group).await? {
            Some((key_id, public)) => {
                let wraps = sealed.iter().map(|s| s.key.wrap_for(&public)).collect::<Result<Vec<_>, _>>()?;
                Some((key_id, wraps))
            }
            None => None,
        };
        grants.insert(category.department_code.clone(), grant);
    }
    // The matching key's newest version, when an official holds it; the values are drawn,
    // not read from the shared reports.
    let matching = jubao::store::keys::newest(&mut *store.conn().await?, &KeyGroup::Matching.name()).await?;
    let matching_id = matching.map_or_else(|| "fill".to_owned(), |k| k.id);
    let indexer = Key::<Matching>::generate().indexer();
    let kdf = KdfParams::RECEIPT.to_string();
    let channels = [
        Channel::Web,
        Channel::Web,
        Channel::Web,
        Channel::Api,
        Channel::Api,
        Channel::Qr,
        Channel::Hotline,
        Channel::Hotline,
        Channel::Letter,
        Channel::Visit,
        Channel::Email,
    ];
    let span = 3 * 365 * DAY;
    let mut draw = Draw(0x2545_f491_4f6c_dd1d);
    let mut written = 0;
    while written < count {
        let mut tx = store.begin().await?;
        let end = (written + BATCH).min(count);
        for i in written..end {
            let s = &sealed[i % sealed.len()];
            let received_at = now - span + span * i64::try_from(i).unwrap_or(0) / i64::try_from(count).unwrap_or(1);
            let category = &data.categories[usize::try_from(draw.below(data.categories.len() as u64)).unwrap_or(0)];
            let kind = match category.code.as_str() {
                "concealed-accident" => Kind::ConcealedAccident,
                "other" => Kind::Other,
                _ if draw.chance(35) => Kind::MajorHazard,
                _ => Kind::Violation,
            };
            let district = &data.districts[usize::try_from(draw.below(data.districts.len() as u64)).unwrap_or(0)];
            let channel = channels[usize::try_from(draw.below(channels.len() as u64)).unwrap_or(0)];
            let department = &category.department_code;
            let id = Id::random();
            let reference = TipReference::generate();
            let mut w = Workflow {
                status: TipStatus::Received,
                department_code: department.clone(),
                assignee_id: None,
                received_at,
                accepted_at: None,
                concluded_at: None,
                closed_at: None,
                objected_at: None,
                extension_days: 0,
                due_at: Some(received_at + days.acknowledge * DAY),
                reminded_at: None,
                escalated_at: None,
                duplicate_of: None,
                outcome: None,
                fine_yuan: None,
                accident_grade: None,
                concealed_deaths: None,
                concluded_by: None,
            };
            let before = w.clone();
            let inserted = tips::insert(
                &mut tx,
                &NewTip {
                    id: id.as_str(),
                    reference: reference.as_str(),
                    kind,
                    category: &category.code,
                    district: &district.code,
                    channel,
                    status: w.status,
                    department,
                    received_at,
                    public_key: &s.public_key,
                    receipt_kdf: &kdf,
                    receipt_salt: &s.salt,
                    receipt_verifier: &s.verifier,
                    reporter_key_wrap: &s.reporter_wrap,
                    body: &s.body,
                    poster_id: None,
                    due_at: w.due_at,
                },
            )
            .await;
            match inserted {
                Err(StoreError::Conflict(_)) => continue, // a reference drawn twice: skip it
                other => other?,
            }
            if let Some(Some((key_id, wraps))) = grants.get(department) {
                tips::insert_grant(&mut tx, id.as_str(), key_id, &wraps[i % wraps.len()], received_at).await?;
            }
            let drawn = indexes_of(&indexer, &mut draw);
            jubao::store::indexes::replace(&mut tx, id.as_str(), &matching_id, &drawn).await?;
            progress_of(&mut w, &mut draw, now, days);
            if w != before {
                workflow::save(&mut tx, id.as_str(), &before, &w).await?;
            }
        }
        tx.commit().await?;
        written = end;
        progress(written);
    }
    store.optimize().await?;
    Ok(Filled { tips: written, seconds: started.elapsed().as_secs_f64() })
}

/// How far a tip of this age has come: older tips are nearly all decided; of the last three
/// months a good share is still open, and a few of those are late.
fn progress_of(w: &mut Workflow, draw: &mut Draw, now: i64, days: Days) {
    let age = now - w.received_at;
    let accepted_at = w.received_at + i64::try_from(draw.below(5) + 1).unwrap_or(1) * DAY;
    let settled = age > 90 * DAY || draw.chance(u64::try_from(age * 100 / (90 * DAY)).unwrap_or(0));
    let status = if settled {
        match draw.below(100) {
            0..=11 => TipStatus::Rejected,
            12..=51 => TipStatus::Concluded,
            _ => TipStatus::Closed,
        }
    } else if age < DAY || draw.chance(20) {
        TipStatus::Received
    } else if draw.chance(40) {
        TipStatus::Accepted
    } else {
        TipStatus::Verifying
    };
    w.status = status;
    if status != TipStatus::Received && status != TipStatus::Rejected {
        w.accepted_at = Some(accepted_at.min(now));
    }
    if matches!(status, TipStatus::Concluded | TipStatus::Closed) {
        let concluded = accepted_at + i64::try_from(draw.below(55) + 5).unwrap_or(5) * DAY;
        w.concluded_at = Some(concluded.min(now));
        w.outcome = Some(
            [Outcome::Substantiated, Outcome::PartiallySubstantiated, Outcome::Unsubstantiated]
                [usize::try_from(draw.below(3)).unwrap_or(0)],
        );
        w.fine_yuan = Some(i64::try_from(draw.below(20)).unwrap_or(0) * 10_000);
        if status == TipStatus::Closed {
            w.closed_at = w.concluded_at;
        }
    }
    if status == TipStatus::Rejected {
        w.closed_at = Some((w.received_at + 3 * DAY).min(now));
    }
    let times = Times { received_at: w.received_at, accepted_at: w.accepted_at, extension_days: 0, objected_at: None };
    w.due_at = deadline_rules::due(status, times, days).map(|(_, at)| at);
    // A few open tips are late: due a little before now.
    if w.due_at.is_some() && draw.chance(8) {
        w.due_at = Some(now - i64::try_from(draw.below(20) + 1).unwrap_or(1) * DAY);
    }
}
