//! `bench search`: the ticket index at a tenant's scale, in one process
//! (the engine alone: no S3 or table round trips). Builds a synthetic
//! tenant of `SEARCH_BENCH_TICKETS` tickets (default 1,000,000) with
//! subjects, three public replies and an internal note each, drawn from a
//! skewed vocabulary, in batches of 10,000 (one commit each); then times
//! queries of each kind, as staff and as a customer, warm and on a freshly
//! opened index. Prints Markdown for BENCHMARKS.md.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Context;
use switchboard_domain::kernel::ids::{CommentId, TenantId, TicketId, UserId};
use switchboard_domain::search::document::TicketDocument;
use switchboard_domain::search::ports::{IndexQuery, Scope, TicketIndex};
use switchboard_domain::search::query;
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, TicketType};
use switchboard_search::TantivyIndexes;

/// A small deterministic generator (xorshift): the same tenant each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A word index, skewed towards the common words (as text is).
    fn word(&mut self, vocabulary: usize) -> usize {
        ((self.unit().powf(3.0)) * vocabulary as f64) as usize % vocabulary
    }
}

/// Draws a query of one kind from the vocabulary.
type MakeQuery = fn(&mut Rng, &[String]) -> String;

const VOCABULARY: usize = 30_000;
const REQUESTERS: usize = 20_000;

fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let syllables = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "dra", "on", "el", "ith", "ar", "qu",
        "zen", "bo", "li", "ma", "tor",
    ];
    let mut seen = BTreeSet::new();
    let mut words = Vec::with_capacity(VOCABULARY);
    while words.len() < VOCABULARY {
        let n = 2 + (rng.next() % 3) as usize;
        let word: String = (0..n)
            .map(|_| syllables[(rng.next() % syllables.len() as u64) as usize])
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

fn text(rng: &mut Rng, words: &[String], n: usize) -> String {
    (0..n)
        .map(|_| words[rng.word(words.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn document(rng: &mut Rng, words: &[String], number: u64, requesters: &[UserId]) -> TicketDocument {
    let now = jiff::Timestamp::now();
    let reply = |rng: &mut Rng| {
        let n = 30 + (rng.next() % 30) as usize;
        (CommentId::new(), text(rng, words, n))
    };
    let subject_words = 5 + (rng.next() % 4) as usize;
    TicketDocument {
        ticket_id: TicketId::new(),
        number,
        subject: text(rng, words, subject_words),
        public: (0..3).map(|_| reply(rng)).collect(),
        internal: vec![reply(rng)],
        status: [
            Status::Open,
            Status::Pending,
            Status::Solved,
            Status::Closed,
        ][(rng.next() % 4) as usize],
        priority: Priority::Normal,
        kind: TicketType::Question,
        channel: Channel::Web,
        requester_id: requesters[(rng.next() % requesters.len() as u64) as usize],
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

fn dir_size(path: &std::path::Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn run() -> anyhow::Result<()> {
    let tickets: usize = std::env::var("SEARCH_BENCH_TICKETS")
        .ok()
        .map(|v| v.parse())
        .transpose()
        .context("SEARCH_BENCH_TICKETS")?
        .unwrap_or(1_000_000);
    let root = std::env::temp_dir().join(format!("bench-search-{}", std::process::id()));
    let tenant = TenantId::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let words = vocabulary(&mut rng);
    let requesters: Vec<UserId> = (0..REQUESTERS).map(|_| UserId::new()).collect();

    let index = TantivyIndexes::in_directory(&root);
    let started = Instant::now();
    let mut number = 0;
    while (number as usize) < tickets {
        let batch: Vec<TicketDocument> = (0..10_000.min(tickets - number as usize))
            .map(|_| {
                number += 1;
                document(&mut rng, &words, number, &requesters)
            })
            .collect();
        index.put(tenant, &batch).await?;
    }
    let indexing = started.elapsed();
    let size = dir_size(&root)?;

    // Queries: a common word, a rare word, two words, a phrase, a prefix,
    // a word with a filter; each 200 times with words drawn afresh.
    let kinds: [(&str, MakeQuery); 6] = [
        ("one common word", |r, w| w[r.word(50)].clone()),
        ("one rare word", |r, w| {
            w[5_000 + (r.next() % 20_000) as usize].clone()
        }),
        ("two words", |r, w| {
            format!("{} {}", w[r.word(2_000)], w[r.word(2_000)])
        }),
        ("a phrase", |r, w| {
            format!("\"{} {}\"", w[r.word(200)], w[r.word(200)])
        }),
        ("a prefix (typing)", |r, w| w[r.word(3_000)][..3].to_owned()),
        ("a word and status:open", |r, w| {
            format!("{} status:open", w[r.word(1_000)])
        }),
    ];
    println!(
        "{tickets} tickets indexed in {:.1} s ({:.0} tickets/s), index {:.1} MB ({:.1} KB per 1,000 tickets)\n",
        indexing.as_secs_f64(),
        tickets as f64 / indexing.as_secs_f64(),
        size as f64 / 1e6,
        size as f64 / 1e3 / (tickets as f64 / 1_000.0),
    );
    println!("| query | scope | warm p50 | warm p99 | first on a freshly opened index |");
    println!("|---|---|---|---|---|");
    for (name, make) in kinds {
        for (scope_name, scope) in [
            ("staff", Scope::Staff),
            (
                "customer",
                Scope::Customer {
                    user: requesters[0],
                    address: None,
                    organization: None,
                    mail: true,
                },
            ),
        ] {
            let request = |q: &str| -> anyhow::Result<IndexQuery> {
                let parsed = query::parse(q).map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(IndexQuery {
                    text: parsed.text,
                    excluded: parsed.excluded,
                    filters: Vec::new(),
                    scope: scope.clone(),
                    sort: SearchSort::Relevance,
                    descending: true,
                    offset: 0,
                    limit: 25,
                })
            };
            // First query on a freshly opened index (files in the OS cache).
            let fresh = TantivyIndexes::in_directory(&root);
            let q = request(&make(&mut rng, &words))?;
            let t = Instant::now();
            fresh.search(tenant, &q).await?;
            let first = t.elapsed().as_secs_f64() * 1e3;
            let mut times = Vec::with_capacity(200);
            for _ in 0..200 {
                let q = request(&make(&mut rng, &words))?;
                let t = Instant::now();
                index.search(tenant, &q).await?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {name} | {scope_name} | {:.2} ms | {:.2} ms | {first:.2} ms |",
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
        }
    }
    std::fs::remove_dir_all(&root).ok();
    Ok(())
}
