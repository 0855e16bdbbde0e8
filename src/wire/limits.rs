//! How much one request and one client may take: body size, parameter count, list lengths,
//! header size, header and idle timeouts, and the connection cap. The HTTP front enforces
//! them (`wire::server` and `wire::listener`); beyond a limit the caller gets the error
//! envelope where an HTTP answer is still possible, and a closed connection where it is not.

use std::time::Duration;

use crate::errors::{ApiError, Code};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLimits {
    /// Largest request body, in bytes (`RequestEntityTooLarge`, 413, beyond it).
    pub max_body_bytes: usize,
    /// Most parameters in query and form body together (`TooManyParameters`, 400).
    pub max_parameters: usize,
    /// Highest index N of a flattened list parameter (`X.N`, `X.N.Field`); beyond it the
    /// parameter is `InvalidParameter`. Actions apply their own, smaller limits below it.
    pub max_list_items: usize,
    /// Largest request line plus headers, in bytes (at least 8192); beyond it the server
    /// answers 431 without a body and closes the connection (the request cannot be read).
    pub max_header_bytes: usize,
    /// How long a client may take to send a request's headers once it started one; then
    /// the connection is closed.
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body once its headers arrived; then
    /// it is answered `IncompleteBody` (400) and the connection is closed.
    pub body_timeout: Duration,
    /// How long a connection may stay open with no request in flight; then it is closed.
    pub idle_timeout: Duration,
    /// Most connections served at once; one more is answered `ServiceUnavailable` (503)
    /// and closed.
    pub max_connections: usize,
}

impl Default for WireLimits {
    fn default() -> Self {
        WireLimits {
            max_body_bytes: 1024 * 1024,
            max_parameters: 1000,
            max_list_items: 1000,
            max_header_bytes: 64 * 1024,
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            max_connections: 1024,
        }
    }
}

/// The smallest header buffer the HTTP/1 parser accepts.
pub const MIN_HEADER_BYTES: usize = 8192;

impl WireLimits {
    /// Refuses limits the server cannot run with.
    pub fn check(&self) -> Result<(), String> {
        if self.max_header_bytes < MIN_HEADER_BYTES {
            return Err(format!(
                "the header limit must be at least {MIN_HEADER_BYTES} bytes"
            ));
        }
        let zero = [
            ("body limit", self.max_body_bytes == 0),
            ("parameter limit", self.max_parameters == 0),
            ("list limit", self.max_list_items == 0),
            ("connection cap", self.max_connections == 0),
            ("header timeout", self.header_timeout.is_zero()),
            ("body timeout", self.body_timeout.is_zero()),
            ("idle timeout", self.idle_timeout.is_zero()),
        ];
        match zero.iter().find(|(_, is_zero)| *is_zero) {
            Some((name, _)) => Err(format!("the {name} must be more than zero")),
            None => Ok(()),
        }
    }

    /// A declared body length beyond the limit, refused before the body is read.
    pub fn check_content_length(&self, declared: Option<u64>) -> Result<(), ApiError> {
        match declared {
            Some(n) if n > self.max_body_bytes as u64 => Err(self.body_too_large()),
            _ => Ok(()),
        }
    }

    pub fn body_too_large(&self) -> ApiError {
        ApiError::with(Code::RequestEntityTooLarge, self.max_body_bytes.to_string())
    }

    /// The decoded query and form-body pairs: not too many, and no list index too high.
    pub fn check_parameters(
        &self,
        query: &[(String, String)],
        body: &[(String, String)],
    ) -> Result<(), ApiError> {
        if query.len() + body.len() > self.max_parameters {
            return Err(ApiError::with(
                Code::TooManyParameters,
                self.max_parameters.to_string(),
            ));
        }
        match query
            .iter()
            .chain(body)
            .find(|(name, _)| list_index_beyond(name, self.max_list_items))
        {
            Some((name, _)) => Err(ApiError::invalid(name)),
            None => Ok(()),
        }
    }
}

/// Whether a dotted segment of `name` after the first is an index above `max` (`X.1001`,
/// `X.5000.Key`, `X.1.Sub.99999`). Digits too long for a number count as above.
fn list_index_beyond(name: &str, max: usize) -> bool {
    name.split('.').skip(1).any(|segment| {
        !segment.is_empty()
            && segment.bytes().all(|b| b.is_ascii_digit())
            && segment.parse::<usize>().map_or(true, |n| n > max)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), "v".to_string()))
            .collect()
    }

    #[test]
    fn parameter_count_spans_query_and_body() {
        let limits = WireLimits {
            max_parameters: 3,
            ..WireLimits::default()
        };
        assert!(limits
            .check_parameters(&pairs(&["A", "B"]), &pairs(&["C"]))
            .is_ok());
        let err = limits
            .check_parameters(&pairs(&["A", "B"]), &pairs(&["C", "D"]))
            .unwrap_err();
        assert_eq!(err.code, Code::TooManyParameters);
        assert!(err.message.contains('3'), "{}", err.message);
    }

    #[test]
    fn list_indexes_beyond_the_limit_are_refused_wherever_they_sit() {
        let limits = WireLimits {
            max_list_items: 10,
            ..WireLimits::default()
        };
        for ok in ["X.10", "Tag.10.Key", "A.B", "A..", "Version", "X.1.Sub.10"] {
            assert!(limits.check_parameters(&pairs(&[ok]), &[]).is_ok(), "{ok}");
        }
        for bad in [
            "X.11",
            "Tag.11.Key",
            "X.1.Sub.11",
            "X.99999999999999999999999",
        ] {
            let err = limits.check_parameters(&[], &pairs(&[bad])).unwrap_err();
            assert_eq!(err.code, Code::InvalidParameter, "{bad}");
            assert!(err.message.contains(bad), "{}", err.message);
        }
    }

    #[test]
    fn declared_body_length() {
        let limits = WireLimits {
            max_body_bytes: 100,
            ..WireLimits::default()
        };
        assert!(limits.check_content_length(None).is_ok());
        assert!(limits.check_content_length(Some(100)).is_ok());
        assert_eq!(
            limits.check_content_length(Some(101)).unwrap_err().code,
            Code::RequestEntityTooLarge
        );
    }

    #[test]
    fn unusable_limits_are_refused() {
        assert!(WireLimits::default().check().is_ok());
        let small_headers = WireLimits {
            max_header_bytes: 100,
            ..WireLimits::default()
        };
        assert!(small_headers.check().is_err());
        let no_connections = WireLimits {
            max_connections: 0,
            ..WireLimits::default()
        };
        assert!(no_connections.check().is_err());
    }
}
