//! Group keys (PRODUCT.md §4): each department, the custodians and finance share a key that
//! comes in versions. A new version is sealed to every active holder's public key, so it
//! needs no secret. A holder who arrives while the group has active officials waits until
//! one whom `approvers` names approves: approval unseals every version the approver holds
//! and seals it for the newcomer. The lifecycle and its states are in KEYS.md.

use super::officials::SignedIn;
use super::{Msg, ServiceError};
use crate::crypto::{Holds, Key, KeyRole, Matching, PublicKey, Recovery, User, Wrapped};
use crate::domain::{Id, KeyGroup, Role};
use crate::store::audit::{self, Entry};
use crate::store::keys::{self, GroupKeyRow, HolderRow, NewHolder};
use crate::store::{Conn, Store, users};

/// What joining a group did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// The newcomer was the first active official (or recipient): a new version was made.
    NewVersion(i64),
    /// The group has active officials: one of them approves from a session.
    Pending { holder_id: String },
}

/// Makes the next version of a group's key and seals it to every active holder.
pub async fn new_version<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    reason: &str,
    now: i64,
) -> Result<i64, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    let name = group.name();
    let version = keys::newest(conn, &name).await?.map_or(1, |k| k.version + 1);
    let key = Key::<G>::generate();
    let row = GroupKeyRow {
        id: Id::random().to_string(),
        key_group: name.clone(),
        version,
        public_key: key.public().to_string(),
    };
    keys::insert_key(conn, &row, reason, now).await?;
    for holder in keys::holders(conn, &name).await?.iter().filter(|h| h.is_active()) {
        let wrapped = seal_for_holder(&key, holder)?;
        keys::insert_wrap(conn, &row.id, &holder.id, wrapped.as_bytes(), now).await?;
    }
    Ok(version)
}

fn seal_for_holder<G: KeyRole>(key: &Key<G>, holder: &HolderRow) -> Result<Wrapped<G>, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    Ok(if holder.user_id.is_some() {
        key.wrap_for(&PublicKey::<User>::parse(&holder.public_key)?)?
    } else {
        key.wrap_for(&PublicKey::<Recovery>::parse(&holder.public_key)?)?
    })
}

/// Refuses an official who is not an active holder of the group's key: one who joined while
/// the group had active members waits until a colleague admits them, and until then takes no
/// step that the group's key stands behind, even where the role would allow it.
pub async fn require_active(conn: &mut Conn, group: &KeyGroup, user_id: &str) -> Result<(), ServiceError> {
    if keys::is_active_holder(conn, &group.name(), user_id).await? {
        Ok(())
    } else {
        Err(ServiceError::NotAdmitted(group.clone()))
    }
}

/// Whether the group has an active official who could approve a newcomer.
async fn has_active_official(conn: &mut Conn, name: &str) -> Result<bool, ServiceError> {
    Ok(keys::holders(conn, name).await?.iter().any(|h| h.is_active() && h.user_id.is_some()))
}

/// Adds an official to a group (inside the caller's transaction).
pub async fn join_official<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    user_id: &str,
    now: i64,
) -> Result<Joined, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    join::<G>(conn, group, Some(user_id), None, now).await
}

/// Adds an offline recovery recipient to a group.
pub async fn add_recovery<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    recipient: &PublicKey<Recovery>,
    now: i64,
) -> Result<Joined, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    join::<G>(conn, group, None, Some(&recipient.to_string()), now).await
}

async fn join<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    user_id: Option<&str>,
    recipient: Option<&str>,
    now: i64,
) -> Result<Joined, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    let name = group.name();
    let first = !has_active_official(conn, &name).await?;
    let id = Id::random().to_string();
    keys::insert_holder(conn, &NewHolder { id: &id, group: &name, user_id, recipient, active: first, added_at: now })
        .await?;
    if first {
        let reason =
            if keys::newest(conn, &name).await?.is_some() { "no active official left" } else { "first holder" };
        Ok(Joined::NewVersion(new_version::<G>(conn, group, reason, now).await?))
    } else {
        Ok(Joined::Pending { holder_id: id })
    }
}

/// An official who may admit a pending holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    pub user_id: String,
    pub username: String,
}

/// Whether an official leads the group: a head of the department, or for the 安委办's group
/// also an oversight official. Custodians and finance have no leads: every member admits.
fn leads(group: &KeyGroup, roles: &[Role], department: Option<&str>) -> bool {
    let KeyGroup::Department(code) = group else { return true };
    crate::domain::capability::leads_department(roles, department, code.as_str())
}

/// Who may admit `newcomer` (KEYS.md, "Who admits whom"): in a department, its active heads;
/// where the group has no active head, any active member may admit a head (or a recovery
/// recipient), so that an officer who came first is never a dead end. Custodians and finance:
/// any active member. Never the newcomer themself, and only officials who are key holders:
/// the holders vouch for every newcomer, which is what keeps an administrator from reading
/// tips through an account they made.
pub async fn approvers(conn: &mut Conn, group: &KeyGroup, newcomer: &HolderRow) -> Result<Vec<Approver>, ServiceError> {
    let mut members = Vec::new();
    for holder in keys::holders(conn, &group.name()).await? {
        let Some(user_id) = holder.user_id.as_deref().filter(|_| holder.is_active() && holder.id != newcomer.id) else {
            continue;
        };
        let Some(user) = users::by_id(conn, user_id).await?.filter(|u| u.disabled_at.is_none()) else { continue };
        let roles = users::roles(conn, user_id).await?;
        let lead = leads(group, &roles, user.department_code.as_deref());
        members.push((Approver { user_id: user.id, username: user.username }, lead));
    }
    if members.iter().any(|(_, lead)| *lead) {
        return Ok(members.into_iter().filter(|(_, lead)| *lead).map(|(a, _)| a).collect());
    }
    let newcomer_leads = match newcomer.user_id.as_deref() {
        Some(id) => {
            let department = users::by_id(conn, id).await?.and_then(|u| u.department_code);
            leads(group, &users::roles(conn, id).await?, department.as_deref())
        }
        None => true,
    };
    Ok(if newcomer_leads { members.into_iter().map(|(a, _)| a).collect() } else { Vec::new() })
}

/// `POST /staff/keys/{holder}/approve`: the signed-in official admits a pending holder of one
/// of their groups (the rule of who may is in `approve`), recorded in the audit chain.
pub async fn admit_pending(store: &Store, official: &SignedIn, holder_id: &str, now: i64) -> Result<(), ServiceError> {
    let mut tx = store.begin().await?;
    let group = keys::group_of_holder(&mut tx, holder_id).await?;
    let Some(group) = group.as_deref().and_then(KeyGroup::parse) else {
        return Err(super::conflict("keys-member-no-longer-waiting-approval"));
    };
    if !official.key_groups().contains(&group) {
        return Err(super::forbidden("keys-you-do-not-belong-key"));
    }
    super::per_group!(&group, approve(&mut tx, &group, &official.user_id, &official.key, holder_id, now))?;
    granted(&mut tx, official, &group, holder_id, now).await?;
    if group != KeyGroup::Matching {
        admit_to_matching(&mut tx, official, holder_id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn granted(
    conn: &mut Conn,
    official: &SignedIn,
    group: &KeyGroup,
    holder_id: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let detail = format!("group={} holder={holder_id}", group.name());
    let entry =
        Entry { actor_id: Some(&official.user_id), action: "key.grant", tip_id: None, detail: &detail, at: now };
    audit::append(conn, &entry).await?;
    Ok(())
}

/// Admitting a colleague to a department (or the custodians, or finance) admits them to the
/// matching key too, when they wait for it and the one admitting holds it: the same person
/// vouches for both, in one step.
async fn admit_to_matching(
    conn: &mut Conn,
    official: &SignedIn,
    holder_id: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let Some(user_id) = keys::holder(conn, holder_id).await?.and_then(|h| h.user_id) else { return Ok(()) };
    let name = KeyGroup::Matching.name();
    let waiting = keys::holders(conn, &name).await?.into_iter().find(|h| h.user_id.as_deref() == Some(&user_id));
    let Some(waiting) = waiting.filter(|h| !h.is_active()) else { return Ok(()) };
    if !keys::is_active_holder(conn, &name, &official.user_id).await? {
        return Ok(());
    }
    approve::<Matching>(conn, &KeyGroup::Matching, &official.user_id, &official.key, &waiting.id, now).await?;
    granted(conn, official, &KeyGroup::Matching, &waiting.id, now).await
}

/// An official whom `approvers` names admits a pending holder: every version the approver
/// holds is unsealed with their key and sealed for the newcomer. A version no active official
/// holds (its last holder left) cannot be passed on from a session; `admit_with_recovery`
/// passes it on offline.
pub async fn approve<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    approver_id: &str,
    approver_key: &Key<User>,
    holder_id: &str,
    now: i64,
) -> Result<(), ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    let name = group.name();
    let Some(newcomer) = keys::holder(conn, holder_id).await?.filter(|h| !h.is_active()) else {
        return Err(super::conflict("groups-member-no-longer-waiting-approval"));
    };
    if !keys::holders(conn, &name).await?.iter().any(|h| h.id == newcomer.id) {
        return Err(super::forbidden("groups-member-does-not-belong-key"));
    }
    let allowed = approvers(conn, group, &newcomer).await?;
    if !allowed.iter().any(|a| a.user_id == approver_id) {
        let names: Vec<&str> = allowed.iter().map(|a| a.username.as_str()).collect();
        return Err(if names.is_empty() {
            super::forbidden("groups-nobody-group-may-approve-member")
        } else {
            let list = names.join(", ");
            super::forbidden(
                Msg::new("groups-only-they-may-approve").with("names_zh", names.join("、")).with("names", list),
            )
        });
    }
    for version in keys::versions(conn, &name).await? {
        let Some(sealed) = keys::wrap_for_user(conn, &version.id, approver_id).await? else { continue };
        let key = Wrapped::<G>::from_bytes(sealed).open(approver_key)?;
        let wrapped = seal_for_holder(&key, &newcomer)?;
        keys::insert_wrap(conn, &version.id, &newcomer.id, wrapped.as_bytes(), now).await?;
    }
    keys::activate_holder(conn, &newcomer.id, Some(approver_id), now).await?;
    Ok(())
}

/// What an offline recovery admission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryAdmission {
    /// Versions newly sealed for the official.
    pub sealed: Vec<i64>,
    /// Versions the official already held.
    pub already: Vec<i64>,
    /// Versions the recovery identity does not open.
    pub not_opened: Vec<i64>,
    /// The official was pending and is now an active holder.
    pub activated: bool,
}

/// Offline, with a recovery identity: every version it opens is sealed for the official, who
/// becomes an active holder if they were pending (KEYS.md, "Admission through a recovery
/// identity"). The holder of the printed key vouches for the official here.
pub async fn admit_with_recovery<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    recovery: &Key<Recovery>,
    user_id: &str,
    now: i64,
) -> Result<RecoveryAdmission, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    let name = group.name();
    let holders = keys::holders(conn, &name).await?;
    let Some(official) = holders.iter().find(|h| h.user_id.as_deref() == Some(user_id)) else {
        return Err(super::conflict("groups-official-does-not-belong-key"));
    };
    let recipient = recovery.public().to_string();
    if !holders.iter().any(|h| h.recipient.as_deref() == Some(recipient.as_str())) {
        return Err(super::conflict("groups-recovery-identity-not-registered-key"));
    }
    let held = keys::versions_held(conn, &official.id).await?;
    let mut done =
        RecoveryAdmission { sealed: Vec::new(), already: Vec::new(), not_opened: Vec::new(), activated: false };
    for version in keys::versions(conn, &name).await? {
        if held.contains(&version.id) {
            done.already.push(version.version);
            continue;
        }
        let Some(sealed) = keys::wrap_for_recipient(conn, &version.id, &recipient).await? else {
            done.not_opened.push(version.version);
            continue;
        };
        let key = Wrapped::<G>::from_bytes(sealed).open(recovery)?;
        let wrapped = seal_for_holder(&key, official)?;
        keys::insert_wrap(conn, &version.id, &official.id, wrapped.as_bytes(), now).await?;
        done.sealed.push(version.version);
    }
    if !official.is_active() && !done.sealed.is_empty() {
        keys::activate_holder(conn, &official.id, None, now).await?;
        done.activated = true;
    }
    Ok(done)
}

/// One version of a group key: who holds it and how many tips it seals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionState {
    pub version: i64,
    /// Active officials who hold it: they pass it on from a session.
    pub officials: i64,
    /// Recovery recipients who hold it: they pass it on offline.
    pub recovery: i64,
    /// Tips (grants, identities, payouts) sealed to it.
    pub tips: i64,
}

impl VersionState {
    /// No active official holds it: no session can pass it on.
    pub fn unheld(&self) -> bool {
        self.officials == 0
    }
}

/// Every version of the group's key, oldest first.
pub async fn version_states(conn: &mut Conn, group: &KeyGroup) -> Result<Vec<VersionState>, ServiceError> {
    Ok(keys::coverage(conn, &group.name())
        .await?
        .into_iter()
        .map(|c| VersionState { version: c.version, officials: c.officials, recovery: c.recovery, tips: c.tips })
        .collect())
}

/// An official leaves a group: their sealed versions are destroyed and, if anyone is left to
/// hold it, a new version is made so that they cannot read what comes after.
pub async fn leave<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
    user_id: &str,
    now: i64,
) -> Result<Option<i64>, ServiceError>
where
    User: Holds<G>,
    Recovery: Holds<G>,
{
    let name = group.name();
    let holders = keys::holders(conn, &name).await?;
    let Some(leaving) = holders.iter().find(|h| h.user_id.as_deref() == Some(user_id)) else {
        return Err(super::not_found("groups-holder-not-found"));
    };
    keys::delete_holder(conn, &leaving.id).await?;
    let remaining = holders.iter().any(|h| h.id != leaving.id && h.is_active());
    if remaining { Ok(Some(new_version::<G>(conn, group, "member left", now).await?)) } else { Ok(None) }
}

/// The newest version's public key, to seal new tips (or identities, or payouts) to.
pub async fn newest_public<G: KeyRole>(
    conn: &mut Conn,
    group: &KeyGroup,
) -> Result<Option<(String, PublicKey<G>)>, ServiceError> {
    match keys::newest(conn, &group.name()).await? {
        Some(row) => Ok(Some((row.id, PublicKey::parse(&row.public_key)?))),
        None => Ok(None),
    }
}

/// Unseals one version of a group key with an official's key.
pub async fn open_version<G: KeyRole>(
    conn: &mut Conn,
    group_key_id: &str,
    user_id: &str,
    user_key: &Key<User>,
) -> Result<Key<G>, ServiceError>
where
    User: Holds<G>,
{
    let sealed = keys::wrap_for_user(conn, group_key_id, user_id)
        .await?
        .ok_or_else(|| super::forbidden("groups-official-does-not-hold-key"))?;
    Ok(Wrapped::<G>::from_bytes(sealed).open(user_key)?)
}
