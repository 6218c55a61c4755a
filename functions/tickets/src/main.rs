//! Lambda entry point of the `tickets` function.

use switchboard_domain::automation::applying::Macros;
use switchboard_domain::sla::views::SlaViews;
use switchboard_wiring::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::api().await?;
    let services = tickets::Services {
        tickets: env.tickets(),
        attachments: env.attachments()?,
        sla: SlaViews::new(env.store()),
        macros: Macros::new(env.store()),
        surveys: env.survey_key()?,
    };
    env.serve(tickets::router, services).await
}
