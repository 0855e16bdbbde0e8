//! Rule j: the format rules for names and descriptions, written once. The console shows the
//! same texts under each field (`*_RULE`), so what a user reads is what the server checks.

use super::DomainError;

pub const NAME_RULE: &str = "2 to 128 characters. Must start with a letter (Chinese characters count) and cannot start with http:// or https://. May contain letters, digits, colons (:), underscores (_), periods (.) and hyphens (-).";
pub const DESCRIPTION_RULE: &str = "2 to 256 characters. Cannot start with http:// or https://.";
pub const ENI_MODIFY_DESCRIPTION_RULE: &str =
    "2 to 255 characters. Cannot start with http:// or https://.";

fn starts_with_url_scheme(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Names of ENIs, security groups and instances: 2–128 characters, a letter first, then
/// letters, digits, `:` `_` `.` `-`; never a URL.
pub fn check_name(field: &'static str, name: &str) -> Result<(), DomainError> {
    let invalid = |reason: &str| {
        Err(DomainError::InvalidName {
            field,
            reason: reason.to_string(),
        })
    };
    let len = name.chars().count();
    if !(2..=128).contains(&len) {
        return invalid("it must be 2 to 128 characters long");
    }
    if starts_with_url_scheme(name) {
        return invalid("it cannot start with http:// or https://");
    }
    if !name.chars().next().is_some_and(char::is_alphabetic) {
        return invalid("it must start with a letter");
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, ':' | '_' | '.' | '-')))
    {
        return invalid(&format!("the character {bad:?} is not allowed"));
    }
    Ok(())
}

/// Descriptions: `min..=max` characters, never starting with a URL scheme.
pub fn check_description(
    field: &'static str,
    description: &str,
    max: usize,
) -> Result<(), DomainError> {
    let len = description.chars().count();
    let reason = if !(2..=max).contains(&len) {
        format!("it must be 2 to {max} characters long")
    } else if starts_with_url_scheme(description) {
        "it cannot start with http:// or https://".to_string()
    } else {
        return Ok(());
    };
    Err(DomainError::InvalidDescription { field, reason })
}

/// VPC and vSwitch names and descriptions: 1 to `max` characters, never starting with a URL.
pub fn check_label(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    let len = value.chars().count();
    let reason = if !(1..=max).contains(&len) {
        format!("it must be 1 to {max} characters long")
    } else if starts_with_url_scheme(value) {
        "it cannot start with http:// or https://".to_string()
    } else {
        return Ok(());
    };
    if field.ends_with("Name") {
        Err(DomainError::InvalidName { field, reason })
    } else {
        Err(DomainError::InvalidDescription { field, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_format() {
        let cases: &[(&str, bool)] = &[
            ("ab", true),
            ("my-eni_1.2:x", true),
            ("名字", true),
            ("a", false),
            ("1abc", false),
            ("_abc", false),
            ("http://x", false),
            ("HTTPS://x", false),
            ("my eni", false),
            ("my*eni", false),
            (&"a".repeat(128), true),
            (&"a".repeat(129), false),
        ];
        for (name, ok) in cases {
            assert_eq!(
                check_name("NetworkInterfaceName", name).is_ok(),
                *ok,
                "{name:?}"
            );
        }
    }

    #[test]
    fn descriptions_follow_the_documented_format() {
        assert!(check_description("Description", "a b/c=d&e", 256).is_ok());
        assert!(check_description("Description", "x", 256).is_err());
        assert!(check_description("Description", "https://a", 256).is_err());
        assert!(check_description("Description", &"é".repeat(255), 255).is_ok());
        assert!(check_description("Description", &"é".repeat(256), 255).is_err());
        assert!(check_description("Description", &"é".repeat(256), 256).is_ok());
    }
}
