//! Lambda entry point of `automation-scheduler`: every hour (the
//! template's schedule), each automated tenant's automations run over the
//! tickets their conditions hold for.

use jiff::Timestamp;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_domain::automation::hourly::run_hour;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_wiring::Env;
use tracing::info;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let store = env.store();
    let tickets = Ticketing::new(store.clone());
    let (store, tickets) = (&store, &tickets);
    lambda_runtime::run(service_fn(
        move |_: LambdaEvent<serde_json::Value>| async move {
            let run = run_hour(store, tickets, Timestamp::now()).await?;
            info!(
                tenants = run.tenants,
                automations = run.automations,
                examined = run.examined,
                changed = run.changed,
                cut_off = run.cut_off,
                "automations ran"
            );
            Ok::<_, lambda_runtime::Error>(())
        },
    ))
    .await
}
