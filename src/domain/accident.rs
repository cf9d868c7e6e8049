//! 事故等级 (国务院令第493号, art. 3).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccidentGrade {
    /// 一般事故
    General,
    /// 较大事故
    Larger,
    /// 重大事故
    Major,
    /// 特别重大事故
    EspeciallyMajor,
}

impl AccidentGrade {
    pub const ALL: [AccidentGrade; 4] =
        [AccidentGrade::General, AccidentGrade::Larger, AccidentGrade::Major, AccidentGrade::EspeciallyMajor];

    /// The catalogue's words for it.
    pub fn key(self) -> &'static str {
        match self {
            AccidentGrade::General => "events-general",
            AccidentGrade::Larger => "events-larger",
            AccidentGrade::Major => "events-major",
            AccidentGrade::EspeciallyMajor => "events-especially-major",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccidentGrade::General => "general",
            AccidentGrade::Larger => "larger",
            AccidentGrade::Major => "major",
            AccidentGrade::EspeciallyMajor => "especially_major",
        }
    }
}

impl AccidentGrade {
    /// The grade of an accident by its consequences (国务院令第493号, art. 3): any one
    /// criterion sets it, and "以上" includes the number.
    pub fn from_consequences(deaths: u32, serious_injuries: u32, direct_loss_yuan: u64) -> Self {
        if deaths >= 30 || serious_injuries >= 100 || direct_loss_yuan >= 100_000_000 {
            AccidentGrade::EspeciallyMajor
        } else if deaths >= 10 || serious_injuries >= 50 || direct_loss_yuan >= 50_000_000 {
            AccidentGrade::Major
        } else if deaths >= 3 || serious_injuries >= 10 || direct_loss_yuan >= 10_000_000 {
            AccidentGrade::Larger
        } else {
            AccidentGrade::General
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::AccidentGrade::{self, *};

    #[test]
    fn every_boundary_of_the_table() {
        // (deaths, serious injuries, direct loss in yuan, grade)
        let cases: [(u32, u32, u64, AccidentGrade); 16] = [
            (0, 0, 0, General),
            (2, 9, 9_999_999, General),
            (3, 0, 0, Larger),
            (0, 10, 0, Larger),
            (0, 0, 10_000_000, Larger),
            (9, 49, 49_999_999, Larger),
            (10, 0, 0, Major),
            (0, 50, 0, Major),
            (0, 0, 50_000_000, Major),
            (29, 99, 99_999_999, Major),
            (30, 0, 0, EspeciallyMajor),
            (0, 100, 0, EspeciallyMajor),
            (0, 0, 100_000_000, EspeciallyMajor),
            (2, 10, 0, Larger),
            (1, 1, 60_000_000, Major),
            (35, 0, 0, EspeciallyMajor),
        ];
        for (deaths, injuries, loss, grade) in cases {
            assert_eq!(AccidentGrade::from_consequences(deaths, injuries, loss), grade, "{deaths} {injuries} {loss}");
        }
    }
}
