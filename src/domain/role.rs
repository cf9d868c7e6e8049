//! Roles of officials (PRODUCT.md §1). A person may hold several.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Enters tips received by phone, letter or visit.
    Intake,
    /// Works the tips of their department.
    Officer,
    /// Officer who also approves within the department.
    Head,
    /// 安委办: metadata of all departments, triage of the unclear queue, escalation.
    Oversight,
    /// Decides identity-disclosure requests.
    Custodian,
    /// Approves and records reward payments.
    Finance,
    /// Users, departments, posters, settings; never tip content.
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Intake, Role::Officer, Role::Head, Role::Oversight, Role::Custodian, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Officer => "officer",
            Role::Head => "head",
            Role::Oversight => "oversight",
            Role::Custodian => "custodian",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The catalogue's words for it: its name, and a line on what it does.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Role::Intake => ("admin-intake", "admin-enters-tips-received-phone-letter"),
            Role::Officer => ("admin-officer", "admin-works-tips-their-department-needs"),
            Role::Head => ("admin-head", "admin-approves-department-s-conclusions-rewards"),
            Role::Oversight => ("admin-oversight", "admin-sees-every-department-s-progress"),
            Role::Custodian => ("admin-custodian", "admin-decides-whether-head-may-learn"),
            Role::Finance => ("admin-finance", "admin-authorises-records-reward-payments"),
            Role::Admin => ("admin-administrator", "admin-manages-accounts-posters-settings-reads"),
        }
    }

    /// Roles whose work is the tips of one department. The hotline desk files for every
    /// department and reads none.
    pub fn needs_department(self) -> bool {
        matches!(self, Role::Officer | Role::Head)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-empty set of roles without repeats, kept in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidRoles {
    #[error("no role given")]
    Empty,
    #[error("unknown role `{0}` (known: intake, officer, head, oversight, custodian, finance, admin)")]
    Unknown(String),
}

impl Roles {
    /// Parses `officer,head` (commas, optional spaces).
    pub fn parse(list: &str) -> Result<Self, InvalidRoles> {
        let mut roles = Vec::new();
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let role = Role::parse(word).ok_or_else(|| InvalidRoles::Unknown(word.chars().take(40).collect()))?;
            roles.push(role);
        }
        Self::new(roles)
    }

    pub fn new(roles: impl IntoIterator<Item = Role>) -> Result<Self, InvalidRoles> {
        let mut roles: Vec<Role> = roles.into_iter().collect();
        roles.sort();
        roles.dedup();
        if roles.is_empty() { Err(InvalidRoles::Empty) } else { Ok(Self(roles)) }
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn needs_department(&self) -> bool {
        self.iter().any(Role::needs_department)
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Role::as_str).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_in_any_order_without_repeats() {
        let roles = Roles::parse("head, officer,head").unwrap();
        assert_eq!(roles.to_string(), "officer,head");
        assert!(roles.needs_department());
        assert!(!Roles::parse("admin").unwrap().needs_department());
    }

    #[test]
    fn rejects_unknown_and_empty() {
        assert_eq!(Roles::parse(""), Err(InvalidRoles::Empty));
        assert_eq!(Roles::parse(" , "), Err(InvalidRoles::Empty));
        assert_eq!(Roles::parse("officer,root"), Err(InvalidRoles::Unknown("root".into())));
    }
}
