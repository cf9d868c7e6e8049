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
}
