//! Lambda entry point of the `notifications` function.

use std::sync::Arc;

use switchboard_domain::inbox::Inbox;
use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = notifications::AppState {
        accounts: settings.accounts(store.clone())?,
        inbox: Inbox::new(store),
    };
    bootstrap::run(notifications::router(Arc::new(state))).await
}
