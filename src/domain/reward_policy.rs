//! The reward policy of a province (PRODUCT.md §3), read from `seeds/reward_policy.toml`.
//! Another province's measure is another file with the same keys, never a code change.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{AccidentGrade, Code, Kind, Yuan};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardPolicy {
    pub code: Code,
    pub name_zh: String,
    pub name_en: String,
    /// A share of the administrative fine, per kind.
    #[serde(default)]
    pub fine_share: Vec<FineShare>,
    /// Amounts per verified concealed death, by accident grade.
    pub concealed_accident: Option<PerDeath>,
    /// Listed matters with a fixed amount each (a provincial catalogue).
    #[serde(default)]
    pub catalogue: Vec<CatalogueItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FineShare {
    pub kinds: Vec<Kind>,
    /// Whole percent of the fine, 1–100.
    pub percent: u8,
    pub minimum: Yuan,
    pub maximum: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerDeath {
    pub per_death: GradeAmounts,
    pub maximum: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeAmounts {
    pub general: Yuan,
    pub larger: Yuan,
    pub major: Yuan,
    pub especially_major: Yuan,
}

impl GradeAmounts {
    pub fn for_grade(&self, grade: AccidentGrade) -> Yuan {
        match grade {
            AccidentGrade::General => self.general,
            AccidentGrade::Larger => self.larger,
            AccidentGrade::Major => self.major,
            AccidentGrade::EspeciallyMajor => self.especially_major,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueItem {
    pub code: Code,
    pub name_zh: String,
    pub name_en: String,
    pub department: Code,
    pub amount: Yuan,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{entry}: {message}")]
pub struct PolicyError {
    /// Which part of the policy is wrong, e.g. `fine_share for violation`.
    pub entry: String,
    pub message: String,
}

fn fail(entry: impl Into<String>, message: impl Into<String>) -> Result<(), PolicyError> {
    Err(PolicyError { entry: entry.into(), message: message.into() })
}

impl RewardPolicy {
    /// Checks the rules that serde cannot: ranges, order of amounts, no kind twice. Codes of
    /// departments in the catalogue are checked against the departments by the seed loader.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let mut seen = HashSet::new();
        for share in &self.fine_share {
            let entry =
                format!("fine_share for {}", share.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "));
            if share.kinds.is_empty() {
                return fail(entry, "names no kind");
            }
            for kind in &share.kinds {
                if !seen.insert(*kind) {
                    return fail(entry, format!("kind {} appears in two fine shares", kind.as_str()));
                }
            }
            if !(1..=100).contains(&share.percent) {
                return fail(entry, format!("percent {} is outside 1–100", share.percent));
            }
            if share.minimum.0 < 0 || share.minimum > share.maximum {
                return fail(
                    entry,
                    format!(
                        "minimum {} and maximum {} must satisfy 0 ≤ minimum ≤ maximum",
                        share.minimum, share.maximum
                    ),
                );
            }
        }
        if let Some(concealed) = &self.concealed_accident {
            let entry = "concealed_accident";
            let amounts: Vec<Yuan> = AccidentGrade::ALL.into_iter().map(|g| concealed.per_death.for_grade(g)).collect();
            if amounts.iter().any(|a| a.0 <= 0) {
                return fail(entry, "every per-death amount must be above 0");
            }
            if amounts.windows(2).any(|w| w[0] > w[1]) {
                return fail(entry, "per-death amounts must not fall as the grade rises");
            }
            if concealed.maximum < amounts[0] {
                return fail(entry, format!("maximum {} is below the amount for one death", concealed.maximum));
            }
        }
        let mut codes = HashSet::new();
        for item in &self.catalogue {
            let entry = format!("catalogue item {}", item.code);
            if !codes.insert(&item.code) {
                return fail(entry, "appears twice");
            }
            if item.amount.0 <= 0 {
                return fail(entry, "amount must be above 0");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIONAL: &str = include_str!("../../seeds/reward_policy.toml");

    fn national() -> RewardPolicy {
        toml::from_str(NATIONAL).unwrap()
    }

    #[test]
    fn the_national_policy_is_valid() {
        let policy = national();
        assert_eq!(policy.validate(), Ok(()));
        assert_eq!(policy.fine_share[0].percent, 15);
        assert_eq!(policy.fine_share[0].minimum, Yuan(3000));
        assert_eq!(policy.fine_share[0].maximum, Yuan(300_000));
        let concealed = policy.concealed_accident.unwrap();
        assert_eq!(concealed.per_death.for_grade(AccidentGrade::Larger), Yuan(40_000));
        assert_eq!(concealed.maximum, Yuan(300_000));
    }

    #[test]
    fn rejects_broken_policies() {
        type Breakage = (&'static str, fn(&mut RewardPolicy));
        let cases: [Breakage; 6] = [
            ("percent", |p| p.fine_share[0].percent = 0),
            ("minimum", |p| p.fine_share[0].minimum = Yuan(400_000)),
            ("two fine shares", |p| {
                let again = p.fine_share[0].clone();
                p.fine_share.push(again);
            }),
            ("above 0", |p| {
                if let Some(c) = p.concealed_accident.as_mut() {
                    c.per_death.general = Yuan(0)
                }
            }),
            ("must not fall", |p| {
                if let Some(c) = p.concealed_accident.as_mut() {
                    c.per_death.major = Yuan(1)
                }
            }),
            ("names no kind", |p| p.fine_share[0].kinds.clear()),
        ];
        for (expected, break_it) in cases {
            let mut policy = national();
            break_it(&mut policy);
            let err = policy.validate().unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
    }
}
