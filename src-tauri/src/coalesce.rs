//! Coalescing a fast stream per key: of the values offered for a key, only the newest goes
//! out, at most once per interval; the last value of a burst always goes out (one interval
//! after the one before it at the latest).
//!
//! The shell uses it for prices: a bot can see thousands of prices a second, the webview
//! needs at most ten. Values are offered as they arrive and taken when the consumer is ready
//! ([`Coalescer::take_due`]), so a consumer that fell behind gets the newest value, never a
//! backlog of old ones. It is plain Rust with no clock of its own: every call takes `now`, so
//! the tests drive time by hand and the forwarder passes the real time.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Holds, per key, the newest value not sent yet and when the key may send again.
#[derive(Debug)]
pub struct Coalescer<K, V> {
    interval: Duration,
    keys: HashMap<K, Slot<V>>,
}

#[derive(Debug)]
struct Slot<V> {
    /// The earliest time this key's next value may go out: one interval after its last one.
    free_at: Instant,
    /// The newest value offered since the last one went out.
    waiting: Option<V>,
}

impl<K: Eq + Hash, V> Coalescer<K, V> {
    /// At most one value per key per `interval`.
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            keys: HashMap::new(),
        }
    }

    /// A new value for `key`, offered at `now`; it replaces whatever value of `key` was
    /// waiting. It goes out from [`Coalescer::take_due`]: at once for a key that has not
    /// sent within the last interval.
    pub fn offer(&mut self, key: K, value: V, now: Instant) {
        match self.keys.entry(key) {
            Entry::Occupied(mut entry) => entry.get_mut().waiting = Some(value),
            Entry::Vacant(entry) => {
                entry.insert(Slot {
                    free_at: now,
                    waiting: Some(value),
                });
            }
        }
    }

    /// The waiting values that may go out at `now`, one per key (the newest); each counts
    /// as sent at `now`.
    pub fn take_due(&mut self, now: Instant) -> Vec<V> {
        let interval = self.interval;
        let mut due = Vec::new();
        self.keys.retain(|_, slot| {
            if now < slot.free_at {
                return true;
            }
            match slot.waiting.take() {
                Some(value) => {
                    due.push(value);
                    slot.free_at = now + interval;
                    true
                }
                // Free and with nothing waiting: forgetting the key changes nothing (its next
                // value would go out at once either way) and keeps the map to the keys that
                // were busy lately.
                None => false,
            }
        });
        due
    }

    /// When the earliest waiting value may go out; `None` when nothing waits.
    pub fn next_due(&self) -> Option<Instant> {
        self.keys
            .values()
            .filter(|slot| slot.waiting.is_some())
            .map(|slot| slot.free_at)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_millis(100);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_first_value_of_a_key_goes_out_at_once() {
        let start = Instant::now();
        let mut prices = Coalescer::new(INTERVAL);
        prices.offer("a", 1, start);
        prices.offer("b", 1, start);
        assert_eq!(prices.next_due(), Some(start));
        let mut due = prices.take_due(start);
        due.sort_unstable();
        assert_eq!(due, vec![1, 1], "keys are independent");
        assert_eq!(prices.next_due(), None);
    }

    #[test]
    fn a_burst_sends_its_first_value_now_and_its_last_one_interval_later() {
        let start = Instant::now();
        let mut prices = Coalescer::new(INTERVAL);
        prices.offer("a", 0, start);
        assert_eq!(prices.take_due(start), vec![0]);
        for value in 1..=50 {
            prices.offer("a", value, start + ms(value));
            assert!(
                prices.take_due(start + ms(value)).is_empty(),
                "within the interval"
            );
        }
        assert_eq!(prices.next_due(), Some(start + INTERVAL));
        assert!(prices.take_due(start + ms(99)).is_empty(), "not due yet");
        assert_eq!(
            prices.take_due(start + INTERVAL),
            vec![50],
            "the newest only"
        );
        assert_eq!(prices.next_due(), None);
        assert!(prices.take_due(start + ms(500)).is_empty(), "sent once");
    }

    #[test]
    fn a_late_consumer_gets_the_newest_value_not_a_backlog() {
        let start = Instant::now();
        let mut prices = Coalescer::new(INTERVAL);
        prices.offer("a", 0, start);
        assert_eq!(prices.take_due(start), vec![0]);
        // The consumer was busy for a second while 1,000 values came.
        for value in 1..=1_000 {
            prices.offer("a", value, start + Duration::from_millis(value));
        }
        assert_eq!(prices.take_due(start + ms(1_000)), vec![1_000]);
        assert_eq!(prices.next_due(), None);
    }

    #[test]
    fn a_send_starts_the_next_interval_when_it_actually_happens() {
        let start = Instant::now();
        let mut prices = Coalescer::new(INTERVAL);
        prices.offer("a", 0, start);
        prices.take_due(start);
        prices.offer("a", 1, start + ms(10));
        // The timer fires late: the value counts as sent when it went out.
        assert_eq!(prices.take_due(start + ms(130)), vec![1]);
        prices.offer("a", 2, start + ms(200));
        assert_eq!(prices.next_due(), Some(start + ms(230)));
        assert!(prices.take_due(start + ms(229)).is_empty());
        prices.offer("a", 3, start + ms(229));
        assert_eq!(
            prices.take_due(start + ms(230)),
            vec![3],
            "2 is superseded by 3"
        );
    }

    #[test]
    fn a_steady_flood_goes_out_at_most_once_per_interval_and_ends_with_its_last_value() {
        // 10,000 values in one second on one key, taken after each as the forwarder does.
        let start = Instant::now();
        let mut prices = Coalescer::new(INTERVAL);
        let mut sent: Vec<(Duration, u32)> = Vec::new();
        for i in 0..10_000u32 {
            let now = start + Duration::from_micros(u64::from(i) * 100);
            prices.offer("a", i, now);
            sent.extend(prices.take_due(now).into_iter().map(|v| (now - start, v)));
        }
        let due = prices.next_due().expect("the last value waits");
        sent.extend(prices.take_due(due).into_iter().map(|v| (due - start, v)));

        assert_eq!(sent.last().map(|s| s.1), Some(9_999), "the latest arrives");
        assert_eq!(
            sent.len(),
            11,
            "10 in the second, then the trailing one: {sent:?}"
        );
        for pair in sent.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= INTERVAL, "too close: {pair:?}");
            assert!(
                pair[1].1 > pair[0].1,
                "never an older value after a newer one"
            );
        }
    }

    #[test]
    fn quiet_keys_are_forgotten() {
        let start = Instant::now();
        let mut prices = Coalescer::new(INTERVAL);
        prices.offer("quiet", 0, start);
        prices.offer("busy", 0, start);
        prices.take_due(start);
        prices.offer("busy", 1, start + ms(50));
        assert_eq!(prices.take_due(start + INTERVAL), vec![1]);
        assert_eq!(prices.keys.len(), 1, "only the key that just sent is kept");
        prices.offer("quiet", 1, start + INTERVAL);
        assert_eq!(prices.take_due(start + INTERVAL), vec![1], "at once");
    }
}
