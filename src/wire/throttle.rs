//! Optional throttling: a token bucket per account and action, as the real service limits each
//! caller per API. A call beyond the rate is answered `Throttling.User` before the action runs.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Clock;

/// A sustained rate and how many calls may come at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleConfig {
    /// Calls per second, per account and action.
    pub rate: f64,
    /// Calls a caller may make at once before the rate applies (at least 1).
    pub burst: u32,
}

impl ThrottleConfig {
    /// The rate with its default burst: one second's worth of calls, at least one.
    pub fn per_second(rate: f64) -> ThrottleConfig {
        ThrottleConfig {
            rate,
            burst: rate.ceil().max(1.0) as u32,
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(format!(
                "the throttle rate must be a positive number of calls per second, not {}",
                self.rate
            ));
        }
        if self.burst == 0 {
            return Err("the throttle burst must be at least 1".into());
        }
        Ok(())
    }
}

struct Bucket {
    tokens: f64,
    updated_ms: i64,
}

pub struct Throttle {
    config: ThrottleConfig,
    clock: Clock,
    buckets: Mutex<HashMap<(String, &'static str), Bucket>>,
}

impl Throttle {
    pub fn new(config: ThrottleConfig, clock: Clock) -> Throttle {
        Throttle {
            config,
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from the account's bucket for `action`; when it is empty, says how many
    /// milliseconds until the next call would be admitted. A refused call takes nothing.
    pub fn admit(&self, account_id: &str, action: &'static str) -> Result<(), u64> {
        let now = self.clock.now_millis();
        let burst = f64::from(self.config.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets
            .entry((account_id.to_string(), action))
            .or_insert(Bucket {
                tokens: burst,
                updated_ms: now,
            });
        let elapsed = now.saturating_sub(bucket.updated_ms).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * self.config.rate).min(burst);
        bucket.updated_ms = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait_secs = (1.0 - bucket.tokens) / self.config.rate;
            Err((wait_secs * 1000.0).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn a_burst_then_the_rate() {
        let manual = ManualClock::new();
        let throttle = Throttle::new(
            ThrottleConfig {
                rate: 2.0,
                burst: 3,
            },
            manual.clock(),
        );
        let call = || throttle.admit("acct-1", "DescribeRegions");
        assert_eq!([call(), call(), call()], [Ok(()), Ok(()), Ok(())]);
        // Empty: the next token comes in half a second.
        assert_eq!(call(), Err(500));
        manual.advance(Duration::from_millis(200));
        assert_eq!(call(), Err(300), "a refused call takes no token");
        manual.advance(Duration::from_millis(300));
        assert_eq!(call(), Ok(()));
        assert_eq!(call(), Err(500));
        // A long pause refills the burst, never more.
        manual.advance(Duration::from_secs(60));
        assert_eq!([call(), call(), call()], [Ok(()), Ok(()), Ok(())]);
        assert!(call().is_err());
    }

    #[test]
    fn each_account_and_action_has_its_own_bucket() {
        let manual = ManualClock::new();
        let throttle = Throttle::new(ThrottleConfig::per_second(1.0), manual.clock());
        assert_eq!(throttle.admit("acct-1", "DescribeRegions"), Ok(()));
        assert_eq!(throttle.admit("acct-1", "DescribeRegions"), Err(1000));
        assert_eq!(throttle.admit("acct-1", "DescribeZones"), Ok(()));
        assert_eq!(throttle.admit("acct-2", "DescribeRegions"), Ok(()));
    }

    #[test]
    fn configurations() {
        assert_eq!(ThrottleConfig::per_second(0.5).burst, 1);
        assert_eq!(ThrottleConfig::per_second(10.0).burst, 10);
        assert_eq!(ThrottleConfig::per_second(2.5).burst, 3);
        assert!(ThrottleConfig::per_second(1.0).check().is_ok());
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(ThrottleConfig { rate, burst: 1 }.check().is_err(), "{rate}");
        }
        assert!(ThrottleConfig {
            rate: 1.0,
            burst: 0
        }
        .check()
        .is_err());
    }
}
