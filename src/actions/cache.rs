//! Rendered ENIs, reused across DescribeNetworkInterfaces answers. An entry is one ENI's
//! answer at one store revision (`store::EniRevision`): a page whose ENI stands at another
//! revision renders it again, so an entry never outlives what it shows. Reading and rendering
//! a page of ENIs cost most of that call; a page of cached ones costs the page query.
//!
//! A reset or a snapshot restore can bring an ENI back at an earlier revision with other
//! contents, so they advance the cache's generation: a read notes the generation before it
//! begins and uses, and adds, only entries of that generation.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::doc::Shared;

/// Locks that readers spread over (a power of two).
const SHARDS: usize = 16;

pub struct EniAnswers {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    generation: AtomicU64,
    hasher: RandomState,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What `/metrics` reports of the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub entries: usize,
    pub hits: u64,
    pub misses: u64,
}

#[derive(Default)]
struct Shard {
    entries: HashMap<String, Entry>,
    /// Keys in the order they were added: the oldest goes first when the shard is full.
    order: VecDeque<String>,
}

struct Entry {
    generation: u64,
    revision: i64,
    answer: Arc<Shared>,
}

impl EniAnswers {
    /// A cache of at most `capacity` ENIs (rounded up to a multiple of 16); 0 keeps none.
    pub fn new(capacity: usize) -> Self {
        EniAnswers {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS),
            generation: AtomicU64::new(0),
            hasher: RandomState::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The generation a read about to begin belongs to.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Forgets every entry: the store was reset or restored.
    pub fn advance(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for shard in &self.shards {
            *lock(shard) = Shard::default();
        }
    }

    /// The answer of ENI `id` at `revision`, rendered by a read of `generation`.
    pub fn get(&self, generation: u64, id: &str, revision: i64) -> Option<Arc<Shared>> {
        let answer = lock(self.shard(id))
            .entries
            .get(id)
            .filter(|e| e.generation == generation && e.revision == revision)
            .map(|e| Arc::clone(&e.answer));
        let counter = if answer.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        answer
    }

    /// Keeps the answer a read of `generation` rendered for ENI `id` at `revision`.
    pub fn insert(&self, generation: u64, id: &str, revision: i64, answer: Arc<Shared>) {
        if self.per_shard == 0 || generation != self.generation() {
            return;
        }
        let mut shard = lock(self.shard(id));
        let entry = Entry {
            generation,
            revision,
            answer,
        };
        if let Some(slot) = shard.entries.get_mut(id) {
            *slot = entry;
            return;
        }
        if shard.entries.len() >= self.per_shard {
            if let Some(oldest) = shard.order.pop_front() {
                shard.entries.remove(&oldest);
            }
        }
        shard.entries.insert(id.to_string(), entry);
        shard.order.push_back(id.to_string());
    }

    /// How many ENIs are kept, and how many lookups found their answer or did not.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.shards.iter().map(|s| lock(s).entries.len()).sum(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    fn shard(&self, id: &str) -> &Mutex<Shard> {
        let hash = self.hasher.hash_one(id) as usize;
        &self.shards[hash & (SHARDS - 1)]
    }
}

/// A shard stays consistent whatever panicked while holding it (each change is one insert or
/// removal), so a poisoned lock is used as is.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj;

    fn answer(name: &str) -> Arc<Shared> {
        Arc::new(Shared::new(&obj! { "Name" => name }))
    }

    #[test]
    fn an_entry_serves_only_its_revision() {
        let cache = EniAnswers::new(100);
        let g = cache.generation();
        cache.insert(g, "eni-1", 3, answer("a"));
        assert_eq!(cache.get(g, "eni-1", 3).unwrap().json(), r#"{"Name":"a"}"#);
        assert!(cache.get(g, "eni-1", 4).is_none());
        cache.insert(g, "eni-1", 4, answer("b"));
        assert_eq!(cache.get(g, "eni-1", 4).unwrap().json(), r#"{"Name":"b"}"#);
        assert!(cache.get(g, "eni-1", 3).is_none());
        assert_eq!(
            cache.stats(),
            CacheStats {
                entries: 1,
                hits: 2,
                misses: 2
            }
        );
    }

    #[test]
    fn advancing_forgets_entries_and_refuses_reads_begun_before() {
        let cache = EniAnswers::new(100);
        let before = cache.generation();
        cache.insert(before, "eni-1", 1, answer("a"));
        cache.advance();
        let after = cache.generation();
        assert_eq!(cache.stats().entries, 0);
        // A read begun before the restore may have seen the old store: not kept, not served.
        cache.insert(before, "eni-1", 1, answer("old"));
        assert!(cache.get(after, "eni-1", 1).is_none());
        assert!(cache.get(before, "eni-1", 1).is_none());
        cache.insert(after, "eni-1", 1, answer("new"));
        assert_eq!(
            cache.get(after, "eni-1", 1).unwrap().json(),
            r#"{"Name":"new"}"#
        );
        assert!(cache.get(before, "eni-1", 1).is_none());
    }

    #[test]
    fn the_oldest_entries_go_when_full() {
        let cache = EniAnswers::new(SHARDS * 2);
        let g = cache.generation();
        for i in 0..1000 {
            cache.insert(g, &format!("eni-{i}"), 0, answer("x"));
        }
        assert_eq!(cache.stats().entries, SHARDS * 2);
        assert!(cache.get(g, "eni-999", 0).is_some());
        assert!(cache.get(g, "eni-0", 0).is_none());
    }

    #[test]
    fn a_cache_of_nothing_keeps_nothing() {
        let cache = EniAnswers::new(0);
        cache.insert(0, "eni-1", 0, answer("a"));
        assert_eq!(cache.stats().entries, 0);
    }
}
