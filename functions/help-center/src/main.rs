//! Lambda entry point of the `help-center` function.

use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = help_center::Services {
        kb: env.kb()?,
        objects: env.attachments_bucket()?,
    };
    env.serve(help_center::router, services).await
}
