//! The OpenAPI 3.1 description: generated from the functions' Rust types
//! and handler annotations, committed as `openapi.json` (served by the auth
//! function at `/v1/openapi.json`), and kept current by this test.
//!
//! After changing the API: `SWITCHBOARD_UPDATE_OPENAPI=1 cargo test -p devstack --test openapi`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use devstack::template::{self, Template, offline_context};
use std::path::PathBuf;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn document() -> utoipa::openapi::OpenApi {
    let mut doc = auth::ApiDoc::openapi();
    for part in [
        tenants::ApiDoc::openapi(),
        users::ApiDoc::openapi(),
        teams::ApiDoc::openapi(),
        tickets::ApiDoc::openapi(),
        notifications::ApiDoc::openapi(),
        realtime::ApiDoc::openapi(),
        webhooks::ApiDoc::openapi(),
        mailboxes::ApiDoc::openapi(),
        sla::ApiDoc::openapi(),
        automation::ApiDoc::openapi(),
        search::ApiDoc::openapi(),
        analytics::ApiDoc::openapi(),
        audit::ApiDoc::openapi(),
        kb::ApiDoc::openapi(),
        help_center::ApiDoc::openapi(),
    ] {
        doc.merge(part);
    }
    doc.info = utoipa::openapi::InfoBuilder::new()
        .title("Switchboard API")
        .version("1")
        .description(Some(
            "A multi-tenant helpdesk. JSON in camelCase; errors are RFC 9457 \
             application/problem+json with a stable `code` and per-field `errors`. \
             Authenticate with `Authorization: Bearer <access token or API key>`.",
        ))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("DomainEvent".into(), event_envelope().into());
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An access token (JWT) from login, or an API key (`sbk_…`)",
                ))
                .build(),
        ),
    );
    doc
}

/// The envelope every event has (WebSocket pushes, and later webhooks),
/// with the catalogue of types.
fn event_envelope() -> utoipa::openapi::schema::Object {
    use switchboard_domain::kernel::events::EventType;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let catalogue: String = EventType::public()
        .map(|t| format!("- `{}`: {}\n", t.as_str(), t.describe()))
        .collect();
    let string = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(d))
    };
    ObjectBuilder::new()
        .description(Some(format!(
            "A domain event, as live updates (and integrations) receive it. Written in the same \
             transaction as the change it describes; delivered at least once, so consumers dedupe \
             by `id`.\n\nTypes:\n{catalogue}"
        )))
        .property("id", string("`evt_…`, unique"))
        .property(
            "type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(EventType::public().map(|t| t.as_str()))),
        )
        .property("tenantId", string("`ten_…`"))
        .property("occurredAt", string("RFC 3339 time of the change"))
        .property(
            "actor",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("`{type: user|api_key|operator|system, id?}`")),
        )
        .property(
            "subject",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "What it is about: `ticketId`, `commentId`, `userId`, `teamId` as apply",
                )),
        )
        .property(
            "data",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("Type-specific details (see each type)")),
        )
        .required("id")
        .required("type")
        .required("tenantId")
        .required("occurredAt")
        .required("actor")
        .required("subject")
        .required("data")
        .build()
}

#[test]
fn openapi_json_is_current() {
    let generated = format!("{}\n", document().to_pretty_json().unwrap());
    let path = root().join("openapi.json");
    if std::env::var_os("SWITCHBOARD_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.json is out of date: run SWITCHBOARD_UPDATE_OPENAPI=1 cargo test -p devstack --test openapi"
    );
    assert!(generated.contains("\"openapi\": \"3.1.0\""));
}

#[test]
fn every_template_route_is_described() {
    let template = Template::load(&root().join("template.yaml")).unwrap();
    let ctx = offline_context(&template, "switchboard");
    let doc = serde_json::to_value(document()).unwrap();
    let mut missing = Vec::new();
    for f in template::functions(&template, &ctx).unwrap() {
        for r in f.http_routes {
            let described = doc["paths"][&r.path][r.method.to_lowercase()].is_object();
            if !described {
                missing.push(r.key());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an OpenAPI description: {missing:?}"
    );
}
