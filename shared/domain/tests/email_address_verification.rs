//! Self-registration proves nothing about an address: anyone can register
//! `frank@bigcorp.example`. The registrant is mailed a link; until they
//! follow it, what arrives by mail from that address (a new ticket, a
//! reply) is not theirs to see, by the API or live. Once verified, it is.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::outbox::{APP_URL, read, text};
use channels_support::{page, raw_mail, replies};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::Registration;
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::user::{Email, Password};
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::mailing::{MailSettings, Mailer, Sent};
use switchboard_domain::email::outbound::MailKind;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::tickets::input::TicketListFilter;
use switchboard_testkit::{MemoryMailer, fixtures};

const FRANK: &str = "frank@bigcorp.example";

/// Opens self-registration and registers `FRANK` (as anyone could).
async fn registered(d: &Desk) -> Principal {
    let mut tenant = d.store.tenant(d.acme.id()).await.unwrap().unwrap();
    tenant.settings.allow_customer_signup = true;
    tenant.version += 1;
    d.store
        .update_tenant(&tenant, tenant.version - 1, &[])
        .await
        .unwrap();
    let accounts = fixtures::accounts(d.store.clone()).unwrap();
    let signed = accounts
        .register_customer(
            Registration {
                tenant: d.acme.tenant.slug.as_str().to_owned(),
                name: "Frank".into(),
                email: Email::parse(FRANK).unwrap(),
                password: Password::parse("a long enough password".into()).unwrap(),
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    assert!(!signed.user.email_verified);
    accounts
        .authenticate(&signed.tokens.access.token, d.clock.now())
        .await
        .unwrap()
}

async fn mine(d: &Desk, who: &Principal) -> usize {
    d.ticketing
        .list(who, TicketListFilter::default(), &page(100))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn mail_from_a_registered_but_unproven_address_is_not_the_registrants_until_verified() {
    let d = Desk::new().await;
    let registrant = registered(&d).await;
    let created = channels_support::one_of(&d.store.take_events(), EventType::UserCreated);

    let mail = raw_mail(
        &[
            ("From", FRANK),
            ("To", d.address.as_str()),
            ("Subject", "Our contract"),
            ("Message-ID", "<contract-1@bigcorp.example>"),
        ],
        "Confidential: the renewal terms.",
    );
    let decision = d.receive(&d.address, &mail).await;
    assert_eq!(decision.decision, "created");
    let ticket = decision.ticket_id.unwrap();
    assert_eq!(mine(&d, &registrant).await, 0, "not listed");
    assert!(matches!(
        d.ticketing.get(&registrant, ticket).await,
        Err(DomainError::NotFound)
    ));
    // A reply by mail does not thread onto their own tickets either.
    let number = d.detail(ticket).await.ticket.number;
    let again = raw_mail(
        &[
            ("From", FRANK),
            ("To", d.address.as_str()),
            ("Subject", &format!("Re: [#{number}] Our contract")),
            ("Message-ID", "<contract-2@bigcorp.example>"),
        ],
        "And the prices.",
    );
    assert_ne!(d.receive(&d.address, &again).await.ticket_id, Some(ticket));

    // The registrant was mailed a link; following it proves the address.
    let mailer = MemoryMailer::new();
    let worker = Mailer::new(
        d.store.clone(),
        mailer.clone(),
        d.objects.clone(),
        MailSettings {
            app_url: APP_URL.into(),
            replies: replies(),
            surveys: [5; 32],
        },
    );
    let sent = worker
        .send(
            &MailJob {
                event: created,
                notify: Vec::new(),
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            sent.as_slice(),
            [Sent::Sent {
                kind: MailKind::Verification,
                ..
            }]
        ),
        "{sent:?}"
    );
    let mails = mailer.sent();
    assert_eq!(mails[0].recipients, [FRANK]);
    let body = text(&read(&mails[0]));
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/verify-email?"))
        .unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let recovery = Recovery::new(d.store.clone(), Passwords::owasp().unwrap());
    recovery.verify_email(token, d.clock.now()).await.unwrap();
    assert!(
        recovery.verify_email(token, d.clock.now()).await.is_err(),
        "the link works once"
    );
    let verified = fixtures::accounts(d.store.clone())
        .unwrap()
        .authenticate(
            &fixtures::accounts(d.store.clone())
                .unwrap()
                .login(
                    switchboard_domain::accounts::input::Credentials::typed(
                        d.acme.tenant.slug.as_str(),
                        FRANK,
                        "a long enough password".into(),
                    ),
                    d.clock.now(),
                )
                .await
                .unwrap()
                .tokens
                .access
                .token,
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(mine(&d, &verified).await, 2, "now the mail is theirs");
    assert!(d.ticketing.get(&verified, ticket).await.is_ok());
}
