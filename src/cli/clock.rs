//! The wall clock, read at the edge: the engine is given the time, never reads it.

use crate::runtime::answers::Date;
use crate::runtime::turn::Clock;

/// Now, with today's date in UTC. (The bot's `timezone` needs a time zone database, which the
/// server will bring; dates typed in chat and tests are read against the UTC date.)
pub fn now() -> Clock {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Clock {
        now,
        today: Date::from_unix_days(now.div_euclid(86_400)),
    }
}
