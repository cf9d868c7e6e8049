//! Blind indexes: a keyed hash of a normalised value (`domain::matching`), cut short, so that
//! two tips about one company, address or accident can be found without the server reading
//! either. The design is CipherSweet's: HMAC-SHA256 under a key of each field's own, derived
//! from the matching key (`Key<Matching>`), which is sealed like the department keys; whoever
//! lacks it cannot compute an index, and so cannot test a guessed name against the database.
//!
//! The index is cut to [`BITS`] bits, so that one value is shared by many unrelated ones: a
//! match is a candidate that an official confirms by opening the tip, and the stored values
//! say little about how often each company is reported. With R tips, a value has about
//! R / 2^BITS other tips beside its own (CipherSweet asks 2 ≤ C < √R): 16 bits give C = 2 at
//! 130 000 tips and C = 15 at a million, below √R until 2^32 tips.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Bits kept of each index.
pub const BITS: u32 = 16;

/// What an index is computed from; each has a key of its own, so equal values in two fields
/// give unrelated indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The company's name, normalised (`matching::company`).
    Company,
    /// The 统一社会信用代码.
    CreditCode,
    /// District with road and number (`matching::address`).
    Address,
    /// The company with the day of a concealed accident.
    Accident,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::Company, Field::CreditCode, Field::Address, Field::Accident];

    pub fn parse(label: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.label() == label)
    }

    /// The catalogue's words for it.
    pub fn key(self) -> &'static str {
        match self {
            Field::Company => "related-field-company",
            Field::CreditCode => "related-field-credit-code",
            Field::Address => "related-field-address",
            Field::Accident => "related-field-accident",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Company => "company",
            Field::CreditCode => "credit_code",
            Field::Address => "address",
            Field::Accident => "accident",
        }
    }

    /// The field and a value as one integer, `number × 2^BITS + value`, as the store groups
    /// them (`tip_indexes.field_value`; migration 0014 computes the same from the labels).
    pub fn with_value(self, value: BlindIndex) -> i64 {
        let number = match self {
            Field::Company => 0,
            Field::CreditCode => 1,
            Field::Address => 2,
            Field::Accident => 3,
        };
        (number << BITS) + value.value()
    }

    /// The field and value `with_value` made, if it made them.
    pub fn of_value(both: i64) -> Option<(Field, i64)> {
        let field = *Field::ALL.get(usize::try_from(both >> BITS).ok()?)?;
        Some((field, both & ((1 << BITS) - 1)))
    }
}

/// A blind index as stored: `BITS` bits of the keyed hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlindIndex(u16);

impl BlindIndex {
    pub fn value(self) -> i64 {
        i64::from(self.0)
    }
}

/// Computes blind indexes; made from the matching key's secret, wiped when dropped.
pub struct BlindIndexer {
    root: Zeroizing<[u8; 32]>,
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { unreachable!("HMAC takes any key length") };
    for part in parts {
        mac.update(part);
    }
    Zeroizing::new(mac.finalize().into_bytes().into())
}

impl BlindIndexer {
    /// From the secret of a matching key.
    pub(crate) fn new(secret: &[u8]) -> Self {
        BlindIndexer { root: hmac(b"jubao blind index v1", &[secret]) }
    }

    /// The index of `value` (a normalised value, never what was typed) in `field`.
    pub fn index(&self, field: Field, value: &str) -> BlindIndex {
        let field_key = hmac(self.root.as_slice(), &[b"field\0", field.label().as_bytes()]);
        let tag = hmac(field_key.as_slice(), &[value.as_bytes()]);
        BlindIndex(u16::from_be_bytes([tag[0], tag[1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers are those migration 0014 gives each label; a value out of range is none.
    #[test]
    fn a_field_and_its_value_make_one_integer_and_back() {
        for (field, number) in [(Field::Company, 0), (Field::CreditCode, 1), (Field::Address, 2), (Field::Accident, 3)]
        {
            for value in [0_u16, 1, 0xffff] {
                let both = field.with_value(BlindIndex(value));
                assert_eq!(both, number * 65_536 + i64::from(value));
                assert_eq!(Field::of_value(both), Some((field, i64::from(value))));
            }
        }
        assert_eq!(Field::of_value(4 * 65_536), None);
        assert_eq!(Field::of_value(-1), None);
    }

    #[test]
    fn an_index_depends_on_the_key_the_field_and_the_value_only() {
        let one = BlindIndexer::new(b"one secret");
        let other = BlindIndexer::new(b"another secret");
        assert_eq!(one.index(Field::Company, "某某"), one.index(Field::Company, "某某"), "the same each time");
        // Over many values, a change of key or field gives unrelated indexes: equal in about
        // one case in 2^16 by chance.
        let values: Vec<String> = (0..2000).map(|n| format!("企业{n}")).collect();
        let same = |a: &BlindIndexer, fa: Field, b: &BlindIndexer, fb: Field| {
            values.iter().filter(|v| a.index(fa, v) == b.index(fb, v)).count()
        };
        assert!(same(&one, Field::Company, &other, Field::Company) < 5, "another key");
        assert!(same(&one, Field::Company, &one, Field::Address) < 5, "another field");
        assert!(
            values.iter().filter(|v| one.index(Field::Company, v) == one.index(Field::Company, "某某")).count() < 5
        );
    }

    #[test]
    fn indexes_are_cut_so_that_values_share_them() {
        let indexer = BlindIndexer::new(b"secret");
        let indexes: std::collections::HashSet<BlindIndex> =
            (0..200_000).map(|n| indexer.index(Field::Company, &n.to_string())).collect();
        // 200 000 values in 2^16 places: every place is taken, by about three values each.
        assert!(indexes.len() > 60_000 && indexes.len() <= 1 << BITS, "{}", indexes.len());
        assert!(indexes.iter().all(|i| (0..1 << BITS).contains(&i.value())));
    }

    /// An official who opens the matching key sealed to them computes the same indexes as
    /// whoever made it; another matching key computes others.
    #[test]
    fn the_holders_of_one_matching_key_compute_the_same_indexes() {
        use crate::crypto::{Key, Matching, User};
        let matching = Key::<Matching>::generate();
        let official = Key::<User>::generate();
        let opened = matching.wrap_for(&official.public()).unwrap().open(&official).unwrap();
        let values: Vec<String> = (0..50).map(|n| format!("企业{n}")).collect();
        let of =
            |key: &Key<Matching>| values.iter().map(|v| key.indexer().index(Field::Company, v)).collect::<Vec<_>>();
        assert_eq!(of(&opened), of(&matching));
        assert_ne!(of(&Key::<Matching>::generate()), of(&matching));
    }
}
