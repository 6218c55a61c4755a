//! A trigger's `sendEmail` action end to end on the in-memory store: the
//! trigger renders it against the ticket as the rules left it and names
//! who gets it; the email worker sends each once, as an automatic mail,
//! with a reply address only when it goes to the requester. Bad mail
//! actions are refused field by field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use std::collections::BTreeSet;

use channels_support::outbox::{Outbox, read, text};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::action::{MailTo, RuleMail};
use switchboard_domain::automation::condition::{Condition, Conditions, Contains};
use switchboard_domain::automation::firing::fire;
use switchboard_domain::automation::rule_mail::RuleMailRequested;
use switchboard_domain::automation::trigger::On;
use switchboard_domain::automation::triggers::{TriggerInput, TriggerRules};
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::mailing::Sent;
use switchboard_domain::email::outbound::MailKind;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_testkit::fixtures::directory;

fn mail(to: MailTo, address: Option<&str>, subject: &str, body: &str) -> Action {
    Action::SendEmail(RuleMail {
        to,
        address: address.map(str::to_owned),
        subject: subject.into(),
        body: body.into(),
    })
}

fn outage_rule(actions: Vec<Action>) -> TriggerInput {
    TriggerInput {
        title: Some("Page the on-call team".into()),
        on: Some([On::Created].into()),
        conditions: Some(Conditions {
            all: vec![Condition::Subject {
                operator: Contains::Contains,
                value: "outage".into(),
            }],
            any: Vec::new(),
        }),
        actions: Some(actions),
        ..TriggerInput::default()
    }
}

#[tokio::test]
async fn a_triggers_mails_are_rendered_addressed_and_sent_once_each() {
    let o = Outbox::new().await;
    let now = o.clock.now();
    let team = directory(o.store.clone())
        .unwrap()
        .create_team(
            &o.acme.owner.principal,
            NewTeam {
                name: "On call".into(),
                description: String::new(),
                members: BTreeSet::from([o.acme.agent.user.id]),
            },
            now,
        )
        .await
        .unwrap()
        .id;
    TriggerRules::new(o.store.clone())
        .create(
            &o.acme.owner.principal,
            outage_rule(vec![
                // The team the mail goes to is the one this rule sets.
                Action::AssignTeam {
                    team_id: Some(team),
                },
                mail(
                    MailTo::Team,
                    None,
                    "#{{ ticket.number }} {{ ticket.subject }} needs you",
                    "{{ requester.name }} reports an outage.",
                ),
                mail(
                    MailTo::Address,
                    Some("Ops@Example.COM"),
                    "Outage #{{ ticket.number }}",
                    "See the ticket.",
                ),
                // Unassigned: this one names nobody.
                mail(MailTo::Assignee, None, "Yours", "Look."),
                mail(
                    MailTo::Requester,
                    None,
                    "We are on it",
                    "Hello {{ requester.name }}, we are looking into it.",
                ),
            ]),
            now,
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(o.store.clone());
    let ticket =
        channels_support::open_ticket(&o.store, &o.acme.customer.principal, "Total outage", now)
            .await;
    let created = o.event(EventType::TicketCreated);
    fire(&o.store, &tickets, &created, now)
        .await
        .unwrap()
        .expect("the trigger fired");
    let written = o.store.take_events();
    let requested: Vec<_> = written
        .iter()
        .filter(|e| e.kind == EventType::RuleMailRequested)
        .collect();
    assert_eq!(requested.len(), 3, "the assignee's mail names nobody");
    let payloads: Vec<RuleMailRequested> = requested
        .iter()
        .map(|e| e.payload::<RuleMailRequested>().unwrap())
        .collect();
    assert_eq!(payloads[0].recipients, [o.acme.agent.user.id]);
    assert_eq!(
        payloads[0].subject,
        format!("#{} Total outage needs you", ticket.number)
    );
    assert_eq!(payloads[0].rule.title, "Page the on-call team");
    assert_eq!(payloads[1].address.as_deref(), Some("ops@example.com"));
    assert!(payloads[1].recipients.is_empty());
    assert_eq!(payloads[2].recipients, [ticket.requester_id]);
    assert!(EventType::RuleMailRequested.is_internal());

    let mut sent = Vec::new();
    for event in &requested {
        let job = MailJob {
            event: (*event).clone(),
            notify: Vec::new(),
        };
        let outcomes = o.send(&job).await;
        assert!(
            matches!(
                outcomes.as_slice(),
                [Sent::Sent {
                    kind: MailKind::Rule,
                    ..
                }]
            ),
            "{outcomes:?}"
        );
        assert!(
            matches!(o.send(&job).await.as_slice(), [Sent::AlreadySent { .. }]),
            "a redelivered job sends nothing again"
        );
        sent.extend(o.mailer.take_sent());
    }
    assert_eq!(sent.len(), 3);
    let to: Vec<_> = sent.iter().map(|m| m.recipients.clone()).collect();
    assert_eq!(
        to,
        [
            vec![o.acme.agent.user.email.as_str().to_owned()],
            vec!["ops@example.com".to_owned()],
            vec![o.acme.customer.user.email.as_str().to_owned()],
        ]
    );
    let team_mail = read(&sent[0]);
    assert_eq!(
        team_mail.subject(),
        Some(format!("#{} Total outage needs you", ticket.number).as_str())
    );
    assert_eq!(
        text(&team_mail).trim(),
        format!("{} reports an outage.", o.acme.customer.user.name)
    );
    for m in &sent {
        let parsed = read(m);
        assert_eq!(
            parsed.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
    }
    assert!(read(&sent[0]).header_raw("Reply-To").is_none());
    assert!(read(&sent[1]).header_raw("Reply-To").is_none());
    assert!(
        read(&sent[2]).header_raw("Reply-To").is_some(),
        "the requester's answer threads onto the ticket"
    );
}

#[tokio::test]
async fn a_mail_action_must_name_its_address_and_known_placeholders() {
    let o = Outbox::new().await;
    let rules = TriggerRules::new(o.store.clone());
    let refused = |r: Result<_, DomainError>| match r {
        Err(DomainError::Invalid(errors)) => errors
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect::<Vec<_>>(),
        other => panic!("expected a 422, got {other:?}"),
    };
    let cases = [
        (
            mail(MailTo::Address, None, "Hi", "Body"),
            ("actions.0", "invalid_value"),
        ),
        (
            mail(MailTo::Address, Some("not an address"), "Hi", "Body"),
            ("actions.0", "invalid_value"),
        ),
        (
            mail(MailTo::Requester, Some("a@example.com"), "Hi", "Body"),
            ("actions.0", "invalid_value"),
        ),
        (
            mail(MailTo::Requester, None, "Line\nbreak", "Body"),
            ("actions.0", "invalid_value"),
        ),
        (
            mail(MailTo::Requester, None, "Hi", "{{ ticket.secret }}"),
            ("actions.0.body", "unknown_placeholder"),
        ),
        (
            mail(
                MailTo::Requester,
                None,
                "{{ ticket.number | upper }}",
                "Body",
            ),
            ("actions.0.subject", "invalid_template"),
        ),
    ];
    for (action, (field, code)) in cases {
        let errors = refused(
            rules
                .create(
                    &o.acme.owner.principal,
                    outage_rule(vec![action.clone()]),
                    o.clock.now(),
                )
                .await,
        );
        assert_eq!(errors, [(field.to_owned(), code)], "{action:?}");
    }
}
