//! [`WebhookSender`] over HTTPS: the target's addresses are resolved and
//! checked before connecting (and the connection is pinned to them, so a
//! second DNS answer cannot point elsewhere), no redirects are followed,
//! 15 seconds in all, at most 1 MB of the answer is read.

use jiff::{SignedDuration, Timestamp};
use reqwest::redirect::Policy;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_domain::webhooks::ports::WebhookSender;
use switchboard_domain::webhooks::webhook::{
    Attempt, DELIVERY_TIMEOUT_SECS, MAX_RESPONSE_BYTES, OutgoingRequest, SendResult,
    allowed_destination, excerpt,
};

pub struct HttpSender {
    /// devstack's receivers listen on loopback; nothing else may.
    pub allow_loopback: bool,
}

impl HttpSender {
    async fn addresses(&self, url: &url::Url) -> Result<Vec<SocketAddr>, String> {
        let port = url.port_or_known_default().unwrap_or(443);
        let found: Vec<SocketAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(url::Host::Domain(d)) => tokio::net::lookup_host((d, port))
                .await
                .map_err(|e| format!("could not resolve {d}: {e}"))?
                .collect(),
            None => return Err("the URL has no host".into()),
        };
        if found.is_empty() {
            return Err("the host has no address".into());
        }
        if let Some(bad) = found
            .iter()
            .find(|a| !allowed_destination(a.ip(), self.allow_loopback))
        {
            return Err(format!(
                "refused: the host resolves to {}, a private, loopback, link-local or metadata address",
                bad.ip()
            ));
        }
        Ok(found)
    }

    async fn attempt(
        &self,
        request: &OutgoingRequest,
    ) -> Result<(u16, Vec<u8>, Option<SignedDuration>), String> {
        let url = url::Url::parse(&request.url).map_err(|e| format!("invalid URL: {e}"))?;
        let addresses = self.addresses(&url).await?;
        let mut client = reqwest::Client::builder()
            .redirect(Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(DELIVERY_TIMEOUT_SECS));
        if let Some(url::Host::Domain(d)) = url.host() {
            client = client.resolve_to_addrs(d, &addresses);
        }
        let client = client.build().map_err(|e| format!("client: {e}"))?;
        let mut builder = client.post(url).body(request.body.clone());
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let mut response = builder.send().await.map_err(describe)?;
        let status = response.status().as_u16();
        let retry_after = if status == 429 || status == 503 {
            response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(SignedDuration::from_secs)
        } else {
            None
        };
        let mut body = Vec::new();
        while body.len() < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                // The status is what counts; a body cut short is still logged.
                Err(_) => break,
            }
        }
        Ok((status, body, retry_after))
    }
}

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {DELIVERY_TIMEOUT_SECS} s")
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        // Without the URL: it may carry a token the integrator put there.
        e.without_url().to_string()
    }
}

impl WebhookSender for HttpSender {
    async fn send(&self, request: &OutgoingRequest) -> SendResult {
        let at = Timestamp::now();
        let started = Instant::now();
        let result = self.attempt(request).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok((status, body, retry_after)) => SendResult {
                attempt: Attempt {
                    at,
                    status_code: Some(status),
                    error: None,
                    latency_ms,
                    response: excerpt(&body),
                },
                retry_after,
            },
            Err(error) => SendResult {
                attempt: Attempt {
                    at,
                    status_code: None,
                    error: Some(error),
                    latency_ms,
                    response: String::new(),
                },
                retry_after: None,
            },
        }
    }
}
