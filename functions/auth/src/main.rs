//! Lambda entry point of the `auth` function.

use std::sync::Arc;

use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = auth::AppState {
        accounts: settings.accounts(store.clone())?,
        recovery: settings.recovery(store)?,
    };
    bootstrap::run(auth::router(Arc::new(state))).await
}
