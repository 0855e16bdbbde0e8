//! What `/metrics` shows, in the Prometheus text format (version 0.0.4): requests by action
//! and code, request latency per action, the store writer's batch sizes, the store's file
//! sizes and the ENI answer cache's size, hits and misses. Hand-rolled: counters and histograms are atomics, rendered on each scrape.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::actions::cache::CacheStats;

/// Request latency bucket bounds, in microseconds (rendered in seconds).
const LATENCY_BOUNDS_MICROS: &[u64] = &[
    250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 10_000_000,
];

/// Write-batch size bucket bounds (the writer commits at most 256 operations at once).
pub const BATCH_SIZE_BOUNDS: &[u64] = &[1, 2, 4, 8, 16, 32, 64, 128, 256];

/// A histogram of non-negative integers: one counter per bucket, their sum and count.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [u64],
    /// Observations at most `bounds[i]` but above `bounds[i - 1]`; the last slot is `+Inf`.
    buckets: Vec<AtomicU64>,
    sum: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [u64]) -> Self {
        Histogram {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, value: u64) {
        let slot = self.bounds.partition_point(|&bound| bound < value);
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(value, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub fn sum(&self) -> u64 {
        self.sum.load(Ordering::Relaxed)
    }

    /// The `_bucket`, `_sum` and `_count` lines; values are divided by `scale` (1e6 turns
    /// microseconds into seconds).
    fn render(&self, out: &mut String, name: &str, labels: &str, scale: f64) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = match self.bounds.get(i) {
                Some(&bound) => format_number(bound as f64 / scale),
                None => "+Inf".to_string(),
            };
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = format_number(self.sum() as f64 / scale);
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {}", self.count());
    }
}

fn format_number(value: f64) -> String {
    let text = format!("{value}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// A label value with `\`, `"` and newlines escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The label an answer's code gets when the call succeeded.
pub const SUCCESS_CODE: &str = "OK";

/// The request metrics of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (action, code, status) → count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// action → latency in microseconds.
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    /// Counts one answered request. `action` must come from a bounded set (the action table,
    /// or a placeholder for unknown names), never straight from the request.
    pub fn record_request(&self, action: &str, code: &str, status: u16, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *requests
                .entry((action.to_string(), code.to_string(), status))
                .or_insert(0) += 1;
        }
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        latency
            .entry(action.to_string())
            .or_insert_with(|| Histogram::new(LATENCY_BOUNDS_MICROS))
            .observe(micros);
    }

    /// The whole exposition: these request metrics, the writer's batch sizes, the sizes of
    /// the store's files under `data_dir` and the ENI answer cache's counts.
    pub fn render(&self, batch_sizes: &Histogram, data_dir: &Path, answers: CacheStats) -> String {
        let mut out = String::new();
        out.push_str("# HELP ecsnet_requests_total API requests answered, by action, code and HTTP status.\n");
        out.push_str("# TYPE ecsnet_requests_total counter\n");
        {
            let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            for ((action, code, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "ecsnet_requests_total{{action=\"{}\",code=\"{}\",status=\"{status}\"}} {count}",
                    label(action),
                    label(code)
                );
            }
        }
        out.push_str("# HELP ecsnet_request_duration_seconds Time from a request's arrival to its answer, by action.\n");
        out.push_str("# TYPE ecsnet_request_duration_seconds histogram\n");
        {
            let latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
            for (action, histogram) in latency.iter() {
                let labels = format!("action=\"{}\"", label(action));
                histogram.render(&mut out, "ecsnet_request_duration_seconds", &labels, 1e6);
            }
        }
        out.push_str("# HELP ecsnet_write_batch_size Operations committed together by the store's writer (one COMMIT each).\n");
        out.push_str("# TYPE ecsnet_write_batch_size histogram\n");
        batch_sizes.render(&mut out, "ecsnet_write_batch_size", "", 1.0);
        out.push_str(
            "# HELP ecsnet_store_bytes Size of the store's files (database, WAL, shared memory).\n",
        );
        out.push_str("# TYPE ecsnet_store_bytes gauge\n");
        let db = crate::store::database_path(data_dir);
        let name = db
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{name}{suffix}");
            let bytes = std::fs::metadata(data_dir.join(&file)).map_or(0, |m| m.len());
            let _ = writeln!(
                out,
                "ecsnet_store_bytes{{file=\"{}\"}} {bytes}",
                label(&file)
            );
        }
        let _ = write!(
            out,
            "# HELP ecsnet_eni_answers ENIs whose rendered answer DescribeNetworkInterfaces keeps.\n\
             # TYPE ecsnet_eni_answers gauge\n\
             ecsnet_eni_answers {}\n\
             # HELP ecsnet_eni_answer_lookups_total Listed ENIs whose answer was kept at their revision (hit) or was read and rendered (miss).\n\
             # TYPE ecsnet_eni_answer_lookups_total counter\n\
             ecsnet_eni_answer_lookups_total{{result=\"hit\"}} {}\n\
             ecsnet_eni_answer_lookups_total{{result=\"miss\"}} {}\n",
            answers.entries, answers.hits, answers.misses
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let h = Histogram::new(&[1, 4]);
        for v in [0, 1, 2, 4, 5, 100] {
            h.observe(v);
        }
        let mut out = String::new();
        h.render(&mut out, "x", "a=\"b\"", 1.0);
        assert_eq!(
            out,
            "x_bucket{a=\"b\",le=\"1\"} 2\nx_bucket{a=\"b\",le=\"4\"} 4\nx_bucket{a=\"b\",le=\"+Inf\"} 6\n\
             x_sum{a=\"b\"} 112\nx_count{a=\"b\"} 6\n"
        );
    }

    #[test]
    fn latency_is_rendered_in_seconds() {
        let m = Metrics::default();
        m.record_request(
            "DescribeRegions",
            SUCCESS_CODE,
            200,
            Duration::from_micros(1500),
        );
        let h = Histogram::new(BATCH_SIZE_BOUNDS);
        let answers = CacheStats {
            entries: 3,
            hits: 5,
            misses: 4,
        };
        let out = m.render(&h, Path::new("/nonexistent"), answers);
        assert!(out.contains(
            "ecsnet_requests_total{action=\"DescribeRegions\",code=\"OK\",status=\"200\"} 1\n"
        ));
        assert!(out.contains(
            "ecsnet_request_duration_seconds_bucket{action=\"DescribeRegions\",le=\"0.001\"} 0\n"
        ));
        assert!(out.contains(
            "ecsnet_request_duration_seconds_bucket{action=\"DescribeRegions\",le=\"0.0025\"} 1\n"
        ));
        assert!(out
            .contains("ecsnet_request_duration_seconds_sum{action=\"DescribeRegions\"} 0.0015\n"));
        assert!(out.contains("ecsnet_store_bytes{file=\"ecsnet.db\"} 0\n"));
        assert!(out.contains("ecsnet_eni_answers 3\n"));
        assert!(out.contains("ecsnet_eni_answer_lookups_total{result=\"hit\"} 5\n"));
        assert!(out.contains("ecsnet_eni_answer_lookups_total{result=\"miss\"} 4\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
