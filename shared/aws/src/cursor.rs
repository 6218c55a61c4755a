//! Opaque pagination cursors: a query's LastEvaluatedKey, bound to the
//! query it came from and sealed with an HMAC, so a client can neither read
//! another tenant's page by editing one nor reuse it on another list.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use switchboard_domain::kernel::secrets::hmac_sha256;

#[derive(Clone)]
pub struct CursorSealer {
    key: [u8; 32],
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    /// The query the cursor belongs to (e.g. `tenants`, `T#…#USERS`).
    s: String,
    /// LastEvaluatedKey; every key attribute of the table is a string.
    k: BTreeMap<String, String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is invalid")]
pub struct InvalidCursor;

impl CursorSealer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    pub fn seal(&self, scope: &str, last_key: &HashMap<String, AttributeValue>) -> Option<String> {
        let k = last_key
            .iter()
            .map(|(name, v)| v.as_s().ok().map(|s| (name.clone(), s.clone())))
            .collect::<Option<BTreeMap<_, _>>>()?;
        let body = serde_json::to_vec(&Sealed {
            s: scope.to_owned(),
            k,
        })
        .ok()?;
        let tag = hmac_sha256(&self.key, &body);
        Some(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    pub fn open(
        &self,
        scope: &str,
        cursor: &str,
    ) -> Result<HashMap<String, AttributeValue>, InvalidCursor> {
        let (body, tag) = cursor.split_once('.').ok_or(InvalidCursor)?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| InvalidCursor)?;
        let expected = hmac_sha256(&self.key, &body);
        if !bool::from(expected.as_slice().ct_eq(&tag)) {
            return Err(InvalidCursor);
        }
        let sealed: Sealed = serde_json::from_slice(&body).map_err(|_| InvalidCursor)?;
        if sealed.s != scope {
            return Err(InvalidCursor);
        }
        Ok(sealed
            .k
            .into_iter()
            .map(|(name, v)| (name, AttributeValue::S(v)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("PK".to_owned(), AttributeValue::S("T#A".into())),
            ("SK".to_owned(), AttributeValue::S("USER#B".into())),
        ])
    }

    #[test]
    fn a_cursor_opens_only_for_its_own_query_and_key() {
        let sealer = CursorSealer::new([3; 32]);
        let c = sealer.seal("T#A#USERS", &key()).unwrap();
        assert_eq!(sealer.open("T#A#USERS", &c), Ok(key()));
        assert_eq!(sealer.open("T#B#USERS", &c), Err(InvalidCursor));
        assert_eq!(
            CursorSealer::new([4; 32]).open("T#A#USERS", &c),
            Err(InvalidCursor)
        );
        assert_eq!(sealer.open("T#A#USERS", "garbage"), Err(InvalidCursor));
    }

    #[test]
    fn an_edited_cursor_is_refused() {
        let sealer = CursorSealer::new([3; 32]);
        let c = sealer.seal("s", &key()).unwrap();
        let (body, tag) = c.split_once('.').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        let text = String::from_utf8(raw.clone())
            .unwrap()
            .replace("T#A", "T#Z");
        raw = text.into_bytes();
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode(raw), tag);
        assert_eq!(sealer.open("s", &forged), Err(InvalidCursor));
    }
}
