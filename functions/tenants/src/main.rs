//! Lambda entry point of the `tenants` function.

use std::sync::Arc;

use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = tenants::AppState {
        accounts: settings.accounts(store)?,
        operator_key: Some(Settings::operator_key()?),
    };
    bootstrap::run(tenants::router(Arc::new(state))).await
}
