//! Lambda entry point of the `notifications` function.

use switchboard_domain::notifications::inbox::Inbox;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = notifications::Services {
        inbox: Inbox::new(env.store()),
    };
    env.serve(notifications::router, services).await
}
