//! Switchboard's HTTP conventions, shared by every API function: errors as
//! RFC 9457 problem+json (mapped from domain errors here and nowhere else),
//! JSON and query extraction with the same error format, authentication,
//! request ids, structured logs and security headers.

pub mod auth;
pub mod bootstrap;
pub mod conditional;
pub mod extract;
pub mod layers;
pub mod logging;
pub mod problem;
pub mod routes;
pub mod views;

pub use auth::{Authenticated, HasAccounts, OperatorAuth};
pub use extract::{Json, Query};
pub use problem::ApiError;

/// The account service as every function uses it.
pub type AccountService = switchboard_domain::accounts::Accounts<switchboard_aws::DynamoStore>;

/// Tickets and their conversations.
pub type TicketingService = switchboard_domain::ticketing::Ticketing<switchboard_aws::DynamoStore>;

/// Users, API keys and teams.
pub type RecoveryService = switchboard_domain::recovery::Recovery<switchboard_aws::DynamoStore>;

pub type DirectoryService = switchboard_domain::directory::Directory<switchboard_aws::DynamoStore>;

/// A person's in-app notifications.
pub type InboxService = switchboard_domain::inbox::Inbox<switchboard_aws::DynamoStore>;

/// Webhook endpoints and their deliveries.
pub type WebhooksService = switchboard_domain::webhooks::Webhooks<
    switchboard_aws::DynamoStore,
    switchboard_aws::queue::SqsDeliveryQueue,
>;

/// Files on tickets.
pub type AttachmentsService = switchboard_domain::attaching::Attachments<
    switchboard_aws::DynamoStore,
    switchboard_aws::objects::S3Objects,
>;

/// Inbound email addresses.
pub type MailboxesService = switchboard_domain::mailboxes::Mailboxes<switchboard_aws::DynamoStore>;
