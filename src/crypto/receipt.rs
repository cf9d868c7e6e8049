//! The reporter's half of a receipt: the query code (查询码). It is shown once, never stored
//! or logged; stretched with Argon2id it yields the verifier kept with the tip and the
//! reporter's key.

use rand::RngExt;
use zeroize::Zeroizing;

use super::{CryptoError, Derived, KdfParams, Reporter, derive};

pub const DIGITS: usize = 20;

/// Twenty random decimal digits. No `Debug` or `Display` of its contents; wiped on drop.
pub struct QueryCode(Zeroizing<String>);

impl QueryCode {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let digits: String = (0..DIGITS).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
        Self(Zeroizing::new(digits))
    }

    /// Accepts what a person types: spaces and dashes between groups, full-width digits.
    pub fn parse(input: &str) -> Option<Self> {
        let mut digits = Zeroizing::new(String::with_capacity(DIGITS));
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (u32::from(c) - u32::from('０')) as u8)),
                ' ' | '-' | '\u{3000}' | '\t' => {}
                _ => return None,
            }
            if digits.len() > DIGITS {
                return None;
            }
        }
        (digits.len() == DIGITS).then(|| Self(digits))
    }

    /// Five groups of four, for showing once on the receipt.
    pub fn grouped(&self) -> Zeroizing<String> {
        let bytes = self.0.as_bytes();
        let groups: Vec<&str> = bytes.chunks(4).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        Zeroizing::new(groups.join(" "))
    }

    /// The digits without spaces, for an API answer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The reporter's verifier and key for this code and the tip's salt. About 2–3 ms.
    pub fn derive(&self, salt: &[u8; 16], params: KdfParams) -> Result<Derived<Reporter>, CryptoError> {
        derive::<Reporter>(self.0.as_bytes(), salt, params)
    }
}

impl std::fmt::Debug for QueryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_twenty_digits_in_five_groups() {
        let code = QueryCode::generate();
        assert_eq!(code.expose().len(), 20);
        assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
        let grouped = code.grouped();
        assert_eq!(grouped.split(' ').count(), 5);
        assert!(grouped.split(' ').all(|g| g.len() == 4));
        assert_ne!(QueryCode::generate().expose(), code.expose());
        assert_eq!(format!("{code:?}"), "QueryCode(…)");
    }

    #[test]
    fn parses_what_people_type() {
        let canonical = "12345678901234567890";
        for input in [
            canonical,
            "1234 5678 9012 3456 7890",
            "1234-5678-9012-3456-7890",
            "１２３４ ５６７８ ９０１２ ３４５６ ７８９０",
        ] {
            assert_eq!(QueryCode::parse(input).map(|c| c.expose().to_owned()).as_deref(), Some(canonical), "{input}");
        }
        for bad in ["", "1234", "123456789012345678901", "1234567890123456789a", "12345678901234567890 1"] {
            assert!(QueryCode::parse(bad).is_none(), "{bad}");
        }
    }
}
