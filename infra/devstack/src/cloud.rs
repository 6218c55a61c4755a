//! SDK clients pointed at the local AWS emulator, shared by provisioning,
//! the pollers and the gateways.

/// SDK clients pointed at the emulator.
#[derive(Clone)]
pub struct Cloud {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub region: String,
    pub account: String,
}

impl Cloud {
    pub async fn connect(endpoint: &str, region: &str) -> Self {
        // devstack signs with its own access key, so that the emulator's
        // request counts tell what it does in Lambda's place (polling queues
        // and streams) from what the functions do.
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new(region.to_owned()))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "devstack", "test", None, None, "devstack",
            ))
            .load()
            .await;
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            streams: aws_sdk_dynamodbstreams::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            ),
            ses: aws_sdk_sesv2::Client::new(&config),
            region: region.to_owned(),
            account: "000000000000".to_owned(),
        }
    }
}
