//! ClientToken idempotence (ecs-api.md §2.3): what a valid token is, and what "the same
//! parameters" means. A retry carries a new signature, nonce and timestamp, so the comparison
//! is over the call's own parameters only (the caller leaves the protocol's ones out).

use sha2::{Digest, Sha256};

use super::DomainError;

pub const MAX_TOKEN_LEN: usize = 64;

/// A token: 1–64 ASCII characters, no control characters; compared case-sensitively.
pub fn check_token(token: &str) -> Result<(), DomainError> {
    let ok = !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.chars().all(|c| c.is_ascii() && !c.is_ascii_control());
    if ok {
        Ok(())
    } else {
        Err(DomainError::InvalidClientToken)
    }
}

/// A digest of a call's parameters, independent of their order. An empty value counts as an
/// absent parameter (as everywhere in the API), so `X=` and no `X` are the same call.
pub fn fingerprint<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    pairs.sort_unstable();
    let mut hash = Sha256::new();
    for (name, value) in pairs {
        // Lengths first, so no two different lists of pairs hash the same bytes.
        hash.update((name.len() as u64).to_be_bytes());
        hash.update(name.as_bytes());
        hash.update((value.len() as u64).to_be_bytes());
        hash.update(value.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// A token seen before may be used again only for the very same call.
pub fn check_replay(recorded: &str, presented: &str) -> Result<(), DomainError> {
    if recorded == presented {
        Ok(())
    } else {
        Err(DomainError::IdempotentParameterMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_one_to_sixty_four_ascii_characters() {
        let cases: &[(&str, bool)] = &[
            ("123e4567-e89b-12d3-a456-426655440000", true),
            ("a", true),
            ("Token With Spaces_and+symbols/=", true),
            (&"t".repeat(64), true),
            ("", false),
            (&"t".repeat(65), false),
            ("tokén", false),
            ("line\nbreak", false),
            ("tab\t", false),
        ];
        for (token, ok) in cases {
            assert_eq!(check_token(token).is_ok(), *ok, "{token:?}");
        }
    }

    #[test]
    fn the_fingerprint_ignores_order_and_empty_values() {
        let a = fingerprint([("RegionId", "cn-hangzhou"), ("VpcId", "vpc-1")]);
        let b = fingerprint([("VpcId", "vpc-1"), ("RegionId", "cn-hangzhou")]);
        let c = fingerprint([
            ("VpcId", "vpc-1"),
            ("Description", ""),
            ("RegionId", "cn-hangzhou"),
        ]);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn the_fingerprint_tells_different_calls_apart() {
        let base = fingerprint([("RegionId", "cn-hangzhou"), ("VpcId", "vpc-1")]);
        let different: Vec<Vec<(&str, &str)>> = vec![
            vec![("RegionId", "cn-hangzhou"), ("VpcId", "vpc-2")],
            vec![("RegionId", "cn-hangzhou")],
            vec![
                ("RegionId", "cn-hangzhou"),
                ("VpcId", "vpc-1"),
                ("Tag.1.Key", "k"),
            ],
            vec![("RegionId", "cn-hangzhou"), ("vpcid", "vpc-1")],
            // Moving characters between a name and its value changes the call.
            vec![("RegionId", "cn-hangzhou"), ("VpcIdv", "pc-1")],
        ];
        for params in different {
            assert_ne!(fingerprint(params.clone()), base, "{params:?}");
        }
    }

    #[test]
    fn a_replay_must_be_the_same_call() {
        assert_eq!(check_replay("abc", "abc"), Ok(()));
        assert_eq!(
            check_replay("abc", "abd"),
            Err(DomainError::IdempotentParameterMismatch)
        );
    }
}
