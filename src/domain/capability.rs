//! Who may do what (PRODUCT.md §1): the one answer that the staff pages and their
//! navigation, the case page's buttons, the API and the services all ask.
//! - A `Capability` is a kind of work, open to some roles. Every staff page names the one it
//!   needs (`web::staff::Staff<Need>`), and the navigation lists the pages its official may
//!   open.
//! - `may_take` says who may take which step of a case; the lifecycle says when.
//! - `works_in` and `queue_scope` say whose tips an official works and lists: their own
//!   department's, and the 安委办's for oversight; `leads_department` who admits members to
//!   a department's key group.
//!
//! Holding a role is not enough to read: the key of the group (`crypto`, `service::groups`)
//! decides what an official can open, and a member waits until a colleague admits them.

use super::key_group::SAFETY_OFFICE;
use super::lifecycle::Step;
use super::role::Role;

/// A kind of work in the staff workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Files tips for callers at the hotline desk.
    FileForCallers,
    /// Reads the tips of a queue and their cases.
    ReadTips,
    /// Works cases: takes their steps, proposes rewards, asks for more time.
    WorkCases,
    /// Approves within the department: decides proposals, assigns to colleagues, approves
    /// rewards, asks for the reporter's identity.
    Approve,
    /// Sees every department's progress (the 安委办).
    Oversee,
    /// Decides whether a head may learn a reporter's identity.
    DecideDisclosures,
    /// Authorises and records reward payments.
    PayRewards,
    /// Holds the keys of a group, and admits colleagues to it.
    HoldKeys,
    /// Users, departments, posters and settings; never tip content.
    Administer,
}

impl Capability {
    /// The roles that have it.
    pub const fn roles(self) -> &'static [Role] {
        use Role as R;
        match self {
            Capability::FileForCallers => &[R::Intake],
            Capability::ReadTips => &[R::Officer, R::Head, R::Oversight],
            Capability::WorkCases => &[R::Officer, R::Head],
            Capability::Approve => &[R::Head],
            Capability::Oversee => &[R::Oversight],
            Capability::DecideDisclosures => &[R::Custodian],
            Capability::PayRewards => &[R::Finance],
            Capability::HoldKeys => &[R::Officer, R::Head, R::Oversight, R::Custodian, R::Finance],
            Capability::Administer => &[R::Admin],
        }
    }

    /// Whether someone with `roles` has it.
    pub fn held_by(self, roles: &[Role]) -> bool {
        self.roles().iter().any(|r| roles.contains(r))
    }
}

/// Who may take a step on a tip of their own department (the caller checks the department
/// and the key). Approvals need a head; the proposer may not approve their own.
pub fn may_take(step: Step, roles: &[Role]) -> bool {
    match step {
        Step::Object => false,
        s if s.is_approval() => Capability::Approve.held_by(roles),
        // Closing a tip as a duplicate at once is a head's decision; an officer proposes it.
        Step::LinkDuplicate => Capability::Approve.held_by(roles),
        _ => Capability::ReadTips.held_by(roles),
    }
}

/// Whether an official of `own` department with `roles` works the tips of `department`:
/// its officers and heads, and the 安委办's oversight for tips in the 安委办's queue.
pub fn works_in(roles: &[Role], own: Option<&str>, department: &str) -> bool {
    let own_department = own == Some(department) && Capability::WorkCases.held_by(roles);
    own_department || (department == SAFETY_OFFICE && Capability::Oversee.held_by(roles))
}

/// Whether an official of `own` department with `roles` leads a department's key group
/// (admits its members): a head of the department, and for the 安委办's group also its
/// oversight. (Custodians and finance have no leads: every member admits.)
pub fn leads_department(roles: &[Role], own: Option<&str>, department: &str) -> bool {
    (Capability::Approve.held_by(roles) && own == Some(department))
        || (Capability::Oversee.held_by(roles) && department == SAFETY_OFFICE)
}

/// Whose tips a queue lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every department's (the 安委办's oversight: metadata only outside its own queue).
    All,
    /// These departments' only.
    Departments(Vec<String>),
}

/// The queue of an official of `own` department with `roles`; `None` when they have none.
/// An officer or head without a department works the 安委办's queue.
pub fn queue_scope(roles: &[Role], own: Option<&str>) -> Option<Scope> {
    if Capability::Oversee.held_by(roles) {
        return Some(Scope::All);
    }
    Capability::WorkCases.held_by(roles).then(|| Scope::Departments(vec![own.unwrap_or(SAFETY_OFFICE).to_owned()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role as R;

    #[test]
    fn every_role_and_capability() {
        use Capability as C;
        // (capability, the roles that hold it): the table PRODUCT.md §1 gives.
        let table = [
            (C::FileForCallers, vec![R::Intake]),
            (C::ReadTips, vec![R::Officer, R::Head, R::Oversight]),
            (C::WorkCases, vec![R::Officer, R::Head]),
            (C::Approve, vec![R::Head]),
            (C::Oversee, vec![R::Oversight]),
            (C::DecideDisclosures, vec![R::Custodian]),
            (C::PayRewards, vec![R::Finance]),
            (C::HoldKeys, vec![R::Officer, R::Head, R::Oversight, R::Custodian, R::Finance]),
            (C::Administer, vec![R::Admin]),
        ];
        for (capability, holders) in table {
            for role in Role::ALL {
                assert_eq!(capability.held_by(&[role]), holders.contains(&role), "{capability:?} {role:?}");
            }
            assert!(!capability.held_by(&[]), "nobody without a role");
        }
        assert!(!C::ReadTips.held_by(&[R::Admin, R::Custodian, R::Finance, R::Intake]), "they never read tips");
    }

    #[test]
    fn who_may_take_which_step() {
        assert!(may_take(Step::Accept, &[R::Officer]));
        assert!(may_take(Step::Transfer, &[R::Oversight]));
        assert!(!may_take(Step::ApproveConclusion, &[R::Officer]));
        assert!(may_take(Step::ApproveConclusion, &[R::Head]));
        assert!(may_take(Step::ProposeDuplicate, &[R::Officer]));
        assert!(!may_take(Step::ApproveDuplicate, &[R::Officer]));
        assert!(may_take(Step::ApproveDuplicate, &[R::Head]));
        assert!(!may_take(Step::LinkDuplicate, &[R::Officer]), "an officer proposes a duplicate");
        assert!(may_take(Step::LinkDuplicate, &[R::Head]));
        for role in [R::Intake, R::Custodian, R::Finance, R::Admin] {
            for step in Step::ALL {
                assert!(!may_take(step, &[role]), "{role:?} {step:?}");
            }
        }
    }

    #[test]
    fn whose_tips_an_official_works_and_lists() {
        assert!(works_in(&[R::Officer], Some("emergency"), "emergency"));
        assert!(!works_in(&[R::Officer], Some("emergency"), "housing"));
        assert!(!works_in(&[R::Custodian], Some("emergency"), "emergency"));
        assert!(works_in(&[R::Oversight], None, SAFETY_OFFICE));
        assert!(!works_in(&[R::Oversight], None, "emergency"), "oversight reads metadata only");
        assert_eq!(queue_scope(&[R::Oversight, R::Officer], Some("emergency")), Some(Scope::All));
        assert_eq!(queue_scope(&[R::Head], Some("housing")), Some(Scope::Departments(vec!["housing".into()])));
        assert_eq!(queue_scope(&[R::Officer], None), Some(Scope::Departments(vec![SAFETY_OFFICE.into()])));
        assert_eq!(queue_scope(&[R::Finance, R::Custodian], Some("emergency")), None);
        assert!(leads_department(&[R::Head], Some("emergency"), "emergency"));
        assert!(!leads_department(&[R::Officer], Some("emergency"), "emergency"));
        assert!(!leads_department(&[R::Head], Some("housing"), "emergency"));
        assert!(leads_department(&[R::Oversight], None, SAFETY_OFFICE));
    }
}
