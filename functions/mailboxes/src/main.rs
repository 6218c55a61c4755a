//! Lambda entry point of the `mailboxes` function.

use switchboard_domain::email::mailboxes::Mailboxes;
use switchboard_wiring::{Env, required};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = mailboxes::Services {
        mailboxes: Mailboxes::new(env.store(), env.identities(), &required("MAIL_DOMAIN")?),
    };
    env.serve(mailboxes::router, services).await
}
