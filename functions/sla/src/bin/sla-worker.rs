#![recursion_limit = "256"]

//! Lambda entry point of `sla-worker`: checks tickets whose deadline came.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_domain::sla::engine::SlaEngine;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let engine = Arc::new(SlaEngine::new(env.store(), env.sla_queue()?));
    let ticketing = Arc::new(env.tickets());
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
