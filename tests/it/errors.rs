//! Broken scenarios and their messages, pinned as snapshots: each names the file, line, column
//! and field, says what is wrong and what would be valid — and nothing panics.

use std::path::Path;

#[test]
fn every_broken_scenario_gets_one_precise_message() {
    let mut files: Vec<_> = std::fs::read_dir("tests/fixtures/broken")
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected at least 20 broken scenarios, found {}",
        files.len()
    );
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let err = match cxsim::scenario::load(&path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(e) => e.to_string(),
        };
        assert!(err.starts_with("tests/fixtures/broken/"), "{name}: {err}");
        assert!(!err.contains('\n'), "{name}: message spans lines: {err}");
        insta::assert_snapshot!(name, err);
    }
}

#[test]
fn a_missing_scenario_file_is_reported_with_its_path() {
    let err = cxsim::scenario::load(Path::new("tests/fixtures/does_not_exist.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("tests/fixtures/does_not_exist.toml: cannot read scenario:"),
        "{err}"
    );
}

#[test]
fn garbage_input_never_panics() {
    let inputs = [
        "",
        "\u{0}",
        "[[[",
        "a = 1",
        "[simulation]\nhorizon = 1e400",
        "[simulation]\nhorizon = \"1h\"\n[[contact_types]]\n",
        "x = [1, 2,",
    ];
    for input in inputs {
        let _ = cxsim::scenario::from_toml_str(input, "g.toml", "g", Path::new("."));
    }
}

mod fuzz {
    use proptest::prelude::*;
    use std::path::Path;

    const VALID: &str = include_str!("../../scenarios/day_profile.toml");

    /// Values that stress parsing and checking: extremes, wrong kinds, odd units.
    const ODD_VALUES: &[&str] = &[
        "0",
        "-1",
        "1e308",
        "-0.0",
        "nan",
        "inf",
        "\"\"",
        "\"0s\"",
        "\"1e400s\"",
        "\"-5m\"",
        "[]",
        "[0]",
        "{}",
        "true",
        "\"0/h\"",
        "\"1/0s\"",
        "\"99999999999999999999\"",
        "9223372036854775807",
        "\"1d1d1d\"",
        "\"é\"",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Any edit of a valid scenario either compiles or gives an error; it never panics.
        #[test]
        fn mutated_scenarios_never_panic(cut in 0usize..VALID.len(), len in 0usize..40, value in 0usize..ODD_VALUES.len(), mode in 0u8..3) {
            let mut text = VALID.to_string();
            let mut start = cut.min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            match mode {
                0 => text.replace_range(start..end, ""),
                1 => text.replace_range(start..end, ODD_VALUES[value]),
                _ => {
                    // Replace the value after the `=` of the line holding `cut`.
                    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                    if let Some(eq) = text[line_start..line_end].find('=') {
                        text.replace_range(line_start + eq + 1..line_end, &format!(" {}", ODD_VALUES[value]));
                    }
                }
            }
            if let Ok(mut sc) = cxsim::scenario::from_toml_str(&text, "fuzz.toml", "fuzz", Path::new("scenarios")) {
                // A scenario that compiles must also run (briefly).
                sc.replications = 1;
                if sc.horizon <= 86_400.0 && sc.contact_types.iter().all(|t| t.arrival_rates.iter().all(|r| *r < 1.0)) {
                    let _ = cxsim::sweep::run_replication(&sc, 0);
                }
            }
        }
    }
}

/// A scenario with `types` contact types, `groups` agent groups (group g serving type g mod
/// `types`) of
/// `headcount` agents, over `horizon` in `interval`s.
fn sized(types: usize, groups: usize, headcount: u32, horizon: &str, interval: &str) -> String {
    let mut s = format!("[simulation]\nhorizon = \"{horizon}\"\ninterval = \"{interval}\"\n");
    for t in 0..types {
        s += &format!(
            "[[contact_types]]\nname = \"t{t}\"\narrivals = {{ rate = \"1/d\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"5m\" }}\n"
        );
    }
    for g in 0..groups {
        s += &format!(
            "[[agent_groups]]\nname = \"g{g}\"\nserves = [\"t{}\"]\nheadcount = {headcount}\n",
            g % types
        );
    }
    s
}

fn compile_error(src: &str) -> String {
    match cxsim::scenario::from_toml_str(src, "big.toml", "big", Path::new(".")) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn groups_times_intervals_count_against_the_interval_statistics_cap() {
    // 400 groups × 20,000 hourly intervals took 1.1 GB for one replication.
    let err = compile_error(&sized(1, 400, 1, "20000h", "1h"));
    assert!(
        err.contains("with 1 contact type(s) and 400 agent group(s) that is 8040000 interval statistics"),
        "{err}"
    );
    assert!(err.contains("use at most 248 intervals"), "{err}");
}

#[test]
fn the_number_of_types_and_groups_is_bounded() {
    let err = compile_error(&sized(10_001, 1, 1, "1h", "1h"));
    assert!(
        err.contains("contact_types: 10001 contact types; at most 10000 are accepted"),
        "{err}"
    );
    let err = compile_error(&sized(1, 10_001, 1, "1h", "1h"));
    assert!(
        err.contains("agent_groups: 10001 agent groups; at most 10000 are accepted"),
        "{err}"
    );
}

#[test]
fn the_total_number_of_agents_is_bounded() {
    // 20 groups of 1,000,000 agents passed `check`, then exhausted memory.
    let err = compile_error(&sized(1, 20, 1_000_000, "8h", "30m"));
    assert!(
        err.contains("20000000 agents in all groups together") && err.contains("at most 1000000 are simulated"),
        "{err}"
    );
}

#[test]
fn thousands_of_types_and_groups_compile() {
    // Name lookups are hashed: 5,000 types and 5,000 groups check in well under a second
    // (a linear search per name made this quadratic).
    let sc = cxsim::scenario::from_toml_str(&sized(5_000, 5_000, 1, "1h", "1h"), "big.toml", "big", Path::new("."));
    let sc = sc.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.contact_types.len(), 5_000);
    assert_eq!(sc.agent_groups[4_999].serves[0].index(), 4_999);
}

#[cfg(unix)]
#[test]
fn a_device_or_a_fifo_is_refused_as_a_scenario_instead_of_read_forever() {
    let err = cxsim::scenario::load(Path::new("/dev/zero")).unwrap_err().to_string();
    assert_eq!(
        err,
        "/dev/zero: cannot read scenario: it is not a regular file (a device, FIFO or socket); give a regular file"
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let err = cxsim::scenario::load(&fifo).unwrap_err().to_string();
    assert!(
        err.ends_with("it is not a regular file (a device, FIFO or socket); give a regular file"),
        "{err}"
    );
}

#[test]
fn an_input_file_larger_than_the_limit_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    // Sparse: takes no disk space.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(cxsim::scenario::MAX_INPUT_BYTES + 1).unwrap();
    let err = cxsim::scenario::load(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("cannot read scenario: it is larger than the 256 MiB accepted"),
        "{err}"
    );
}

#[test]
fn a_scenario_file_starting_with_a_byte_order_mark_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.toml");
    let text = std::fs::read_to_string("scenarios/erlang_c.toml").unwrap();
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    let sc = cxsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.name, "erlang-c");
}
