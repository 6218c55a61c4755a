//! The fields of a tenant's ticket index.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, INDEXED, STORED, STRING, Schema, TEXT,
};

pub const UPDATED: &str = "updated";
pub const PUBLIC_UPDATED: &str = "public_updated";
pub const CREATED: &str = "created";
pub const STATUS: &str = "status";

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: tantivy::schema::Field,
    pub number: tantivy::schema::Field,
    pub version: tantivy::schema::Field,
    pub subject: tantivy::schema::Field,
    /// Public replies: every query.
    pub public: tantivy::schema::Field,
    /// Internal notes: staff's queries only.
    pub internal: tantivy::schema::Field,
    pub status: tantivy::schema::Field,
    pub priority: tantivy::schema::Field,
    pub kind: tantivy::schema::Field,
    pub channel: tantivy::schema::Field,
    pub requester: tantivy::schema::Field,
    pub assignee: tantivy::schema::Field,
    pub team: tantivy::schema::Field,
    pub organization: tantivy::schema::Field,
    pub cc: tantivy::schema::Field,
    pub tag: tantivy::schema::Field,
    /// `key=value` of custom fields.
    pub field: tantivy::schema::Field,
    pub has: tantivy::schema::Field,
    pub created: tantivy::schema::Field,
    pub updated: tantivy::schema::Field,
    /// The public clock: what customers' filters and sorts read.
    pub public_updated: tantivy::schema::Field,
    pub solved: tantivy::schema::Field,
}

/// A date to sort by: to the microsecond, so tickets written within one
/// second keep their order.
fn sortable_date() -> DateOptions {
    DateOptions::from(INDEXED)
        .set_fast()
        .set_precision(DateTimePrecision::Microseconds)
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        number: b.add_u64_field("number", INDEXED | STORED),
        version: b.add_u64_field("version", STORED),
        subject: b.add_text_field("subject", TEXT | STORED),
        public: b.add_text_field("public", TEXT | STORED),
        internal: b.add_text_field("internal", TEXT | STORED),
        // Fast too: results count their matches by status.
        status: b.add_text_field(STATUS, STRING | FAST),
        priority: b.add_text_field("priority", STRING),
        kind: b.add_text_field("type", STRING),
        channel: b.add_text_field("channel", STRING),
        requester: b.add_text_field("requester", STRING),
        assignee: b.add_text_field("assignee", STRING),
        team: b.add_text_field("team", STRING),
        organization: b.add_text_field("organization", STRING),
        cc: b.add_text_field("cc", STRING),
        tag: b.add_text_field("tag", STRING),
        field: b.add_text_field("field", STRING),
        has: b.add_text_field("has", STRING),
        created: b.add_date_field(CREATED, sortable_date()),
        updated: b.add_date_field(UPDATED, sortable_date()),
        public_updated: b.add_date_field(PUBLIC_UPDATED, sortable_date()),
        solved: b.add_date_field("solved", INDEXED),
    };
    (b.build(), fields)
}

/// What "nobody" is stored as in a people or team field.
pub const NOBODY: &str = "none";
