//! Calendar arithmetic for data files: proleptic Gregorian dates as days since 1970-01-01,
//! weekdays (Monday = 0), and clock times of day as seconds after midnight.

/// Weekday names, Monday first, as the scenario's `first_day` and `days` take them.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Seconds in a day.
pub const DAY: f64 = 86_400.0;

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian; H. Hinnant's
/// `days_from_civil`). `m` in 1..=12, `d` in 1..=31 (see [`date`] for a checked one).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(y, m, d)` of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// A day number as `YYYY-MM-DD`.
pub fn date_string(z: i64) -> String {
    let (y, m, d) = civil_from_days(z);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days in month `m` of year `y`.
fn month_days(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A checked civil date as a day number (`None` for 1999-02-29 and the like).
pub fn date(y: i64, m: i64, d: i64) -> Option<i64> {
    ((1..=12).contains(&m) && d >= 1 && d <= month_days(y, m)).then(|| days_from_civil(y, m, d))
}

/// Weekday of a day since 1970-01-01: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// `YYYY-MM-DD` as days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || ![y, m, d].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Parses a clock time `"HH:MM"` or `"HH:MM:SS"` (00:00 to 23:59:59; the hour may have one
/// digit) into seconds after midnight.
pub fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if parts[1..].iter().any(|p| p.len() != 2) {
        return None;
    }
    let v: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(u32::MAX)).collect();
    let (h, m, s) = (v[0], v[1], v.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && s < 60).then(|| f64::from(h * 3600 + m * 60 + s))
}

/// `HH:MM` (or `HH:MM:SS`) of seconds after midnight.
pub fn clock(s: f64) -> String {
    let s = s.round() as u64;
    if s % 60 == 0 {
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    } else {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways_and_know_their_weekday() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday(0), 3); // Thursday
        let d = days_from_civil(2003, 3, 3);
        assert_eq!(WEEKDAYS[weekday(d)], "monday");
        assert_eq!(date_string(d), "2003-03-03");
        assert_eq!(date_string(days_from_civil(2000, 2, 29)), "2000-02-29");
        assert_eq!(parse_date("1999-02-29"), None);
        assert_eq!(parse_date("2000-02-29"), Some(days_from_civil(2000, 2, 29)));
        for z in -1000..1000 {
            let s = date_string(z * 37);
            assert_eq!(parse_date(&s), Some(z * 37), "{s}");
        }
    }

    #[test]
    fn clock_times_parse_with_or_without_seconds() {
        assert_eq!(parse_clock("07:05"), Some(25_500.0));
        assert_eq!(parse_clock("7:05:30"), Some(25_530.0));
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("07:5"), None);
        assert_eq!(clock(25_500.0), "07:05");
    }
}
