//! The values two reports of one matter share, however each reporter spelt them: the company
//! (its name with the place, the legal form and the trade stripped, or its 统一社会信用代码),
//! the address (district, road and number) and, for a concealed accident, the company with the
//! day. These are what blind indexes are computed from; they never leave memory themselves.
//!
//! A company's name is made of 行政区划 + 字号 + 行业 + 组织形式 (place, trade name, trade, legal
//! form; 《企业名称登记管理规定》): `重庆市渝中区某某建设工程有限公司`. Reporters write the
//! place or leave it out, put it in brackets after the trade name, shorten the trade and the
//! form, and type full-width letters and spaces. What stays the same is the trade name, so
//! that is what is kept: a match is a candidate for an official to confirm, never proof.

use unicode_normalization::UnicodeNormalization;

/// A 统一社会信用代码 (GB 32100-2015): 18 characters of `0-9A-Z` without I, O, Z, S and V,
/// the last a check character over the first 17.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a credit code has 18 characters")]
    Length,
    #[error("a credit code has digits and the capital letters other than I, O, Z, S and V")]
    Character,
    #[error("the check character does not match: the code is mistyped")]
    Check,
}

impl CreditCodeError {
    /// The catalogue's message.
    pub fn key(self) -> &'static str {
        match self {
            CreditCodeError::Length => "validation-credit-code-length",
            CreditCodeError::Character => "validation-credit-code-character",
            CreditCodeError::Check => "validation-credit-code-check",
        }
    }
}

/// The characters of a credit code, each standing for its index.
const CREDIT_CODE_CHARACTERS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 positions: 3^i mod 31.
const CREDIT_CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl CreditCode {
    /// The code as typed: full-width characters, small letters, spaces and hyphens are
    /// accepted, as they come from a copy of a licence.
    pub fn parse(typed: &str) -> Result<CreditCode, CreditCodeError> {
        let code: String =
            typed.nfkc().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        let values: Vec<u32> = code
            .bytes()
            .map(|b| CREDIT_CODE_CHARACTERS.iter().position(|&c| c == b).map(|at| at as u32))
            .collect::<Option<_>>()
            .ok_or(CreditCodeError::Character)?;
        let sum: u32 = values.iter().zip(CREDIT_CODE_WEIGHTS).map(|(v, w)| v * w).sum();
        let check = (31 - sum % 31) % 31;
        if values[17] != check {
            return Err(CreditCodeError::Check);
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Legal forms, longest first: stripped from the end of a name.
const LEGAL_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "分公司",
    "总公司",
    "公司",
    "集团",
    "股份",
    "合作社",
    "个体工商户",
    "厂",
    "colimited",
    "coltd",
    "limited",
    "ltd",
    "inc",
];

/// Trades, longest first: stripped from the end of a name once its form is gone.
const TRADES: &[&str] = &[
    "建设工程",
    "建筑工程",
    "建筑劳务",
    "劳务",
    "建设",
    "建筑",
    "工程",
    "建材",
    "矿业",
    "煤业",
    "煤矿",
    "化工",
    "危险品",
    "燃气",
    "能源",
    "电力",
    "机械",
    "制造",
    "实业",
    "贸易",
    "商贸",
    "物流",
    "运输",
    "科技",
    "食品",
    "餐饮",
    "物业",
    "房地产开发",
    "房地产",
    "置业",
];

/// What a name must keep: a trade name of one character is too common to match on.
const SHORTEST: usize = 2;

/// The places a name or an address may begin with: the city and its districts, each as
/// written in full and in short (`九龙坡区`, `九龙坡`).
#[derive(Debug, Clone)]
pub struct Places {
    prefixes: Vec<String>,
}

impl Places {
    /// `city`: the city's names (`重庆市`); `districts`: the districts' names as in the
    /// reference data.
    pub fn new<'a>(city: &[&'a str], districts: impl IntoIterator<Item = &'a str>) -> Places {
        let mut prefixes = Vec::new();
        let short = |name: &str| -> Option<String> {
            ["土家族苗族自治县", "苗族土家族自治县", "土家族自治县", "自治县", "经开区", "新区", "市", "区", "县"]
                .iter()
                .find_map(|end| name.strip_suffix(end))
                .filter(|rest| rest.chars().count() >= 2)
                .map(str::to_owned)
        };
        for name in city.iter().copied().chain(districts) {
            let name = squeeze(name);
            if name.is_empty() {
                continue;
            }
            if let Some(short) = short(&name) {
                // An autonomous county is also written as a county: 石柱县.
                if name.ends_with("自治县") {
                    prefixes.push(format!("{short}县"));
                }
                prefixes.push(short);
            }
            prefixes.push(name);
        }
        prefixes.extend(["中国".to_owned(), "中华人民共和国".to_owned()]);
        // Longest first, so that `九龙坡区` goes whole rather than leaving `区`.
        prefixes.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
        prefixes.dedup();
        Places { prefixes }
    }

    /// The text without the places it begins with.
    fn strip<'t>(&self, mut text: &'t str) -> &'t str {
        while let Some(rest) = self.prefixes.iter().find_map(|p| text.strip_prefix(p.as_str())) {
            if rest.chars().count() < SHORTEST {
                break;
            }
            text = rest;
        }
        text
    }

    /// The text without a place at its end (`某某建设九龙坡`), if enough is left.
    fn strip_end<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.prefixes.iter().find_map(|p| text.strip_suffix(p.as_str())).filter(|rest| rest.chars().count() >= SHORTEST)
    }

    fn is_place(&self, text: &str) -> bool {
        self.prefixes.iter().any(|p| p == text)
    }
}

/// The text in one form: full-width letters, digits and brackets made half-width (NFKC),
/// Latin letters small, and only letters and digits kept.
fn squeeze(text: &str) -> String {
    text.nfkc().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The text without what stands in brackets: `某某建设(重庆)` is `某某建设`.
fn unbracketed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.nfkc() {
        match c {
            '(' | '[' | '【' | '〔' | '〈' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '〉' | '》' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `text` without one of `ends` at its end, if what is left is long enough.
fn strip_end<'t>(text: &'t str, ends: &[&str]) -> Option<&'t str> {
    ends.iter().find_map(|end| text.strip_suffix(end)).filter(|rest| rest.chars().count() >= SHORTEST)
}

/// A company's name in the form two spellings of it share, or `None` when too little is left
/// to match on.
pub fn company(name: &str, places: &Places) -> Option<String> {
    let squeezed = squeeze(&unbracketed(name));
    let mut rest = places.strip(&squeezed);
    // The form, the trade and a place written after the trade name (`某某建设九龙坡分公司`)
    // go from the end, in whatever order they stand.
    while let Some(shorter) =
        strip_end(rest, LEGAL_FORMS).or_else(|| strip_end(rest, TRADES)).or_else(|| places.strip_end(rest))
    {
        rest = shorter;
    }
    // A place alone (`重庆`) is every company of it, a form or a trade alone every company
    // of that kind.
    let generic = places.is_place(rest) || LEGAL_FORMS.contains(&rest) || TRADES.contains(&rest);
    (rest.chars().count() >= SHORTEST && !generic).then(|| rest.to_owned())
}

/// A concealed accident: the company with the day it happened (`YYYY-MM-DD`). The company's
/// value holds letters and digits only, so the two parts cannot run into each other.
pub fn accident(company: &str, day: time::Date) -> String {
    format!("{company}|{day}")
}

/// Chinese numerals as a number, as addresses write them (`八十八号`, `一〇八号`).
fn chinese_number(text: &str) -> Option<u32> {
    let digit = |c: char| "〇零一二三四五六七八九".chars().position(|d| d == c).map(|at| at.saturating_sub(1) as u32);
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    let mut positional = String::new();
    for c in text.chars() {
        match c {
            '十' | '百' | '千' => {
                let unit = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                total += current.unwrap_or(1) * unit;
                current = None;
            }
            c => {
                let d = digit(c)?;
                positional.push(char::from_digit(d, 10)?);
                current = Some(d);
            }
        }
    }
    if !text.contains(['十', '百', '千']) {
        return positional.parse().ok();
    }
    Some(total + current.unwrap_or(0))
}

/// An address as road and number (`民族路188号`), from what a reporter typed as the place:
/// the city and district at its start are dropped, Chinese numerals become digits, and
/// what follows the number (building, floor, room) is left out. `None` when there is no
/// number to match on.
pub fn address(location: &str, places: &Places) -> Option<String> {
    let squeezed = squeeze(&unbracketed(location));
    let rest = places.strip(&squeezed);
    let chars: Vec<char> = rest.chars().collect();
    let hao = chars.iter().position(|&c| c == '号')?;
    let start =
        chars[..hao].iter().rposition(|c| !(c.is_ascii_digit() || "〇零一二三四五六七八九十百千".contains(*c)))? + 1;
    let number: String = chars[start..hao].iter().collect();
    let number = number.parse::<u32>().ok().or_else(|| chinese_number(&number))?;
    let road: String = chars[..start].iter().collect();
    // The road is what comes after the last neighbourhood word before it, if any.
    let after_neighbourhood = ["街道", "社区", "镇", "乡", "村"]
        .iter()
        .filter_map(|w| road.rfind(w).map(|at| at + w.len()))
        .filter(|&at| road[at..].chars().count() >= SHORTEST)
        .max();
    let road = after_neighbourhood.map_or(road.as_str(), |at| &road[at..]);
    (road.chars().count() >= SHORTEST).then(|| format!("{road}{number}号"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chongqing() -> Places {
        Places::new(&["重庆市"], ["渝中区", "九龙坡区", "江北区", "两江新区", "石柱土家族自治县", "忠县"])
    }

    #[test]
    fn credit_codes_are_checked_by_their_check_character() {
        // The standard's example, and codes as printed on licences: plain, full-width, small
        // letters with spaces.
        for good in [
            "91350100M000100Y43",
            "91110000100003495Y",
            "12100000400000624D",
            "91440300708461136T",
            "914403001922038216",
            "９１１１００００１００００３４９５Ｙ",
            "91350100 m000 100y 43",
            "91350100-M000100Y-43",
        ] {
            assert!(CreditCode::parse(good).is_ok(), "{good}: {:?}", CreditCode::parse(good));
        }
        assert_eq!(CreditCode::parse("９１１１００００１００００３４９５ｙ").unwrap().as_str(), "91110000100003495Y");
        for (bad, why) in [
            // One character mistyped, two swapped, the check character changed.
            ("91110000100003495X", CreditCodeError::Check),
            ("91110000100003485Y", CreditCodeError::Check),
            ("19110000100003495Y", CreditCodeError::Check),
            ("91350100M000100Y44", CreditCodeError::Check),
            ("9111000010000349", CreditCodeError::Length),
            ("91110000100003495YY", CreditCodeError::Length),
            ("", CreditCodeError::Length),
            ("91110000100003495I", CreditCodeError::Character),
            ("9111000010000349OY", CreditCodeError::Character),
            ("91110000100003４９Ｚ５", CreditCodeError::Character),
            ("91110000100003495。", CreditCodeError::Character),
        ] {
            assert_eq!(CreditCode::parse(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn one_company_spelt_many_ways_is_one_value() {
        let places = chongqing();
        for spelt in [
            "重庆某某建设工程有限公司",
            "重庆 某某建设工程 有限责任公司",
            "某某建设(重庆)",
            "某某建设（重庆）有限公司",
            "重庆市渝中区某某建设工程有限公司",
            "渝中区某某建筑工程股份有限公司",
            "某某建设集团有限公司",
            "重庆某某建设有限公司九龙坡分公司",
            "【重庆】某某建设",
            "某某 建设 工程",
            "重庆市某某建设工程有限公司。",
        ] {
            assert_eq!(company(spelt, &places).as_deref(), Some("某某"), "{spelt}");
        }
        for (spelt, key) in [
            ("重庆长江化工有限公司", "长江"),
            ("长江化工", "长江"),
            ("ＡＢＣ Ｃｏ．， Ｌｔｄ．", "abc"),
            ("ABC Co., Ltd.", "abc"),
            ("重庆市九龙坡区华岩煤矿", "华岩"),
            ("石柱县某某矿业有限公司", "某某"),
            ("两江新区鸿运物流有限公司", "鸿运"),
            ("石柱土家族自治县某某矿业有限公司", "某某"),
            ("某某建设九龙坡分公司", "某某"),
        ] {
            assert_eq!(company(spelt, &places).as_deref(), Some(key), "{spelt}");
        }
        assert_ne!(company("重庆某某建设工程有限公司", &places), company("重庆另一建设工程有限公司", &places));
    }

    #[test]
    fn a_name_with_too_little_left_has_no_value() {
        let places = chongqing();
        for spelt in ["", "   ", "有限公司", "重庆", "重庆市建设工程有限公司", "某", "（重庆）", "!!!"]
        {
            let key = company(spelt, &places);
            assert!(
                key.as_ref().is_none_or(|k| k.chars().count() >= SHORTEST && !places.is_place(k)),
                "{spelt}: {key:?}"
            );
        }
        assert_eq!(company("有限公司", &places), None);
        assert_eq!(company("某", &places), None);
        // Never the place alone: 重庆 is every company of the city.
        assert_eq!(company("重庆", &places), None);
        assert_eq!(company("九龙坡区有限公司", &places), None);
        // Nor a trade alone.
        assert_eq!(company("重庆市建设工程有限公司", &places), None);
    }

    #[test]
    fn an_accident_is_its_company_and_day() {
        let places = chongqing();
        let day = time::macros::date!(2026 - 11 - 20);
        let one = company("重庆某某煤业有限公司", &places).map(|c| accident(&c, day));
        let other = company("某某煤业（重庆）", &places).map(|c| accident(&c, day));
        assert_eq!(one.as_deref(), Some("某某|2026-11-20"));
        assert_eq!(one, other);
        assert_ne!(one, company("重庆某某煤业有限公司", &places).map(|c| accident(&c, day.next_day().unwrap())));
    }

    #[test]
    fn an_address_is_its_road_and_number() {
        let places = chongqing();
        for spelt in [
            "民族路188号",
            "重庆市渝中区民族路188号",
            "渝中区 民族路 188 号 3 楼",
            "民族路１８８号附近工地",
            "民族路一百八十八号",
            "解放碑街道民族路188号",
            "重庆市渝中区民族路188号（大厦后门）",
        ] {
            assert_eq!(address(spelt, &places).as_deref(), Some("民族路188号"), "{spelt}");
        }
        assert_eq!(address("建设路一〇八号", &places).as_deref(), Some("建设路108号"));
        assert_eq!(address("谢家湾正街十二号", &places).as_deref(), Some("谢家湾正街12号"));
        assert_eq!(address("新村路3号", &places).as_deref(), Some("新村路3号"), "a road named after a village");
        for vague in ["渝中区解放碑附近", "工地", "", "188号", "3号楼"] {
            assert_eq!(address(vague, &places), None, "{vague}");
        }
    }
}
