//! Lambda entry point of `ws-connect`: the WebSocket API's `$connect` route.

use std::sync::Arc;

use switchboard_domain::live::Live;
use switchboard_http::bootstrap;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    switchboard_http::logging::init();
    let aws = bootstrap::aws().await;
    let store = bootstrap::worker_store(bootstrap::dynamodb(&aws))?;
    let live = Arc::new(Live::new(store, bootstrap::connections_api(&aws)?));
    realtime::socket::run(move |request| {
        let live = live.clone();
        async move { realtime::socket::connect(&live, request).await }
    })
    .await
}
