//! Pure rules and the types that carry them: validation of tips, the lifecycle of a case,
//! routing, deadlines, the events of a tip, rewards and accident grades, roles, identifiers,
//! China time. Nothing here touches HTTP, SQL or keys.

pub mod accident;
pub mod capability;
pub mod china_time;
pub mod code;
pub mod deadline;
pub mod deadline_rules;
pub mod event;
pub mod id;
pub mod key_group;
pub mod kind;
pub mod lifecycle;
pub mod matching;
pub mod money;
pub mod report;
pub mod reward;
pub mod reward_policy;
pub mod role;
pub mod routing;
pub mod tip;
pub mod tip_reference;
pub mod username;
pub mod validation;

pub use accident::AccidentGrade;
pub use capability::Capability;
pub use code::Code;
pub use deadline::{DeadlineRule, DeadlineRules, DeadlineStep};
pub use event::EventKind;
pub use id::Id;
pub use key_group::KeyGroup;
pub use kind::Kind;
pub use money::Yuan;
pub use reward_policy::RewardPolicy;
pub use role::{Role, Roles};
pub use tip::{Channel, TipStatus};
pub use tip_reference::TipReference;
pub use username::Username;
