//! Helpers shared by the integration tests.

use cxsim::scenario::{self, Scenario};
use cxsim::summary::Summary;
use std::path::Path;

/// Compiles a scenario from TOML text (panics with the error message if it is invalid).
pub fn scenario(toml: &str) -> Scenario {
    scenario::from_toml_str(toml, "test.toml", "test", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

/// Compiles `toml` with `REPLAY` replaced by the path of a file holding `contents` (a replay
/// file, written to a folder of its own and removed once the scenario has read it).
pub fn scenario_with_replay(toml: &str, contents: &str) -> Scenario {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cxsim-replay-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("arrivals.csv");
    std::fs::write(&file, contents).expect("the replay file");
    let sc = scenario(&toml.replace("REPLAY", &file.display().to_string()));
    let _ = std::fs::remove_dir_all(dir);
    sc
}

/// Every number of a summary as raw bits, for bit-exact comparison (NaN-safe).
pub fn bits(s: &Summary) -> Vec<u64> {
    let mut out = Vec::new();
    for scope in &s.scopes {
        for m in &scope.metrics {
            out.extend([m.estimate.mean.to_bits(), m.estimate.half_width.to_bits(), m.estimate.n]);
            out.extend([m.estimate.events.unwrap_or(u64::MAX), u64::from(m.estimate.reliable)]);
        }
        for row in &scope.intervals {
            for e in row {
                out.extend([e.mean.to_bits(), e.half_width.to_bits(), e.n]);
            }
        }
    }
    out.extend([s.total_arrivals, s.total_events]);
    out
}

/// Asserts that every figure of `a` (whole period and intervals) has the same bits in `b`,
/// which may have more figures and scopes.
pub fn assert_figures_of_a_identical_in_b(a: &Summary, b: &Summary) {
    let number = |e: &cxsim::stats::tally::Estimate| (e.mean.to_bits(), e.half_width.to_bits(), e.n);
    for scope in &a.scopes {
        let other = b.scope(scope.kind, &scope.name).expect("the same scopes");
        for m in &scope.metrics {
            let same = other.get(&m.name).map(|o| number(&o.estimate));
            assert_eq!(same, Some(number(&m.estimate)), "{} {}", scope.name, m.name);
        }
        for (row, values) in scope.intervals.iter().enumerate() {
            for (name, e) in scope.interval_metrics.iter().zip(values) {
                let same = other.interval(row, name).map(|o| number(&o));
                assert_eq!(same, Some(number(e)), "{} {name} row {row}", scope.name);
            }
        }
    }
    assert_eq!((a.total_arrivals, a.total_events), (b.total_arrivals, b.total_events));
}

/// Runs a sweep with `threads` threads.
pub fn run(sc: &Scenario, threads: usize) -> Summary {
    cxsim::sweep::run(sc, cxsim::sweep::SweepOptions { threads }, &|| {}).expect("sweep runs")
}

/// Runs a sweep with `threads` threads and returns its summary with `replications.csv` as
/// the command line streams it.
pub fn run_with_replications(sc: &Scenario, threads: usize) -> (Summary, String) {
    struct Rows<'a>(cxsim::report::csv::ReplicationsWriter<&'a mut Vec<u8>>);
    impl cxsim::sweep::Sink for Rows<'_> {
        fn on_output(
            &mut self,
            sc: &Scenario,
            out: &cxsim::stats::RepOutput,
        ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            Ok(self.0.write(sc, out)?)
        }
    }
    let mut buf = Vec::new();
    let s = {
        let mut rows = Rows(cxsim::report::csv::ReplicationsWriter::new(sc, &mut buf).expect("header"));
        let plan = cxsim::sweep::Plan::all(sc);
        let opts = cxsim::sweep::SweepOptions { threads };
        let s = cxsim::sweep::run_plan(sc, &plan, opts, cxsim::routing::Policy::default, &|| {}, &mut rows)
            .expect("sweep runs");
        rows.0.finish().expect("flushes");
        s
    };
    (s, String::from_utf8(buf).expect("utf-8"))
}

/// Two agents, then one, then two; constant 50 s handle time, constant 30 s patience, a queue
/// of at most two: a three-minute day whose every event can be checked by hand.
pub const TINY_DAY: &str = r#"
[simulation]
horizon = "3m"
interval = "1m"
seed = 3
replications = 1
closing = "clear"

[[contact_types]]
name = "c"
arrivals = { rates = ["4/min", "1/min", "4/min"] }
handle_time = { dist = "constant", value = "50s" }
patience = { dist = "constant", value = "30s" }
queue_capacity = 2

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = [2, 1, 2]
"#;

/// Asserts that figure `name`'s estimate, times `scale`, lies within 4 standard errors of
/// `exact`, and that the comparison is sharp enough to see a relative error of `detect`
/// (4 SE / exact below it); prints both.
pub fn assert_near_exact(name: &str, e: cxsim::stats::tally::Estimate, scale: f64, exact: f64, detect: f64) {
    let se = e.half_width / cxsim::stats::tally::student_t_975(e.n - 1) * scale;
    let z = (e.mean * scale - exact) / se;
    // The smallest relative error this comparison would see: 4 SE / exact.
    let power = 4.0 * se / exact;
    eprintln!(
        "{name}: {:.5} vs exact {exact:.5}, z = {z:.2}, detects {:.2}%",
        e.mean * scale,
        100.0 * power
    );
    assert!(
        z.abs() < 4.0,
        "{name}: {} vs exact {exact} (z = {z:.2})",
        e.mean * scale
    );
    assert!(power < detect, "{name}: detects only {:.2}% errors", 100.0 * power);
}

/// The numerators of `replications.csv`'s type rows, by (replication, type, figure): for a
/// count, the replication's count.
pub fn type_counts(replications: &str) -> std::collections::BTreeMap<(u32, String, String), f64> {
    let mut out = std::collections::BTreeMap::new();
    let mut reader = csv::Reader::from_reader(replications.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("a column");
    let (rep, kind, scope, metric, num) = (
        col("replication"),
        col("scope_kind"),
        col("scope"),
        col("metric"),
        col("numerator"),
    );
    for row in reader.records() {
        let row = row.expect("a row");
        if &row[kind] == "type" {
            let value: f64 = row[num].parse().expect("a number");
            out.insert(
                (
                    row[rep].parse().expect("a replication"),
                    row[scope].to_string(),
                    row[metric].to_string(),
                ),
                value,
            );
        }
    }
    out
}

/// The Python that runs the checks of `tests/python/` (pandas, selenium and pillow, as in
/// `tests/python/requirements.txt`): `CXSIM_PYTHON`. Without it those checks cannot run: that
/// fails under CI (`CI` set; `.ci/run` makes the venv) and is said, not hidden, elsewhere.
pub fn python_checks() -> Option<String> {
    match std::env::var("CXSIM_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CXSIM_PYTHON is not set: under CI it must name a Python with pandas, selenium and \
                 pillow (.ci/run makes one in a venv)"
            );
            eprintln!("note: CXSIM_PYTHON not set; the pandas and browser checks did not run");
            None
        }
    }
}

/// `doc` (the text of the document `name`) with its generated section `tag` — the lines
/// between `<!-- TAG: generated…` and `<!-- TAG: end -->` — replaced by `body`, and whether it
/// already held it.
pub fn with_generated(doc: &str, name: &str, tag: &str, body: &str) -> (String, bool) {
    let begin = doc
        .find(&format!("<!-- {tag}: generated"))
        .unwrap_or_else(|| panic!("{name} has no generated section {tag}"));
    let body_start = begin + doc[begin..].find('\n').unwrap() + 1;
    let end = doc
        .find(&format!("<!-- {tag}: end -->"))
        .unwrap_or_else(|| panic!("{name}'s section {tag} has no end"));
    let same = doc[body_start..end] == *body;
    (format!("{}{body}{}", &doc[..body_start], &doc[end..]), same)
}

/// Checks that the generated section `tag` of the document `path` (from the repository root)
/// holds `body`; with `CXSIM_BLESS_DOCS` set, writes it there instead.
pub fn generated_section(path: &str, tag: &str, body: &str) {
    let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (next, same) = with_generated(&doc, path, tag, body);
    if std::env::var_os("CXSIM_BLESS_DOCS").is_some() {
        std::fs::write(path, next).unwrap();
        return;
    }
    assert!(
        same,
        "the section {tag} of {path} is out of step with what the test computes:\n{body}\nregenerate it \
         with CXSIM_BLESS_DOCS=1 cargo test --release --test it"
    );
}
