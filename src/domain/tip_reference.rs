//! The public locator of a tip (举报编号): ten characters of Crockford's base32, random, so
//! it says nothing about when or in which order the tip came. Alone it opens nothing.

use std::fmt;

use rand::RngExt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LENGTH: usize = 10;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TipReference(String);

impl TipReference {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self((0..LENGTH).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect())
    }

    /// Accepts what a person types: any case, spaces or dashes, and the letters people mix
    /// up with digits (O for 0, I and L for 1).
    pub fn parse(input: &str) -> Option<Self> {
        let mut out = String::with_capacity(LENGTH);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            out.push(c);
            if out.len() > LENGTH {
                return None;
            }
        }
        (out.len() == LENGTH).then_some(Self(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TipReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TipReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TipReference({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_references_parse_back() {
        let r = TipReference::generate();
        assert_eq!(r.as_str().len(), LENGTH);
        assert_eq!(TipReference::parse(r.as_str()), Some(r.clone()));
        assert_eq!(TipReference::parse(&r.as_str().to_lowercase()), Some(r));
    }

    #[test]
    fn forgives_the_usual_slips_and_nothing_else() {
        assert_eq!(TipReference::parse("cq7kx-2m9qd").unwrap().as_str(), "CQ7KX2M9QD");
        assert_eq!(TipReference::parse("OIL0000000").unwrap().as_str(), "0110000000");
        for bad in ["", "CQ7KX2M9Q", "CQ7KX2M9QDD", "CQ7KX2M9QU", "CQ7KX2M9Q!", "渝7KX2M9QDA"] {
            assert!(TipReference::parse(bad).is_none(), "{bad}");
        }
    }
}
