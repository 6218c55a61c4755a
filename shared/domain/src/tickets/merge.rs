//! Merging tickets: one request asked twice becomes one ticket. Each ticket
//! merged in (a source) is closed with a note naming the one it joined (the
//! target) and says so (`merged_into`); its conversation is copied onto the
//! target, each copy keeping its comment's id (so it sorts where it was
//! written) and naming where it came from; its participants and tags join
//! the target's, and its requester is copied on the target when that is
//! someone else. One source's merge is one transaction: it happens whole or
//! not at all. Its number, reply address and mail threads then lead to the
//! target.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::json;

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::{Conflict, DomainError, FieldError, StoreError, StoreResult};
use crate::kernel::events::EventType;
use crate::kernel::idempotency::{Created, IdempotencyKey, IdempotencyRecord};
use crate::kernel::ids::{CommentId, HistoryId, TicketId};
use crate::kernel::pagination::PageRequest;
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::comment::{Comment, CopiedFrom};
use crate::tickets::events::Origin;
use crate::tickets::events::{TicketMerged, change_events, comment_created, ticket_event};
use crate::tickets::input::{MAX_PARTICIPANTS, TicketMerge};
use crate::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketStore, TicketWrite, TicketWriteMode,
};
use crate::tickets::service::{Ticketing, WRITE_ATTEMPTS, backoff};
use crate::tickets::ticket::{Change, HistoryEntry, MAX_FOLLOWERS, MAX_TAGS, Status, Ticket};

/// Sources one merge takes at most.
pub const MAX_MERGE_SOURCES: usize = 20;
/// Items one DynamoDB transaction holds; a source's merge is one.
pub(super) const TRANSACTION_ITEMS: usize = 100;
/// What a source's merge writes besides its copies and the tickets' entries
/// for their participants: both tickets, the note, both history entries,
/// the idempotency record, the events (at most six) and both tickets'
/// organisation entries.
const FIXED_ITEMS: usize = 14;
/// Text one merge copies at most, well inside a transaction's 4 MB.
pub(super) const MAX_COPIED_BYTES: usize = 3 * 1024 * 1024;

/// How far a merged ticket's pointer is followed (a target merged later
/// into another ticket, and so on).
pub const MAX_MERGE_HOPS: usize = 5;

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    /// Merges `input.sources` into the ticket `target_id`, in order. Every
    /// source is checked before any is merged; a source already merged into
    /// this target is done (so a retry after a failure finishes the job).
    pub async fn merge(
        &self,
        principal: &Principal,
        target_id: TicketId,
        input: TicketMerge,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<Ticket>, DomainError> {
        let target = self.visible(principal, target_id).await?;
        principal.require(Action::UpdateTicket)?;
        if self
            .replay(principal, idempotency.as_ref())
            .await?
            .is_some()
        {
            return Ok(Created::Replayed(target));
        }
        let pending = self.check_merge(principal, &target, &input.sources).await?;
        let note = match &input.note {
            Some(body) => body.as_str().to_owned(),
            None => format!(
                "This request was merged into #{}: {}",
                target.number, target.subject
            ),
        };
        let record = idempotency.map(|key| IdempotencyRecord {
            key,
            resource_id: target.id.to_string(),
            created_at: now,
        });
        let mut merged = target;
        for (i, source) in pending.iter().enumerate() {
            // The last source's transaction records the key: a request
            // that failed halfway is run again, not replayed.
            let record = record.as_ref().filter(|_| i + 1 == pending.len());
            merged = self
                .merge_retrying(
                    principal,
                    target_id,
                    *source,
                    (&note, input.public),
                    record,
                    now,
                )
                .await?;
        }
        Ok(Created::New(merged))
    }

    /// The sources still to merge, once every one of them is known fit.
    async fn check_merge(
        &self,
        principal: &Principal,
        target: &Ticket,
        sources: &[TicketId],
    ) -> Result<Vec<TicketId>, DomainError> {
        if target.status == Status::Closed || target.merged_into.is_some() {
            return Err(DomainError::field(
                "ticket",
                "ticket_closed",
                "a closed ticket cannot take others: merge into an open one",
            ));
        }
        let mut errors = Vec::new();
        let unique: BTreeSet<&TicketId> = sources.iter().collect();
        if sources.is_empty() || sources.len() > MAX_MERGE_SOURCES {
            errors.push(FieldError::new(
                "sourceIds",
                "invalid_length",
                format!("1 to {MAX_MERGE_SOURCES} tickets"),
            ));
        } else if unique.len() != sources.len() {
            errors.push(FieldError::new(
                "sourceIds",
                "duplicate",
                "each ticket once",
            ));
        }
        let mut pending = Vec::new();
        // What the target holds once the sources before are merged in.
        let mut joined = target.clone();
        for (i, id) in sources.iter().enumerate() {
            let field = format!("sourceIds.{i}");
            let refuse = |code: &'static str, message: &str| FieldError::new(&field, code, message);
            if *id == target.id {
                errors.push(refuse("is_target", "a ticket cannot be merged into itself"));
                continue;
            }
            // Another tenant's ticket, another customer's or a deleted one
            // are all simply not there.
            let source = match self.visible(principal, *id).await {
                Ok(t) => t,
                Err(DomainError::NotFound) => {
                    errors.push(refuse("not_found", "no such ticket"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            match source.merged_into {
                Some(into) if into == target.id => continue,
                Some(_) => errors.push(refuse("already_merged", "merged into another ticket")),
                None if source.status == Status::Closed => {
                    errors.push(refuse("ticket_closed", "a closed ticket cannot be merged"));
                }
                None => match self.copies_fit(&joined, &source).await? {
                    Err(why) => errors.push(refuse("too_large", &why)),
                    Ok(()) => match self.joined(&joined, &source).await? {
                        Err((code, why)) => errors.push(refuse(code, &why)),
                        Ok(next) => {
                            joined = next;
                            pending.push(source.id);
                        }
                    },
                },
            }
        }
        if errors.is_empty() {
            Ok(pending)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    /// The target with `source`'s people and tags joined: its participants
    /// and tags stay within their limits, or the merge is refused (never
    /// someone silently dropped).
    async fn joined(
        &self,
        target: &Ticket,
        source: &Ticket,
    ) -> Result<Result<Ticket, (&'static str, String)>, DomainError> {
        let mut joined = target.clone();
        joined.cc.extend(source.cc.iter().cloned());
        if source.requester_id != target.requester_id
            && let Some(requester) = self
                .store
                .user(source.tenant_id, source.requester_id)
                .await?
        {
            joined.cc.insert(requester.email.as_str().to_lowercase());
        }
        joined.tags.extend(source.tags.iter().cloned());
        // Who followed either follows the result, as far as room goes.
        for follower in &source.followers {
            if joined.followers.len() >= MAX_FOLLOWERS {
                break;
            }
            joined.followers.insert(*follower);
        }
        // The conversation joined: its latest replies are the target's.
        let c = &mut joined.clocks;
        c.requester_replied_at = c
            .requester_replied_at
            .max(source.clocks.requester_replied_at);
        c.agent_replied_at = c.agent_replied_at.max(source.clocks.agent_replied_at);
        joined.merged_from.insert(source.id);
        if joined.cc.len() > MAX_PARTICIPANTS {
            return Ok(Err((
                "too_many_participants",
                format!(
                    "#{}'s people would make the ticket's more than {MAX_PARTICIPANTS}",
                    source.number
                ),
            )));
        }
        if joined.tags.len() > MAX_TAGS {
            return Ok(Err((
                "too_many_tags",
                format!(
                    "#{}'s tags would make the ticket's more than {MAX_TAGS}",
                    source.number
                ),
            )));
        }
        Ok(Ok(joined))
    }

    /// Whether `source`'s conversation fits one transaction with the rest
    /// of its merge into `target`; why not otherwise.
    async fn copies_fit(
        &self,
        target: &Ticket,
        source: &Ticket,
    ) -> Result<Result<(), String>, DomainError> {
        let room = copy_room(target, source);
        let (_, comments, more) = self
            .store
            .conversation(source.tenant_id, source.id, room as u32, false)
            .await?
            .ok_or(DomainError::NotFound)?;
        if more {
            return Ok(Err(format!(
                "#{} has more than {room} comments to copy: merge the other way",
                source.number
            )));
        }
        if comments.iter().map(copied_bytes).sum::<usize>() > MAX_COPIED_BYTES {
            return Ok(Err(format!(
                "#{}'s conversation is too long to copy: merge the other way",
                source.number
            )));
        }
        Ok(Ok(()))
    }

    /// One source's merge, read again and retried when either ticket
    /// changed in between.
    async fn merge_retrying(
        &self,
        principal: &Principal,
        target_id: TicketId,
        source_id: TicketId,
        note: (&str, bool),
        record: Option<&IdempotencyRecord>,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            let target = self.visible(principal, target_id).await?;
            let source = self.visible(principal, source_id).await?;
            if source.merged_into == Some(target.id) {
                return Ok(target);
            }
            match self
                .merge_one(principal, target, source, note, record, now)
                .await
            {
                Err(DomainError::PreconditionFailed) => continue,
                Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => {
                    return Err(DomainError::Conflict(Conflict::Concurrent));
                }
                other => return other,
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    async fn merge_one(
        &self,
        principal: &Principal,
        mut target: Ticket,
        mut source: Ticket,
        (note, public): (&str, bool),
        record: Option<&IdempotencyRecord>,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let room = copy_room(&target, &source);
        let (_, comments, more) = self
            .store
            .conversation(source.tenant_id, source.id, room as u32, false)
            .await?
            .ok_or(DomainError::NotFound)?;
        if more {
            // It grew since the check: the next try checks again.
            return Err(DomainError::field(
                "sourceIds",
                "too_large",
                format!("#{} has more than {room} comments to copy", source.number),
            ));
        }
        let origin = CopiedFrom {
            ticket_id: source.id,
            number: source.number,
        };
        // A comment the target already holds (a split's copy merged back,
        // or one copied from an earlier source) is not copied twice.
        let held = self.comment_ids(&target).await?;
        let copies: Vec<Comment> = comments
            .into_iter()
            .filter(|c| !held.contains(&c.id))
            .map(|c| Comment {
                ticket_id: target.id,
                copied_from: Some(c.copied_from.unwrap_or(origin)),
                version: 1,
                ..c
            })
            .collect();

        // The source: closed, pointing at the target, with the note.
        let source_before = source.clone();
        if source.solved_at.is_none() {
            source.solved_at = Some(now);
        }
        source.status = Status::Closed;
        source.closed_at = Some(now);
        source.merged_into = Some(target.id);
        source.record_change(&source_before, now, true);
        let note = staff_note(principal, &source, note, public, now);
        let source_changes = vec![
            Change {
                field: "status".into(),
                before: json!(source_before.status),
                after: json!(source.status),
            },
            Change {
                field: "mergedInto".into(),
                before: json!(null),
                after: json!({"id": target.id, "number": target.number}),
            },
        ];
        let mut source_events = change_events(
            (&source_before, &source),
            &source_changes,
            Origin::default(),
            principal,
            now,
        );
        source_events.push(comment_created(&note, principal, (0, &[]), now));
        let source_history = history(&source, source_changes, principal, now);

        // The target: the source's people and tags join it.
        let target_before = target.clone();
        target = match self.joined(&target_before, &source_before).await? {
            Ok(joined) => joined,
            Err((code, why)) => return Err(DomainError::field("sourceIds", code, why)),
        };
        target.record_change(&target_before, now, true);
        let mut target_changes = vec![Change {
            field: "mergedFrom".into(),
            before: json!(null),
            after: json!({"id": source.id, "number": source.number}),
        }];
        if target.cc != target_before.cc {
            target_changes.push(Change {
                field: "cc".into(),
                before: json!(target_before.cc),
                after: json!(target.cc),
            });
        }
        if target.tags != target_before.tags {
            target_changes.push(Change {
                field: "tags".into(),
                before: json!(target_before.tags),
                after: json!(target.tags),
            });
        }
        let mut target_events = change_events(
            (&target_before, &target),
            &target_changes,
            Origin::default(),
            principal,
            now,
        );
        target_events.push(ticket_event(
            EventType::TicketMerged,
            &target,
            principal,
            now,
            &TicketMerged {
                number: target.number,
                source_id: source.id,
                source_number: source.number,
            },
        ));
        let target_history = history(&target, target_changes, principal, now);

        self.store
            .write_tickets(
                &[
                    TicketWrite {
                        ticket: &source,
                        mode: TicketWriteMode::Replace(source_before.version),
                        before: Some(&source_before),
                        comment: Some(CommentWrite::New(&note)),
                        new_requester: None,
                        history: Some(&source_history),
                        events: &source_events,
                        idempotency: None,
                        capacity: None,
                    },
                    TicketWrite {
                        ticket: &target,
                        mode: TicketWriteMode::Replace(target_before.version),
                        before: Some(&target_before),
                        comment: None,
                        new_requester: None,
                        history: Some(&target_history),
                        events: &target_events,
                        idempotency: record,
                        capacity: None,
                    },
                ],
                &copies,
            )
            .await?;
        Ok(target)
    }

    /// The ids of a ticket's comments, every page.
    async fn comment_ids(&self, ticket: &Ticket) -> Result<BTreeSet<CommentId>, DomainError> {
        let mut ids = BTreeSet::new();
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        loop {
            let found = self
                .store
                .comments(ticket.tenant_id, ticket.id, false, &page)
                .await?;
            ids.extend(found.items.iter().map(|c| c.id));
            match found.next_cursor {
                Some(next) => page.cursor = Some(next),
                None => return Ok(ids),
            }
        }
    }

    /// The ticket a merged ticket leads to (see [`merge_end`]).
    pub async fn merge_end(&self, ticket: Ticket) -> Result<Option<Ticket>, DomainError> {
        Ok(merge_end(&self.store, ticket).await?)
    }
}

/// The ticket a merged ticket leads to (itself when not merged), after at
/// most [`MAX_MERGE_HOPS`] merges; `None` when one on the way is gone.
pub async fn merge_end<S: TicketStore>(store: &S, ticket: Ticket) -> StoreResult<Option<Ticket>> {
    let mut ticket = ticket;
    for _ in 0..MAX_MERGE_HOPS {
        let Some(into) = ticket.merged_into else {
            return Ok(Some(ticket));
        };
        match store.ticket(ticket.tenant_id, into).await? {
            Some(next) => ticket = next,
            None => return Ok(None),
        }
    }
    Ok(ticket.merged_into.is_none().then_some(ticket))
}

/// How many comments a source's merge into `target` can copy: what one
/// transaction holds less the rest of the merge, both tickets' entries for
/// their participants included (the target's at most its limit).
fn copy_room(target: &Ticket, source: &Ticket) -> usize {
    let participants =
        source.cc.len() + MAX_PARTICIPANTS.min(target.cc.len() + source.cc.len() + 1);
    TRANSACTION_ITEMS.saturating_sub(FIXED_ITEMS + participants)
}

/// Roughly what a copy weighs in a transaction.
pub(super) fn copied_bytes(c: &Comment) -> usize {
    let quoted = c.mail.as_ref().map_or(0, |m| m.quoted.len());
    let revisions: usize = c.revisions.iter().map(|r| r.body.len()).sum();
    c.body.len() + quoted + revisions + 1024
}

/// A note `principal` leaves on `ticket` about a merge or a split.
pub(super) fn staff_note(
    principal: &Principal,
    ticket: &Ticket,
    body: &str,
    public: bool,
    now: Timestamp,
) -> Comment {
    Comment {
        id: CommentId::new(),
        tenant_id: ticket.tenant_id,
        ticket_id: ticket.id,
        author: principal.actor(),
        author_id: principal.user_id(),
        public,
        body: body.to_owned(),
        mentions: BTreeSet::new(),
        created_at: now,
        edited_at: None,
        deleted_at: None,
        revisions: Vec::new(),
        mail: None,
        copied_from: None,
        version: 1,
    }
}

pub(super) fn history(
    ticket: &Ticket,
    changes: Vec<Change>,
    principal: &Principal,
    now: Timestamp,
) -> HistoryEntry {
    HistoryEntry {
        id: HistoryId::new(),
        ticket_id: ticket.id,
        at: now,
        actor: principal.actor(),
        changes,
        caused_by: None,
    }
}
