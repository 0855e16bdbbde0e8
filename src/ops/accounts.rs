//! Accounts and their AccessKey pairs.

use rand::Rng;

use crate::errors::ApiError;
use crate::store::{AccessKey, Store, StoreFault};

/// A fresh key pair in the real service's shapes: `LTAI` + 20 characters, 30-character secret.
pub fn generate_key() -> (String, String) {
    let id = format!("LTAI{}", random_alnum(20));
    let secret = random_alnum(30);
    (id, secret)
}

fn random_alnum(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// Account ids are 16-digit numbers, as on the real service.
pub fn generate_account_id() -> String {
    let mut rng = rand::thread_rng();
    format!(
        "{}",
        rng.gen_range(1_000_000_000_000_000u64..10_000_000_000_000_000)
    )
}

/// The account a dev-mode key id stands for: always the same 16 digits for the same id.
pub fn derived_account_id(key_id: &str) -> String {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key_id.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}", 1_000_000_000_000_000 + hash % 9_000_000_000_000_000)
}

/// Creates an account with one key pair.
pub async fn create(
    store: &Store,
    account_id: String,
    key_id: String,
    secret: String,
) -> Result<AccessKey, StoreFault> {
    let key = AccessKey {
        id: key_id,
        secret,
        account_id: account_id.clone(),
        enabled: true,
    };
    let written = key.clone();
    let now = chrono::Utc::now().timestamp();
    store
        .write(move |tx| tx.insert_account(&account_id, &written, now))
        .await??;
    Ok(key)
}

/// Creates the first account with this key pair, unless the store has an account already
/// (servers starting together on one database create it once). Answers whether it did.
pub async fn create_first(store: &Store, key: AccessKey) -> Result<bool, StoreFault> {
    let now = chrono::Utc::now().timestamp();
    store
        .write(move |tx| {
            if tx.account_count()? > 0 {
                return Ok(false);
            }
            tx.insert_account(&key.account_id, &key, now)?;
            Ok(true)
        })
        .await?
}

/// Enables or disables an AccessKey (`ecsnet account enable-key` / `disable-key`): a disabled
/// key's calls are answered `InvalidAccessKeyId.Inactive`, its account and resources stay.
/// Fails when no key has this id.
pub async fn set_key_enabled(store: &Store, key_id: &str, enabled: bool) -> Result<(), String> {
    let id = key_id.to_string();
    let found = store
        .write(move |tx| tx.set_access_key_enabled(&id, enabled))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if found {
        Ok(())
    } else {
        Err(format!("no access key {key_id}"))
    }
}

pub async fn count(store: &Store) -> Result<u64, StoreFault> {
    store.read(|tx| tx.account_count()).await
}

/// Dev mode (`--accept-any-access-key`): the key id's account, created on first use.
pub async fn dev_account(store: &Store, key_id: &str) -> Result<String, ApiError> {
    let account_id = derived_account_id(key_id);
    let lookup = key_id.to_string();
    let known = store
        .read(move |tx| tx.access_key(&lookup))
        .await
        .map_err(|_| ApiError::internal())?;
    if known.is_none() {
        let (id, account) = (key_id.to_string(), account_id.clone());
        let now = chrono::Utc::now().timestamp();
        store
            .write(move |tx| {
                // Another request may have created it since the read above.
                if tx.access_key(&id)?.is_some() {
                    return Ok(());
                }
                let key = AccessKey {
                    id: id.clone(),
                    secret: String::new(),
                    account_id: account.clone(),
                    enabled: true,
                };
                tx.insert_account(&account, &key, now)
            })
            .await
            .map_err(|_| ApiError::internal())?
            .map_err(|_| ApiError::internal())?;
    }
    Ok(account_id)
}

/// The account whose enabled key `key_id` has exactly `secret`, for a sign-in that presents
/// the pair itself instead of a signature (the console). The comparison does not stop at the
/// first differing byte, so its time says nothing about the secret.
pub async fn account_for_secret(
    store: &Store,
    key_id: &str,
    secret: &str,
) -> Result<Option<String>, StoreFault> {
    let lookup = key_id.to_string();
    let key = store.read(move |tx| tx.access_key(&lookup)).await?;
    Ok(key
        .filter(|k| k.enabled && !k.secret.is_empty() && same_bytes(&k.secret, secret))
        .map(|k| k.account_id))
}

/// Equal strings, compared without stopping at the first difference (secrets, tokens).
pub fn same_bytes(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
