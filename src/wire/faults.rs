//! Optional fault injection: a configured share of calls is answered `ServiceUnavailable`
//! (503) so that clients' retry paths get exercised. The draw happens before the caller is
//! authenticated and before the action runs, so a faulted call has read and written nothing;
//! a fault never follows a write (clients retry 5xx, creates included).

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultConfig {
    /// The share of calls answered ServiceUnavailable, 0.0 to 1.0.
    pub rate: f64,
    /// Makes the sequence of faulted calls repeatable; drawn from the OS when `None`.
    pub seed: Option<u64>,
}

impl FaultConfig {
    pub fn check(&self) -> Result<(), String> {
        if (0.0..=1.0).contains(&self.rate) {
            Ok(())
        } else {
            Err(format!(
                "the fault rate must be between 0 and 1, not {}",
                self.rate
            ))
        }
    }
}

pub struct Faults {
    rate: f64,
    draws: Mutex<StdRng>,
}

impl Faults {
    /// `None` when no call is ever faulted.
    pub fn new(config: FaultConfig) -> Option<Faults> {
        if config.rate <= 0.0 {
            return None;
        }
        let draws = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        Some(Faults {
            rate: config.rate,
            draws: Mutex::new(draws),
        })
    }

    /// Whether this call fails. One draw per call, in arrival order.
    pub fn strikes(&self) -> bool {
        let mut draws = self.draws.lock().unwrap_or_else(|e| e.into_inner());
        draws.gen::<f64>() < self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(seed: u64, rate: f64) -> Vec<bool> {
        let faults = Faults::new(FaultConfig {
            rate,
            seed: Some(seed),
        })
        .unwrap();
        (0..200).map(|_| faults.strikes()).collect()
    }

    #[test]
    fn a_seed_repeats_its_faults() {
        assert_eq!(pattern(7, 0.3), pattern(7, 0.3));
        assert_ne!(pattern(7, 0.3), pattern(8, 0.3));
        let share = pattern(7, 0.3).iter().filter(|f| **f).count();
        assert!((30..=90).contains(&share), "{share} of 200 faulted at 0.3");
    }

    #[test]
    fn the_extremes() {
        assert!(Faults::new(FaultConfig::default()).is_none());
        assert!(pattern(1, 1.0).iter().all(|f| *f));
        for rate in [-0.1, 1.01, f64::NAN] {
            assert!(FaultConfig { rate, seed: None }.check().is_err(), "{rate}");
        }
        assert!(FaultConfig {
            rate: 0.5,
            seed: None
        }
        .check()
        .is_ok());
    }
}
