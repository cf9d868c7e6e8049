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

    pub fn as_str(self) -> &'static str {
        match self {
            AccidentGrade::General => "general",
            AccidentGrade::Larger => "larger",
            AccidentGrade::Major => "major",
            AccidentGrade::EspeciallyMajor => "especially_major",
        }
    }
}
