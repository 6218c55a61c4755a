//! How the knowledge base is arranged: categories, each with ordered
//! sections, each with ordered articles. Names have a translation per
//! locale where one was written, and fall back to the default otherwise.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kb::locale::Locale;
use crate::kernel::ids::{CategoryId, SectionId, TenantId};
use crate::kernel::validation::{Invalid, bounded_text};

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// How many categories a tenant may have (the help center lists them all).
pub const MAX_CATEGORIES: usize = 100;
/// How many sections a tenant may have.
pub const MAX_SECTIONS: usize = 1_000;

/// A name and its description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

impl Label {
    pub fn parse(name: &str, description: Option<&str>) -> Result<Self, (&'static str, Invalid)> {
        Ok(Self {
            name: bounded_text(name, 1, MAX_NAME_CHARS).map_err(|e| ("name", e))?,
            description: match description {
                None => String::new(),
                Some(d) => {
                    bounded_text(d, 0, MAX_DESCRIPTION_CHARS).map_err(|e| ("description", e))?
                }
            },
        })
    }
}

/// A label in the default locale, and translations of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    #[serde(flatten)]
    pub default: Label,
    #[serde(default)]
    pub translations: BTreeMap<Locale, Label>,
}

impl Labels {
    /// The label for `locale`, and whether it is the default's instead.
    pub fn in_locale(&self, locale: &Locale) -> (&Label, bool) {
        match self.translations.get(locale) {
            Some(label) => (label, false),
            None => (&self.default, true),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: CategoryId,
    pub tenant_id: TenantId,
    pub labels: Labels,
    pub position: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: SectionId,
    pub tenant_id: TenantId,
    pub category_id: CategoryId,
    pub labels: Labels,
    pub position: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

/// A new category or section.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub labels: Labels,
    pub position: Option<u32>,
    /// Sections only: the category it belongs to.
    pub category_id: Option<CategoryId>,
}

/// A change to a category or section; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Replaces the translations given; `None` for a locale removes it.
    pub translations: BTreeMap<Locale, Option<Label>>,
    pub position: Option<u32>,
    /// Sections only: moves it to another category.
    pub category_id: Option<CategoryId>,
}

impl GroupPatch {
    /// Applies the patch; the names of the fields that changed.
    pub fn apply(&self, labels: &mut Labels, position: &mut u32) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if let Some(name) = &self.name
            && *name != labels.default.name
        {
            labels.default.name.clone_from(name);
            changed.push("name");
        }
        if let Some(d) = &self.description
            && *d != labels.default.description
        {
            labels.default.description.clone_from(d);
            changed.push("description");
        }
        for (locale, label) in &self.translations {
            let before = labels.translations.get(locale);
            if before == label.as_ref() {
                continue;
            }
            match label {
                Some(label) => labels.translations.insert(locale.clone(), label.clone()),
                None => labels.translations.remove(locale),
            };
            if !changed.contains(&"translations") {
                changed.push("translations");
            }
        }
        if let Some(p) = self.position
            && p != *position
        {
            *position = p;
            changed.push("position");
        }
        changed
    }
}

/// Sorts by position, then name.
pub fn arrange<T>(items: &mut [T], key: impl Fn(&T) -> (u32, &str)) {
    items.sort_by(|a, b| key(a).cmp(&key(b)));
}
