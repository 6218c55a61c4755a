//! Outbound email as moto records it: `GET /_devstack/mail` lists what the
//! functions sent through SES (newest last), raw MIME included, so a person
//! or a test can read the mails a helpdesk wrote.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// `{"mail": [{"id", "destinations", "raw"}]}` from moto's state.
pub async fn list(State(moto): State<Arc<String>>) -> (StatusCode, Json<Value>) {
    match sent(&moto).await {
        Ok(mail) => (StatusCode::OK, Json(json!({ "mail": mail }))),
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({ "message": format!("reading moto's sent mail: {e:#}") })),
        ),
    }
}

async fn sent(moto: &str) -> anyhow::Result<Vec<Value>> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<bytes::Bytes>>();
    let uri: http::Uri = format!("{}/moto-api/data.json", moto.trim_end_matches('/')).parse()?;
    let response = client.get(uri).await?;
    let body = response.into_body().collect().await?.to_bytes();
    let state: Value = serde_json::from_slice(&body)?;
    Ok(state
        .pointer("/ses/RawMessage")
        .and_then(Value::as_array)
        .map(|messages| {
            messages
                .iter()
                .map(|m| {
                    let mut destinations: Vec<Value> =
                        m["destinations"].as_array().cloned().unwrap_or_default();
                    destinations.dedup();
                    json!({
                        "id": m["id"],
                        "destinations": destinations,
                        "raw": m["raw_data"],
                    })
                })
                .collect()
        })
        .unwrap_or_default())
}
