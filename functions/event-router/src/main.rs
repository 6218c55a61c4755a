//! Lambda entry point of the `event-router` function.

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_domain::routing::router::EventRouter;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let router = Arc::new(
        EventRouter::new(
            env.store(),
            env.connections_api()?,
            env.delivery_queue()?,
            env.mail_queue()?,
            env.sla_queue()?,
        )
        .with_search(Arc::new(env.index_queue()?)),
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let router = router.clone();
        async move { Ok::<_, lambda_runtime::Error>(event_router::handle(&router, event.payload).await) }
    }))
    .await
}
