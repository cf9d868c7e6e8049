//! The lifecycle of a tip (PRODUCT.md §2) as a pure function: which step may follow which
//! status, and where it leads. Who may take a step is `capability::may_take`; when a step is due is
//! `deadline`.
//!
//! ```text
//! received ──accept──▶ accepted ──start──▶ verifying ──conclude──▶ concluded ──close──▶ closed
//!    │  └─transfer─▶ received (another department)   │ extend (once)   │ objection
//!    └─reject (head approves)─▶ rejected                              ▼
//!                                       concluded ◀──review── under_review
//! received | accepted | verifying ──duplicate (head approves)──▶ closed
//! ```

use super::TipStatus;
use jubao_templates::i18n::Msg;

/// What can be done to a tip. Proposals wait for a head other than the proposer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Accept,
    ProposeRejection,
    ApproveRejection,
    Transfer,
    Assign,
    StartVerification,
    ProposeExtension,
    ApproveExtension,
    ProposeConclusion,
    ApproveConclusion,
    /// Link to an earlier tip on the same matter; this one is closed.
    LinkDuplicate,
    /// Propose the link to an earlier tip on the same matter, for a head to approve.
    ProposeDuplicate,
    /// A head other than the proposer approves the link: the tip is closed.
    ApproveDuplicate,
    Close,
    /// The reporter objects to the conclusion.
    Object,
    /// A head other than the one who concluded decides the objection.
    ConcludeReview,
}

impl Step {
    pub const ALL: [Step; 16] = [
        Step::Accept,
        Step::ProposeRejection,
        Step::ApproveRejection,
        Step::Transfer,
        Step::Assign,
        Step::StartVerification,
        Step::ProposeExtension,
        Step::ApproveExtension,
        Step::ProposeConclusion,
        Step::ApproveConclusion,
        Step::LinkDuplicate,
        Step::ProposeDuplicate,
        Step::ApproveDuplicate,
        Step::Close,
        Step::Object,
        Step::ConcludeReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Accept => "accept",
            Step::ProposeRejection => "propose_rejection",
            Step::ApproveRejection => "approve_rejection",
            Step::Transfer => "transfer",
            Step::Assign => "assign",
            Step::StartVerification => "start_verification",
            Step::ProposeExtension => "propose_extension",
            Step::ApproveExtension => "approve_extension",
            Step::ProposeConclusion => "propose_conclusion",
            Step::ApproveConclusion => "approve_conclusion",
            Step::LinkDuplicate => "link_duplicate",
            Step::ProposeDuplicate => "propose_duplicate",
            Step::ApproveDuplicate => "approve_duplicate",
            Step::Close => "close",
            Step::Object => "object",
            Step::ConcludeReview => "conclude_review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.as_str() == s)
    }

    /// Steps that need a head who did not make the proposal.
    pub fn is_approval(self) -> bool {
        matches!(
            self,
            Step::ApproveRejection
                | Step::ApproveExtension
                | Step::ApproveConclusion
                | Step::ApproveDuplicate
                | Step::ConcludeReview
        )
    }

    /// The approval that decides a proposal.
    pub fn approval_of(proposal: Step) -> Step {
        match proposal {
            Step::ProposeRejection => Step::ApproveRejection,
            Step::ProposeExtension => Step::ApproveExtension,
            Step::ProposeDuplicate => Step::ApproveDuplicate,
            _ => Step::ApproveConclusion,
        }
    }
}

/// Facts about a tip that some steps depend on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The verification was extended once already.
    pub extended: bool,
    /// A proposal of this kind waits for approval.
    pub pending: Option<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step} is not possible while the tip is {status}{why}")]
pub struct Illegal {
    pub step: &'static str,
    pub status: &'static str,
    pub why: &'static str,
}

impl Illegal {
    /// The reason for a person, as a message of the catalogue (the `Display` is for logs).
    pub fn msg(&self) -> Msg {
        Msg::new(match self.why {
            ": nothing was proposed" => "lifecycle-nothing-proposed",
            ": it was extended once already" => "lifecycle-extended-once-already",
            ": the same proposal waits for approval" => "lifecycle-same-proposal-waits",
            _ => "lifecycle-step-not-possible-now",
        })
    }
}

fn illegal(step: Step, status: TipStatus, why: &'static str) -> Illegal {
    Illegal { step: step.as_str(), status: status.as_str(), why }
}

/// The status after `step`, or why the step is not possible now.
pub fn after(status: TipStatus, step: Step, facts: Facts) -> Result<TipStatus, Illegal> {
    use Step as S;
    use TipStatus as T;
    let pending_of = |proposal: Step| facts.pending == Some(proposal);
    match (status, step) {
        (T::Received, S::Accept) => Ok(T::Accepted),
        (T::Received, S::ProposeRejection) if !pending_of(S::ProposeRejection) => Ok(T::Received),
        (T::Received, S::ApproveRejection) if pending_of(S::ProposeRejection) => Ok(T::Rejected),
        (T::Received, S::ApproveRejection) => Err(illegal(step, status, ": nothing was proposed")),
        (T::Received, S::Transfer) => Ok(T::Received),
        (T::Received | T::Accepted | T::Verifying | T::UnderReview, S::Assign) => Ok(status),
        (T::Accepted, S::StartVerification) => Ok(T::Verifying),
        (T::Verifying, S::ProposeExtension) if facts.extended => {
            Err(illegal(step, status, ": it was extended once already"))
        }
        (T::Verifying, S::ProposeExtension) if !pending_of(S::ProposeExtension) => Ok(T::Verifying),
        (T::Verifying, S::ApproveExtension) if pending_of(S::ProposeExtension) => Ok(T::Verifying),
        (T::Verifying, S::ProposeConclusion) if !pending_of(S::ProposeConclusion) => Ok(T::Verifying),
        (T::Verifying, S::ApproveConclusion) if pending_of(S::ProposeConclusion) => Ok(T::Concluded),
        (T::Verifying, S::ApproveExtension | S::ApproveConclusion) => {
            Err(illegal(step, status, ": nothing was proposed"))
        }
        (T::Received | T::Accepted | T::Verifying, S::LinkDuplicate) => Ok(T::Closed),
        // While any proposal waits, a duplicate is not proposed on top of it.
        (T::Received | T::Accepted | T::Verifying, S::ProposeDuplicate) if facts.pending.is_none() => Ok(status),
        (T::Received | T::Accepted | T::Verifying, S::ProposeDuplicate) => {
            Err(illegal(step, status, ": another proposal waits for approval"))
        }
        (T::Received | T::Accepted | T::Verifying, S::ApproveDuplicate) if pending_of(S::ProposeDuplicate) => {
            Ok(T::Closed)
        }
        (T::Received | T::Accepted | T::Verifying, S::ApproveDuplicate) => {
            Err(illegal(step, status, ": nothing was proposed"))
        }
        (T::Concluded, S::Close) => Ok(T::Closed),
        (T::Concluded, S::Object) => Ok(T::UnderReview),
        (T::UnderReview, S::ConcludeReview) => Ok(T::Concluded),
        (_, S::ProposeRejection | S::ProposeExtension | S::ProposeConclusion) if pending_of(step) => {
            Err(illegal(step, status, ": the same proposal waits for approval"))
        }
        _ => Err(illegal(step, status, "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_step() {
        use Step as S;
        use TipStatus as T;
        let none = Facts::default();
        // (status, step, facts, expected status or None for illegal)
        let cases: Vec<(T, S, Facts, Option<T>)> = vec![
            (T::Received, S::Accept, none, Some(T::Accepted)),
            (T::Received, S::ProposeRejection, none, Some(T::Received)),
            (T::Received, S::ApproveRejection, none, None),
            (T::Received, S::ApproveRejection, Facts { pending: Some(S::ProposeRejection), ..none }, Some(T::Rejected)),
            (T::Received, S::ProposeRejection, Facts { pending: Some(S::ProposeRejection), ..none }, None),
            (T::Received, S::Transfer, none, Some(T::Received)),
            (T::Received, S::StartVerification, none, None),
            (T::Received, S::ProposeConclusion, none, None),
            (T::Received, S::Close, none, None),
            (T::Received, S::LinkDuplicate, none, Some(T::Closed)),
            (T::Accepted, S::Accept, none, None),
            (T::Accepted, S::Transfer, none, None),
            (T::Accepted, S::StartVerification, none, Some(T::Verifying)),
            (T::Accepted, S::Assign, none, Some(T::Accepted)),
            (T::Verifying, S::ProposeExtension, none, Some(T::Verifying)),
            (T::Verifying, S::ProposeExtension, Facts { extended: true, ..none }, None),
            (
                T::Verifying,
                S::ApproveExtension,
                Facts { pending: Some(S::ProposeExtension), ..none },
                Some(T::Verifying),
            ),
            (T::Verifying, S::ApproveExtension, none, None),
            (T::Verifying, S::ProposeConclusion, none, Some(T::Verifying)),
            (
                T::Verifying,
                S::ApproveConclusion,
                Facts { pending: Some(S::ProposeConclusion), ..none },
                Some(T::Concluded),
            ),
            (T::Verifying, S::ApproveConclusion, none, None),
            (T::Verifying, S::LinkDuplicate, none, Some(T::Closed)),
            (T::Accepted, S::ProposeDuplicate, none, Some(T::Accepted)),
            (T::Verifying, S::ProposeDuplicate, Facts { pending: Some(S::ProposeConclusion), ..none }, None),
            (T::Accepted, S::ApproveDuplicate, none, None),
            (T::Accepted, S::ApproveDuplicate, Facts { pending: Some(S::ProposeDuplicate), ..none }, Some(T::Closed)),
            (T::Concluded, S::ProposeDuplicate, none, None),
            (T::Verifying, S::Accept, none, None),
            (T::Concluded, S::Close, none, Some(T::Closed)),
            (T::Concluded, S::Object, none, Some(T::UnderReview)),
            (T::Concluded, S::LinkDuplicate, none, None),
            (T::UnderReview, S::ConcludeReview, none, Some(T::Concluded)),
            (T::UnderReview, S::Close, none, None),
            (T::Closed, S::Accept, none, None),
            (T::Rejected, S::Accept, none, None),
            (T::Rejected, S::Transfer, none, None),
        ];
        for (status, step, facts, expected) in cases {
            assert_eq!(after(status, step, facts).ok(), expected, "{status:?} {step:?} {facts:?}");
        }
        // Nothing leaves a closed or rejected tip.
        for step in Step::ALL {
            assert!(after(T::Closed, step, none).is_err(), "{step:?}");
            assert!(after(T::Rejected, step, none).is_err(), "{step:?}");
        }
    }

    #[test]
    fn illegal_steps_say_why() {
        let e =
            after(TipStatus::Verifying, Step::ProposeExtension, Facts { extended: true, pending: None }).unwrap_err();
        assert_eq!(
            e.to_string(),
            "propose_extension is not possible while the tip is verifying: it was extended once already"
        );
    }

    #[test]
    fn steps_round_trip() {
        assert!(Step::ALL.iter().all(|s| Step::parse(s.as_str()) == Some(*s)));
    }
}
