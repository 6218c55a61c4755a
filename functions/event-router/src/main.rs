//! Lambda entry point of the `event-router` function.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_domain::routing::EventRouter;
use switchboard_http::bootstrap;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    switchboard_http::logging::init();
    let aws = bootstrap::aws().await;
    let store = bootstrap::worker_store(bootstrap::dynamodb(&aws))?;
    let router = Arc::new(EventRouter::new(
        store,
        bootstrap::connections_api(&aws)?,
        bootstrap::delivery_queue(&aws)?,
        bootstrap::mail_queue(&aws)?,
        bootstrap::sla_queue(&aws)?,
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let router = router.clone();
        async move { Ok::<_, lambda_runtime::Error>(event_router::handle(&router, event.payload).await) }
    }))
    .await
}
