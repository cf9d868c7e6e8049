//! Who may be rewarded, and the reward track (PRODUCT.md §3): proposed → approved →
//! notified (finance authorised it; the reporter sees it) → claimed → paid, or forfeited
//! when the claim window passes (an approved extension reopens it). Every step is taken by
//! someone other than whoever took the step before.

use jubao_templates::i18n::Msg;
use serde::{Deserialize, Serialize};

use super::Kind;

/// The verified outcome of a tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Substantiated,
    PartiallySubstantiated,
    Unsubstantiated,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Substantiated => "substantiated",
            Outcome::PartiallySubstantiated => "partially_substantiated",
            Outcome::Unsubstantiated => "unsubstantiated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Outcome::Substantiated, Outcome::PartiallySubstantiated, Outcome::Unsubstantiated]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// The catalogue's words for it.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Substantiated => "events-substantiated",
            Outcome::PartiallySubstantiated => "events-partly-substantiated",
            Outcome::Unsubstantiated => "events-not-substantiated",
        }
    }
}

/// What eligibility depends on.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub kind: Kind,
    pub outcome: Option<Outcome>,
    pub previously_known: bool,
    pub supervisory_duty: bool,
    /// The tip is itself linked as a duplicate of another.
    pub is_duplicate: bool,
    /// A tip on the same matter was accepted before this one.
    pub accepted_later_than_another: bool,
}

/// Why a tip earns no reward, in Chinese and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    NotConcluded,
    Unsubstantiated,
    KindNotRewarded,
    PreviouslyKnown,
    SupervisoryDuty,
    NotFirst,
}

impl Ineligible {
    /// Why, as a message of the catalogue.
    pub fn msg(self) -> Msg {
        Msg::new(match self {
            Ineligible::NotConcluded => "reward-not-concluded",
            Ineligible::Unsubstantiated => "reward-unsubstantiated",
            Ineligible::KindNotRewarded => "reward-kind-not-rewarded",
            Ineligible::PreviouslyKnown => "reward-previously-known",
            Ineligible::SupervisoryDuty => "reward-supervisory-duty",
            Ineligible::NotFirst => "reward-not-first",
        })
    }
}

pub fn eligibility(f: Facts) -> Result<(), Ineligible> {
    if f.is_duplicate || f.accepted_later_than_another {
        return Err(Ineligible::NotFirst);
    }
    match f.outcome {
        None => return Err(Ineligible::NotConcluded),
        Some(Outcome::Unsubstantiated) => return Err(Ineligible::Unsubstantiated),
        Some(_) => {}
    }
    if f.kind == Kind::Other {
        return Err(Ineligible::KindNotRewarded);
    }
    if f.previously_known {
        return Err(Ineligible::PreviouslyKnown);
    }
    if f.supervisory_duty {
        return Err(Ineligible::SupervisoryDuty);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardStatus {
    Proposed,
    Approved,
    /// Authorised by finance and shown to the reporter, with a claim deadline.
    Notified,
    Claimed,
    Paid,
    Forfeited,
}

impl RewardStatus {
    pub const ALL: [RewardStatus; 6] = [
        RewardStatus::Proposed,
        RewardStatus::Approved,
        RewardStatus::Notified,
        RewardStatus::Claimed,
        RewardStatus::Paid,
        RewardStatus::Forfeited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RewardStatus::Proposed => "proposed",
            RewardStatus::Approved => "approved",
            RewardStatus::Notified => "notified",
            RewardStatus::Claimed => "claimed",
            RewardStatus::Paid => "paid",
            RewardStatus::Forfeited => "forfeited",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The message key of the state in words.
    pub fn key(self) -> &'static str {
        match self {
            RewardStatus::Proposed => "events-proposed-awaiting-approval",
            RewardStatus::Approved => "events-approved-awaiting-finance",
            RewardStatus::Notified => "events-granted-claimed",
            RewardStatus::Claimed => "events-claimed-paid",
            RewardStatus::Paid => "events-paid",
            RewardStatus::Forfeited => "events-lapsed-unclaimed",
        }
    }

    /// The states after which nothing more is claimed or paid.
    pub const SETTLED: [RewardStatus; 2] = [RewardStatus::Paid, RewardStatus::Forfeited];

    pub fn is_settled(self) -> bool {
        Self::SETTLED.contains(&self)
    }

    /// Whether the reporter is told of the reward (and its amount): only once finance has
    /// authorised it, so an amount no one has checked yet is never promised.
    pub fn shown_to_reporter(self) -> bool {
        match self {
            RewardStatus::Proposed | RewardStatus::Approved => false,
            RewardStatus::Notified | RewardStatus::Claimed | RewardStatus::Paid | RewardStatus::Forfeited => true,
        }
    }
}

/// How many heads of the department approve a proposal: two, neither the proposer, when the
/// amount is above what the policy computed for the tip; otherwise one.
pub fn heads_needed(computed_yuan: i64, amount_yuan: i64) -> u8 {
    if amount_yuan > computed_yuan { 2 } else { 1 }
}

/// What a head's approval does to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// The first of two: the proposal waits for another head.
    First,
    /// The proposal is approved.
    Final,
}

/// Why a head may not approve a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApprover {
    Proposer,
    /// This head gave the first of two approvals already.
    ApprovedAlready,
}

/// What `head`'s approval of a proposal by `proposer` does, given who approved it first.
pub fn approval(
    heads_needed: u8,
    proposer: &str,
    first_approver: Option<&str>,
    head: &str,
) -> Result<Approval, NotApprover> {
    if head == proposer {
        Err(NotApprover::Proposer)
    } else if first_approver == Some(head) {
        Err(NotApprover::ApprovedAlready)
    } else if heads_needed >= 2 && first_approver.is_none() {
        Ok(Approval::First)
    } else {
        Ok(Approval::Final)
    }
}

/// A step of the reward track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardStep {
    Approve,
    Authorise,
    Claim,
    Pay,
    Forfeit,
    /// An approved extension of the claim window (also after forfeiture).
    Extend,
}

pub fn reward_after(status: RewardStatus, step: RewardStep) -> Option<RewardStatus> {
    use RewardStatus as S;
    use RewardStep as T;
    match (status, step) {
        (S::Proposed, T::Approve) => Some(S::Approved),
        (S::Approved, T::Authorise) => Some(S::Notified),
        (S::Notified, T::Claim) => Some(S::Claimed),
        (S::Claimed, T::Pay) => Some(S::Paid),
        (S::Notified, T::Forfeit) => Some(S::Forfeited),
        (S::Notified | S::Forfeited, T::Extend) => Some(S::Notified),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Facts {
        Facts {
            kind: Kind::Violation,
            outcome: Some(Outcome::Substantiated),
            previously_known: false,
            supervisory_duty: false,
            is_duplicate: false,
            accepted_later_than_another: false,
        }
    }

    /// A change to the good facts, and what eligibility it gives.
    type Case = (fn(&mut Facts), Result<(), Ineligible>);

    #[test]
    fn eligibility_table() {
        let cases: [Case; 9] = [
            (|_| {}, Ok(())),
            (|f| f.outcome = Some(Outcome::PartiallySubstantiated), Ok(())),
            (|f| f.outcome = Some(Outcome::Unsubstantiated), Err(Ineligible::Unsubstantiated)),
            (|f| f.outcome = None, Err(Ineligible::NotConcluded)),
            (|f| f.kind = Kind::Other, Err(Ineligible::KindNotRewarded)),
            (|f| f.previously_known = true, Err(Ineligible::PreviouslyKnown)),
            (|f| f.supervisory_duty = true, Err(Ineligible::SupervisoryDuty)),
            (|f| f.is_duplicate = true, Err(Ineligible::NotFirst)),
            (|f| f.accepted_later_than_another = true, Err(Ineligible::NotFirst)),
        ];
        for (change, expected) in cases {
            let mut facts = good();
            change(&mut facts);
            assert_eq!(eligibility(facts), expected, "{facts:?}");
        }
    }

    #[test]
    fn an_amount_above_the_computed_one_needs_two_heads_besides_the_proposer() {
        use Approval::{Final, First};
        assert_eq!((heads_needed(15_000, 15_000), heads_needed(15_000, 10_000)), (1, 1));
        assert_eq!(heads_needed(15_000, 15_001), 2);
        /// Heads needed, the first approver so far, the head approving now, and what it does.
        type Case<'a> = (u8, Option<&'a str>, &'a str, Result<Approval, NotApprover>);
        let cases: [Case; 7] = [
            (1, None, "b", Ok(Final)),
            (1, None, "a", Err(NotApprover::Proposer)),
            (2, None, "b", Ok(First)),
            (2, None, "a", Err(NotApprover::Proposer)),
            (2, Some("b"), "b", Err(NotApprover::ApprovedAlready)),
            (2, Some("b"), "c", Ok(Final)),
            (2, Some("b"), "a", Err(NotApprover::Proposer)),
        ];
        for (needed, first, head, expected) in cases {
            assert_eq!(approval(needed, "a", first, head), expected, "{needed} {first:?} {head}");
        }
    }

    #[test]
    fn the_reporter_sees_a_reward_only_once_authorised() {
        let shown: Vec<_> = RewardStatus::ALL.into_iter().filter(|s| s.shown_to_reporter()).collect();
        use RewardStatus as S;
        assert_eq!(shown, [S::Notified, S::Claimed, S::Paid, S::Forfeited]);
    }

    #[test]
    fn the_track() {
        use RewardStatus as S;
        use RewardStep as T;
        assert_eq!(reward_after(S::Proposed, T::Approve), Some(S::Approved));
        assert_eq!(reward_after(S::Approved, T::Authorise), Some(S::Notified));
        assert_eq!(reward_after(S::Notified, T::Claim), Some(S::Claimed));
        assert_eq!(reward_after(S::Claimed, T::Pay), Some(S::Paid));
        assert_eq!(reward_after(S::Notified, T::Forfeit), Some(S::Forfeited));
        assert_eq!(reward_after(S::Forfeited, T::Extend), Some(S::Notified));
        for (status, step) in [
            (S::Proposed, T::Authorise),
            (S::Approved, T::Pay),
            (S::Paid, T::Claim),
            (S::Claimed, T::Forfeit),
            (S::Forfeited, T::Claim),
            (S::Paid, T::Extend),
        ] {
            assert_eq!(reward_after(status, step), None, "{status:?} {step:?}");
        }
    }
}
