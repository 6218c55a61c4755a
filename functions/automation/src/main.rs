//! Lambda entry point of the `automation` function (triggers, macros).

use switchboard_domain::assignment::settings::AssignmentSettings;
use switchboard_domain::automation::applying::Macros;
use switchboard_domain::automation::automations::Automations;
use switchboard_domain::automation::triggers::TriggerRules;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = automation::Services {
        triggers: TriggerRules::new(env.store()),
        macros: Macros::new(env.store()),
        assignment: AssignmentSettings::new(env.store()),
        automations: Automations::new(env.store()),
    };
    env.serve(automation::router, services).await
}
