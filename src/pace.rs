//! Pacing the queries sent to each DNS server (`--qps`): a token bucket of one token, refilled
//! every 1/qps seconds, per server. Queries to one server are scheduled at least 1/qps apart, so
//! that no second holds more than `qps` of them, whatever `--concurrency` allows in flight.
//!
//! [`Schedule`] is the pure limiter (it is told the time); [`Pacer`] sleeps until the slot it
//! reserved, and [`Pacers`] hands out one pacer per server for a whole run.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The default of `--qps`: see `docs/live.md#gentle-on-production-dns`.
pub const DEFAULT_QPS: u32 = 100;

/// When the next query to one server may be sent.
#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    next: Option<Instant>,
}

impl Schedule {
    /// At most `qps` queries a second: the interval is rounded up, so that `qps` intervals never
    /// fit in less than a second.
    pub fn new(qps: NonZeroU32) -> Self {
        Self {
            interval: Duration::from_nanos(1_000_000_000u64.div_ceil(u64::from(qps.get()))),
            next: None,
        }
    }

    /// Reserves the first free slot at or after `now` and returns it; the next slot is one
    /// interval later. An idle server's slot is `now`: tokens do not pile up while it is idle.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let slot = self.next.map_or(now, |next| next.max(now));
        self.next = Some(slot + self.interval);
        slot
    }
}

/// The schedule of one server, shared by every question sent to it.
#[derive(Debug)]
pub struct Pacer {
    schedule: Mutex<Schedule>,
}

impl Pacer {
    pub fn new(qps: NonZeroU32) -> Self {
        Self {
            schedule: Mutex::new(Schedule::new(qps)),
        }
    }

    /// Waits for this query's slot. A query given up while waiting leaves its slot unused.
    pub async fn wait(&self) {
        let slot = self
            .schedule
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reserve(Instant::now());
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// One [`Pacer`] per server (keyed by where it is reached) for a whole run, so that every
/// capture and layer of the run that asks the same server shares its rate.
#[derive(Debug)]
pub struct Pacers<K> {
    qps: NonZeroU32,
    by_server: Mutex<HashMap<K, Arc<Pacer>>>,
}

impl<K: Eq + Hash> Pacers<K> {
    pub fn new(qps: NonZeroU32) -> Self {
        Self {
            qps,
            by_server: Mutex::new(HashMap::new()),
        }
    }

    /// The pacer of `server`, made on first use.
    pub fn of(&self, server: K) -> Arc<Pacer> {
        let mut by_server = self
            .by_server
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            by_server
                .entry(server)
                .or_insert_with(|| Arc::new(Pacer::new(self.qps))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qps(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn slots_are_one_interval_apart_and_never_in_the_past() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        let mut schedule = Schedule::new(qps(20));
        // Five queries at once: 0, 50, 100, 150, 200 ms.
        let slots: Vec<Duration> = (0..5).map(|_| schedule.reserve(start) - start).collect();
        assert_eq!(slots, [ms(0), ms(50), ms(100), ms(150), ms(200)]);
        // A query asked after a pause goes at once, and the next one an interval after it.
        assert_eq!(schedule.reserve(start + ms(1000)) - start, ms(1000));
        assert_eq!(schedule.reserve(start + ms(1001)) - start, ms(1050));
    }

    #[test]
    fn no_second_holds_more_than_qps_slots() {
        let start = Instant::now();
        let mut schedule = Schedule::new(qps(7));
        // Bursts of questions at irregular times, more than the rate allows.
        let mut slots = Vec::new();
        for tick in 0..40u64 {
            for _ in 0..(tick % 5) {
                slots.push(schedule.reserve(start + Duration::from_millis(tick * 97)));
            }
        }
        for &from in &slots {
            let window = slots
                .iter()
                .filter(|&&s| s >= from && s < from + Duration::from_secs(1))
                .count();
            assert!(window <= 7, "{window} slots in the second after {from:?}");
        }
    }

    #[test]
    fn each_server_has_its_own_pacer_for_the_whole_run() {
        let pacers = Pacers::new(qps(5));
        let a = pacers.of("10.0.0.1:53");
        assert!(Arc::ptr_eq(&a, &pacers.of("10.0.0.1:53")));
        assert!(!Arc::ptr_eq(&a, &pacers.of("10.0.0.2:53")));
    }

    #[tokio::test]
    async fn a_pacer_sleeps_until_its_slot() {
        let pacer = Pacer::new(qps(10));
        let started = Instant::now();
        for _ in 0..4 {
            pacer.wait().await;
        }
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
    }
}
