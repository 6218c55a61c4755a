//! Lambda entry point of the `webhook-worker` function.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_domain::webhooks::webhook::parse_schedule;
use switchboard_domain::webhooks::worker::WebhookWorker;
use switchboard_wiring::{ConfigError, Env, required};
use webhook_worker::Queue;
use webhook_worker::sender::HttpSender;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let schedule = parse_schedule(&required("WEBHOOK_RETRY_SCHEDULE")?)
        .map_err(|e| ConfigError::Invalid("WEBHOOK_RETRY_SCHEDULE", e.message))?;
    let sender = HttpSender {
        allow_loopback: env.webhooks_allow_insecure()?,
    };
    let worker = Arc::new(WebhookWorker::new(env.store(), sender, schedule));
    let queue = Arc::new(Queue {
        client: switchboard_aws::config::sqs(&env.aws),
        url: required("WEBHOOK_QUEUE_URL")?,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let (worker, queue) = (worker.clone(), queue.clone());
        async move {
            Ok::<_, lambda_runtime::Error>(
                webhook_worker::handle(&worker, &queue, event.payload).await,
            )
        }
    }))
    .await
}
