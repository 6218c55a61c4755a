//! Lambda entry point of the `automation` function (triggers).

use switchboard_domain::automation::triggers::TriggerRules;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = automation::Services {
        triggers: TriggerRules::new(env.store()),
    };
    env.serve(automation::router, services).await
}
