//! Timestamps of call logs: bank-style `YYMMDD` dates, `H:MM:SS[.fff]` clock times,
//! `YYYY-MM-DD HH:MM:SS` stamps and plain seconds (the calendar itself is [`crate::calendar`]).
//!
//! A log's times are kept as seconds since 00:00 of day 0 (`f64`, exact for whole seconds over
//! millions of years). Dated logs count days from 1970-01-01; undated logs (plain seconds)
//! from their t = 0, whose day is taken to be a Monday.

pub use crate::calendar::{DAY, WEEKDAYS};
use crate::calendar::{date, date_string};

/// A bank-style `YYMMDD` date (years 50–99 are 19YY, 00–49 are 20YY) as a day number.
pub fn parse_yymmdd(text: &str) -> Option<i64> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().ok();
    let yy = n(0..2)?;
    date(if yy >= 50 { 1900 + yy } else { 2000 + yy }, n(2..4)?, n(4..6)?)
}

/// A clock time `H:MM:SS` or `HH:MM:SS[.fff]` (hours 0–23; `24:00:00` is accepted as the end
/// of the day) as seconds since midnight.
pub fn parse_clock(text: &str) -> Option<f64> {
    let mut parts = text.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.is_empty() || h.len() > 2 || m.len() != 2 || s.len() < 2 {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) || !digits(&s[..2]) || (s.len() > 2 && (&s[2..3] != "." || !digits(&s[3..]))) {
        return None;
    }
    let (h, m, sec): (f64, f64, f64) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    let t = h * 3600.0 + m * 60.0 + sec;
    (m < 60.0 && sec < 60.0 && t <= DAY).then_some(t)
}

/// A timestamp of the generic schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stamp {
    /// `YYYY-MM-DD HH:MM:SS[.fff]` (or with a `T`): seconds since 1970-01-01 00:00.
    Dated(f64),
    /// A plain number: seconds since the log's t = 0.
    Seconds(f64),
}

/// Parses `YYYY-MM-DD HH:MM:SS[.fff]`, `YYYY-MM-DDTHH:MM:SS[.fff]` or a plain, finite,
/// non-negative number of seconds.
pub fn parse_stamp(text: &str) -> Option<Stamp> {
    let t = text.trim();
    if let Ok(v) = t.parse::<f64>() {
        return (v.is_finite() && v >= 0.0).then_some(Stamp::Seconds(v));
    }
    if t.len() < 19 || !t.is_char_boundary(10) || !t.is_char_boundary(11) {
        return None;
    }
    let (d, sep, clock) = (&t[..10], &t[10..11], &t[11..]);
    if !(sep == " " || sep == "T") || &d[4..5] != "-" || &d[7..8] != "-" {
        return None;
    }
    let num = |s: &str| -> Option<i64> { s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok())? };
    let day = date(num(&d[..4])?, num(&d[5..7])?, num(&d[8..10])?)?;
    let tod = parse_clock(clock)?;
    Some(Stamp::Dated(day as f64 * DAY + tod))
}

/// Weekday of a day number, 0 = Monday … 6 = Sunday, for a log whose day 0 falls on weekday
/// `day0` (1970-01-01 was a Thursday: 3).
pub fn weekday(day: i64, day0: i64) -> usize {
    (day + day0).rem_euclid(7) as usize
}

/// A day number as `YYYY-MM-DD` (dated logs) or `day N` (undated).
pub fn day_label(day: i64, dated: bool) -> String {
    if dated { date_string(day) } else { format!("day {day}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{civil_from_days, days_from_civil};

    #[test]
    fn civil_dates_round_trip_and_fall_on_their_weekdays() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        let d = days_from_civil(1999, 1, 1);
        assert_eq!(civil_from_days(d), (1999, 1, 1));
        assert_eq!(WEEKDAYS[weekday(d, 3)], "friday");
        assert_eq!(parse_yymmdd("990201"), Some(days_from_civil(1999, 2, 1)));
        assert_eq!(parse_yymmdd("990230"), None);
        assert_eq!(parse_yymmdd("99021"), None);
    }

    #[test]
    fn clock_times_and_stamps_parse_in_every_documented_form() {
        assert_eq!(parse_clock("7:41:25"), Some(7.0 * 3600.0 + 41.0 * 60.0 + 25.0));
        assert_eq!(parse_clock("23:59:59.5"), Some(86_399.5));
        assert_eq!(parse_clock("7:61:00"), None);
        assert_eq!(parse_clock("7:1:00"), None);
        assert_eq!(parse_stamp("12.5"), Some(Stamp::Seconds(12.5)));
        assert_eq!(parse_stamp("-1"), None);
        let day = days_from_civil(2024, 3, 5) as f64 * DAY;
        assert_eq!(parse_stamp("2024-03-05 08:00:30"), Some(Stamp::Dated(day + 28_830.0)));
        assert_eq!(
            parse_stamp("2024-03-05T08:00:30.25"),
            Some(Stamp::Dated(day + 28_830.25))
        );
        assert_eq!(parse_stamp("2024-13-05 08:00:30"), None);
        assert_eq!(parse_stamp("yesterday"), None);
    }
}
