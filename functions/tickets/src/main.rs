//! Lambda entry point of the `tickets` function.

use std::sync::Arc;

use switchboard_domain::attaching::Attachments;
use switchboard_domain::ticketing::Ticketing;
use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = tickets::AppState {
        accounts: settings.accounts(store.clone())?,
        tickets: Ticketing::new(store.clone()),
        attachments: Attachments::new(store, bootstrap::attachments_bucket(&aws)?),
    };
    bootstrap::run(tickets::router(Arc::new(state))).await
}
