//! SLA configuration, `SlaSettings`: business-hours calendars
//! (`business_hours`, `put_business_hours`) and ordered policies
//! (`policies`, `policy`, `create_policy`, `update_policy`,
//! `delete_policy`): staff read, admins change, one version per set,
//! every invalid field named, other helpdesks' policies not found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::fields;
use channels_support::sla::{business, first_response, minutes, policy, weekdays};
use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{SlaPolicyId, TeamId};
use switchboard_domain::sla::policy::{Action, HoursInterval, MAX_POLICIES, Targets};
use switchboard_domain::sla::settings::{DEFAULT_WARN_AT, PolicyInput, SlaSettings};
use switchboard_domain::tickets::ticket::Priority;
use switchboard_testkit::MemoryStore;

fn settings(store: &MemoryStore) -> SlaSettings<MemoryStore> {
    SlaSettings::new(store.clone())
}

#[tokio::test]
async fn a_helpdesk_starts_with_no_calendars_and_no_policies_at_version_zero() {
    let (store, _, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let hours = s.business_hours(&acme.agent.principal).await.unwrap();
    assert!(hours.calendars.is_empty());
    assert_eq!((hours.version, hours.updated_at), (0, None));
    let policies = s.policies(&acme.agent.principal).await.unwrap();
    assert!(policies.policies.is_empty());
    assert_eq!(policies.version, 0);
}

#[tokio::test]
async fn an_admin_replaces_the_calendars_and_each_write_is_a_new_version() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let office = weekdays("office", "Europe/Berlin", "09:00", "17:00", &["2026-12-25"]);
    let put = s
        .put_business_hours(owner, vec![office.clone()], Some(0), clock.now())
        .await
        .unwrap();
    assert_eq!((put.version, put.updated_at), (1, Some(clock.now())));
    assert_eq!(s.business_hours(&acme.agent.principal).await.unwrap(), put);

    let stale = s
        .put_business_hours(owner, vec![], Some(0), clock.now())
        .await;
    assert!(
        matches!(stale, Err(DomainError::PreconditionFailed)),
        "{stale:?}"
    );
    let admin = acme
        .person(&store, "admin", "Ada Admin", clock.now())
        .await
        .unwrap();
    clock.advance(SignedDuration::from_mins(1));
    let night = weekdays("night", "America/New_York", "22:00", "06:00", &[]);
    let second = s
        .put_business_hours(&admin.principal, vec![office, night], None, clock.now())
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    let names: Vec<&str> = second.calendars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["office", "night"]);
    // Someone else wrote between our read and our write.
    store.fail_next_call_to("put_business_hours", StoreError::VersionMismatch);
    let raced = s.put_business_hours(owner, vec![], None, clock.now()).await;
    assert!(
        matches!(raced, Err(DomainError::PreconditionFailed)),
        "{raced:?}"
    );
    assert_eq!(s.business_hours(owner).await.unwrap().version, 2);
}

#[tokio::test]
async fn invalid_calendars_are_refused_naming_each_field() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let mut mars = weekdays("mars", "Mars/Olympus", "09:00", "17:00", &["2026-13-45"]);
    mars.week.insert("funday".into(), vec![]);
    mars.week.insert(
        "saturday".into(),
        vec![HoursInterval {
            start: "25:00".into(),
            end: "26:00".into(),
        }],
    );
    let mut closed = weekdays("closed", "UTC", "09:00", "17:00", &[]);
    closed.week.clear();
    let twin = weekdays("mars", "UTC", "09:00", "17:00", &[]);
    let nameless = weekdays(" ", "UTC", "09:00", "17:00", &[]);
    let refused = s
        .put_business_hours(
            &acme.owner.principal,
            vec![mars, closed, twin, nameless],
            None,
            clock.now(),
        )
        .await;
    let got = fields(refused);
    for expected in [
        ("calendars.0.week.funday", "invalid_weekday"),
        ("calendars.0.week.saturday.0", "invalid_time"),
        ("calendars.0.holidays.0.date", "invalid_date"),
        ("calendars.1.week", "no_hours"),
        ("calendars.2.name", "duplicate_name"),
        ("calendars.3.name", "invalid_name"),
    ] {
        assert!(
            got.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} in {got:?}"
        );
    }
    let zone = s
        .put_business_hours(
            &acme.owner.principal,
            vec![weekdays("x", "Mars/Olympus", "09:00", "17:00", &[])],
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        fields(zone),
        [("calendars.0.timeZone".to_owned(), "unknown_time_zone")]
    );
    assert_eq!(
        s.business_hours(&acme.owner.principal)
            .await
            .unwrap()
            .version,
        0
    );
}

#[tokio::test]
async fn a_calendar_a_policy_counts_in_cannot_be_removed() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let office = weekdays("office", "Europe/Berlin", "09:00", "17:00", &[]);
    s.put_business_hours(owner, vec![office], None, clock.now())
        .await
        .unwrap();
    let input = policy(
        "Office hours",
        Targets {
            first_response: business(60, "office"),
            ..Targets::default()
        },
    );
    s.create_policy(owner, input, clock.now()).await.unwrap();
    let removed = s.put_business_hours(owner, vec![], None, clock.now()).await;
    assert_eq!(
        fields(removed),
        [("calendars".to_owned(), "calendar_in_use")]
    );
    assert_eq!(s.business_hours(owner).await.unwrap().calendars.len(), 1);
}

#[tokio::test]
async fn agents_read_the_settings_but_only_admins_change_them_and_customers_see_nothing() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let (made, _) = s
        .create_policy(owner, policy("Fast", first_response(30)), clock.now())
        .await
        .unwrap();
    let agent = &acme.agent.principal;
    assert!(s.business_hours(agent).await.is_ok());
    assert_eq!(s.policy(agent, made.id).await.unwrap().0, made);
    let now = clock.now();
    let agent_writes = [
        s.put_business_hours(agent, vec![], None, now)
            .await
            .map(|_| ()),
        s.create_policy(agent, policy("Mine", first_response(5)), now)
            .await
            .map(|_| ()),
        s.update_policy(agent, made.id, PolicyInput::default(), None, now)
            .await
            .map(|_| ()),
        s.delete_policy(agent, made.id, clock.now()).await,
    ];
    for r in agent_writes {
        assert!(matches!(r, Err(DomainError::Forbidden)), "{r:?}");
    }
    let customer = &acme.customer.principal;
    assert!(matches!(
        s.business_hours(customer).await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        s.policies(customer).await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        s.policy(customer, made.id).await,
        Err(DomainError::Forbidden)
    ));
    assert_eq!(s.policies(owner).await.unwrap().policies, [made]);
}

#[tokio::test]
async fn a_new_policy_takes_the_defaults_and_goes_last_unless_placed() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let (first, v1) = s
        .create_policy(owner, policy("First", first_response(30)), clock.now())
        .await
        .unwrap();
    assert_eq!(v1, 1);
    assert_eq!(first.warn_at, DEFAULT_WARN_AT);
    assert!(first.on_warning.is_empty() && first.on_breach.is_empty());
    assert_eq!(first.conditions, Default::default(), "matches any ticket");
    assert_eq!(
        (first.created_at, first.updated_at),
        (clock.now(), clock.now())
    );
    let (second, _) = s
        .create_policy(owner, policy("Second", first_response(30)), clock.now())
        .await
        .unwrap();
    let (top, v3) = s
        .create_policy(
            owner,
            PolicyInput {
                position: Some(0),
                warn_at: Some(0.5),
                ..policy("Top", first_response(10))
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!((v3, top.warn_at), (3, 0.5));
    let far = s
        .create_policy(
            owner,
            PolicyInput {
                position: Some(99),
                ..policy("Far", first_response(10))
            },
            clock.now(),
        )
        .await
        .unwrap()
        .0;
    let all = s.policies(owner).await.unwrap();
    let ids: Vec<SlaPolicyId> = all.policies.iter().map(|p| p.id).collect();
    assert_eq!(ids, [top.id, first.id, second.id, far.id]);
    assert_eq!(all.version, 4);
    assert_eq!(s.policy(owner, second.id).await.unwrap(), (second, 4));
}

#[tokio::test]
async fn another_helpdesks_policy_is_not_found() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let (made, _) = s
        .create_policy(
            &acme.owner.principal,
            policy("Ours", first_response(30)),
            clock.now(),
        )
        .await
        .unwrap();
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let them = &other.owner.principal;
    assert!(matches!(
        s.policy(them, made.id).await,
        Err(DomainError::NotFound)
    ));
    let update = s
        .update_policy(
            them,
            made.id,
            policy("Theirs", first_response(1)),
            None,
            clock.now(),
        )
        .await;
    assert!(matches!(update, Err(DomainError::NotFound)), "{update:?}");
    assert!(matches!(
        s.delete_policy(them, made.id, clock.now()).await,
        Err(DomainError::NotFound)
    ));
    assert!(s.policies(them).await.unwrap().policies.is_empty());
    assert_eq!(
        s.policy(&acme.owner.principal, made.id).await.unwrap().0,
        made
    );
}

#[tokio::test]
async fn invalid_policies_are_refused_naming_each_field() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let empty = s
        .create_policy(
            owner,
            PolicyInput {
                name: Some("  ".into()),
                warn_at: Some(1.5),
                ..PolicyInput::default()
            },
            clock.now(),
        )
        .await;
    assert_eq!(
        fields(empty),
        [
            ("name".to_owned(), "invalid_name"),
            ("warnAt".to_owned(), "out_of_range"),
            ("targets".to_owned(), "required")
        ]
    );
    let targets = [(
        Priority::High,
        Targets {
            first_response: minutes(0),
            resolution: business(60, "nowhere"),
            ..Targets::default()
        },
    )];
    let bad = s
        .create_policy(
            owner,
            PolicyInput {
                name: Some("Bad".into()),
                targets: Some(targets.into_iter().collect()),
                on_warning: Some(vec![Action::AssignTeam {
                    team_id: TeamId::new(),
                }]),
                on_breach: Some(vec![
                    Action::RaisePriority,
                    Action::AssignAgent {
                        user_id: acme.customer.user.id,
                    },
                    Action::Notify {
                        user_id: acme.agent.user.id,
                    },
                ]),
                ..PolicyInput::default()
            },
            clock.now(),
        )
        .await;
    assert_eq!(
        fields(bad),
        [
            (
                "targets.high.firstResponse.minutes".to_owned(),
                "out_of_range"
            ),
            (
                "targets.high.resolution.businessHours".to_owned(),
                "unknown_calendar"
            ),
            ("onWarning.0".to_owned(), "unknown_team"),
            ("onBreach.1".to_owned(), "invalid_assignee")
        ]
    );
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let foreign = s
        .create_policy(
            owner,
            PolicyInput {
                on_breach: Some(vec![Action::Notify {
                    user_id: other.agent.user.id,
                }]),
                ..policy("Foreign", first_response(5))
            },
            clock.now(),
        )
        .await;
    assert_eq!(
        fields(foreign),
        [("onBreach.0".to_owned(), "invalid_assignee")]
    );
    assert!(s.policies(owner).await.unwrap().policies.is_empty());
}

#[tokio::test]
async fn an_update_changes_only_what_it_names_and_can_move_a_policy() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let (a, _) = s
        .create_policy(owner, policy("A", first_response(30)), clock.now())
        .await
        .unwrap();
    let (b, v) = s
        .create_policy(owner, policy("B", first_response(30)), clock.now())
        .await
        .unwrap();
    clock.advance(SignedDuration::from_mins(1));
    let (changed, v3) = s
        .update_policy(
            owner,
            b.id,
            PolicyInput {
                warn_at: Some(0.5),
                position: Some(0),
                ..PolicyInput::default()
            },
            Some(v),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(v3, v + 1);
    assert_eq!((changed.warn_at, changed.name.as_str()), (0.5, "B"));
    assert_eq!(changed.targets, b.targets, "kept");
    assert_eq!(
        (changed.created_at, changed.updated_at),
        (b.created_at, clock.now())
    );
    let order: Vec<SlaPolicyId> = s
        .policies(owner)
        .await
        .unwrap()
        .policies
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(order, [b.id, a.id]);

    let stale = s
        .update_policy(
            owner,
            a.id,
            policy("A2", first_response(5)),
            Some(v),
            clock.now(),
        )
        .await;
    assert!(
        matches!(stale, Err(DomainError::PreconditionFailed)),
        "{stale:?}"
    );
    let invalid = s
        .update_policy(
            owner,
            a.id,
            PolicyInput {
                warn_at: Some(0.0),
                ..PolicyInput::default()
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(fields(invalid), [("warnAt".to_owned(), "out_of_range")]);
    let unknown = s
        .update_policy(
            owner,
            SlaPolicyId::new(),
            PolicyInput::default(),
            None,
            clock.now(),
        )
        .await;
    assert!(matches!(unknown, Err(DomainError::NotFound)));
    assert_eq!(s.policy(owner, a.id).await.unwrap(), (a, v3));
}

#[tokio::test]
async fn a_deleted_policy_is_gone_and_an_unknown_one_is_not_found() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    let (a, _) = s
        .create_policy(owner, policy("A", first_response(30)), clock.now())
        .await
        .unwrap();
    let (b, _) = s
        .create_policy(owner, policy("B", first_response(30)), clock.now())
        .await
        .unwrap();
    s.delete_policy(owner, a.id, clock.now()).await.unwrap();
    assert!(matches!(
        s.policy(owner, a.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        s.delete_policy(owner, a.id, clock.now()).await,
        Err(DomainError::NotFound)
    ));
    let all = s.policies(owner).await.unwrap();
    assert_eq!((all.policies, all.version), (vec![b], 3));
    store.fail_next_call_to("put_sla_policies", StoreError::VersionMismatch);
    let raced = s
        .create_policy(owner, policy("C", first_response(30)), clock.now())
        .await;
    assert!(
        matches!(raced, Err(DomainError::PreconditionFailed)),
        "{raced:?}"
    );
}

#[tokio::test]
async fn a_helpdesk_has_at_most_fifty_policies() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let owner = &acme.owner.principal;
    for i in 0..MAX_POLICIES {
        s.create_policy(
            owner,
            policy(&format!("P{i}"), first_response(30)),
            clock.now(),
        )
        .await
        .unwrap();
    }
    let one_more = s
        .create_policy(owner, policy("One more", first_response(30)), clock.now())
        .await;
    assert_eq!(fields(one_more), [("name".to_owned(), "too_many")]);
    assert_eq!(
        s.policies(owner).await.unwrap().policies.len(),
        MAX_POLICIES
    );
}

#[tokio::test]
async fn an_api_key_reads_sla_settings_with_tenant_read_and_changes_them_with_tenant_write() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let s = settings(&store);
    let now = clock.now();
    let reader =
        channels_support::api_key(&store, &acme, Role::Admin, &[Scope::TenantRead], now).await;
    let writer =
        channels_support::api_key(&store, &acme, Role::Admin, &[Scope::TenantWrite], now).await;
    assert!(s.policies(&reader).await.is_ok());
    let refused = s
        .create_policy(&reader, policy("Key", first_response(5)), now)
        .await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{refused:?}"
    );
    let (made, _) = s
        .create_policy(&writer, policy("Key", first_response(5)), now)
        .await
        .unwrap();
    assert_eq!(s.policy(&reader, made.id).await.unwrap().0, made);
}
