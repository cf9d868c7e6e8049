//! How a tip's events read, for officials and (the public ones) for the reporter.

use crate::Lang;

pub fn label(kind: &str, lang: Lang) -> &str {
    match kind {
        "accepted" => lang.tr("events-accepted"),
        "verification_started" => lang.tr("events-verification-started"),
        "transferred" => lang.tr("events-transferred"),
        "assigned" => lang.tr("events-assigned"),
        "rejection_proposed" => lang.tr("events-rejection-proposed"),
        "rejected" => lang.tr("events-not-taken-up-because"),
        "extension_proposed" => lang.tr("events-extension-proposed"),
        "extended" => lang.tr("events-verification-extended"),
        "conclusion_proposed" => lang.tr("events-conclusion-proposed"),
        "concluded" => lang.tr("events-concluded-feedback"),
        "proposal_denied" => lang.tr("events-proposal-turned-down"),
        "duplicate" => lang.tr("events-duplicate-earlier-report-same-matter"),
        "closed" => lang.tr("events-closed"),
        "shredded" => lang.tr("events-destroyed-under-retention-rule"),
        "escalated" => lang.tr("events-overdue-escalated"),
        "identity_disclosed" => lang.tr("events-your-identity-disclosed"),
        "objected" => lang.tr("events-reporter-objected"),
        "reviewed" => lang.tr("events-objection-reviewed-answer"),
        "duplicate_proposed" => lang.tr("events-proposed-duplicate"),
        "reward_proposed" => lang.tr("events-reward-proposed"),
        "reward_first_approved" => lang.tr("events-reward-approved-first-head-second"),
        "reward_approved" => lang.tr("events-head-approved-reward-finance-authorises"),
        "reward_notified" => lang.tr("events-reward-granted"),
        "reward_extended" => lang.tr("events-time-claim-reward-extended"),
        "reward_paid" => lang.tr("events-reward-paid"),
        "reward_forfeited" => lang.tr("events-reward-not-claimed-time-lapsed"),
        // A kind this build has no words for: never its code.
        _ => lang.tr("events-step-case"),
    }
}

/// A reward's status in words.
pub fn reward_status(status: &str, lang: Lang) -> &str {
    match status {
        "proposed" => lang.tr("events-proposed-awaiting-approval"),
        "approved" => lang.tr("events-approved-awaiting-finance"),
        "notified" => lang.tr("events-granted-claimed"),
        "claimed" => lang.tr("events-claimed-paid"),
        "paid" => lang.tr("events-paid"),
        "forfeited" => lang.tr("events-lapsed-unclaimed"),
        _ => lang.tr("events-unknown-state"),
    }
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

/// A verified outcome in words.
pub fn outcome(code: &str, lang: Lang) -> &str {
    match code {
        "substantiated" => lang.tr("events-substantiated"),
        "partially_substantiated" => lang.tr("events-partly-substantiated"),
        "unsubstantiated" => lang.tr("events-not-substantiated"),
        _ => lang.tr("events-unknown-outcome"),
    }
}

/// An accident grade in words.
pub fn accident_grade(code: &str, lang: Lang) -> &str {
    match code {
        "general" => lang.tr("events-general"),
        "larger" => lang.tr("events-larger"),
        "major" => lang.tr("events-major"),
        "especially_major" => lang.tr("events-especially-major"),
        _ => "—",
    }
}

/// How a tip reached the portal, in words.
pub fn channel(code: &str, lang: Lang) -> &str {
    match code {
        "web" => lang.tr("events-web-form"),
        "qr" => lang.tr("events-qr-poster"),
        "api" => lang.tr("events-api"),
        "hotline" => lang.tr("events-hotline"),
        "letter" => lang.tr("desk-letter"),
        "visit" => lang.tr("desk-visit"),
        "email" => lang.tr("desk-email"),
        _ => lang.tr("events-other-channel"),
    }
}

/// What was done to a file's metadata, in words.
pub fn metadata(code: &str, lang: Lang) -> &str {
    match code {
        "removed" => lang.tr("events-metadata-removed"),
        "kept" => lang.tr("events-kept-sent-metadata"),
        _ => lang.tr("events-no-metadata"),
    }
}

/// The event as officials read it: as `sentence`, but in the third person where the
/// reporter's sentence speaks to the reporter.
pub fn staff_sentence(
    kind: &str,
    detail: Option<&str>,
    at: &str,
    lang: Lang,
    department_name: &dyn Fn(&str) -> String,
) -> String {
    match (kind, detail) {
        ("identity_disclosed", Some(d)) => match serde_json::from_str::<Disclosure>(d) {
            Ok(x) => {
                let department = x.department.as_deref().map(department_name).unwrap_or_default();
                let args = [
                    ("at", at.into()),
                    ("department", department.into()),
                    ("who", x.username.into()),
                    ("reason", x.reason.into()),
                ];
                lang.tr_with("events-disclosed-to-official", &args)
            }
            Err(_) => lang.tr("events-reporter-s-identity-disclosed-custodian").to_owned(),
        },
        ("identity_disclosed", None) => lang.tr("events-reporter-s-identity-disclosed-custodian").to_owned(),
        ("reward_forfeited", _) => lang.tr("events-reward-not-claimed-time-lapsed-2").to_owned(),
        _ => sentence(kind, detail, at, lang, department_name),
    }
}

/// The event in a sentence, with its detail where it has one. `department_name` turns a
/// department code into its name.
pub fn sentence(
    kind: &str,
    detail: Option<&str>,
    at: &str,
    lang: Lang,
    department_name: &dyn Fn(&str) -> String,
) -> String {
    let label = label(kind, lang);
    match (kind, detail) {
        ("extended", Some(d)) => match serde_json::from_str::<Extension>(d) {
            Ok(e) => lang.tr_with(
                "events-extended",
                &[("label", label.into()), ("days", e.days.into()), ("reason", e.reason.into())],
            ),
            Err(_) => label.to_owned(),
        },
        ("identity_disclosed", Some(d)) => match serde_json::from_str::<Disclosure>(d) {
            Ok(x) => {
                let department = x.department.as_deref().map(department_name).unwrap_or_default();
                let args = [
                    ("at", at.into()),
                    ("department", department.into()),
                    ("who", x.username.into()),
                    ("reason", x.reason.into()),
                ];
                lang.tr_with("events-disclosed-to-reporter", &args)
            }
            Err(_) => label.to_owned(),
        },
        ("reward_notified" | "reward_extended", Some(d)) => match serde_json::from_str::<Notice>(d) {
            Ok(n) => {
                let args =
                    [("label", label.into()), ("amount", n.amount.to_string().into()), ("due", n.claim_due_on.into())];
                lang.tr_with("events-reward-notice", &args)
            }
            Err(_) => label.to_owned(),
        },
        ("transferred", Some(d)) => format!("{label} {}", department_name(d)),
        (_, Some(d)) => format!("{label} {d}"),
        (_, None) => label.to_owned(),
    }
}
