//! One way in for every new tip, whoever types it: the public form, the form a QR poster
//! opens, the API and the hotline desk all file through `file_tip`, under one set of rules.
//! - The fields are checked alike; every mistake is listed, in the order of the form.
//! - A poster code names a poster in use, or it is a mistake of the field `poster` (the
//!   form comes back without the poster, so sending it again files the tip without one).
//! - The channel: `qr` with a poster, otherwise `web` from the form and `api` from the API;
//!   the desk says how it received the tip (hotline, letter, visit or email).
//! - The public channels count against the hourly cap of all instances together; the desk's
//!   tips, taken by an official from a caller, do not.
//! - An identity given while no custodian can keep one is a mistake of the field `name`.
//!
//! What is the caller's own stays with it: the per-address allowance (asked through `admit`,
//! after the checks), the form's agreement tick (handed in as a mistake of its own), and how
//! the receipt is shown.

use crate::configuration::PublicUrl;
use crate::crypto::Custodian;
use crate::domain::matching::Places;
use crate::domain::validation::{Choices, FieldError, TipInput};
use crate::domain::{Channel, KeyGroup, china_time};
use crate::service::officials::SignedIn;
use crate::service::tips::{self, NewTip, Receipt};
use crate::service::{ServiceError, groups, posters, related};
use crate::store::Store;
use jubao_templates::i18n::Msg;

/// The channels of the hotline desk, by the code its form and the API send.
pub const DESK_CHANNELS: [(&str, Channel); 4] =
    [("hotline", Channel::Hotline), ("letter", Channel::Letter), ("visit", Channel::Visit), ("email", Channel::Email)];

/// The fields in the order the forms show them: mistakes are listed in this order.
const FORM_ORDER: [&str; 17] = [
    "channel",
    "kind",
    "category",
    "district",
    "title",
    "description",
    "location",
    "company",
    "credit_code",
    "occurred_on",
    "supervisory_duty",
    "name",
    "phone",
    "email",
    "id_number",
    "poster",
    "agree",
];

/// Who brings the tip in.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// The public: `via` is `Web` for the form and `Api` for the API; `poster` is the code a
    /// QR poster carried, if any.
    Public { via: Channel, poster: Option<&'a str> },
    /// The hotline desk, with the code of how it received the tip, and the desk official (who
    /// indexes it for related tips if they hold the matching key).
    Desk { channel: &'a str, by: &'a SignedIn },
}

impl Source<'_> {
    fn is_public(self) -> bool {
        matches!(self, Source::Public { .. })
    }
}

/// A tip as it comes in.
pub struct Intake<'a> {
    pub input: TipInput,
    pub source: Source<'a>,
    /// Mistakes in fields only the caller has (the form's agreement tick), listed with the rest.
    pub also: Vec<FieldError>,
    /// The caller's own allowance (per address, for the public), asked once the tip passed
    /// its checks and before the work of sealing it.
    pub admit: &'a (dyn Fn() -> Result<(), ServiceError> + Sync),
}

/// The portal's side of the rules.
pub struct Rules<'a> {
    pub choices: Choices<'a>,
    /// How many tips the public channels may bring in a clock hour, all instances together.
    pub per_hour: u32,
    /// The portal's address, for the mail that tells the department.
    pub tell: &'a PublicUrl,
    /// The place names that company names and addresses are matched without.
    pub places: &'a Places,
}

/// Why nothing was filed.
#[derive(Debug)]
pub enum NotFiled {
    /// Fields to correct, in the order of the form.
    Fields(Vec<FieldError>),
    /// The portal could not take it now, or at all.
    Refused(ServiceError),
}

impl From<ServiceError> for NotFiled {
    fn from(e: ServiceError) -> Self {
        NotFiled::Refused(e)
    }
}

/// A filed tip: its receipt and the channel it came by.
pub struct Filed {
    pub receipt: Receipt,
    pub channel: Channel,
}

/// The desk channel a code names.
pub fn desk_channel(code: &str) -> Option<Channel> {
    DESK_CHANNELS.iter().find(|(c, _)| *c == code.trim()).map(|(_, channel)| *channel)
}

fn mistake(field: &'static str, key: &'static str) -> FieldError {
    FieldError { field, msg: Msg::new(key) }
}

/// Checks, routes, seals and stores a tip by the rules above.
pub async fn file_tip(store: &Store, rules: &Rules<'_>, intake: Intake<'_>, now: i64) -> Result<Filed, NotFiled> {
    let mut errors = intake.also;
    let mut channel = match intake.source {
        Source::Public { via, .. } => Some(via),
        Source::Desk { channel, .. } => desk_channel(channel),
    };
    if channel.is_none() {
        errors.push(mistake("channel", "intake-choose-how-received-telephone-letter"));
    }
    let poster = match intake.source {
        Source::Public { poster: Some(code), .. } if !code.trim().is_empty() => {
            let poster = posters::by_code(store, code.trim()).await?;
            if poster.is_none() {
                errors.push(mistake("poster", "intake-poster-not-in-use"));
            }
            poster
        }
        _ => None,
    };
    let valid = match intake.input.validate(&rules.choices, china_time::date(now)) {
        Ok(valid) => Some(valid),
        Err(mistakes) => {
            errors.extend(mistakes);
            None
        }
    };
    let (Some(valid), Some(via), true) = (valid, channel, errors.is_empty()) else {
        errors.sort_by_key(|e| FORM_ORDER.iter().position(|f| *f == e.field).unwrap_or(FORM_ORDER.len()));
        return Err(NotFiled::Fields(errors));
    };
    if valid.identity.is_some() && !custodians_appointed(store).await? {
        let key = match intake.source {
            Source::Public { .. } => "report-identity-cannot-kept-now-remove",
            Source::Desk { .. } => "intake-identity-cannot-kept-now-remove",
        };
        return Err(NotFiled::Fields(vec![mistake("name", key)]));
    }
    (intake.admit)()?;
    if poster.is_some() {
        channel = Some(Channel::Qr);
    }
    let channel = channel.unwrap_or(via);
    let cap = intake.source.is_public().then_some(rules.per_hour);
    let desk = match intake.source {
        Source::Desk { by, .. } => Some((by, valid.clone())),
        Source::Public { .. } => None,
    };
    let new = NewTip::from_valid(valid, channel, poster.map(|p| p.id));
    let receipt = tips::file_within(store, new, now, cap, Some(rules.tell)).await.map_err(NotFiled::Refused)?;
    if let Some((official, valid)) = desk
        && let Err(e) = related::index_new(store, official, &receipt.tip_id, &valid, rules.places).await
    {
        // Filed all the same: the first official to open it indexes it.
        tracing::warn!(error = %e, "a desk tip could not be indexed for related tips");
    }
    Ok(Filed { receipt, channel })
}

/// Whether a custodian holds a key to keep identities with.
async fn custodians_appointed(store: &Store) -> Result<bool, ServiceError> {
    let mut conn = store.conn().await?;
    Ok(groups::newest_public::<Custodian>(&mut conn, &KeyGroup::Custodians).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_desk_channels_are_the_four_ways_a_tip_reaches_the_desk() {
        for (code, channel) in DESK_CHANNELS {
            assert_eq!(desk_channel(code), Some(channel));
            assert_eq!(channel.as_str(), code);
        }
        for not_desk in ["", "web", "qr", "api", "fax", "HOTLINE "] {
            assert_eq!(desk_channel(not_desk), None, "{not_desk}");
        }
    }

    #[test]
    fn every_field_a_mistake_can_name_has_a_place_in_the_order() {
        let none = std::collections::HashSet::new();
        let choices = Choices { categories: &none, districts: &none };
        let typed = TipInput {
            occurred_on: "not a date".to_owned(),
            email: "not an address".to_owned(),
            phone: "x".to_owned(),
            id_number: "x".to_owned(),
            ..TipInput::default()
        };
        let today = china_time::date(0);
        let Err(errors) = typed.validate(&choices, today) else { panic!("an empty tip passed") };
        assert!(errors.len() >= 6, "{errors:?}");
        for e in errors {
            assert!(FORM_ORDER.contains(&e.field), "{} has no place in the order", e.field);
        }
    }
}
