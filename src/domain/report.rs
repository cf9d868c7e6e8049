//! What a reporter tells: sealed to the tip key as a whole, never stored in the clear.

use serde::{Deserialize, Serialize};

/// The content of a tip. Every field is free text from the public; a missing one is empty,
/// for validation to name.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = ReportBody)]
pub struct Report {
    pub title: String,
    pub description: String,
    pub location: String,
    pub company: Option<String>,
    /// The company's 统一社会信用代码 (GB 32100), 18 characters, checked by its check
    /// character.
    pub credit_code: Option<String>,
    /// `YYYY-MM-DD`, when the reporter knows it.
    pub occurred_on: Option<String>,
    /// "I hold safety-supervision duties, or am a close relative of such staff": no reward.
    pub supervisory_duty: bool,
}

impl Report {
    /// What the status and case pages show of it, borrowed.
    pub fn told(&self) -> jubao_templates::Told<'_> {
        jubao_templates::Told {
            title: &self.title,
            description: &self.description,
            location: &self.location,
            company: self.company.as_deref(),
            credit_code: self.credit_code.as_deref(),
            occurred_on: self.occurred_on.as_deref(),
        }
    }
}

/// Who the reporter is, if they chose to say: sealed for the custodians and the reporter only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = IdentityBody)]
pub struct Identity {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub id_number: Option<String>,
}

/// Where finance sends a reward: sealed for finance and the reporter only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PayoutDetails {
    pub name: String,
    pub id_number: String,
    pub bank: String,
    pub account: String,
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(…)"))
            }
        }
    )*};
}

redacted_debug!(Report, Identity, PayoutDetails);
