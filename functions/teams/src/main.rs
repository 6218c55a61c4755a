//! Lambda entry point of the `teams` function.

use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = teams::Services {
        directory: env.directory()?,
    };
    env.serve(teams::router, services).await
}
