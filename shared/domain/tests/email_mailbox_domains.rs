//! Mailbox domains: a helpdesk's own domain receives only once SES has
//! verified it (`Mailboxes::create`, `check_domain`); the shared mail
//! domain needs no verification.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use switchboard_domain::email::mailboxes::{MailboxInput, Mailboxes};

/// A helpdesk's own domain receives only once SES has verified it, so no
/// helpdesk takes an address on a domain it does not control; the shared
/// mail domain (handed out by slug) needs no verification.
#[tokio::test]
async fn a_mailbox_on_an_unverified_domain_holds_its_mail_until_the_domain_is_verified() {
    let d = Desk::new().await;
    let identities = switchboard_testkit::MemoryIdentities::new();
    identities.hold("bigcorp.example");
    let boxes = Mailboxes::new(
        d.store.clone(),
        identities.clone(),
        channels_support::MAIL_DOMAIN,
    );
    let owner = &d.acme.owner.principal;
    let mailbox = boxes
        .create(
            owner,
            MailboxInput {
                address: Some("help@bigcorp.example".into()),
                ..MailboxInput::default()
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    assert!(!mailbox.verified);
    assert_eq!(identities.asked(), ["bigcorp.example"]);
    let mail = d.mail("ana@example.com", "Hello", "Anyone there?");
    let held = d.receive("help@bigcorp.example", &mail).await;
    assert_eq!(
        (held.decision.as_str(), held.ticket_id),
        ("held", None),
        "{held:?}"
    );
    assert_eq!(d.recorded("held").await, ["Hello"]);

    identities.verify("bigcorp.example");
    let checked = boxes
        .check_domain(owner, mailbox.id, d.clock.now())
        .await
        .unwrap();
    assert!(checked.verified);
    assert_eq!(checked.version, mailbox.version + 1);
    let mail = d.mail("ana@example.com", "Hello again", "Now?");
    let opened = d.receive("help@bigcorp.example", &mail).await;
    assert_eq!(opened.decision, "created");

    let shared = boxes
        .create(
            owner,
            MailboxInput {
                address: Some(format!(
                    "{}@{}",
                    d.acme.tenant.slug.as_str(),
                    channels_support::MAIL_DOMAIN
                )),
                ..MailboxInput::default()
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    assert!(shared.verified);
    assert_eq!(identities.asked(), ["bigcorp.example"], "ours needs no SES");
}
