//! Opaque cursors: the position a page ended at, bound to the list it came
//! from and sealed with an HMAC, as `DynamoStore`'s are. A cursor from
//! another list, another store or edited by hand is `InvalidCursor`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::kernel::secrets::{constant_time_eq, hmac_sha256, random_token};

pub(super) struct Sealer {
    key: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    /// The list (e.g. `users|T#…|agent`).
    s: String,
    /// The sort key of the last item of the page.
    k: String,
}

impl Sealer {
    pub fn new() -> Self {
        Self {
            key: random_token("cursor").into_bytes(),
        }
    }

    pub fn seal(&self, scope: &str, last: &str) -> String {
        let body = serde_json::to_vec(&Sealed {
            s: scope.to_owned(),
            k: last.to_owned(),
        })
        .unwrap_or_default();
        let tag = hmac_sha256(&self.key, &body);
        format!("{}.{}", hex(&body), hex(&tag))
    }

    pub fn open(&self, scope: &str, cursor: &str) -> StoreResult<String> {
        let invalid = || StoreError::InvalidCursor;
        let (body, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let (body, tag) = (
            unhex(body).ok_or_else(invalid)?,
            unhex(tag).ok_or_else(invalid)?,
        );
        if !constant_time_eq(&hmac_sha256(&self.key, &body), &tag) {
            return Err(invalid());
        }
        let sealed: Sealed = serde_json::from_slice(&body).map_err(|_| invalid())?;
        if sealed.s != scope {
            return Err(invalid());
        }
        Ok(sealed.k)
    }

    /// One page of `rows` (sorted by their key, ascending) in the list's
    /// direction, after the cursor's position. A cursor comes back only when
    /// more rows follow, as moto answers (DynamoDB itself may also return one
    /// for a page that ends exactly at the last row: callers follow cursors
    /// until there is none, and may meet an empty last page).
    pub fn page<T>(
        &self,
        scope: &str,
        mut rows: Vec<(String, T)>,
        descending: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<T>> {
        if page.limit == 0 {
            // DynamoDB refuses `Limit: 0` (a validation error).
            return Err(StoreError::Internal(
                "the page limit must be positive".into(),
            ));
        }
        let after = page
            .cursor
            .as_deref()
            .map(|c| self.open(scope, c))
            .transpose()?;
        if descending {
            rows.reverse();
        }
        let mut rest: Vec<(String, T)> = rows
            .into_iter()
            .filter(|(k, _)| match &after {
                None => true,
                Some(a) if descending => k < a,
                Some(a) => k > a,
            })
            .collect();
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        let more = rest.len() > limit;
        rest.truncate(limit);
        let next_cursor = if more {
            rest.last().map(|(k, _)| self.seal(scope, k))
        } else {
            None
        };
        Ok(Page {
            items: rest.into_iter().map(|(_, t)| t).collect(),
            next_cursor,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A fixed-width UTC time (milliseconds), so keys order as times do.
pub(super) fn sortable(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_cursor_opens_only_for_its_own_list_and_unedited() {
        let sealer = Sealer::new();
        let c = sealer.seal("users|a", "agent#ann#01");
        assert_eq!(sealer.open("users|a", &c).unwrap(), "agent#ann#01");
        assert!(sealer.open("users|b", &c).is_err());
        assert!(Sealer::new().open("users|a", &c).is_err());
        let (body, tag) = c.split_once('.').unwrap();
        let edited = format!("{}.{tag}", body.replace("61", "62"));
        assert!(sealer.open("users|a", &edited).is_err());
        assert!(sealer.open("users|a", "garbage").is_err());
    }

    #[test]
    fn pages_continue_after_the_cursor_in_either_direction() {
        let sealer = Sealer::new();
        let rows = || (1..=5).map(|i| (format!("k{i}"), i)).collect::<Vec<_>>();
        let mut req = PageRequest {
            limit: 2,
            cursor: None,
        };
        let mut seen = Vec::new();
        loop {
            let p = sealer.page("s", rows(), true, &req).unwrap();
            seen.extend(p.items);
            match p.next_cursor {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, vec![5, 4, 3, 2, 1]);
        let full = sealer
            .page(
                "s",
                rows(),
                false,
                &PageRequest {
                    limit: 5,
                    cursor: None,
                },
            )
            .unwrap();
        assert_eq!((full.items.len(), full.next_cursor), (5, None));
    }
}
