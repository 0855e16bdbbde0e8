//! Resource ids: `<prefix>-<region code><18 random [a-z0-9]>`, the shape the real service uses.

use rand::Rng;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

pub fn random_body(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A new id such as `eni-bp1x…` for a resource in a region whose id code is `region_code`.
pub fn new_id(prefix: &str, region_code: &str) -> String {
    format!("{prefix}-{region_code}{}", random_body(18))
}

/// A locally administered MAC address in Alibaba's `00:16:3e` range.
pub fn new_mac() -> String {
    let mut rng = rand::thread_rng();
    format!(
        "00:16:3e:{:02x}:{:02x}:{:02x}",
        rng.gen::<u8>(),
        rng.gen::<u8>(),
        rng.gen::<u8>()
    )
}

/// Whether `id` has the shape of an id with `prefix` (the only check the real API documents).
pub fn has_prefix(id: &str, prefix: &str) -> bool {
    id.len() > prefix.len() + 1
        && id.starts_with(prefix)
        && id.as_bytes()[prefix.len()] == b'-'
        && id[prefix.len() + 1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_region_code_and_twenty_char_body() {
        let id = new_id("eni", "bp");
        assert!(id.starts_with("eni-bp"));
        assert_eq!(id.len(), "eni-".len() + 20);
        assert!(has_prefix(&id, "eni"));
        assert!(!has_prefix(&id, "sg"));
        assert!(!has_prefix("eni-", "eni"));
        assert!(!has_prefix("eni-ab/c", "eni"));
    }

    #[test]
    fn macs_are_in_the_alibaba_range() {
        let mac = new_mac();
        assert!(mac.starts_with("00:16:3e:"));
        assert_eq!(mac.len(), 17);
    }
}
