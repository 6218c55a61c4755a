//! People search: the document the index keeps of a person, and what a
//! search of people asks. Staff find customers and agents by a word of
//! their name, their address or its domain (`ana`, `ana@acme`,
//! `acme.com`), each word matched as the start of one.

use crate::accounts::user::{User, UserStatus};
use crate::kernel::ids::{OrganizationId, UserId};

/// A person as the index keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDocument {
    pub user_id: UserId,
    pub name: String,
    /// Lower-cased.
    pub email: String,
    pub staff: bool,
    pub organization_id: Option<OrganizationId>,
    pub active: bool,
}

impl PersonDocument {
    /// `None` for an erased person: nothing of them is found any more.
    pub fn of(user: &User) -> Option<Self> {
        if user.is_erased() {
            return None;
        }
        Some(Self {
            user_id: user.id,
            name: user.name.clone(),
            email: user.email.as_str().to_lowercase(),
            staff: user.role.is_staff(),
            organization_id: user.organization_id,
            active: user.status == UserStatus::Active,
        })
    }
}

/// Which people: customers or staff (agents, admins, owners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleKind {
    Customers,
    Staff,
}

/// A search of people, as the index takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleQuery {
    /// Words as typed; the index splits them as it split the documents.
    pub text: String,
    pub kind: Option<PeopleKind>,
    pub organization_id: Option<OrganizationId>,
    /// Deactivated people too.
    pub inactive: bool,
    pub offset: usize,
    pub limit: usize,
}

/// Who matched, best first, and how many did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeopleHits {
    pub ids: Vec<UserId>,
    pub total: usize,
}
