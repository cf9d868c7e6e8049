//! Reference data for forms and pages, read from the store at most once a minute.

use crate::domain::DeadlineStep;
use crate::domain::matching::Places;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::RwLock;

use crate::store::reference::{self, Reference};
use crate::store::{Store, StoreError};

const FRESH_FOR: Duration = Duration::from_secs(60);

/// Reference data with lookups by code.
pub struct ReferenceData {
    pub reference: Reference,
    pub categories: HashSet<String>,
    pub districts: HashSet<String>,
    /// Deadline rule days by step (`acknowledge`, `conclude`, …).
    pub deadline_days: HashMap<DeadlineStep, i64>,
    /// The city's and districts' names that company names and addresses begin with.
    pub places: Places,
}

impl ReferenceData {
    fn name<'a>(list: impl Iterator<Item = (&'a str, &'a str, &'a str)>, code: &str, zh: bool) -> String {
        list.into_iter()
            .find(|(c, _, _)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, z, e)| if zh { z.to_owned() } else { e.to_owned() })
    }

    pub fn kind_name(&self, code: &str, zh: bool) -> String {
        Self::name(
            self.reference.kinds.iter().map(|k| (k.code.as_str(), k.name_zh.as_str(), k.name_en.as_str())),
            code,
            zh,
        )
    }

    pub fn category_name(&self, code: &str, zh: bool) -> String {
        Self::name(
            self.reference.categories.iter().map(|k| (k.code.as_str(), k.name_zh.as_str(), k.name_en.as_str())),
            code,
            zh,
        )
    }

    pub fn district_name(&self, code: &str, zh: bool) -> String {
        Self::name(
            self.reference.districts.iter().map(|k| (k.code.as_str(), k.name_zh.as_str(), k.name_en.as_str())),
            code,
            zh,
        )
    }

    pub fn department_name(&self, code: &str, zh: bool) -> String {
        Self::name(
            self.reference.departments.iter().map(|k| (k.code.as_str(), k.name_zh.as_str(), k.name_en.as_str())),
            code,
            zh,
        )
    }

    /// The days a deadline step allows (0 for a step the reference data lacks).
    pub fn days(&self, step: DeadlineStep) -> i64 {
        self.deadline_days.get(&step).copied().unwrap_or(0)
    }

    /// The last moment to acknowledge a tip received at `received_at`.
    pub fn acknowledge_by(&self, received_at: i64) -> i64 {
        received_at + self.days(DeadlineStep::Acknowledge) * crate::domain::china_time::DAY
    }
}

pub struct ReferenceCache {
    store: Store,
    city_name: String,
    cached: RwLock<Option<(Instant, Arc<ReferenceData>)>>,
}

impl ReferenceCache {
    pub fn new(store: Store, city_name: &str) -> Self {
        Self { store, city_name: city_name.to_owned(), cached: RwLock::new(None) }
    }

    pub async fn get(&self) -> Result<Arc<ReferenceData>, StoreError> {
        if let Some((at, data)) = self.cached.read().await.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(data.clone());
        }
        let reference = reference::load(&self.store).await?;
        let deadline_days = reference::deadline_days(&mut *self.store.conn().await?).await?.into_iter().collect();
        let districts = reference.districts.iter().filter(|d| d.kind != "city");
        let places = Places::new(&[self.city_name.as_str()], districts.map(|d| d.name_zh.as_str()));
        let data = Arc::new(ReferenceData {
            places,
            categories: reference.categories.iter().map(|c| c.code.clone()).collect(),
            districts: reference.districts.iter().map(|d| d.code.clone()).collect(),
            reference,
            deadline_days,
        });
        *self.cached.write().await = Some((Instant::now(), data.clone()));
        Ok(data)
    }
}
