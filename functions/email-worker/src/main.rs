//! Lambda entry point of the `email-worker` function.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_domain::email::mailing::Mailer;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let mailer = Arc::new(Mailer::new(
        env.store(),
        env.mailer(),
        env.attachments_bucket()?,
        env.mail_settings()?,
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let mailer = mailer.clone();
        async move { Ok::<_, lambda_runtime::Error>(email_worker::handle(&mailer, event.payload).await) }
    }))
    .await
}
