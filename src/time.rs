//! Simulated time and durations: seconds as `f64`, parsed from `"20s"`, `"5m"`, `"1h30m"` or plain seconds.
//!
//! All simulated times in cxsim are seconds since the scenario start (t = 0), held in an `f64`
//! and compared with `total_cmp`. Durations in scenarios and on the command line are written
//! with units (`d`, `h`, `m`/`min`, `s`, `ms`), combined largest first (`"1h30m"`), or as a plain
//! number of seconds. Rates are written as a count per unit (`"0.15/s"`, `"540/h"`, `"9/min"`).

use std::fmt;

/// Seconds since the start of the scenario, or a length of time in seconds.
pub type Seconds = f64;

/// The longest duration accepted or sampled, seconds (about 3,170 years). Durations in a
/// scenario above it are refused, and every sampled duration is capped at it, so event times
/// stay finite whatever a distribution's tail does.
pub const MAX_DURATION: Seconds = 1e11;

/// Seconds in one unit named by `unit`, if it is a known duration unit.
fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "d" | "day" | "days" => 86_400.0,
        "h" | "hr" | "hour" | "hours" => 3_600.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "ms" => 0.001,
        _ => return None,
    })
}

/// What a valid duration looks like, for error messages.
pub const DURATION_HINT: &str = "a duration such as \"20s\", \"5m\", \"1h30m\", \"2d\" or a number of seconds";

/// What a valid rate looks like, for error messages.
pub const RATE_HINT: &str = "a rate such as \"0.15/s\", \"9/min\", \"540/h\", \"12000/d\" or a number per second";

/// Parses a duration: one or more `<number><unit>` parts (`"1h30m"`, `"2.5m"`) or a bare number
/// of seconds (`"300"`). The result is finite and non-negative.
pub fn parse_duration(text: &str) -> Result<Seconds, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; expected {DURATION_HINT}"));
    }
    if let Ok(v) = s.parse::<f64>() {
        return check_duration(v, text);
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("invalid duration \"{text}\"; expected {DURATION_HINT}"));
        }
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("invalid number in duration \"{text}\"; expected {DURATION_HINT}"))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let scale = unit_seconds(unit).ok_or_else(|| {
            if unit.is_empty() {
                format!("missing unit in duration \"{text}\"; expected {DURATION_HINT}")
            } else {
                format!(
                    "unknown unit \"{unit}\" in duration \"{text}\" (units: d, h, m, min, s, ms); expected {DURATION_HINT}"
                )
            }
        })?;
        total += number * scale;
        rest = rest[unit_len..].trim_start();
    }
    check_duration(total, text)
}

fn check_duration(v: f64, text: &str) -> Result<Seconds, String> {
    if !v.is_finite() {
        Err(format!("duration \"{text}\" is not finite; expected {DURATION_HINT}"))
    } else if v < 0.0 {
        Err(format!("duration \"{text}\" is negative; expected {DURATION_HINT}"))
    } else if v > MAX_DURATION {
        Err(format!(
            "duration \"{text}\" is longer than the longest accepted ({MAX_DURATION:e} seconds, about 3,000 years)"
        ))
    } else {
        Ok(v)
    }
}

/// Parses a rate `"<count>/<unit>"` (`"0.15/s"`, `"540/h"`) or a bare number per second, into
/// contacts per second. The result is finite and non-negative.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let s = text.trim();
    let (count, per) = match s.split_once('/') {
        Some((c, u)) => (c.trim(), Some(u.trim())),
        None => (s, None),
    };
    let value: f64 = count
        .parse()
        .map_err(|_| format!("invalid rate \"{text}\"; expected {RATE_HINT}"))?;
    let per_seconds = match per {
        None => 1.0,
        Some(unit) => match unit_seconds(unit) {
            Some(v) => v,
            None => parse_duration(unit)
                .ok()
                .filter(|d| *d > 0.0)
                .ok_or_else(|| format!("unknown time unit \"{unit}\" in rate \"{text}\"; expected {RATE_HINT}"))?,
        },
    };
    let rate = value / per_seconds;
    if !rate.is_finite() || rate < 0.0 {
        return Err(format!(
            "rate \"{text}\" must be finite and non-negative; expected {RATE_HINT}"
        ));
    }
    Ok(rate)
}

/// A duration shown the way a person writes it: `"20s"`, `"30m"`, `"1h30m"`, `"2.5s"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Human(pub Seconds);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if !s.is_finite() {
            return write!(f, "inf");
        }
        if s.fract() != 0.0 || s < 60.0 {
            return write!(f, "{s}s");
        }
        let whole = s as u64;
        let (d, h, m, sec) = (whole / 86_400, whole / 3_600 % 24, whole / 60 % 60, whole % 60);
        let mut out = String::new();
        for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
            if v > 0 {
                out.push_str(&format!("{v}{u}"));
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_combinations() {
        assert_eq!(parse_duration("20s"), Ok(20.0));
        assert_eq!(parse_duration("5m"), Ok(300.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("2.5min"), Ok(150.0));
        assert_eq!(parse_duration("1d 2h"), Ok(93_600.0));
        assert_eq!(parse_duration("300"), Ok(300.0));
        assert_eq!(parse_duration("250ms"), Ok(0.25));
    }

    #[test]
    fn bad_durations_say_what_would_be_valid() {
        for bad in ["", "5x", "h", "-3s", "1h-", "abc"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("expected a duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn rates_parse_per_unit() {
        assert_eq!(parse_rate("0.15/s"), Ok(0.15));
        assert_eq!(parse_rate("540/h"), Ok(0.15));
        assert_eq!(parse_rate("9/min"), Ok(0.15));
        assert_eq!(parse_rate("0.15"), Ok(0.15));
        assert_eq!(parse_rate("30/30m"), Ok(30.0 / 1800.0));
        assert!(parse_rate("-1/s").is_err());
        assert!(parse_rate("5/fortnight").is_err());
    }

    #[test]
    fn durations_display_as_people_write_them() {
        assert_eq!(Human(20.0).to_string(), "20s");
        assert_eq!(Human(1800.0).to_string(), "30m");
        assert_eq!(Human(5400.0).to_string(), "1h30m");
        assert_eq!(Human(2.5).to_string(), "2.5s");
    }
}
