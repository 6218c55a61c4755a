//! The storage contract (`switchboard_testkit::contract`) on `DynamoStore`
//! in the emulator's table: the same expectations the in-memory store
//! meets. Run through `infra/test`, which starts moto and provisions the
//! table (`SWITCHBOARD_TEST_ENDPOINT`, `SWITCHBOARD_TEST_TABLE`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_aws::DynamoStore;
use switchboard_aws::keys::{self, attr};
use switchboard_domain::kernel::ids::{EventId, TenantId};
use switchboard_testkit::contract::Outbox;

/// Reads the outbox items of the table itself (the ports never do).
struct TableOutbox(DynamoStore);

impl Outbox for TableOutbox {
    async fn holds(&self, tenant: TenantId, id: EventId) -> bool {
        let key = keys::event(tenant, id);
        self.0
            .client()
            .get_item()
            .table_name(self.0.table())
            .key(attr::PK, AttributeValue::S(key.pk))
            .key(attr::SK, AttributeValue::S(key.sk))
            .consistent_read(true)
            .send()
            .await
            .expect("reading the outbox")
            .item
            .is_some()
    }
}

switchboard_testkit::contract_tests! {
    store: switchboard_harness::store().await,
    outbox: |store: &DynamoStore| TableOutbox(store.clone()),
    run: [
        events_are_appended_once,
        idempotency_records_are_kept_a_day,
        health_answers,
        steps_are_completed_once,
        one_item_twice_is_refused,
        slugs_are_unique,
        login_emails_are_unique_per_tenant,
        tenant_and_user_writes_check_versions,
        tenants_are_listed_newest_first,
        users_are_listed_by_role_then_name,
        refresh_tokens_rotate_once,
        login_failures_count_within_a_window,
        reset_requests_are_noted_once_per_window,
        password_links_are_taken_once,
        api_keys_are_revoked_once,
        teams_are_versioned_and_sorted_by_name,
        ticket_numbers_count_up,
        tickets_are_read_together_in_order,
        ticket_writes_are_all_or_nothing,
        ticket_writes_check_versions,
        touching_a_ticket_moves_only_its_update_time,
        conversations_read_a_ticket_with_its_comments,
        field_schemas_are_versioned,
        ticket_lists_follow_their_index,
        ticket_list_cursors_belong_to_their_query,
        cursors_belong_to_their_list,
        copied_tickets_join_their_peoples_lists,
        organisation_lists_hold_their_tickets,
        organisations_claim_their_domains,
        views_are_listed_by_owner_and_sharing,
        kb_structure_is_versioned,
        kb_articles_are_written_whole,
        kb_feedback_is_counted_by_day,
        jobs_are_created_once_and_saved_at_their_version,
        erasures_forget_mail_and_rewrite_history,
        principal_state_carries_the_members_organisation,
        several_tickets_are_written_as_one,
        notifications_are_added_once,
        notifications_are_listed_newest_first,
        reading_notifications_keeps_the_count,
        preferences_are_kept_per_person,
        connection_tickets_are_taken_once,
        buckets_lease_what_they_hold_and_refill,
        subscriptions_follow_their_connection,
        endpoints_are_versioned,
        deliveries_are_recorded_once,
        uploads_attach_once,
        mailbox_addresses_are_unique_across_tenants,
        messages_are_listed_by_decision_newest_first,
        bounces_are_remembered,
        mails_are_claimed_once,
        sla_config_is_versioned,
        triggers_are_versioned,
        macros_keep_their_usage_through_changes,
        automations_are_versioned_and_list_their_tenant,
        tallies_add_once_per_event,
        audit_entries_are_written_with_their_changes,
        configuration_changes_are_written_with_their_events,
        ratings_and_survey_refusals_are_kept,
        sla_views_list_soonest_due_first,
        sla_timers_are_found_by_minute,
        sla_announcements_are_made_once,
        scheduler_cursor_round_trips,
        expired_idempotency_keys_can_be_used_again,
        ticket_list_cursors_tell_their_filters_apart,
        messages_order_within_a_second,
    ],
    ignored: [],
}
