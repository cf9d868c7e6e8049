//! How a tip's events read, for officials and (the public ones) for the reporter.

use crate::Lang;

/// How an event's detail reads, as its kind says (`domain::EventKind` in the main crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Anything, after the label (a reason, an account).
    Text,
    /// An extension's terms.
    Extension,
    /// A disclosure of the reporter's identity.
    Disclosure,
    /// A reward notice.
    RewardNotice,
    /// A department's code: where the tip went.
    Department,
}

/// A kind of event in words: the message key of its label, the key of the label officials
/// read (the same, or in the third person where the reporter's speaks to the reporter), and
/// how its detail reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    pub key: &'static str,
    pub staff_key: &'static str,
    pub detail: Detail,
}

/// An extension's terms as stored: `{"days": …, "reason": …}`.
#[derive(serde::Deserialize)]
struct Extension {
    days: i64,
    reason: String,
}

/// A reward notice: `{"amount", "claim_due_on"}`.
#[derive(serde::Deserialize)]
struct Notice {
    amount: i64,
    claim_due_on: String,
}

/// A disclosure as the reporter is told: `{"username", "department", "reason"}`.
#[derive(serde::Deserialize)]
struct Disclosure {
    username: String,
    department: Option<String>,
    reason: String,
}

/// A disclosure's detail in a sentence (`key`: to the reporter or to officials); `None`
/// when the detail does not read as one.
fn disclosed(
    detail: &str,
    key: &'static str,
    at: &str,
    lang: Lang,
    department_name: &dyn Fn(&str) -> String,
) -> Option<String> {
    let x = serde_json::from_str::<Disclosure>(detail).ok()?;
    let department = x.department.as_deref().map(department_name).unwrap_or_default();
    let args =
        [("at", at.into()), ("department", department.into()), ("who", x.username.into()), ("reason", x.reason.into())];
    Some(lang.tr_with(key, &args))
}

/// Who reads an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Reporter,
    /// In the third person where the reporter's sentence speaks to the reporter.
    Official,
}

/// The event in a sentence, with its detail where it has one. `department_name` turns a
/// department code into its name.
pub fn sentence(
    words: Words,
    reader: Reader,
    detail: Option<&str>,
    at: &str,
    lang: Lang,
    department_name: &dyn Fn(&str) -> String,
) -> String {
    if reader == Reader::Official {
        if words.detail == Detail::Disclosure {
            let to_official =
                detail.and_then(|d| disclosed(d, "events-disclosed-to-official", at, lang, department_name));
            return to_official.unwrap_or_else(|| lang.tr("events-reporter-s-identity-disclosed-custodian").to_owned());
        }
        if words.staff_key != words.key {
            return lang.tr(words.staff_key).to_owned();
        }
    }
    let label = lang.tr(words.key);
    let Some(d) = detail else { return label.to_owned() };
    let worded = match words.detail {
        Detail::Extension => serde_json::from_str::<Extension>(d).ok().map(|e| {
            lang.tr_with(
                "events-extended",
                &[("label", label.into()), ("days", e.days.into()), ("reason", e.reason.into())],
            )
        }),
        Detail::Disclosure => disclosed(d, "events-disclosed-to-reporter", at, lang, department_name),
        Detail::RewardNotice => serde_json::from_str::<Notice>(d).ok().map(|n| {
            let args =
                [("label", label.into()), ("amount", n.amount.to_string().into()), ("due", n.claim_due_on.into())];
            lang.tr_with("events-reward-notice", &args)
        }),
        Detail::Department => Some(format!("{label} {}", department_name(d))),
        Detail::Text => Some(format!("{label} {d}")),
    };
    worded.unwrap_or_else(|| label.to_owned())
}
