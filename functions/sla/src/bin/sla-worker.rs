#![recursion_limit = "256"]

//! Lambda entry point of `sla-worker`: checks tickets whose deadline came.

use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_domain::sla::engine::SlaEngine;
use switchboard_domain::ticketing::Ticketing;
use switchboard_http::bootstrap;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    switchboard_http::logging::init();
    let aws = bootstrap::aws().await;
    let store = bootstrap::worker_store(bootstrap::dynamodb(&aws))?;
    let engine = Arc::new(SlaEngine::new(store.clone(), bootstrap::sla_queue(&aws)?));
    let ticketing = Arc::new(Ticketing::new(store));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let (engine, ticketing) = (engine.clone(), ticketing.clone());
        async move {
            Ok::<_, lambda_runtime::Error>(
                sla::worker::handle(&engine, &ticketing, event.payload).await,
            )
        }
    }))
    .await
}
