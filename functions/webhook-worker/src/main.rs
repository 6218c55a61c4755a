//! Lambda entry point of the `webhook-worker` function.

use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_domain::delivering::WebhookWorker;
use switchboard_domain::webhook::parse_schedule;
use switchboard_http::bootstrap::{self, ConfigError, required};
use webhook_worker::Queue;
use webhook_worker::sender::HttpSender;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    switchboard_http::logging::init();
    let aws = bootstrap::aws().await;
    let store = bootstrap::worker_store(bootstrap::dynamodb(&aws))?;
    let schedule = parse_schedule(&required("WEBHOOK_RETRY_SCHEDULE")?)
        .map_err(|e| ConfigError::Invalid("WEBHOOK_RETRY_SCHEDULE", e.message))?;
    let sender = HttpSender {
        allow_loopback: bootstrap::flag("WEBHOOK_ALLOW_INSECURE")?,
    };
    let worker = Arc::new(WebhookWorker::new(store, sender, schedule));
    let queue = Arc::new(Queue {
        client: switchboard_aws::config::sqs(&aws),
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
