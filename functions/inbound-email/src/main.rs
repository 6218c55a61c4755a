//! Lambda entry point of the `inbound-email` function.

use std::sync::Arc;

use aws_lambda_events::ses::SimpleEmailEvent;
use inbound_email::Inbound;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_domain::intake::Intake;
use switchboard_domain::ticketing::Ticketing;
use switchboard_http::bootstrap::{self, required};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    switchboard_http::logging::init();
    let aws = bootstrap::aws().await;
    let store = bootstrap::worker_store(bootstrap::dynamodb(&aws))?;
    let inbound = Arc::new(Inbound {
        intake: Intake::new(
            store.clone(),
            bootstrap::attachments_bucket(&aws)?,
            bootstrap::reply_addresses()?,
        ),
        ticketing: Ticketing::new(store),
        s3: switchboard_aws::config::s3(&aws),
        bucket: required("INBOUND_BUCKET")?,
        prefix: required("INBOUND_PREFIX")?,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SimpleEmailEvent>| {
        let inbound = inbound.clone();
        async move {
            inbound
                .handle(event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
