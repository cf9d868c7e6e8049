//! How a tip arrived and where it stands (PRODUCT.md §2).

use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        /// Compares with the text the value is stored as.
        impl PartialEq<&str> for $name {
            fn eq(&self, text: &&str) -> bool {
                self.as_str() == *text
            }
        }
    };
}

text_enum! {
    /// How the tip reached us.
    Channel {
        Web = "web",
        Qr = "qr",
        Api = "api",
        Hotline = "hotline",
        Letter = "letter",
        Visit = "visit",
        Email = "email",
    }
}

impl Channel {
    /// The catalogue's words for it.
    pub fn key(self) -> &'static str {
        match self {
            Channel::Web => "events-web-form",
            Channel::Qr => "events-qr-poster",
            Channel::Api => "events-api",
            Channel::Hotline => "events-hotline",
            Channel::Letter => "desk-letter",
            Channel::Visit => "desk-visit",
            Channel::Email => "desk-email",
        }
    }
}

text_enum! {
    /// Where the tip stands in its lifecycle.
    TipStatus {
        Received = "received",
        Accepted = "accepted",
        Verifying = "verifying",
        Concluded = "concluded",
        UnderReview = "under_review",
        Closed = "closed",
        Rejected = "rejected",
    }
}

impl TipStatus {
    /// The statuses in which the tip is still being worked, and has a deadline.
    pub const OPEN: &'static [TipStatus] =
        &[TipStatus::Received, TipStatus::Accepted, TipStatus::Verifying, TipStatus::UnderReview];

    /// The statuses nothing follows: the tip is done with, and retention counts from here.
    pub const ENDED: &'static [TipStatus] = &[TipStatus::Closed, TipStatus::Rejected];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn has_ended(self) -> bool {
        Self::ENDED.contains(&self)
    }

    /// The catalogue's words for it: the status in plain words, and what it means for the
    /// reporter.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            TipStatus::Received => {
                ("track-received-waiting-accepted", "track-responsible-department-deciding-whether-take")
            }
            TipStatus::Accepted => ("events-accepted", "track-taken-up-verification-will-start"),
            TipStatus::Verifying => ("track-being-verified", "track-officials-looking-into"),
            TipStatus::Concluded => ("staff-concluded", "track-verification-has-conclusion-see-feedback"),
            TipStatus::UnderReview => ("track-under-review", "track-your-objection-being-reviewed"),
            TipStatus::Closed => ("events-closed", "track-report-has-been-dealt"),
            TipStatus::Rejected => ("track-not-taken-up", "track-reason-feedback-below"),
        }
    }
}

text_enum! {
    /// What became of an evidence file's metadata.
    Cleaning {
        /// Rebuilt from what is needed to show or play it.
        Removed = "removed",
        /// The original as sent, kept because the reporter asked (beside its cleaned copy,
        /// which has the same number).
        Kept = "kept",
        /// Stored as sent without being asked to: a kind no cleaner reads (files from before
        /// cleaning reached every kind), or an original the reporter kept that could not be
        /// cleaned.
        Uncleaned = "none",
    }
}

impl Cleaning {
    /// The catalogue's words for it, as officials and the reporter read them.
    pub fn key(self) -> &'static str {
        match self {
            Cleaning::Removed => "evidence-cleaning-removed",
            Cleaning::Kept => "evidence-cleaning-kept",
            Cleaning::Uncleaned => "evidence-cleaning-none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        for s in TipStatus::ALL {
            assert_eq!(TipStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn open_and_ended_are_apart() {
        for s in TipStatus::ALL {
            assert!(!(s.is_open() && s.has_ended()), "{s:?}");
        }
        assert!(!TipStatus::Concluded.is_open() && !TipStatus::Concluded.has_ended());
    }
}
