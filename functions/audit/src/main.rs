//! Lambda entry point of the `audit` function.

use switchboard_domain::audit::log::Audit;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = audit::Services {
        audit: Audit::new(env.store()),
    };
    env.serve(audit::router, services).await
}
