//! The domain's services as the functions run them: on the DynamoDB table
//! and the AWS adapters.

use switchboard_aws::DynamoStore;
use switchboard_aws::objects::S3Objects;
use switchboard_aws::queue::SqsDeliveryQueue;

/// Sign-up, login, sessions and authentication.
pub type AccountService = switchboard_domain::accounts::service::Accounts<DynamoStore>;

/// Users, API keys and teams.
pub type DirectoryService = switchboard_domain::accounts::directory::Directory<DynamoStore>;

/// Customer organisations.
pub type OrganizationsService =
    switchboard_domain::accounts::organizations::Organizations<DynamoStore>;

/// Password resets and invitations.
pub type RecoveryService = switchboard_domain::accounts::recovery::Recovery<DynamoStore>;

/// Tickets and their conversations.
pub type TicketingService = switchboard_domain::tickets::service::Ticketing<DynamoStore>;

/// Files on tickets.
pub type AttachmentsService =
    switchboard_domain::attachments::service::Attachments<DynamoStore, S3Objects>;

/// A person's in-app notifications.
pub type InboxService = switchboard_domain::notifications::inbox::Inbox<DynamoStore>;

/// Webhook endpoints and their deliveries.
pub type WebhooksService =
    switchboard_domain::webhooks::service::Webhooks<DynamoStore, SqsDeliveryQueue>;

/// Inbound email addresses.
pub type MailboxesService = switchboard_domain::email::mailboxes::Mailboxes<
    DynamoStore,
    switchboard_aws::identities::SesIdentities,
>;

/// SLA policies and calendars.
pub type SlaSettingsService = switchboard_domain::sla::settings::SlaSettings<DynamoStore>;

/// SLA clocks beside tickets, and the SLA views.
pub type SlaViewsService = switchboard_domain::sla::views::SlaViews<DynamoStore>;

/// A person's export and erasure, as the API asks for them.
pub type PersonalDataService =
    switchboard_domain::privacy::requests::PersonalData<DynamoStore, S3Objects>;

/// The jobs worker's runner: the attachments bucket holds files and
/// exports, the inbound bucket received mail.
pub type JobRunnerService =
    switchboard_domain::privacy::runner::JobRunner<DynamoStore, S3Objects, S3Objects, S3Objects>;

/// Ticket search on the shared (S3 and table) indexes.
pub type SearchService =
    switchboard_domain::search::service::Search<DynamoStore, switchboard_search::SharedIndexes>;

/// The knowledge base and help center, searched on the shared indexes.
pub type KbService =
    switchboard_domain::kb::service::KnowledgeBase<DynamoStore, switchboard_search::SharedIndexes>;
