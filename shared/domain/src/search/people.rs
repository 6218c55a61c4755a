//! Finding people, for staff: customers and agents by a word of their
//! name, their address or its domain; and keeping a person's document in
//! the people index up to date.

use std::collections::HashMap;

use crate::DomainError;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::UserStore;
use crate::accounts::user::{User, UserStatus};
use crate::kernel::ids::{OrganizationId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::search::person::{PeopleKind, PeopleQuery};
use crate::search::ports::PeopleIndex;
use crate::search::service::{MAX_RESULTS, Search};

/// The longest people query read, in characters.
pub const MAX_PEOPLE_QUERY_CHARS: usize = 200;

/// A search of people as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleRequest {
    pub q: String,
    pub kind: Option<PeopleKind>,
    pub organization_id: Option<OrganizationId>,
    /// Deactivated people too.
    pub inactive: bool,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct PeopleResults {
    /// Best match first, as the table has them now.
    pub items: Vec<User>,
    pub total: usize,
    pub next_offset: Option<usize>,
}

impl<S: UserStore, I: PeopleIndex> Search<S, I> {
    /// The people matching `request.q`, for staff.
    pub async fn people(
        &self,
        principal: &Principal,
        request: &PeopleRequest,
    ) -> Result<PeopleResults, DomainError> {
        principal.require(Action::ReadUsers)?;
        let text = request.q.trim();
        if text.is_empty() {
            return Err(DomainError::field(
                "q",
                "required",
                "type a name, an address or a domain",
            ));
        }
        if text.chars().count() > MAX_PEOPLE_QUERY_CHARS {
            return Err(DomainError::field(
                "q",
                "too_long",
                format!("at most {MAX_PEOPLE_QUERY_CHARS} characters"),
            ));
        }
        let tenant = principal.tenant_id();
        let offset = request.offset.min(MAX_RESULTS);
        let limit = request.limit.clamp(1, PageRequest::MAX_LIMIT as usize);
        let hits = self
            .index()
            .search_people(
                tenant,
                &PeopleQuery {
                    text: text.to_owned(),
                    kind: request.kind,
                    organization_id: request.organization_id,
                    inactive: request.inactive,
                    offset,
                    limit,
                },
            )
            .await?;
        // The table has the last word: someone deactivated or erased since
        // they were indexed is left out.
        let mut found: HashMap<UserId, User> = self
            .store()
            .users(tenant, &hits.ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let items = hits
            .ids
            .iter()
            .filter_map(|id| found.remove(id))
            .filter(|u| !u.is_erased())
            .filter(|u| request.inactive || u.status == UserStatus::Active)
            .collect();
        let total = hits.total.min(MAX_RESULTS);
        let next = offset + limit;
        Ok(PeopleResults {
            items,
            total,
            next_offset: (next < total).then_some(next),
        })
    }
}
