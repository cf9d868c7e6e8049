//! How a tip's events read, for officials and (the public ones) for the reporter.

use crate::Lang;

pub fn label(kind: &str, lang: Lang) -> &str {
    match kind {
        "accepted" => lang.t("已受理", "Accepted"),
        "verification_started" => lang.t("开始核查", "Verification started"),
        "transferred" => lang.t("转交至", "Transferred to"),
        "assigned" => lang.t("已分配承办人", "Assigned"),
        "rejection_proposed" => lang.t("提议不予受理", "Rejection proposed"),
        "rejected" => lang.t("不予受理，理由：", "Not taken up, because: "),
        "extension_proposed" => lang.t("提议延期", "Extension proposed"),
        "extended" => lang.t("核查期限已延长", "The verification was extended"),
        "conclusion_proposed" => lang.t("提议办结", "Conclusion proposed"),
        "concluded" => lang.t("已办结，反馈：", "Concluded; feedback: "),
        "proposal_denied" => lang.t("提议未获批准：", "Proposal turned down: "),
        "duplicate" => lang.t(
            "与更早的同一事项举报重复，按规定只有最先受理的举报可获奖励",
            "Duplicate of an earlier report on the same matter; only the first accepted report can earn a reward",
        ),
        "closed" => lang.t("已结案", "Closed"),
        "shredded" => lang.t("已按保存期限销毁", "Destroyed under the retention rule"),
        "escalated" => lang.t("超期，已督办", "Overdue: escalated"),
        "identity_disclosed" => lang.t("您的身份信息已被披露", "Your identity was disclosed"),
        "objected" => lang.t("举报人提出异议：", "The reporter objected: "),
        "reviewed" => lang.t("异议已复核，答复：", "The objection was reviewed; the answer: "),
        "duplicate_proposed" => lang.t("提议标记为重复举报", "Proposed as a duplicate"),
        "reward_proposed" => lang.t("已提议奖励", "A reward was proposed"),
        "reward_first_approved" => lang.t(
            "奖励已获第一位负责人批准，待第二位负责人批准",
            "The reward was approved by a first head; a second head approves",
        ),
        "reward_approved" => {
            lang.t("负责人已批准奖励，待财务核准", "A head approved the reward; finance authorises it next")
        }
        "reward_notified" => lang.t("奖励已核准", "A reward was granted"),
        "reward_extended" => lang.t("奖励领取期限已延长", "The time to claim the reward was extended"),
        "reward_paid" => lang.t("奖励已发放", "The reward was paid"),
        "reward_forfeited" => lang.t(
            "奖励逾期未领取，视为放弃；如有正当理由可申请延期",
            "The reward was not claimed in time and lapsed; with good reason you may ask for more time",
        ),
        // A kind this build has no words for: never its code.
        _ => lang.t("办理记录", "A step of the case"),
    }
}

/// A reward's status in words.
pub fn reward_status(status: &str, lang: Lang) -> &str {
    match status {
        "proposed" => lang.t("已提议，待批准", "Proposed, awaiting approval"),
        "approved" => lang.t("已批准，待财务核准", "Approved, awaiting finance"),
        "notified" => lang.t("已核准，待领取", "Granted, to be claimed"),
        "claimed" => lang.t("已申领，待发放", "Claimed, to be paid"),
        "paid" => lang.t("已发放", "Paid"),
        "forfeited" => lang.t("逾期未领取", "Lapsed unclaimed"),
        _ => lang.t("状态未知", "Unknown state"),
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
        "substantiated" => lang.t("属实", "Substantiated"),
        "partially_substantiated" => lang.t("部分属实", "Partly substantiated"),
        "unsubstantiated" => lang.t("不属实", "Not substantiated"),
        _ => lang.t("未知结论", "Unknown outcome"),
    }
}

/// An accident grade in words.
pub fn accident_grade(code: &str, lang: Lang) -> &str {
    match code {
        "general" => lang.t("一般事故", "General"),
        "larger" => lang.t("较大事故", "Larger"),
        "major" => lang.t("重大事故", "Major"),
        "especially_major" => lang.t("特别重大事故", "Especially major"),
        _ => "—",
    }
}

/// How a tip reached the portal, in words.
pub fn channel(code: &str, lang: Lang) -> &str {
    match code {
        "web" => lang.t("网页", "Web form"),
        "qr" => lang.t("二维码海报", "QR poster"),
        "api" => lang.t("接口", "API"),
        "hotline" => lang.t("电话", "Hotline"),
        "letter" => lang.t("来信", "Letter"),
        "visit" => lang.t("来访", "Visit"),
        "email" => lang.t("电子邮件", "Email"),
        _ => lang.t("其他渠道", "Other channel"),
    }
}

/// What was done to a file's metadata, in words.
pub fn metadata(code: &str, lang: Lang) -> &str {
    match code {
        "removed" => lang.t("已去除元数据", "Metadata removed"),
        "kept" => lang.t("保留原样（含元数据）", "Kept as sent (with metadata)"),
        _ => lang.t("无元数据", "No metadata"),
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
                match lang {
                    Lang::Zh => format!(
                        "保密专员已批准，举报人身份于 {at} 向{department}的 {} 披露，理由：{}",
                        x.username, x.reason
                    ),
                    Lang::En => format!(
                        "With the custodian's approval, the reporter's identity was disclosed on {at} to {} of {department}, because: {}",
                        x.username, x.reason
                    ),
                }
            }
            Err(_) => lang
                .t(
                    "举报人身份已经保密专员批准披露",
                    "The reporter's identity was disclosed with the custodian's approval",
                )
                .to_owned(),
        },
        ("identity_disclosed", None) => lang
            .t("举报人身份已经保密专员批准披露", "The reporter's identity was disclosed with the custodian's approval")
            .to_owned(),
        ("reward_forfeited", _) => {
            lang.t("奖励逾期未领取，视为放弃", "The reward was not claimed in time and lapsed").to_owned()
        }
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
            Ok(e) => format!(
                "{label}{}{}{}{}",
                lang.t(" ", " by "),
                e.days,
                lang.t(" 天，理由：", " days, because: "),
                e.reason
            ),
            Err(_) => label.to_owned(),
        },
        ("identity_disclosed", Some(d)) => match serde_json::from_str::<Disclosure>(d) {
            Ok(x) => {
                let department = x.department.as_deref().map(department_name).unwrap_or_default();
                match lang {
                    Lang::Zh => format!(
                        "您的身份信息已于 {at} 经保密专员批准，向{department}的工作人员 {} 披露，理由：{}",
                        x.username, x.reason
                    ),
                    Lang::En => format!(
                        "On {at}, with the custodian's approval, your identity was disclosed to {} of {department}, because: {}",
                        x.username, x.reason
                    ),
                }
            }
            Err(_) => label.to_owned(),
        },
        ("reward_notified" | "reward_extended", Some(d)) => match serde_json::from_str::<Notice>(d) {
            Ok(n) => match lang {
                Lang::Zh => format!("{label}：{} 元，请于 {} 前领取", n.amount, n.claim_due_on),
                Lang::En => format!("{label}: {} yuan, to be claimed by {}", n.amount, n.claim_due_on),
            },
            Err(_) => label.to_owned(),
        },
        ("transferred", Some(d)) => format!("{label} {}", department_name(d)),
        (_, Some(d)) => format!("{label} {d}"),
        (_, None) => label.to_owned(),
    }
}
