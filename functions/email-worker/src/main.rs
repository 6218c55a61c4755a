//! Lambda entry point of the `email-worker` function.

use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_aws::mailer::SesMailer;
use switchboard_domain::mailing::Mailer;
use switchboard_http::bootstrap;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    switchboard_http::logging::init();
    let aws = bootstrap::aws().await;
    let store = bootstrap::worker_store(bootstrap::dynamodb(&aws))?;
    let sender = SesMailer::new(
        switchboard_aws::config::sesv2(&aws),
        std::env::var("SES_CONFIGURATION_SET")
            .ok()
            .filter(|s| !s.is_empty()),
    );
    let mailer = Arc::new(Mailer::new(
        store,
        sender,
        bootstrap::attachments_bucket(&aws)?,
        bootstrap::mail_settings()?,
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let mailer = mailer.clone();
        async move { Ok::<_, lambda_runtime::Error>(email_worker::handle(&mailer, event.payload).await) }
    }))
    .await
}
