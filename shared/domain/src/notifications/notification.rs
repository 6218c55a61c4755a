//! In-app notifications: who hears about an event, and why.
//!
//! The rule is a pure function of the event and the facts the router
//! gathers (the ticket, the team, the people named). One notification per
//! person and event, never to the person who caused it.

use crate::kernel::ids::TeamId;
use crate::sla::events::SlaAnnounced;
use crate::tickets::events::CommentCreated;
use crate::tickets::events::TicketAssigned;
use crate::tickets::events::TicketCreated;
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::user::{Role, User};
use crate::kernel::events::{Actor, ActorType, DomainEvent, EventType};
use crate::kernel::ids::{CommentId, EventId, NotificationId, TenantId, TicketId, UserId};
use crate::kernel::validation::Invalid;
use crate::tickets::ticket::Ticket;

/// Why someone is notified. Ordered by precedence: when one event concerns
/// a person for several reasons, the first one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A ticket was assigned to you.
    Assigned,
    /// Someone wrote `@usr_…` (you) in a comment.
    Mentioned,
    /// The requester replied on a ticket assigned to you.
    CustomerReplied,
    /// A ticket was routed to a team you are in.
    TeamAssigned,
    /// A ticket you requested changed status.
    StatusChanged,
    /// Switchboard disabled a webhook endpoint (admins).
    WebhookDisabled,
    /// A ticket you (or your team) work on is about to breach its SLA.
    SlaWarning,
    /// A ticket you (or your team) work on breached its SLA.
    SlaBreached,
    /// A ticket you follow has a new reply or note, or changed status.
    Followed,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 9] = [
        NotificationKind::Assigned,
        NotificationKind::Mentioned,
        NotificationKind::CustomerReplied,
        NotificationKind::TeamAssigned,
        NotificationKind::StatusChanged,
        NotificationKind::WebhookDisabled,
        NotificationKind::SlaWarning,
        NotificationKind::SlaBreached,
        NotificationKind::Followed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "assigned",
            NotificationKind::Mentioned => "mentioned",
            NotificationKind::CustomerReplied => "customer_replied",
            NotificationKind::TeamAssigned => "team_assigned",
            NotificationKind::StatusChanged => "status_changed",
            NotificationKind::WebhookDisabled => "webhook_disabled",
            NotificationKind::SlaWarning => "sla_warning",
            NotificationKind::SlaBreached => "sla_breached",
            NotificationKind::Followed => "followed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                Invalid::new(
                    "unknown_kind",
                    format!(
                        "one of {}",
                        Self::ALL.map(NotificationKind::as_str).join(", ")
                    ),
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: NotificationId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub event_id: EventId,
    /// The event behind it; none for what Switchboard itself reports.
    pub event_type: Option<EventType>,
    pub ticket_id: Option<TicketId>,
    pub comment_id: Option<CommentId>,
    pub actor: Actor,
    /// One line for the bell menu, e.g. `#1042 assigned to you: Refund`.
    pub title: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// A person's choice of what to be notified of (everything in the app by
/// default), and of what also by mail (nothing by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub muted: BTreeSet<NotificationKind>,
    #[serde(default)]
    pub emailed: BTreeSet<NotificationKind>,
}

impl Preferences {
    pub fn wants(&self, kind: NotificationKind) -> bool {
        !self.muted.contains(&kind)
    }

    pub fn wants_mail(&self, kind: NotificationKind) -> bool {
        self.wants(kind) && self.emailed.contains(&kind)
    }
}

/// What the router knows when it applies the rule.
pub struct Facts<'a> {
    pub event: &'a DomainEvent,
    pub ticket: &'a Ticket,
    /// Members of the team named by an assignment event.
    pub team_members: &'a BTreeSet<UserId>,
    /// The people the event names (assignee, requester, mentioned), as they
    /// are now.
    pub people: &'a BTreeMap<UserId, User>,
}

/// The people to notify about an event, each with the reason that wins.
pub fn recipients(facts: &Facts<'_>) -> BTreeMap<UserId, NotificationKind> {
    let event = facts.event;
    let ticket = facts.ticket;
    let mut found: BTreeMap<UserId, NotificationKind> = BTreeMap::new();
    let mut add = |user: UserId, kind: NotificationKind| {
        found
            .entry(user)
            .and_modify(|k| *k = (*k).min(kind))
            .or_insert(kind);
    };
    match event.kind {
        EventType::TicketCreated | EventType::TicketAssigned => {
            let (assignee, previous, team, previous_team) = match event.kind {
                EventType::TicketCreated => match event.payload::<TicketCreated>() {
                    Some(c) => (c.assignee_id, None, c.team_id, None),
                    None => (None, None, None, None),
                },
                _ => match event.payload::<TicketAssigned>() {
                    Some(a) => (
                        a.assignee_id,
                        a.previous_assignee_id,
                        a.team_id,
                        a.previous_team_id,
                    ),
                    None => (None, None, None, None),
                },
            };
            if let Some(assignee) = assignee.filter(|a| Some(*a) != previous) {
                add(assignee, NotificationKind::Assigned);
            }
            if team.is_some() && team != previous_team {
                for &member in facts.team_members {
                    add(member, NotificationKind::TeamAssigned);
                }
            }
        }
        EventType::CommentCreated => {
            let Some(comment) = event.payload::<CommentCreated>() else {
                return BTreeMap::new();
            };
            // The message that opened the ticket is not a reply.
            let by_requester = actor_user(&event.actor) == Some(ticket.requester_id);
            if comment.public
                && !comment.opening
                && by_requester
                && let Some(assignee) = ticket.assignee_id
            {
                add(assignee, NotificationKind::CustomerReplied);
            }
            for mentioned in comment.mentions {
                add(mentioned, NotificationKind::Mentioned);
            }
            if !comment.opening {
                for &follower in &ticket.followers {
                    add(follower, NotificationKind::Followed);
                }
            }
        }
        EventType::TicketStatusChanged => {
            add(ticket.requester_id, NotificationKind::StatusChanged);
            for &follower in &ticket.followers {
                add(follower, NotificationKind::Followed);
            }
        }
        EventType::SlaWarning | EventType::SlaBreached => {
            let kind = if event.kind == EventType::SlaWarning {
                NotificationKind::SlaWarning
            } else {
                NotificationKind::SlaBreached
            };
            // The assignee, or the team while nobody is assigned.
            match ticket.assignee_id {
                Some(assignee) => add(assignee, kind),
                None => {
                    for &member in facts.team_members {
                        add(member, kind);
                    }
                }
            }
            for extra in event
                .payload::<SlaAnnounced>()
                .map(|a| a.notify)
                .unwrap_or_default()
            {
                add(extra, kind);
            }
        }
        _ => {}
    }
    let actor = actor_user(&event.actor);
    found.retain(|user, kind| {
        let Some(person) = facts.people.get(user) else {
            // Team members are known by id only; the router loads them too.
            return false;
        };
        let suits = match kind {
            // Customers hear about their own tickets only.
            NotificationKind::StatusChanged => person.role == Role::Customer,
            // Mentions and routing concern the staff who work the ticket.
            _ => person.role.is_staff(),
        };
        Some(*user) != actor && person.is_active() && suits
    });
    found
}

fn actor_user(actor: &Actor) -> Option<UserId> {
    match actor.kind {
        ActorType::User => actor.id.as_deref().and_then(|s| s.parse().ok()),
        _ => None,
    }
}

/// The team an event hands the ticket to (a new ticket's, an assignment's,
/// or the one an SLA announcement concerns).
pub fn team_named(event: &DomainEvent) -> Option<TeamId> {
    match event.kind {
        EventType::TicketCreated => event.payload::<TicketCreated>()?.team_id,
        EventType::TicketAssigned => event.payload::<TicketAssigned>()?.team_id,
        EventType::SlaWarning | EventType::SlaBreached => event.payload::<SlaAnnounced>()?.team_id,
        _ => None,
    }
}

/// The people whose records the rule needs (requester, assignee, the
/// assignee an event names, the mentioned, and those an SLA announcement's
/// escalation notifies).
pub fn people_named(event: &DomainEvent, ticket: &Ticket) -> BTreeSet<UserId> {
    let mut out = BTreeSet::from([ticket.requester_id]);
    out.extend(ticket.assignee_id);
    out.extend(ticket.followers.iter().copied());
    match event.kind {
        EventType::TicketCreated => {
            out.extend(event.payload::<TicketCreated>().and_then(|c| c.assignee_id));
        }
        EventType::TicketAssigned => {
            out.extend(
                event
                    .payload::<TicketAssigned>()
                    .and_then(|a| a.assignee_id),
            );
        }
        EventType::CommentCreated => {
            out.extend(
                event
                    .payload::<CommentCreated>()
                    .map(|c| c.mentions)
                    .unwrap_or_default(),
            );
        }
        EventType::SlaWarning | EventType::SlaBreached => {
            out.extend(
                event
                    .payload::<SlaAnnounced>()
                    .map(|a| a.notify)
                    .unwrap_or_default(),
            );
        }
        _ => {}
    }
    out
}

/// The one-line summary shown for a notification.
pub fn title(kind: NotificationKind, ticket: &Ticket) -> String {
    let n = ticket.number;
    let subject = &ticket.subject;
    match kind {
        NotificationKind::Assigned => format!("#{n} assigned to you: {subject}"),
        NotificationKind::TeamAssigned => format!("#{n} assigned to your team: {subject}"),
        NotificationKind::Mentioned => format!("You were mentioned on #{n}: {subject}"),
        NotificationKind::CustomerReplied => format!("New reply on #{n}: {subject}"),
        NotificationKind::StatusChanged => {
            format!("Your request #{n} is now {}: {subject}", ticket.status)
        }
        NotificationKind::WebhookDisabled => format!("A webhook was disabled (#{n})"),
        NotificationKind::SlaWarning => format!("#{n} is about to breach its SLA: {subject}"),
        NotificationKind::SlaBreached => format!("#{n} breached its SLA: {subject}"),
        NotificationKind::Followed => format!("#{n}, which you follow, has news: {subject}"),
    }
}

/// The notification for one recipient.
pub fn notification(
    event: &DomainEvent,
    ticket: &Ticket,
    user: UserId,
    kind: NotificationKind,
) -> Notification {
    Notification {
        id: NotificationId::from_ulid(event.id.ulid()),
        tenant_id: event.tenant_id,
        user_id: user,
        kind,
        event_id: event.id,
        event_type: Some(event.kind),
        ticket_id: Some(ticket.id),
        comment_id: event.subject.comment_id,
        actor: event.actor.clone(),
        title: title(kind, ticket),
        created_at: event.occurred_at,
        read_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::user::Email;
    use crate::kernel::events::Subject;
    use crate::tickets::ticket::Status;
    use serde_json::{Value, json};

    fn person(tenant: TenantId, role: Role) -> User {
        let email = Email::parse(&format!("{}@example.com", UserId::new().ulid()))
            .unwrap_or_else(|_| unreachable!());
        User::new(tenant, email, "P".into(), role, None, Timestamp::UNIX_EPOCH)
    }

    struct World {
        tenant: TenantId,
        customer: User,
        agent: User,
        other_agent: User,
        ticket: Ticket,
    }

    fn world() -> World {
        let tenant = TenantId::new();
        let customer = person(tenant, Role::Customer);
        let agent = person(tenant, Role::Agent);
        let other_agent = person(tenant, Role::Agent);
        let ticket = crate::tickets::ticket::sample(tenant, customer.id, Some(agent.id));
        World {
            tenant,
            customer,
            agent,
            other_agent,
            ticket,
        }
    }

    fn event(w: &World, kind: EventType, actor: &User, data: Value) -> DomainEvent {
        DomainEvent {
            id: crate::kernel::ids::EventId::new(),
            kind,
            tenant_id: w.tenant,
            occurred_at: Timestamp::UNIX_EPOCH,
            actor: Actor::user(actor.id),
            subject: Subject {
                ticket_id: Some(w.ticket.id),
                ..Subject::default()
            },
            data,
        }
    }

    fn run(w: &World, e: &DomainEvent, team: &[UserId]) -> Vec<(UserId, NotificationKind)> {
        let people = [&w.customer, &w.agent, &w.other_agent]
            .into_iter()
            .map(|u| (u.id, u.clone()))
            .collect();
        let team = team.iter().copied().collect();
        recipients(&Facts {
            event: e,
            ticket: &w.ticket,
            team_members: &team,
            people: &people,
        })
        .into_iter()
        .collect()
    }

    #[test]
    fn the_new_assignee_is_notified_but_not_when_they_assigned_themselves() {
        let w = world();
        let data = json!({"assigneeId": w.agent.id, "previousAssigneeId": null, "teamId": null, "previousTeamId": null});
        let by_other = event(&w, EventType::TicketAssigned, &w.other_agent, data.clone());
        assert_eq!(
            run(&w, &by_other, &[]),
            vec![(w.agent.id, NotificationKind::Assigned)]
        );
        let by_self = event(&w, EventType::TicketAssigned, &w.agent, data);
        assert!(run(&w, &by_self, &[]).is_empty());
    }

    #[test]
    fn a_team_assignment_reaches_its_members_and_the_assignee_hears_it_once() {
        let w = world();
        let team = json!(crate::kernel::ids::TeamId::new());
        let data = json!({"assigneeId": w.agent.id, "previousAssigneeId": null, "teamId": team, "previousTeamId": null});
        let e = event(&w, EventType::TicketAssigned, &w.customer, data);
        let mut got = run(&w, &e, &[w.agent.id, w.other_agent.id]);
        got.sort();
        let mut want = vec![
            (w.agent.id, NotificationKind::Assigned),
            (w.other_agent.id, NotificationKind::TeamAssigned),
        ];
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn an_unchanged_assignee_is_not_renotified() {
        let w = world();
        let data = json!({"assigneeId": w.agent.id, "previousAssigneeId": w.agent.id, "teamId": "team_01J0000000000000000000000", "previousTeamId": null});
        let e = event(&w, EventType::TicketAssigned, &w.other_agent, data);
        assert!(run(&w, &e, &[]).is_empty());
    }

    #[test]
    fn a_customer_reply_notifies_the_assignee_and_an_agent_reply_does_not() {
        let w = world();
        let reply = event(
            &w,
            EventType::CommentCreated,
            &w.customer,
            json!({"public": true, "mentions": []}),
        );
        assert_eq!(
            run(&w, &reply, &[]),
            vec![(w.agent.id, NotificationKind::CustomerReplied)]
        );
        let by_agent = event(
            &w,
            EventType::CommentCreated,
            &w.other_agent,
            json!({"public": true, "mentions": []}),
        );
        assert!(run(&w, &by_agent, &[]).is_empty());
    }

    #[test]
    fn the_message_that_opens_a_ticket_is_not_a_reply() {
        let w = world();
        let opening = event(
            &w,
            EventType::CommentCreated,
            &w.customer,
            json!({"public": true, "mentions": [], "opening": true}),
        );
        assert!(run(&w, &opening, &[]).is_empty());
    }

    #[test]
    fn mentions_reach_staff_only_and_never_the_author() {
        let w = world();
        let note = event(
            &w,
            EventType::CommentCreated,
            &w.agent,
            json!({"public": false, "mentions": [w.other_agent.id, w.customer.id, w.agent.id]}),
        );
        assert_eq!(
            run(&w, &note, &[]),
            vec![(w.other_agent.id, NotificationKind::Mentioned)]
        );
    }

    #[test]
    fn a_status_change_reaches_the_customer_who_asked_unless_they_caused_it() {
        let w = world();
        let data = json!({"from": "open", "to": "solved"});
        let solved = event(&w, EventType::TicketStatusChanged, &w.agent, data.clone());
        assert_eq!(
            run(&w, &solved, &[]),
            vec![(w.customer.id, NotificationKind::StatusChanged)]
        );
        let own = event(&w, EventType::TicketStatusChanged, &w.customer, data);
        assert!(run(&w, &own, &[]).is_empty());
    }

    #[test]
    fn inactive_people_are_not_notified() {
        let mut w = world();
        w.agent.status = crate::accounts::user::UserStatus::Deactivated;
        let reply = event(
            &w,
            EventType::CommentCreated,
            &w.customer,
            json!({"public": true, "mentions": []}),
        );
        assert!(run(&w, &reply, &[]).is_empty());
    }

    #[test]
    fn titles_name_the_ticket() {
        let w = world();
        let mut t = w.ticket.clone();
        t.status = Status::Solved;
        assert!(title(NotificationKind::StatusChanged, &t).contains("is now solved"));
        assert!(title(NotificationKind::Assigned, &t).starts_with(&format!("#{}", t.number)));
    }

    #[test]
    fn kinds_parse_from_their_names() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Ok(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert!(NotificationKind::parse("everything").is_err());
    }
}
