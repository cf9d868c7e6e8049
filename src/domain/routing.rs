//! Where a new tip goes (PRODUCT.md §6): the category names the responsible department; the
//! district picks that department's local unit if it has one, else the city-level one; a
//! department that cannot receive tips yet (no key) hands over to the 安委办's queue.

use super::Code;

/// A local unit of a department, serving one district.
#[derive(Debug, Clone)]
pub struct LocalUnit {
    pub code: Code,
    pub parent: Code,
    pub district: Code,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The department responsible (a local unit or the city level).
    Department(Code),
    /// The responsible department cannot receive tips yet: the 安委办 triages.
    SafetyOffice { intended: Code },
    /// Nobody can receive tips: the portal is not set up.
    Nobody,
}

/// `can_receive(code)`: the department has a key to seal tips to.
pub fn route(
    responsible: &Code,
    district: &Code,
    units: &[LocalUnit],
    safety_office: &Code,
    can_receive: impl Fn(&Code) -> bool,
) -> Route {
    let local = units.iter().find(|u| &u.parent == responsible && &u.district == district).map(|u| &u.code);
    let candidates = local.into_iter().chain(std::iter::once(responsible));
    for code in candidates {
        if can_receive(code) {
            return Route::Department(code.clone());
        }
    }
    if can_receive(safety_office) {
        Route::SafetyOffice { intended: local.unwrap_or(responsible).clone() }
    } else {
        Route::Nobody
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn table() {
        let units = [LocalUnit { code: code("emergency-500103"), parent: code("emergency"), district: code("500103") }];
        let office = code("safety-office");
        // (responsible, district, departments with keys, expected)
        let cases: [(&str, &str, &[&str], Route); 7] = [
            (
                "emergency",
                "500103",
                &["emergency-500103", "emergency", "safety-office"],
                Route::Department(code("emergency-500103")),
            ),
            (
                "emergency",
                "500104",
                &["emergency-500103", "emergency", "safety-office"],
                Route::Department(code("emergency")),
            ),
            ("emergency", "500103", &["emergency", "safety-office"], Route::Department(code("emergency"))),
            ("fire", "500103", &["emergency", "safety-office"], Route::SafetyOffice { intended: code("fire") }),
            ("emergency", "500103", &["safety-office"], Route::SafetyOffice { intended: code("emergency-500103") }),
            ("safety-office", "500103", &["safety-office"], Route::Department(code("safety-office"))),
            ("fire", "500103", &[], Route::Nobody),
        ];
        for (responsible, district, keyed, expected) in cases {
            let got = route(&code(responsible), &code(district), &units, &office, |c| keyed.contains(&c.as_str()));
            assert_eq!(got, expected, "{responsible} in {district} with {keyed:?}");
        }
    }
}
