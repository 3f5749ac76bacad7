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
