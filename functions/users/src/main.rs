//! Lambda entry point of the `users` function.

use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = users::Services {
        directory: env.directory()?,
        organizations: env.organizations(),
        tickets: env.tickets(),
        personal_data: env.personal_data()?,
    };
    env.serve(users::router, services).await
}
