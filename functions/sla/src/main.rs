//! Lambda entry point of the `sla` function (business hours and policies).

use switchboard_domain::sla::settings::SlaSettings;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = sla::Services {
        settings: SlaSettings::new(env.store()),
    };
    env.serve(sla::router, services).await
}
