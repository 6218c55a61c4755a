//! Lambda entry point of `ws-disconnect`: the WebSocket API's `$disconnect` route.

use std::sync::Arc;
use switchboard_domain::realtime::service::Live;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::worker().await?;
    let live = Arc::new(Live::new(env.store(), env.connections_api()?));
    realtime::socket::run(move |request| {
        let live = live.clone();
        async move { realtime::socket::disconnect(&live, request).await }
    })
    .await
}
