//! Votes, views, searches and links of the knowledge base on the single
//! table: `ADD` counts on one item per article (totals) and one per day
//! (insights, expiring), a vote item per voter, the links of a ticket.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use switchboard_domain::StoreError;
use switchboard_domain::kb::ports::{ArticleStats, FeedbackStore, InsightRow, VoteOutcome};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{ArticleId, EventId, TenantId, TicketId};

use super::kb::{count, insight_expiry, stats_of};
use super::{DynamoStore, to_item};
use crate::items::{KeyAttrs, LinksItem};
use crate::keys::{self, Key, attr};

/// A mark that an event was counted.
#[derive(Debug, Serialize, Deserialize)]
struct CountedMark {
    #[serde(flatten)]
    key: KeyAttrs,
    entity: String,
    ttl: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct VoteItem {
    #[serde(flatten)]
    key: KeyAttrs,
    entity: String,
    helpful: bool,
    /// The day the vote counts on.
    day: Date,
}

impl FeedbackStore for DynamoStore {
    async fn vote(
        &self,
        tenant: TenantId,
        article: ArticleId,
        voter: &str,
        helpful: bool,
        day: Date,
    ) -> StoreResult<VoteOutcome> {
        let key = keys::kb_vote(tenant, article, voter);
        let (gain, lose) = if helpful {
            ("helpful", "unhelpful")
        } else {
            ("unhelpful", "helpful")
        };
        // The vote keeps the day it was counted on: a changed mind takes
        // the count back from that day's row, so no day goes below zero.
        let vote = |expected: Option<bool>| -> StoreResult<TransactWriteItem> {
            let item = to_item(&VoteItem {
                key: key.clone().into(),
                entity: "kb_vote".into(),
                helpful,
                day,
            })?;
            Ok(match expected {
                None => self.put(item, Some("attribute_not_exists(PK)"))?,
                Some(before) => {
                    let mut w = self.put(item, Some("helpful = :before"))?;
                    if let Some(put) = w.put.as_mut() {
                        put.expression_attribute_values = Some(HashMap::from([(
                            ":before".to_owned(),
                            AttributeValue::Bool(before),
                        )]));
                    }
                    w
                }
            })
        };
        let update = |key: Key, amounts: &[(&str, i64)], on: Option<Date>| {
            self.add(&key, amounts, on.map(insight_expiry))
                .map(|u| TransactWriteItem::builder().update(u).build())
        };
        let first = vec![
            vote(None)?,
            update(keys::kb_stats(tenant, article), &[(gain, 1)], None)?,
            update(
                keys::kb_day_article(tenant, day, article),
                &[(gain, 1)],
                Some(day),
            )?,
        ];
        match self.transact(first, |_| StoreError::ConditionFailed).await {
            Ok(()) => return Ok(VoteOutcome::Counted),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e),
        }
        let before = self.get::<VoteItem>(&key).await?;
        match before {
            Some(b) if b.helpful == helpful => Ok(VoteOutcome::Unchanged),
            Some(b) => {
                let mut change = vec![
                    vote(Some(b.helpful))?,
                    update(
                        keys::kb_stats(tenant, article),
                        &[(gain, 1), (lose, -1)],
                        None,
                    )?,
                ];
                if b.day == day {
                    change.push(update(
                        keys::kb_day_article(tenant, day, article),
                        &[(gain, 1), (lose, -1)],
                        Some(day),
                    )?);
                } else {
                    change.push(update(
                        keys::kb_day_article(tenant, day, article),
                        &[(gain, 1)],
                        Some(day),
                    )?);
                    change.push(update(
                        keys::kb_day_article(tenant, b.day, article),
                        &[(lose, -1)],
                        Some(b.day),
                    )?);
                }
                match self.transact(change, |_| StoreError::ConditionFailed).await {
                    Ok(()) => Ok(VoteOutcome::Changed),
                    // The same voter changed it at the same moment (two
                    // tabs, a double click): if it is now this vote, it
                    // stands; otherwise a retry decides.
                    Err(StoreError::ConditionFailed) => match self.get::<VoteItem>(&key).await? {
                        Some(now) if now.helpful == helpful => Ok(VoteOutcome::Unchanged),
                        _ => Err(StoreError::Unavailable("a vote changed meanwhile".into())),
                    },
                    Err(e) => Err(e),
                }
            }
            // Gone between the two writes: a retry counts it.
            None => Err(StoreError::Unavailable("a vote changed meanwhile".into())),
        }
    }

    async fn count_view(&self, tenant: TenantId, article: ArticleId, day: Date) -> StoreResult<()> {
        let amounts = [("views", 1)];
        let (total, daily) = (
            keys::kb_stats(tenant, article),
            keys::kb_day_article(tenant, day, article),
        );
        futures::try_join!(
            self.add_now(&total, &amounts, None),
            self.add_now(&daily, &amounts, Some(insight_expiry(day))),
        )?;
        Ok(())
    }

    async fn count_search(
        &self,
        tenant: TenantId,
        query: &str,
        found: bool,
        day: Date,
    ) -> StoreResult<()> {
        if found {
            return self
                .add_now(
                    &keys::kb_day(tenant, day),
                    &[("searches", 1)],
                    Some(insight_expiry(day)),
                )
                .await;
        }
        let (daily, unanswered) = (
            keys::kb_day(tenant, day),
            keys::kb_day_unanswered(tenant, day, query),
        );
        futures::try_join!(
            self.add_now(
                &daily,
                &[("searches", 1), ("unanswered", 1)],
                Some(insight_expiry(day))
            ),
            self.add_now(&unanswered, &[("count", 1)], Some(insight_expiry(day))),
        )?;
        Ok(())
    }

    async fn count_solved_with_article(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        event: EventId,
        day: Date,
    ) -> StoreResult<bool> {
        let mark = to_item(&CountedMark {
            key: keys::kb_solved_mark(tenant, ticket, event).into(),
            entity: "kb_solved".into(),
            // Kept as long as the day's count it guards.
            ttl: insight_expiry(day),
        })?;
        let writes = vec![
            self.put(mark, Some("attribute_not_exists(PK)"))?,
            TransactWriteItem::builder()
                .update(self.add(
                    &keys::kb_day(tenant, day),
                    &[("solvedWithArticle", 1)],
                    Some(insight_expiry(day)),
                )?)
                .build(),
        ];
        match self.transact(writes, |_| StoreError::ConditionFailed).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn article_stats(&self, tenant: TenantId, id: ArticleId) -> StoreResult<ArticleStats> {
        let key = keys::kb_stats(tenant, id);
        let found = self.batch_get(std::slice::from_ref(&key)).await?;
        Ok(found
            .get(&(key.pk, key.sk))
            .map(stats_of)
            .unwrap_or_default())
    }

    async fn insights(
        &self,
        tenant: TenantId,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<InsightRow>> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", AttributeValue::S(keys::kb_insights_pk(tenant)))
            .expression_attribute_values(":from", AttributeValue::S(format!("{from}#")))
            .expression_attribute_values(":to", AttributeValue::S(format!("{to}#~")));
        let items = Self::query_all(query).await?;
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            let Some(sk) = item.get(attr::SK).and_then(|v| v.as_s().ok()) else {
                continue;
            };
            let mut parts = sk.splitn(3, '#');
            let (Some(day), Some(kind)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(day) = day.parse::<Date>() else {
                continue;
            };
            let rest = parts.next().unwrap_or_default();
            rows.push(match kind {
                "DAY" => InsightRow::Day {
                    day,
                    searches: count(&item, "searches"),
                    unanswered: count(&item, "unanswered"),
                    solved_with_article: count(&item, "solvedWithArticle"),
                },
                "A" => {
                    let Ok(article_id) = format!("{}_{rest}", ArticleId::PREFIX).parse() else {
                        continue;
                    };
                    InsightRow::Article {
                        day,
                        article_id,
                        stats: stats_of(&item),
                    }
                }
                "Q" => InsightRow::Unanswered {
                    day,
                    query: rest.to_owned(),
                    count: count(&item, "count"),
                },
                _ => continue,
            });
        }
        Ok(rows)
    }

    async fn linked_articles(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Vec<ArticleId>> {
        Ok(self
            .get::<LinksItem>(&keys::kb_links(tenant, ticket))
            .await?
            .map(|i| i.articles)
            .unwrap_or_default())
    }

    async fn set_linked_articles(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        articles: &[ArticleId],
    ) -> StoreResult<()> {
        let key = keys::kb_links(tenant, ticket);
        if articles.is_empty() {
            return self.delete_if_present(&key).await;
        }
        self.put_one(
            to_item(&LinksItem {
                key: key.into(),
                entity: "kb_links".into(),
                articles: articles.to_vec(),
            })?,
            None,
        )
        .await
    }
}
