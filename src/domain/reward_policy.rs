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
    /// How far an override (with a reason and two heads' approval) may go above a kind's
    /// ceiling. Absent, as in the national measure: never above the ceiling.
    #[serde(default)]
    pub override_maximum: Option<Yuan>,
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
        if let Some(most) = self.override_maximum {
            for (kind, ceiling) in Kind::ALL.into_iter().filter_map(|k| Some((k, self.ceiling(k)?))) {
                if most < ceiling {
                    return fail(
                        "override_maximum",
                        format!("{most} is below the ceiling {ceiling} for {}", kind.as_str()),
                    );
                }
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
        let cases: [Breakage; 7] = [
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
            ("below the ceiling 300000", |p| p.override_maximum = Some(Yuan(299_999))),
        ];
        for (expected, break_it) in cases {
            let mut policy = national();
            break_it(&mut policy);
            let err = policy.validate().unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
    }
}

/// What a reward is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The administrative fine imposed (major hazards, violations).
    Fine(Yuan),
    /// A concealed or falsely reported accident: its final grade and the concealed deaths.
    Concealed { grade: AccidentGrade, deaths: u32 },
    /// A listed matter of the provincial catalogue.
    Catalogue(Code),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoAmount(pub String);

impl RewardPolicy {
    /// The reward this policy gives, in whole yuan.
    pub fn quote(&self, kind: Kind, basis: &Basis) -> Result<Yuan, NoAmount> {
        match basis {
            Basis::Fine(fine) => {
                let share =
                    self.fine_share.iter().find(|s| s.kinds.contains(&kind)).ok_or_else(|| {
                        NoAmount(format!("the policy gives no share of a fine for {}", kind.as_str()))
                    })?;
                if fine.0 < 0 {
                    return Err(NoAmount("a fine cannot be negative".to_owned()));
                }
                // Whole yuan, rounded down; the floor applies even when the share is lower.
                let raw = fine.0.saturating_mul(i64::from(share.percent)) / 100;
                Ok(Yuan(raw.clamp(share.minimum.0, share.maximum.0)))
            }
            Basis::Concealed { grade, deaths } => {
                let per = self
                    .concealed_accident
                    .as_ref()
                    .ok_or_else(|| NoAmount("the policy gives nothing for concealed accidents".to_owned()))?;
                if kind != Kind::ConcealedAccident {
                    return Err(NoAmount(format!(
                        "a per-death reward is for concealed accidents, not {}",
                        kind.as_str()
                    )));
                }
                if *deaths == 0 {
                    return Err(NoAmount(
                        "no amount is set for a concealed accident without concealed deaths".to_owned(),
                    ));
                }
                let amount = per.per_death.for_grade(*grade).0.saturating_mul(i64::from(*deaths));
                Ok(Yuan(amount.min(per.maximum.0)))
            }
            Basis::Catalogue(code) => self
                .catalogue
                .iter()
                .find(|item| &item.code == code)
                .map(|item| item.amount)
                .ok_or_else(|| NoAmount(format!("{code} is not in the policy's catalogue"))),
        }
    }
}

/// Why an amount cannot be proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountRefused {
    /// A reward is above zero.
    NotPositive,
    /// Above the most the policy allows for the tip (the kind's ceiling, or `override_maximum`).
    AboveCeiling(Yuan),
}

impl RewardPolicy {
    /// The most the policy gives for a kind: its fine share's maximum, or for a concealed
    /// accident the per-tip cap. `None` for a kind the policy does not reward by rule.
    pub fn ceiling(&self, kind: Kind) -> Option<Yuan> {
        let concealed = self.concealed_accident.as_ref().filter(|_| kind == Kind::ConcealedAccident);
        concealed
            .map(|c| c.maximum)
            .or_else(|| self.fine_share.iter().find(|s| s.kinds.contains(&kind)).map(|s| s.maximum))
    }

    /// The most a proposal for `kind` may give when the policy computed `computed`: the
    /// kind's ceiling, raised to `override_maximum` where the policy sets one.
    pub fn most_for(&self, kind: Kind, computed: Yuan) -> Yuan {
        let ceiling = self.ceiling(kind).unwrap_or(computed).max(computed);
        self.override_maximum.map_or(ceiling, |most| most.max(ceiling))
    }

    /// Whether `amount` may be proposed for a tip of `kind` for which the policy computed
    /// `computed`.
    pub fn check_amount(&self, kind: Kind, computed: Yuan, amount: Yuan) -> Result<(), AmountRefused> {
        if amount.0 <= 0 {
            return Err(AmountRefused::NotPositive);
        }
        let most = self.most_for(kind, computed);
        if amount > most {
            return Err(AmountRefused::AboveCeiling(most));
        }
        Ok(())
    }
}

#[cfg(test)]
mod ceiling_tests {
    use super::*;

    fn national() -> RewardPolicy {
        toml::from_str(include_str!("../../seeds/reward_policy.toml")).unwrap()
    }

    /// The national measure: 15 % of the fine within 3 000–300 000; a concealed accident
    /// 30 000 / 40 000 / 50 000 / 60 000 per death, at most 300 000. Whatever the policy
    /// computed, no proposal goes above 300 000, and nothing at or below zero.
    #[test]
    fn the_ceilings_of_the_national_measure() {
        use AccidentGrade::*;
        let p = national();
        let fine = |yuan| p.quote(Kind::Violation, &Basis::Fine(Yuan(yuan))).unwrap();
        let concealed = |grade, deaths| p.quote(Kind::ConcealedAccident, &Basis::Concealed { grade, deaths }).unwrap();
        let ceiling = Err(AmountRefused::AboveCeiling(Yuan(300_000)));
        /// What the case is, the kind, the computed amount, the proposed amount, the answer.
        type Case = (&'static str, Kind, Yuan, i64, Result<(), AmountRefused>);
        let cases: [Case; 16] = [
            ("fine 100 000: the computed 15 000", Kind::Violation, fine(100_000), 15_000, Ok(())),
            ("fine 100 000: lower", Kind::Violation, fine(100_000), 10_000, Ok(())),
            ("fine 100 000: higher", Kind::Violation, fine(100_000), 20_000, Ok(())),
            ("fine 100 000: the ceiling itself", Kind::Violation, fine(100_000), 300_000, Ok(())),
            ("fine 100 000: a yuan above the ceiling", Kind::Violation, fine(100_000), 300_001, ceiling),
            ("fine 100 000: 9 000 000 000", Kind::Violation, fine(100_000), 9_000_000_000, ceiling),
            ("fine 0: the floor of 3 000", Kind::MajorHazard, fine(0), 3_000, Ok(())),
            ("fine 5 000 000: capped at 300 000", Kind::MajorHazard, fine(5_000_000), 300_000, Ok(())),
            ("fine 5 000 000: 15 % is 750 000", Kind::MajorHazard, fine(5_000_000), 750_000, ceiling),
            ("一般, 1 death", Kind::ConcealedAccident, concealed(General, 1), 30_000, Ok(())),
            ("较大, 4 deaths: 160 000", Kind::ConcealedAccident, concealed(Larger, 4), 160_000, Ok(())),
            ("重大, 6 deaths: 300 000 at most", Kind::ConcealedAccident, concealed(Major, 6), 300_000, Ok(())),
            (
                "特别重大, 5 deaths: 300 000, not 300 001",
                Kind::ConcealedAccident,
                concealed(EspeciallyMajor, 5),
                300_001,
                ceiling,
            ),
            ("zero", Kind::Violation, fine(100_000), 0, Err(AmountRefused::NotPositive)),
            ("negative", Kind::Violation, fine(100_000), -1, Err(AmountRefused::NotPositive)),
            ("i64::MIN", Kind::Violation, fine(100_000), i64::MIN, Err(AmountRefused::NotPositive)),
        ];
        for (case, kind, computed, amount, expected) in cases {
            assert_eq!(p.check_amount(kind, computed, Yuan(amount)), expected, "{case}");
        }
        assert_eq!(p.ceiling(Kind::Violation), Some(Yuan(300_000)));
        assert_eq!(p.ceiling(Kind::ConcealedAccident), Some(Yuan(300_000)));
        assert_eq!(p.ceiling(Kind::Other), None);
    }

    #[test]
    fn override_maximum_raises_the_limit_and_no_further() {
        let text = format!("override_maximum = 500000\n{}", include_str!("../../seeds/reward_policy.toml"));
        let p: RewardPolicy = toml::from_str(&text).unwrap();
        assert_eq!(p.validate(), Ok(()));
        let computed = Yuan(15_000);
        assert_eq!(p.check_amount(Kind::Violation, computed, Yuan(500_000)), Ok(()));
        assert_eq!(
            p.check_amount(Kind::Violation, computed, Yuan(500_001)),
            Err(AmountRefused::AboveCeiling(Yuan(500_000)))
        );
        assert_eq!(national().override_maximum, None, "absent by default");
    }
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    fn national() -> RewardPolicy {
        toml::from_str(include_str!("../../seeds/reward_policy.toml")).unwrap()
    }

    #[test]
    fn the_cases_of_the_national_measure() {
        use AccidentGrade::*;
        let p = national();
        let fine = |kind, yuan| p.quote(kind, &Basis::Fine(Yuan(yuan))).unwrap().0;
        let concealed =
            |grade, deaths| p.quote(Kind::ConcealedAccident, &Basis::Concealed { grade, deaths }).unwrap().0;
        let cases: [(&str, i64, i64); 13] = [
            ("fine 10 000", fine(Kind::Violation, 10_000), 3_000),
            ("fine 100 000", fine(Kind::Violation, 100_000), 15_000),
            ("fine 1 000 000", fine(Kind::MajorHazard, 1_000_000), 150_000),
            ("fine 5 000 000", fine(Kind::MajorHazard, 5_000_000), 300_000),
            ("fine 0: the floor", fine(Kind::Violation, 0), 3_000),
            ("fine 20 000: exactly the floor", fine(Kind::Violation, 20_000), 3_000),
            ("fine 20 007: rounded down", fine(Kind::Violation, 20_007), 3_001),
            ("fine 2 000 000: exactly the ceiling", fine(Kind::Violation, 2_000_000), 300_000),
            ("较大, 4 deaths", concealed(Larger, 4), 160_000),
            ("重大, 12 deaths", concealed(Major, 12), 300_000),
            ("一般, 1 death", concealed(General, 1), 30_000),
            ("特别重大, 5 deaths: capped", concealed(EspeciallyMajor, 5), 300_000),
            ("一般, 10 deaths: 300 000 exactly", concealed(General, 10), 300_000),
        ];
        for (case, got, expected) in cases {
            assert_eq!(got, expected, "{case}");
        }
    }

    #[test]
    fn what_gives_no_amount() {
        let p = national();
        assert!(p.quote(Kind::Other, &Basis::Fine(Yuan(100_000))).is_err());
        assert!(
            p.quote(Kind::ConcealedAccident, &Basis::Concealed { grade: AccidentGrade::Major, deaths: 0 }).is_err()
        );
        assert!(p.quote(Kind::Violation, &Basis::Concealed { grade: AccidentGrade::Major, deaths: 3 }).is_err());
        assert!(p.quote(Kind::Violation, &Basis::Catalogue(Code::parse("nothing").unwrap())).is_err());
        assert!(p.quote(Kind::Violation, &Basis::Fine(Yuan(-1))).is_err());
    }

    #[test]
    fn another_province_is_another_file() {
        let text = include_str!("../../seeds/reward_policy.toml")
            .replace("percent = 15", "percent = 50")
            .replace("minimum = 3000", "minimum = 5000")
            .replace("maximum = 300000\n\n# Concealed", "maximum = 500000\n\n# Concealed");
        let p: RewardPolicy = toml::from_str(&text).unwrap();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.quote(Kind::Violation, &Basis::Fine(Yuan(100_000))).unwrap(), Yuan(50_000));
        assert_eq!(p.quote(Kind::Violation, &Basis::Fine(Yuan(2_000_000))).unwrap(), Yuan(500_000));
        assert_eq!(p.quote(Kind::Violation, &Basis::Fine(Yuan(1_000))).unwrap(), Yuan(5_000));
    }
}
