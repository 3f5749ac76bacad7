//! `cxsim calibrate`: a synthetic log made by cxsim calibrated back to the scenario that made
//! it, the bank's real months, and the messages for logs that cannot be used.

use assert_cmd::Command;
use cxsim::calibrate::{self, Options, patience::Part};
use std::path::{Path, PathBuf};

fn cxsim() -> Command {
    Command::cargo_bin("cxsim").expect("binary built")
}

/// Two types on one team, overloaded so that callers queue: lognormal handle time (mean 240 s,
/// cv 1), after-call work (lognormal, mean 20 s, cv 0.5), exponential patience (mean 600 s),
/// 200 and 100 calls an hour, two days a replication.
const SYNTHETIC: &str = r#"
name = "synthetic"
[simulation]
horizon = "2d"
interval = "60m"
replications = 2
seed = 7
closing = "serve"

[[contact_types]]
name = "sales"
arrivals = { rate = "200/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "600s" }
wrap_up = { dist = "lognormal", mean = "20s", cv = 0.5 }

[[contact_types]]
name = "service"
arrivals = { rate = "100/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "600s" }
wrap_up = { dist = "lognormal", mean = "20s", cv = 0.5 }

[[agent_groups]]
name = "team"
serves = ["sales", "service"]
headcount = 18
"#;

/// Runs the synthetic scenario with `--records contacts` into `dir`; returns contacts.csv.
fn synthetic_log(dir: &Path) -> PathBuf {
    let scenario = dir.join("synthetic.toml");
    std::fs::write(&scenario, SYNTHETIC).unwrap();
    let out = dir.join("run");
    cxsim()
        .args(["run", "-q", "--progress", "never", "--records", "contacts", "-o"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    out.join("contacts.csv")
}

/// The synthetic log calibrated back: every fitted figure within 4 standard errors of the
/// value that made it (|z| < 4 for each, a family-wide bound at about 1e-4 per test).
///
/// Over 4 log days (2 replications × 2 days): the daily volume of sales (19,200 calls) has a
/// Poisson SE of 0.7%, so a 2.9% error in the counted arrivals fails; μ and σ of the
/// lognormal (about 24,000 answered calls) have SEs 0.0054 and 0.0038, so an error of 2% in the
/// mean handle time fails; the after-call gaps with 4 or more callers waiting (thousands) have
/// an SE near 0.2 s, so a 1 s (5%) error fails; Kaplan–Meier's S(300 s) has a Greenwood SE
/// near 0.01, so an error of 0.04 in it fails, and the tail's exponential mean an error of
/// about 15%.
#[test]
fn a_synthetic_log_made_by_cxsim_calibrates_back_to_the_scenario_that_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_log(dir.path());
    let cal = calibrate::calibrate(&[log], &Options::default()).expect("calibrates");
    assert_eq!(cal.frame.days.len(), 4, "{:?}", cal.frame.days);
    assert_eq!(cal.frame.hours, (0, 24));
    let z = |est: f64, truth: f64, se: f64| (est - truth) / se;
    for (t, rate) in cal.types.iter().zip([200.0_f64, 100.0]) {
        assert!(!t.service_pooled && !t.patience_pooled, "{}", t.name);
        // Arrivals: 24 hours a day at the rate.
        let daily = rate * 24.0;
        let se = (daily * 4.0).sqrt() / 4.0;
        assert!(
            z(t.demand.daily, daily, se).abs() < 4.0,
            "{}: daily {} vs {daily}",
            t.name,
            t.demand.daily
        );
        // Weekdays: the log's four days are two Mondays and two Tuesdays (each replication's
        // two days, a week apart), each weekday near the mean day. Monday's factor is 2p for
        // p the Mondays' share of the four days' calls (binomial, p = 1/2, 4c calls for c a
        // day): SE √(1/4c), so a 3% error fails. The other weekdays have no day in the log
        // and are closed.
        let se = (0.25 / daily).sqrt();
        for (w, f) in t.demand.weekly.iter().enumerate() {
            if w < 2 {
                assert!(z(*f, 1.0, se).abs() < 4.0, "{}: weekly {:?}", t.name, t.demand.weekly);
            } else {
                assert_eq!(*f, 0.0, "{}: weekly {:?}", t.name, t.demand.weekly);
            }
        }
        // Service: lognormal with mean 240 s and cv 1.
        let s = t.service.as_ref().unwrap();
        let sigma = 2f64.ln().sqrt();
        let mu = 240f64.ln() - sigma * sigma / 2.0;
        assert!(z(s.mu, mu, s.mu_se).abs() < 4.0, "{}: {s:?}", t.name);
        assert!(z(s.sigma, sigma, s.sigma_se).abs() < 4.0, "{}: {s:?}", t.name);
        // Patience: exponential, mean 600 s.
        let p = t.patience.as_ref().unwrap();
        let (s300, se300) = p.km.at(300.0);
        assert!(
            z(s300, (-0.5f64).exp(), se300).abs() < 4.0,
            "{}: S(300) = {s300} ± {se300}",
            t.name
        );
        let tail = p.parts.iter().find_map(|x| match x {
            Part::Tail { mean, .. } => Some(*mean),
            _ => None,
        });
        let tail = tail.expect("a tail");
        assert!(
            z(tail, 600.0, 600.0 / (p.tail_events as f64).sqrt()).abs() < 4.0,
            "{}: tail mean {tail} from {} events",
            t.name,
            p.tail_events
        );
    }
    // After-call work: the gaps with 4 or more callers waiting.
    let a = cal.after_call.as_ref().expect("after-call work inferred");
    let busy = a.buckets[2];
    assert!(busy.n > 1000, "{a:?}");
    assert!(z(busy.mean, 20.0, busy.se).abs() < 4.0, "{a:?}");
    // The unavailable time after a call under load is the after-call work itself (the next
    // caller is answered as soon as it ends): lognormal with mean 20 s and sd 10 s, so the
    // Kaplan-Meier fit's mean has an SE near 10 s / sqrt(events), about 0.1 s here (a 0.5 s
    // or 2.5% error fails), and its median is the lognormal's, 20 / sqrt(1.25) = 17.9 s.
    let u = a.unavailable.as_ref().expect("gaps under load");
    assert!(u.events > 5000, "{} events", u.events);
    let se = 10.0 / (u.events as f64).sqrt();
    assert!(z(u.mean, 20.0, se).abs() < 4.0, "unavailable mean {} (SE {se})", u.mean);
    let (lo, hi) = u.km.median_ci();
    let median = 20.0 / 1.25f64.sqrt();
    assert!(
        lo.is_some_and(|l| l <= median + 0.5) && hi.is_some_and(|h| h >= median - 0.5),
        "median {:?} ({lo:?}, {hi:?}) vs {median}",
        u.km.median()
    );
    // Staffing: 18 agents all day, nearly always busy.
    let s10 = cal.staffing.mean[10];
    assert!((s10 - 18.0).abs() < 0.5, "staffing at 10:00: {s10}");
}

/// The calibrated scenario loads and runs, and the same log gives the same bytes twice.
#[test]
fn the_calibrated_scenario_runs_and_the_same_log_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_log(dir.path());
    let out = dir.path().join("calibrated.toml");
    let report = cxsim()
        .arg("calibrate")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains("Type sales"), "{report}");
    let first = std::fs::read(&out).unwrap();
    cxsim()
        .arg("calibrate")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(first, std::fs::read(&out).unwrap());
    cxsim()
        .args(["run", "-q", "--progress", "never", "--no-write", "-r", "2"])
        .arg(&out)
        .assert()
        .success();
    // With the observed service times instead of the fit: samples beside the scenario.
    let empirical = dir.path().join("empirical.toml");
    cxsim()
        .arg("calibrate")
        .arg(&log)
        .args(["--service", "empirical", "--hours", "06-22", "-o"])
        .arg(&empirical)
        .assert()
        .success();
    assert!(dir.path().join("empirical.sales.service.txt").is_file());
    let sc = cxsim::scenario::load(&empirical).expect("loads");
    assert_eq!(sc.contact_types.len(), 2);
}

/// The bank's data folder, or `None` (with a note) when it is missing outside CI.
pub fn bank_data() -> Option<PathBuf> {
    let dir = PathBuf::from("../shared/data/anonymous-bank-1999");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/data/anonymous-bank-1999 is missing: under CI the bank's call logs must be there"
    );
    eprintln!("note: ../shared/data/anonymous-bank-1999 not found; the bank calibration tests did not run");
    None
}

/// Each month of the bank calibrates, with the counts SOURCE.md gives and counts computed
/// independently with awk (CR stripped, fields split on whitespace, `$13` the outcome, `$10`
/// q_start, `$14` ser_start, `$5` the type):
///
/// ```sh
/// awk '{sub(/\r$/,"")} NR>1 {n++; if ($13=="PHANTOM") {ph++; next}
///   if ($5 !~ /^(PS|PE|IN|NE|NW|TT)$/) {st++; next}
///   if ($14!="0:00:00") ans++; else if ($13=="AGENT") miss++;
///   else if ($10!="0:00:00") ab++; else ivr++}
///   END {print n, ph, st, miss, ans, ab, ivr}' calls_1999-01.tsv
/// ```
///
/// (`ans` counts calls an agent answered, HANG during service included; a few calls whose
/// service ends before it starts are skipped by calibration and counted under that kind.)
#[test]
fn each_bank_month_calibrates_with_the_counts_of_its_records() {
    let Some(dir) = bank_data() else { return };
    // (file, records, phantom, stray type codes, AGENT without a service start, answered, abandoned, IVR)
    type Counts = (&'static str, u64, u64, u64, u64, u64, u64, u64);
    let months: [Counts; 3] = [
        ("calls_1999-01.tsv", 31_599, 240, 2, 42, 27_101, 3_018, 1_196),
        ("calls_1999-02.tsv", 33_344, 278, 0, 50, 27_209, 3_866, 1_941),
        ("calls_1999-10.tsv", 34_625, 147, 0, 23, 30_905, 2_039, 1_511),
    ];
    for (file, records, phantom, stray, missing, answered, abandoned, ivr) in months {
        let cal = calibrate::calibrate(&[dir.join(file)], &Options::default()).expect("calibrates");
        let f = &cal.log.files[0];
        let skipped = |kind: &str| f.skipped.get(kind).map_or(0, |s| s.0);
        assert_eq!(f.rows, records, "{file}");
        assert_eq!(skipped("phantom call"), phantom, "{file}");
        assert_eq!(skipped("unknown type code"), stray, "{file}");
        assert_eq!(skipped("missing field"), missing, "{file}");
        let end_before_start = skipped("end before start");
        let sum = |g: fn(&calibrate::TypeFit) -> u64| cal.types.iter().map(g).sum::<u64>();
        let got = (sum(|t| t.answered), sum(|t| t.abandoned), sum(|t| t.demand.ivr));
        assert_eq!(
            got.0 + got.1 + got.2 + end_before_start,
            answered + abandoned + ivr,
            "{file}: {got:?} and {end_before_start} end before start"
        );
        assert!(answered - got.0 <= end_before_start, "{file}: {got:?}");
        assert!(abandoned - got.1 <= end_before_start, "{file}: {got:?}");
        assert!(ivr - got.2 <= end_before_start, "{file}: {got:?}");
        assert!(end_before_start < 100, "{file}: {end_before_start}");
        assert_eq!(f.used + f.skipped.values().map(|s| s.0).sum::<u64>(), records, "{file}");
    }
}

/// Logs that cannot be used get one message naming the file, line and field and what would be
/// valid, and no scenario file is written.
#[test]
fn a_log_that_cannot_be_used_gets_a_precise_message_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["missing_column", "bad_timestamps", "end_before_start", "unknown_header"] {
        let input = format!("tests/fixtures/calibrate/{name}.csv");
        let out = dir.path().join(format!("{name}.toml"));
        let output = cxsim()
            .args(["calibrate", &input, "-o"])
            .arg(&out)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let message = String::from_utf8(output).unwrap();
        assert!(!out.exists(), "{name}: a file was written");
        assert_eq!(message.lines().count(), 1, "{message}");
        insta::assert_snapshot!(format!("calibrate_{name}"), message);
    }
}
