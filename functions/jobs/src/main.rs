//! Lambda entry point of the `jobs` function.

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let runner = Arc::new(
        env.job_runner()?
            .with_index_queue(Arc::new(env.index_queue()?)),
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let runner = runner.clone();
        async move { Ok::<_, lambda_runtime::Error>(jobs::handle(&runner, event.payload).await) }
    }))
    .await
}
