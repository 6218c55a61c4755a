//! Webhooks as Standard Webhooks define them: endpoints, signing secrets
//! with rotation, signatures, the retry schedule and the egress rules that
//! keep deliveries off private networks. Pure rules; the webhooks function,
//! the event router and the webhook worker apply them.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::{SignedDuration, Timestamp};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::kernel::events::EventType;
use crate::kernel::ids::{DeliveryId, EventId, TenantId, WebhookId};
use crate::kernel::secrets::hmac_sha256;
use crate::kernel::validation::{Invalid, bounded_text};

pub const SECRET_PREFIX: &str = "whsec_";
/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_GRACE: SignedDuration = SignedDuration::from_hours(24);
/// An endpoint failing every delivery this long is disabled.
pub const FAILING_LIMIT: SignedDuration = SignedDuration::from_hours(24 * 5);
/// A delivery succeeds with a 2xx within this.
pub const DELIVERY_TIMEOUT_SECS: u64 = 15;
/// What of a response is read, and kept in the log.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
pub const RESPONSE_EXCERPT_BYTES: usize = 1024;
pub const MAX_ENDPOINTS_PER_TENANT: usize = 50;
/// The type of the event `POST /v1/webhooks/{id}/test` sends.
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// Standard Webhooks' suggested schedule: the delay before each retry.
pub const RETRY_SCHEDULE_SECS: [u64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/// A signing secret: `whsec_` + base64 of 32 random bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Vec<u8> {
        let b64 = self.0.strip_prefix(SECRET_PREFIX).unwrap_or(&self.0);
        STANDARD.decode(b64).unwrap_or_default()
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let message = format!("{id}.{timestamp}.{body}");
        format!(
            "v1,{}",
            STANDARD.encode(hmac_sha256(&self.key(), message.as_bytes()))
        )
    }
}

/// A secret and, after a rotation, until when it still signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningKey {
    pub secret: Secret,
    pub created_at: Timestamp,
    pub retires_at: Option<Timestamp>,
}

/// Which events an endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "types")]
pub enum EventFilter {
    All,
    Only(BTreeSet<String>),
}

impl EventFilter {
    /// `["*"]` or names from the catalogue (and `webhook.test`).
    pub fn parse(raw: &[String]) -> Result<Self, Invalid> {
        if raw.is_empty() {
            return Err(Invalid::new(
                "required",
                "name event types, or [\"*\"] for all",
            ));
        }
        if raw.iter().any(|t| t == "*") {
            return if raw.len() == 1 {
                Ok(EventFilter::All)
            } else {
                Err(Invalid::new("invalid", "\"*\" stands alone"))
            };
        }
        let mut types = BTreeSet::new();
        for t in raw {
            if EventType::parse(t).is_none_or(EventType::is_internal) {
                return Err(Invalid::new(
                    "unknown_event_type",
                    format!("{t:?} is not in the event catalogue"),
                ));
            }
            types.insert(t.clone());
        }
        Ok(EventFilter::Only(types))
    }

    pub fn matches(&self, event_type: &str) -> bool {
        if EventType::parse(event_type).is_some_and(EventType::is_internal) {
            return false;
        }
        match self {
            EventFilter::All => true,
            EventFilter::Only(types) => types.contains(event_type) || event_type == TEST_EVENT_TYPE,
        }
    }

    pub fn names(&self) -> Vec<String> {
        match self {
            EventFilter::All => vec!["*".into()],
            EventFilter::Only(types) => types.iter().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub id: WebhookId,
    pub tenant_id: TenantId,
    pub url: String,
    pub description: String,
    pub events: EventFilter,
    pub enabled: bool,
    /// Why Switchboard disabled it (`gone`, `failing`), if it did.
    pub disabled_reason: Option<String>,
    /// The current secret first; a retiring one after it.
    pub keys: Vec<SigningKey>,
    /// When the current run of failed deliveries began.
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl Endpoint {
    /// The secrets that sign at `now` (two during a rotation's grace).
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&Secret> {
        self.keys
            .iter()
            .filter(|k| k.retires_at.is_none_or(|t| t > now))
            .map(|k| &k.secret)
            .collect()
    }

    /// Makes a new secret current; the old one signs until the grace ends.
    pub fn rotate(&mut self, now: Timestamp, grace: SignedDuration) -> Secret {
        let fresh = Secret::generate();
        let mut keys = vec![SigningKey {
            secret: fresh.clone(),
            created_at: now,
            retires_at: None,
        }];
        if let Some(current) = self.keys.first() {
            keys.push(SigningKey {
                retires_at: Some(now + grace),
                ..current.clone()
            });
        }
        self.keys = keys;
        fresh
    }
}

/// The `webhook-signature` header value: one signature per active secret.
pub fn signature_header(secrets: &[&Secret], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks a URL as an integrator registers it: `https` (or `http` where
/// allowed), a host, no credentials, and no literal address of a network
/// deliveries must never reach.
pub fn parse_url(raw: &str, allow_insecure: bool) -> Result<String, Invalid> {
    let text = bounded_text(raw, 1, 2000)?;
    let url = url::Url::parse(&text).map_err(|e| Invalid::new("invalid_url", e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        _ => return Err(Invalid::new("insecure_url", "webhook URLs must use https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Invalid::new(
            "invalid_url",
            "credentials do not belong in the URL",
        ));
    }
    let literal = match url.host() {
        None => return Err(Invalid::new("invalid_url", "the URL needs a host")),
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(d))
            if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
        {
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        }
        Some(url::Host::Domain(_)) => None,
    };
    if let Some(ip) = literal
        && !allowed_destination(ip, allow_insecure)
    {
        return Err(Invalid::new(
            "forbidden_address",
            format!("{ip} is a private, loopback, link-local or metadata address"),
        ));
    }
    Ok(url.to_string())
}

/// Whether a delivery may connect to `ip`. `allow_loopback` is devstack's
/// setting for receivers on the same machine.
pub fn allowed_destination(ip: IpAddr, allow_loopback: bool) -> bool {
    // An IPv4 address written as IPv6 (mapped `::ffff:a.b.c.d`, or the
    // deprecated compatible `::a.b.c.d`) is judged as the IPv4 address.
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped().or_else(|| ipv4_compatible(v6)) {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    if ip.is_loopback() {
        return allow_loopback;
    }
    match ip {
        IpAddr::V4(v4) => !forbidden_v4(v4),
        IpAddr::V6(v6) => !forbidden_v6(v6),
    }
}

/// `::a.b.c.d` (not `::` or `::1`, which are IPv6's own).
fn ipv4_compatible(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    (s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback()).then(|| {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    })
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_link_local() // 169.254/16, cloud metadata included
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (AWS metadata fd00:ec2::254)
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b // NAT64 of anything
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub at: Timestamp,
    pub status_code: Option<u16>,
    /// Why there was no usable answer (timeout, refused address, TLS…).
    pub error: Option<String>,
    pub latency_ms: u64,
    /// The first 1 KB of the response body.
    pub response: String,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
    /// The endpoint was disabled or deleted before it could be delivered.
    Skipped,
}

/// One event on its way to one endpoint; `id` is the `webhook-id`, stable
/// across retries and replays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: DeliveryId,
    pub tenant_id: TenantId,
    pub endpoint_id: WebhookId,
    pub event_id: EventId,
    pub event_type: String,
    /// The exact body sent (the event envelope).
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub version: u64,
}

/// What the queue carries: enough to find the delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRef {
    pub tenant_id: TenantId,
    pub endpoint_id: WebhookId,
    pub delivery_id: DeliveryId,
}

impl Delivery {
    pub fn reference(&self) -> DeliveryRef {
        DeliveryRef {
            tenant_id: self.tenant_id,
            endpoint_id: self.endpoint_id,
            delivery_id: self.id,
        }
    }
}

/// A signed request, ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What came of sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    pub attempt: Attempt,
    /// `Retry-After` of a `429` or `503`.
    pub retry_after: Option<SignedDuration>,
}

/// The request for a delivery, signed by every active secret.
pub fn outgoing(endpoint: &Endpoint, delivery: &Delivery, now: Timestamp) -> OutgoingRequest {
    let id = delivery.id.to_string();
    let timestamp = now.as_second();
    let signature = signature_header(
        &endpoint.signing_secrets(now),
        &id,
        timestamp,
        &delivery.payload,
    );
    OutgoingRequest {
        url: endpoint.url.clone(),
        headers: vec![
            ("webhook-id".into(), id),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), signature),
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), USER_AGENT.into()),
        ],
        body: delivery.payload.clone(),
    }
}

pub const USER_AGENT: &str = concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION"));

/// The deterministic delivery id of an event for an endpoint: the same
/// event routed twice gives the same delivery.
pub fn delivery_id(event: EventId, endpoint: WebhookId) -> DeliveryId {
    let seed = hmac_sha256(&endpoint.ulid().to_bytes(), &event.ulid().to_bytes());
    let random =
        u128::from_be_bytes(seed[..16].try_into().unwrap_or([0; 16])) & ((1u128 << 80) - 1);
    DeliveryId::from_ulid(ulid::Ulid::from_parts(event.ulid().timestamp_ms(), random))
}

/// What to do after a failed attempt number `attempts` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    RetryIn(SignedDuration),
    GiveUp,
}

/// The schedule (`delays[i]` before retry i+1), with ±10% jitter from
/// `jitter` in [0, 1), honouring a receiver's `Retry-After` when longer.
pub fn next_after_failure(
    attempts: usize,
    delays: &[u64],
    retry_after: Option<SignedDuration>,
    jitter: f64,
) -> Next {
    let Some(&base) = delays.get(attempts.saturating_sub(1)) else {
        return Next::GiveUp;
    };
    let spread = (base as f64) * 0.1 * (2.0 * jitter.clamp(0.0, 1.0) - 1.0);
    let mut delay = SignedDuration::from_secs_f64(((base as f64) + spread).max(1.0));
    if let Some(asked) = retry_after
        && asked > delay
    {
        // SQS cannot hold a message hidden longer than 12 hours.
        delay = asked.min(SignedDuration::from_hours(12));
    }
    Next::RetryIn(delay)
}

/// The retry delays from a comma-separated list of seconds.
pub fn parse_schedule(raw: &str) -> Result<Vec<u64>, Invalid> {
    let delays: Result<Vec<u64>, _> = raw.split(',').map(|s| s.trim().parse::<u64>()).collect();
    match delays {
        Ok(d) if !d.is_empty() && d.iter().all(|s| *s <= 12 * 3600) => Ok(d),
        _ => Err(Invalid::new(
            "invalid_schedule",
            "seconds between retries, comma-separated, each ≤ 43200",
        )),
    }
}

/// The first bytes of a response, as text, for the delivery log.
pub fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(RESPONSE_EXCERPT_BYTES)];
    String::from_utf8_lossy(cut).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_look_like_the_spec_and_sign_the_spec_s_example() {
        let s = Secret::generate();
        assert!(s.expose().starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&s.expose()[6..]).map(|b| b.len()), Ok(32));
        // The example of the Standard Webhooks specification.
        let spec = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            spec.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_rotation_signs_with_both_secrets_until_the_grace_ends() {
        let now = Timestamp::UNIX_EPOCH;
        let mut e = Endpoint {
            id: WebhookId::new(),
            tenant_id: TenantId::new(),
            url: "https://example.com/hook".into(),
            description: String::new(),
            events: EventFilter::All,
            enabled: true,
            disabled_reason: None,
            keys: vec![SigningKey {
                secret: Secret::generate(),
                created_at: now,
                retires_at: None,
            }],
            failing_since: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let old = e.keys[0].secret.clone();
        let new = e.rotate(now, ROTATION_GRACE);
        assert_eq!(e.signing_secrets(now), vec![&new, &old]);
        let header = signature_header(&e.signing_secrets(now), "msg_1", 1, "{}");
        assert_eq!(header.split(' ').count(), 2);
        let later = now + ROTATION_GRACE + SignedDuration::from_secs(1);
        assert_eq!(e.signing_secrets(later), vec![&new]);
    }

    #[test]
    fn private_and_metadata_addresses_are_refused_in_every_spelling() {
        for bad in [
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[fe80::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://017700000001/",
            "https://10.1/",
        ] {
            assert_eq!(
                parse_url(bad, false).map_err(|e| e.code),
                Err("forbidden_address"),
                "{bad}"
            );
        }
        assert!(parse_url("https://hooks.example.com/in?x=1", false).is_ok());
        assert!(parse_url("https://8.8.8.8/", false).is_ok());
        assert_eq!(
            parse_url("http://hooks.example.com/", false).map_err(|e| e.code),
            Err("insecure_url")
        );
        assert_eq!(
            parse_url("ftp://x/", true).map_err(|e| e.code),
            Err("insecure_url")
        );
        assert_eq!(
            parse_url("https://u:p@x.example/", false).map_err(|e| e.code),
            Err("invalid_url")
        );
        assert!(
            parse_url("http://127.0.0.1:9000/hook", true).is_ok(),
            "devstack receivers"
        );
        assert_eq!(
            parse_url("https://[::127.0.0.1]/hook", false).map_err(|e| e.code),
            Err("forbidden_address"),
            "loopback written as an IPv4-compatible IPv6 address"
        );
    }

    #[test]
    fn resolved_addresses_are_checked_the_same_way() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for bad in [
            "10.0.0.1",
            "169.254.169.254",
            "::ffff:192.168.0.1",
            "fd00:ec2::254",
            "100.100.100.100",
            "127.0.0.1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::10.0.0.1",
            "::1",
        ] {
            assert!(!allowed_destination(ip(bad), false), "{bad}");
        }
        assert!(allowed_destination(ip("127.0.0.1"), true));
        assert!(!allowed_destination(ip("10.0.0.1"), true), "loopback only");
        for good in ["93.184.216.34", "2606:4700::1111"] {
            assert!(allowed_destination(ip(good), false), "{good}");
        }
    }

    #[test]
    fn the_schedule_backs_off_with_jitter_and_honours_retry_after() {
        let d = RETRY_SCHEDULE_SECS;
        assert_eq!(
            next_after_failure(1, &d, None, 0.5),
            Next::RetryIn(SignedDuration::from_secs(5))
        );
        match next_after_failure(2, &d, None, 0.0) {
            Next::RetryIn(x) => assert_eq!(x, SignedDuration::from_secs(270)),
            other => panic!("{other:?}"),
        }
        match next_after_failure(1, &d, Some(SignedDuration::from_secs(120)), 0.5) {
            Next::RetryIn(x) => assert_eq!(x, SignedDuration::from_secs(120)),
            other => panic!("{other:?}"),
        }
        assert_eq!(next_after_failure(8, &d, None, 0.5), Next::GiveUp);
        assert_eq!(parse_schedule("1, 2,3"), Ok(vec![1, 2, 3]));
        assert!(
            parse_schedule("").is_err()
                && parse_schedule("1,x").is_err()
                && parse_schedule("99999").is_err()
        );
    }

    #[test]
    fn filters_take_the_catalogue_or_everything() {
        let f = EventFilter::parse(&["ticket.created".into()]).unwrap();
        assert!(
            f.matches("ticket.created")
                && !f.matches("ticket.updated")
                && f.matches(TEST_EVENT_TYPE)
        );
        assert_eq!(EventFilter::parse(&["*".into()]), Ok(EventFilter::All));
        assert!(EventFilter::parse(&[]).is_err());
        assert!(EventFilter::parse(&["*".into(), "ticket.created".into()]).is_err());
        assert_eq!(
            EventFilter::parse(&["ticket.exploded".into()]).map_err(|e| e.code),
            Err("unknown_event_type")
        );
    }

    #[test]
    fn delivery_ids_are_stable_per_event_and_endpoint() {
        let (e, w) = (EventId::new(), WebhookId::new());
        assert_eq!(delivery_id(e, w), delivery_id(e, w));
        assert_ne!(delivery_id(e, w), delivery_id(e, WebhookId::new()));
        assert!(delivery_id(e, w).to_string().starts_with("msg_"));
    }
}
