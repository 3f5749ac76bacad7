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
