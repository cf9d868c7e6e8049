//! Officials: creation with their own key and second factor, sign-in, password change.

use super::groups::leave as leave_group;
use super::groups::{Joined, join_official};
use super::work::{self, Work};
use super::{ServiceError, per_group};
use crate::auth::Password;
use crate::auth::totp::{self, Enrolment};
use crate::crypto::{self, KdfParams, Key, User, Verifier, Wrapped};
use crate::domain::Capability;
use crate::domain::{Code, Id, KeyGroup, Role, Roles, Username};
use crate::store::audit::{self, Entry};
use crate::store::users::{self, NewUser, PasswordVerifierRow, UserRow};
use crate::store::{Conn, Store, reference};
use jubao_templates::i18n::Msg;

pub struct NewOfficial {
    pub username: Username,
    pub roles: Roles,
    pub department: Option<Code>,
    pub email: Option<String>,
    pub password: Password,
}

pub struct Created {
    pub user_id: Id,
    pub enrolment: Enrolment,
    pub groups: Vec<(KeyGroup, Joined)>,
}

/// Argon2id of a password with a fresh salt: what is stored, and the key it yields.
async fn derive_new(password: Password) -> Result<(PasswordVerifierRow, Key<crypto::Password>), ServiceError> {
    let salt = crypto::new_salt();
    let params = KdfParams::PASSWORD;
    let derived =
        work::run(Work::Password, move || crypto::derive::<crypto::Password>(password.as_bytes(), &salt, params))
            .await??;
    let row = PasswordVerifierRow {
        password_kdf: params.to_string(),
        password_salt: salt.to_vec(),
        password_verifier: derived.verifier.as_bytes().to_vec(),
    };
    Ok((row, derived.key))
}

/// Creates an official: their key (sealed to their password), their second factor (sealed to
/// their key), and their place in the groups their roles call for.
pub async fn create(store: &Store, new: NewOfficial, now: i64) -> Result<Created, ServiceError> {
    if new.roles.needs_department() && new.department.is_none() {
        return Err(ServiceError::Field {
            field: "department",
            msg: Msg::new("officials-roles-officer-head-need-department"),
        });
    }
    if let Some(code) = &new.department
        && !reference::department_exists(store, code.as_str()).await?
    {
        return Err(ServiceError::Field {
            field: "department",
            msg: Msg::new("officials-unknown-department-code-choose-one").with("code", code.to_string()),
        });
    }
    let (password_row, password_key) = derive_new(new.password).await?;
    let user_key = Key::<User>::generate();
    let key_envelope = user_key.wrap_for(&password_key.public())?;
    let enrolment = totp::enrol(&new.username).map_err(super::unprocessable)?;
    let totp_envelope = user_key.public().seal(enrolment.secret_base32.as_bytes())?;

    let id = Id::random();
    let mut tx = store.begin().await?;
    users::insert(
        &mut tx,
        &NewUser {
            id: &id,
            username: &new.username,
            roles: &new.roles,
            department: new.department.as_ref(),
            email: new.email.as_deref(),
            public_key: &user_key.public().to_string(),
            key_envelope: &key_envelope,
            password: &password_row,
            totp_envelope: &totp_envelope,
            created_at: now,
        },
    )
    .await?;
    let mut joined = Vec::new();
    for group in KeyGroup::for_official(&new.roles, new.department.as_ref()) {
        let outcome = per_group!(&group, join_official(&mut tx, &group, id.as_str(), now))?;
        joined.push((group, outcome));
    }
    tx.commit().await?;
    Ok(Created { user_id: id, enrolment, groups: joined })
}

/// Records in the audit chain that `actor` (an administrator) created the account.
pub async fn record_creation(conn: &mut Conn, actor: &str, created: &Created, now: i64) -> Result<(), ServiceError> {
    let detail = format!("user={}", created.user_id);
    let entry = Entry { actor_id: Some(actor), action: "user.create", tip_id: None, detail: &detail, at: now };
    audit::append(conn, &entry).await?;
    Ok(())
}

/// An official after their password: who they are and their own key.
pub struct SignedIn {
    pub user_id: String,
    pub username: String,
    pub department: Option<String>,
    pub roles: Vec<Role>,
    pub key: Key<User>,
    totp_envelope: Vec<u8>,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignedIn({})", self.username)
    }
}

/// Checks the password and opens the official's key. An unknown name costs the same time as
/// a wrong password, so the answer says nothing about which names exist.
pub async fn sign_in(store: &Store, username: &str, password: Password) -> Result<SignedIn, ServiceError> {
    // No connection is held while the derivation waits and runs: a flood of sign-ins must
    // not take the pool from everyone else.
    let row = users::by_username(&mut *store.conn().await?, username).await?;
    let (kdf, salt, expected) = match &row {
        Some(u) => (u.password_kdf.parse()?, salt_of(&u.password_salt)?, Verifier::from_bytes(&u.password_verifier)),
        None => (KdfParams::PASSWORD, [0u8; 16], None),
    };
    let derived =
        work::run(Work::Password, move || crypto::derive::<crypto::Password>(password.as_bytes(), &salt, kdf))
            .await??;
    let (Some(user), Some(expected)) = (row, expected) else {
        return Err(ServiceError::BadCredentials);
    };
    if !derived.verifier.matches(&expected) || user.disabled_at.is_some() {
        return Err(ServiceError::BadCredentials);
    }
    let key = Wrapped::<User>::from_bytes(user.key_envelope.clone()).open(&derived.key)?;
    let roles = users::roles(&mut *store.conn().await?, &user.id).await?;
    Ok(signed_in(user, &roles, key))
}

impl SignedIn {
    /// An official whose key a live session holds.
    pub fn resumed(user: UserRow, roles: &[Role], key: Key<User>) -> Self {
        signed_in(user, roles, key)
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the official's roles give this kind of work (`domain::capability`).
    pub fn can(&self, capability: Capability) -> bool {
        capability.held_by(&self.roles)
    }

    /// The key groups the official's roles put them in.
    pub fn key_groups(&self) -> Vec<KeyGroup> {
        let roles = crate::domain::Roles::new(self.roles.iter().copied()).ok();
        let department = self.department.as_deref().and_then(|d| crate::domain::Code::parse(d).ok());
        roles.map(|r| KeyGroup::for_official(&r, department.as_ref())).unwrap_or_default()
    }

    /// Whether the official works the tips of `department` (`domain::capability::works_in`).
    pub fn works_in(&self, department: &str) -> bool {
        crate::domain::capability::works_in(&self.roles, self.department.as_deref(), department)
    }
}

fn signed_in(user: UserRow, roles: &[Role], key: Key<User>) -> SignedIn {
    SignedIn {
        user_id: user.id,
        username: user.username,
        department: user.department_code,
        roles: roles.to_vec(),
        key,
        totp_envelope: user.totp_envelope,
    }
}

fn salt_of(bytes: &[u8]) -> Result<[u8; 16], ServiceError> {
    bytes.try_into().map_err(|_| ServiceError::Crypto(crypto::CryptoError::Malformed("salt")))
}

/// The second factor: the code must be right and its time step newer than any used before.
pub async fn check_second_factor(store: &Store, official: &SignedIn, code: &str, now: i64) -> Result<(), ServiceError> {
    let secret = official.key.open(&crypto::Envelope::from_bytes(official.totp_envelope.clone()))?;
    let secret = std::str::from_utf8(secret.as_bytes()).map_err(|_| crypto::CryptoError::Malformed("TOTP secret"))?;
    let unix = u64::try_from(now).unwrap_or(0);
    let step = totp::check(secret, code, unix).map_err(super::unprocessable)?;
    let Some(step) = step.and_then(|s| i64::try_from(s).ok()) else {
        return Err(ServiceError::BadCredentials);
    };
    let mut conn = store.conn().await?;
    if users::use_totp_step(&mut conn, &official.user_id, step).await? {
        Ok(())
    } else {
        Err(ServiceError::BadCredentials)
    }
}

/// A new password seals the same key again; sessions and grants are untouched.
pub async fn change_password(store: &Store, username: &str, old: Password, new: Password) -> Result<(), ServiceError> {
    let official = sign_in(store, username, old).await?;
    let (password_row, password_key) = derive_new(new).await?;
    let key_envelope = official.key.wrap_for(&password_key.public())?;
    let mut conn = store.conn().await?;
    users::set_password(&mut conn, &official.user_id, &key_envelope, &password_row).await?;
    Ok(())
}

/// Disables an official: no more sign-in, every session ended, every group left (so new
/// key versions are made without them).
pub async fn disable(store: &Store, admin: &SignedIn, user_id: &str, now: i64) -> Result<(), ServiceError> {
    if !admin.can(Capability::Administer) {
        return Err(super::forbidden("officials-only-administrator-disables-officials"));
    }
    if admin.user_id == user_id {
        return Err(super::conflict("officials-administrator-cannot-disable-their-own"));
    }
    let mut tx = store.begin().await?;
    let groups = crate::store::keys::groups_of_user(&mut tx, user_id).await?;
    for name in groups {
        if let Some(group) = KeyGroup::parse(&name) {
            per_group!(&group, leave_group(&mut tx, &group, user_id, now))?;
        }
    }
    users::disable(&mut tx, user_id, now).await?;
    crate::store::sessions::delete_all_of(&mut tx, crate::store::sessions::SessionKind::Staff, user_id).await?;
    crate::store::audit::append(
        &mut tx,
        &crate::store::audit::Entry {
            actor_id: Some(&admin.user_id),
            action: "user.disable",
            tip_id: None,
            detail: &format!("user={user_id}"),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
