//! Notifications to officials: a neutral subject, a link and the reference, never content or
//! anything about the reporter. Queued in the outbox, sent by `service::mailer`.

use jubao_templates::Lang;
use jubao_templates::i18n::Arg;

use super::ServiceError;
use crate::configuration::PublicUrl;
use crate::domain::{Id, Role};
use crate::store::{Conn, outbox, users};

/// The subject of every notification, in both languages.
pub fn subject() -> String {
    both("notify-subject", &[])
}

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
    /// The catalogue key of the line that says why.
    fn key(self) -> &'static str {
        match self {
            Why::NewTip => "notify-new-tip",
            Why::Assigned => "notify-assigned",
            Why::ProposalWaiting => "notify-proposal-waiting",
            Why::ProposalDecided => "notify-proposal-decided",
            Why::DueSoon => "notify-due-soon",
            Why::Escalated => "notify-escalated",
            Why::DisclosureRequested => "notify-disclosure-requested",
            Why::DisclosureDecided => "notify-disclosure-decided",
            Why::ReporterWrote => "notify-reporter-wrote",
            Why::RewardWaiting => "notify-reward-waiting",
            Why::SecondApprovalWaiting => "notify-second-approval-waiting",
            Why::ClaimDueSoon => "notify-claim-due-soon",
            Why::Objection => "notify-objection",
            Why::SignInAttack => "notify-sign-in-attack",
        }
    }
}

/// A line in both languages, Chinese first: officials' mails are read before anyone chose a
/// language.
fn both(key: &'static str, args: &[(&'static str, Arg)]) -> String {
    format!("{} / {}", Lang::Zh.tr_with(key, args), Lang::En.tr_with(key, args))
}

/// The mails telling each address in `to` why, with a link to the tip if there is one.
pub fn mails(public_url: &PublicUrl, to: &[String], why: Why, reference: Option<&str>) -> Vec<outbox::NewMail> {
    let link = match reference {
        Some(r) => public_url.join(&format!("/staff/tips/{r}")),
        None => public_url.join("/staff"),
    };
    let mut body = format!("{}\n\n{link}\n", both(why.key(), &[]));
    if let Some(r) = reference {
        body.push_str(&both("notify-reference", &[("reference", Arg::from(r))]));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(&both("notify-no-content", &[]));
    body.push('\n');
    to.iter()
        .map(|address| outbox::NewMail {
            id: Id::random().to_string(),
            to: address.clone(),
            subject: subject(),
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
    Ok(users::emails_of(conn, &[Role::Officer, Role::Head], Some(department)).await?)
}
