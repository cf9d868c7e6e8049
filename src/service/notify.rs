//! Notifications to officials: a neutral subject, a link and the reference, never content or
//! anything about the reporter. Queued in the outbox, sent by `service::mailer`.

use super::ServiceError;
use crate::configuration::PublicUrl;
use crate::domain::Id;
use crate::store::{Conn, outbox, users};

pub const SUBJECT: &str = "安全生产举报平台：有待处理事项 / Work-safety reporting: an item needs attention";

/// Why someone is told: one line of the body, in both languages, naming no content.
#[derive(Debug, Clone, Copy)]
pub enum Why {
    NewTip,
    Assigned,
    ProposalWaiting,
    ProposalDecided,
    DueSoon,
    Escalated,
    DisclosureRequested,
    DisclosureDecided,
    ReporterWrote,
    RewardWaiting,
    /// A head approved a reward above the computed amount: another head must approve it too.
    SecondApprovalWaiting,
    ClaimDueSoon,
    Objection,
    SignInAttack,
}

impl Why {
    fn line(self) -> &'static str {
        match self {
            Why::NewTip => "有新的举报。 / A new report has arrived.",
            Why::Assigned => "一条举报分配给了您。 / A report was assigned to you.",
            Why::ProposalWaiting => "有事项等待您审批。 / Something waits for your approval.",
            Why::ProposalDecided => "您的提议已有决定。 / Your proposal was decided.",
            Why::DueSoon => "一条举报即将到期。 / A report is due soon.",
            Why::Escalated => "一条举报已超期，请督办。 / A report is overdue and escalated.",
            Why::DisclosureRequested => "有身份查看申请等待决定。 / A disclosure request waits for a decision.",
            Why::DisclosureDecided => "您的身份查看申请已有决定。 / Your disclosure request was decided.",
            Why::ReporterWrote => "举报人有新留言。 / The reporter wrote.",
            Why::RewardWaiting => "有一笔举报奖励等待您办理。 / A reward waits for you.",
            Why::SecondApprovalWaiting => {
                "一笔高于计算金额的奖励已获一位负责人批准，等待第二位负责人批准。 / A reward above the computed amount was approved by one head and waits for a second head's approval."
            }
            Why::ClaimDueSoon => "一笔奖励的领取期限将至。 / A reward's claim window closes soon.",
            Why::Objection => "举报人对办理结果提出异议，请复核。 / A reporter objected to a conclusion; review it.",
            Why::SignInAttack => {
                "有工作人员账号在一小时内多次登录失败，可能正遭受密码猜测，请查看审计记录。 / A staff account failed many \
                 sign-ins within an hour and may be under a password-guessing attack; see the audit log."
            }
        }
    }
}

/// The mails telling each address in `to` why, with a link to the tip if there is one.
pub fn mails(public_url: &PublicUrl, to: &[String], why: Why, reference: Option<&str>) -> Vec<outbox::NewMail> {
    let link = match reference {
        Some(r) => public_url.join(&format!("/staff/tips/{r}")),
        None => public_url.join("/staff"),
    };
    let mut body = format!("{}\n\n{link}\n", why.line());
    if let Some(r) = reference {
        body.push_str(&format!("举报编号 / Reference: {r}\n"));
    }
    body.push_str("\n此邮件不含举报内容，请登录平台查看。 / This mail holds no content; sign in to read it.\n");
    to.iter()
        .map(|address| outbox::NewMail {
            id: Id::random().to_string(),
            to: address.clone(),
            subject: SUBJECT.to_owned(),
            body: body.clone(),
        })
        .collect()
}

/// Queues one mail per address (inside the caller's transaction).
pub async fn tell(
    conn: &mut Conn,
    public_url: &PublicUrl,
    to: &[String],
    why: Why,
    reference: Option<&str>,
    now: i64,
) -> Result<(), ServiceError> {
    for mail in mails(public_url, to, why, reference) {
        outbox::enqueue(conn, &mail, now).await?;
    }
    Ok(())
}

/// Addresses of the officers and heads of a department.
pub async fn department_staff(conn: &mut Conn, department: &str) -> Result<Vec<String>, ServiceError> {
    let mut to = users::emails_of(conn, "officer", Some(department)).await?;
    for head in users::emails_of(conn, "head", Some(department)).await? {
        if !to.contains(&head) {
            to.push(head);
        }
    }
    Ok(to)
}
