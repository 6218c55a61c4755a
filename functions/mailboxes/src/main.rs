//! Lambda entry point of the `mailboxes` function.

use std::sync::Arc;

use switchboard_domain::mailboxes::Mailboxes;
use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = mailboxes::AppState {
        accounts: settings.accounts(store.clone())?,
        mailboxes: Mailboxes::new(store),
    };
    bootstrap::run(mailboxes::router(Arc::new(state))).await
}
