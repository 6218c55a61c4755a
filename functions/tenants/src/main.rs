//! Lambda entry point of the `tenants` function.

use std::sync::Arc;
use switchboard_wiring::{Api, Env, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let state = Api::new(env.accounts()?, ()).with_operator_key(Settings::operator_key()?);
    lambda_http::run(tenants::router(Arc::new(state))).await
}
