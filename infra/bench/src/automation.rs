//! `bench automation-cost`: what triggers add to the event router's work
//! per event (0, 10 and 100 active triggers), and what the hourly run of
//! automations costs as a tenant's open tickets grow. Through a client
//! with the counting layer; setup goes through an uncounted one.

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::automations::{AutomationInput, Automations};
use switchboard_domain::automation::condition::{
    Clock, Compare, Condition, Conditions, Contains, Is,
};
use switchboard_domain::automation::hourly::run_tenant;
use switchboard_domain::automation::trigger::On;
use switchboard_domain::automation::triggers::{TriggerInput, TriggerRules};
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, Subject};
use switchboard_domain::routing::router::EventRouter;
use switchboard_domain::tickets::events::TicketCreated;
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Status, Tag, Ticket};
use switchboard_harness::{self as kit, TestTenant};
use switchboard_testkit::{MemoryPusher, MemoryQueues};

use crate::{CallLog, Sample, Timed, counting_store, summarise_timed};

const EVENTS: usize = 20;

pub async fn run() -> anyhow::Result<()> {
    let log = CallLog::default();
    let counted = counting_store(log.clone()).await?;
    let setup = kit::store().await;
    let queues = MemoryQueues::new();
    let router = EventRouter::new(
        counted.clone(),
        MemoryPusher::new(),
        queues.clone(),
        queues.clone(),
        queues,
    );

    let mut rows = Vec::new();
    for (triggers, firing) in [(0, false), (10, false), (100, false), (100, true)] {
        let t = TestTenant::new().await;
        let owner = kit::principal(&t.owner).await;
        let rules = TriggerRules::new(setup.clone());
        for k in 0..triggers {
            let fires = firing && k + 1 == triggers;
            let word = if fires {
                "bench".to_owned()
            } else {
                format!("nomatch{k}")
            };
            rules
                .create(
                    &owner,
                    TriggerInput {
                        title: Some(format!("Trigger {k}")),
                        on: Some([On::Created, On::Updated, On::Comment].into()),
                        conditions: Some(Conditions {
                            all: vec![Condition::Subject {
                                operator: Contains::Contains,
                                value: word,
                            }],
                            any: Vec::new(),
                        }),
                        actions: Some(vec![Action::AddTags {
                            tags: [Tag::parse("benched").map_err(|e| anyhow::anyhow!(e.message))?]
                                .into(),
                        }]),
                        ..TriggerInput::default()
                    },
                    Timestamp::now(),
                )
                .await?;
        }
        let tickets = Ticketing::new(setup.clone());
        let mut samples = Vec::new();
        for i in 0..EVENTS {
            let ticket = open(&tickets, &owner, &format!("Bench ticket {i}")).await?;
            let event = created(&ticket);
            log.take();
            let started = Instant::now();
            router.route(&event, Timestamp::now()).await?;
            samples.push(Sample {
                total: started.elapsed(),
                calls: log.take(),
            });
        }
        let what = if firing {
            format!("router, ticket.created, {triggers} active triggers (the last fires)")
        } else {
            format!("router, ticket.created, {triggers} active triggers (none fires)")
        };
        rows.push(Timed {
            operation: what,
            samples,
        });
    }
    println!("{}", summarise_timed(&rows));

    let mut rows = Vec::new();
    for open_tickets in [200, 1_000] {
        let t = TestTenant::new().await;
        let owner = kit::principal(&t.owner).await;
        Automations::new(setup.clone())
            .create(&owner, close_after_four_days(), Timestamp::now())
            .await?;
        let tickets = Ticketing::new(setup.clone());
        for i in 0..open_tickets {
            open(&tickets, &owner, &format!("Open {i}")).await?;
        }
        let solved = 20;
        for i in 0..solved {
            let ticket = open(&tickets, &owner, &format!("Solved {i}")).await?;
            tickets
                .update(
                    &owner,
                    ticket.id,
                    TicketPatch {
                        status: Some(Status::Solved),
                        ..TicketPatch::default()
                    },
                    None,
                    Timestamp::now(),
                )
                .await?;
        }
        let counted_tickets = Ticketing::new(counted.clone());
        for (label, hours) in [("nothing due", 1), ("20 solved tickets due", 97)] {
            log.take();
            let started = Instant::now();
            let run = run_tenant(
                &counted,
                &counted_tickets,
                t.id,
                Timestamp::now() + SignedDuration::from_hours(hours),
            )
            .await?;
            rows.push(Timed {
                operation: format!(
                    "hourly run, {open_tickets} open + {solved} solved tickets, {label} (examined {}, changed {})",
                    run.examined, run.changed
                ),
                samples: vec![Sample {
                    total: started.elapsed(),
                    calls: log.take(),
                }],
            });
        }
    }
    println!("{}", summarise_timed(&rows));
    Ok(())
}

fn close_after_four_days() -> AutomationInput {
    AutomationInput {
        title: Some("Close solved tickets after 4 days".into()),
        conditions: Some(Conditions {
            all: vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Solved,
                },
                Condition::HoursSince {
                    clock: Clock::Solved,
                    operator: Compare::GreaterThan,
                    hours: 96,
                    calendar: None,
                },
            ],
            any: Vec::new(),
        }),
        actions: Some(vec![Action::SetStatus {
            status: Status::Closed,
        }]),
        ..AutomationInput::default()
    }
}

async fn open(
    tickets: &Ticketing<switchboard_aws::DynamoStore>,
    owner: &switchboard_domain::accounts::permissions::Principal,
    subject: &str,
) -> anyhow::Result<Ticket> {
    let input = NewTicket::new(
        SubjectLine::parse(subject).map_err(|e| anyhow::anyhow!(e.message))?,
        Body::parse("Please help.").map_err(|e| anyhow::anyhow!(e.message))?,
    );
    let (detail, _) = tickets
        .create(owner, input, None, Timestamp::now())
        .await?
        .into_inner();
    Ok(detail.ticket)
}

/// The `ticket.created` the ticket's creation wrote to the outbox.
fn created(t: &Ticket) -> DomainEvent {
    DomainEvent::new(
        EventType::TicketCreated,
        t.tenant_id,
        t.created_at,
        Actor::user(t.requester_id),
        Subject {
            ticket_id: Some(t.id),
            ..Subject::default()
        },
        &TicketCreated {
            number: t.number,
            subject: t.subject.clone(),
            status: t.status,
            priority: t.priority,
            channel: t.channel,
            requester_id: t.requester_id,
            assignee_id: t.assignee_id,
            team_id: t.team_id,
        },
    )
}
