//! Who shares which group key: a department's officials, the custodians, finance, and the
//! matching key of related tips (everyone who triages or files tips).

use std::fmt;

use super::{Code, Role, Roles};

/// The code of the 安委办, whose department key the oversight role holds.
pub const SAFETY_OFFICE: &str = "safety-office";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyGroup {
    Department(Code),
    Custodians,
    Finance,
    /// The matching key (`crypto::blind`): officers, heads, oversight and the hotline desk,
    /// who index the tips they open or file and see which tips are related.
    Matching,
}

impl KeyGroup {
    /// The groups an official's roles put them in. The desk holds only the matching key: it
    /// files and never reads. Admin holds none.
    pub fn for_official(roles: &Roles, department: Option<&Code>) -> Vec<KeyGroup> {
        let mut groups = Vec::new();
        for role in roles.iter() {
            let group = match role {
                Role::Officer | Role::Head => department.cloned().map(KeyGroup::Department),
                Role::Oversight => Code::parse(SAFETY_OFFICE).ok().map(KeyGroup::Department),
                Role::Custodian => Some(KeyGroup::Custodians),
                Role::Finance => Some(KeyGroup::Finance),
                Role::Intake | Role::Admin => None,
            };
            if let Some(g) = group.filter(|g| !groups.contains(g)) {
                groups.push(g);
            }
        }
        if roles.iter().any(|r| matches!(r, Role::Officer | Role::Head | Role::Oversight | Role::Intake)) {
            groups.push(KeyGroup::Matching);
        }
        groups
    }

    /// How the store names the group: `department:emergency`, `custodians`, `finance`.
    pub fn name(&self) -> String {
        match self {
            KeyGroup::Department(code) => format!("department:{code}"),
            KeyGroup::Custodians => "custodians".to_owned(),
            KeyGroup::Finance => "finance".to_owned(),
            KeyGroup::Matching => "matching".to_owned(),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "custodians" => Some(KeyGroup::Custodians),
            "finance" => Some(KeyGroup::Finance),
            "matching" => Some(KeyGroup::Matching),
            _ => name.strip_prefix("department:").and_then(|c| Code::parse(c).ok()).map(KeyGroup::Department),
        }
    }
}

impl fmt::Display for KeyGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(roles: &str, department: Option<&str>) -> Vec<String> {
        let department = department.map(|d| Code::parse(d).unwrap());
        KeyGroup::for_official(&Roles::parse(roles).unwrap(), department.as_ref()).iter().map(KeyGroup::name).collect()
    }

    #[test]
    fn roles_map_to_groups() {
        assert_eq!(groups("officer", Some("emergency")), ["department:emergency", "matching"]);
        assert_eq!(groups("officer,head", Some("fire")), ["department:fire", "matching"]);
        assert_eq!(groups("oversight", None), ["department:safety-office", "matching"]);
        assert_eq!(groups("custodian", None), ["custodians"]);
        assert_eq!(groups("finance", None), ["finance"]);
        assert!(groups("admin", None).is_empty());
        assert_eq!(groups("intake", Some("emergency")), ["matching"], "the desk reads nothing, and indexes");
        assert_eq!(groups("officer,custodian", Some("police")), ["department:police", "custodians", "matching"]);
    }

    #[test]
    fn names_round_trip() {
        for name in ["department:emergency", "custodians", "finance", "matching"] {
            assert_eq!(KeyGroup::parse(name).unwrap().name(), name);
        }
        assert_eq!(KeyGroup::parse("department:"), None);
        assert_eq!(KeyGroup::parse("admins"), None);
    }
}
