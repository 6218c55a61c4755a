//! Lambda entry point of the `realtime` function (connection tickets).

use std::sync::Arc;

use switchboard_domain::live::Live;
use switchboard_http::bootstrap::{self, Settings, required};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = realtime::AppState {
        accounts: settings.accounts(store.clone())?,
        live: Live::new(store, bootstrap::connections_api(&aws)?),
        websocket_url: required("WEBSOCKET_URL")?,
    };
    bootstrap::run(realtime::router(Arc::new(state))).await
}
