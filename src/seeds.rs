//! Reference data from `seeds/*.toml`: compiled into the binary, or read from a directory
//! given to `jubao seed --dir`, and validated as a whole before anything is stored.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::domain::{Code, DeadlineRules, Kind, RewardPolicy};

/// Codes the outside contract fixes; a seed set without any of them is refused.
pub const CONTRACT_DEPARTMENTS: [&str; 15] = [
    "ndrc-energy",
    "economy",
    "police",
    "transport",
    "housing",
    "emergency",
    "culture-tourism",
    "urban",
    "fire",
    "market",
    "sasac",
    "water",
    "natural-resources",
    "forestry",
    "safety-office",
];

const BUILTIN: [(&str, &str); 6] = [
    ("departments.toml", include_str!("../seeds/departments.toml")),
    ("districts.toml", include_str!("../seeds/districts.toml")),
    ("categories.toml", include_str!("../seeds/categories.toml")),
    ("kinds.toml", include_str!("../seeds/kinds.toml")),
    ("deadlines.toml", include_str!("../seeds/deadlines.toml")),
    ("reward_policy.toml", include_str!("../seeds/reward_policy.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentSeed {
    pub code: Code,
    pub name_zh: String,
    pub name_en: String,
    /// For a local unit: the city-level department it belongs to.
    pub parent: Option<Code>,
    /// For a local unit: the district it serves.
    pub district: Option<Code>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    District,
    County,
    Zone,
    City,
}

impl DistrictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DistrictKind::District => "district",
            DistrictKind::County => "county",
            DistrictKind::Zone => "zone",
            DistrictKind::City => "city",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictSeed {
    pub code: Code,
    pub name_zh: String,
    pub name_en: String,
    pub kind: DistrictKind,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySeed {
    pub code: Code,
    pub department: Code,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSeed {
    pub code: Kind,
    pub name_zh: String,
    pub name_en: String,
    pub hint_zh: String,
    pub hint_en: String,
}

/// Everything `jubao seed` loads, validated together.
#[derive(Debug, Clone)]
pub struct SeedSet {
    pub departments: Vec<DepartmentSeed>,
    pub districts: Vec<DistrictSeed>,
    pub categories: Vec<CategorySeed>,
    pub kinds: Vec<KindSeed>,
    pub deadlines: DeadlineRules,
    pub reward_policy: RewardPolicy,
    /// The policy file as written, kept with each stored version of the policy.
    pub reward_policy_source: String,
}

/// What is wrong, and where: `seeds/categories.toml: category gas: unknown department energy`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {message}")]
pub struct SeedError {
    pub file: String,
    pub message: String,
}

fn err<T>(file: &str, message: impl Into<String>) -> Result<T, SeedError> {
    Err(SeedError { file: file.to_owned(), message: message.into() })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentsFile {
    department: Vec<DepartmentSeed>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictsFile {
    district: Vec<DistrictSeed>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    category: Vec<CategorySeed>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindsFile {
    kind: Vec<KindSeed>,
}

/// The seven sources, by file name, each with the name to show in errors.
struct Sources {
    files: HashMap<&'static str, (String, String)>,
}

impl Sources {
    fn get<'a>(&'a self, name: &'a str) -> (&'a str, &'a str) {
        match self.files.get(name) {
            Some((shown, text)) => (shown.as_str(), text.as_str()),
            None => (name, ""),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, SeedError> {
        let (shown, text) = self.get(name);
        toml::from_str(text).or_else(|e| err(shown, one_line_toml_error(text, &e)))
    }
}

/// toml's own message spans several lines with a drawing of the source; keep one line.
fn one_line_toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text.get(..span.start).map_or(1, |before| before.matches('\n').count() + 1);
            format!("line {line}: {message}")
        }
        None => message,
    }
}

impl SeedSet {
    /// The names of the seed files.
    pub const FILES: [&'static str; 6] =
        [BUILTIN[0].0, BUILTIN[1].0, BUILTIN[2].0, BUILTIN[3].0, BUILTIN[4].0, BUILTIN[5].0];

    /// The built-in seeds with one file's text replaced, as `from_dir` reads it.
    pub fn builtin_with(name: &str, text: &str) -> Result<Self, SeedError> {
        let files = BUILTIN
            .iter()
            .map(|(file, builtin)| {
                let entry = if *file == name {
                    (format!("given/{file}"), text.to_owned())
                } else {
                    (format!("seeds/{file}"), (*builtin).to_owned())
                };
                (*file, entry)
            })
            .collect();
        Self::from_sources(Sources { files })
    }

    /// The seeds compiled into the binary.
    pub fn builtin() -> Result<Self, SeedError> {
        let files = BUILTIN.iter().map(|(name, text)| (*name, (format!("seeds/{name}"), (*text).to_owned()))).collect();
        Self::from_sources(Sources { files })
    }

    /// The files found in `dir` replace the built-in ones of the same name; the others stay.
    pub fn from_dir(dir: &Path) -> Result<Self, SeedError> {
        if !dir.is_dir() {
            return err(&dir.display().to_string(), "not a directory");
        }
        let mut files = HashMap::new();
        for (name, builtin) in BUILTIN {
            let path = dir.join(name);
            let entry = if path.exists() {
                let shown = path.display().to_string();
                match std::fs::read_to_string(&path) {
                    Ok(text) => (shown, text),
                    Err(e) => return err(&shown, format!("cannot be read: {e}")),
                }
            } else {
                (format!("seeds/{name}"), builtin.to_owned())
            };
            files.insert(name, entry);
        }
        Self::from_sources(Sources { files })
    }

    fn from_sources(sources: Sources) -> Result<Self, SeedError> {
        let departments: DepartmentsFile = sources.parse("departments.toml")?;
        let districts: DistrictsFile = sources.parse("districts.toml")?;
        let categories: CategoriesFile = sources.parse("categories.toml")?;
        let kinds: KindsFile = sources.parse("kinds.toml")?;
        let deadlines: DeadlineRules = sources.parse("deadlines.toml")?;
        let reward_policy: RewardPolicy = sources.parse("reward_policy.toml")?;
        let set = SeedSet {
            departments: departments.department,
            districts: districts.district,
            categories: categories.category,
            kinds: kinds.kind,
            deadlines,
            reward_policy,
            reward_policy_source: sources.get("reward_policy.toml").1.to_owned(),
        };
        set.validate(&sources)?;
        Ok(set)
    }

    fn validate(&self, sources: &Sources) -> Result<(), SeedError> {
        let district_codes = self.validate_districts(sources.get("districts.toml").0)?;
        let (top_level, all_departments) =
            self.validate_departments(sources.get("departments.toml").0, &district_codes)?;
        self.validate_categories(sources.get("categories.toml").0, &top_level)?;
        let file = sources.get("kinds.toml").0;
        let mut kinds = HashSet::new();
        for k in &self.kinds {
            let entry = format!("kind {}", k.code.as_str());
            check_names(file, &entry, &k.name_zh, &k.name_en)?;
            if !kinds.insert(k.code) {
                return err(file, format!("{entry}: appears twice"));
            }
        }
        if let Some(missing) = Kind::ALL.into_iter().find(|k| !kinds.contains(k)) {
            return err(file, format!("kind {} is missing", missing.as_str()));
        }

        let file = sources.get("deadlines.toml").0;
        if let Err((step, message)) = self.deadlines.validate() {
            return err(file, format!("{}: {message}", step.as_str()));
        }

        let file = sources.get("reward_policy.toml").0;
        if let Err(e) = self.reward_policy.validate() {
            return err(file, e.to_string());
        }
        for item in &self.reward_policy.catalogue {
            if !all_departments.contains(&item.department) {
                return err(file, format!("catalogue item {}: unknown department {}", item.code, item.department));
            }
        }
        Ok(())
    }

    /// Districts: names, no code twice, 6-digit codes for districts and counties.
    fn validate_districts(&self, file: &str) -> Result<HashSet<&Code>, SeedError> {
        let mut district_codes = HashSet::new();
        for d in &self.districts {
            let entry = format!("district {}", d.code);
            check_names(file, &entry, &d.name_zh, &d.name_en)?;
            if !district_codes.insert(&d.code) {
                return err(file, format!("{entry}: appears twice"));
            }
            let six_digits = d.code.as_str().len() == 6 && d.code.as_str().bytes().all(|b| b.is_ascii_digit());
            if matches!(d.kind, DistrictKind::District | DistrictKind::County) && !six_digits {
                return err(file, format!("{entry}: a {} needs its 6-digit GB/T 2260 code", d.kind.as_str()));
            }
        }
        Ok(district_codes)
    }

    /// Departments: names, no code twice, local units under a known city-level department
    /// and district, and every department CONTRACT.md names. Gives the city-level codes and
    /// all codes.
    #[allow(clippy::type_complexity)]
    fn validate_departments<'a>(
        &'a self,
        file: &str,
        district_codes: &HashSet<&Code>,
    ) -> Result<(HashSet<&'a Code>, HashSet<&'a Code>), SeedError> {
        let mut top_level = HashSet::new();
        let mut all_departments = HashSet::new();
        for d in &self.departments {
            if !all_departments.insert(&d.code) {
                return err(file, format!("department {}: appears twice", d.code));
            }
            if d.parent.is_none() {
                top_level.insert(&d.code);
            }
        }
        let mut local_units = HashSet::new();
        for d in &self.departments {
            let entry = format!("department {}", d.code);
            check_names(file, &entry, &d.name_zh, &d.name_en)?;
            match (&d.parent, &d.district) {
                (None, None) => {}
                (Some(parent), Some(district)) => {
                    if !top_level.contains(parent) {
                        return err(file, format!("{entry}: unknown city-level department {parent}"));
                    }
                    if !district_codes.contains(district) {
                        return err(file, format!("{entry}: unknown district {district}"));
                    }
                    if !local_units.insert((parent, district)) {
                        return err(file, format!("{entry}: a second unit of {parent} in district {district}"));
                    }
                }
                _ => return err(file, format!("{entry}: a local unit needs both `parent` and `district`")),
            }
        }
        let missing: BTreeSet<&str> =
            CONTRACT_DEPARTMENTS.into_iter().filter(|c| !top_level.iter().any(|t| t.as_str() == *c)).collect();
        if !missing.is_empty() {
            let list: Vec<&str> = missing.into_iter().collect();
            return err(file, format!("missing city-level departments: {}", list.join(", ")));
        }
        Ok((top_level, all_departments))
    }

    /// Categories: names, no code twice, each handled by a city-level department.
    fn validate_categories(&self, file: &str, top_level: &HashSet<&Code>) -> Result<(), SeedError> {
        let mut category_codes = HashSet::new();
        for c in &self.categories {
            let entry = format!("category {}", c.code);
            check_names(file, &entry, &c.name_zh, &c.name_en)?;
            if !category_codes.insert(&c.code) {
                return err(file, format!("{entry}: appears twice"));
            }
            if !top_level.contains(&c.department) {
                return err(file, format!("{entry}: unknown department {}", c.department));
            }
        }
        if self.categories.is_empty() {
            return err(file, "no category");
        }
        Ok(())
    }
}

fn check_names(file: &str, entry: &str, zh: &str, en: &str) -> Result<(), SeedError> {
    for (lang, name) in [("name_zh", zh), ("name_en", en)] {
        let length = name.trim().chars().count();
        if length == 0 || length > 120 {
            return err(file, format!("{entry}: {lang} must have 1–120 characters"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_seeds_are_complete() {
        let seeds = SeedSet::builtin().unwrap();
        assert_eq!(seeds.departments.len(), 15);
        assert!(seeds.categories.len() >= 15);
        let districts: Vec<&str> = seeds.districts.iter().map(|d| d.code.as_str()).collect();
        assert!(districts.contains(&"500103"));
        let gb_coded =
            seeds.districts.iter().filter(|d| matches!(d.kind, DistrictKind::District | DistrictKind::County));
        assert_eq!(gb_coded.count(), 38, "Chongqing has 38 districts and counties");
        assert_eq!(seeds.districts.iter().filter(|d| d.kind == DistrictKind::Zone).count(), 4);
        // Every department of the routing table has at least one category.
        for code in CONTRACT_DEPARTMENTS {
            assert!(seeds.categories.iter().any(|c| c.department.as_str() == code), "{code} has no category");
        }
    }

    /// Replaces one built-in file's text and returns the error of the whole set.
    fn error_with(name: &'static str, edit: impl Fn(&str) -> String) -> String {
        let mut files: HashMap<&'static str, (String, String)> =
            BUILTIN.iter().map(|(n, t)| (*n, (format!("seeds/{n}"), (*t).to_owned()))).collect();
        if let Some(entry) = files.get_mut(name) {
            entry.1 = edit(&entry.1);
        }
        SeedSet::from_sources(Sources { files }).unwrap_err().to_string()
    }

    #[test]
    fn bad_seeds_name_the_file_and_the_entry() {
        /// File, how to break it, what the error must say.
        type Case = (&'static str, fn(&str) -> String, &'static str);
        let cases: [Case; 12] = [
            (
                "categories.toml",
                |t| t.replacen("department = \"ndrc-energy\"", "department = \"energy\"", 1),
                "seeds/categories.toml: category oil-gas-pipeline: unknown department energy",
            ),
            (
                "categories.toml",
                |t| t.replacen("code = \"highway\"", "code = \"waterway\"", 1),
                "seeds/categories.toml: category waterway: appears twice",
            ),
            (
                "departments.toml",
                |t| t.replacen("code = \"forestry\"", "code = \"forests\"", 1),
                "seeds/departments.toml: missing city-level departments: forestry",
            ),
            (
                "departments.toml",
                |t| {
                    format!(
                        "{t}\n[[department]]\ncode = \"em-1\"\nparent = \"emergency\"\nname_zh = \"x\"\nname_en = \"x\"\n"
                    )
                },
                "seeds/departments.toml: department em-1: a local unit needs both `parent` and `district`",
            ),
            (
                "departments.toml",
                |t| {
                    format!(
                        "{t}\n[[department]]\ncode = \"em-1\"\nparent = \"emergency\"\ndistrict = \"999999\"\nname_zh = \"x\"\nname_en = \"x\"\n"
                    )
                },
                "seeds/departments.toml: department em-1: unknown district 999999",
            ),
            (
                "districts.toml",
                |t| t.replacen("code = \"500103\"", "code = \"yuzhong\"", 1),
                "seeds/districts.toml: district yuzhong: a district needs its 6-digit GB/T 2260 code",
            ),
            (
                "districts.toml",
                |t| t.replacen("name_zh = \"渝中区\"", "name_zh = \" \"", 1),
                "seeds/districts.toml: district 500103: name_zh must have 1–120 characters",
            ),
            (
                "kinds.toml",
                |t| t.replacen("code = \"other\"", "code = \"violation\"", 1),
                "seeds/kinds.toml: kind violation: appears twice",
            ),
            ("kinds.toml", |t| t.replacen("code = \"other\"", "code = \"gossip\"", 1), "seeds/kinds.toml: line"),
            (
                "deadlines.toml",
                |t| t.replacen("days = 60", "days = 0", 1),
                "seeds/deadlines.toml: conclude: 0 days is outside",
            ),
            ("reward_policy.toml", |t| t.replacen("percent = 15", "percent = 150", 1), "percent 150 is outside 1–100"),
            (
                "categories.toml",
                |t| {
                    t.replacen(
                        "[[category]]\ncode = \"highway\"",
                        "[[category]]\ncolour = \"red\"\ncode = \"highway\"",
                        1,
                    )
                },
                "seeds/categories.toml: line",
            ),
        ];
        for (file, edit, expected) in cases {
            let message = error_with(file, edit);
            assert!(
                message.starts_with(expected) || message.contains(expected),
                "{file}: got {message:?}, want {expected:?}"
            );
            assert!(!message.contains('\n'), "one line: {message:?}");
        }
    }
}
