//! Customer satisfaction: a solved ticket's requester rates it (signed in
//! or through the survey link mailed when it was solved), may change their
//! mind, and a bad rating can reopen it; nobody else rates, and the reports
//! count the latest rating.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::outbox::{APP_URL, Outbox, read, text};
use channels_support::{SURVEY_KEY, one_of, open_ticket};
use jiff::{SignedDuration, Timestamp};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::tenant::{SatisfactionSettings, TenantPatch};
use switchboard_domain::analytics::tally::{SATISFACTION_BAD, SATISFACTION_GOOD, tally};
use switchboard_domain::email::mailing::Sent;
use switchboard_domain::email::outbound::MailKind;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::satisfaction::{Rating, SatisfactionRated, SurveyToken};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Score, Status, Ticket};
use switchboard_testkit::{MemoryStore, TestClock, TestTenant, fixtures};

fn rating(score: Score, comment: &str) -> Rating {
    Rating {
        score,
        comment: Rating::parse_comment(comment).unwrap(),
    }
}

async fn solve(store: &MemoryStore, agent: &Principal, t: &Ticket, now: Timestamp) -> Ticket {
    Ticketing::new(store.clone())
        .update(
            agent,
            t.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            now,
        )
        .await
        .unwrap()
}

/// The tenant's survey settings, and its people signed in again to carry them.
async fn surveys(
    store: &MemoryStore,
    clock: &TestClock,
    acme: &mut TestTenant,
    reopen_on_bad: bool,
) {
    let accounts = fixtures::accounts(store.clone()).unwrap();
    accounts
        .update_tenant(
            &acme.owner.principal,
            TenantPatch {
                satisfaction: Some(SatisfactionSettings {
                    enabled: true,
                    reopen_on_bad,
                }),
                ..TenantPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    for person in [&mut acme.owner, &mut acme.agent, &mut acme.customer] {
        person.principal = accounts
            .authenticate(&person.access_token, clock.now())
            .await
            .unwrap();
    }
    store.take_events();
}

#[tokio::test]
async fn the_requester_rates_a_solved_ticket_and_may_change_their_mind() {
    let (store, clock, mut acme) = channels_support::helpdesk().await;
    surveys(&store, &clock, &mut acme, false).await;
    let tickets = Ticketing::new(store.clone());
    let customer = &acme.customer.principal;
    let t = open_ticket(&store, customer, "Printer", clock.now()).await;
    solve(&store, &acme.agent.principal, &t, clock.now()).await;
    store.take_events();

    let rated = tickets
        .rate(
            customer,
            t.id,
            rating(Score::Bad, " Slow answer "),
            clock.now(),
        )
        .await
        .unwrap();
    let s = rated.satisfaction.clone().unwrap();
    assert_eq!(
        (s.score, s.comment.as_deref()),
        (Score::Bad, Some("Slow answer"))
    );
    assert_eq!(
        rated.status,
        Status::Solved,
        "no reopening unless the tenant says so"
    );
    let events = store.take_events();
    let e = one_of(&events, EventType::SatisfactionRated);
    assert_eq!(e.actor.id, Some(acme.customer.user.id.to_string()));
    let payload = e.payload::<SatisfactionRated>().unwrap();
    assert_eq!(
        (payload.score, payload.previous, payload.reopened),
        (Score::Bad, None, false)
    );
    let first = tally(&e, &rated).unwrap();
    assert_eq!(first.amounts, [(SATISFACTION_BAD.to_owned(), 1)]);
    assert_eq!(
        rated.version, rated.public_version,
        "answered as the customer sees it"
    );

    let changed = tickets
        .rate(customer, t.id, rating(Score::Good, ""), clock.now())
        .await
        .unwrap();
    assert_eq!(changed.satisfaction.as_ref().unwrap().comment, None);
    let e = one_of(&store.take_events(), EventType::SatisfactionRated);
    assert_eq!(
        e.payload::<SatisfactionRated>().unwrap().previous,
        Some(Score::Bad)
    );
    let moved = tally(&e, &changed).unwrap();
    assert_eq!(
        moved.amounts,
        [
            (SATISFACTION_GOOD.to_owned(), 1),
            (SATISFACTION_BAD.to_owned(), -1)
        ],
        "changed the same day, it replaces the rating in the day's counts"
    );
    let mut next_day = e.clone();
    next_day.occurred_at = e.occurred_at + SignedDuration::from_hours(25);
    let later = tally(&next_day, &changed).unwrap();
    assert_eq!(
        later.amounts,
        [(SATISFACTION_GOOD.to_owned(), 1)],
        "changed on a later day, it counts on that day and the first day keeps its own"
    );
    let history = tickets.history(&acme.agent.principal, t.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.changes.iter().any(|c| c.field == "satisfaction"))
    );
}

#[tokio::test]
async fn a_bad_rating_reopens_the_ticket_when_the_tenant_says_so() {
    let (store, clock, mut acme) = channels_support::helpdesk().await;
    surveys(&store, &clock, &mut acme, true).await;
    let tickets = Ticketing::new(store.clone());
    let t = open_ticket(&store, &acme.customer.principal, "Refund", clock.now()).await;
    solve(&store, &acme.agent.principal, &t, clock.now()).await;
    store.take_events();
    let rated = tickets
        .rate(
            &acme.customer.principal,
            t.id,
            rating(Score::Bad, "Still broken"),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(rated.status, Status::Open);
    let events = store.take_events();
    assert!(
        one_of(&events, EventType::SatisfactionRated)
            .payload::<SatisfactionRated>()
            .unwrap()
            .reopened
    );
    let changed = one_of(&events, EventType::TicketStatusChanged);
    assert_eq!(changed.data["to"], "open");
    // Reopened, it is not rated again until solved again.
    assert!(matches!(
        tickets
            .rate(
                &acme.customer.principal,
                t.id,
                rating(Score::Good, ""),
                clock.now()
            )
            .await,
        Err(DomainError::Invalid(_))
    ));
}

#[tokio::test]
async fn only_the_requester_rates_and_only_a_solved_ticket() {
    let (store, clock, mut acme) = channels_support::helpdesk().await;
    let off = open_ticket(&store, &acme.customer.principal, "Before", clock.now()).await;
    solve(&store, &acme.agent.principal, &off, clock.now()).await;
    assert!(matches!(
        Ticketing::new(store.clone())
            .rate(
                &acme.customer.principal,
                off.id,
                rating(Score::Good, ""),
                clock.now()
            )
            .await,
        Err(DomainError::NotAllowed("surveys_disabled"))
    ));
    surveys(&store, &clock, &mut acme, false).await;
    let tickets = Ticketing::new(store.clone());
    let t = open_ticket(&store, &acme.customer.principal, "Login", clock.now()).await;
    let unsolved = tickets
        .rate(
            &acme.customer.principal,
            t.id,
            rating(Score::Good, ""),
            clock.now(),
        )
        .await;
    match unsolved {
        Err(DomainError::Invalid(errors)) => assert_eq!(errors[0].code, "not_solved"),
        other => panic!("{other:?}"),
    }
    solve(&store, &acme.agent.principal, &t, clock.now()).await;
    assert!(matches!(
        tickets
            .rate(
                &acme.agent.principal,
                t.id,
                rating(Score::Good, ""),
                clock.now()
            )
            .await,
        Err(DomainError::NotAllowed("not_requester"))
    ));
    let stranger = acme
        .person(&store, "customer", "Sam Stranger", clock.now())
        .await
        .unwrap();
    assert!(matches!(
        tickets
            .rate(
                &stranger.principal,
                t.id,
                rating(Score::Bad, ""),
                clock.now()
            )
            .await,
        Err(DomainError::NotFound)
    ));
    // Staff may be requesters; they do not rate themselves.
    let own = open_ticket(&store, &acme.agent.principal, "Mine", clock.now()).await;
    solve(&store, &acme.agent.principal, &own, clock.now()).await;
    assert!(matches!(
        tickets
            .rate(
                &acme.agent.principal,
                own.id,
                rating(Score::Good, ""),
                clock.now()
            )
            .await,
        Err(DomainError::NotAllowed("not_requester"))
    ));
    let mut globex = channels_support::other_helpdesk(&store, &clock).await;
    surveys(&store, &clock, &mut globex, false).await;
    assert!(matches!(
        tickets
            .rate(
                &globex.customer.principal,
                t.id,
                rating(Score::Bad, ""),
                clock.now()
            )
            .await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn solving_mails_a_survey_whose_link_rates_as_the_requester() {
    let mut o = Outbox::new().await;
    surveys(&o.store, &o.clock, &mut o.acme, false).await;
    let t = open_ticket(
        &o.store,
        &o.acme.customer.principal,
        "Scanner",
        o.clock.now(),
    )
    .await;
    o.store.take_events();
    let solved = solve(&o.store, &o.acme.agent.principal, &t, o.clock.now()).await;
    let sent = o.send(&o.job(EventType::TicketStatusChanged)).await;
    assert!(
        matches!(
            sent[..],
            [Sent::Sent {
                kind: MailKind::Satisfaction,
                ..
            }]
        ),
        "{sent:?}"
    );
    let mail = o.mailer.take_sent().remove(0);
    assert_eq!(
        mail.recipients,
        [o.acme.customer.user.email.as_str().to_owned()]
    );
    let parsed = read(&mail);
    assert!(
        parsed
            .subject()
            .unwrap()
            .contains(&format!("#{}", t.number))
    );
    assert_eq!(
        parsed.header("Auto-Submitted").unwrap().as_text(),
        Some("auto-generated")
    );
    let body = text(&parsed);
    let prefix = format!("{APP_URL}/satisfaction?token=");
    let start = body.find(&prefix).unwrap() + prefix.len();
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    for end in ["&score=good", "&score=bad", "&optOut=true"] {
        assert!(
            body.contains(&format!("{prefix}{token}{end}")),
            "{end} in {body}"
        );
    }

    let tickets = Ticketing::new(o.store.clone());
    let (principal, found) = tickets
        .surveyed(&SURVEY_KEY, &token, o.clock.now())
        .await
        .unwrap();
    assert_eq!(
        (principal.user_id(), found.id),
        (Some(o.acme.customer.user.id), solved.id)
    );
    let rated = tickets
        .rate(
            &principal,
            found.id,
            rating(Score::Good, "Quick, thanks"),
            o.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(rated.satisfaction.unwrap().score, Score::Good);

    let last = if token.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &token[..token.len() - 1]);
    assert!(matches!(
        tickets
            .surveyed(&SURVEY_KEY, &tampered, o.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
    let later = o.clock.now() + SignedDuration::from_hours(29 * 24);
    assert!(matches!(
        tickets.surveyed(&SURVEY_KEY, &token, later).await,
        Err(DomainError::NotFound)
    ));
    // A link for the wrong key, or of another ticket, opens nothing.
    let other = SurveyToken {
        ticket_id: switchboard_domain::kernel::ids::TicketId::new(),
        ..SurveyToken::for_ticket(&found, o.clock.now())
    };
    assert!(matches!(
        tickets
            .surveyed(&SURVEY_KEY, &other.seal(&SURVEY_KEY), o.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn no_survey_unless_the_tenant_asks_for_them() {
    let o = Outbox::new().await;
    let t = open_ticket(&o.store, &o.acme.customer.principal, "Quiet", o.clock.now()).await;
    o.store.take_events();
    solve(&o.store, &o.acme.agent.principal, &t, o.clock.now()).await;
    let sent = o.send(&o.job(EventType::TicketStatusChanged)).await;
    assert!(sent.is_empty(), "{sent:?}");
    assert!(o.mailer.take_sent().is_empty());
}

#[tokio::test]
async fn a_requester_who_declines_is_asked_no_more() {
    let mut o = Outbox::new().await;
    surveys(&o.store, &o.clock, &mut o.acme, false).await;
    let t = open_ticket(&o.store, &o.acme.customer.principal, "Again", o.clock.now()).await;
    o.store.take_events();
    let solved = solve(&o.store, &o.acme.agent.principal, &t, o.clock.now()).await;
    let token = SurveyToken::for_ticket(&solved, o.clock.now()).seal(&SURVEY_KEY);
    let tickets = Ticketing::new(o.store.clone());
    tickets
        .decline_surveys(&SURVEY_KEY, &token, o.clock.now())
        .await
        .unwrap();
    tickets
        .decline_surveys(&SURVEY_KEY, &token, o.clock.now())
        .await
        .unwrap();
    let events = o.store.take_events();
    let declined: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventType::UserUpdated)
        .collect();
    assert_eq!(declined.len(), 1, "asking twice changes nothing more");
    assert_eq!(
        declined[0].data["changed"],
        serde_json::json!(["surveysDeclined"])
    );
    let job = switchboard_domain::email::mail_job::MailJob {
        event: one_of(&events, EventType::TicketStatusChanged),
        notify: Vec::new(),
    };
    assert!(o.send(&job).await.is_empty(), "no survey once declined");
    assert!(matches!(
        tickets
            .decline_surveys(&SURVEY_KEY, "forged.token", o.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
}
