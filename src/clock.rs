//! The wall clock, read at the edge: the engine is given the time, never reads it.

use crate::runtime::answers::Date;
use crate::runtime::turn::Clock;

/// Now, with today's date in the bot's `timezone` (an IANA name; the time zone database is
/// built into charla, so no system files are needed).
pub fn now(timezone: &str) -> Clock {
    let now = jiff::Timestamp::now();
    let zone = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let date = zone.to_datetime(now).date();
    let utc_today = Date::from_unix_days(now.as_second().div_euclid(86_400));
    let today = Date::new(i32::from(date.year()), date.month() as u8, date.day() as u8)
        .unwrap_or(utc_today);
    Clock {
        now: now.as_second(),
        today,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_read_in_the_bots_zone() {
        let utc = super::now("UTC").today;
        // UTC+14 and UTC-11: 25 hours apart, so never on the same date.
        let kiritimati = super::now("Pacific/Kiritimati").today;
        let pago_pago = super::now("Pacific/Pago_Pago").today;
        assert!(
            kiritimati >= utc && utc >= pago_pago,
            "{kiritimati:?} {utc:?} {pago_pago:?}"
        );
        assert!(kiritimati > pago_pago);
    }
}
