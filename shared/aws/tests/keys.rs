//! Golden tests of every key: a change to a key string is a data migration.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use switchboard_aws::keys::slug as slug_key;
use switchboard_aws::keys::*;
use switchboard_domain::accounts::tenant::Slug;
use switchboard_domain::accounts::user::{Email, Role};
use switchboard_domain::kernel::ids::{
    AttachmentId, CommentId, EventId, MacroId, MailboxId, NotificationId, OrganizationId,
    SessionId, TeamId, TenantId, TicketId, UploadId, UserId,
};
use switchboard_domain::realtime::model::Topic;
use switchboard_domain::tickets::ports::{TicketDimension, TicketSort};

fn ids() -> (TenantId, UserId) {
    let t: TenantId = "ten_01J9Z3Q4W5E6R7T8Y9V0A1B2C3".parse().unwrap();
    let u: UserId = "usr_01J9Z3Q4W5E6R7T8Y9V0A1B2C4".parse().unwrap();
    (t, u)
}

#[test]
fn golden_keys() {
    let (t, u) = ids();
    let s: SessionId = "ses_01J9Z3Q4W5E6R7T8Y9V0A1B2C5".parse().unwrap();
    let e: EventId = "evt_01J9Z3Q4W5E6R7T8Y9V0A1B2C6".parse().unwrap();
    let email = Email::parse("Ana@Example.com").unwrap();
    let slug = Slug::parse("acme").unwrap();
    let n = NotificationId::from_ulid(e.ulid());
    let topic = Topic::User(u);
    let cases = [
        (tenant(t), "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3", "TENANT"),
        (
            audit_entry(t, "01J9Z3Q4W5E6R7T8Y9V0A1B2C7"),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#AUDIT",
            "01J9Z3Q4W5E6R7T8Y9V0A1B2C7",
        ),
        (
            event_step(t, e, "push"),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#EVT#01J9Z3Q4W5E6R7T8Y9V0A1B2C6",
            "STEP#push",
        ),
        (
            notification(t, u, n),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#U#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
            "N#01J9Z3Q4W5E6R7T8Y9V0A1B2C6",
        ),
        (
            unread_counter(t, u),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#U#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
            "UNREAD",
        ),
        (
            notification_preferences(t, u),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#U#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
            "PREFS",
        ),
        (connection_ticket("abc"), "WSTICKET#abc", "WSTICKET#abc"),
        (password_link("abc"), "PWLINK#abc", "PWLINK#abc"),
        (
            reset_requested(t, u),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
            "RESET#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
        ),
        (
            business_hours(t),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
            "BUSINESS_HOURS",
        ),
        (
            sla_policies(t),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
            "SLA_POLICIES",
        ),
        (triggers(t), "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3", "TRIGGERS"),
        (
            automations(t),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
            "AUTOMATIONS",
        ),
        (
            automated_tenant(t),
            "AUTOMATED",
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
        ),
        (
            agent(t, u),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#AGENTS",
            "AGENT#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
        ),
        (
            macro_key(t, MacroId::from_ulid(e.ulid())),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#MACROS",
            "MACRO#01J9Z3Q4W5E6R7T8Y9V0A1B2C6",
        ),
        (sla_scheduler(), "SCHEDULER#SLA", "SCHEDULER#SLA"),
        (
            ticket_sla(t, TicketId::from_ulid(e.ulid())),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TKT#01J9Z3Q4W5E6R7T8Y9V0A1B2C6",
            "SLA",
        ),
        (
            mail_claim(t, e, "reply"),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#EVT#01J9Z3Q4W5E6R7T8Y9V0A1B2C6",
            "MAIL#reply",
        ),
        (connection("Ab1="), "CONN#Ab1=", "CONN"),
        (
            mailbox_address("Support@Acme.Example"),
            "MAILBOX#support@acme.example",
            "MAILBOX#support@acme.example",
        ),
        (
            webhook(t, "wh_01J9Z3Q4W5E6R7T8Y9V0A1B2C7".parse().unwrap()),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
            "WH#01J9Z3Q4W5E6R7T8Y9V0A1B2C7",
        ),
        (
            delivery(
                t,
                "wh_01J9Z3Q4W5E6R7T8Y9V0A1B2C7".parse().unwrap(),
                "msg_01J9Z3Q4W5E6R7T8Y9V0A1B2C8".parse().unwrap(),
            ),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#WH#01J9Z3Q4W5E6R7T8Y9V0A1B2C7",
            "D#01J9Z3Q4W5E6R7T8Y9V0A1B2C8",
        ),
        (
            subscription(t, &topic, "Ab1="),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TOPIC#user:usr_01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
            "CONN#Ab1=",
        ),
        (slug_key(&slug), "SLUG#acme", "SLUG#acme"),
        (
            user(t, u),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3",
            "USER#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
        ),
        (
            login_email(t, &email),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#EMAIL#ana@example.com",
            "EMAIL",
        ),
        (
            session(t, u, s),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#U#01J9Z3Q4W5E6R7T8Y9V0A1B2C4",
            "SESSION#01J9Z3Q4W5E6R7T8Y9V0A1B2C5",
        ),
        (refresh_token("ab12"), "REFRESH#ab12", "REFRESH#ab12"),
        (
            login_failures(t, &email),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#LOGINFAIL#8e43ca37701228e74983efdbd0cff5c1",
            "LOGINFAIL",
        ),
        (
            event(t, e),
            "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#EVT#01J9Z3Q4W5E6R7T8Y9V0A1B2C6",
            "EVT",
        ),
    ];
    for (key, pk, sk) in cases {
        assert_eq!((key.pk.as_str(), key.sk.as_str()), (pk, sk));
    }
    assert_eq!(users_index_pk(t), "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#USERS");
    let tt = "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3";
    assert_eq!(
        unread_index_pk(t, u),
        format!("{tt}#U#01J9Z3Q4W5E6R7T8Y9V0A1B2C4#UNREAD")
    );
    let mbx: MailboxId = "mbx_01J9Z3Q4W5E6R7T8Y9V0A1B2CA".parse().unwrap();
    assert_eq!(
        mailbox(t, mbx),
        Key::from_parts(tt.into(), "MBX#01J9Z3Q4W5E6R7T8Y9V0A1B2CA".into())
    );
    // SHA-256 of "abc@example.com": brackets and spaces do not count.
    let digest = "9eceb13483d7f187ec014fd6d4854d1420cfc634328af85f51d0323ba8622e21";
    let m = message(t, " <abc@example.com> ");
    assert_eq!(
        m,
        Key::from_parts(format!("{tt}#MSGID#{digest}"), "MSGID".into())
    );
    assert_eq!(m, message(t, "abc@example.com"));
    assert_eq!(
        bouncing(t, "Gone@Example.com"),
        Key::from_parts(format!("{tt}#BOUNCE#gone@example.com"), "BOUNCE".into())
    );
    assert_eq!(
        messages_index_pk(t, "quarantined"),
        format!("{tt}#MAIL#quarantined")
    );
    let up: UploadId = "upl_01J9Z3Q4W5E6R7T8Y9V0A1B2CB".parse().unwrap();
    let att: AttachmentId = "att_01J9Z3Q4W5E6R7T8Y9V0A1B2CC".parse().unwrap();
    let tkt: TicketId = "tkt_01J9Z3Q4W5E6R7T8Y9V0A1B2C8".parse().unwrap();
    assert_eq!(
        upload(t, up),
        Key::from_parts(format!("{tt}#UPL#01J9Z3Q4W5E6R7T8Y9V0A1B2CB"), "UPL".into())
    );
    assert_eq!(
        attachment(t, att),
        Key::from_parts(format!("{tt}#ATT#01J9Z3Q4W5E6R7T8Y9V0A1B2CC"), "ATT".into())
    );
    assert_eq!(
        ticket_attachments_pk(t, tkt),
        format!("{tt}#TKT#01J9Z3Q4W5E6R7T8Y9V0A1B2C8#ATTS")
    );
    assert_eq!(
        objects::upload(t, up),
        "tenants/01J9Z3Q4W5E6R7T8Y9V0A1B2C3/uploads/01J9Z3Q4W5E6R7T8Y9V0A1B2CB"
    );
    assert_eq!(
        objects::attachment(t, tkt, att),
        "tenants/01J9Z3Q4W5E6R7T8Y9V0A1B2C3/tickets/01J9Z3Q4W5E6R7T8Y9V0A1B2C8/01J9Z3Q4W5E6R7T8Y9V0A1B2CC"
    );
    let tk: TicketId = "tkt_01J9Z3Q4W5E6R7T8Y9V0A1B2C8".parse().unwrap();
    let c: CommentId = "cmt_01J9Z3Q4W5E6R7T8Y9V0A1B2C9".parse().unwrap();
    let tkt_pk = "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TKT#01J9Z3Q4W5E6R7T8Y9V0A1B2C8";
    assert_eq!(
        ticket(t, tk),
        Key {
            pk: tkt_pk.into(),
            sk: "TICKET".into()
        }
    );
    assert_eq!(
        comment(t, tk, c),
        Key {
            pk: tkt_pk.into(),
            sk: "TICKET#C#01J9Z3Q4W5E6R7T8Y9V0A1B2C9".into()
        }
    );
    assert_eq!(
        ticket_number(t, 1042),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#NO#1042".into(),
            sk: "NO".into()
        }
    );
    assert_eq!(ticket_counter(t).sk, "COUNTER#TICKETS");
    assert_eq!(
        idempotency(t, "ab").pk,
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#IDEM#ab"
    );
    assert_eq!(
        ticket_index_pk(t, &TicketDimension::Assignee(None)),
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TA#none"
    );
    assert_eq!(
        ticket_index_pk(
            t,
            &TicketDimension::Status(switchboard_domain::tickets::ticket::Status::OnHold)
        ),
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TS#on_hold"
    );
    assert_eq!(
        ticket_index_sk(Timestamp::from_millisecond(1_700_000_000_000).unwrap(), tk),
        "1700000000000#01J9Z3Q4W5E6R7T8Y9V0A1B2C8"
    );
    assert_eq!(
        ticket_index(&TicketDimension::All, TicketSort::CreatedAt),
        "GSI10"
    );
    // Deleted tickets: their own partition of the all-tickets indexes.
    assert_eq!(
        ticket_index_pk(t, &TicketDimension::Deleted),
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TD"
    );
    assert_eq!(
        [TicketSort::UpdatedAt, TicketSort::CreatedAt]
            .map(|s| ticket_index(&TicketDimension::Deleted, s)),
        ["GSI5", "GSI10"]
    );
    let job_id = switchboard_domain::kernel::ids::JobId::from_ulid(tk.ulid());
    assert_eq!(
        job(t, job_id),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#JOB#01J9Z3Q4W5E6R7T8Y9V0A1B2C8".into(),
            sk: "JOB".into()
        }
    );
    assert_eq!(
        objects::export(t, u, job_id),
        "exports/01J9Z3Q4W5E6R7T8Y9V0A1B2C3/01J9Z3Q4W5E6R7T8Y9V0A1B2C4/01J9Z3Q4W5E6R7T8Y9V0A1B2C8.json"
    );
    assert!(objects::export(t, u, job_id).starts_with(&objects::exports_of(t, u)));
    assert_eq!(
        search_manifest(t, "tickets.2"),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#SEARCH".into(),
            sk: "MANIFEST#tickets.2".into()
        }
    );
    let view_id = switchboard_domain::kernel::ids::ViewId::from_ulid(tk.ulid());
    assert_eq!(
        view(t, view_id),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#VIEW#01J9Z3Q4W5E6R7T8Y9V0A1B2C8".into(),
            sk: "VIEW".into()
        }
    );
    assert_eq!(
        personal_views_index_pk(t, u),
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#VIEWS#U#01J9Z3Q4W5E6R7T8Y9V0A1B2C4"
    );
    assert_eq!(
        shared_views_index_pk(t),
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#VIEWS#SHARED"
    );
    assert_eq!(
        views_index_sk("My Open", view_id),
        "my open#01J9Z3Q4W5E6R7T8Y9V0A1B2C8"
    );
    assert_eq!(
        organization_domain(t, "acme.example"),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#ORGDOM#acme.example".into(),
            sk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#ORGDOM#acme.example".into()
        }
    );
    assert_eq!(
        ticket_index(
            &TicketDimension::Organization(OrganizationId::new()),
            TicketSort::UpdatedAt
        ),
        "GSI3"
    );
    assert_eq!(
        ticket_copy(t, tk, "ann@example.com"),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TKT#01J9Z3Q4W5E6R7T8Y9V0A1B2C8".into(),
            sk: "CC#ann@example.com".into()
        }
    );
    assert_eq!(
        copied_index_pk(t, "ann@example.com"),
        "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#TC#ann@example.com"
    );
    assert_eq!(
        api_key("ab12"),
        Key {
            pk: "APIKEY#ab12".into(),
            sk: "APIKEY#ab12".into()
        }
    );
    assert_eq!(api_keys_index_pk(t), "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#APIKEYS");
    let team_id: TeamId = "team_01J9Z3Q4W5E6R7T8Y9V0A1B2C7".parse().unwrap();
    assert_eq!(
        team(t, team_id),
        Key {
            pk: "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3".into(),
            sk: "TEAM#01J9Z3Q4W5E6R7T8Y9V0A1B2C7".into()
        }
    );
    assert_eq!(
        users_index_sk(Role::Agent, "Ana Lima", u),
        "agent#ana lima#01J9Z3Q4W5E6R7T8Y9V0A1B2C4"
    );
    assert_eq!(
        tenants_index_sk(Timestamp::from_millisecond(1_700_000_000_000).unwrap(), t),
        "1700000000000#01J9Z3Q4W5E6R7T8Y9V0A1B2C3"
    );
}

#[test]
fn audit_ranges_bound_the_entries_of_their_times() {
    let at = |ms: i64| ulid::Ulid::from_parts(u64::try_from(ms).unwrap(), 12345).to_string();
    let (lo, hi) = audit_range(Some(1_000), Some(2_000));
    assert!(lo <= at(1_000) && at(1_000) <= hi);
    assert!(at(1_999) <= hi && at(2_000) > hi, "`to` is excluded");
    assert!(at(999) < lo);
    let (lo, hi) = audit_range(None, None);
    assert!(lo <= at(0) && at(i64::from(u32::MAX)) <= hi);
}

#[test]
fn every_tenant_key_starts_with_the_tenant() {
    let (t, u) = ids();
    let email = Email::parse("a@b.co").unwrap();
    let prefix = format!("T#{}", t.ulid());
    for key in [
        tenant(t),
        user(t, u),
        login_email(t, &email),
        session(t, u, SessionId::new()),
        login_failures(t, &email),
        event(t, EventId::new()),
        organization(t, OrganizationId::new()),
        organization_domain(t, "acme.example"),
    ] {
        assert!(key.pk.starts_with(&prefix), "{key:?}");
    }
}

#[test]
fn sla_timer_keys_sort_by_time_and_read_back() {
    let (t, _) = ids();
    let k: TicketId = "tkt_01J9Z3Q4W5E6R7T8Y9V0A1B2C7".parse().unwrap();
    let d: Timestamp = "2026-11-22T10:05:42.5Z".parse().unwrap();
    assert_eq!(sla_timer_pk(d), "SLA#2026-11-22T10:05");
    let sk = sla_timer_sk(d, t, k);
    assert_eq!(
        sk,
        "2026-11-22T10:05:42.500Z#01J9Z3Q4W5E6R7T8Y9V0A1B2C3#01J9Z3Q4W5E6R7T8Y9V0A1B2C7"
    );
    assert_eq!(parse_sla_timer_sk(&sk), Some((d, t, k)));
    let whole: Timestamp = "2026-11-22T10:05:42Z".parse().unwrap();
    assert!(
        sla_timer_sk(whole, t, k) < sk,
        "fixed width: 42.000 before 42.500"
    );
}

#[test]
fn golden_knowledge_base_keys() {
    use switchboard_domain::kb::article::Slug as ArticleSlug;
    use switchboard_domain::kb::locale::Locale;
    use switchboard_domain::kernel::ids::{ArticleId, CategoryId, RevisionId, SectionId};
    let (t, _) = ids();
    let ulid = "01J9Z3Q4W5E6R7T8Y9V0A1B2C9";
    let a: ArticleId = format!("art_{ulid}").parse().unwrap();
    let c: CategoryId = format!("kbc_{ulid}").parse().unwrap();
    let s: SectionId = format!("kbs_{ulid}").parse().unwrap();
    let r: RevisionId = format!("rev_{ulid}").parse().unwrap();
    let fr = Locale::parse("fr-CA").unwrap();
    let day = jiff::civil::date(2026, 12, 7);
    let tp = "T#01J9Z3Q4W5E6R7T8Y9V0A1B2C3";
    let key = |k: Key| (k.pk, k.sk);
    let own = |pk: &str, sk: &str| (pk.to_owned(), sk.to_owned());
    let article = format!("{tp}#KB#{ulid}");
    assert_eq!(key(kb_settings(t)), own(tp, "KBSETTINGS"));
    assert_eq!(key(kb_category(t, c)), own(tp, &format!("KBCAT#{ulid}")));
    assert_eq!(key(kb_section(t, s)), own(tp, &format!("KBSEC#{ulid}")));
    assert_eq!(key(kb_article(t, a)), own(&article, "ARTICLE"));
    assert_eq!(key(kb_translation(t, a, &fr)), own(&article, "L#fr-CA"));
    assert_eq!(
        key(kb_revision(t, a, &fr, r)),
        own(&article, &format!("R#fr-CA#{ulid}"))
    );
    assert_eq!(key(kb_vote(t, a, "ab12")), own(&article, "VOTE#ab12"));
    assert_eq!(key(kb_stats(t, a)), own(&article, "STATS"));
    let slug = format!("{tp}#KBSLUG#fr-CA#mot-de-passe");
    assert_eq!(
        key(kb_slug(
            t,
            &fr,
            &ArticleSlug::parse("mot-de-passe").unwrap()
        )),
        own(&slug, &slug)
    );
    assert_eq!(kb_section_articles_pk(t, s), format!("{tp}#KBSEC#{ulid}"));
    assert_eq!(kb_section_articles_sk(7, a), format!("0000000007#{ulid}"));
    assert_eq!(kb_articles_pk(t), format!("{tp}#KBARTICLES"));
    assert_eq!(
        kb_articles_sk(Timestamp::from_second(1).unwrap(), a),
        format!("00000000000001000000#{ulid}")
    );
    let insights = format!("{tp}#KBINSIGHTS");
    assert_eq!(key(kb_day(t, day)), own(&insights, "2026-12-07#DAY"));
    assert_eq!(
        key(kb_day_article(t, day, a)),
        own(&insights, &format!("2026-12-07#A#{ulid}"))
    );
    assert_eq!(
        key(kb_day_unanswered(t, day, "refund policy")),
        own(&insights, "2026-12-07#Q#refund policy")
    );
    let ticket: TicketId = format!("tkt_{ulid}").parse().unwrap();
    assert_eq!(
        key(kb_links(t, ticket)),
        own(&format!("{tp}#KBLINKS#{ulid}"), "LINKS")
    );
}
