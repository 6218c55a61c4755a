//! Lambda entry point of the `search` function.

use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = search::Services {
        search: env.search()?,
    };
    env.serve(search::router, services).await
}
