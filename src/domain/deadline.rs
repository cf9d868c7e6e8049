//! Deadlines of the lifecycle (PRODUCT.md §2), in calendar days from `seeds/deadlines.toml`.

use serde::{Deserialize, Serialize};

/// The steps that carry a deadline, each counted from a fixed event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStep {
    /// 受理, after receipt.
    Acknowledge,
    /// 核查办结, after acceptance.
    Conclude,
    /// The one extension of the verification, after its due date.
    Extension,
    /// Feedback to the reporter, after the conclusion.
    Feedback,
    /// The reporter's objection, after the feedback.
    Objection,
    /// The review of an objection, after the objection.
    Review,
    /// The reward notice, after the conclusion.
    RewardNotice,
    /// The reporter's claim, after the reward notice.
    Claim,
}

impl DeadlineStep {
    pub const ALL: [DeadlineStep; 8] = [
        DeadlineStep::Acknowledge,
        DeadlineStep::Conclude,
        DeadlineStep::Extension,
        DeadlineStep::Feedback,
        DeadlineStep::Objection,
        DeadlineStep::Review,
        DeadlineStep::RewardNotice,
        DeadlineStep::Claim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStep::Acknowledge => "acknowledge",
            DeadlineStep::Conclude => "conclude",
            DeadlineStep::Extension => "extension",
            DeadlineStep::Feedback => "feedback",
            DeadlineStep::Objection => "objection",
            DeadlineStep::Review => "review",
            DeadlineStep::RewardNotice => "reward_notice",
            DeadlineStep::Claim => "claim",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.as_str() == s)
    }
}

/// How sure the source of a rule is (regulations.md: [C], [P], [U]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    Confirmed,
    Predecessor,
    Unconfirmed,
}

impl SourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Confirmed => "confirmed",
            SourceStatus::Predecessor => "predecessor",
            SourceStatus::Unconfirmed => "unconfirmed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    pub days: u16,
    pub status: SourceStatus,
    pub source: String,
}

/// One rule per step, each between 1 and 366 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRules {
    pub acknowledge: DeadlineRule,
    pub conclude: DeadlineRule,
    pub extension: DeadlineRule,
    pub feedback: DeadlineRule,
    pub objection: DeadlineRule,
    pub review: DeadlineRule,
    pub reward_notice: DeadlineRule,
    pub claim: DeadlineRule,
}

pub const MAX_DAYS: u16 = 366;

impl DeadlineRules {
    pub fn get(&self, step: DeadlineStep) -> &DeadlineRule {
        match step {
            DeadlineStep::Acknowledge => &self.acknowledge,
            DeadlineStep::Conclude => &self.conclude,
            DeadlineStep::Extension => &self.extension,
            DeadlineStep::Feedback => &self.feedback,
            DeadlineStep::Objection => &self.objection,
            DeadlineStep::Review => &self.review,
            DeadlineStep::RewardNotice => &self.reward_notice,
            DeadlineStep::Claim => &self.claim,
        }
    }

    /// The first rule out of range, as `(step, message)`.
    pub fn validate(&self) -> Result<(), (DeadlineStep, String)> {
        for step in DeadlineStep::ALL {
            let days = self.get(step).days;
            if !(1..=MAX_DAYS).contains(&days) {
                return Err((step, format!("{days} days is outside 1–{MAX_DAYS}")));
            }
        }
        Ok(())
    }
}
