//! Process start-up shared by the API functions: configuration from the
//! environment the template declares, clients built once, and the Lambda
//! runtime loop. Nothing here differs between Lambda and devstack.

use jiff::SignedDuration;
use switchboard_aws::DynamoStore;
use switchboard_aws::config::SdkConfig;
use switchboard_aws::cursor::CursorSealer;
use switchboard_aws::store::DynamoClient;
use switchboard_domain::accounts::Accounts;
use switchboard_domain::auth::secrets::OperatorKey;
use switchboard_domain::auth::{LoginThrottle, Passwords, SigningSecret, TokenIssuer};

use crate::{AccountService, DirectoryService, RecoveryService};
use switchboard_domain::directory::Directory;
use switchboard_domain::email::ReplyAddresses;
use switchboard_domain::mailing::MailSettings;
use switchboard_domain::recovery::Recovery;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, String),
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// A `true`/`false` setting; absent is `false`.
pub fn flag(name: &'static str) -> Result<bool, ConfigError> {
    match std::env::var(name).ok().as_deref() {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ConfigError::Invalid(
            name,
            format!("{other:?} is not true or false"),
        )),
    }
}

/// What every API function reads from its environment.
pub struct Settings {
    pub table: String,
    pub signing_secret: SigningSecret,
    pub token_issuer: String,
    pub token_audience: String,
    pub access_token_ttl: SignedDuration,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let ttl_secs: i64 = required("ACCESS_TOKEN_TTL_SECONDS")?
            .parse()
            .map_err(|e| ConfigError::Invalid("ACCESS_TOKEN_TTL_SECONDS", format!("{e}")))?;
        Ok(Self {
            table: required("TABLE_NAME")?,
            signing_secret: SigningSecret::new(required("SIGNING_SECRET")?.into_bytes())
                .map_err(|e| ConfigError::Invalid("SIGNING_SECRET", e.to_string()))?,
            token_issuer: required("TOKEN_ISSUER")?,
            token_audience: required("TOKEN_AUDIENCE")?,
            access_token_ttl: SignedDuration::from_secs(ttl_secs),
        })
    }

    /// The operator key, for the functions that serve operator routes.
    pub fn operator_key() -> Result<OperatorKey, ConfigError> {
        OperatorKey::new(required("OPERATOR_API_KEY")?)
            .map_err(|e| ConfigError::Invalid("OPERATOR_API_KEY", e.to_string()))
    }

    pub fn store(&self, client: DynamoClient) -> DynamoStore {
        DynamoStore::new(
            client,
            self.table.clone(),
            CursorSealer::new(self.signing_secret.derive("cursor")),
        )
    }

    pub fn accounts(&self, store: DynamoStore) -> Result<AccountService, ConfigError> {
        let tokens = TokenIssuer::new(
            &self.signing_secret,
            &self.token_issuer,
            &self.token_audience,
            self.access_token_ttl,
        )
        .map_err(|e| ConfigError::Invalid("ACCESS_TOKEN_TTL_SECONDS", e.to_string()))?;
        let passwords =
            Passwords::owasp().map_err(|e| ConfigError::Invalid("argon2", e.to_string()))?;
        Ok(Accounts::new(
            store,
            tokens,
            passwords,
            LoginThrottle::default(),
        ))
    }

    pub fn recovery(&self, store: DynamoStore) -> Result<RecoveryService, ConfigError> {
        let passwords =
            Passwords::owasp().map_err(|e| ConfigError::Invalid("argon2", e.to_string()))?;
        Ok(Recovery::new(store, passwords))
    }

    pub fn directory(&self, store: DynamoStore) -> Result<DirectoryService, ConfigError> {
        let passwords =
            Passwords::owasp().map_err(|e| ConfigError::Invalid("argon2", e.to_string()))?;
        Ok(Directory::new(store, passwords))
    }
}

/// The table for functions that issue neither tokens nor cursors (event
/// consumers, WebSocket routes): the cursor key is random per process.
pub fn worker_store(client: DynamoClient) -> Result<DynamoStore, ConfigError> {
    let table = required("TABLE_NAME")?;
    let key: [u8; 32] = rand::random();
    Ok(DynamoStore::new(client, table, CursorSealer::new(key)))
}

/// Reply addresses on `MAIL_DOMAIN`, signed with a key derived from
/// `SIGNING_SECRET`.
pub fn reply_addresses() -> Result<ReplyAddresses, ConfigError> {
    let secret = SigningSecret::new(required("SIGNING_SECRET")?.into_bytes())
        .map_err(|e| ConfigError::Invalid("SIGNING_SECRET", e.to_string()))?;
    Ok(ReplyAddresses::new(
        &required("MAIL_DOMAIN")?,
        secret.derive("reply-address"),
    ))
}

/// What the email worker needs besides its clients.
pub fn mail_settings() -> Result<MailSettings, ConfigError> {
    Ok(MailSettings {
        app_url: required("APP_URL")?,
        replies: reply_addresses()?,
    })
}

/// The email worker's queue (`EMAIL_QUEUE_URL`).
pub fn mail_queue(config: &SdkConfig) -> Result<switchboard_aws::queue::SqsMailQueue, ConfigError> {
    Ok(switchboard_aws::queue::SqsMailQueue(queue(
        config,
        "EMAIL_QUEUE_URL",
    )?))
}

/// The SLA worker's queue (`SLA_QUEUE_URL`).
pub fn sla_queue(config: &SdkConfig) -> Result<switchboard_aws::queue::SqsSlaQueue, ConfigError> {
    Ok(switchboard_aws::queue::SqsSlaQueue(queue(
        config,
        "SLA_QUEUE_URL",
    )?))
}

/// The AWS configuration from the standard environment, loaded once per
/// process; every client below is built from it.
pub async fn aws() -> SdkConfig {
    switchboard_aws::config::load().await
}

/// The @connections API of the WebSocket stage named by
/// `WEBSOCKET_CALLBACK_URL`.
pub fn connections_api(
    config: &SdkConfig,
) -> Result<switchboard_aws::push::ConnectionsApi, ConfigError> {
    let url = required("WEBSOCKET_CALLBACK_URL")?;
    Ok(switchboard_aws::push::ConnectionsApi::new(
        switchboard_aws::config::connections(config, &url),
    ))
}

/// The webhook worker's queue, named by `WEBHOOK_QUEUE_URL`.
pub fn delivery_queue(
    config: &SdkConfig,
) -> Result<switchboard_aws::queue::SqsDeliveryQueue, ConfigError> {
    queue(config, "WEBHOOK_QUEUE_URL")
}

/// An SQS queue whose URL the environment variable `var` holds.
fn queue(
    config: &SdkConfig,
    var: &'static str,
) -> Result<switchboard_aws::queue::SqsDeliveryQueue, ConfigError> {
    Ok(switchboard_aws::queue::SqsDeliveryQueue::new(
        switchboard_aws::config::sqs(config),
        required(var)?,
    ))
}

/// The attachments bucket named by `ATTACHMENTS_BUCKET`.
pub fn attachments_bucket(
    config: &SdkConfig,
) -> Result<switchboard_aws::objects::S3Objects, ConfigError> {
    let bucket = required("ATTACHMENTS_BUCKET")?;
    Ok(switchboard_aws::objects::S3Objects::new(
        switchboard_aws::config::s3(config),
        bucket,
    ))
}

/// The DynamoDB client.
pub fn dynamodb(config: &SdkConfig) -> DynamoClient {
    switchboard_aws::config::dynamodb(config)
}

/// Serves `router` through the Lambda runtime (API Gateway HTTP API events).
pub async fn run(router: axum::Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router).await
}
