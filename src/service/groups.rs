//! Group keys (PRODUCT.md §4): each department, the custodians and finance share a key that
//! comes in versions. A new version is sealed to every active holder's public key, so it
//! needs no secret. A holder who arrives while the group has active officials waits until
//! one of them approves: approval unseals every version and seals it for the newcomer.

use sqlx::AnyConnection;

use super::ServiceError;
use crate::crypto::{Holds, Key, KeyRole, PublicKey, Recovery, User, Wrapped};
use crate::domain::{Id, KeyGroup};
use crate::store::keys::{self, GroupKeyRow, HolderRow, NewHolder};

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
    conn: &mut AnyConnection,
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
pub async fn require_active(conn: &mut AnyConnection, group: &KeyGroup, user_id: &str) -> Result<(), ServiceError> {
    if keys::is_active_holder(conn, &group.name(), user_id).await? {
        Ok(())
    } else {
        Err(ServiceError::NotAdmitted(group.clone()))
    }
}

/// Whether the group has an active official who could approve a newcomer.
async fn has_active_official(conn: &mut AnyConnection, name: &str) -> Result<bool, ServiceError> {
    Ok(keys::holders(conn, name).await?.iter().any(|h| h.is_active() && h.user_id.is_some()))
}

/// Adds an official to a group (inside the caller's transaction).
pub async fn join_official<G: KeyRole>(
    conn: &mut AnyConnection,
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
    conn: &mut AnyConnection,
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
    conn: &mut AnyConnection,
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

/// An active official of the group approves a pending holder: every version is unsealed
/// with the approver's key and sealed for the newcomer. Whether the approver's role allows
/// it (a head, for a department) is the caller's rule.
pub async fn approve<G: KeyRole>(
    conn: &mut AnyConnection,
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
    let holders = keys::holders(conn, &name).await?;
    let approver = holders.iter().find(|h| h.user_id.as_deref() == Some(approver_id) && h.is_active());
    if approver.is_none() {
        return Err(super::forbidden(
            "只有已获准持有该密钥组密钥的成员可以批准。",
            format!("Only an active holder of the {name} key can approve."),
        ));
    }
    let Some(newcomer) = holders.iter().find(|h| h.id == holder_id && !h.is_active()) else {
        return Err(super::not_found("找不到这名待批准的成员。", "The pending holder was not found."));
    };
    for version in keys::versions(conn, &name).await? {
        let sealed = keys::wrap_for_user(conn, &version.id, approver_id).await?.ok_or_else(|| {
            super::forbidden(
                format!("批准人不持有该密钥组的第 {} 版密钥。", version.version),
                format!("The approver lacks version {} of {name}.", version.version),
            )
        })?;
        let key = Wrapped::<G>::from_bytes(sealed).open(approver_key)?;
        let wrapped = seal_for_holder(&key, newcomer)?;
        keys::insert_wrap(conn, &version.id, &newcomer.id, wrapped.as_bytes(), now).await?;
    }
    keys::activate_holder(conn, &newcomer.id, approver_id, now).await?;
    Ok(())
}

/// An official leaves a group: their sealed versions are destroyed and, if anyone is left to
/// hold it, a new version is made so that they cannot read what comes after.
pub async fn leave<G: KeyRole>(
    conn: &mut AnyConnection,
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
        return Err(super::not_found("此人不是该密钥组的成员。", "The holder was not found."));
    };
    keys::delete_holder(conn, &leaving.id).await?;
    let remaining = holders.iter().any(|h| h.id != leaving.id && h.is_active());
    if remaining { Ok(Some(new_version::<G>(conn, group, "member left", now).await?)) } else { Ok(None) }
}

/// The newest version's public key, to seal new tips (or identities, or payouts) to.
pub async fn newest_public<G: KeyRole>(
    conn: &mut AnyConnection,
    group: &KeyGroup,
) -> Result<Option<(String, PublicKey<G>)>, ServiceError> {
    match keys::newest(conn, &group.name()).await? {
        Some(row) => Ok(Some((row.id, PublicKey::parse(&row.public_key)?))),
        None => Ok(None),
    }
}

/// Unseals one version of a group key with an official's key.
pub async fn open_version<G: KeyRole>(
    conn: &mut AnyConnection,
    group_key_id: &str,
    user_id: &str,
    user_key: &Key<User>,
) -> Result<Key<G>, ServiceError>
where
    User: Holds<G>,
{
    let sealed = keys::wrap_for_user(conn, group_key_id, user_id)
        .await?
        .ok_or_else(|| super::forbidden("您不持有这把密钥。", "This official does not hold that key."))?;
    Ok(Wrapped::<G>::from_bytes(sealed).open(user_key)?)
}
