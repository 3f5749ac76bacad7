//! The same commit gives the same numbers however it is built: the binary of a plain
//! `cargo build --release` and the library inside this test build agree bit for bit.
//!
//! The two builds enable different features of shared dependencies (test-only dependencies
//! switch on `num-traits/std`), which once made `rand_distr` draw lognormal, gamma and Weibull
//! samples with the `libm` crate's `exp`/`ln`/`pow` in one build and the platform's in the
//! other; cxsim now asks for the platform's in every build (`rand_distr`'s `std_math`).

use super::support::{bits, run, scenario};
use std::path::Path;
use std::process::Command;

const SCENARIO: &str = r#"
name = "three-laws"
[simulation]
horizon = "6h"
warmup = "1h"
interval = "1h"
seed = 31
replications = 6
[[contact_types]]
name = "lognormal"
arrivals = { rate = "200/h" }
handle_time = { dist = "lognormal", mean = "4m", cv = 1.3 }
patience = { dist = "lognormal", mean = "5m", cv = 0.9 }
[[contact_types]]
name = "gamma"
arrivals = { rate = "80/h" }
handle_time = { dist = "gamma", mean = "6m", cv = 0.7 }
patience = { dist = "weibull", shape = 0.8, scale = "4m" }
[[contact_types]]
name = "weibull"
arrivals = { rate = "60/h" }
handle_time = { dist = "weibull", shape = 1.6, scale = "5m" }
[[agent_groups]]
name = "all"
serves = ["lognormal", "gamma", "weibull"]
headcount = 26
"#;

#[test]
fn a_plain_release_build_gives_the_same_bits_as_the_test_build() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Its own target folder: the plain build's features must not mix with this build's.
    let target = root.join("target").join("plain-build");
    let status = Command::new(cargo)
        .args(["build", "--release", "--locked", "--bin", "cxsim", "--target-dir"])
        .arg(&target)
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the plain release build failed");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three-laws.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let ran = Command::new(target.join("release").join("cxsim"))
        .args(["run", "-q", "-j", "2", "-o"])
        .arg(&out)
        .arg(&file)
        .output()
        .expect("the plain binary runs");
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let plain = cxsim::report::json::read(&text).expect("summary.json reads back");
    let here = run(&scenario(SCENARIO), 2);
    let (plain, here) = (bits(&plain), bits(&here));
    assert_eq!(plain.len(), here.len());
    let differ = plain.iter().zip(&here).filter(|(a, b)| a != b).count();
    assert_eq!(
        differ,
        0,
        "{differ} of {} numbers differ between the two builds",
        here.len()
    );
}
