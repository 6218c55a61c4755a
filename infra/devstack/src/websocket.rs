//! The WebSocket API and its @connections management API, as API Gateway
//! serves them: `$connect` may refuse the handshake, messages are routed by
//! the template's selection expression, `$disconnect` follows a close, and
//! functions push with `POST /{stage}/@connections/{id}` (`410` when gone).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::{SinkExt, StreamExt};
use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

use crate::lambda::{Outcome, Pool};
use crate::template::WebSocketApi;

/// An open connection as the gateway tracks it.
struct Open {
    outbox: mpsc::UnboundedSender<Message>,
    connected_at: Timestamp,
    last_active: Timestamp,
    source_ip: String,
    user_agent: String,
    /// Set when devstack drops the socket without telling `$disconnect`.
    silent: bool,
}

pub struct WsGateway {
    pub api: WebSocketApi,
    /// Route key → the function behind it.
    pub routes: HashMap<String, Arc<Pool>>,
    /// `host:port` as clients reach it (the events' `domainName`).
    pub domain: String,
    open: Mutex<HashMap<String, Open>>,
    stats: Mutex<Stats>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Stats {
    connects: u64,
    refused: u64,
    messages: u64,
    pushes: u64,
    gone: u64,
}

impl WsGateway {
    pub fn new(api: WebSocketApi, routes: HashMap<String, Arc<Pool>>, domain: String) -> Arc<Self> {
        Arc::new(Self {
            api,
            routes,
            domain,
            open: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
        })
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/{stage}", get(connect))
            .route(
                "/{stage}/@connections/{id}",
                post(push).get(describe).delete(close),
            )
            .route("/_devstack/connections", get(list))
            .route("/_devstack/connections/{id}/drop", post(drop_silently))
            .with_state(self.clone())
    }

    fn request_context(
        &self,
        route: &str,
        event_type: &str,
        connection: &str,
        connected_at: Timestamp,
        ip: &str,
    ) -> Value {
        let now = Timestamp::now();
        json!({
            "routeKey": route,
            "eventType": event_type,
            "messageDirection": "IN",
            "messageId": ulid::Ulid::new().to_string(),
            "extendedRequestId": ulid::Ulid::new().to_string(),
            "requestId": ulid::Ulid::new().to_string(),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "requestTimeEpoch": now.as_millisecond(),
            "connectedAt": connected_at.as_millisecond(),
            "stage": self.api.stage,
            "domainName": self.domain,
            "apiId": self.api.id,
            "connectionId": connection,
            "identity": {"sourceIp": ip},
        })
    }

    async fn invoke(&self, route: &str, event: Value) -> Option<Outcome> {
        let pool = self.routes.get(route)?;
        Some(pool.invoke(Bytes::from(event.to_string())).await)
    }

    /// The route a message takes: its selection value if a route has that
    /// key, else `$default`.
    fn route_of(&self, body: &str) -> Option<String> {
        let mut v = serde_json::from_str::<Value>(body).ok();
        for part in &self.api.selection_path {
            v = v.and_then(|v| v.get(part).cloned());
        }
        match v {
            Some(Value::String(key)) if self.routes.contains_key(&key) => Some(key),
            _ => self
                .routes
                .contains_key("$default")
                .then(|| "$default".to_owned()),
        }
    }
}

fn status_of(outcome: &Outcome) -> (StatusCode, String) {
    match outcome {
        Outcome::Response(body) => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let status = v
                .get("statusCode")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let text = v
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (status, text)
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error".into(),
        ),
    }
}

/// API Gateway's two views of repeated names: the last value, and all.
fn single_and_multi(pairs: impl Iterator<Item = (String, String)>) -> (Value, Value) {
    let mut single = serde_json::Map::new();
    let mut multi: serde_json::Map<String, Value> = serde_json::Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), Value::String(v.clone()));
        match multi.get_mut(&k) {
            Some(Value::Array(list)) => list.push(Value::String(v)),
            _ => {
                multi.insert(k, json!([v]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

fn header_maps(headers: &HeaderMap) -> (Value, Value) {
    single_and_multi(headers.iter().map(|(k, v)| {
        (
            k.as_str().to_owned(),
            v.to_str().unwrap_or_default().to_owned(),
        )
    }))
}

fn query_maps(raw: Option<&str>) -> (Value, Value) {
    single_and_multi(
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned())),
    )
}

/// Connection ids look like API Gateway's: 16 characters ending in `=`.
fn new_connection_id() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = ulid::Ulid::new().to_bytes();
    let mut id: String = bytes
        .iter()
        .take(15)
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect();
    id.push('=');
    id
}

async fn connect(
    State(gw): State<Arc<WsGateway>>,
    Path(stage): Path<String>,
    RawQuery(query): RawQuery,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if stage != gw.api.stage {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"message": "Forbidden"})),
        )
            .into_response();
    }
    let id = new_connection_id();
    let connected_at = Timestamp::now();
    let ip = peer.ip().to_string();
    let (h, mh) = header_maps(&headers);
    let (q, mq) = query_maps(query.as_deref());
    let event = json!({
        "headers": h,
        "multiValueHeaders": mh,
        "queryStringParameters": q,
        "multiValueQueryStringParameters": mq,
        "requestContext": gw.request_context("$connect", "CONNECT", &id, connected_at, &ip),
        "isBase64Encoded": false,
    });
    if let Some(outcome) = gw.invoke("$connect", event).await {
        let (status, body) = status_of(&outcome);
        if !status.is_success() {
            gw.stats.lock().await.refused += 1;
            return (status, body).into_response();
        }
    }
    gw.stats.lock().await.connects += 1;
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    upgrade.on_upgrade(move |socket| serve(gw, id, socket, connected_at, ip, user_agent))
}

async fn serve(
    gw: Arc<WsGateway>,
    id: String,
    socket: WebSocket,
    connected_at: Timestamp,
    ip: String,
    user_agent: String,
) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    gw.open.lock().await.insert(
        id.clone(),
        Open {
            outbox: tx,
            connected_at,
            last_active: connected_at,
            source_ip: ip.clone(),
            user_agent,
            silent: false,
        },
    );
    let writer = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            let closing = matches!(m, Message::Close(_));
            if sink.send(m).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut reason = (1000u16, "Client closed".to_owned());
    while let Some(frame) = stream.next().await {
        let text = match frame {
            Ok(Message::Text(t)) => t.to_string(),
            Ok(Message::Binary(b)) => String::from_utf8_lossy(&b).into_owned(),
            Ok(Message::Close(c)) => {
                if let Some(c) = c {
                    reason = (c.code, c.reason.to_string());
                }
                break;
            }
            Ok(_) => continue,
            Err(_) => {
                reason = (1006, "Going away".into());
                break;
            }
        };
        if let Some(open) = gw.open.lock().await.get_mut(&id) {
            open.last_active = Timestamp::now();
        } else {
            break;
        }
        gw.stats.lock().await.messages += 1;
        let Some(route) = gw.route_of(&text) else {
            send_to(
                &gw,
                &id,
                json!({"message": "Forbidden", "connectionId": id}).to_string(),
            )
            .await;
            continue;
        };
        let event = json!({
            "body": text,
            "isBase64Encoded": false,
            "requestContext": gw.request_context(&route, "MESSAGE", &id, connected_at, &ip),
        });
        if let Some(outcome) = gw.invoke(&route, event).await
            && !matches!(outcome, Outcome::Response(_))
        {
            send_to(
                &gw,
                &id,
                json!({"message": "Internal server error", "connectionId": id}).to_string(),
            )
            .await;
        }
    }
    let silent = gw.open.lock().await.remove(&id).is_some_and(|o| o.silent);
    writer.abort();
    if !silent {
        let mut ctx = gw.request_context("$disconnect", "DISCONNECT", &id, connected_at, &ip);
        ctx["disconnectStatusCode"] = json!(reason.0);
        ctx["disconnectReason"] = json!(reason.1);
        let event = json!({"headers": {}, "multiValueHeaders": {}, "requestContext": ctx, "isBase64Encoded": false});
        let _ = gw.invoke("$disconnect", event).await;
    }
}

async fn send_to(gw: &WsGateway, id: &str, text: String) -> bool {
    match gw.open.lock().await.get(id) {
        Some(open) if !open.silent => open.outbox.send(Message::Text(text.into())).is_ok(),
        _ => false,
    }
}

fn gone(id: &str) -> Response {
    (
        StatusCode::GONE,
        [
            ("x-amzn-errortype", "GoneException"),
            ("content-type", "application/json"),
        ],
        json!({"message": format!("connection {id} is gone")}).to_string(),
    )
        .into_response()
}

async fn push(
    State(gw): State<Arc<WsGateway>>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if send_to(&gw, &id, text).await {
        gw.stats.lock().await.pushes += 1;
        StatusCode::OK.into_response()
    } else {
        gw.stats.lock().await.gone += 1;
        gone(&id)
    }
}

async fn describe(
    State(gw): State<Arc<WsGateway>>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    match gw.open.lock().await.get(&id) {
        Some(o) if !o.silent => axum::Json(json!({
            "connectedAt": o.connected_at.to_string(),
            "lastActiveAt": o.last_active.to_string(),
            "identity": {"sourceIp": o.source_ip, "userAgent": o.user_agent},
        }))
        .into_response(),
        _ => gone(&id),
    }
}

async fn close(
    State(gw): State<Arc<WsGateway>>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let frame = Message::Close(Some(CloseFrame {
        code: 1000,
        reason: "Closed by the server".into(),
    }));
    match gw.open.lock().await.get(&id) {
        Some(o) if !o.silent => {
            let _ = o.outbox.send(frame);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => gone(&id),
    }
}

/// Devstack only: drops a socket without invoking `$disconnect`, as when
/// API Gateway loses a disconnect; the next push then finds it gone.
async fn drop_silently(State(gw): State<Arc<WsGateway>>, Path(id): Path<String>) -> Response {
    let mut open = gw.open.lock().await;
    match open.get_mut(&id) {
        Some(o) => {
            o.silent = true;
            let _ = o.outbox.send(Message::Close(None));
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn list(State(gw): State<Arc<WsGateway>>) -> Response {
    let open: Vec<String> = gw
        .open
        .lock()
        .await
        .iter()
        .filter(|(_, o)| !o.silent)
        .map(|(id, _)| id.clone())
        .collect();
    let stats = gw.stats.lock().await.clone();
    axum::Json(json!({"open": open, "stats": stats})).into_response()
}
