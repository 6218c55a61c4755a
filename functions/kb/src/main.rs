//! Lambda entry point of the `kb` function.

use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = kb::Services {
        kb: env.kb()?,
        objects: env.attachments_bucket()?,
    };
    env.serve(kb::router, services).await
}
