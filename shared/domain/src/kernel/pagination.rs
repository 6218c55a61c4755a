//! Cursor pagination: `?limit=&cursor=` in, `{items, nextCursor}` out.

use crate::kernel::validation::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    /// Opaque to everyone but the store that issued it.
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 25;
    pub const MAX_LIMIT: u32 = 100;

    pub fn parse(limit: Option<i64>, cursor: Option<String>) -> Result<Self, Invalid> {
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(n) if (1..=i64::from(Self::MAX_LIMIT)).contains(&n) => {
                u32::try_from(n).unwrap_or(Self::DEFAULT_LIMIT)
            }
            Some(_) => {
                return Err(Invalid::new(
                    "out_of_range",
                    format!("must be between 1 and {}", Self::MAX_LIMIT),
                ));
            }
        };
        Ok(Self {
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_stay_within_bounds() {
        assert_eq!(PageRequest::parse(None, None).map(|p| p.limit), Ok(25));
        assert_eq!(
            PageRequest::parse(Some(100), None).map(|p| p.limit),
            Ok(100)
        );
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(101), None).is_err());
        assert_eq!(
            PageRequest::parse(None, Some(String::new())).map(|p| p.cursor),
            Ok(None)
        );
    }
}
