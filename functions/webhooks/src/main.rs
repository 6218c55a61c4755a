//! Lambda entry point of the `webhooks` function.

use switchboard_domain::webhooks::service::Webhooks;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = webhooks::Services {
        webhooks: Webhooks::new(
            env.store(),
            env.delivery_queue()?,
            env.webhooks_allow_insecure()?,
        ),
    };
    env.serve(webhooks::router, services).await
}
