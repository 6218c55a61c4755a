//! The event router: what happens downstream of each outbox event, in
//! steps that are safe to repeat (the stream delivers at least once).
//!
//! 1. Webhooks: one delivery per matching enabled endpoint, with an id
//!    derived from the event and the endpoint (the store refuses a second),
//!    handed to the webhook worker's queue. Marked done per event.
//! 2. In-app notifications: one per person and event (the store refuses a
//!    second one), so a redelivered event adds nothing.
//! 3. Email: the event (and the notifications their owners also want by
//!    mail) handed to the email worker's queue, when it may cause a mail.
//!    Marked done per event; the worker claims each mail before sending,
//!    so a second hand-over sends nothing twice.
//! 4. SLA: the ticket's SLA recomputed from its history on every ticket
//!    and comment event (its next deadline kept in the timer index).
//!    Recomputing is itself safe to repeat.
//! 5. Search: the ticket of every ticket and comment event handed to the
//!    indexer's queue (when search is wired), which re-reads the ticket;
//!    marked done per event, and the queue drops a second hand-over.
//! 6. Knowledge base: a ticket solved with articles linked to it is
//!    counted for the insights, once per event (the count keeps a mark).
//! 7. Triggers: on a change a person or integration made, the tenant's
//!    triggers run to a fixed point and what fired is written as one
//!    change by Switchboard (at most once per event: the write carries a
//!    mark of it); those changes start no new run.
//! 8. Assignment: a change that lets a team's queue move (a ticket come
//!    into the team unassigned, an agent's ticket solved or moved, an
//!    agent online, the team's settings changed) hands out its waiting
//!    tickets, oldest first, to members with room (each a conditional
//!    write: repeating it assigns nothing twice).
//! 9. Live updates: the event to the subscribers of its topics (customers
//!    get the customer view), and each notification to its owner's
//!    `user:{id}` topic. Marked done per event once every push went out;
//!    a retry after a partial push may repeat some (clients dedupe by id).

use crate::accounts::events::UserCreated;
use crate::accounts::ports::TenantStore;
use crate::accounts::ports::UserStore;
use crate::accounts::ports::{OrganizationStore, TeamStore};
use crate::kernel::error::StoreResult;
use crate::kernel::ports::IdempotencyStore;
use crate::notifications::notification::team_named;
use crate::notifications::ports::PreferenceStore;
use crate::routing::ports::StepLog;
use crate::sla::ports::SlaConfigStore;
use crate::sla::ports::TicketSlaStore;
use crate::tickets::events::CommentCreated;
use crate::tickets::ports::FieldSchemaStore;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::kb::insights::count_if_solved_with_article;
use crate::kb::ports::FeedbackStore;
use crate::search::ports::{IndexQueue, IndexTask};

use jiff::Timestamp;

use crate::accounts::ports::SessionStore;
use crate::analytics::ports::AnalyticsStore;
use crate::analytics::record::record;
use crate::email::mail_job::MailJob;
use crate::email::outbound::Notified;
use crate::email::ports::MailQueue;
use crate::kernel::error::StoreError;
use crate::kernel::events::{DomainEvent, EventType};
use crate::kernel::ids::UserId;
use crate::notifications::notification::{
    Facts, Notification, notification, people_named, recipients,
};
use crate::notifications::ports::NotificationStore;
use crate::realtime::model::{ServerMessage, Subscriber, Topic, customer_view, topics_of};
use crate::realtime::ports::{ConnectionStore, Pusher};
use crate::realtime::service::{FanOut, LiveSessions, close_ended, fan_out};
use crate::sla::engine::SlaEngine;
use crate::sla::ports::SlaQueue;
use crate::tickets::fields::FieldSchema;
use crate::tickets::ports::TicketStore;
use crate::tickets::ticket::Ticket;
use crate::webhooks::ports::{DeliveryQueue, WebhookStore};
use crate::webhooks::service::new_delivery;
use crate::webhooks::webhook::{DeliveryStatus, Endpoint};

use crate::assignment::assigner::Assigner;
use crate::assignment::ports::{AgentStore, TeamAssignmentStore};
use crate::automation::events::notified_endpoint;
use crate::automation::firing::{Fired, fire};
use crate::automation::ports::TriggerStore;
use crate::kernel::error::DomainError;
use crate::tickets::service::Ticketing;

pub const STEP_PUSH: &str = "push";
pub const STEP_WEBHOOKS: &str = "webhooks";
pub const STEP_MAIL: &str = "mail";
pub const STEP_SEARCH: &str = "search";
pub const STEP_ANALYTICS: &str = crate::analytics::record::STEP;

pub struct EventRouter<S, P, Q, M, C> {
    store: S,
    ticketing: Ticketing<S>,
    assigner: Assigner<S>,
    pusher: P,
    queue: Q,
    mail: M,
    sla: SlaEngine<S, C>,
    /// Subscribers' sessions checked lately, across the events routed.
    sessions: LiveSessions,
    /// The search indexer's queue, when search is wired.
    search: Option<Arc<dyn IndexQueue>>,
}

/// Events that can cause a mail whatever the preferences.
fn may_mail(event: &DomainEvent) -> bool {
    match event.kind {
        EventType::TicketCreated
        | EventType::PasswordResetRequested
        | EventType::RuleMailRequested => true,
        EventType::CommentCreated => event
            .payload::<CommentCreated>()
            .is_some_and(|c| c.public && !c.opening),
        EventType::UserCreated => event
            .payload::<UserCreated>()
            .is_some_and(|u| u.invited || u.verify),
        // A satisfaction survey, when the tenant asks for them (the worker
        // reads the setting).
        EventType::TicketStatusChanged => event
            .payload::<crate::tickets::events::StatusChanged>()
            .is_some_and(|c| c.to == crate::tickets::ticket::Status::Solved),
        _ => false,
    }
}

/// What routing one event did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Routed {
    /// Webhook deliveries queued; `None` when an earlier delivery had.
    pub webhooks: Option<usize>,
    /// Notifications that apply (new or already recorded).
    pub notifications: usize,
    /// Of those, the ones this delivery recorded.
    pub new_notifications: usize,
    /// Whether the event went to the email worker (`None` when an earlier
    /// delivery had handed it over).
    pub mailed: Option<bool>,
    /// `None` when an earlier delivery had already pushed.
    pub pushed: Option<FanOut>,
    /// The ticket's next SLA deadline after recomputing.
    pub sla_deadline: Option<Timestamp>,
    /// Sockets closed because the event ended their person's session
    /// (a deactivation, a change of role).
    pub closed_sockets: usize,
    /// Whether the ticket went to the search indexer (by this delivery).
    pub indexed: bool,
    /// Whether this delivery counted the ticket as solved with a linked
    /// article.
    pub solved_with_article: bool,
    /// The event was added to the tenant's daily aggregates.
    pub counted: bool,
    /// The triggers this delivery ran and wrote.
    pub triggered: Option<Fired>,
    /// Tickets the assigner handed out (ticket, agent).
    pub assigned: Vec<(crate::kernel::ids::TicketId, UserId)>,
}

/// Ticket and comment changes can move an SLA clock, and change what
/// search finds; announcements do not (the worker recomputes after making
/// them).
fn affects_sla(kind: EventType) -> bool {
    let name = kind.as_str();
    name.starts_with("ticket.") || name.starts_with("comment.")
}

/// What the search indexer re-reads after `event`: the ticket it changed,
/// the person, or the knowledge base article.
fn index_task(event: &DomainEvent) -> Option<IndexTask> {
    let tenant = event.tenant_id;
    if event.kind.as_str().starts_with("article.") {
        return event
            .subject
            .article_id
            .map(|article_id| IndexTask::Article {
                tenant_id: tenant,
                article_id,
            });
    }
    if affects_sla(event.kind) {
        return event
            .subject
            .ticket_id
            .map(|ticket_id| IndexTask::ticket_change(tenant, ticket_id));
    }
    let person = matches!(
        event.kind,
        EventType::UserCreated
            | EventType::UserUpdated
            | EventType::UserDeactivated
            | EventType::UserErased
    );
    event
        .subject
        .user_id
        .filter(|_| person)
        .map(|user_id| IndexTask::Person {
            tenant_id: tenant,
            user_id,
        })
}

impl<S, P, Q, M, C> EventRouter<S, P, Q, M, C>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + TenantStore
        + NotificationStore
        + PreferenceStore
        + ConnectionStore
        + SessionStore
        + StepLog
        + WebhookStore
        + FeedbackStore
        + TriggerStore
        + AgentStore
        + TeamAssignmentStore
        + AnalyticsStore,
    S: SlaConfigStore + TicketSlaStore + Clone,
    P: Pusher,
    Q: DeliveryQueue,
    M: MailQueue,
    C: SlaQueue,
{
    pub fn new(store: S, pusher: P, queue: Q, mail: M, checks: C) -> Self {
        Self {
            sla: SlaEngine::new(store.clone(), checks),
            ticketing: Ticketing::new(store.clone()),
            assigner: Assigner::new(store.clone()),
            store,
            pusher,
            queue,
            mail,
            sessions: LiveSessions::default(),
            search: None,
        }
    }

    /// Hands every ticket's changes to the search indexer too.
    pub fn with_search(mut self, queue: Arc<dyn IndexQueue>) -> Self {
        self.search = Some(queue);
        self
    }

    pub async fn route(&self, event: &DomainEvent, now: Timestamp) -> StoreResult<Routed> {
        let tenant = event.tenant_id;
        let ticket = match event.subject.ticket_id {
            Some(id) => self.store.ticket(tenant, id).await?,
            None => None,
        };
        let mut routed = Routed::default();
        // What an earlier delivery of this event already did (one read).
        let done = self.store.steps_completed(tenant, event.id).await?;
        let finished = |step: &str| done.iter().any(|d| d == step);
        if event.kind != EventType::WebhookTest && !finished(STEP_WEBHOOKS) {
            routed.webhooks = Some(self.webhooks(event, now).await?);
            self.store
                .complete_step(tenant, event.id, STEP_WEBHOOKS)
                .await?;
        }
        let (notifications, notify) = match &ticket {
            Some(t) => self.notifications(event, t).await?,
            None => (Vec::new(), Vec::new()),
        };
        routed.notifications = notifications.len();
        for n in &notifications {
            if self.store.add_notification(n).await? {
                routed.new_notifications += 1;
            }
        }
        if !finished(STEP_MAIL) {
            let hand_over = may_mail(event) || !notify.is_empty();
            if hand_over {
                self.mail
                    .enqueue_mail(&MailJob {
                        event: event.clone(),
                        notify,
                    })
                    .await?;
            }
            routed.mailed = Some(hand_over);
            self.store
                .complete_step(tenant, event.id, STEP_MAIL)
                .await?;
        }
        let mut sla_now = None;
        if let Some(ticket_id) = event.subject.ticket_id
            && affects_sla(event.kind)
        {
            sla_now = self.sla.recompute(tenant, ticket_id, now).await?;
            routed.sla_deadline = sla_now.as_ref().and_then(|s| s.next_deadline);
        }
        if matches!(
            event.kind,
            EventType::UserDeactivated
                | EventType::UserUpdated
                | EventType::UserErased
                | EventType::SessionEnded
        ) && let Some(user) = event.subject.user_id
        {
            routed.closed_sockets =
                close_ended(&self.store, &self.pusher, tenant, user, now).await?;
        }
        if let (Some(search), Some(task)) = (&self.search, index_task(event))
            && !finished(STEP_SEARCH)
        {
            search.send(task, event.id.to_string()).await?;
            self.store
                .complete_step(tenant, event.id, STEP_SEARCH)
                .await?;
            routed.indexed = true;
        }
        if event.kind == EventType::TicketStatusChanged {
            routed.solved_with_article = count_if_solved_with_article(&self.store, event).await?;
        }
        let domain = |step: &'static str| {
            move |e: DomainError| match e {
                DomainError::Store(e) => e,
                other => StoreError::Internal(format!("{step}: {other}")),
            }
        };
        routed.triggered = fire(&self.store, &self.ticketing, event, now)
            .await
            .map_err(domain("running triggers"))?;
        for team in self
            .assigner
            .teams_woken(event)
            .await
            .map_err(domain("assigning"))?
        {
            let given = self
                .assigner
                .drain(tenant, team, now)
                .await
                .map_err(domain("assigning"))?;
            routed.assigned.extend(given);
        }
        if !finished(STEP_PUSH) {
            routed.pushed = Some(self.push(event, &notifications, now).await?);
            self.store
                .complete_step(tenant, event.id, STEP_PUSH)
                .await?;
        }
        // Last: its rows are shared by the tenant's events, so a write that
        // loses a race delays no other step.
        if !finished(STEP_ANALYTICS) {
            // The count and this step's mark are one transaction.
            let sla = sla_now.as_ref().map(|s| &s.sla);
            routed.counted = record(&self.store, event, ticket.as_ref(), sla).await?;
        }
        Ok(routed)
    }

    /// Queues a delivery to each enabled endpoint that wants the event.
    async fn webhooks(&self, event: &DomainEvent, now: Timestamp) -> StoreResult<usize> {
        let endpoints = self.store.endpoints(event.tenant_id).await?;
        let mut queued = 0;
        // A trigger's notification goes to the endpoint it names only.
        let named = notified_endpoint(event);
        let wanted = |e: &&Endpoint| match named {
            Some(id) => e.id == id,
            None => e.events.matches(event.kind.as_str()),
        };
        for endpoint in endpoints.iter().filter(|e| e.enabled).filter(wanted) {
            let delivery = new_delivery(endpoint, event, now)?;
            let enqueue = self.store.create_delivery(&delivery).await? || {
                // An earlier try recorded it but may have failed to queue it.
                let stored = self
                    .store
                    .delivery(delivery.tenant_id, endpoint.id, delivery.id)
                    .await?;
                stored.is_some_and(|d| d.status == DeliveryStatus::Pending && d.attempts.is_empty())
            };
            if enqueue {
                self.queue.enqueue(&delivery.reference()).await?;
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// The notifications an event causes, after each person's preferences,
    /// and those their owners also want by mail.
    async fn notifications(
        &self,
        event: &DomainEvent,
        ticket: &Ticket,
    ) -> StoreResult<(Vec<Notification>, Vec<Notified>)> {
        let tenant = event.tenant_id;
        let team_members: BTreeSet<UserId> = match team_named(event) {
            Some(team) => self
                .store
                .team(tenant, team)
                .await?
                .map(|t| t.members)
                .unwrap_or_default(),
            None => BTreeSet::new(),
        };
        let mut named = people_named(event, ticket);
        named.extend(team_members.iter().copied());
        let ids: Vec<UserId> = named.into_iter().collect();
        let people: BTreeMap<UserId, _> = self
            .store
            .users(tenant, &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let chosen = recipients(&Facts {
            event,
            ticket,
            team_members: &team_members,
            people: &people,
        });
        if chosen.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let who: Vec<UserId> = chosen.keys().copied().collect();
        let preferences = self.store.preferences(tenant, &who).await?;
        let notify = chosen
            .iter()
            .filter(|(user, kind)| preferences.get(user).is_some_and(|p| p.wants_mail(**kind)))
            .map(|(user, kind)| Notified {
                user_id: *user,
                kind: *kind,
            })
            .collect();
        let notifications = chosen
            .into_iter()
            .filter(|(user, kind)| preferences.get(user).is_none_or(|p| p.wants(*kind)))
            .map(|(user, kind)| notification(event, ticket, user, kind))
            .collect();
        Ok((notifications, notify))
    }

    async fn push(
        &self,
        event: &DomainEvent,
        notifications: &[Notification],
        now: Timestamp,
    ) -> StoreResult<FanOut> {
        let tenant = event.tenant_id;
        let mut targets: Vec<(Subscriber, Vec<u8>)> = Vec::new();
        let mut schema: Option<FieldSchema> = None;
        for topic in topics_of(event) {
            let name = topic.to_string();
            let staff_message = encode(&ServerMessage::Event {
                topic: name.clone(),
                event: event.clone(),
            })?;
            let mut customer_message: Option<Option<Vec<u8>>> = None;
            for s in self.store.subscribers(tenant, &topic, now).await? {
                if s.role.is_staff() {
                    targets.push((s, staff_message.clone()));
                    continue;
                }
                if topic == Topic::Queue {
                    continue;
                }
                if customer_message.is_none() {
                    if schema.is_none() {
                        schema = Some(self.store.field_schema(tenant).await?);
                    }
                    let view = schema.as_ref().and_then(|sc| customer_view(event, sc));
                    customer_message = Some(
                        view.map(|e| {
                            encode(&ServerMessage::Event {
                                topic: name.clone(),
                                event: e,
                            })
                        })
                        .transpose()?,
                    );
                }
                if let Some(Some(bytes)) = &customer_message {
                    targets.push((s, bytes.clone()));
                }
            }
        }
        for n in notifications {
            let topic = Topic::User(n.user_id);
            let bytes = encode(&ServerMessage::Notification {
                topic: topic.to_string(),
                notification: n.clone(),
            })?;
            for s in self.store.subscribers(tenant, &topic, now).await? {
                targets.push((s, bytes.clone()));
            }
        }
        fan_out(
            &self.store,
            &self.pusher,
            &self.sessions,
            targets.into_iter(),
            now,
        )
        .await
    }
}

fn encode(message: &ServerMessage) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(message)
        .map_err(|e| StoreError::Internal(format!("encoding a message: {e}")))
}
