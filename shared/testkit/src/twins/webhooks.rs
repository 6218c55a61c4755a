//! Webhook receivers in memory: each URL answers what the test scripted
//! (in order, then the default), and every request is kept.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::webhooks::ports::WebhookSender;
use switchboard_domain::webhooks::webhook::{Attempt, OutgoingRequest, SendResult, excerpt};

use crate::clock::TestClock;

/// One scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: Option<u16>,
    pub body: String,
    /// No usable answer (timeout, refused connection…).
    pub error: Option<String>,
    pub latency_ms: u64,
    pub retry_after: Option<SignedDuration>,
}

impl Reply {
    /// An HTTP answer with this status and an empty body.
    pub fn status(code: u16) -> Self {
        Self {
            status: Some(code),
            body: String::new(),
            error: None,
            latency_ms: 5,
            retry_after: None,
        }
    }

    /// No answer at all (as a timeout or refused address).
    pub fn error(why: &str) -> Self {
        Self {
            status: None,
            error: Some(why.to_owned()),
            ..Self::status(0)
        }
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    pub fn retry_after(mut self, after: SignedDuration) -> Self {
        self.retry_after = Some(after);
        self
    }
}

struct Script {
    replies: BTreeMap<String, VecDeque<Reply>>,
    default: Reply,
    requests: Vec<OutgoingRequest>,
}

#[derive(Clone)]
pub struct ScriptedWebhooks {
    script: Arc<Mutex<Script>>,
    clock: Option<TestClock>,
}

impl Default for ScriptedWebhooks {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedWebhooks {
    /// Every URL answers `200` until scripted otherwise.
    pub fn new() -> Self {
        Self {
            script: Arc::new(Mutex::new(Script {
                replies: BTreeMap::new(),
                default: Reply::status(200),
                requests: Vec::new(),
            })),
            clock: None,
        }
    }

    /// Attempts are timed by `clock` instead of the wall clock.
    pub fn with_clock(clock: TestClock) -> Self {
        Self {
            clock: Some(clock),
            ..Self::new()
        }
    }

    /// The next request to `url` gets `reply` (replies queue per URL).
    pub fn reply(&self, url: &str, reply: Reply) {
        self.with(|s| {
            s.replies
                .entry(url.to_owned())
                .or_default()
                .push_back(reply)
        });
    }

    /// What any URL answers once its script is used up.
    pub fn set_default(&self, reply: Reply) {
        self.with(|s| s.default = reply);
    }

    /// Every request sent, in order.
    pub fn requests(&self) -> Vec<OutgoingRequest> {
        self.with(|s| s.requests.clone())
    }

    pub fn requests_to(&self, url: &str) -> Vec<OutgoingRequest> {
        self.with(|s| {
            s.requests
                .iter()
                .filter(|r| r.url == url)
                .cloned()
                .collect()
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Script) -> R) -> R {
        f(&mut self.script.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl WebhookSender for ScriptedWebhooks {
    async fn send(&self, request: &OutgoingRequest) -> SendResult {
        let at = self
            .clock
            .as_ref()
            .map_or_else(Timestamp::now, TestClock::now);
        let reply = self.with(|s| {
            s.requests.push(request.clone());
            s.replies
                .get_mut(&request.url)
                .and_then(VecDeque::pop_front)
                .unwrap_or_else(|| s.default.clone())
        });
        SendResult {
            attempt: Attempt {
                at,
                status_code: reply.status,
                error: reply.error,
                latency_ms: reply.latency_ms,
                // As the real sender keeps it: the first kilobyte.
                response: excerpt(reply.body.as_bytes()),
            },
            retry_after: reply.retry_after,
        }
    }
}
