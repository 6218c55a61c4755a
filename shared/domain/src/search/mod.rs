//! Search: the query language agents and customers type, parsed here (pure,
//! with its own tests) into what an index is asked.

pub mod query;
