//! One process's AWS configuration, table and settings, loaded once at
//! start-up, and every service and adapter built from them.

use std::sync::Arc;

use switchboard_aws::DynamoStore;
use switchboard_aws::config::SdkConfig;
use switchboard_aws::cursor::CursorSealer;
use switchboard_aws::mailer::SesMailer;
use switchboard_aws::objects::S3Objects;
use switchboard_aws::push::ConnectionsApi;
use switchboard_aws::queue::{SqsDeliveryQueue, SqsIndexQueue, SqsMailQueue, SqsSlaQueue};
use switchboard_domain::accounts::directory::Directory;
use switchboard_domain::accounts::organizations::Organizations;
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::service::Accounts;
use switchboard_domain::accounts::throttle::LoginThrottle;
use switchboard_domain::accounts::tokens::TokenIssuer;
use switchboard_domain::attachments::service::Attachments;
use switchboard_domain::email::ReplyAddresses;
use switchboard_domain::email::mailing::MailSettings;
use switchboard_domain::limits::limiter::Limiter;
use switchboard_domain::privacy::requests::PersonalData;
use switchboard_domain::privacy::runner::JobRunner;
use switchboard_domain::search::service::Search;
use switchboard_domain::tickets::service::Ticketing;

use crate::api::Api;
use crate::config::{ConfigError, Settings, flag, required, signing_secret};
use crate::services::{
    AccountService, AttachmentsService, DirectoryService, JobRunnerService, KbService,
    OrganizationsService, PersonalDataService, RecoveryService, SearchService, TicketingService,
};

pub struct Env {
    pub aws: SdkConfig,
    pub store: DynamoStore,
    settings: Option<Settings>,
}

impl Env {
    /// An API function's: it issues and verifies tokens and cursors with
    /// keys derived from `SIGNING_SECRET`.
    pub async fn api() -> Result<Self, ConfigError> {
        crate::logging::init();
        let settings = Settings::from_env()?;
        let aws = switchboard_aws::config::load().await;
        let store = DynamoStore::new(
            switchboard_aws::config::dynamodb(&aws),
            settings.table.clone(),
            CursorSealer::new(settings.signing_secret.derive("cursor")),
        );
        Ok(Self {
            aws,
            store,
            settings: Some(settings),
        })
    }

    /// A worker's (event consumers, WebSocket routes): it issues neither
    /// tokens nor cursors, so its cursor key is random per process.
    pub async fn worker() -> Result<Self, ConfigError> {
        crate::logging::init();
        let aws = switchboard_aws::config::load().await;
        let key: [u8; 32] = rand::random();
        let store = DynamoStore::new(
            switchboard_aws::config::dynamodb(&aws),
            required("TABLE_NAME")?,
            CursorSealer::new(key),
        );
        Ok(Self {
            aws,
            store,
            settings: None,
        })
    }

    fn settings(&self) -> Result<&Settings, ConfigError> {
        self.settings
            .as_ref()
            .ok_or(ConfigError::Missing("SIGNING_SECRET"))
    }

    pub fn store(&self) -> DynamoStore {
        self.store.clone()
    }

    // ----- services --------------------------------------------------------

    pub fn accounts(&self) -> Result<AccountService, ConfigError> {
        let s = self.settings()?;
        let tokens = TokenIssuer::new(
            &s.signing_secret,
            &s.token_issuer,
            &s.token_audience,
            s.access_token_ttl,
        )
        .map_err(|e| ConfigError::Invalid("ACCESS_TOKEN_TTL_SECONDS", e.to_string()))?;
        Ok(Accounts::new(
            self.store(),
            tokens,
            passwords()?,
            LoginThrottle::default(),
        ))
    }

    pub fn recovery(&self) -> Result<RecoveryService, ConfigError> {
        Ok(Recovery::new(self.store(), passwords()?))
    }

    pub fn directory(&self) -> Result<DirectoryService, ConfigError> {
        Ok(Directory::new(self.store(), passwords()?))
    }

    pub fn organizations(&self) -> OrganizationsService {
        Organizations::new(self.store())
    }

    pub fn tickets(&self) -> TicketingService {
        Ticketing::new(self.store())
    }

    pub fn attachments(&self) -> Result<AttachmentsService, ConfigError> {
        Ok(Attachments::new(self.store(), self.attachments_bucket()?))
    }

    pub fn personal_data(&self) -> Result<PersonalDataService, ConfigError> {
        Ok(PersonalData::new(self.store(), self.attachments_bucket()?))
    }

    /// The jobs worker's runner, on the wall clock.
    pub fn job_runner(&self) -> Result<JobRunnerService, ConfigError> {
        let inbound = S3Objects::new(
            switchboard_aws::config::s3(&self.aws),
            required("INBOUND_BUCKET")?,
        );
        Ok(JobRunner::new(
            self.store(),
            self.attachments_bucket()?,
            self.attachments_bucket()?,
            inbound,
            Arc::new(jiff::Timestamp::now),
        ))
    }

    /// Ticket search: indexes in `SEARCH_BUCKET` (under `search/`) and the
    /// table, local copies in `/tmp`.
    pub fn search(&self) -> Result<SearchService, ConfigError> {
        Ok(Search::new(self.store(), self.shared_indexes()?))
    }

    /// The knowledge base, its articles searched on the shared indexes.
    pub fn kb(&self) -> Result<KbService, ConfigError> {
        let kb = switchboard_domain::kb::service::KnowledgeBase::new(
            self.store(),
            self.shared_indexes()?,
        );
        // Where votes are taken and files served (API functions), their
        // digests and signatures are keyed.
        Ok(match self.settings() {
            Ok(s) => kb.with_secret(s.signing_secret.derive("kb")),
            Err(_) => kb,
        })
    }

    /// The tenants' search indexes: in `SEARCH_BUCKET` (under `search/`)
    /// and the table, local copies in `/tmp`.
    fn shared_indexes(&self) -> Result<switchboard_search::SharedIndexes, ConfigError> {
        let indexes = switchboard_search::SharedIndexes::new(
            switchboard_aws::config::s3(&self.aws),
            required("SEARCH_BUCKET")?,
            switchboard_aws::config::dynamodb(&self.aws),
            self.store.table(),
            // Each process its own copies: on one machine (devstack)
            // processes share /tmp, and a reader must not prune the files
            // a writer is about to publish.
            std::env::temp_dir()
                .join("switchboard-search")
                .join(std::process::id().to_string()),
        );
        Ok(indexes)
    }

    /// The search indexer's queue (`SEARCH_QUEUE_URL`).
    pub fn index_queue(&self) -> Result<SqsIndexQueue, ConfigError> {
        Ok(SqsIndexQueue(self.queue("SEARCH_QUEUE_URL")?))
    }

    // ----- adapters --------------------------------------------------------

    /// The attachments bucket named by `ATTACHMENTS_BUCKET`.
    pub fn attachments_bucket(&self) -> Result<S3Objects, ConfigError> {
        Ok(S3Objects::new(
            switchboard_aws::config::s3(&self.aws),
            required("ATTACHMENTS_BUCKET")?,
        ))
    }

    /// The @connections API of the WebSocket stage named by
    /// `WEBSOCKET_CALLBACK_URL`.
    pub fn connections_api(&self) -> Result<ConnectionsApi, ConfigError> {
        let url = required("WEBSOCKET_CALLBACK_URL")?;
        Ok(ConnectionsApi::new(switchboard_aws::config::connections(
            &self.aws, &url,
        )))
    }

    /// The webhook worker's queue (`WEBHOOK_QUEUE_URL`).
    pub fn delivery_queue(&self) -> Result<SqsDeliveryQueue, ConfigError> {
        self.queue("WEBHOOK_QUEUE_URL")
    }

    /// The email worker's queue (`EMAIL_QUEUE_URL`).
    pub fn mail_queue(&self) -> Result<SqsMailQueue, ConfigError> {
        Ok(SqsMailQueue(self.queue("EMAIL_QUEUE_URL")?))
    }

    /// The SLA worker's queue (`SLA_QUEUE_URL`).
    pub fn sla_queue(&self) -> Result<SqsSlaQueue, ConfigError> {
        Ok(SqsSlaQueue(self.queue("SLA_QUEUE_URL")?))
    }

    /// An SQS queue whose URL the environment variable `var` holds.
    pub fn queue(&self, var: &'static str) -> Result<SqsDeliveryQueue, ConfigError> {
        Ok(SqsDeliveryQueue::new(
            switchboard_aws::config::sqs(&self.aws),
            required(var)?,
        ))
    }

    /// Outbound mail through SESv2 (`SES_CONFIGURATION_SET` when set).
    /// SES email identities: custom mailbox domains verified before use.
    pub fn identities(&self) -> switchboard_aws::identities::SesIdentities {
        switchboard_aws::identities::SesIdentities::new(switchboard_aws::config::sesv2(&self.aws))
    }

    pub fn mailer(&self) -> SesMailer {
        SesMailer::new(
            switchboard_aws::config::sesv2(&self.aws),
            std::env::var("SES_CONFIGURATION_SET")
                .ok()
                .filter(|s| !s.is_empty()),
        )
    }

    /// Reply addresses on `MAIL_DOMAIN`, signed with a key derived from
    /// `SIGNING_SECRET`.
    pub fn reply_addresses(&self) -> Result<ReplyAddresses, ConfigError> {
        Ok(ReplyAddresses::new(
            &required("MAIL_DOMAIN")?,
            signing_secret()?.derive("reply-address"),
        ))
    }

    /// What the email worker needs besides its clients.
    pub fn mail_settings(&self) -> Result<MailSettings, ConfigError> {
        Ok(MailSettings {
            app_url: required("APP_URL")?,
            replies: self.reply_addresses()?,
            surveys: self.survey_key()?,
        })
    }

    /// The key that seals satisfaction surveys' links, derived from
    /// `SIGNING_SECRET` (the email worker seals, the tickets function opens).
    pub fn survey_key(&self) -> Result<[u8; 32], ConfigError> {
        Ok(signing_secret()?.derive("satisfaction-survey"))
    }

    /// `WEBHOOK_ALLOW_INSECURE`: plain HTTP and loopback targets (devstack).
    pub fn webhooks_allow_insecure(&self) -> Result<bool, ConfigError> {
        flag("WEBHOOK_ALLOW_INSECURE")
    }

    // ----- running ---------------------------------------------------------

    /// Serves an API function's router, with `services` behind the
    /// account service that authenticates its requests.
    pub async fn serve<T: Send + Sync + 'static>(
        &self,
        router: fn(Arc<Api<T>>) -> axum::Router,
        services: T,
    ) -> Result<(), lambda_http::Error> {
        let api = Api::new(self.accounts()?, services).with_limiter(Limiter::new(self.store()));
        lambda_http::run(router(Arc::new(api))).await
    }
}

fn passwords() -> Result<Passwords, ConfigError> {
    Passwords::owasp().map_err(|e| ConfigError::Invalid("argon2", e.to_string()))
}
