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

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `YYYY-MM-DD` of a day since 1970-01-01.
pub fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Weekday of a day since 1970-01-01: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// `YYYY-MM-DD` as days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m).then_some(())?;
    (1..=days_in[m as usize - 1]).contains(&d).then_some(())?;
    Some(days_from_civil(y, m, d))
}

/// `H:MM` or `H:MM:SS` as seconds after midnight (before 24:00).
pub fn parse_clock(s: &str) -> Option<f64> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts[1..].iter().any(|p| p.len() != 2) {
        return None;
    }
    let mut secs = 0u32;
    for (i, p) in parts.iter().enumerate() {
        let v: u32 = p.parse().ok()?;
        if (i == 0 && v > 23) || (i > 0 && v > 59) {
            return None;
        }
        secs = secs * 60 + v;
    }
    if parts.len() == 2 {
        secs *= 60;
    }
    Some(f64::from(secs))
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
        assert_eq!(civil_from_days(d), "2003-03-03");
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), "2000-02-29");
        assert_eq!(parse_date("1999-02-29"), None);
        assert_eq!(parse_date("2000-02-29"), Some(days_from_civil(2000, 2, 29)));
        for z in -1000..1000 {
            let s = civil_from_days(z * 37);
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
