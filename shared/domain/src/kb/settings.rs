//! A tenant's knowledge base settings: the locales it is written in and
//! the agents who may write it.

use serde::{Deserialize, Serialize};

use crate::kb::locale::Locale;
use crate::kernel::ids::{TenantId, UserId};
use crate::kernel::validation::Invalid;

/// How many locales a knowledge base may have.
pub const MAX_LOCALES: usize = 40;
/// How many agents may be named editors.
pub const MAX_EDITORS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KbSettings {
    pub tenant_id: TenantId,
    /// What a reader gets when their locale has no translation.
    pub default_locale: Locale,
    /// The locales articles may be written in; the default among them.
    pub locales: Vec<Locale>,
    /// Agents who may write articles (owners and admins always may).
    pub editors: Vec<UserId>,
    pub version: u64,
}

impl KbSettings {
    /// A tenant's settings before anyone changed them: English only.
    pub fn initial(tenant_id: TenantId) -> Self {
        let en = Locale::english();
        Self {
            tenant_id,
            default_locale: en.clone(),
            locales: vec![en],
            editors: Vec::new(),
            version: 0,
        }
    }

    pub fn is_enabled(&self, locale: &Locale) -> bool {
        self.locales.contains(locale)
    }

    /// `locale`, when the knowledge base is written in it.
    pub fn enabled(&self, locale: Locale) -> Result<Locale, Invalid> {
        if self.is_enabled(&locale) {
            Ok(locale)
        } else {
            Err(Invalid::new(
                "unknown_locale",
                format!(
                    "`{locale}` is not one of the knowledge base's locales ({})",
                    self.locales
                        .iter()
                        .map(Locale::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }
}

/// New settings as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsInput {
    pub default_locale: Locale,
    pub locales: Vec<Locale>,
    pub editors: Vec<UserId>,
}

impl SettingsInput {
    /// The locales without repeats, the default first if it was left out.
    pub fn normalized(mut self) -> Result<Self, (&'static str, Invalid)> {
        let mut locales: Vec<Locale> = Vec::with_capacity(self.locales.len() + 1);
        for l in std::iter::once(self.default_locale.clone()).chain(self.locales) {
            if !locales.contains(&l) {
                locales.push(l);
            }
        }
        if locales.len() > MAX_LOCALES {
            return Err((
                "locales",
                Invalid::new("too_many", format!("at most {MAX_LOCALES} locales")),
            ));
        }
        self.editors.sort();
        self.editors.dedup();
        if self.editors.len() > MAX_EDITORS {
            return Err((
                "editors",
                Invalid::new("too_many", format!("at most {MAX_EDITORS} editors")),
            ));
        }
        self.locales = locales;
        Ok(self)
    }
}
