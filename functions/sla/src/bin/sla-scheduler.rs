//! Lambda entry point of `sla-scheduler`: every minute (the template's
//! schedule), the deadlines coming up are handed to `sla-worker`, each
//! delayed to its second.

use jiff::Timestamp;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_domain::sla::scheduler::scan;
use switchboard_wiring::Env;
use tracing::info;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let store = env.store();
    let queue = env.sla_queue()?;
    let (store, queue) = (&store, &queue);
    lambda_runtime::run(service_fn(
        move |_: LambdaEvent<serde_json::Value>| async move {
            let scanned = scan(store, queue, Timestamp::now()).await?;
            info!(
                buckets = scanned.buckets,
                checks = scanned.checks,
                "deadlines scanned"
            );
            Ok::<_, lambda_runtime::Error>(())
        },
    ))
    .await
}
