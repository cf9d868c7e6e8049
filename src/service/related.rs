//! Related tips (SECURITY.md, "Related tips"): when an official who holds the matching key
//! opens a case, the tip is indexed under the newest version of that key (if it was not yet),
//! and the tips sharing an index with it are looked up. The store holds only the cut hashes
//! (`crypto::blind`); the values they come from (`domain::matching`) stay in memory.
//!
//! What the official is shown follows whose tips they may list (`capability::queue_scope`):
//! the tips of their own queue by reference, openable where they work the department; for
//! other departments only a count per department and state. Every lookup, and what it
//! showed, is an entry of the audit chain.

use std::collections::BTreeMap;

use super::ServiceError;
use super::cases::Case;
use super::groups;
use super::officials::SignedIn;
use crate::crypto::blind::{BlindIndex, BlindIndexer, Field};
use crate::crypto::{Key, Matching};
use crate::domain::capability::{Scope, queue_scope};
use crate::domain::matching::{self, CreditCode, Places};
use crate::domain::report::Report;
use crate::domain::validation::ValidTip;
use crate::domain::{KeyGroup, Kind, TipStatus};
use crate::store::audit::{self, Entry};
use crate::store::{Store, indexes, keys};

/// The most candidates one lookup reads.
const MOST: i64 = 200;

/// What the case page says about related tips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Related {
    /// The official does not hold the matching key (not in its group, or not yet admitted):
    /// nothing was indexed or looked up.
    NoKey,
    /// The tip is indexed; these share an index with it.
    Found {
        /// The report names nothing to match on (no company, code or numbered address).
        nothing_to_match: bool,
        /// Tips of the official's queue, newest first.
        listed: Vec<RelatedTip>,
        /// Tips outside it: how many, per department and state.
        elsewhere: Vec<Elsewhere>,
    },
}

/// A related tip the official may see the reference of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedTip {
    pub reference: String,
    pub department_code: String,
    pub status: TipStatus,
    /// What it shares with the case: company, code, address, accident.
    pub fields: Vec<Field>,
    /// The official works its department, and may open it.
    pub openable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    pub department_code: String,
    pub status: TipStatus,
    pub count: usize,
}

/// The blind indexes of a report: its company, its 统一社会信用代码, its address (with the
/// district), and for a concealed accident the company with the day.
pub fn indexes_of(
    indexer: &BlindIndexer,
    report: &Report,
    kind: Kind,
    district: &str,
    places: &Places,
) -> Vec<(Field, BlindIndex)> {
    let mut out = Vec::new();
    let company = report.company.as_deref().and_then(|c| matching::company(c, places));
    if let Some(company) = &company {
        out.push((Field::Company, indexer.index(Field::Company, company)));
    }
    if let Some(code) = report.credit_code.as_deref().and_then(|c| CreditCode::parse(c).ok()) {
        out.push((Field::CreditCode, indexer.index(Field::CreditCode, code.as_str())));
    }
    if let Some(address) = matching::address(&report.location, places) {
        out.push((Field::Address, indexer.index(Field::Address, &format!("{district}|{address}"))));
    }
    let day = report
        .occurred_on
        .as_deref()
        .and_then(|d| time::Date::parse(d, &time::macros::format_description!("[year]-[month]-[day]")).ok());
    if let (Kind::ConcealedAccident, Some(company), Some(day)) = (kind, &company, day) {
        out.push((Field::Accident, indexer.index(Field::Accident, &matching::accident(company, day))));
    }
    out
}

/// The newest matching key, if the official holds it: `(version id, key)`.
async fn matching_key(store: &Store, official: &SignedIn) -> Result<Option<(String, Key<Matching>)>, ServiceError> {
    let mut conn = store.conn().await?;
    let name = KeyGroup::Matching.name();
    let Some(newest) = keys::newest(&mut conn, &name).await? else { return Ok(None) };
    if !keys::is_active_holder(&mut conn, &name, &official.user_id).await? {
        return Ok(None);
    }
    match groups::open_version::<Matching>(&mut conn, &newest.id, &official.user_id, &official.key).await {
        Ok(key) => Ok(Some((newest.id, key))),
        Err(ServiceError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Indexes a tip the hotline desk has just filed, when the desk official holds the matching
/// key; `false` when they do not (the tip is indexed when an official first opens it).
pub async fn index_new(
    store: &Store,
    official: &SignedIn,
    tip_id: &str,
    tip: &ValidTip,
    places: &Places,
) -> Result<bool, ServiceError> {
    let Some((key_id, key)) = matching_key(store, official).await? else { return Ok(false) };
    let indexed = indexes_of(&key.indexer(), &tip.report, tip.kind, tip.district.as_str(), places);
    let mut tx = store.begin().await?;
    indexes::replace(&mut tx, tip_id, &key_id, &indexed).await?;
    tx.commit().await?;
    Ok(true)
}

/// Indexes the opened case if it is not yet indexed under the newest key, looks up the tips
/// that share an index with it, and records what was shown.
pub async fn for_case(
    store: &Store,
    official: &SignedIn,
    case: &Case,
    places: &Places,
    now: i64,
) -> Result<Related, ServiceError> {
    let Some((key_id, key)) = matching_key(store, official).await? else { return Ok(Related::NoKey) };
    let tip = &case.opened.tip;
    let indexed = indexes_of(&key.indexer(), &case.opened.report, tip.kind, &tip.district_code, places);
    let mut tx = store.begin().await?;
    if indexes::indexed_with(&mut tx, &tip.id).await?.as_deref() != Some(key_id.as_str()) {
        indexes::replace(&mut tx, &tip.id, &key_id, &indexed).await?;
    }
    let candidates = indexes::candidates(&mut tx, &tip.id, MOST).await?;
    let related = shown(official, indexed.is_empty(), candidates);
    let detail = match &related {
        Related::Found { listed, elsewhere, .. } => {
            let references: Vec<&str> = listed.iter().map(|t| t.reference.as_str()).collect();
            let others: usize = elsewhere.iter().map(|e| e.count).sum();
            format!("listed={} elsewhere={others}", references.join(","))
        }
        Related::NoKey => String::new(),
    };
    let entry = Entry {
        actor_id: Some(&official.user_id),
        action: "tip.related",
        tip_id: Some(&tip.id),
        detail: &detail,
        at: now,
    };
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(related)
}

/// Sorts the candidates into what the official may list and what is only counted.
fn shown(official: &SignedIn, nothing_to_match: bool, candidates: Vec<indexes::Candidate>) -> Related {
    let scope = queue_scope(&official.roles, official.department.as_deref());
    let lists = |department: &str| match &scope {
        Some(Scope::All) => true,
        Some(Scope::Departments(list)) => list.iter().any(|d| d == department),
        None => false,
    };
    let mut listed: Vec<RelatedTip> = Vec::new();
    let mut counted: BTreeMap<(String, &'static str), (TipStatus, Vec<String>)> = BTreeMap::new();
    for c in candidates {
        if lists(&c.department_code) {
            match listed.iter_mut().find(|t| t.reference == c.reference) {
                Some(t) => t.fields.push(c.field),
                None => listed.push(RelatedTip {
                    openable: official.works_in(&c.department_code),
                    reference: c.reference,
                    department_code: c.department_code,
                    status: c.status,
                    fields: vec![c.field],
                }),
            }
        } else {
            let (_, tips) =
                counted.entry((c.department_code, c.status.as_str())).or_insert_with(|| (c.status, Vec::new()));
            if !tips.contains(&c.tip_id) {
                tips.push(c.tip_id);
            }
        }
    }
    let elsewhere = counted
        .into_iter()
        .map(|((department_code, _), (status, tips))| Elsewhere { department_code, status, count: tips.len() })
        .collect();
    Related::Found { nothing_to_match, listed, elsewhere }
}

/// How many repeats the oversight page lists at most.
const MOST_REPEATS: i64 = 50;

/// One company, code, address or accident reported more than once, as oversight sees it: an
/// opaque value (a name is learnt only by opening a tip), and the tips' metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub field: Field,
    /// The cut hash: it names nothing by itself.
    pub value: i64,
    pub tips: Vec<indexes::Holder>,
}

/// The 安委办's view: the values shared by most tips received since `since`, under the newest
/// matching key, which the official must hold. The lookup is recorded in the audit chain.
pub async fn repeats(store: &Store, official: &SignedIn, since: i64, now: i64) -> Result<Vec<Repeat>, ServiceError> {
    if !official.can(crate::domain::Capability::Oversee) {
        return Err(super::forbidden("related-only-oversight-sees-repeats"));
    }
    let Some((key_id, _)) = matching_key(store, official).await? else {
        return Err(ServiceError::NotAdmitted(KeyGroup::Matching));
    };
    let mut tx = store.begin().await?;
    let found = indexes::repeats(&mut tx, &key_id, since, 2, MOST_REPEATS).await?;
    let values: Vec<(Field, i64)> = found.iter().map(|r| (r.field, r.value)).collect();
    let mut holders = indexes::holders(&mut tx, &key_id, since, &values).await?;
    let repeats: Vec<Repeat> = found
        .iter()
        .map(|r| {
            let tips: Vec<indexes::Holder> =
                holders.extract_if(.., |h| h.field == r.field && h.value == r.value).collect();
            Repeat { field: r.field, value: r.value, tips }
        })
        .collect();
    let shown: usize = repeats.iter().map(|r| r.tips.len()).sum();
    let detail = format!("since={since} values={} tips={shown}", repeats.len());
    let entry =
        Entry { actor_id: Some(&official.user_id), action: "related.repeats", tip_id: None, detail: &detail, at: now };
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(repeats)
}

/// Tips read, opened and written back per batch of a re-indexing.
const REINDEX_BATCH: i64 = 1_000;

/// Where a re-indexing stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reindexed {
    /// Tips the official could open that were not indexed under the newest key when it began.
    pub total: u64,
    /// Of them, those indexed now.
    pub done: u64,
    /// Those that would not open or read (a damaged record): left as they were, and logged.
    pub unreadable: u64,
    /// It stopped before the end: the session that began it ended.
    pub stopped: bool,
}

/// The keys a re-indexing holds while it runs: the newest matching key and the department
/// key versions the official holds, opened once at the start. The official's own key is not
/// kept, and everything is wiped when the run ends.
pub struct Reindexing {
    user_id: String,
    key_id: String,
    /// The departments whose key the official holds: their tips are the ones re-indexed.
    departments: Vec<String>,
    keys: std::sync::Arc<RunKeys>,
    /// The session that began it: the run stops when it ends. None for a run from the
    /// command line or a bench.
    session: Option<String>,
}

struct RunKeys {
    indexer: BlindIndexer,
    /// Department key versions by id.
    versions: std::collections::HashMap<String, Key<crate::crypto::Department>>,
    places: Places,
}

impl Reindexing {
    /// Opens what the official needs to re-index the tips they can open under the newest
    /// matching key; `None` when they do not hold it.
    pub async fn prepare(
        store: &Store,
        official: &SignedIn,
        places: &Places,
        session: Option<String>,
    ) -> Result<Option<Reindexing>, ServiceError> {
        let Some((key_id, key)) = matching_key(store, official).await? else { return Ok(None) };
        let mut conn = store.conn().await?;
        let mut versions = std::collections::HashMap::new();
        let mut departments = Vec::new();
        for (version, group, sealed) in keys::department_wraps_of(&mut conn, &official.user_id).await? {
            let key = crate::crypto::Wrapped::<crate::crypto::Department>::from_bytes(sealed).open(&official.key)?;
            versions.insert(version, key);
            if let Some(KeyGroup::Department(code)) = KeyGroup::parse(&group)
                && !departments.contains(&code.to_string())
            {
                departments.push(code.to_string());
            }
        }
        let keys = RunKeys { indexer: key.indexer(), versions, places: places.clone() };
        Ok(Some(Reindexing { user_id: official.user_id.clone(), key_id, departments, keys: keys.into(), session }))
    }

    /// Works through the tips, a batch at a time: each batch is read, opened and hashed on
    /// the re-indexing's own thread (`Work::Reindex`), and written in one transaction, so a
    /// run that is cut short (a restart, the session ended) keeps what it did, and the next
    /// run goes on from there. `progress` hears after each batch. Recorded in the audit
    /// chain when it begins and when it ends.
    pub async fn run(self, store: &Store, mut progress: impl FnMut(Reindexed)) -> Result<Reindexed, ServiceError> {
        let mut total = 0;
        {
            let mut conn = store.conn().await?;
            for department in &self.departments {
                total += indexes::count_to_index(&mut conn, &self.key_id, &self.user_id, department).await?;
            }
        }
        let mut state = Reindexed { total: u64::try_from(total).unwrap_or(0), ..Reindexed::default() };
        self.record("related.reindex", &format!("key={} tips={total}", self.key_id), store).await?;
        progress(state);
        'departments: for department in &self.departments {
            let mut cursor = indexes::Cursor::default();
            loop {
                if !self.still_wanted(store).await? {
                    state.stopped = true;
                    break 'departments;
                }
                let rows = {
                    let mut conn = store.conn().await?;
                    indexes::to_index(&mut conn, &self.key_id, &self.user_id, department, &cursor, REINDEX_BATCH)
                        .await?
                };
                let Some(last) = rows.last() else { break };
                cursor = indexes::Cursor { received_at: last.received_at, tip_id: last.tip_id.clone() };
                let keys = self.keys.clone();
                let (found, unreadable) =
                    super::work::run(super::work::Work::Reindex, move || index_rows(&keys, rows)).await?;
                let mut tx = store.begin().await?;
                indexes::replace_many(&mut tx, &self.key_id, &found).await?;
                tx.commit().await?;
                state.done += found.len() as u64;
                state.unreadable += unreadable;
                progress(state);
            }
        }
        let detail = format!(
            "key={} done={} unreadable={} stopped={}",
            self.key_id, state.done, state.unreadable, state.stopped
        );
        self.record("related.reindexed", &detail, store).await?;
        Ok(state)
    }

    /// Whether the session that began the run is still signed in.
    async fn still_wanted(&self, store: &Store) -> Result<bool, ServiceError> {
        let Some(session) = &self.session else { return Ok(true) };
        let mut conn = store.conn().await?;
        let now = crate::store::unix_now();
        Ok(crate::store::sessions::live(&mut conn, session, crate::store::sessions::SessionKind::Staff, now)
            .await?
            .is_some())
    }

    async fn record(&self, action: &str, detail: &str, store: &Store) -> Result<(), ServiceError> {
        let mut tx = store.begin().await?;
        let now = crate::store::unix_now();
        audit::append(&mut tx, &Entry { actor_id: Some(&self.user_id), action, tip_id: None, detail, at: now }).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Opens each tip of a batch and computes its indexes; a tip that does not open is counted
/// and logged (by id only), and keeps its old indexes.
fn index_rows(keys: &RunKeys, rows: Vec<indexes::ToIndex>) -> (Vec<indexes::TipIndexes>, u64) {
    let mut found = Vec::with_capacity(rows.len());
    let mut unreadable = 0;
    for row in rows {
        let (tip_id, received_at) = (row.tip_id.clone(), row.received_at);
        match index_row(keys, row) {
            Ok(indexed) => found.push(indexes::TipIndexes { tip_id, received_at, found: indexed }),
            Err(e) => {
                tracing::warn!(tip = %tip_id, error = %e, "a tip to re-index would not open");
                unreadable += 1;
            }
        }
    }
    (found, unreadable)
}

fn index_row(keys: &RunKeys, row: indexes::ToIndex) -> Result<Vec<(Field, BlindIndex)>, ServiceError> {
    let department =
        keys.versions.get(&row.group_key_id).ok_or_else(|| super::forbidden("groups-official-does-not-hold-key"))?;
    let tip = crate::crypto::Wrapped::<crate::crypto::Tip>::from_bytes(row.tip_wrap).open(department)?;
    let plain = tip.open(&crate::crypto::Envelope::from_bytes(row.body))?;
    let report: Report = serde_json::from_slice(plain.as_bytes()).map_err(super::unprocessable)?;
    Ok(indexes_of(&keys.indexer, &report, row.kind, &row.district_code, &keys.places))
}

/// How far the tips are indexed under the newest matching key: `None` before it exists.
pub async fn coverage(store: &Store) -> Result<Option<indexes::Coverage>, ServiceError> {
    let mut conn = store.conn().await?;
    let Some(newest) = keys::newest(&mut conn, &KeyGroup::Matching.name()).await? else { return Ok(None) };
    Ok(Some(indexes::coverage(&mut conn, &newest.id).await?))
}
