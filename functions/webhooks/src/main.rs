//! Lambda entry point of the `webhooks` function.

use std::sync::Arc;

use switchboard_domain::webhooks::Webhooks;
use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = webhooks::AppState {
        accounts: settings.accounts(store.clone())?,
        webhooks: Webhooks::new(
            store,
            bootstrap::delivery_queue(&aws)?,
            bootstrap::flag("WEBHOOK_ALLOW_INSECURE")?,
        ),
    };
    bootstrap::run(webhooks::router(Arc::new(state))).await
}
