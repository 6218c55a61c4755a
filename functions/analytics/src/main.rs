//! Lambda entry point of the `analytics` function.

use switchboard_domain::analytics::report::Analytics;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = analytics::Services {
        analytics: Analytics::new(env.store()),
    };
    env.serve(analytics::router, services).await
}
