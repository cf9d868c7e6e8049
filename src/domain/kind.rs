//! 举报类型: what a tip is about.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 重大事故隐患
    MajorHazard,
    /// 安全生产违法行为
    Violation,
    /// 瞒报、谎报事故
    ConcealedAccident,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::MajorHazard, Kind::Violation, Kind::ConcealedAccident, Kind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MajorHazard => "major_hazard",
            Kind::Violation => "violation",
            Kind::ConcealedAccident => "concealed_accident",
            Kind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("hazard"), None);
    }
}
