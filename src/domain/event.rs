//! What happened to a tip (`tip_events.kind`): every kind of event the program writes, its
//! text in the database, and how it reads (its label's message key and the shape of its
//! detail, for `jubao_templates::events`).

use jubao_templates::events::{Detail, Words};

macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident = $text:literal, $key:literal, $detail:ident;)*) => {
        /// A kind of event of a tip.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind { $($(#[$doc])* $variant,)* }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The text stored in `tip_events.kind`.
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $text,)* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }

            /// The message key of its label.
            pub fn key(self) -> &'static str {
                match self { $(EventKind::$variant => $key,)* }
            }

            /// The shape of its detail.
            pub fn detail(self) -> Detail {
                match self { $(EventKind::$variant => Detail::$detail,)* }
            }
        }
    };
}

event_kinds! {
    Accepted = "accepted", "events-accepted", Text;
    VerificationStarted = "verification_started", "events-verification-started", Text;
    /// The detail is the department it went to.
    Transferred = "transferred", "events-transferred", Department;
    Assigned = "assigned", "events-assigned", Text;
    RejectionProposed = "rejection_proposed", "events-rejection-proposed", Text;
    Rejected = "rejected", "events-not-taken-up-because", Text;
    ExtensionProposed = "extension_proposed", "events-extension-proposed", Text;
    Extended = "extended", "events-verification-extended", Extension;
    ConclusionProposed = "conclusion_proposed", "events-conclusion-proposed", Text;
    Concluded = "concluded", "events-concluded-feedback", Text;
    ProposalDenied = "proposal_denied", "events-proposal-turned-down", Text;
    Duplicate = "duplicate", "events-duplicate-earlier-report-same-matter", Text;
    Closed = "closed", "events-closed", Text;
    Shredded = "shredded", "events-destroyed-under-retention-rule", Text;
    Escalated = "escalated", "events-overdue-escalated", Text;
    IdentityDisclosed = "identity_disclosed", "events-your-identity-disclosed", Disclosure;
    Objected = "objected", "events-reporter-objected", Text;
    Reviewed = "reviewed", "events-objection-reviewed-answer", Text;
    DuplicateProposed = "duplicate_proposed", "events-proposed-duplicate", Text;
    RewardProposed = "reward_proposed", "events-reward-proposed", Text;
    RewardFirstApproved = "reward_first_approved", "events-reward-approved-first-head-second", Text;
    RewardApproved = "reward_approved", "events-head-approved-reward-finance-authorises", Text;
    RewardNotified = "reward_notified", "events-reward-granted", RewardNotice;
    RewardExtended = "reward_extended", "events-time-claim-reward-extended", RewardNotice;
    RewardPaid = "reward_paid", "events-reward-paid", Text;
    RewardForfeited = "reward_forfeited", "events-reward-not-claimed-time-lapsed", Text;
}

impl EventKind {
    /// How it reads: its label, the label officials read (in the third person where the
    /// reporter's speaks to the reporter), and the shape of its detail.
    pub fn words(self) -> Words {
        let staff_key = match self {
            EventKind::RewardForfeited => "events-reward-not-claimed-time-lapsed-2",
            other => other.key(),
        };
        Words { key: self.key(), staff_key, detail: self.detail() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_text() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
            assert_eq!(k.words().key, k.key());
        }
        assert_eq!(EventKind::parse("teleported"), None);
        assert_eq!(EventKind::parse(""), None);
    }

    #[test]
    fn texts_and_keys_are_all_different() {
        let texts: std::collections::HashSet<_> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(texts.len(), EventKind::ALL.len());
        // Two kinds may share words only if they are the same event; none do.
        let keys: std::collections::HashSet<_> = EventKind::ALL.iter().map(|k| k.key()).collect();
        assert_eq!(keys.len(), EventKind::ALL.len());
    }

    #[test]
    fn the_detail_reads_as_its_kind_says() {
        use jubao_templates::Lang;
        use jubao_templates::events::{Reader, sentence};
        let name = |c: &str| format!("<{c}>");
        let transferred = sentence(EventKind::Transferred.words(), Reader::Reporter, Some("d1"), "at", Lang::En, &name);
        assert_eq!(transferred, format!("{} <d1>", Lang::En.tr("events-transferred")));
        let forfeited = sentence(EventKind::RewardForfeited.words(), Reader::Official, None, "at", Lang::En, &name);
        assert_eq!(forfeited, Lang::En.tr("events-reward-not-claimed-time-lapsed-2"));
        let reporter = sentence(EventKind::RewardForfeited.words(), Reader::Reporter, None, "at", Lang::En, &name);
        assert_eq!(reporter, Lang::En.tr("events-reward-not-claimed-time-lapsed"));
        let garbled = sentence(EventKind::Extended.words(), Reader::Reporter, Some("not json"), "at", Lang::En, &name);
        assert_eq!(garbled, Lang::En.tr("events-verification-extended"));
        let custodian = sentence(EventKind::IdentityDisclosed.words(), Reader::Official, None, "at", Lang::En, &name);
        assert_eq!(custodian, Lang::En.tr("events-reporter-s-identity-disclosed-custodian"));
    }
}
