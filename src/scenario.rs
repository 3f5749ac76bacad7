//! Scenario loading in two stages: [`raw`] (serde structs that mirror the TOML file) and
//! [`compile`] (names resolved to ids, distributions built, cross-field rules enforced) into an
//! immutable [`Scenario`].
//!
//! Every problem in a file becomes one [`ScenarioError`] naming the file, line, column, field
//! path, what was wrong and what would be valid:
//!
//! ```text
//! scenarios/bank.toml:42:17: agent_groups[2].serves[0]: unknown contact type "biling" (known: billing, sales)
//! ```

pub mod compile;
pub mod model;
pub mod raw;
pub mod self_service;
pub mod sites;
pub mod variants;

pub use model::*;
pub use self_service::{Branches, Channel, Node, NodeKind, SelfService, Target};
pub use sites::{BandPricing, Billed, Contract, Costs, Period, Site, SlaBase, SlaClause, Sourcing};
pub use variants::{Base, Study, Variant, load_base, load_study};

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a scenario file a problem is: file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `src` (clamped to the text).
    pub fn at(file: &str, src: &str, offset: usize) -> Self {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = src[line_start..offset].chars().count() + 1;
        Location {
            file: file.to_owned(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read scenario: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid: bad TOML, an unknown field, a wrong type or an impossible value.
    #[error("{location}: {}{message}", field_prefix(field))]
    Invalid {
        location: Location,
        /// Dotted path of the field, e.g. `contact_types[1].handle_time.cv`; empty for syntax errors.
        field: String,
        /// What was wrong and what would be valid.
        message: String,
    },
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    }
}

/// Largest input file read, bytes (a scenario or an empirical samples file).
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Reads an input file whole. Only a regular file is read (a device such as `/dev/zero` never
/// ends and a FIFO may block forever), and at most [`MAX_INPUT_BYTES`] of it.
pub(crate) fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("it is {kind}; give a regular file"),
        ));
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!("it is larger than the {} MiB accepted", MAX_INPUT_BYTES >> 20),
        )
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Loads and compiles the scenario file at `path`. Relative paths inside it (empirical samples)
/// are resolved against the file's folder. The file may also be the `run.toml` of a results
/// folder, which repeats that run. A file that `extends` another is merged into it; its
/// variants are not compiled (see [`load_study`]).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    variants::load_baseline(path)
}

/// Compiles a scenario from TOML text. `label` names it in error messages; relative file paths
/// inside it are resolved against `base_dir`; `default_name` is used when it has no `name`.
pub fn from_toml_str(src: &str, label: &str, default_name: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    compile::compile_str(src, label, default_name, base_dir)
}

/// A scenario from TOML text for unit tests (panics with the message if it is invalid).
#[cfg(test)]
pub(crate) fn for_test(src: &str) -> Scenario {
    from_toml_str(src, "test.toml", "test", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}
