//! The server's time. Everything that decides by time (creation times, when a transition is
//! due, the throttle's refill) reads one `Clock`: the system clock when serving, or a manual
//! clock that tests advance instead of sleeping. Request timestamps checked by the replay
//! window keep the system clock: they come from the clients' real clocks.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio::sync::watch;

/// A handle on the server's time; clones share it.
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<watch::Sender<i64>>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => f.write_str("Clock(system)"),
            Some(time) => write!(f, "Clock(manual at {} ms)", *time.borrow()),
        }
    }
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        match &self.manual {
            None => Utc::now().timestamp_millis(),
            Some(time) => *time.borrow(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.now_millis())
            .single()
            .unwrap_or_default()
    }

    /// Resolves once the clock reads `at_ms` or later: after a real sleep, or, for a manual
    /// clock, after the advance that reaches it.
    pub async fn sleep_until(&self, at_ms: i64) {
        match &self.manual {
            None => {
                let wait = at_ms.saturating_sub(self.now_millis()).max(0);
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
            }
            Some(time) => {
                let mut changes = time.subscribe();
                // The sender lives as long as this clock, so `wait_for` cannot fail here.
                let _ = changes.wait_for(|now| *now >= at_ms).await;
            }
        }
    }
}

/// A clock that moves only when told to. Tests hand `clock()` to the server's config and call
/// `advance` where they would otherwise sleep.
#[derive(Clone)]
pub struct ManualClock {
    time: Arc<watch::Sender<i64>>,
}

impl ManualClock {
    /// A manual clock starting at the current system time.
    pub fn new() -> ManualClock {
        ManualClock::starting_at(Utc::now())
    }

    pub fn starting_at(start: DateTime<Utc>) -> ManualClock {
        let (time, _) = watch::channel(start.timestamp_millis());
        ManualClock {
            time: Arc::new(time),
        }
    }

    /// The `Clock` the server reads.
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(Arc::clone(&self.time)),
        }
    }

    pub fn now_millis(&self) -> i64 {
        *self.time.borrow()
    }

    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.time.send_modify(|now| *now = now.saturating_add(by));
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

/// Parses a duration as the command line takes it: `0`, `250ms`, `2s`, `1.5s`, `3m`; a bare
/// number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (examples: 0, 250ms, 2s, 1m)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (use ms, s or m)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        let ok = |text: &str, ms: u64| {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            )
        };
        ok("0", 0);
        ok("2", 2_000);
        ok("2s", 2_000);
        ok("1.5s", 1_500);
        ok("250ms", 250);
        ok("3m", 180_000);
        ok(" 2s ", 2_000);
        for bad in ["", "s", "2h", "-1s", "two", "1..2s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[tokio::test]
    async fn a_manual_clock_moves_only_when_advanced() {
        let manual = ManualClock::starting_at(Utc.timestamp_opt(1_700_000_000, 0).unwrap());
        let clock = manual.clock();
        assert_eq!(clock.now_millis(), 1_700_000_000_000);
        assert_eq!(clock.now().timestamp(), 1_700_000_000);
        let due = clock.now_millis() + 2_000;
        let waiter = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(due).await }
        });
        manual.advance(Duration::from_millis(1_999));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "woke before the due time");
        manual.advance(Duration::from_millis(1));
        waiter.await.unwrap();
        assert_eq!(clock.now_millis(), due);
    }

    #[tokio::test]
    async fn the_system_clock_sleeps_for_real() {
        let clock = Clock::system();
        let start = clock.now_millis();
        clock.sleep_until(start + 20).await;
        assert!(clock.now_millis() >= start + 20);
        // A time already past resolves at once.
        clock.sleep_until(start - 1_000).await;
    }
}
