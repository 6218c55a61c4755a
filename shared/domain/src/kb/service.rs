//! The knowledge base's use cases share one service: its store, its index
//! and the settings they all start from. Staff write and read through a
//! [`Principal`]; the help center reads as a [`Reader`](crate::kb::article::Reader).

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use crate::DomainError;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::tenant::Tenant;
use crate::accounts::user::Role;
use crate::kb::ports::KbSettingsStore;
use crate::kb::settings::{KbSettings, SettingsInput};
use crate::kernel::ids::TenantId;

pub struct KnowledgeBase<S, I> {
    store: S,
    index: I,
    /// A secret of the deployment: keys the digests votes are kept under
    /// (so a digest cannot be matched against every possible address) and
    /// the signatures of files' addresses.
    secret: [u8; 32],
    /// Help centers read lately: their tenant and settings, for
    /// [`HELP_CENTER_TTL`].
    help_centers: std::sync::Mutex<HashMap<String, (Timestamp, Tenant, KbSettings)>>,
}

/// How long a help center's tenant and settings are reused by one
/// instance before they are read again: a suspension or a change of
/// locales reaches readers within this.
pub const HELP_CENTER_TTL: SignedDuration = SignedDuration::from_secs(30);

/// How many help centers one instance remembers.
const HELP_CENTERS_KEPT: usize = 1_000;

impl<S, I> KnowledgeBase<S, I> {
    pub fn new(store: S, index: I) -> Self {
        Self {
            store,
            index,
            secret: [0; 32],
            help_centers: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The help center with `slug` as read within [`HELP_CENTER_TTL`].
    pub(crate) fn remembered(&self, slug: &str, now: Timestamp) -> Option<(Tenant, KbSettings)> {
        let kept = self
            .help_centers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(slug)
            .filter(|(at, _, _)| now.duration_since(*at) < HELP_CENTER_TTL)
            .map(|(_, t, s)| (t.clone(), s.clone()))
    }

    pub(crate) fn remember(
        &self,
        slug: &str,
        tenant: &Tenant,
        settings: &KbSettings,
        now: Timestamp,
    ) {
        let mut kept = self
            .help_centers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= HELP_CENTERS_KEPT {
            kept.retain(|_, (at, _, _)| now.duration_since(*at) < HELP_CENTER_TTL);
            if kept.len() >= HELP_CENTERS_KEPT {
                kept.clear();
            }
        }
        kept.insert(slug.to_owned(), (now, tenant.clone(), settings.clone()));
    }

    pub fn with_secret(mut self, key: [u8; 32]) -> Self {
        self.secret = key;
        self
    }

    /// A keyed digest of `message` (hex), for `purpose` alone.
    pub(crate) fn mac(&self, purpose: &str, message: &str) -> String {
        let mac = crate::kernel::secrets::hmac_sha256(
            &self.secret,
            format!("{purpose}|{message}").as_bytes(),
        );
        data_encoding::HEXLOWER.encode(&mac[..16])
    }

    /// What a vote is kept under: the voter cannot be read back from it,
    /// and the same voter is another digest in another tenant.
    pub(crate) fn voter_digest(&self, tenant: TenantId, voter: &str) -> String {
        self.mac("voter", &format!("{tenant}|{voter}"))
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn index(&self) -> &I {
        &self.index
    }
}

/// Reading the knowledge base as staff.
pub(crate) fn require_staff(principal: &Principal) -> Result<(), DomainError> {
    principal.require(Action::ReadKnowledgeBase)
}

/// Writing it: owners and admins (and keys with `kb:write`), and the
/// agents the settings name.
pub(crate) fn require_writer(
    principal: &Principal,
    settings: &KbSettings,
) -> Result<(), DomainError> {
    if principal.require(Action::WriteKnowledgeBase).is_ok() {
        return Ok(());
    }
    match principal.user() {
        Some(user) if user.role == Role::Agent && settings.editors.contains(&user.id) => Ok(()),
        _ => Err(DomainError::Forbidden),
    }
}

impl<S: KbSettingsStore, I> KnowledgeBase<S, I> {
    /// The tenant's settings, or the first ones (English only) if none
    /// were saved.
    pub async fn settings_of(&self, tenant: TenantId) -> Result<KbSettings, DomainError> {
        Ok(self
            .store
            .kb_settings(tenant)
            .await?
            .unwrap_or_else(|| KbSettings::initial(tenant)))
    }

    pub async fn settings(&self, principal: &Principal) -> Result<KbSettings, DomainError> {
        require_staff(principal)?;
        self.settings_of(principal.tenant_id()).await
    }

    /// Replaces the settings. A locale that articles are written in can
    /// be disabled: its translations stay, and readers are no longer
    /// served them.
    pub async fn set_settings(
        &self,
        principal: &Principal,
        input: SettingsInput,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<KbSettings, DomainError> {
        principal.require(Action::ManageKnowledgeBase)?;
        let before = self.settings_of(principal.tenant_id()).await?;
        if if_match.is_some_and(|v| v != before.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let input = input
            .normalized()
            .map_err(|(field, e)| DomainError::field(field, e.code, e.message))?;
        let settings = KbSettings {
            tenant_id: principal.tenant_id(),
            default_locale: input.default_locale,
            locales: input.locales,
            editors: input.editors,
            version: before.version + 1,
        };
        let event = crate::kernel::events::ConfigurationChanged::new(
            crate::kernel::events::ConfigObject::KbSettings,
            crate::kernel::events::ConfigChange::Updated,
        )
        .touching(&["defaultLocale", "locales", "editors"])
        .event(principal.tenant_id(), principal.actor(), now);
        self.store.put_kb_settings(&settings, &[event]).await?;
        Ok(settings)
    }
}
