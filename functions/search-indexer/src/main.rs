//! Lambda entry point of the `search-indexer` function.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let indexers = Arc::new(search_indexer::Indexers {
        search: env.search()?,
        kb: env.kb()?,
    });
    let queue = Arc::new(env.index_queue()?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let (indexers, queue) = (indexers.clone(), queue.clone());
        async move {
            Ok::<_, lambda_runtime::Error>(
                search_indexer::handle(
                    &indexers,
                    queue.as_ref(),
                    search_indexer::REBUILD_BUDGET,
                    event.payload,
                )
                .await,
            )
        }
    }))
    .await
}
