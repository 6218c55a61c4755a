//! Lambda entry point of the `realtime` function (connection tickets).

use switchboard_domain::realtime::service::Live;
use switchboard_wiring::{Env, required};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = realtime::Services {
        live: Live::new(env.store(), env.connections_api()?),
        websocket_url: required("WEBSOCKET_URL")?,
    };
    env.serve(realtime::router, services).await
}
