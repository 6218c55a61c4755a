//! Macros: changes and a reply (or note) an agent applies to a ticket in
//! one step. The comment is a template: `{{ ticket.number }}`,
//! `{{ requester.name }}`, `{{ agent.name }}`, `{{ ticket.fields.<key> }}`,
//! rendered by minijinja (sandboxed: no file or network access, bounded
//! work), as plain text (mail escapes it when it writes HTML).

use std::collections::BTreeMap;

use jiff::Timestamp;
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::accounts::user::User;
use crate::automation::action::Action;
use crate::kernel::ids::{MacroId, TeamId, TenantId, UserId};
use crate::kernel::validation::{FieldError, bounded_text};
use crate::tickets::comment::MAX_BODY_BYTES;
use crate::tickets::fields::FieldSchema;
use crate::tickets::ticket::Ticket;

pub const MAX_MACROS: usize = 500;
/// Work a template may do when rendered (minijinja's fuel).
const FUEL: u64 = 50_000;

/// Who sees and uses a macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Its owner only.
    Personal,
    /// The members of its team (and admins).
    Team,
    /// All staff.
    Everyone,
}

/// The comment a macro writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroComment {
    /// A template; see the module's documentation.
    pub body: String,
    /// A public reply (`true`) or an internal note.
    pub public: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Macro {
    pub id: MacroId,
    pub tenant_id: TenantId,
    pub title: String,
    pub visibility: Visibility,
    /// The owner of a personal macro.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
    /// The team of a team macro.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    pub actions: Vec<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<MacroComment>,
    /// How many times it was applied.
    #[serde(default)]
    pub usage: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

/// Placeholders a comment may use besides custom fields.
const KNOWN: &[&str] = &[
    "ticket",
    "ticket.id",
    "ticket.number",
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "ticket.type",
    "ticket.channel",
    "ticket.tags",
    "ticket.fields",
    "requester",
    "requester.name",
    "requester.email",
    "agent",
    "agent.name",
    "agent.email",
];

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// What a macro must be: a title, actions a macro may take (a trigger's
/// note and notifications are not), at least one action or a comment, and
/// a comment template that compiles and names only known placeholders.
pub fn check_macro(m: &Macro, schema: &FieldSchema) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = bounded_text(&m.title, 1, 120) {
        errors.push(FieldError::new("title", e.code, e.message));
    }
    if m.actions.is_empty() && m.comment.is_none() {
        errors.push(FieldError::new(
            "actions",
            "required",
            "a macro changes the ticket, writes a comment, or both",
        ));
    }
    if m.actions.len() > crate::automation::trigger::MAX_ACTIONS {
        errors.push(FieldError::new("actions", "too_many", "at most 20 actions"));
    }
    for (i, a) in m.actions.iter().enumerate() {
        let field = format!("actions.{i}");
        match a {
            Action::AddNote { .. } | Action::NotifyWebhook { .. } | Action::SendEmail(_) => errors
                .push(FieldError::new(
                    field,
                    "invalid_value",
                    "not in a macro (its comment says what to write)",
                )),
            Action::SetCustomField { key, .. } if schema.def(key).is_none() => errors.push(
                FieldError::new(field, "unknown_field", "no custom field with that key"),
            ),
            _ => {}
        }
    }
    if let Some(c) = &m.comment {
        errors.extend(check_template("comment.body", &c.body, schema));
    }
    errors
}

/// The template at `field` compiles and names only known placeholders.
pub(crate) fn check_template(field: &str, body: &str, schema: &FieldSchema) -> Vec<FieldError> {
    if body.trim().is_empty() {
        return vec![FieldError::new(field, "required", "must not be empty")];
    }
    if body.len() > MAX_BODY_BYTES {
        return vec![FieldError::new(
            field,
            "too_long",
            format!("at most {MAX_BODY_BYTES} bytes"),
        )];
    }
    if let Err(e) = placeholders_only(body) {
        return vec![FieldError::new(field, "invalid_template", e)];
    }
    let env = environment();
    let template = match env.template_from_str(body) {
        Ok(t) => t,
        Err(e) => return vec![FieldError::new(field, "invalid_template", e.to_string())],
    };
    let mut unknown: Vec<String> = template
        .undeclared_variables(true)
        .into_iter()
        .filter(|name| {
            let field = name
                .strip_prefix("ticket.fields.")
                .is_some_and(|key| schema.def(key).is_some());
            !(KNOWN.contains(&name.as_str()) || field)
        })
        .collect();
    unknown.sort();
    if let Some(name) = unknown.first() {
        return vec![FieldError::new(
            field,
            "unknown_placeholder",
            format!(
                "`{name}` is not a placeholder (ticket, requester, agent, ticket.fields.<key>)"
            ),
        )];
    }
    vec![]
}

/// The values a comment's placeholders take.
pub fn context(ticket: &Ticket, requester: Option<&User>, agent: Option<&User>) -> Value {
    let person = |u: Option<&User>| match u {
        Some(u) => json!({ "name": u.name, "email": u.email.as_str() }),
        None => json!({ "name": "", "email": "" }),
    };
    let fields: BTreeMap<&String, &Value> = ticket.custom_fields.iter().collect();
    json!({
        "ticket": {
            "id": ticket.id,
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.kind,
            "channel": ticket.channel,
            "tags": ticket.tags,
            "fields": fields,
        },
        "requester": person(requester),
        "agent": person(agent),
    })
}

/// A template holds text and placeholders (`{{ ticket.number }}`) only:
/// no statements, expressions or filters, so rendering one does no work
/// an agent could make unbounded.
fn placeholders_only(body: &str) -> Result<(), String> {
    if body.contains("{%") || body.contains("{#") {
        return Err(
            "only placeholders such as {{ ticket.number }}: no statements or comments".into(),
        );
    }
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err("a placeholder is not closed with }}".into());
        };
        let name = after[..close].trim();
        let plain = !name.is_empty()
            && name.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !plain {
            return Err(format!(
                "`{name}`: only placeholders such as {{{{ ticket.number }}}}, without filters or expressions"
            ));
        }
        rest = &after[close + 2..];
    }
    Ok(())
}

/// Renders a comment template (custom fields not set render empty).
pub fn render(body: &str, context: &Value, schema: &FieldSchema) -> Result<String, FieldError> {
    render_text("comment.body", body, context, schema)
}

/// Renders the template at `field` (custom fields not set render empty).
pub(crate) fn render_text(
    field: &str,
    body: &str,
    context: &Value,
    schema: &FieldSchema,
) -> Result<String, FieldError> {
    placeholders_only(body).map_err(|e| FieldError::new(field, "invalid_template", e))?;
    let mut context = context.clone();
    if let Some(fields) = context
        .get_mut("ticket")
        .and_then(|t| t.get_mut("fields"))
        .and_then(Value::as_object_mut)
    {
        for def in &schema.fields {
            fields
                .entry(def.key.clone())
                .or_insert(Value::String(String::new()));
        }
    }
    let env = environment();
    let rendered = env
        .render_str(body, context)
        .map_err(|e| FieldError::new(field, "invalid_template", e.to_string()))?;
    let rendered = rendered.trim().to_owned();
    if rendered.is_empty() || rendered.len() > MAX_BODY_BYTES {
        return Err(FieldError::new(
            field,
            "invalid_length",
            format!("the rendered text must be 1 to {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(rendered)
}
