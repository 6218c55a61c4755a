//! A reply's partial write of its ticket: the update time, the reply
//! clocks and the version move; the rest of the ticket stays as stored, so
//! concurrent comments do not collide.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::tickets::ports::TicketDimension;
use switchboard_domain::tickets::ticket::{Status, Ticket};

use super::{DynamoStore, build_error};
use crate::items::{dimensions, listed_update};
use crate::keys;
use switchboard_domain::tickets::ports::TicketSort;

impl DynamoStore {
    /// Moves a ticket's `updatedAt` (and its place in every list ordered by
    /// it) and its reply clocks, and bumps its version, without rewriting
    /// the rest of it; with `public`, its public clock too (which orders
    /// requesters' lists).
    pub(super) fn touch_ticket(
        &self,
        t: &Ticket,
        status: Status,
        public: bool,
    ) -> StoreResult<TransactWriteItem> {
        let mut update = self
            .update(&keys::ticket(t.tenant_id, t.id))
            .condition_expression(
                "attribute_exists(PK) AND attribute_not_exists(deletedAt) AND #status = :status",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":status", AttributeValue::S(status.as_str().to_owned()))
            .expression_attribute_values(":updated", AttributeValue::S(t.updated_at.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        let mut sets = vec![
            "updatedAt = :updated".to_owned(),
            "#v = #v + :one".to_owned(),
        ];
        // A reply moves its side's clock.
        for (name, at) in [
            ("requesterRepliedAt", t.clocks.requester_replied_at),
            ("agentRepliedAt", t.clocks.agent_replied_at),
        ] {
            if let Some(at) = at {
                sets.push(format!("#{name} = :{name}"));
                update = update
                    .expression_attribute_names(format!("#{name}"), name)
                    .expression_attribute_values(
                        format!(":{name}"),
                        AttributeValue::S(at.to_string()),
                    );
            }
        }
        if public {
            // A ticket stored before the public clock had its version as
            // public version: the value the writer read and counted up.
            let read = t.public_version.saturating_sub(1);
            sets.push("publicUpdatedAt = :updated".to_owned());
            sets.push("#pv = if_not_exists(#pv, :pv) + :one".to_owned());
            update = update
                .expression_attribute_names("#pv", "publicVersion")
                .expression_attribute_values(":pv", AttributeValue::N(read.to_string()));
        }
        for dimension in dimensions(t) {
            if matches!(dimension, TicketDimension::Requester(_)) && !public {
                continue;
            }
            let name = keys::ticket_index(&dimension, TicketSort::UpdatedAt);
            let at = listed_update(t, &dimension);
            sets.push(format!("#{name}SK = :{name}sk"));
            update = update
                .expression_attribute_names(format!("#{name}SK"), format!("{name}SK"))
                .expression_attribute_values(
                    format!(":{name}sk"),
                    AttributeValue::S(keys::ticket_index_sk(at, t.id)),
                );
        }
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
