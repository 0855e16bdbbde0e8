//! The two pagination styles of Describe calls: PageNumber/PageSize with TotalCount, and
//! NextToken/MaxResults (selected when either of those is present).

use crate::doc::Fields;
use crate::errors::{ApiError, Code};
use crate::store::{Page, PageRequest};
use crate::wire::params::Params;

/// An action's paging limits.
pub struct Limits {
    pub default_size: u64,
    pub max_size: u64,
    /// `MaxResults` bounds (values outside are clamped); None when the action has no token mode.
    pub max_results: Option<(u64, u64)>,
}

#[derive(Debug)]
pub struct Paging {
    pub request: PageRequest,
    page_number: u64,
    page_size: u64,
}

/// NextToken is opaque to clients; here it is the sequence to continue after, in hex.
pub(super) fn encode_token(after: i64) -> String {
    format!("{after:016x}")
}

pub(super) fn decode_token(token: &str) -> Result<i64, ApiError> {
    if token.len() != 16 {
        return Err(ApiError::of(Code::InvalidNextToken));
    }
    i64::from_str_radix(token, 16).map_err(|_| ApiError::of(Code::InvalidNextToken))
}

pub fn parse(params: &Params, limits: &Limits) -> Result<Paging, ApiError> {
    if let Some((min, max)) = limits.max_results {
        let token = params.get("NextToken");
        let max_results = params.int("MaxResults")?;
        if token.is_some() || max_results.is_some() {
            let limit = max_results
                .map(|n| (n.max(0) as u64).clamp(min, max))
                .unwrap_or(min.max(limits.default_size).min(max));
            let after = token.map(decode_token).transpose()?.unwrap_or(0);
            return Ok(Paging {
                request: PageRequest::After { after, limit },
                page_number: 0,
                page_size: limit,
            });
        }
    }
    let page_number = params.int_in("PageNumber", 1, i64::MAX)?.unwrap_or(1) as u64;
    let page_size = params
        .int_in("PageSize", 1, limits.max_size as i64)?
        .map(|n| n as u64)
        .unwrap_or(limits.default_size);
    Ok(Paging {
        request: PageRequest::Numbered {
            offset: (page_number - 1).saturating_mul(page_size),
            limit: page_size,
        },
        page_number,
        page_size,
    })
}

impl Paging {
    /// The paging fields of the answer: TotalCount/PageNumber/PageSize for numbered pages,
    /// NextToken (empty on the last page) for token pages.
    pub fn fields<T>(&self, page: &Page<T>, with_next_token: bool) -> Fields {
        let mut out = Fields::with_capacity(5);
        match self.request {
            PageRequest::Numbered { .. } => {
                out.push("TotalCount", page.total.unwrap_or(0));
                out.push("PageNumber", self.page_number);
                out.push("PageSize", self.page_size);
                if with_next_token {
                    out.push("NextToken", "");
                }
            }
            PageRequest::After { .. } => {
                let token = page.next_after.map(encode_token).unwrap_or_default();
                out.push("NextToken", token);
                out.push("MaxResults", self.page_size);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENI_LIMITS: Limits = Limits {
        default_size: 10,
        max_size: 1000,
        max_results: Some((10, 500)),
    };

    #[test]
    fn numbered_by_default() {
        let p = parse(
            &Params::from_pairs(&[("PageNumber", "3"), ("PageSize", "20")]),
            &ENI_LIMITS,
        )
        .unwrap();
        assert_eq!(
            p.request,
            PageRequest::Numbered {
                offset: 40,
                limit: 20
            }
        );
        assert!(parse(&Params::from_pairs(&[("PageSize", "1001")]), &ENI_LIMITS).is_err());
        assert!(parse(&Params::from_pairs(&[("PageNumber", "0")]), &ENI_LIMITS).is_err());
    }

    #[test]
    fn max_results_is_clamped_and_selects_token_mode() {
        let p = parse(&Params::from_pairs(&[("MaxResults", "3")]), &ENI_LIMITS).unwrap();
        assert_eq!(
            p.request,
            PageRequest::After {
                after: 0,
                limit: 10
            }
        );
        let p = parse(&Params::from_pairs(&[("MaxResults", "9999")]), &ENI_LIMITS).unwrap();
        assert_eq!(
            p.request,
            PageRequest::After {
                after: 0,
                limit: 500
            }
        );
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let token = encode_token(42);
        let p = parse(&Params::from_pairs(&[("NextToken", &token)]), &ENI_LIMITS).unwrap();
        assert_eq!(
            p.request,
            PageRequest::After {
                after: 42,
                limit: 10
            }
        );
        let err = parse(
            &Params::from_pairs(&[("NextToken", "nonsense")]),
            &ENI_LIMITS,
        )
        .unwrap_err();
        assert_eq!(err.code, Code::InvalidNextToken);
    }
}
