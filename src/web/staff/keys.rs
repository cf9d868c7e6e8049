//! `GET /staff/keys`, `POST /staff/keys/{holder}/approve` and `POST /staff/keys/reindex`: who
//! holds the keys of the official's groups, who may admit each newcomer, which versions no
//! session can pass on, approving newcomers (the rule is `groups::approvers`), and the
//! re-indexing of related tips after a matching key rotation (`related::Reindexing`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jubao_templates::Lang;
use jubao_templates::i18n::Msg;
use jubao_templates::staff::{GroupView, HolderView, ReindexView, RunLine, RunState, VersionLine};
use serde::Deserialize;

use super::{Staff, need};
use super::{check_csrf, html, see_other};
use crate::domain::KeyGroup;
use crate::service::ServiceError;
use crate::service::related::{self, Reindexed};
use crate::service::{groups, officials::SignedIn};
use crate::store::{Conn, keys, unix_now};
use crate::web::AppState;
use crate::web::error::PageError;
use crate::web::lang::PageLang;
use crate::web::reference_cache::ReferenceData;

/// A key group as a person reads it: the department's name in the page's language.
pub fn group_label(data: &ReferenceData, group: &KeyGroup, lang: Lang) -> String {
    match group {
        KeyGroup::Department(code) => data.department_name(code.as_str(), lang == Lang::Zh),
        KeyGroup::Custodians => lang.tr("keys-custodians").to_owned(),
        KeyGroup::Finance => lang.tr("admin-finance").to_owned(),
        KeyGroup::Matching => lang.tr("keys-matching").to_owned(),
    }
}

/// Everything the keys and admin pages say about one group.
pub async fn group_view(
    conn: &mut Conn,
    data: &ReferenceData,
    group: &KeyGroup,
    viewer: Option<&str>,
    lang: Lang,
) -> Result<GroupView, ServiceError> {
    let mut holders = Vec::new();
    for h in keys::holders(conn, &group.name()).await? {
        // One waiting for their department too is admitted to the matching key with it.
        if *group == KeyGroup::Matching
            && !h.is_active()
            && let Some(user) = &h.user_id
            && keys::pending_elsewhere(conn, user, &group.name()).await?
        {
            continue;
        }
        let who = match (&h.user_id, &h.recipient) {
            (Some(id), _) => crate::store::users::by_id(conn, id).await?.map_or_else(|| id.clone(), |u| u.username),
            (None, Some(r)) => format!("{} {}…", lang.tr("keys-recovery-recipient"), r.get(..16).unwrap_or(r)),
            _ => String::new(),
        };
        let (approvers, may_approve) = if h.is_active() {
            (Vec::new(), false)
        } else {
            let approvers = groups::approvers(conn, group, &h).await?;
            let may = viewer.is_some_and(|v| approvers.iter().any(|a| a.user_id == v));
            (approvers.into_iter().map(|a| a.username).collect(), may)
        };
        holders.push(HolderView {
            id: h.id.clone(),
            who,
            pending: !h.is_active(),
            own: viewer.is_some() && h.user_id.as_deref() == viewer,
            may_approve,
            approvers,
        });
    }
    let versions = groups::version_states(conn, group)
        .await?
        .into_iter()
        .map(|v| VersionLine { version: v.version, officials: v.officials, recovery: v.recovery, tips: v.tips })
        .collect();
    Ok(GroupView { label: group_label(data, group, lang), versions, holders })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct KeysQuery {
    done: String,
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::HoldKeys>,
    PageLang(lang): PageLang,
    query: web::Query<KeysQuery>,
) -> Result<HttpResponse, PageError> {
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let mut conn = state.store.conn().await.map_err(PageError::store(lang))?;
    let official = &page.session.official;
    let mut views = Vec::new();
    for group in official.key_groups() {
        let view = group_view(&mut conn, &data, &group, Some(&official.user_id), lang)
            .await
            .map_err(|e| PageError { problem: e.into(), lang })?;
        views.push(view);
    }
    let reindex = reindex_view(&state, &mut conn, official).await.map_err(|e| PageError { problem: e.into(), lang })?;
    let notice = match query.done.as_str() {
        "approved" => Some(lang.tr("keys-approved-new-member-now-holds")),
        "reindexing" => Some(lang.tr("keys-reindex-started")),
        "busy" => Some(lang.tr("keys-reindex-busy")),
        _ => None,
    };
    let title = lang.tr("keys-keys-members");
    let frame = page.frame(title, "/staff/keys");
    Ok(html(StatusCode::OK, jubao_templates::staff::keys(&frame, &views, reindex.as_ref(), notice)))
}

/// The re-indexing section, for an official in the matching key's group once the key exists.
async fn reindex_view(
    state: &AppState,
    conn: &mut Conn,
    official: &SignedIn,
) -> Result<Option<ReindexView>, ServiceError> {
    if !official.key_groups().contains(&KeyGroup::Matching) {
        return Ok(None);
    }
    let Some(coverage) = related::coverage(&state.store).await? else { return Ok(None) };
    let holds = keys::is_active_holder(conn, &KeyGroup::Matching.name(), &official.user_id).await?;
    let run = state.reindexing.last();
    let running = run.as_ref().is_some_and(|r| r.state == RunState::Running);
    Ok(Some(ReindexView {
        tips: coverage.tips,
        indexed: coverage.indexed,
        may_start: holds && !running && coverage.indexed < coverage.tips,
        run,
    }))
}

/// The portal's re-indexing: the one running, or the last one since the start.
#[derive(Default)]
pub struct Reindexing(std::sync::Mutex<Option<RunLine>>);

impl Reindexing {
    fn last(&self) -> Option<RunLine> {
        self.0.lock().ok().and_then(|run| run.as_ref().map(RunLine::clone))
    }

    /// Takes the place for a new run; false while one is running.
    fn begin(&self, by: &str) -> bool {
        let Ok(mut run) = self.0.lock() else { return false };
        if run.as_ref().is_some_and(|r| r.state == RunState::Running) {
            return false;
        }
        *run = Some(RunLine { by: by.to_owned(), done: 0, total: 0, unreadable: 0, state: RunState::Running });
        true
    }

    fn update(&self, progress: Reindexed, state: RunState) {
        if let Ok(mut run) = self.0.lock()
            && let Some(run) = run.as_mut()
        {
            run.done = i64::try_from(progress.done).unwrap_or(i64::MAX);
            run.total = i64::try_from(progress.total).unwrap_or(i64::MAX);
            run.unreadable = i64::try_from(progress.unreadable).unwrap_or(i64::MAX);
            run.state = state;
        }
    }

    fn failed(&self) {
        if let Ok(mut run) = self.0.lock()
            && let Some(run) = run.as_mut()
        {
            run.state = RunState::Failed;
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ReindexForm {
    csrf: String,
}

/// Starts re-indexing the tips the official can open under the newest matching key, in the
/// background; the keys page shows how far it has come. It stops when the session that began
/// it ends, and a later run goes on from where it stopped.
pub async fn reindex(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::HoldKeys>,
    PageLang(lang): PageLang,
    form: web::Form<ReindexForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    if !official.key_groups().contains(&KeyGroup::Matching) {
        return Err(err(crate::service::forbidden("keys-reindex-not-in-group")));
    }
    let data = state.reference.get().await.map_err(PageError::store(lang))?;
    let session = Some(page.session.token.lookup_id());
    let Some(run) = related::Reindexing::prepare(&state.store, official, &data.places, session).await.map_err(err)?
    else {
        return Err(err(ServiceError::NotAdmitted(KeyGroup::Matching)));
    };
    if !state.reindexing.begin(&official.username) {
        return Ok(see_other("/staff/keys?done=busy"));
    }
    let (store, job) = (state.store.clone(), state.reindexing.clone());
    actix_web::rt::spawn(async move {
        let progress = |p: Reindexed| job.update(p, RunState::Running);
        match run.run(&store, progress).await {
            Ok(done) => job.update(done, if done.stopped { RunState::Stopped } else { RunState::Finished }),
            Err(e) => {
                tracing::error!(error = %e, "the re-indexing of related tips broke off");
                job.failed();
            }
        }
    });
    Ok(see_other("/staff/keys?done=reindexing"))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ApproveForm {
    csrf: String,
    /// The required checkbox: the approver vouches that this is the colleague they know.
    confirm: String,
}

pub async fn approve(
    state: web::Data<AppState>,
    Staff(page, _): Staff<need::HoldKeys>,
    PageLang(lang): PageLang,
    holder: web::Path<String>,
    form: web::Form<ApproveForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&page.session, &form.csrf, lang)?;
    let official = &page.session.official;
    let err = |e: ServiceError| PageError { problem: e.into(), lang };
    if form.confirm.is_empty() {
        return Err(err(ServiceError::BadInput(Msg::new("keys-tick-confirmation-box-confirm-colleague").to_owned())));
    }
    groups::admit_pending(&state.store, official, holder.as_str(), unix_now()).await.map_err(err)?;
    Ok(see_other("/staff/keys?done=approved"))
}
