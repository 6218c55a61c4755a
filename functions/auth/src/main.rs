//! Lambda entry point of the `auth` function.

use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = auth::Services {
        recovery: env.recovery()?,
    };
    env.serve(auth::router, services).await
}
