//! The WebSocket side of live updates: connection tickets, `$connect`,
//! `$disconnect`, and what a connected client may ask for.

use crate::kernel::error::StoreResult;
use futures::StreamExt;
use jiff::Timestamp;

use std::collections::{BTreeSet, HashMap};

use crate::accounts::permissions::{Action, Caller, Principal};
use crate::accounts::ports::SessionStore;
use crate::accounts::user::Role;
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::ids::{SessionId, TenantId, UserId};
use crate::kernel::secrets::{random_token, token_digest};
use crate::realtime::model::{
    CONNECTION_TICKET_TTL, CONNECTION_TTL, ClientMessage, Connection, ConnectionTicket, Listener,
    MAX_TOPICS_PER_CONNECTION, Refusal, ServerMessage, Subscriber, Topic, authorize,
};
use crate::realtime::ports::{ConnectionStore, PushResult, Pusher};
use crate::tickets::ports::TicketStore;
use crate::tickets::service::ensure_visible;

/// How many pushes one fan-out has in flight.
pub const FAN_OUT_CONCURRENCY: usize = 32;

pub struct Live<S, P> {
    store: S,
    pusher: P,
}

/// A freshly issued connection ticket (its secret is shown once).
pub struct IssuedTicket {
    pub secret: String,
    pub expires_at: Timestamp,
}

impl<S: TicketStore + ConnectionStore + SessionStore, P: Pusher> Live<S, P> {
    pub fn new(store: S, pusher: P) -> Self {
        Self { store, pusher }
    }

    /// A one-time ticket for `$connect`, bound to the caller.
    pub async fn issue_ticket(
        &self,
        principal: &Principal,
        now: Timestamp,
    ) -> Result<IssuedTicket, DomainError> {
        principal.require(Action::LiveUpdates)?;
        let Caller::User { user, session_id } = &principal.caller else {
            return Err(DomainError::Forbidden);
        };
        let secret = random_token("wst");
        let ticket = ConnectionTicket {
            listener: Listener {
                tenant_id: principal.tenant_id(),
                user_id: user.id,
                role: principal.role(),
                session_id: Some(*session_id),
            },
            expires_at: now + CONNECTION_TICKET_TTL,
        };
        self.store
            .put_connection_ticket(&token_digest(&secret), &ticket)
            .await?;
        Ok(IssuedTicket {
            secret,
            expires_at: ticket.expires_at,
        })
    }

    /// Accepts a connection presenting an unused, unexpired ticket.
    pub async fn connect(
        &self,
        secret: Option<&str>,
        connection_id: &str,
        now: Timestamp,
    ) -> StoreResult<Result<Connection, Refusal>> {
        let refused = || Refusal::new("unauthorized", "a valid connection ticket is required");
        let Some(secret) = secret.filter(|s| s.starts_with("wst_") && s.len() < 200) else {
            return Ok(Err(refused()));
        };
        let Some(ticket) = self
            .store
            .take_connection_ticket(&token_digest(secret))
            .await?
            .filter(|t| t.expires_at > now)
        else {
            return Ok(Err(refused()));
        };
        // Issued before the session ended (logout, deactivation, demotion,
        // a new password): worthless now.
        if !still_live(&self.store, &ticket.listener, now).await? {
            return Ok(Err(refused()));
        }
        let connection = Connection {
            id: connection_id.to_owned(),
            listener: ticket.listener,
            connected_at: now,
            expires_at: now + CONNECTION_TTL,
            topics: Default::default(),
        };
        self.store.put_connection(&connection).await?;
        let person = Topic::Person(connection.listener.user_id);
        self.store.subscribe(&connection, &person).await?;
        Ok(Ok(connection))
    }

    /// Closes the sockets of `user` whose session is no longer live or
    /// whose role changed (after a deactivation, a demotion, a logout).
    pub async fn close_ended(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
    ) -> StoreResult<usize> {
        close_ended(&self.store, &self.pusher, tenant, user, now).await
    }

    pub async fn disconnect(&self, connection_id: &str) -> StoreResult<()> {
        self.store.delete_connection(connection_id).await
    }

    /// Handles one client message; every answer (or refusal) is pushed back
    /// on the connection.
    pub async fn receive(
        &self,
        connection_id: &str,
        body: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let Some(connection) = self
            .store
            .connection(connection_id)
            .await?
            .filter(|c| c.expires_at > now)
        else {
            let refusal = Refusal::new("unknown_connection", "reconnect with a new ticket");
            return self
                .reply(connection_id, &ServerMessage::error(refusal, None))
                .await;
        };
        let message = match ClientMessage::parse(body) {
            Ok(m) => m,
            Err(refusal) => {
                return self
                    .reply(connection_id, &ServerMessage::error(refusal, None))
                    .await;
            }
        };
        let Some(principal) = live_principal(&self.store, &connection.listener, now).await? else {
            let refusal = Refusal::new("session_ended", "the session ended; sign in again");
            self.reply(connection_id, &ServerMessage::error(refusal, None))
                .await?;
            return close(&self.store, &self.pusher, connection_id).await;
        };
        let (answer, action) = match message {
            ClientMessage::Subscribe { topic } => (
                self.subscribe(&principal, &connection, &topic).await?,
                "subscribe",
            ),
            ClientMessage::Unsubscribe { topic } => {
                (self.unsubscribe(&connection, &topic).await?, "unsubscribe")
            }
            ClientMessage::Typing {
                ticket_id,
                internal,
            } => (
                self.typing(&connection, &ticket_id, internal, now).await?,
                "typing",
            ),
            ClientMessage::Ping => (
                Ok(Some(ServerMessage::Pong {
                    connection_id: connection.id.clone(),
                    at: now,
                })),
                "ping",
            ),
        };
        match answer {
            Ok(Some(m)) => self.reply(connection_id, &m).await,
            Ok(None) => Ok(()),
            Err(refusal) => {
                self.reply(connection_id, &ServerMessage::error(refusal, Some(action)))
                    .await
            }
        }
    }

    async fn subscribe(
        &self,
        principal: &Principal,
        connection: &Connection,
        raw: &str,
    ) -> StoreResult<Result<Option<ServerMessage>, Refusal>> {
        let topic = match raw.parse::<Topic>() {
            Ok(t) => t,
            Err(r) => return Ok(Err(r)),
        };
        let name = topic.to_string();
        if !connection.topics.contains(&name) {
            if connection.topics.len() >= MAX_TOPICS_PER_CONNECTION {
                return Ok(Err(Refusal::new(
                    "too_many_topics",
                    format!("at most {MAX_TOPICS_PER_CONNECTION} topics per connection"),
                )));
            }
            let listener = &connection.listener;
            let ticket = match topic {
                Topic::Ticket(id) => self.store.ticket(listener.tenant_id, id).await?,
                _ => None,
            };
            // A ticket is followed by whoever may read it now, by the
            // ticket rules (requester, participants, staff; a mail ticket
            // is not an unproven address's); other topics by theirs.
            let allowed = match (topic, &ticket) {
                (Topic::Ticket(_), Some(t)) => {
                    let readable = t.tenant_id == listener.tenant_id
                        && !t.is_deleted()
                        && ensure_visible(principal, t).is_ok();
                    if readable {
                        Ok(())
                    } else {
                        Err(Refusal::not_found())
                    }
                }
                _ => authorize(listener, topic, ticket.as_ref()),
            };
            if let Err(r) = allowed {
                return Ok(Err(r));
            }
            self.store.subscribe(connection, &topic).await?;
        }
        Ok(Ok(Some(ServerMessage::Subscribed { topic: name })))
    }

    async fn unsubscribe(
        &self,
        connection: &Connection,
        raw: &str,
    ) -> StoreResult<Result<Option<ServerMessage>, Refusal>> {
        let topic = match raw.parse::<Topic>() {
            Ok(t) => t,
            Err(r) => return Ok(Err(r)),
        };
        self.store.unsubscribe(connection, &topic).await?;
        Ok(Ok(Some(ServerMessage::Unsubscribed {
            topic: topic.to_string(),
        })))
    }

    /// Relays typing to the others in the ticket's room (staff only for a
    /// note). The sender must follow the ticket.
    async fn typing(
        &self,
        connection: &Connection,
        ticket_id: &str,
        internal: bool,
        now: Timestamp,
    ) -> StoreResult<Result<Option<ServerMessage>, Refusal>> {
        let listener = &connection.listener;
        let Ok(id) = ticket_id.parse() else {
            return Ok(Err(Refusal::not_found()));
        };
        let topic = Topic::Ticket(id);
        if !connection.topics.contains(&topic.to_string()) {
            return Ok(Err(Refusal::new(
                "not_subscribed",
                "subscribe to the ticket first",
            )));
        }
        if internal && !listener.is_staff() {
            return Ok(Err(Refusal::new(
                "forbidden",
                "internal notes are for staff",
            )));
        }
        let message = ServerMessage::Typing {
            ticket_id: id,
            user_id: listener.user_id,
            internal,
        };
        let Ok(bytes) = serde_json::to_vec(&message) else {
            return Err(StoreError::Internal("encoding a message".into()));
        };
        let subscribers = self
            .store
            .subscribers(listener.tenant_id, &topic, now)
            .await?;
        let targets = subscribers
            .into_iter()
            .filter(|s| s.connection_id != connection.id && (!internal || s.role.is_staff()))
            .map(|s| (s, bytes.clone()));
        let sessions = LiveSessions::default();
        fan_out(&self.store, &self.pusher, &sessions, targets, now).await?;
        Ok(Ok(None))
    }

    async fn reply(&self, connection_id: &str, message: &ServerMessage) -> StoreResult<()> {
        let bytes = serde_json::to_vec(message)
            .map_err(|e| StoreError::Internal(format!("encoding a message: {e}")))?;
        if self.pusher.push(connection_id, &bytes).await? == PushResult::Gone {
            self.store.delete_connection(connection_id).await?;
        }
        Ok(())
    }
}

/// Is the listener's person still active in a live session, with the role
/// it connected with?
pub async fn still_live<S: SessionStore>(
    store: &S,
    listener: &Listener,
    now: Timestamp,
) -> StoreResult<bool> {
    Ok(live_principal(store, listener, now).await?.is_some())
}

/// The listener as a principal now, if its session is live with its role.
async fn live_principal<S: SessionStore>(
    store: &S,
    listener: &Listener,
    now: Timestamp,
) -> StoreResult<Option<Principal>> {
    let Some(session) = listener.session_id else {
        return Ok(None);
    };
    let state = store
        .principal_state(listener.tenant_id, listener.user_id, session)
        .await?;
    Ok(state.live(now).filter(|p| p.role() == listener.role))
}

/// Closes a connection and forgets it with its subscriptions.
async fn close<S: ConnectionStore, P: Pusher>(
    store: &S,
    pusher: &P,
    connection_id: &str,
) -> StoreResult<()> {
    pusher.close(connection_id).await?;
    store.delete_connection(connection_id).await
}

/// Closes every socket of `user` that no longer stands for a live session
/// with its role; how many it closed.
pub async fn close_ended<S: ConnectionStore + SessionStore, P: Pusher>(
    store: &S,
    pusher: &P,
    tenant: TenantId,
    user: UserId,
    now: Timestamp,
) -> StoreResult<usize> {
    let mut closed = 0;
    for s in store.subscribers(tenant, &Topic::Person(user), now).await? {
        if !still_live(store, &s.listener(), now).await? {
            close(store, pusher, &s.connection_id).await?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// Pushes each message to its subscriber, a bounded number at a time,
/// after checking once per listener that its session is live with its
/// role: the sockets of ended sessions are closed instead. Connections
/// found gone are deleted with their subscriptions. Fails if any push
/// failed otherwise (after trying them all).
pub async fn fan_out<S: ConnectionStore + SessionStore, P: Pusher>(
    store: &S,
    pusher: &P,
    sessions: &LiveSessions,
    targets: impl Iterator<Item = (Subscriber, Vec<u8>)>,
    now: Timestamp,
) -> StoreResult<FanOut> {
    let targets: Vec<(Subscriber, Vec<u8>)> = targets.collect();
    let mut admitted = Vec::with_capacity(targets.len());
    let mut ended = BTreeSet::new();
    for (s, bytes) in targets {
        if sessions.live(store, &s, now).await? {
            admitted.push((s, bytes));
        } else {
            ended.insert(s.connection_id);
        }
    }
    for connection in &ended {
        close(store, pusher, connection).await?;
    }
    let results: Vec<(String, StoreResult<PushResult>)> = futures::stream::iter(admitted)
        .map(|(s, bytes)| async move {
            let r = pusher.push(&s.connection_id, &bytes).await;
            (s.connection_id, r)
        })
        .buffer_unordered(FAN_OUT_CONCURRENCY)
        .collect()
        .await;
    let mut report = FanOut {
        closed: ended.len(),
        ..FanOut::default()
    };
    let mut failure = None;
    for (connection, result) in results {
        match result {
            Ok(PushResult::Delivered) => report.delivered += 1,
            Ok(PushResult::Gone) => {
                store.delete_connection(&connection).await?;
                report.gone += 1;
            }
            Err(e) => failure = Some(e),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// How long a session found live is taken as live without asking again.
/// The events that end sessions (deactivation, role change, logout, a new
/// password) close their sockets themselves, so this only bounds the cost
/// of pushes: one check per person and session per few seconds, not one
/// per push.
const SESSION_FRESH: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);

type SessionKey = (TenantId, UserId, Role, Option<SessionId>);

/// Sessions checked lately (held by a function instance across the events
/// it routes).
#[derive(Default)]
pub struct LiveSessions {
    seen: std::sync::Mutex<HashMap<SessionKey, (bool, Timestamp)>>,
}

impl LiveSessions {
    async fn live<S: SessionStore>(
        &self,
        store: &S,
        s: &Subscriber,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let key = (s.tenant_id, s.user_id, s.role, s.session_id);
        let cached = self.with(|seen| {
            seen.get(&key)
                .filter(|(_, at)| now.duration_since(*at) < SESSION_FRESH)
                .map(|(ok, _)| *ok)
        });
        if let Some(ok) = cached {
            return Ok(ok);
        }
        let ok = still_live(store, &s.listener(), now).await?;
        self.with(|seen| {
            if seen.len() > 10_000 {
                seen.clear();
            }
            seen.insert(key, (ok, now))
        });
        Ok(ok)
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<SessionKey, (bool, Timestamp)>) -> R) -> R {
        f(&mut self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// What a fan-out did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FanOut {
    pub delivered: usize,
    pub gone: usize,
    /// Sockets of ended sessions, closed instead of pushed to.
    pub closed: usize,
}
