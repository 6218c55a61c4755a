//! Lambda entry point of the `inbound-email` function.

use aws_lambda_events::ses::SimpleEmailEvent;
use inbound_email::Inbound;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_domain::email::intake::Intake;
use switchboard_wiring::{Env, required};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let inbound = Arc::new(Inbound {
        intake: Intake::new(
            env.store(),
            env.attachments_bucket()?,
            env.reply_addresses()?,
        ),
        ticketing: env.tickets(),
        s3: switchboard_aws::config::s3(&env.aws),
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
