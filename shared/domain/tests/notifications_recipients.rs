//! Who hears about an event (`notifications::notification::recipients`):
//! a pure rule over the event and what the router knows of the ticket,
//! the team and the people named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use switchboard_domain::accounts::user::{Email, Role, User, UserStatus};
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, Payload, Subject};
use switchboard_domain::kernel::ids::{CommentId, SlaPolicyId, TeamId, TenantId, TicketId, UserId};
use switchboard_domain::notifications::notification::{Facts, NotificationKind, recipients};
use switchboard_domain::sla::evaluate::TargetKind;
use switchboard_domain::sla::events::SlaAnnounced;
use switchboard_domain::tickets::events::{
    CommentCreated, PriorityChanged, StatusChanged as StatusMove, TicketAssigned, TicketCreated,
};
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Ticket, TicketType};

use NotificationKind::*;

/// A helpdesk's people and one of its tickets, requested by `customer`
/// and assigned to `agent`.
struct Desk {
    tenant: TenantId,
    customer: User,
    agent: User,
    colleague: User,
    admin: User,
    ticket: Ticket,
}

fn person(tenant: TenantId, role: Role, name: &str) -> User {
    let email = Email::parse(&format!("{}@example.com", name.to_lowercase())).unwrap();
    User::new(
        tenant,
        email,
        name.into(),
        role,
        None,
        Timestamp::UNIX_EPOCH,
    )
}

fn ticket(tenant: TenantId, requester: UserId, assignee: Option<UserId>) -> Ticket {
    Ticket {
        id: TicketId::new(),
        tenant_id: tenant,
        number: 1042,
        subject: "Refund".into(),
        status: Status::Open,
        priority: Priority::Normal,
        kind: TicketType::Question,
        channel: Channel::Web,
        requester_id: requester,
        organization_id: None,
        assignee_id: assignee,
        team_id: None,
        tags: BTreeSet::new(),
        custom_fields: BTreeMap::new(),
        cc: BTreeSet::new(),
        created_by: Actor::user(requester),
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::UNIX_EPOCH,
        first_response_at: None,
        solved_at: None,
        closed_at: None,
        deleted_at: None,
        version: 1,
        public_version: 1,
        public_updated_at: Timestamp::UNIX_EPOCH,
        merged_into: None,
        merged_from: Default::default(),
        followers: Default::default(),
        satisfaction: None,
        clocks: Default::default(),
    }
}

fn desk() -> Desk {
    let tenant = TenantId::new();
    let customer = person(tenant, Role::Customer, "Casey");
    let agent = person(tenant, Role::Agent, "Alex");
    let colleague = person(tenant, Role::Agent, "Cole");
    let admin = person(tenant, Role::Admin, "Ada");
    let ticket = ticket(tenant, customer.id, Some(agent.id));
    Desk {
        tenant,
        customer,
        agent,
        colleague,
        admin,
        ticket,
    }
}

impl Desk {
    fn everyone(&self) -> BTreeMap<UserId, User> {
        [&self.customer, &self.agent, &self.colleague, &self.admin]
            .into_iter()
            .map(|u| (u.id, u.clone()))
            .collect()
    }

    fn event<P: Payload>(&self, kind: EventType, by: &Actor, payload: &P) -> DomainEvent {
        DomainEvent::new(
            kind,
            self.tenant,
            Timestamp::UNIX_EPOCH,
            by.clone(),
            Subject {
                ticket_id: Some(self.ticket.id),
                comment_id: (kind == EventType::CommentCreated).then(CommentId::new),
                ..Subject::default()
            },
            payload,
        )
    }

    /// The rule's answer, with `team` as the team's members and everyone
    /// of the desk known.
    fn run(&self, event: &DomainEvent, team: &[UserId]) -> Vec<(UserId, NotificationKind)> {
        self.run_with(event, team, &self.everyone())
    }

    fn run_with(
        &self,
        event: &DomainEvent,
        team: &[UserId],
        people: &BTreeMap<UserId, User>,
    ) -> Vec<(UserId, NotificationKind)> {
        let team: BTreeSet<UserId> = team.iter().copied().collect();
        recipients(&Facts {
            event,
            ticket: &self.ticket,
            team_members: &team,
            people,
        })
        .into_iter()
        .collect()
    }
}

fn by(user: &User) -> Actor {
    Actor::user(user.id)
}

fn assigned(
    to: Option<UserId>,
    from: Option<UserId>,
    team: Option<TeamId>,
    from_team: Option<TeamId>,
) -> TicketAssigned {
    TicketAssigned {
        assignee_id: to,
        previous_assignee_id: from,
        team_id: team,
        previous_team_id: from_team,
    }
}

fn comment(public: bool, mentions: &[UserId], opening: bool) -> CommentCreated {
    CommentCreated {
        public,
        body: "Text".into(),
        author_id: None,
        mentions: mentions.iter().copied().collect(),
        opening,
        by_staff: false,
        files: 0,
        changes: Vec::new(),
    }
}

fn sorted(mut v: Vec<(UserId, NotificationKind)>) -> Vec<(UserId, NotificationKind)> {
    v.sort();
    v
}

fn announced(team: Option<TeamId>, notify: &[UserId]) -> SlaAnnounced {
    SlaAnnounced {
        target: TargetKind::FirstResponse,
        started_at: Timestamp::UNIX_EPOCH,
        due_at: Some(Timestamp::UNIX_EPOCH),
        warn_at: None,
        policy_id: SlaPolicyId::new(),
        policy_name: "Standard".into(),
        team_id: team,
        notify: notify.to_vec(),
    }
}

#[test]
fn a_new_assignee_is_told_of_the_assignment() {
    let d = desk();
    let e = d.event(
        EventType::TicketAssigned,
        &by(&d.admin),
        &assigned(Some(d.agent.id), None, None, None),
    );
    assert_eq!(d.run(&e, &[]), [(d.agent.id, Assigned)]);
}

#[test]
fn people_who_assign_themselves_are_not_told() {
    let d = desk();
    let e = d.event(
        EventType::TicketAssigned,
        &by(&d.agent),
        &assigned(Some(d.agent.id), None, None, None),
    );
    assert!(d.run(&e, &[]).is_empty());
}

#[test]
fn an_unchanged_assignee_is_not_told_again() {
    let d = desk();
    let same = assigned(Some(d.agent.id), Some(d.agent.id), None, None);
    let e = d.event(EventType::TicketAssigned, &by(&d.admin), &same);
    assert!(d.run(&e, &[]).is_empty());
}

#[test]
fn a_ticket_created_already_assigned_tells_its_assignee() {
    let d = desk();
    let created = TicketCreated {
        number: 1042,
        subject: "Refund".into(),
        status: Status::Open,
        priority: Priority::Normal,
        channel: Channel::Web,
        requester_id: d.customer.id,
        assignee_id: Some(d.colleague.id),
        team_id: None,
    };
    let e = d.event(EventType::TicketCreated, &by(&d.admin), &created);
    assert_eq!(d.run(&e, &[]), [(d.colleague.id, Assigned)]);
}

#[test]
fn routing_to_a_team_tells_its_members_and_the_assignee_hears_it_once_as_assigned() {
    let d = desk();
    let team = Some(TeamId::new());
    let e = d.event(
        EventType::TicketAssigned,
        &by(&d.admin),
        &assigned(Some(d.agent.id), None, team, None),
    );
    let got = sorted(d.run(&e, &[d.agent.id, d.colleague.id]));
    assert_eq!(
        got,
        sorted(vec![(d.agent.id, Assigned), (d.colleague.id, TeamAssigned)])
    );
}

#[test]
fn a_ticket_that_stays_with_its_team_does_not_tell_the_team_again() {
    let d = desk();
    let team = Some(TeamId::new());
    let e = d.event(
        EventType::TicketAssigned,
        &by(&d.admin),
        &assigned(Some(d.colleague.id), Some(d.agent.id), team, team),
    );
    assert_eq!(
        d.run(&e, &[d.agent.id, d.colleague.id]),
        [(d.colleague.id, Assigned)]
    );
}

#[test]
fn a_ticket_taken_away_from_a_team_tells_no_one() {
    let d = desk();
    let e = d.event(
        EventType::TicketAssigned,
        &by(&d.admin),
        &assigned(None, Some(d.agent.id), None, Some(TeamId::new())),
    );
    assert!(d.run(&e, &[d.agent.id, d.colleague.id]).is_empty());
}

#[test]
fn a_customer_reply_tells_the_assignee() {
    let d = desk();
    let e = d.event(
        EventType::CommentCreated,
        &by(&d.customer),
        &comment(true, &[], false),
    );
    assert_eq!(d.run(&e, &[]), [(d.agent.id, CustomerReplied)]);
}

#[test]
fn a_reply_on_an_unassigned_ticket_tells_no_one() {
    let mut d = desk();
    d.ticket.assignee_id = None;
    let e = d.event(
        EventType::CommentCreated,
        &by(&d.customer),
        &comment(true, &[], false),
    );
    assert!(d.run(&e, &[d.agent.id]).is_empty());
}

#[test]
fn an_agents_reply_and_the_message_that_opens_a_ticket_are_not_customer_replies() {
    let d = desk();
    let agent_reply = d.event(
        EventType::CommentCreated,
        &by(&d.colleague),
        &comment(true, &[], false),
    );
    assert!(d.run(&agent_reply, &[]).is_empty());
    let opening = d.event(
        EventType::CommentCreated,
        &by(&d.customer),
        &comment(true, &[], true),
    );
    assert!(d.run(&opening, &[]).is_empty());
}

#[test]
fn mentions_reach_active_staff_and_never_the_author() {
    let mut d = desk();
    d.admin.status = UserStatus::Deactivated;
    let mentioned = [d.colleague.id, d.customer.id, d.agent.id, d.admin.id];
    let note = d.event(
        EventType::CommentCreated,
        &by(&d.agent),
        &comment(false, &mentioned, false),
    );
    assert_eq!(d.run(&note, &[]), [(d.colleague.id, Mentioned)]);
}

#[test]
fn a_status_change_reaches_the_customer_who_asked() {
    let d = desk();
    let solved = StatusMove {
        from: Status::Open,
        to: Status::Solved,
    };
    let e = d.event(EventType::TicketStatusChanged, &by(&d.agent), &solved);
    assert_eq!(d.run(&e, &[]), [(d.customer.id, StatusChanged)]);
    let own = d.event(EventType::TicketStatusChanged, &by(&d.customer), &solved);
    assert!(
        d.run(&own, &[]).is_empty(),
        "not when they changed it themselves"
    );
}

#[test]
fn a_status_change_on_a_ticket_staff_requested_tells_no_one() {
    let mut d = desk();
    d.ticket.requester_id = d.colleague.id;
    let solved = StatusMove {
        from: Status::Open,
        to: Status::Solved,
    };
    let e = d.event(EventType::TicketStatusChanged, &by(&d.agent), &solved);
    assert!(d.run(&e, &[]).is_empty());
}

#[test]
fn an_sla_warning_reaches_the_assignee_and_the_people_the_escalation_names() {
    let d = desk();
    let e = d.event(
        EventType::SlaWarning,
        &Actor::system(),
        &announced(None, &[d.admin.id, d.customer.id]),
    );
    let got = sorted(d.run(&e, &[d.colleague.id]));
    assert_eq!(
        got,
        sorted(vec![(d.agent.id, SlaWarning), (d.admin.id, SlaWarning)])
    );
}

#[test]
fn an_sla_breach_of_an_unassigned_ticket_reaches_its_team() {
    let mut d = desk();
    d.ticket.assignee_id = None;
    let e = d.event(
        EventType::SlaBreached,
        &Actor::system(),
        &announced(Some(TeamId::new()), &[]),
    );
    let got = sorted(d.run(&e, &[d.agent.id, d.colleague.id]));
    assert_eq!(
        got,
        sorted(vec![
            (d.agent.id, SlaBreached),
            (d.colleague.id, SlaBreached)
        ])
    );
}

#[test]
fn deactivated_people_and_people_the_router_did_not_load_are_not_told() {
    let mut d = desk();
    d.agent.status = UserStatus::Deactivated;
    let team = Some(TeamId::new());
    let e = d.event(
        EventType::TicketAssigned,
        &by(&d.admin),
        &assigned(Some(d.agent.id), None, team, None),
    );
    let stranger = UserId::new();
    assert_eq!(
        d.run(&e, &[d.agent.id, d.colleague.id, stranger]),
        [(d.colleague.id, TeamAssigned)]
    );

    let nobody = BTreeMap::new();
    assert!(d.run_with(&e, &[d.colleague.id], &nobody).is_empty());
}

#[test]
fn events_that_concern_no_one_tell_no_one() {
    let d = desk();
    let higher = PriorityChanged {
        from: Priority::Normal,
        to: Priority::Urgent,
    };
    let e = d.event(EventType::TicketPriorityChanged, &by(&d.admin), &higher);
    assert!(d.run(&e, &[d.agent.id]).is_empty());
}

#[test]
fn an_event_whose_data_cannot_be_read_tells_no_one() {
    let d = desk();
    let mut e = d.event(
        EventType::CommentCreated,
        &by(&d.customer),
        &comment(true, &[d.colleague.id], false),
    );
    e.data = serde_json::json!({"public": "yes"});
    assert!(d.run(&e, &[]).is_empty());
}

#[test]
fn a_requesters_reply_that_mentions_the_assignee_is_one_mentioned_notification() {
    // Staff requested this ticket themselves, so their reply can mention.
    let mut d = desk();
    d.ticket.requester_id = d.colleague.id;
    let e = d.event(
        EventType::CommentCreated,
        &by(&d.colleague),
        &comment(true, &[d.agent.id], false),
    );
    assert_eq!(
        d.run(&e, &[]),
        [(d.agent.id, Mentioned)],
        "the first reason in the README's table wins: a mention before a reply"
    );
}

#[test]
fn followers_hear_of_replies_notes_and_status_changes_but_not_of_the_opening() {
    let mut d = desk();
    d.ticket.followers = [d.colleague.id, d.admin.id, d.customer.id].into();
    let reply = d.event(
        EventType::CommentCreated,
        &by(&d.customer),
        &comment(true, &[], false),
    );
    assert_eq!(
        sorted(d.run(&reply, &[])),
        sorted(vec![
            (d.agent.id, CustomerReplied),
            (d.colleague.id, Followed),
            (d.admin.id, Followed),
        ]),
        "staff only, and never the author"
    );
    let note = d.event(
        EventType::CommentCreated,
        &by(&d.admin),
        &comment(false, &[d.colleague.id], false),
    );
    assert_eq!(
        d.run(&note, &[]),
        [(d.colleague.id, Mentioned)],
        "a mention outranks following; the author hears nothing"
    );
    let opening = d.event(
        EventType::CommentCreated,
        &by(&d.customer),
        &comment(true, &[], true),
    );
    assert_eq!(d.run(&opening, &[]), []);
    let solved = d.event(
        EventType::TicketStatusChanged,
        &by(&d.agent),
        &StatusMove {
            from: Status::Open,
            to: Status::Solved,
        },
    );
    assert_eq!(
        sorted(d.run(&solved, &[])),
        sorted(vec![
            (d.customer.id, StatusChanged),
            (d.colleague.id, Followed),
            (d.admin.id, Followed),
        ])
    );
}
