//! The storage contract: what every implementation of the domain's storage
//! ports must do, written once as async functions generic over the ports.
//! `tests/contract_memory.rs` runs them on [`crate::MemoryStore`],
//! `shared/aws/tests/contract.rs` on `DynamoStore` in the emulator; a
//! difference between the two is a bug in one of them.
//!
//! Each contract takes the store and an [`Outbox`] to look for the events
//! it wrote, makes its own tenants (so contracts run in parallel on one
//! table) and panics on the first broken expectation.

// Contracts are tests: a broken expectation is a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod analytics;
mod audit;
mod automation;
mod conversations;
mod copies;
mod credentials;
mod cursors;
mod email;
mod jobs;
mod kb;
mod kernel;
mod limits;
mod lists;
mod merges;
mod notifications;
mod organizations;
mod realtime;
mod sla;
mod support;
mod tickets;
mod views;
mod webhooks;

pub use accounts::*;
pub use analytics::*;
pub use audit::*;
pub use automation::*;
pub use conversations::*;
pub use copies::*;
pub use credentials::*;
pub use cursors::*;
pub use email::*;
pub use jobs::*;
pub use kb::*;
pub use kernel::*;
pub use limits::*;
pub use lists::*;
pub use merges::*;
pub use notifications::*;
pub use organizations::*;
pub use realtime::*;
pub use sla::*;
pub use support::{Outbox, all_pages, all_pages_short, assert_error, assert_invalid_cursor};
pub use tickets::*;
pub use views::*;
pub use webhooks::*;

/// Every contract by name; each store's suite runs all of them (its test
/// of this list says which, if any, it leaves out and why).
pub const ALL: &[&str] = &[
    // kernel and routing
    "events_are_appended_once",
    "idempotency_records_are_kept_a_day",
    "expired_idempotency_keys_can_be_used_again",
    "health_answers",
    "steps_are_completed_once",
    "one_item_twice_is_refused",
    // accounts
    "slugs_are_unique",
    "login_emails_are_unique_per_tenant",
    "tenant_and_user_writes_check_versions",
    "tenants_are_listed_newest_first",
    "users_are_listed_by_role_then_name",
    "refresh_tokens_rotate_once",
    "login_failures_count_within_a_window",
    "reset_requests_are_noted_once_per_window",
    "password_links_are_taken_once",
    "api_keys_are_revoked_once",
    "teams_are_versioned_and_sorted_by_name",
    "organisations_claim_their_domains",
    "views_are_listed_by_owner_and_sharing",
    "principal_state_carries_the_members_organisation",
    // tickets
    "ticket_numbers_count_up",
    "tickets_are_read_together_in_order",
    "ticket_writes_are_all_or_nothing",
    "ticket_writes_check_versions",
    "touching_a_ticket_moves_only_its_update_time",
    "conversations_read_a_ticket_with_its_comments",
    "field_schemas_are_versioned",
    "ticket_lists_follow_their_index",
    "ticket_list_cursors_belong_to_their_query",
    "ticket_list_cursors_tell_their_filters_apart",
    "cursors_belong_to_their_list",
    "copied_tickets_join_their_peoples_lists",
    "organisation_lists_hold_their_tickets",
    "several_tickets_are_written_as_one",
    // notifications and realtime
    "notifications_are_added_once",
    "notifications_are_listed_newest_first",
    "reading_notifications_keeps_the_count",
    "preferences_are_kept_per_person",
    "connection_tickets_are_taken_once",
    "buckets_lease_what_they_hold_and_refill",
    "subscriptions_follow_their_connection",
    // webhooks and attachments
    "endpoints_are_versioned",
    "deliveries_are_recorded_once",
    "uploads_attach_once",
    // email
    "mailbox_addresses_are_unique_across_tenants",
    "messages_are_listed_by_decision_newest_first",
    "messages_order_within_a_second",
    "bounces_are_remembered",
    "mails_are_claimed_once",
    // sla
    "sla_config_is_versioned",
    // automation
    "triggers_are_versioned",
    "macros_keep_their_usage_through_changes",
    "automations_are_versioned_and_list_their_tenant",
    "tallies_add_once_per_event",
    "audit_entries_are_written_with_their_changes",
    "configuration_changes_are_written_with_their_events",
    "ratings_and_survey_refusals_are_kept",
    "sla_views_list_soonest_due_first",
    "sla_timers_are_found_by_minute",
    "sla_announcements_are_made_once",
    "scheduler_cursor_round_trips",
    // jobs and privacy
    "jobs_are_created_once_and_saved_at_their_version",
    "erasures_forget_mail_and_rewrite_history",
    // knowledge base
    "kb_structure_is_versioned",
    "kb_articles_are_written_whole",
    "kb_feedback_is_counted_by_day",
];

/// Runs each named contract as a `#[tokio::test]` on the store `$store`
/// builds (an async expression) with the outbox `$outbox` makes of it.
/// Contracts after `ignored:` become ignored tests with the reason given
/// (`cargo test -- --ignored` runs them). Adds `every_contract_runs`, which
/// fails when a contract of [`ALL`] is left out.
#[macro_export]
macro_rules! contract_tests {
    (
        store: $store:expr,
        outbox: $outbox:expr,
        run: [$($name:ident),* $(,)?],
        ignored: [$($ignored:ident = $why:literal),* $(,)?] $(,)?
    ) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $store;
                let outbox = ($outbox)(&store);
                $crate::contract::$name(&store, &outbox).await;
            }
        )*

        $(
            #[tokio::test]
            #[ignore = $why]
            async fn $ignored() {
                let store = $store;
                let outbox = ($outbox)(&store);
                $crate::contract::$ignored(&store, &outbox).await;
            }
        )*

        #[test]
        fn every_contract_runs() {
            let named: &[&str] = &[$(stringify!($name),)* $(stringify!($ignored),)*];
            for name in $crate::contract::ALL {
                assert!(named.contains(name), "the contract `{name}` is not run");
            }
            for name in named {
                assert!($crate::contract::ALL.contains(name), "`{name}` is not a contract");
            }
        }
    };
}
