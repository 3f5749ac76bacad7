//! Arrival forecasts (`cxsim forecast`, `cxsim::forecast`): the fit recovers a known model from
//! counts drawn from it, the block it writes makes cxsim simulate that model, and on the real
//! five-minute volumes of `../shared/data/na-bank-5min-2003/` it reads what SOURCE.md says the
//! file holds and beats the seasonal naive forecast on the held-back weeks.

use super::support;
use cxsim::calendar::{WEEKDAYS, date_string, days_from_civil};
use cxsim::forecast::{self, ForecastOptions, Series};
use cxsim::summary::ScopeKind;
use rand::SeedableRng;
use rand_distr::{Distribution, Gamma, Poisson};
use std::path::{Path, PathBuf};

/// The model counts are drawn from: 24 half hours from 08:00, Monday to Friday.
const DAILY: f64 = 2000.0;
const WEEKLY: [f64; 7] = [1.2, 1.0, 0.95, 0.9, 0.95, 0.0, 0.0];
const SHAPE: f64 = 50.0;
const SLOTS: usize = 24;
const WEEKS: i64 = 200;

fn profile() -> Vec<f64> {
    // A morning peak and an afternoon plateau.
    let w: Vec<f64> = (0..SLOTS)
        .map(|k| 1.0 + 3.0 * (-((k as f64 - 5.0) / 3.0).powi(2)).exp() + 0.5 * f64::from(k > 12))
        .collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

/// A temporary folder of its own for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cxsim-forecast-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// Writes `WEEKS` weeks of weekday counts drawn from the model at level `daily` (Poisson
/// given a gamma day factor of mean 1 and shape `SHAPE`) from Monday 2001-01-01, and returns
/// the file.
fn synthetic_counts(dir: &Path, daily: f64) -> PathBuf {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2024);
    let gamma = Gamma::new(SHAPE, 1.0 / SHAPE).unwrap();
    let p = profile();
    let mut csv = String::from("date,weekday,interval,interval_start,calls\n");
    let monday = days_from_civil(2001, 1, 1);
    for day in monday..monday + 7 * WEEKS {
        let w = cxsim::calendar::weekday(day);
        if WEEKLY[w] == 0.0 {
            continue;
        }
        let factor = gamma.sample(&mut rng);
        for (k, share) in p.iter().enumerate() {
            let n: f64 = Poisson::new(daily * WEEKLY[w] * share * factor)
                .unwrap()
                .sample(&mut rng);
            let start = 8 * 60 + 30 * k;
            csv.push_str(&format!(
                "{},{},{},{:02}:{:02},{n}\n",
                date_string(day),
                &WEEKDAYS[w][..3],
                k + 1,
                start / 60,
                start % 60
            ));
        }
    }
    let file = dir.join("counts.csv");
    std::fs::write(&file, csv).unwrap();
    file
}

/// Var of a day's total on weekday `w`: negative binomial, μ + μ²/k.
fn day_variance(w: usize) -> f64 {
    let mu = DAILY * WEEKLY[w];
    mu + mu * mu / SHAPE
}

/// Checks the fitted busyness against `SHAPE`: the variance of r = V / μ beyond Poisson is
/// 1/k, and the sample variance over N days has variance σ⁴(2/(N − 1) + κ/N), κ ≈ 6/k the
/// excess kurtosis of the gamma factor (σ² = 1/k + mean 1/μ).
fn check_busyness(fit: &forecast::Fit, daily: f64) {
    let days = 5.0 * WEEKS as f64;
    let poisson = (0..5).map(|w| 1.0 / (daily * WEEKLY[w])).sum::<f64>() / 5.0;
    let sigma2 = 1.0 / SHAPE + poisson;
    let se = sigma2 * (2.0 / (days - 1.0) + 6.0 / SHAPE / days).sqrt();
    let excess = 1.0 / fit.busyness.expect("days vary beyond Poisson");
    let z = (excess - 1.0 / SHAPE) / se;
    assert!(
        z.abs() < 4.0,
        "at {daily} a day, 1/k = {excess} against {}: z = {z:.2}",
        1.0 / SHAPE
    );
}

/// The fit of counts drawn from a known model recovers it: the weekday factors, the level,
/// every interval's share and the busyness shape each within 4 standard errors, computed from
/// the model (delta method for the factors). With 1,000 days the tests would detect an error
/// of about 4% in a weekday factor, 2.5% in the level, 1.5% in an interval's share, and 20%
/// in the day-level variance 1/k; at 100 calls a day, where Poisson noise is 40% of the
/// day-level variance, a busyness that forgot to take Poisson's share out would be 6 standard
/// errors off.
#[test]
fn the_fit_recovers_the_level_weekday_factors_profile_and_busyness_counts_were_drawn_from() {
    let dir = folder("synthetic");
    let series = forecast::read_counts(&synthetic_counts(&dir, DAILY)).unwrap();
    let quiet = forecast::read_counts(&synthetic_counts(&dir, 100.0)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        (series.slots, series.days.len(), series.interval),
        (SLOTS, 5 * WEEKS as usize, 1800.0)
    );
    let f = forecast::forecast(
        &series,
        ForecastOptions {
            holdout_weeks: 0,
            level_weeks: None,
        },
    )
    .unwrap();
    assert!(f.holdout.is_none());
    let fit = &f.fit;
    let n = WEEKS as f64;
    // m_w, the mean total of weekday w, has variance Var(V)/n; ŵ_w = 5 m_w / Σ m.
    let m: Vec<f64> = (0..5).map(|w| DAILY * WEEKLY[w]).collect();
    let var_m: Vec<f64> = (0..5).map(|w| day_variance(w) / n).collect();
    let s: f64 = m.iter().sum();
    for w in 0..5 {
        let var: f64 = (0..5)
            .map(|j| {
                let d = if j == w {
                    5.0 / s - 5.0 * m[w] / (s * s)
                } else {
                    -5.0 * m[w] / (s * s)
                };
                d * d * var_m[j]
            })
            .sum();
        let z = (fit.weekly[w] - WEEKLY[w]) / var.sqrt();
        assert!(
            z.abs() < 4.0,
            "weekly[{w}] = {} against {}: z = {z:.2}",
            fit.weekly[w],
            WEEKLY[w]
        );
    }
    assert_eq!(&fit.weekly[5..], &[0.0, 0.0], "weekends are closed: no data, no calls");
    // With balanced weekdays the level is the mean of the m_w.
    let z = (fit.daily - DAILY) / (var_m.iter().sum::<f64>() / 25.0).sqrt();
    assert!(z.abs() < 4.0, "daily = {} against {DAILY}: z = {z:.2}", fit.daily);
    // Shares: multinomial given the day totals.
    let total = fit.daily * n * 5.0;
    assert_eq!(fit.profile.len(), 48, "a whole day of half hours from 08:00");
    for (k, p) in profile().iter().enumerate() {
        let z = (fit.profile[k] - p) / (p * (1.0 - p) / total).sqrt();
        assert!(
            z.abs() < 4.0,
            "profile[{k}] = {} against {p}: z = {z:.2}",
            fit.profile[k]
        );
    }
    assert!(
        fit.profile[SLOTS..].iter().all(|p| *p == 0.0),
        "no calls outside the data's hours"
    );
    check_busyness(fit, DAILY);
    let quiet = forecast::forecast(
        &quiet,
        ForecastOptions {
            holdout_weeks: 0,
            level_weeks: None,
        },
    )
    .unwrap();
    check_busyness(&quiet.fit, 100.0);
}

/// The block the forecast writes, pasted into a scenario, makes cxsim simulate the fitted
/// model: a Monday's offered contacts, and those of its first and busiest intervals, are the
/// fitted expectations within 4 standard errors of 400 replications (detecting about 1.2%
/// on the day's total); an interval outside the data's hours gets none.
#[test]
fn the_arrivals_block_makes_cxsim_simulate_the_fitted_demand() {
    let dir = folder("block");
    let file = synthetic_counts(&dir, DAILY);
    let series = forecast::read_counts(&file).unwrap();
    let f = forecast::forecast(&series, ForecastOptions::default()).unwrap();
    let block = forecast::arrivals_block("counts.csv", &series, &f);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(block.contains("busyness = { shape = "), "{block}");
    let sc = support::scenario(&format!(
        r#"
        [simulation]
        horizon = "14h"
        start = "08:00"
        interval = "30m"
        first_day = "monday"
        replications = 400
        seed = 11

        [[contact_types]]
        name = "calls"
        handle_time = {{ dist = "exponential", mean = "1m" }}
        {block}

        [[agent_groups]]
        name = "team"
        serves = ["calls"]
        headcount = 100
        "#
    ));
    let summary = cxsim::sweep::run(&sc, cxsim::sweep::SweepOptions { threads: 2 }, &|| {}).unwrap();
    let calls = summary.scope(ScopeKind::Type, "calls").unwrap();
    let fit = &f.fit;
    // Day totals vary as μ + μ²/k under the fitted busyness; the summary's half-width says so.
    let offered = calls.get("offered").unwrap().estimate;
    let expected = fit.daily * fit.weekly[0];
    let se = offered.half_width / 1.966;
    assert!(
        ((offered.mean - expected) / se).abs() < 4.0,
        "offered {} ± {} against {expected}",
        offered.mean,
        offered.half_width
    );
    let busiest = (0..SLOTS)
        .max_by(|a, b| fit.profile[*a].total_cmp(&fit.profile[*b]))
        .unwrap();
    for k in [0, busiest] {
        let e = calls.interval(k, "offered").unwrap();
        let expected = fit.rate(0, k);
        assert!(
            ((e.mean - expected) / (e.half_width / 1.966)).abs() < 4.0,
            "interval {k}: offered {} ± {} against {expected}",
            e.mean,
            e.half_width
        );
    }
    assert_eq!(
        calls.interval(SLOTS + 1, "offered").unwrap().mean,
        0.0,
        "20:30 is outside the data's hours"
    );
}

/// The five-minute volumes of ../shared/data/na-bank-5min-2003 (read in place; never copied).
fn na_bank() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/na-bank-5min-2003/calls_5min.csv");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: under CI the data must sit beside the repository",
        path.display()
    );
    eprintln!(
        "note: {} not found; the real-data forecast checks did not run",
        path.display()
    );
    None
}

/// The file holds what its SOURCE.md says: 27,716 rows, 164 weekdays × 169 five-minute
/// intervals from 07:00, 5,323,661 calls, and the six weekdays it lists as missing.
#[test]
fn the_bank_volumes_read_as_their_source_describes_them() {
    let Some(path) = na_bank() else { return };
    let s: Series = forecast::read_counts(&path).unwrap();
    assert_eq!(
        (s.rows, s.days.len(), s.slots, s.interval, s.first),
        (27_716, 164, 169, 300.0, 25_200.0)
    );
    assert_eq!(s.total(), 5_323_661.0);
    assert!(s.days.iter().all(|d| d.complete() && d.weekday < 5));
    let missing: Vec<String> = s.missing_days().into_iter().map(date_string).collect();
    assert_eq!(
        missing,
        [
            "2003-04-04",
            "2003-04-07",
            "2003-05-26",
            "2003-07-04",
            "2003-09-01",
            "2003-10-14"
        ]
    );
}

/// Held back the last four weeks, the forecast beats the seasonal naive one on daily totals
/// and per interval, and stays above the floor Poisson noise sets; its figures are the ones
/// docs/validation.md gives (regenerate the section with
/// `CXSIM_BLESS_DOCS=1 cargo test --release --test it -- forecast::`).
#[test]
fn on_the_bank_volumes_the_forecast_beats_the_seasonal_naive_one_as_the_validation_document_says() {
    let Some(path) = na_bank() else { return };
    let s = forecast::read_counts(&path).unwrap();
    let f = forecast::forecast(&s, ForecastOptions::default()).unwrap();
    let h = f.holdout.as_ref().unwrap();
    let naive = h.naive.as_ref().unwrap();
    assert_eq!(h.days.2, 19, "four weeks of weekdays, 2003-10-14 missing");
    assert!(h.model.wape < naive.wape && h.model.rmse < naive.rmse && h.model.daily_mape < naive.daily_mape);
    assert!(h.model.rmse > h.poisson_rmse, "no forecast beats Poisson noise");
    let table = format!(
        "| forecast | daily MAPE | daily bias | WAPE per interval | RMSE per interval (calls) |\n\
         |---|---:|---:|---:|---:|\n\
         | level × weekday × profile (`cxsim forecast`) | {:.1}% | {:+.1}% | {:.1}% | {:.1} |\n\
         | seasonal naive (last training week) | {:.1}% | {:+.1}% | {:.1}% | {:.1} |\n\
         | Poisson noise alone, exact rates | | | | {:.1} |\n",
        100.0 * h.model.daily_mape,
        100.0 * h.model.daily_bias,
        100.0 * h.model.wape,
        h.model.rmse,
        100.0 * naive.daily_mape,
        100.0 * naive.daily_bias,
        100.0 * naive.wape,
        naive.rmse,
        h.poisson_rmse
    );
    support::generated_section("docs/validation.md", "forecast", &table);
}

/// Malformed count files are refused with the file, line and field, and what would be valid.
#[test]
fn a_malformed_count_file_is_refused_with_its_line_and_field() {
    let dir = folder("errors");
    let cases = [
        (
            "date,calls\n2003-03-03,4\n",
            "missing column(s) interval_start (the header has: date, calls)",
        ),
        (
            "date,interval_start,calls\n2003-03-03,07:00,4\n2003-02-30,07:05,1\n",
            ":3: field `date`: `2003-02-30` is not a date YYYY-MM-DD",
        ),
        (
            "date,interval_start,calls\n2003-03-03,7h,4\n",
            ":2: field `interval_start`: `7h` is not a clock time HH:MM or HH:MM:SS",
        ),
        (
            "date,interval_start,calls\n2003-03-03,07:00,-1\n",
            ":2: field `calls`: `-1` is not a non-negative number",
        ),
        (
            "date,interval_start,calls\n2003-03-03,07:00,1\n2003-03-03,07:00,2\n",
            ":3: field `interval_start`: a second row for 2003-03-03 07:00",
        ),
        (
            "date,interval_start,calls\n2003-03-03,07:00,1\n2003-03-03,07:07,2\n",
            "its intervals are 420 s apart, which does not divide a day",
        ),
        ("date,interval_start,calls\n", "has no rows of counts"),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let file = dir.join(format!("bad{i}.csv"));
        std::fs::write(&file, text).unwrap();
        let e = forecast::read_counts(&file).unwrap_err().to_string();
        assert!(e.starts_with(&file.display().to_string()), "{e}");
        assert!(e.contains(message), "case {i}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cxsim forecast FILE -o block.toml` writes the block and prints its comments; a bad file
/// exits with code 2 and writes nothing.
#[test]
fn the_forecast_command_writes_its_block_or_nothing() {
    let dir = folder("cli");
    let counts = synthetic_counts(&dir, DAILY);
    let out = dir.join("arrivals.toml");
    let run = assert_cmd::Command::cargo_bin("cxsim")
        .unwrap()
        .args([
            "forecast",
            counts.to_str().unwrap(),
            "--holdout",
            "8",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("Held back 40 days") && stdout.contains("wrote "),
        "{stdout}"
    );
    let block = std::fs::read_to_string(&out).unwrap();
    assert!(block.contains("[contact_types.arrivals]\ndaily = "), "{block}");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "date,calls\n").unwrap();
    let refused = dir.join("refused.toml");
    assert_cmd::Command::cargo_bin("cxsim")
        .unwrap()
        .args(["forecast", bad.to_str().unwrap(), "-o", refused.to_str().unwrap()])
        .assert()
        .code(2);
    assert!(!refused.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
