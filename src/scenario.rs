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

pub use model::*;

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

/// Loads and compiles the scenario file at `path`. Relative paths inside it (empirical samples)
/// are resolved against the file's folder.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    })?;
    let src = String::from_utf8(bytes).map_err(|e| ScenarioError::Read {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let mut scenario = compile::compile_str(&src, &path.display().to_string(), &stem, &base)?;
    scenario.source = Some(path.to_owned());
    Ok(scenario)
}

/// Compiles a scenario from TOML text. `label` names it in error messages; relative file paths
/// inside it are resolved against `base_dir`; `default_name` is used when it has no `name`.
pub fn from_toml_str(src: &str, label: &str, default_name: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    compile::compile_str(src, label, default_name, base_dir)
}
