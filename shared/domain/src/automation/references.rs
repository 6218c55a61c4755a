//! What a trigger's or automation's actions name must exist when it is
//! saved: teams, agents (to assign, to follow), webhook endpoints, custom
//! fields, and the placeholders of its mails.

use crate::accounts::ports::{TeamStore, UserStore};
use crate::automation::action::Action;
use crate::automation::macros::check_template;
use crate::kernel::error::DomainError;
use crate::kernel::ids::TenantId;
use crate::kernel::validation::FieldError;
use crate::tickets::fields::FieldSchema;
use crate::tickets::ports::FieldSchemaStore;
use crate::webhooks::ports::WebhookStore;

/// The errors of `actions` whose references do not hold.
pub(crate) async fn check_actions<S>(
    store: &S,
    tenant: TenantId,
    actions: &[Action],
) -> Result<Vec<FieldError>, DomainError>
where
    S: TeamStore + UserStore + WebhookStore + FieldSchemaStore,
{
    let mut errors = Vec::new();
    let schema = if actions
        .iter()
        .any(|a| matches!(a, Action::SetCustomField { .. } | Action::SendEmail(_)))
    {
        store.field_schema(tenant).await?
    } else {
        FieldSchema::default()
    };
    for (i, a) in actions.iter().enumerate() {
        let field = format!("actions.{i}");
        match a {
            Action::AssignTeam {
                team_id: Some(team),
            } if store.team(tenant, *team).await?.is_none() => {
                errors.push(FieldError::new(field, "unknown_team", "no such team"));
            }
            Action::AssignAgent {
                user_id: Some(user),
            }
            | Action::Follow { user_id: user } => {
                let staff = store
                    .user(tenant, *user)
                    .await?
                    .is_some_and(|u| u.role.is_staff() && u.is_active());
                if !staff {
                    let code = match a {
                        Action::Follow { .. } => "invalid_follower",
                        _ => "invalid_assignee",
                    };
                    errors.push(FieldError::new(
                        field,
                        code,
                        "must be an active agent of this helpdesk",
                    ));
                }
            }
            Action::NotifyWebhook { webhook_id }
                if store.endpoint(tenant, *webhook_id).await?.is_none() =>
            {
                errors.push(FieldError::new(
                    field,
                    "unknown_webhook",
                    "no such webhook endpoint",
                ));
            }
            Action::SetCustomField { key, .. } if schema.def(key).is_none() => {
                errors.push(FieldError::new(
                    field,
                    "unknown_field",
                    "no custom field with that key",
                ));
            }
            Action::SendEmail(mail) => {
                let subject = format!("{field}.subject");
                errors.extend(check_template(&subject, &mail.subject, &schema));
                let body = format!("{field}.body");
                errors.extend(check_template(&body, &mail.body, &schema));
            }
            _ => {}
        }
    }
    Ok(errors)
}
