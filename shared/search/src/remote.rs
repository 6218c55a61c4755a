//! Indexes shared by every process: each tenant's segment files on S3,
//! and a manifest item in the table naming them with the index's
//! `meta.json`, replaced only at the version it was read at. A writer
//! brings a local copy up to the manifest, changes it, uploads the files
//! that are new (each under a key of its own: two racing writers may
//! make files of one name, such as a segment's deletions) and writes the
//! next manifest; a writer that lost the race throws its copy away and
//! starts again from the winner's. A reader brings its copy up to the
//! manifest (downloading only files it lacks) and searches it. Nothing
//! costs anything while nobody writes or searches. A file the next
//! manifest stops using (merged away, or a segment's old deletions) is
//! listed in it as retired and deleted from S3 by a write after 15
//! minutes, when no reader can still be fetching it; what an attempt that
//! lost the race uploaded is deleted at once. A writer killed between its
//! uploads and its manifest write leaves its uploads behind.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_aws::keys::{self, objects};
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{TenantId, TicketId, UserId};
use switchboard_domain::search::document::TicketDocument;
use switchboard_domain::search::person::{PeopleHits, PeopleQuery, PersonDocument};
use switchboard_domain::search::ports::{Hits, IndexQuery, PeopleIndex, TicketIndex};
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentComponent;
use tantivy::{Index, IndexWriter, ReloadPolicy};

use crate::{Kind, PerIndex, WRITER_BYTES, documents, engine, people, schema, searching};

/// How many times a writer starts again after losing the race.
const ATTEMPTS: usize = 8;
/// Files tantivy keeps beside the segments that are not part of them.
const META: &str = "meta.json";
/// A download under way.
const PART: &str = ".part";

#[derive(Clone)]
pub struct SharedIndexes {
    s3: aws_sdk_s3::Client,
    bucket: String,
    dynamo: aws_sdk_dynamodb::Client,
    table: String,
    /// Local copies, a directory per tenant and index.
    cache: PathBuf,
    /// How long a file no manifest uses stays on S3.
    grace_seconds: u64,
    /// One user of a tenant's local copy at a time in this process.
    locks: PerIndex<Arc<tokio::sync::Mutex<()>>>,
}

/// What the table says a tenant's index is: its files (name → S3 key),
/// and the keys of files it no longer uses with when they left it (unix
/// seconds), deleted from S3 once [`GRACE_SECONDS`] have passed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Manifest {
    files: BTreeMap<String, String>,
    retired: BTreeMap<String, u64>,
    meta: String,
    version: u64,
}

/// How long a file no manifest uses is kept: a reader that read an older
/// manifest is downloading it for seconds at most.
const GRACE_SECONDS: u64 = 15 * 60;
/// The most retired files a manifest lists (about 90 bytes each).
const MAX_RETIRED: usize = 1_000;

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("search index storage: {e}"))
}

impl SharedIndexes {
    pub fn new(
        s3: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        dynamo: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        cache: impl Into<PathBuf>,
    ) -> Self {
        Self {
            s3,
            bucket: bucket.into(),
            dynamo,
            table: table.into(),
            cache: cache.into(),
            grace_seconds: GRACE_SECONDS,
            locks: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Keeps files no manifest uses for `seconds` (tests shorten it).
    pub fn with_file_grace(mut self, seconds: u64) -> Self {
        self.grace_seconds = seconds;
        self
    }

    fn lock(&self, kind: Kind, tenant: TenantId) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((kind, tenant))
            .or_default()
            .clone()
    }

    fn key(kind: Kind, tenant: TenantId) -> HashMap<String, AttributeValue> {
        let k = keys::search_manifest(tenant, kind.name());
        HashMap::from([
            ("PK".to_owned(), AttributeValue::S(k.pk)),
            ("SK".to_owned(), AttributeValue::S(k.sk)),
        ])
    }

    async fn manifest(&self, kind: Kind, tenant: TenantId) -> StoreResult<Option<Manifest>> {
        let out = self
            .dynamo
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(kind, tenant)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        let corrupt = || StoreError::Corrupt("a search manifest".into());
        Ok(Some(Manifest {
            files: item
                .get("files")
                .and_then(|v| v.as_m().ok())
                .map(|m| {
                    m.iter()
                        .filter_map(|(name, key)| Some((name.clone(), key.as_s().ok()?.clone())))
                        .collect()
                })
                .unwrap_or_default(),
            retired: item
                .get("retired")
                .and_then(|v| v.as_m().ok())
                .map(|m| {
                    m.iter()
                        .filter_map(|(key, at)| Some((key.clone(), at.as_n().ok()?.parse().ok()?)))
                        .collect()
                })
                .unwrap_or_default(),
            meta: text("meta").ok_or_else(corrupt)?,
            version: text_number(&item, "version").ok_or_else(corrupt)?,
        }))
    }

    /// Writes the next manifest if the stored one is still `previous`:
    /// `false` when another writer got there first.
    async fn replace_manifest(
        &self,
        kind: Kind,
        tenant: TenantId,
        next: &Manifest,
        previous: Option<u64>,
    ) -> StoreResult<bool> {
        let mut item = Self::key(kind, tenant);
        item.insert("entity".into(), AttributeValue::S("search_manifest".into()));
        item.insert(
            "files".into(),
            AttributeValue::M(
                next.files
                    .iter()
                    .map(|(name, key)| (name.clone(), AttributeValue::S(key.clone())))
                    .collect(),
            ),
        );
        if !next.retired.is_empty() {
            item.insert(
                "retired".into(),
                AttributeValue::M(
                    next.retired
                        .iter()
                        .map(|(key, at)| (key.clone(), AttributeValue::N(at.to_string())))
                        .collect(),
                ),
            );
        }
        item.insert("meta".into(), AttributeValue::S(next.meta.clone()));
        item.insert(
            "version".into(),
            AttributeValue::N(next.version.to_string()),
        );
        let put = self
            .dynamo
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = match previous {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(v) => put
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    /// The tenant's local copy, made to hold exactly the manifest's files
    /// (only missing ones are downloaded, each whole or not at all: a file
    /// cut short would be trusted later).
    async fn sync(
        &self,
        kind: Kind,
        tenant: TenantId,
        manifest: Option<&Manifest>,
    ) -> StoreResult<PathBuf> {
        let dir = self.cache.join(kind.dir_name(tenant));
        tokio::fs::create_dir_all(&dir).await.map_err(engine)?;
        let wanted = manifest.map(|m| m.files.clone()).unwrap_or_default();
        for name in local_files(&dir)? {
            if !wanted.contains_key(&name) {
                tokio::fs::remove_file(dir.join(&name))
                    .await
                    .map_err(engine)?;
            }
        }
        for (name, key) in &wanted {
            let path = dir.join(name);
            if tokio::fs::try_exists(&path).await.map_err(engine)? {
                continue;
            }
            let object = self
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(objects::search_file(tenant, key))
                .send()
                .await
                .map_err(unavailable)?;
            let bytes = object
                .body
                .collect()
                .await
                .map_err(unavailable)?
                .into_bytes();
            let part = dir.join(format!("{name}{PART}"));
            tokio::fs::write(&part, &bytes).await.map_err(engine)?;
            tokio::fs::rename(&part, &path).await.map_err(engine)?;
        }
        let meta = dir.join(META);
        match manifest {
            Some(m) => tokio::fs::write(&meta, m.meta.as_bytes())
                .await
                .map_err(engine)?,
            None if tokio::fs::try_exists(&meta).await.map_err(engine)? => {
                tokio::fs::remove_file(&meta).await.map_err(engine)?
            }
            None => {}
        }
        Ok(dir)
    }

    /// Applies `change` to the tenant's index of `kind` and publishes it.
    pub(crate) async fn write(
        &self,
        kind: Kind,
        tenant: TenantId,
        change: impl Fn(&mut IndexWriter, &Index) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let lock = self.lock(kind, tenant);
        let _held = lock.lock().await;
        for _ in 0..ATTEMPTS {
            let current = self.manifest(kind, tenant).await?;
            let dir = self.sync(kind, tenant, current.as_ref()).await?;
            let (names, meta) = commit_locally(&dir, kind, &change)?;
            let known = current
                .as_ref()
                .map(|m| m.files.clone())
                .unwrap_or_default();
            // This attempt's own keys for the files it made.
            let attempt = ulid::Ulid::new().to_string().to_lowercase();
            let mut files = BTreeMap::new();
            let mut uploaded = Vec::new();
            for name in names {
                if let Some(key) = known.get(&name) {
                    files.insert(name, key.clone());
                    continue;
                }
                let key = format!("{}/{attempt}-{name}", kind.name());
                let body = tokio::fs::read(dir.join(&name)).await.map_err(engine)?;
                self.s3
                    .put_object()
                    .bucket(&self.bucket)
                    .key(objects::search_file(tenant, &key))
                    .body(body.into())
                    .send()
                    .await
                    .map_err(unavailable)?;
                uploaded.push(key.clone());
                files.insert(name, key);
            }
            let now = jiff::Timestamp::now().as_second().max(0) as u64;
            let (retired, expired) = retire(current.as_ref(), &files, now, self.grace_seconds);
            let next = Manifest {
                files,
                retired,
                meta,
                version: current.as_ref().map_or(1, |m| m.version + 1),
            };
            let landed = self
                .replace_manifest(kind, tenant, &next, current.map(|m| m.version))
                .await?
                // A write whose reply was lost and that the client retried
                // fails its condition against itself: the manifest names
                // this attempt's files if it landed.
                || self
                    .manifest(kind, tenant)
                    .await?
                    .is_some_and(|m| names_any(&m, &uploaded));
            if landed {
                // No manifest names them now, nor did for the grace time.
                self.delete_files(tenant, &expired).await;
                return Ok(());
            }
            // Lost the race: what this attempt uploaded no manifest names.
            self.delete_files(tenant, &uploaded).await;
            // This copy holds files the winner's index does not (or holds
            // differently). Start again from nothing.
            tokio::fs::remove_dir_all(&dir).await.map_err(engine)?;
        }
        Err(StoreError::Unavailable(
            "the search index kept changing under this writer".into(),
        ))
    }
}

/// Whether `manifest` uses or has retired any of `keys`.
fn names_any(manifest: &Manifest, keys: &[String]) -> bool {
    keys.iter()
        .any(|k| manifest.files.values().any(|f| f == k) || manifest.retired.contains_key(k))
}

/// The files the next manifest keeps as retired (the current one's, and
/// those it stops using, as of `now`), and those whose grace is over.
fn retire(
    current: Option<&Manifest>,
    next_files: &BTreeMap<String, String>,
    now: u64,
    grace: u64,
) -> (BTreeMap<String, u64>, Vec<String>) {
    let Some(current) = current else {
        return (BTreeMap::new(), Vec::new());
    };
    let used: BTreeSet<&String> = next_files.values().collect();
    let mut retired = BTreeMap::new();
    let mut expired = Vec::new();
    for (key, at) in &current.retired {
        if now.saturating_sub(*at) >= grace {
            expired.push(key.clone());
        } else {
            retired.insert(key.clone(), *at);
        }
    }
    for key in current.files.values().filter(|k| !used.contains(k)) {
        retired.insert(key.clone(), now);
    }
    // The manifest is one item (at most 400 KB): past MAX_RETIRED, the
    // oldest go early (minutes old by then, under a rebuild's churn).
    if retired.len() > MAX_RETIRED {
        let mut by_age: Vec<(u64, String)> =
            retired.iter().map(|(k, at)| (*at, k.clone())).collect();
        by_age.sort();
        for (_, key) in by_age.into_iter().take(retired.len() - MAX_RETIRED) {
            retired.remove(&key);
            expired.push(key);
        }
    }
    (retired, expired)
}

impl SharedIndexes {
    /// Deletes files no manifest names. A failure leaves them on S3,
    /// which costs storage and nothing else.
    async fn delete_files(&self, tenant: TenantId, keys: &[String]) {
        for chunk in keys.chunks(1000) {
            let objects: Vec<aws_sdk_s3::types::ObjectIdentifier> = chunk
                .iter()
                .filter_map(|k| {
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key(objects::search_file(tenant, k))
                        .build()
                        .ok()
                })
                .collect();
            let Ok(delete) = aws_sdk_s3::types::Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
            else {
                continue;
            };
            if let Err(e) = self
                .s3
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
            {
                tracing::warn!(
                    tenant_id = %tenant,
                    files = chunk.len(),
                    error = %aws_sdk_s3::error::DisplayErrorContext(e),
                    "unused search files left on S3"
                );
            }
        }
    }
}

/// Opens the local copy, applies the change, commits, and says which
/// files make the index now and what its `meta.json` holds.
fn commit_locally(
    dir: &Path,
    kind: Kind,
    change: &impl Fn(&mut IndexWriter, &Index) -> StoreResult<()>,
) -> StoreResult<(BTreeSet<String>, String)> {
    let directory = MmapDirectory::open(dir).map_err(engine)?;
    let index = Index::open_or_create(directory, kind.schema()).map_err(engine)?;
    let mut writer: IndexWriter = index
        .writer_with_num_threads(1, WRITER_BYTES)
        .map_err(engine)?;
    change(&mut writer, &index)?;
    writer.commit().map_err(engine)?;
    writer.wait_merging_threads().map_err(engine)?;
    let meta = std::fs::read_to_string(dir.join(META)).map_err(engine)?;
    // The segments' components, not whatever else the directory holds
    // (files merged away stay until tantivy collects them).
    let present = local_files(dir)?;
    let mut files = BTreeSet::new();
    for segment in index.searchable_segment_metas().map_err(engine)? {
        for component in [
            SegmentComponent::Postings,
            SegmentComponent::Positions,
            SegmentComponent::FastFields,
            SegmentComponent::FieldNorms,
            SegmentComponent::Terms,
            SegmentComponent::Store,
            SegmentComponent::Delete,
        ] {
            let name = segment
                .relative_path(component)
                .to_string_lossy()
                .into_owned();
            if present.contains(&name) {
                files.insert(name);
            }
        }
    }
    Ok((files, meta))
}

/// The segment files of a local copy (not `meta.json`, locks or tantivy's
/// own bookkeeping, which each copy keeps for itself).
fn local_files(dir: &Path) -> StoreResult<BTreeSet<String>> {
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(engine)? {
        let name = entry
            .map_err(engine)?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name != META && !name.starts_with('.') && !name.ends_with(PART) {
            files.insert(name);
        }
    }
    Ok(files)
}

fn text_number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

impl SharedIndexes {
    /// The tenant's index of `kind` as its manifest says it is now, if it
    /// has one, with the local copy held until the search is done.
    pub(crate) async fn open(&self, kind: Kind, tenant: TenantId) -> StoreResult<Option<Opened>> {
        let held = self.lock(kind, tenant).lock_owned().await;
        let Some(manifest) = self.manifest(kind, tenant).await? else {
            return Ok(None);
        };
        let dir = self.sync(kind, tenant, Some(&manifest)).await?;
        let index = Index::open_in_dir(&dir).map_err(engine)?;
        Ok(Some(Opened { index, _held: held }))
    }
}

impl SharedIndexes {
    /// Empties the tenant's index of `kind` (a rebuild starts so).
    pub(crate) async fn clear_index(&self, kind: Kind, tenant: TenantId) -> StoreResult<()> {
        self.write(kind, tenant, |writer, _| {
            writer.delete_all_documents().map_err(engine)?;
            Ok(())
        })
        .await
    }
}

/// An index opened for a search, its local copy left alone meanwhile.
pub(crate) struct Opened {
    pub(crate) index: Index,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

pub(crate) fn searcher(index: &Index) -> StoreResult<tantivy::Searcher> {
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(engine)?;
    Ok(reader.searcher())
}

impl TicketIndex for SharedIndexes {
    async fn put(&self, tenant: TenantId, documents: &[TicketDocument]) -> StoreResult<()> {
        let (_, fields) = schema::build();
        self.write(Kind::Tickets, tenant, |writer, index| {
            documents::apply(writer, &searcher(index)?, &fields, documents)
        })
        .await
    }

    async fn remove(&self, tenant: TenantId, tickets: &[TicketId]) -> StoreResult<()> {
        let (_, fields) = schema::build();
        self.write(Kind::Tickets, tenant, |writer, _| {
            for id in tickets {
                writer.delete_term(documents::id_term(&fields, *id));
            }
            Ok(())
        })
        .await
    }

    async fn clear(&self, tenant: TenantId) -> StoreResult<()> {
        self.clear_index(Kind::Tickets, tenant).await
    }

    async fn search(&self, tenant: TenantId, query: &IndexQuery) -> StoreResult<Hits> {
        let Some(opened) = self.open(Kind::Tickets, tenant).await? else {
            return Ok(Hits::default());
        };
        searching::search(&searcher(&opened.index)?, &schema::build().1, query)
    }

    async fn count_many(
        &self,
        tenant: TenantId,
        queries: &[IndexQuery],
    ) -> StoreResult<Vec<usize>> {
        let Some(opened) = self.open(Kind::Tickets, tenant).await? else {
            return Ok(vec![0; queries.len()]);
        };
        let (searcher, fields) = (searcher(&opened.index)?, schema::build().1);
        queries
            .iter()
            .map(|q| searching::count(&searcher, &fields, q))
            .collect()
    }
}

impl PeopleIndex for SharedIndexes {
    async fn put_people(&self, tenant: TenantId, found: &[PersonDocument]) -> StoreResult<()> {
        self.write(Kind::People, tenant, |writer, _| {
            people::apply(writer, found)
        })
        .await
    }

    async fn remove_people(&self, tenant: TenantId, ids: &[UserId]) -> StoreResult<()> {
        self.write(Kind::People, tenant, |writer, _| {
            people::remove(writer, ids);
            Ok(())
        })
        .await
    }

    async fn clear_people(&self, tenant: TenantId) -> StoreResult<()> {
        self.clear_index(Kind::People, tenant).await
    }

    async fn search_people(
        &self,
        tenant: TenantId,
        query: &PeopleQuery,
    ) -> StoreResult<PeopleHits> {
        let Some(opened) = self.open(Kind::People, tenant).await? else {
            return Ok(PeopleHits::default());
        };
        people::search(&opened.index, &searcher(&opened.index)?, query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(files: &[(&str, &str)], retired: &[(&str, u64)]) -> Manifest {
        Manifest {
            files: files
                .iter()
                .map(|(n, k)| ((*n).to_owned(), (*k).to_owned()))
                .collect(),
            retired: retired
                .iter()
                .map(|(k, at)| ((*k).to_owned(), *at))
                .collect(),
            meta: "{}".into(),
            version: 3,
        }
    }

    #[test]
    fn files_leave_the_index_as_retired_and_go_after_their_grace() {
        let current = manifest(
            &[("a.idx", "k1"), ("b.idx", "k2")],
            &[("old", 100), ("recent", 950)],
        );
        let next: BTreeMap<String, String> = [("a.idx".to_owned(), "k1".to_owned())].into();
        let (retired, expired) = retire(Some(&current), &next, 1_000, 500);
        assert_eq!(expired, ["old"]);
        assert_eq!(
            retired.into_iter().collect::<Vec<_>>(),
            [("k2".to_owned(), 1_000), ("recent".to_owned(), 950)]
        );
        assert_eq!(retire(None, &next, 1_000, 500), (BTreeMap::new(), vec![]));
    }

    #[test]
    fn past_the_cap_the_oldest_retired_files_go_early() {
        let keys: Vec<String> = (0..MAX_RETIRED + 5).map(|i| format!("k{i:05}")).collect();
        let mut current = manifest(&[], &[]);
        for (i, k) in keys.iter().enumerate() {
            current.retired.insert(k.clone(), 900 + i as u64 / 100);
        }
        let (retired, expired) = retire(Some(&current), &BTreeMap::new(), 1_000, 500);
        assert_eq!(retired.len(), MAX_RETIRED);
        assert_eq!(expired, keys[..5]);
    }

    #[test]
    fn a_manifest_names_an_attempts_files_if_it_landed() {
        let m = manifest(&[("a.idx", "mine-a")], &[("mine-b", 1)]);
        assert!(names_any(&m, &["mine-a".into()]));
        assert!(names_any(&m, &["mine-b".into()]));
        assert!(!names_any(&m, &["theirs".into()]));
        assert!(!names_any(&m, &[]));
    }
}
