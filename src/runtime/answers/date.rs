//! Calendar dates, and reading a date answer (LANGUAGE.md section 4, `ask ... as date`).
//!
//! The calendar is the proleptic Gregorian one, counted in days from 1970-01-01 with Howard
//! Hinnant's `days_from_civil` / `civil_from_days`; no time zones here (the caller gives `today`
//! in the bot's zone).

use super::{ascii_digits, strip_edges, AnswerContext};
use crate::fold::fold;
use std::fmt;

/// A day of the calendar. Fields are public; a `Date` built by hand may be invalid
/// (see [`Date::is_valid`]); every method still answers without panicking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Days from 1970-01-01 of the first and last days whose year fits an `i32`.
const MIN_DAYS: i64 = days_from_civil(i32::MIN as i64, 1, 1);
const MAX_DAYS: i64 = days_from_civil(i32::MAX as i64, 12, 31);

impl Date {
    /// The date, if it exists (`Date::new(2027, 2, 29)` is `None`).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let date = Date { year, month, day };
        date.is_valid().then_some(date)
    }

    /// Whether the month is 1-12 and the day exists in that month (29 February in leap years only).
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
    }

    /// 0 = Monday ... 6 = Sunday.
    pub fn weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday (3).
        (self.to_unix_days() + 3).rem_euclid(7) as u8
    }

    /// The date `n` days later (earlier when negative); saturates at the ends of `i32` years.
    pub fn add_days(&self, n: i64) -> Date {
        Date::from_unix_days(self.to_unix_days().saturating_add(n))
    }

    /// `2026-12-25`. Years outside 0-9999 are written as Rust formats them (`-001`, `12345`).
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// The date `days` days after 1970-01-01 (before it when negative); saturates at the ends of
    /// `i32` years.
    pub fn from_unix_days(days: i64) -> Date {
        let (year, month, day) = civil_from_days(days.clamp(MIN_DAYS, MAX_DAYS));
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }

    /// Days from 1970-01-01 (negative before it). Meaningful for valid dates only.
    pub fn to_unix_days(&self) -> i64 {
        days_from_civil(self.year as i64, self.month as i64, self.day as i64)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Hinnant's `days_from_civil`. All arithmetic in `i64`, so any `i32` year and any `u8`
/// month and day (even invalid ones) stay far from overflow.
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (month + 9).rem_euclid(12); // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Hinnant's `civil_from_days`: (year, month 1-12, day 1-31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Weekday names, folded, with 0 = Monday.
const WEEKDAYS: &[(&str, u8)] = &[
    // pt
    ("segunda", 0),
    ("segunda feira", 0),
    ("terca", 1),
    ("terca feira", 1),
    ("quarta", 2),
    ("quarta feira", 2),
    ("quinta", 3),
    ("quinta feira", 3),
    ("sexta", 4),
    ("sexta feira", 4),
    ("sabado", 5),
    ("domingo", 6),
    // es (sábado and domingo as in pt)
    ("lunes", 0),
    ("martes", 1),
    ("miercoles", 2),
    ("jueves", 3),
    ("viernes", 4),
    // en
    ("monday", 0),
    ("tuesday", 1),
    ("wednesday", 2),
    ("thursday", 3),
    ("friday", 4),
    ("saturday", 5),
    ("sunday", 6),
];

/// Reads a date answer:
/// - ISO `2026-12-25` (month and day may have one digit);
/// - `25/12/2026`, `25/12/26` and `25/12`: day first, month first only when the bot's language
///   tag is `en-US` (`12/25`). Without a year: the next such day on or after today (`29/02`:
///   the next 29 February that exists). A 2-digit year is put in the century that makes it
///   fall after today's year - 80 and no later than today's year + 20 (so in 2026, `26` is
///   2026, `46` is 2046 and `85` is 1985: birth dates read right);
/// - `hoje`/`hoy`/`today`, `amanhã`/`mañana`/`tomorrow` (folded);
/// - a weekday name in pt, es or en (`segunda`, `segunda-feira`, `miércoles`, `friday`...),
///   optionally after `na`, `no`, `el` or `on`: the next such day *strictly after* today (1 to
///   7 days ahead; on a Monday, `segunda` is the Monday of next week, since `hoje` says today).
///
/// A date that does not exist (`31/02`, `29/02/2027`) does not fit.
pub(super) fn read_date(text: &str, cx: &AnswerContext) -> Option<Date> {
    let today = cx.today;
    let folded = fold(text);
    match folded.as_str() {
        "hoje" | "hoy" | "today" => return Some(today),
        "amanha" | "manana" | "tomorrow" => return Some(today.add_days(1)),
        _ => {}
    }
    if let Some(weekday) = weekday_named(&folded) {
        let ahead = (i64::from(weekday) - i64::from(today.weekday()) + 6).rem_euclid(7) + 1;
        return Some(today.add_days(ahead));
    }
    let written = ascii_digits(strip_edges(text, |_| false));
    read_iso(&written).or_else(|| read_slashed(&written, cx))
}

fn weekday_named(folded: &str) -> Option<u8> {
    let name = match folded.split_once(' ') {
        Some(("na" | "no" | "el" | "on", rest)) => rest,
        _ => folded,
    };
    WEEKDAYS.iter().find(|(n, _)| *n == name).map(|&(_, d)| d)
}

/// A number of 1 to `max_len` ASCII digits (spaces around it ignored).
fn small(part: &str, max_len: usize) -> Option<(u32, usize)> {
    let part = part.trim();
    if part.is_empty() || part.len() > max_len || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((part.parse().ok()?, part.len()))
}

fn read_iso(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.trim().len() != 4 {
        return None;
    }
    let (year, _) = small(year, 4)?;
    let (month, _) = small(month, 2)?;
    let (day, _) = small(day, 2)?;
    Date::new(year as i32, month as u8, day as u8)
}

fn read_slashed(text: &str, cx: &AnswerContext) -> Option<Date> {
    let parts: Vec<&str> = text.splitn(4, '/').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let (first, _) = small(parts[0], 2)?;
    let (second, _) = small(parts[1], 2)?;
    let (day, month) = if month_first(cx.language) {
        (second, first)
    } else {
        (first, second)
    };
    let (day, month) = (day as u8, month as u8);
    let today = cx.today;
    match parts.get(2) {
        Some(year) => {
            let year = match small(year, 4)? {
                (y, 4) => y as i32,
                (yy, 2) => expand_two_digit_year(yy as i32, today.year),
                _ => return None,
            };
            Date::new(year, month, day)
        }
        // 29/02 may have to wait for the next leap year: at most 8 years (2096 -> 2104).
        None => (0..=8)
            .filter_map(|ahead| Date::new(today.year.checked_add(ahead)?, month, day))
            .find(|date| *date >= today),
    }
}

/// `en-US` (case-insensitive, `_` accepted) writes the month first; every other tag the day.
fn month_first(language: &str) -> bool {
    language.replace('_', "-").eq_ignore_ascii_case("en-US")
}

/// The year in (today - 80, today + 20] that ends in `yy`.
fn expand_two_digit_year(yy: i32, today_year: i32) -> i32 {
    let year = today_year
        .div_euclid(100)
        .saturating_mul(100)
        .saturating_add(yy);
    if year > today_year.saturating_add(20) {
        year.saturating_sub(100)
    } else if year <= today_year.saturating_sub(80) {
        year.saturating_add(100)
    } else {
        year
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u8, day: u8) -> Date {
        Date::new(year, month, day).unwrap()
    }

    fn read(text: &str, language: &str, today: Date) -> Option<String> {
        read_date(text, &AnswerContext { language, today }).map(|d| d.iso())
    }

    #[test]
    fn calendar_round_trips() {
        assert_eq!(Date::from_unix_days(0), d(1970, 1, 1));
        assert_eq!(d(1970, 1, 1).weekday(), 3);
        assert_eq!(d(2026, 12, 25).weekday(), 4); // a Friday
        assert_eq!(
            d(2000, 3, 1).to_unix_days() - d(2000, 2, 28).to_unix_days(),
            2
        );
        assert_eq!(
            d(1900, 3, 1).to_unix_days() - d(1900, 2, 28).to_unix_days(),
            1
        );
        assert_eq!(d(2026, 12, 31).add_days(1), d(2027, 1, 1));
        assert_eq!(d(2028, 3, 1).add_days(-1), d(2028, 2, 29));
        assert_eq!(Date::from_unix_days(-1), d(1969, 12, 31));
        for days in (-800_000..800_000).step_by(997) {
            let date = Date::from_unix_days(days);
            assert!(date.is_valid(), "{date:?}");
            assert_eq!(date.to_unix_days(), days);
        }
        assert_eq!(d(2026, 1, 5).iso(), "2026-01-05");
    }

    #[test]
    fn calendar_saturates_instead_of_panicking() {
        let far = d(2026, 1, 1).add_days(i64::MAX);
        assert_eq!(far.year, i32::MAX);
        assert!(far.is_valid());
        let early = Date::from_unix_days(i64::MIN);
        assert_eq!(early, d(i32::MIN, 1, 1));
        let _ = early.weekday();
        let odd = Date {
            year: -5,
            month: 0,
            day: 255,
        };
        assert!(!odd.is_valid());
        let _ = (odd.weekday(), odd.add_days(3), odd.iso());
    }

    #[test]
    fn validity_and_leap_years() {
        assert!(Date::new(2028, 2, 29).is_some());
        assert!(Date::new(2027, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2100, 2, 29).is_none());
        assert!(Date::new(2026, 4, 31).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 1, 0).is_none());
    }

    #[test]
    fn numeric_forms() {
        let today = d(2026, 6, 10);
        assert_eq!(
            read("2026-12-25", "pt-BR", today).as_deref(),
            Some("2026-12-25")
        );
        assert_eq!(
            read("25/12/2026", "pt-BR", today).as_deref(),
            Some("2026-12-25")
        );
        assert_eq!(
            read(" 25/12/2026. ", "es", today).as_deref(),
            Some("2026-12-25")
        );
        assert_eq!(read("5/1/2027", "es", today).as_deref(), Some("2027-01-05"));
        assert_eq!(read("25/12", "en", today).as_deref(), Some("2026-12-25"));
        assert_eq!(
            read("29/02/2028", "pt", today).as_deref(),
            Some("2028-02-29")
        );
        assert_eq!(read("29/02/2027", "pt", today), None);
        assert_eq!(read("31/02", "pt", today), None);
        assert_eq!(read("2026-02-30", "pt", today), None);
        assert_eq!(read("25/12/2026/1", "pt", today), None);
        assert_eq!(read("25/12/202", "pt", today), None);
        assert_eq!(read("25-12-2026", "pt", today), None);
        assert_eq!(read("26-12-25", "pt", today), None);
        assert_eq!(read("/12", "pt", today), None);
        assert_eq!(read("", "pt", today), None);
    }

    #[test]
    fn month_first_only_for_en_us() {
        let today = d(2026, 6, 10);
        assert_eq!(read("12/25", "en-US", today).as_deref(), Some("2026-12-25"));
        assert_eq!(
            read("12/25/2026", "en-us", today).as_deref(),
            Some("2026-12-25")
        );
        assert_eq!(read("25/12", "en-US", today), None);
        assert_eq!(read("12/25", "en-GB", today), None);
        assert_eq!(read("12/25", "en", today), None);
        assert_eq!(read("2/3", "en-US", today).as_deref(), Some("2027-02-03"));
        assert_eq!(read("2/3", "en", today).as_deref(), Some("2027-03-02"));
    }

    #[test]
    fn without_a_year_the_next_on_or_after_today() {
        assert_eq!(
            read("25/12", "pt", d(2026, 12, 25)).as_deref(),
            Some("2026-12-25")
        );
        assert_eq!(
            read("25/12", "pt", d(2026, 12, 26)).as_deref(),
            Some("2027-12-25")
        );
        assert_eq!(
            read("01/01", "pt", d(2026, 12, 26)).as_deref(),
            Some("2027-01-01")
        );
        assert_eq!(
            read("29/02", "pt", d(2026, 3, 1)).as_deref(),
            Some("2028-02-29")
        );
        assert_eq!(
            read("29/02", "pt", d(2096, 3, 1)).as_deref(),
            Some("2104-02-29")
        );
    }

    #[test]
    fn two_digit_years() {
        let today = d(2026, 6, 10);
        assert_eq!(read("25/12/26", "pt", today).as_deref(), Some("2026-12-25"));
        assert_eq!(read("01/01/00", "pt", today).as_deref(), Some("2000-01-01"));
        assert_eq!(read("01/01/46", "pt", today).as_deref(), Some("2046-01-01"));
        assert_eq!(read("01/01/47", "pt", today).as_deref(), Some("1947-01-01"));
        assert_eq!(read("15/03/85", "pt", today).as_deref(), Some("1985-03-15"));
        assert_eq!(
            read("15/03/05", "pt", d(2095, 1, 1)).as_deref(),
            Some("2105-03-15")
        );
        for year in [i32::MIN, -1, 0, i32::MAX] {
            for yy in [0, 50, 99] {
                let _ = expand_two_digit_year(yy, year);
            }
        }
    }

    #[test]
    fn words() {
        let today = d(2026, 12, 31); // a Thursday
        for word in ["hoje", "Hoy", "TODAY", "hoje!"] {
            assert_eq!(
                read(word, "pt", today).as_deref(),
                Some("2026-12-31"),
                "{word}"
            );
        }
        for word in ["amanhã", "amanha", "mañana", "Manana", "tomorrow"] {
            assert_eq!(
                read(word, "es", today).as_deref(),
                Some("2027-01-01"),
                "{word}"
            );
        }
        assert_eq!(read("ontem", "pt", today), None);
        assert_eq!(read("hoje amanhã", "pt", today), None);
    }

    #[test]
    fn weekdays_strictly_after_today() {
        let monday = d(2026, 6, 8);
        assert_eq!(monday.weekday(), 0);
        let cases = [
            ("segunda", "2026-06-15"),
            ("Segunda-feira", "2026-06-15"),
            ("terça", "2026-06-09"),
            ("terca-feira", "2026-06-09"),
            ("quarta", "2026-06-10"),
            ("quinta-feira", "2026-06-11"),
            ("sexta", "2026-06-12"),
            ("sábado", "2026-06-13"),
            ("sabado", "2026-06-13"),
            ("domingo", "2026-06-14"),
            ("lunes", "2026-06-15"),
            ("martes", "2026-06-09"),
            ("miércoles", "2026-06-10"),
            ("jueves", "2026-06-11"),
            ("viernes", "2026-06-12"),
            ("el viernes", "2026-06-12"),
            ("na sexta", "2026-06-12"),
            ("no sábado", "2026-06-13"),
            ("Monday", "2026-06-15"),
            ("tuesday", "2026-06-09"),
            ("wednesday", "2026-06-10"),
            ("thursday", "2026-06-11"),
            ("on Friday.", "2026-06-12"),
            ("saturday", "2026-06-13"),
            ("sunday", "2026-06-14"),
        ];
        for (word, expected) in cases {
            assert_eq!(
                read(word, "pt-BR", monday).as_deref(),
                Some(expected),
                "{word}"
            );
        }
        let sunday = d(2026, 6, 14);
        assert_eq!(read("domingo", "es", sunday).as_deref(), Some("2026-06-21"));
        assert_eq!(read("segunda", "pt", sunday).as_deref(), Some("2026-06-15"));
        assert_eq!(read("sex", "pt", sunday), None);
        assert_eq!(read("next monday", "en", sunday), None);
    }
}
