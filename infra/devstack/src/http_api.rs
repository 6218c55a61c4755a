//! The HTTP API: matches each request to a template route, turns it into an
//! API Gateway payload-format-2.0 event for the owning function, and turns
//! the function's response back into HTTP, with the template's CORS rules.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::lambda::{Outcome, Pool};
use crate::template::{Cors, HttpRoute};

/// API Gateway's payload limit for HTTP APIs.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

pub struct Gateway {
    pub routes: Vec<(HttpRoute, Arc<Pool>)>,
    pub cors: Option<Cors>,
    pub pools: Vec<Arc<Pool>>,
}

/// A matched route and the path parameters it captured.
pub struct Matched<'a> {
    pub route: &'a HttpRoute,
    pub pool: &'a Arc<Pool>,
    pub params: BTreeMap<String, String>,
}

impl Gateway {
    /// API Gateway's precedence: exact method before `ANY`; among paths, the
    /// most literal segments win, then `{param}`, then `{proxy+}`; then
    /// `$default`.
    pub fn route(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let mut best: Option<(u32, Matched<'_>)> = None;
        for (route, pool) in &self.routes {
            let method_score = if route.method == method {
                2
            } else if route.method == "ANY" {
                1
            } else {
                continue;
            };
            let Some((path_score, params)) = match_path(&route.path, path) else {
                continue;
            };
            let score = path_score * 4 + method_score;
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((
                    score,
                    Matched {
                        route,
                        pool,
                        params,
                    },
                ));
            }
        }
        best.map(|(_, m)| m).or_else(|| {
            self.routes
                .iter()
                .find(|(r, _)| r.path == "$default")
                .map(|(route, pool)| Matched {
                    route,
                    pool,
                    params: BTreeMap::new(),
                })
        })
    }
}

/// Scores a match: 2 per literal segment, 1 per parameter, 0 for a greedy
/// tail; `None` if the pattern does not match.
fn match_path(pattern: &str, path: &str) -> Option<(u32, BTreeMap<String, String>)> {
    if pattern == "$default" {
        return None;
    }
    let pat: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut params = BTreeMap::new();
    let mut score = 0;
    for (i, p) in pat.iter().enumerate() {
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest = segs.get(i..)?.join("/");
            if rest.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), rest);
            return Some((score, params));
        }
        let seg = segs.get(i)?;
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if seg.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), percent_decode(seg));
            score += 1;
        } else if p == seg {
            score += 2;
        } else {
            return None;
        }
    }
    (pat.len() == segs.len()).then_some((score, params))
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

pub async fn handle(
    State(gw): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // API Gateway answers CORS preflights itself when CORS is configured.
    if let (Some(cors), Some(origin)) = (&gw.cors, &origin)
        && req.method() == Method::OPTIONS
        && req.headers().contains_key("access-control-request-method")
    {
        return preflight(cors, origin);
    }
    let mut response = forward(&gw, peer, req).await;
    if let (Some(cors), Some(origin)) = (&gw.cors, &origin) {
        add_cors(cors, origin, response.headers_mut());
    }
    response
}

async fn forward(gw: &Gateway, peer: SocketAddr, req: Request) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let Some(matched) = gw.route(&method, &path) else {
        return gateway_message(StatusCode::NOT_FOUND, "Not Found");
    };
    let request_id = ulid::Ulid::new().to_string();
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_PAYLOAD).await else {
        return gateway_message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let event = event_v2(&parts, &body, &matched, &request_id, peer);
    let payload = match serde_json::to_vec(&event) {
        Ok(p) => p,
        Err(_) => {
            return gateway_message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
    };
    let outcome = matched.pool.invoke(payload.into()).await;
    let mut response = match outcome {
        Outcome::Response(bytes) => from_function(&bytes),
        Outcome::Error(_) => problem(
            StatusCode::BAD_GATEWAY,
            "function_error",
            "The function failed to handle the request",
        ),
        Outcome::Crashed(why) => {
            tracing::error!(function = %matched.pool.function.name, %why, "function crashed mid-request");
            problem(
                StatusCode::BAD_GATEWAY,
                "function_crashed",
                "The function stopped while handling the request",
            )
        }
        Outcome::TimedOut => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "function_timeout",
            "The function did not answer in time",
        ),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("apigw-requestid", v);
    }
    response
}

fn event_v2(
    parts: &axum::http::request::Parts,
    body: &[u8],
    matched: &Matched<'_>,
    request_id: &str,
    peer: SocketAddr,
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    headers.insert("x-forwarded-for".into(), peer.ip().to_string());
    headers.insert("x-forwarded-proto".into(), "http".into());
    headers.insert("x-forwarded-port".into(), peer.port().to_string());
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_pairs(&raw_query) {
        query
            .entry(k)
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&v);
            })
            .or_insert(v);
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (Value::String(BASE64.encode(body)), true),
    };
    let now = jiff::Timestamp::now();
    let route_key = if matched.route.path == "$default" {
        "$default".to_owned()
    } else {
        matched.route.key()
    };
    let host = headers
        .get("host")
        .cloned()
        .unwrap_or_else(|| "localhost".into());
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "devstack",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or("localhost"),
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.as_millisecond(),
        },
        "isBase64Encoded": is_base64,
    });
    if let Some(obj) = event.as_object_mut() {
        if !cookies.is_empty() {
            obj.insert("cookies".into(), json!(cookies));
        }
        if !query.is_empty() {
            obj.insert("queryStringParameters".into(), json!(query));
        }
        if !matched.params.is_empty() {
            obj.insert("pathParameters".into(), json!(matched.params));
        }
        if !body.is_null() {
            obj.insert("body".into(), body);
        }
    }
    event
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A payload-format-2.0 response: either a structured one with
/// `statusCode`, or any JSON value, which API Gateway returns as a 200.
fn from_function(bytes: &[u8]) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return problem(
            StatusCode::BAD_GATEWAY,
            "function_error",
            "The function returned an invalid response",
        );
    };
    let Some(status) = value.get("statusCode").and_then(Value::as_u64) else {
        let mut r = (StatusCode::OK, bytes.to_vec()).into_response();
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        return r;
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let body = value.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if value
        .get("isBase64Encoded")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        BASE64.decode(body).unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(map) = value.get("headers").and_then(Value::as_object) {
        for (k, v) in map {
            if let (Ok(name), Some(Ok(val))) = (
                HeaderName::from_bytes(k.as_bytes()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                headers.append(name, val);
            }
        }
    }
    if let Some(map) = value.get("multiValueHeaders").and_then(Value::as_object) {
        for (k, vs) in map {
            for v in vs.as_array().into_iter().flatten() {
                if let (Ok(name), Some(Ok(val))) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    v.as_str().map(HeaderValue::from_str),
                ) {
                    headers.append(name, val);
                }
            }
        }
    }
    for cookie in value
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(Ok(v)) = cookie.as_str().map(HeaderValue::from_str) {
            headers.append("set-cookie", v);
        }
    }
    response
}

/// API Gateway's own error shape (`{"message": …}`), for what it refuses
/// before any function is involved.
fn gateway_message(status: StatusCode, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "message": message }).to_string(),
    )
        .into_response()
}

/// Function failures as problem+json, like every other error of the API.
fn problem(status: StatusCode, code: &str, title: &str) -> Response {
    let body = json!({
        "type": format!("/problems/{}", code.replace('_', "-")),
        "title": title,
        "status": status.as_u16(),
        "code": code,
    });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
    }
    r
}

fn preflight(cors: &Cors, origin: &str) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    if !cors.allows_origin(origin) {
        return r;
    }
    let h = r.headers_mut();
    insert(h, "access-control-allow-origin", origin);
    insert(
        h,
        "access-control-allow-methods",
        &cors.allow_methods.join(","),
    );
    insert(
        h,
        "access-control-allow-headers",
        &cors.allow_headers.join(","),
    );
    if let Some(age) = cors.max_age {
        insert(h, "access-control-max-age", &age.to_string());
    }
    if cors.allow_credentials {
        insert(h, "access-control-allow-credentials", "true");
    }
    insert(h, "vary", "origin");
    r
}

/// The gateway's CORS headers replace any the function set.
fn add_cors(cors: &Cors, origin: &str, h: &mut HeaderMap) {
    for name in [
        "access-control-allow-origin",
        "access-control-expose-headers",
        "access-control-allow-credentials",
    ] {
        h.remove(name);
    }
    if !cors.allows_origin(origin) {
        return;
    }
    insert(h, "access-control-allow-origin", origin);
    if !cors.expose_headers.is_empty() {
        insert(
            h,
            "access-control-expose-headers",
            &cors.expose_headers.join(","),
        );
    }
    if cors.allow_credentials {
        insert(h, "access-control-allow-credentials", "true");
    }
    h.append("vary", HeaderValue::from_static("origin"));
}

fn insert(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// `POST /_devstack/functions/{name}/crash`: kills the named function's
/// instances that are handling an invocation right now (by function name
/// or logical id), for fault tests. Answers how many were killed.
pub async fn crash_function(
    State(gw): State<Arc<Gateway>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    let Some(pool) = gw
        .pools
        .iter()
        .find(|p| p.function.name == name || p.function.logical_id == name)
    else {
        return gateway_message(StatusCode::NOT_FOUND, "No such function");
    };
    let killed = pool.crash_busy().await;
    axum::Json(serde_json::json!({ "killed": killed })).into_response()
}

/// Status of every function, for `GET /_devstack/functions`.
pub async fn functions_status(State(gw): State<Arc<Gateway>>) -> Response {
    let mut out = Vec::new();
    for pool in &gw.pools {
        out.push(pool.status().await);
    }
    axum::Json(out).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_with_api_gateway_precedence() {
        assert_eq!(
            match_path("/v1/tickets", "/v1/tickets").map(|m| m.0),
            Some(4)
        );
        let (score, params) = match_path("/v1/tickets/{id}", "/v1/tickets/tkt_1").unwrap();
        assert_eq!((score, params["id"].as_str()), (5, "tkt_1"));
        assert!(match_path("/v1/tickets/{id}", "/v1/tickets").is_none());
        assert!(match_path("/v1/tickets/{id}", "/v1/tickets/a/b").is_none());
        let (_, params) = match_path("/v1/{proxy+}", "/v1/a/b/c").unwrap();
        assert_eq!(params["proxy"], "a/b/c");
        assert_eq!(
            match_path("/v1/files/{name}", "/v1/files/a%20b").unwrap().1["name"],
            "a b"
        );
    }

    #[test]
    fn query_strings_join_repeated_keys_like_api_gateway() {
        assert_eq!(
            form_pairs("a=1&a=2&b=x+y&c=%2F"),
            vec![
                ("a".into(), "1".into()),
                ("a".into(), "2".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "/".into())
            ]
        );
    }

    #[test]
    fn unstructured_function_responses_are_200_json() {
        let r = from_function(br#"{"hello":"world"}"#);
        assert_eq!(r.status(), StatusCode::OK);
        let r = from_function(
            br#"{"statusCode":201,"headers":{"location":"/x"},"body":"{}","cookies":["a=b"]}"#,
        );
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()["location"], "/x");
        assert_eq!(r.headers()["set-cookie"], "a=b");
    }

    #[test]
    fn cors_headers_follow_the_template() {
        let cors = Cors {
            allow_origins: vec!["http://app".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["authorization".into()],
            expose_headers: vec!["etag".into()],
            max_age: Some(600),
            allow_credentials: false,
        };
        let r = preflight(&cors, "http://app");
        assert_eq!(r.headers()["access-control-allow-origin"], "http://app");
        assert_eq!(r.headers()["access-control-max-age"], "600");
        let r = preflight(&cors, "http://evil");
        assert!(r.headers().get("access-control-allow-origin").is_none());
        let mut h = HeaderMap::new();
        add_cors(&cors, "http://app", &mut h);
        assert_eq!(h["access-control-expose-headers"], "etag");
    }

    #[test]
    fn events_parse_as_lambda_http_v2_requests() {
        let (parts, _) = axum::http::Request::builder()
            .method("POST")
            .uri("/v1/tickets/tkt_1?x=1")
            .header("content-type", "application/json")
            .header("cookie", "a=1; b=2")
            .body(())
            .unwrap()
            .into_parts();
        let route = HttpRoute {
            method: "POST".into(),
            path: "/v1/tickets/{id}".into(),
            event: "E".into(),
        };
        let pool = Pool::new(
            crate::template::Function {
                logical_id: "F".into(),
                name: "sb-F".into(),
                binary: "f".into(),
                environment: Default::default(),
                timeout: std::time::Duration::from_secs(1),
                memory_mb: 128,
                http_routes: vec![],
                stream_sources: vec![],
                queue_sources: vec![],
                schedules: vec![],
            },
            "/bin/false".into(),
            crate::lambda::RuntimeEnv {
                region: "us-east-1".into(),
                endpoint: "http://x".into(),
                account: "0".into(),
            },
            1,
        );
        let params = BTreeMap::from([("id".to_owned(), "tkt_1".to_owned())]);
        let matched = Matched {
            route: &route,
            pool: &pool,
            params,
        };
        let peer: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        let event = event_v2(&parts, br#"{"a":1}"#, &matched, "rid", peer);
        let parsed: aws_lambda_events::apigw::ApiGatewayV2httpRequest =
            serde_json::from_value(event.clone()).expect("a valid HTTP API v2 event");
        assert_eq!(parsed.route_key.as_deref(), Some("POST /v1/tickets/{id}"));
        assert_eq!(
            parsed.path_parameters.get("id").map(String::as_str),
            Some("tkt_1")
        );
        assert_eq!(
            parsed.cookies,
            Some(vec!["a=1".to_owned(), "b=2".to_owned()])
        );
        assert_eq!(parsed.body.as_deref(), Some(r#"{"a":1}"#));
    }
}
