//! Saved-view use cases: agents keep their own views, admins share views
//! with a team or everyone; a view runs as a search with the list's
//! paging, and the sidebar counts every view one sees. A view one may not
//! see is `NotFound`, as if it did not exist.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{TeamStore, UserStore};
use crate::attachments::ports::AttachmentStore;
use crate::kernel::ids::{TeamId, ViewId};
use crate::search::ports::{TicketIndex, ViewStore};
use crate::search::service::{KeyMe, Search, SearchRequest, SearchResults};
use crate::search::view::{
    MAX_PERSONAL_VIEWS, MAX_SHARED_VIEWS, NewView, SavedView, Sharing, SharingInput, ViewPatch,
};
use crate::tickets::ports::{FieldSchemaStore, TicketStore};

/// A view and how many tickets it holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewCount {
    pub view: SavedView,
    pub count: usize,
}

impl<S, I> Search<S, I>
where
    S: UserStore + TeamStore + TicketStore + FieldSchemaStore + AttachmentStore + ViewStore,
    I: TicketIndex,
{
    /// The views `principal` sees: their own, then the shared ones, each
    /// by name.
    pub async fn views(&self, principal: &Principal) -> Result<Vec<SavedView>, DomainError> {
        principal.require(Action::UseViews)?;
        let tenant = principal.tenant_id();
        let mut views = match principal.user_id() {
            Some(me) => self.store().personal_views(tenant, me).await?,
            None => Vec::new(),
        };
        let teams = self.teams_of(principal).await?;
        views.extend(
            self.store()
                .shared_views(tenant)
                .await?
                .into_iter()
                .filter(|v| v.visible_to(principal, &teams)),
        );
        Ok(views)
    }

    /// One view, if `principal` sees it.
    pub async fn view(&self, principal: &Principal, id: ViewId) -> Result<SavedView, DomainError> {
        let view = self
            .store()
            .view(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let teams = match view.sharing {
            Sharing::Team(_) => self.teams_of(principal).await?,
            _ => Vec::new(),
        };
        if view.visible_to(principal, &teams) {
            Ok(view)
        } else {
            Err(DomainError::NotFound)
        }
    }

    pub async fn create_view(
        &self,
        principal: &Principal,
        input: NewView,
        now: Timestamp,
    ) -> Result<SavedView, DomainError> {
        principal.require(Action::UseViews)?;
        let sharing = self.sharing(principal, input.sharing).await?;
        self.ensure_room(principal, sharing, None).await?;
        let view = SavedView {
            id: ViewId::new(),
            tenant_id: principal.tenant_id(),
            name: input.name,
            query: input.query,
            sort: input.sort,
            descending: input.descending,
            sharing,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.store().put_view(&view, None).await?;
        Ok(view)
    }

    /// Changes a view its caller may edit; `expected` is the version an
    /// `If-Match` names.
    pub async fn update_view(
        &self,
        principal: &Principal,
        id: ViewId,
        patch: ViewPatch,
        expected: Option<u64>,
        now: Timestamp,
    ) -> Result<SavedView, DomainError> {
        let before = self.view(principal, id).await?;
        before.editable_by(principal)?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let mut view = before.clone();
        if let Some(sharing) = patch.sharing {
            let sharing = self.sharing(principal, sharing).await?;
            if sharing != before.sharing {
                self.ensure_room(principal, sharing, Some(&before)).await?;
            }
            view.sharing = sharing;
        }
        if let Some(name) = patch.name {
            view.name = name;
        }
        if let Some(query) = patch.query {
            view.query = query;
        }
        if let Some(sort) = patch.sort {
            view.sort = sort;
        }
        if let Some(descending) = patch.descending {
            view.descending = descending;
        }
        if view == before {
            return Ok(before);
        }
        view.updated_at = now;
        view.version += 1;
        self.store().put_view(&view, Some(&before)).await?;
        Ok(view)
    }

    pub async fn delete_view(
        &self,
        principal: &Principal,
        id: ViewId,
        expected: Option<u64>,
    ) -> Result<(), DomainError> {
        let view = self.view(principal, id).await?;
        view.editable_by(principal)?;
        if expected.is_some_and(|v| v != view.version) {
            return Err(DomainError::PreconditionFailed);
        }
        Ok(self.store().delete_view(&view).await?)
    }

    /// The tickets a view holds now, a page at a time.
    pub async fn view_tickets(
        &self,
        principal: &Principal,
        id: ViewId,
        offset: usize,
        limit: usize,
        now: Timestamp,
    ) -> Result<SearchResults, DomainError> {
        let view = self.view(principal, id).await?;
        let request = SearchRequest {
            q: view.query,
            sort: view.sort,
            descending: view.descending,
            offset,
            limit,
        };
        self.tickets_with(principal, &request, now, KeyMe::Nobody)
            .await
    }

    /// Every view `principal` sees, with how many tickets each holds (on
    /// one opening of the index).
    pub async fn view_counts(
        &self,
        principal: &Principal,
        now: Timestamp,
    ) -> Result<Vec<ViewCount>, DomainError> {
        let views = self.views(principal).await?;
        let queries: Vec<&str> = views.iter().map(|v| v.query.as_str()).collect();
        let counts = self.counts(principal, &queries, now).await?;
        Ok(views
            .into_iter()
            .zip(counts)
            .map(|(view, count)| ViewCount {
                view,
                count: count.unwrap_or(0),
            })
            .collect())
    }

    /// The teams `principal` is a member of.
    async fn teams_of(&self, principal: &Principal) -> Result<Vec<TeamId>, DomainError> {
        let Some(me) = principal.user_id() else {
            return Ok(Vec::new());
        };
        Ok(self
            .store()
            .list_teams(principal.tenant_id())
            .await?
            .into_iter()
            .filter(|t| t.members.contains(&me))
            .map(|t| t.id)
            .collect())
    }

    /// Who a view will be shared with, if `principal` may share it so.
    async fn sharing(
        &self,
        principal: &Principal,
        input: SharingInput,
    ) -> Result<Sharing, DomainError> {
        match input {
            SharingInput::Personal => principal.user_id().map(Sharing::Personal).ok_or_else(|| {
                DomainError::field(
                    "shared",
                    "not_allowed",
                    "an API key keeps no personal views: share it with a team or everyone",
                )
            }),
            SharingInput::Everyone => {
                principal.require(Action::ManageSharedViews)?;
                Ok(Sharing::Everyone)
            }
            SharingInput::Team(id) => {
                principal.require(Action::ManageSharedViews)?;
                self.store()
                    .team(principal.tenant_id(), id)
                    .await?
                    .ok_or_else(|| DomainError::field("teamId", "not_found", "no such team"))?;
                Ok(Sharing::Team(id))
            }
        }
    }

    /// Refuses a view past the limits: [`MAX_PERSONAL_VIEWS`] per person,
    /// [`MAX_SHARED_VIEWS`] shared per tenant (`moving`: the view changing
    /// sides, not counted twice).
    async fn ensure_room(
        &self,
        principal: &Principal,
        sharing: Sharing,
        moving: Option<&SavedView>,
    ) -> Result<(), DomainError> {
        let tenant = principal.tenant_id();
        let (held, max) = match sharing {
            Sharing::Personal(owner) => (
                self.store().personal_views(tenant, owner).await?,
                MAX_PERSONAL_VIEWS,
            ),
            Sharing::Team(_) | Sharing::Everyone => {
                // Between a team and everyone it stays shared.
                if moving.is_some_and(|v| !v.sharing.is_personal()) {
                    return Ok(());
                }
                (self.store().shared_views(tenant).await?, MAX_SHARED_VIEWS)
            }
        };
        if held.len() >= max {
            return Err(DomainError::field(
                "shared",
                "too_many",
                format!(
                    "at most {max} {} views",
                    if sharing.is_personal() {
                        "personal"
                    } else {
                        "shared"
                    }
                ),
            ));
        }
        Ok(())
    }
}
