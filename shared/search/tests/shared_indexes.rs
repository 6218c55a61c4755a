//! Indexes shared through S3 and the table, on the emulator: what one
//! process writes another finds; writers racing on one tenant both land;
//! removals reach every reader; a tenant reads only its own index.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use switchboard_domain::kernel::ids::{TenantId, TicketId, UserId};
use switchboard_domain::search::document::TicketDocument;
use switchboard_domain::search::ports::{IndexQuery, Scope, TicketIndex};
use switchboard_domain::search::query;
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, TicketType};
use switchboard_harness as kit;
use switchboard_search::SharedIndexes;

async fn bucket() -> String {
    let client = switchboard_aws::config::s3(&kit::emulator().await);
    let name = format!("search-{}", ulid::Ulid::new().to_string().to_lowercase());
    client.create_bucket().bucket(&name).send().await.unwrap();
    name
}

/// A process's view: its own local copies.
async fn process(bucket: &str) -> SharedIndexes {
    let config = kit::emulator().await;
    let cache = std::env::temp_dir().join(format!("search-cache-{}", ulid::Ulid::new()));
    SharedIndexes::new(
        switchboard_aws::config::s3(&config),
        bucket,
        switchboard_aws::config::dynamodb(&config),
        std::env::var("SWITCHBOARD_TEST_TABLE").unwrap(),
        cache,
    )
}

fn document(number: u64, subject: &str) -> TicketDocument {
    let now = jiff::Timestamp::now();
    TicketDocument {
        ticket_id: TicketId::new(),
        number,
        subject: subject.into(),
        public: vec![],
        internal: vec![],
        status: Status::Open,
        priority: Priority::Normal,
        kind: TicketType::Question,
        channel: Channel::Web,
        requester_id: UserId::new(),
        cc: BTreeSet::new(),
        organization_id: None,
        assignee_id: None,
        team_id: None,
        tags: BTreeSet::new(),
        fields: BTreeMap::new(),
        has_attachment: false,
        has_public_attachment: false,
        created_at: now,
        updated_at: now,
        public_updated_at: now,
        solved_at: None,
        version: 1,
    }
}

async fn find(index: &SharedIndexes, tenant: TenantId, q: &str) -> Vec<TicketId> {
    let parsed = query::parse(q).unwrap();
    let hits = index
        .search(
            tenant,
            &IndexQuery {
                text: parsed.text,
                excluded: parsed.excluded,
                filters: vec![],
                scope: Scope::Staff,
                sort: SearchSort::Relevance,
                descending: true,
                offset: 0,
                limit: 50,
            },
        )
        .await
        .unwrap();
    hits.hits.into_iter().map(|h| h.ticket_id).collect()
}

#[tokio::test]
async fn what_one_process_writes_another_finds_and_racing_writers_both_land() {
    let bucket = bucket().await;
    let (a, b) = (process(&bucket).await, process(&bucket).await);
    let tenant = TenantId::new();
    let printer = document(1, "Printer on fire");
    a.put(tenant, std::slice::from_ref(&printer)).await.unwrap();
    assert_eq!(find(&b, tenant, "printer ").await, vec![printer.ticket_id]);

    let scanner = document(2, "Scanner jammed");
    b.put(tenant, std::slice::from_ref(&scanner)).await.unwrap();
    assert_eq!(find(&a, tenant, "scanner ").await, vec![scanner.ticket_id]);
    assert_eq!(find(&a, tenant, "printer ").await, vec![printer.ticket_id]);

    // Two writers at once: the loser starts again from the winner's index.
    let fax = document(3, "Fax beeping");
    let modem = document(4, "Modem blinking");
    let (x, y) = tokio::join!(
        a.put(tenant, std::slice::from_ref(&fax)),
        b.put(tenant, std::slice::from_ref(&modem))
    );
    x.unwrap();
    y.unwrap();
    let reader = process(&bucket).await;
    assert_eq!(find(&reader, tenant, "fax ").await, vec![fax.ticket_id]);
    assert_eq!(find(&reader, tenant, "modem ").await, vec![modem.ticket_id]);
    assert_eq!(
        find(&reader, tenant, "printer ").await,
        vec![printer.ticket_id]
    );

    b.remove(tenant, &[printer.ticket_id]).await.unwrap();
    assert!(find(&a, tenant, "printer ").await.is_empty());
    assert_eq!(find(&a, tenant, "scanner ").await, vec![scanner.ticket_id]);

    // Another tenant has no index, and finds nothing of this one.
    assert!(find(&a, TenantId::new(), "scanner ").await.is_empty());
}

/// A writer killed at any point of a commit (its work dropped between two
/// requests: while reading the manifest, downloading, uploading files, or
/// just before or after writing the next manifest) loses nothing that was
/// committed before, and leaves an index the next process reads and
/// writes; what it was writing is there once or not at all. The same
/// change written twice is one document.
#[tokio::test]
async fn a_writer_killed_mid_commit_loses_nothing_and_leaves_a_readable_index() {
    let bucket = bucket().await;
    let tenant = TenantId::new();
    let mut committed = Vec::new();
    let mut killed = 0;
    // Kills spread over a commit (one takes tens to hundreds of
    // milliseconds here), and a few rounds left to finish.
    for (round, delay) in [0u64, 5, 15, 30, 60, 100, 160, 250, 400, 5_000, 0, 5_000]
        .into_iter()
        .enumerate()
    {
        let doc = document(round as u64, &format!("round{round} marker"));
        // A new process each time, as after a kill.
        let writer = process(&bucket).await;
        let put = writer.put(tenant, std::slice::from_ref(&doc));
        match tokio::time::timeout(std::time::Duration::from_millis(delay), put).await {
            Ok(done) => {
                done.unwrap();
                committed.push((round, doc.ticket_id));
            }
            Err(_) => {
                killed += 1;
                let found = find(&process(&bucket).await, tenant, &format!("round{round} ")).await;
                assert!(
                    found.is_empty() || found == [doc.ticket_id],
                    "round {round}: once or not at all, found {found:?}"
                );
            }
        }
        let reader = process(&bucket).await;
        for (r, id) in &committed {
            assert_eq!(
                find(&reader, tenant, &format!("round{r} ")).await,
                [*id],
                "round {r}'s document after round {round}"
            );
        }
    }
    assert!(killed >= 2, "kills landed mid-commit: {killed}");
    assert!(committed.len() >= 2, "commits landed: {}", committed.len());

    // A change delivered twice: one document.
    let again = document(99, "twice delivered");
    let writer = process(&bucket).await;
    writer
        .put(tenant, std::slice::from_ref(&again))
        .await
        .unwrap();
    writer
        .put(tenant, std::slice::from_ref(&again))
        .await
        .unwrap();
    assert_eq!(
        find(&process(&bucket).await, tenant, "twice").await,
        [again.ticket_id]
    );
}

/// The manifest item's files and retired keys (as S3 keys).
async fn manifest_keys(tenant: TenantId) -> (BTreeSet<String>, BTreeSet<String>) {
    let config = kit::emulator().await;
    let key = switchboard_aws::keys::search_manifest(tenant, "tickets.2");
    let item = switchboard_aws::config::dynamodb(&config)
        .get_item()
        .table_name(std::env::var("SWITCHBOARD_TEST_TABLE").unwrap())
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(key.pk))
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S(key.sk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let keys = |name: &str, values: bool| -> BTreeSet<String> {
        item.get(name)
            .and_then(|v| v.as_m().ok())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let key = if values {
                            v.as_s().unwrap().clone()
                        } else {
                            k.clone()
                        };
                        switchboard_aws::keys::objects::search_file(tenant, &key)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    (keys("files", true), keys("retired", false))
}

/// Files no manifest uses any more (a replaced document's old deletions,
/// segments merged away) are listed as retired, then deleted from S3 once
/// their grace is over: the bucket holds the index's files and the
/// retired ones, nothing else, and the index still reads whole.
#[tokio::test]
async fn files_no_manifest_uses_are_collected_after_their_grace() {
    let bucket = bucket().await;
    let tenant = TenantId::new();
    let writer = process(&bucket).await.with_file_grace(0);
    let mut doc = document(1, "collected quasar");
    for round in 0..12 {
        // The same ticket again and again, and a new one each time: old
        // deletions and merged segments leave the index.
        doc.version += 1;
        writer
            .put(
                tenant,
                &[doc.clone(), document(100 + round, "filler nebula")],
            )
            .await
            .unwrap();
    }
    let (files, retired) = manifest_keys(tenant).await;
    let s3 = switchboard_aws::config::s3(&kit::emulator().await);
    let listed: BTreeSet<String> = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(switchboard_aws::keys::objects::search_file(tenant, ""))
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    assert!(files.is_subset(&listed), "every file of the index is there");
    let unused: BTreeSet<&String> = listed.difference(&files).collect();
    assert!(
        unused.iter().all(|k| retired.contains(*k)),
        "only retired files besides the index's: {unused:?}"
    );
    assert!(
        listed.len() < 12 * files.len().max(1),
        "old files were deleted: {} on S3, {} in use",
        listed.len(),
        files.len()
    );
    let reader = process(&bucket).await;
    assert_eq!(find(&reader, tenant, "quasar").await, [doc.ticket_id]);
    assert_eq!(find(&reader, tenant, "nebula").await.len(), 12);
}

/// A sidebar's counts come from one opening of the index; a tenant with
/// no index yet counts zero for each.
#[tokio::test]
async fn counts_of_several_queries_come_from_one_opening() {
    let bucket = bucket().await;
    let index = process(&bucket).await;
    let tenant = TenantId::new();
    index
        .put(
            tenant,
            &[
                document(1, "Printer jammed"),
                document(2, "Printer smoking"),
                document(3, "Scanner jammed"),
            ],
        )
        .await
        .unwrap();
    let query = |q: &str| {
        let parsed = query::parse(q).unwrap();
        IndexQuery {
            text: parsed.text,
            excluded: parsed.excluded,
            filters: vec![],
            scope: Scope::Staff,
            sort: SearchSort::Updated,
            descending: true,
            offset: 0,
            limit: 1,
        }
    };
    let queries = [query("printer "), query("jammed "), query("toner ")];
    let reader = process(&bucket).await;
    assert_eq!(
        reader.count_many(tenant, &queries).await.unwrap(),
        [2, 2, 0]
    );
    assert_eq!(
        reader.count_many(TenantId::new(), &queries).await.unwrap(),
        [0, 0, 0]
    );
}
