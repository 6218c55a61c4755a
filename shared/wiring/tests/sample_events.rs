//! Contract tests: the sample events in `events/` are what Lambda delivers,
//! and they parse into the types the functions are run with.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

fn sample(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_sample_event_is_listed_and_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".json") {
            continue;
        }
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not described in events/README.md"
        );
        if name.starts_with("http-api-") {
            let parsed: aws_lambda_events_v2::ApiGatewayV2httpRequest =
                serde_json::from_str(&sample(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.version.as_deref(), Some("2.0"), "{name}");
        } else if name.starts_with("websocket-") {
            let parsed: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
                serde_json::from_str(&sample(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(parsed.request_context.connection_id.is_some(), "{name}");
            assert!(parsed.request_context.route_key.is_some(), "{name}");
        } else if name.starts_with("ses-") {
            let parsed: aws_lambda_events::ses::SimpleEmailEvent =
                serde_json::from_str(&sample(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let ses = &parsed.records[0].ses;
            assert!(
                ses.mail.message_id.is_some() && !ses.receipt.recipients.is_empty(),
                "{name}"
            );
        } else if name.starts_with("sqs-") {
            let parsed: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_str(&sample(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let body = parsed.records[0].body.as_deref().unwrap_or_default();
            let _: switchboard_domain::webhooks::webhook::DeliveryRef =
                serde_json::from_str(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else if name.starts_with("dynamodb-stream-") {
            let parsed: aws_lambda_events::dynamodb::Event =
                serde_json::from_str(&sample(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!parsed.records.is_empty(), "{name}");
        } else {
            panic!("{name}: no contract test knows this trigger");
        }
    }
}

/// The route parameters, query, cookies and request id reach axum as the
/// runtime hands them over.
#[test]
fn http_api_events_become_requests_as_lambda_http_builds_them() {
    let req =
        lambda_http::request::from_str(&sample("http-api-get-with-path-parameter.json")).unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(
        req.uri().path(),
        "/v1/operator/tenants/ten_01J9Z3Q4W5E6R7T8Y9V0A1B2C3/suspend"
    );
    assert_eq!(req.uri().query(), Some("reason=abuse&notify=true"));
    assert_eq!(req.headers()["cookie"], "theme=dark");
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            assert_eq!(ctx.request_id.as_deref(), Some("Bq4XkgYdDoEEPdh="));
        }
        other => panic!("expected an HTTP API context, got {other:?}"),
    }

    let login = lambda_http::request::from_str(&sample("http-api-login.json")).unwrap();
    let body = match login.body() {
        lambda_http::Body::Text(t) => t.clone(),
        other => panic!("expected a text body, got {other:?}"),
    };
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["tenant"], "demo");
}

/// The outbox record carries a domain event the router can read, and the
/// connect event the ticket `ws-connect` looks for.
#[test]
fn outbox_and_websocket_samples_carry_what_the_functions_read() {
    let batch: aws_lambda_events::dynamodb::Event =
        serde_json::from_str(&sample("dynamodb-stream-outbox.json")).unwrap();
    let item: switchboard_aws::items::EventItem =
        serde_dynamo::from_item(batch.records[0].change.new_image.clone()).unwrap();
    let event: switchboard_domain::kernel::events::DomainEvent =
        serde_json::from_str(&item.payload).unwrap();
    assert_eq!(event.kind.as_str(), "ticket.created");
    assert_eq!(
        batch.records[0].change.sequence_number.as_deref(),
        Some("4421584500000000017450439091")
    );

    let connect: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
        serde_json::from_str(&sample("websocket-connect.json")).unwrap();
    assert!(
        connect
            .query_string_parameters
            .first("ticket")
            .is_some_and(|t| t.starts_with("wst_"))
    );
}

mod aws_lambda_events_v2 {
    pub use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
}
