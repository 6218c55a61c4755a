//! Lambda entry point of the `sla` function (business hours and policies).

use std::sync::Arc;

use switchboard_domain::sla::settings::SlaSettings;
use switchboard_http::bootstrap::{self, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    switchboard_http::logging::init();
    let settings = Settings::from_env()?;
    let aws = bootstrap::aws().await;
    let store = settings.store(bootstrap::dynamodb(&aws));
    let state = sla::AppState {
        accounts: settings.accounts(store.clone())?,
        settings: SlaSettings::new(store),
    };
    bootstrap::run(sla::router(Arc::new(state))).await
}
