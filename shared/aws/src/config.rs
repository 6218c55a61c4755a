//! AWS clients, built once per process from the standard environment
//! (`AWS_REGION`, credentials, and `AWS_ENDPOINT_URL` when running locally).

use std::time::Duration;

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

/// The functions' configuration from the standard environment.
pub async fn load() -> SdkConfig {
    defaults().load().await
}

/// Timeouts short enough that a request fails fast (and says so) when
/// storage is unreachable, rather than hanging until the Lambda times out;
/// three attempts. (Tests add their endpoint and credentials to it.)
pub fn defaults() -> aws_config::ConfigLoader {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(env_ms(
            "SDK_CONNECT_TIMEOUT_MS",
            1_000,
        )))
        .operation_attempt_timeout(Duration::from_millis(env_ms(
            "SDK_ATTEMPT_TIMEOUT_MS",
            2_000,
        )))
        .operation_timeout(Duration::from_millis(env_ms(
            "SDK_OPERATION_TIMEOUT_MS",
            5_000,
        )))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3))
}

pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

fn env_ms(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The @connections management API of a WebSocket API stage, at its
/// callback URL (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`).
pub fn connections(config: &SdkConfig, callback_url: &str) -> aws_sdk_apigatewaymanagement::Client {
    let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config)
        .endpoint_url(callback_url)
        .build();
    aws_sdk_apigatewaymanagement::Client::from_conf(conf)
}

pub fn sqs(config: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}

/// S3 with path-style addresses (`https://s3.{region}.amazonaws.com/{bucket}/…`),
/// which every S3-compatible endpoint accepts.
pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

pub fn sesv2(config: &SdkConfig) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(config)
}
