//! Variants of a scenario: a file that `extends` another, `[[variants]]` (overlays of fields
//! addressed by path) and `[[sweeps]]` (grids of overlays). Each variant compiles into a
//! [`Scenario`] of its own; an overlay that makes the scenario invalid is reported at the
//! overlay's own file, line and column, with the variant's name.
//!
//! ```toml
//! extends = "omnichannel_bank.toml"      # every field of that file, then these overrides
//!
//! [[variants]]
//! name = "callbacks sooner"
//! set = { "contact_types.accounts.callback.offer_wait" = "1m" }
//!
//! [[sweeps]]                              # 3 × 2 variants named "headcount=30, mean=3m", …
//! over = { "agent_groups.voice.headcount" = [30, 32, 34],
//!          "contact_types.accounts.patience.mean" = ["3m", "5m"] }
//! ```
//!
//! A path is field names joined by dots; where a field is an array of tables
//! (`contact_types`, `agent_groups`, `ivr`, …) the next part names an element by its `name`,
//! or gives its index from 0. The addressed field is replaced whole (a missing table on the
//! way is created).
//!
//! `extends` merges the extending file into the other one: a top-level table (`[simulation]`,
//! `[csat]`, …) field by field; an element of an array of tables (`[[contact_types]]`) with the
//! name of one of the other file's elements field by field into it, and one with a new name is
//! added; anything else is replaced whole. The other file must be a valid scenario on its own
//! (it is compiled first, so that its own errors point into it); its variants and sweeps are
//! not inherited.

use super::compile::{MAX_NAME_CHARS, compile_str, sha256_hex, slug};
use super::{InputFile, Location, Scenario, ScenarioError, read_input};
use crate::time::{Human, parse_duration};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::{Spanned, Table, Value};

/// Most variants one scenario may define (its `[[variants]]` and every sweep point together).
pub const MAX_VARIANTS: usize = 1000;
/// Deepest chain of `extends`.
pub const MAX_EXTENDS_DEPTH: usize = 16;
/// The name under which the scenario itself appears beside its variants.
pub const BASELINE: &str = "baseline";

/// A scenario and its variants, all with the same seed and replications, so that they run
/// on common random numbers.
#[derive(Debug, Clone)]
pub struct Study {
    pub baseline: Scenario,
    pub variants: Vec<Variant>,
}

/// One variant: the baseline with its settings applied.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Unique among the study's variants; never [`BASELINE`].
    pub name: String,
    pub description: Option<String>,
    /// The overlays, in the order applied.
    pub settings: Vec<Setting>,
    pub scenario: Scenario,
}

impl Variant {
    /// The name as a folder name (unique among the study's variants).
    pub fn slug(&self) -> String {
        slug(&self.name)
    }
}

/// One overlay: the field at `path` gets `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// As written: `contact_types.accounts.patience.mean`.
    pub path: String,
    pub value: Value,
    /// The field it resolved to, as errors name fields: `contact_types[2].patience.mean`.
    pub field: String,
    /// Where it is written, and how (`variants[1].set."…"`).
    location: Location,
    label: String,
}

/// A TOML value with the span of every value inside it.
#[derive(Debug, Clone)]
enum Node {
    Table(Vec<(String, Spanned<Node>)>),
    Array(Vec<Spanned<Node>>),
    Leaf(Value),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a TOML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Leaf(Value::Boolean(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Leaf(Value::Integer(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Node, E> {
                i64::try_from(v)
                    .map(|v| Node::Leaf(Value::Integer(v)))
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Leaf(Value::Float(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Leaf(Value::String(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Leaf(Value::String(v)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "$__toml_private_datetime" {
                        // A date or time: no scenario field takes one; kept as its text.
                        let text: String = map.next_value()?;
                        return Ok(Node::Leaf(Value::String(text)));
                    }
                    let value = map.next_value::<Spanned<Node>>()?;
                    entries.push((key, value));
                }
                Ok(Node::Table(entries))
            }
        }
        d.deserialize_any(V)
    }
}

impl Node {
    fn to_value(&self) -> Value {
        match self {
            Node::Leaf(v) => v.clone(),
            Node::Array(items) => Value::Array(items.iter().map(|i| i.get_ref().to_value()).collect()),
            Node::Table(entries) => Value::Table(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.get_ref().to_value()))
                    .collect(),
            ),
        }
    }

    fn entries(&self) -> Option<&[(String, Spanned<Node>)]> {
        match self {
            Node::Table(e) => Some(e),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Spanned<Node>> {
        self.entries()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Leaf(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// Keys of a scenario file that are not part of the scenario itself.
const STUDY_KEYS: [&str; 3] = ["extends", "variants", "sweeps"];

/// One file being read: its label for messages, text and folder.
struct Source<'a> {
    label: &'a str,
    src: &'a str,
}

impl Source<'_> {
    fn err(&self, span: std::ops::Range<usize>, field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            location: Location::at(self.label, self.src, span.start),
            field: field.into(),
            message: message.into(),
        }
    }

    fn location(&self, span: std::ops::Range<usize>) -> Location {
        Location::at(self.label, self.src, span.start)
    }
}

/// The merged scenario of a file (its `extends` chain resolved) as a TOML table, with every
/// file read and the scenario compiled from it.
#[derive(Debug, Clone)]
struct Merged {
    table: Table,
    scenario: Scenario,
    inputs: Vec<InputFile>,
}

/// Loads the scenario file at `path` with its variants (see the module docs). A file without
/// variants gives a study with none.
pub fn load_study(path: &Path) -> Result<Study, ScenarioError> {
    let (src, label, stem, base) = read_scenario(path)?;
    let mut chain = Vec::new();
    let (merged, root) = merge_file(path, &src, &label, &stem, &base, &mut chain)?;
    let source = Source {
        label: &label,
        src: &src,
    };
    let variants = match root {
        Some(root) => variants_of(&source, &root, &merged, &stem, &base)?,
        None => Vec::new(),
    };
    Ok(Study {
        baseline: merged.scenario,
        variants,
    })
}

/// A scenario file merged (its `extends` chain resolved), from which programs derive
/// scenarios with fields set by path, as variants do (the staffing search sets headcounts).
#[derive(Debug, Clone)]
pub struct Base {
    merged: Merged,
    label: String,
    stem: String,
    base_dir: PathBuf,
}

/// Loads the scenario file at `path` as a [`Base`] (its variants are not compiled).
pub fn load_base(path: &Path) -> Result<Base, ScenarioError> {
    let (src, label, stem, base_dir) = read_scenario(path)?;
    let mut chain = Vec::new();
    let (merged, _) = merge_file(path, &src, &label, &stem, &base_dir, &mut chain)?;
    Ok(Base {
        merged,
        label,
        stem,
        base_dir,
    })
}

impl Base {
    /// The scenario itself.
    pub fn scenario(&self) -> &Scenario {
        &self.merged.scenario
    }

    /// The mutable scenario itself (command-line overrides of seed and replications).
    pub fn scenario_mut(&mut self) -> &mut Scenario {
        &mut self.merged.scenario
    }

    /// The merged scenario as a TOML table with the field at each path given its value.
    pub fn table_with(&self, settings: &[(String, Value)]) -> Result<Table, ScenarioError> {
        let mut table = self.merged.table.clone();
        for (path, value) in settings {
            let segs: Vec<&str> = path.split('.').collect();
            apply(&mut table, &segs, value.clone()).map_err(|m| ScenarioError::Invalid {
                location: Location::at(&self.label, "", 0),
                field: path.clone(),
                message: m,
            })?;
        }
        Ok(table)
    }

    /// The scenario with the field at each path (as in `set`) given its value; its seed and
    /// replications are the base scenario's. An error names the path that made it invalid.
    pub fn derive(&self, settings: &[(String, Value)]) -> Result<Scenario, ScenarioError> {
        let table = self.table_with(settings)?;
        let mut scenario =
            compile_merged(&self.merged, table, &self.label, &self.stem, &self.base_dir).map_err(|e| match e {
                ScenarioError::Invalid { field, message, .. } => ScenarioError::Invalid {
                    location: Location::at(&self.label, "", 0),
                    field,
                    message: format!(
                        "with {}: {message}",
                        settings.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                },
                other => other,
            })?;
        scenario.seed = self.merged.scenario.seed;
        scenario.replications = self.merged.scenario.replications;
        scenario.raw.simulation = self.merged.scenario.raw.simulation.clone();
        Ok(scenario)
    }
}

/// Compiles `table`, a copy of `merged`'s table with some fields set, as a scenario that keeps
/// the merged scenario's name, inputs and hash, and none of its warnings.
fn compile_merged(
    merged: &Merged,
    mut table: Table,
    label: &str,
    stem: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    if table.get("name").is_none() {
        table.insert("name".into(), Value::String(merged.scenario.name.clone()));
    }
    let text = toml::to_string(&table).map_err(|e| ScenarioError::Invalid {
        location: Location::at(label, "", 0),
        field: "variants".into(),
        message: format!("cannot merge: {e}"),
    })?;
    let mut scenario = compile_str(&text, label, stem, base_dir)?;
    scenario.input_hash = merged.scenario.input_hash.clone();
    scenario.inputs = merged.inputs.clone();
    scenario.source = merged.scenario.source.clone();
    scenario.name = merged.scenario.name.clone();
    scenario
        .warnings
        .retain(|w| !merged.scenario.warnings.iter().any(|b| b.message == w.message));
    Ok(scenario)
}

/// Loads the scenario at `path` alone (its `extends` resolved, its variants not compiled).
pub(crate) fn load_baseline(path: &Path) -> Result<Scenario, ScenarioError> {
    let (src, label, stem, base) = read_scenario(path)?;
    let mut chain = Vec::new();
    Ok(merge_file(path, &src, &label, &stem, &base, &mut chain)?.0.scenario)
}

fn read_scenario(path: &Path) -> Result<(String, String, String, PathBuf), ScenarioError> {
    let bytes = read_input(path).map_err(|source| ScenarioError::Read {
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
    Ok((src, path.display().to_string(), stem, base))
}

/// Compiles the file `path` (text `src`) with its `extends` chain; also returns its parsed
/// tree when it has study keys (variants or sweeps to read). `chain` holds the files being
/// merged, to refuse a cycle.
fn merge_file(
    path: &Path,
    src: &str,
    label: &str,
    stem: &str,
    base_dir: &Path,
    chain: &mut Vec<PathBuf>,
) -> Result<(Merged, Option<Node>), ScenarioError> {
    let src_body = src.strip_prefix('\u{feff}').unwrap_or(src);
    let source = Source { label, src: src_body };
    // The whole file as one scenario first: its syntax and its own fields are checked with
    // exact positions.
    let tree: Option<Node> = toml::from_str::<Node>(src_body).ok();
    let record = tree.as_ref().is_some_and(is_run_record);
    let has_study_keys = tree
        .as_ref()
        .and_then(|t| {
            if record {
                t.get("scenario").map(Spanned::get_ref)
            } else {
                Some(t)
            }
        })
        .is_some_and(|t| STUDY_KEYS.iter().any(|k| t.get(k).is_some()))
        || tree.as_ref().is_some_and(|t| record && t.get("variants").is_some());
    let extends = tree
        .as_ref()
        .filter(|_| !record)
        .and_then(|t| t.get("extends"))
        .map(|e| (e.get_ref().as_str().map(str::to_owned), e.span()));
    let Some((parent_name, extends_span)) = extends else {
        let mut scenario = compile_str(src, label, stem, base_dir)?;
        finish_inputs(&mut scenario, path);
        let table = match &tree {
            Some(t) => scenario_table(t, record),
            None => Table::new(),
        };
        let inputs = scenario.inputs.clone();
        return Ok((
            Merged {
                table,
                scenario,
                inputs,
            },
            tree.filter(|_| has_study_keys),
        ));
    };
    let Some(parent_name) = parent_name.as_deref() else {
        return Err(source.err(
            extends_span,
            "extends",
            "expected the path of another scenario file, e.g. extends = \"base.toml\"",
        ));
    };
    if chain.len() >= MAX_EXTENDS_DEPTH {
        return Err(source.err(
            extends_span.clone(),
            "extends",
            format!("more than {MAX_EXTENDS_DEPTH} files extend one another; shorten the chain"),
        ));
    }
    let parent_path = base_dir.join(parent_name);
    let canonical = std::fs::canonicalize(&parent_path).unwrap_or_else(|_| parent_path.clone());
    let own = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    if canonical == own || chain.contains(&canonical) {
        return Err(source.err(
            extends_span.clone(),
            "extends",
            format!("\"{parent_name}\" extends this file again (a cycle); a file cannot extend itself"),
        ));
    }
    let (parent_src, parent_label, _, parent_base) = read_scenario(&parent_path).map_err(|e| match e {
        ScenarioError::Read { source: io, .. } => source.err(
            extends_span.clone(),
            "extends",
            format!("cannot read \"{parent_name}\": {io}"),
        ),
        other => other,
    })?;
    chain.push(own);
    let (parent, _) = merge_file(&parent_path, &parent_src, &parent_label, stem, &parent_base, chain)?;
    chain.pop();
    let tree = tree.expect("a file with `extends` parsed");
    let mut table = parent.table;
    let settings = extension_settings(&source, &tree, &mut table)?;
    // The merged scenario keeps the extending file's name when it gives none of its own.
    if tree.get("name").is_none() {
        table.insert("name".into(), Value::String(stem.into()));
    }
    let text = toml::to_string(&table).map_err(|e| source.err(0..0, "", format!("cannot merge: {e}")))?;
    let mut scenario = compile_str(&text, label, stem, &parent_base)
        .map_err(|e| attribute(e, &settings, &format!("with \"{parent_name}\" extended: ")))?;
    scenario.warnings.clear();
    scenario.warnings.extend(parent.scenario.warnings.iter().cloned());
    scenario.input_hash = sha256_hex(src.as_bytes());
    let mut inputs = vec![InputFile {
        role: "scenario".into(),
        path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
        sha256: scenario.input_hash.clone(),
    }];
    for mut input in parent.inputs {
        if input.role == "scenario" {
            input.role = "extends".into();
        }
        inputs.push(input);
    }
    scenario.inputs = inputs.clone();
    scenario.source = Some(path.to_owned());
    let tree = Some(tree).filter(|_| has_study_keys);
    Ok((
        Merged {
            table,
            scenario,
            inputs,
        },
        tree,
    ))
}

fn is_run_record(t: &Node) -> bool {
    matches!(t.get("run").map(Spanned::get_ref), Some(Node::Table(_)))
        && matches!(t.get("scenario").map(Spanned::get_ref), Some(Node::Table(_)))
}

/// The scenario's own fields of a parsed file, without the study keys.
fn scenario_table(tree: &Node, record: bool) -> Table {
    let node = if record {
        tree.get("scenario").map(Spanned::get_ref).unwrap_or(tree)
    } else {
        tree
    };
    let mut table = match node.to_value() {
        Value::Table(t) => t,
        _ => Table::new(),
    };
    for k in STUDY_KEYS {
        table.remove(k);
    }
    table
}

/// Records the scenario file itself first among the inputs (as [`super::load`] does).
fn finish_inputs(scenario: &mut Scenario, path: &Path) {
    scenario.source = Some(path.to_owned());
    scenario.inputs.insert(
        0,
        InputFile {
            role: "scenario".into(),
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
            sha256: scenario.input_hash.clone(),
        },
    );
}

/// Applies the fields of an extending file to the merged table (see the module docs) and
/// returns them as settings, for errors.
fn extension_settings(source: &Source<'_>, tree: &Node, table: &mut Table) -> Result<Vec<Setting>, ScenarioError> {
    let mut settings = Vec::new();
    let set =
        |path: Vec<String>, node: &Spanned<Node>, label: String, table: &mut Table, settings: &mut Vec<Setting>| {
            let value = node.get_ref().to_value();
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            let field = apply(table, &segs, value.clone()).map_err(|m| source.err(node.span(), label.clone(), m))?;
            settings.push(Setting {
                path: path.join("."),
                value,
                field,
                location: source.location(node.span()),
                label,
            });
            Ok::<(), ScenarioError>(())
        };
    for (key, node) in tree.entries().unwrap_or(&[]) {
        if STUDY_KEYS.contains(&key.as_str()) {
            continue;
        }
        match (node.get_ref(), table.get(key)) {
            (Node::Table(fields), None | Some(Value::Table(_))) => {
                for (k, v) in fields {
                    set(
                        vec![key.clone(), k.clone()],
                        v,
                        format!("{key}.{k}"),
                        table,
                        &mut settings,
                    )?;
                }
            }
            (Node::Array(items), Some(Value::Array(existing)))
                if items.iter().all(|i| matches!(i.get_ref(), Node::Table(_)))
                    && existing.iter().all(Value::is_table) =>
            {
                for (i, item) in items.iter().enumerate() {
                    let name = item.get_ref().get("name").and_then(|n| n.get_ref().as_str());
                    let known = table
                        .get(key)
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().any(|e| e.get("name").and_then(Value::as_str) == name));
                    match name {
                        Some(name) if known => {
                            for (k, v) in item.get_ref().entries().unwrap_or(&[]) {
                                if k != "name" {
                                    set(
                                        vec![key.clone(), name.to_owned(), k.clone()],
                                        v,
                                        format!("{key}[{i}].{k}"),
                                        table,
                                        &mut settings,
                                    )?;
                                }
                            }
                        }
                        _ => {
                            let array = table.get_mut(key).and_then(Value::as_array_mut).expect("an array");
                            array.push(item.get_ref().to_value());
                            let index = array.len() - 1;
                            settings.push(Setting {
                                path: format!("{key}.{index}"),
                                value: item.get_ref().to_value(),
                                field: format!("{key}[{index}]"),
                                location: source.location(item.span()),
                                label: format!("{key}[{i}]"),
                            });
                        }
                    }
                }
            }
            _ => set(vec![key.clone()], node, key.clone(), table, &mut settings)?,
        }
    }
    Ok(settings)
}

/// Sets the field at `path` of `table` to `value`; returns the field as errors name it
/// (`contact_types[2].patience.mean`), or why the path does not lead to a field.
fn apply(table: &mut Table, path: &[&str], value: Value) -> Result<String, String> {
    if path.is_empty() || path.iter().any(|s| s.is_empty()) {
        return Err("a path is field names joined by dots, e.g. \"contact_types.billing.patience.mean\"".into());
    }
    let mut field = String::new();
    let mut current = table;
    let mut i = 0;
    loop {
        let key = path[i];
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(key);
        if i + 1 == path.len() {
            current.insert(key.to_owned(), value);
            return Ok(field);
        }
        let entry = current
            .entry(key.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                current = t;
                i += 1;
            }
            Value::Array(items) => {
                let pick = path[i + 1];
                let index = select(items, pick).ok_or_else(|| {
                    let names: Vec<String> = items
                        .iter()
                        .filter_map(|e| e.get("name").and_then(Value::as_str))
                        .map(|n| format!("\"{n}\""))
                        .collect();
                    let known = if names.is_empty() {
                        format!("it has {} element(s): give an index from 0", items.len())
                    } else {
                        format!("its elements: {}", names.join(", "))
                    };
                    format!("{field} has no element \"{pick}\" ({known})")
                })?;
                field.push_str(&format!("[{index}]"));
                if i + 2 == path.len() {
                    items[index] = value;
                    return Ok(field);
                }
                match &mut items[index] {
                    Value::Table(t) => {
                        current = t;
                        i += 2;
                    }
                    _ => return Err(format!("{field} is a single value: the path cannot go on past it")),
                }
            }
            _ => return Err(format!("{field} is a single value: the path cannot go on past it")),
        }
    }
}

/// The element of `items` named `pick`, or at index `pick`.
fn select(items: &[Value], pick: &str) -> Option<usize> {
    items
        .iter()
        .position(|e| e.get("name").and_then(Value::as_str) == Some(pick))
        .or_else(|| pick.parse::<usize>().ok().filter(|i| *i < items.len()))
}

/// Rewrites an error found in a merged scenario to point at the setting that caused it: the
/// one whose field is the error's field or holds it, else the first.
fn attribute(err: ScenarioError, settings: &[Setting], context: &str) -> ScenarioError {
    let ScenarioError::Invalid {
        field,
        message,
        location,
    } = err
    else {
        return err;
    };
    let within = |outer: &str, inner: &str| {
        inner == outer || inner.starts_with(&format!("{outer}.")) || inner.starts_with(&format!("{outer}["))
    };
    let best = settings
        .iter()
        .filter(|s| within(&s.field, &field))
        .max_by_key(|s| s.field.len())
        .or_else(|| settings.iter().find(|s| within(&field, &s.field)))
        .or(settings.first());
    match best {
        Some(s) => ScenarioError::Invalid {
            location: s.location.clone(),
            field: s.label.clone(),
            message: format!(
                "{context}{}{message}",
                if field.is_empty() {
                    String::new()
                } else {
                    format!("{field}: ")
                }
            ),
        },
        None => ScenarioError::Invalid {
            location,
            field,
            message,
        },
    }
}

/// Reads `[[variants]]` and `[[sweeps]]` of `root` and compiles every variant.
fn variants_of(
    source: &Source<'_>,
    root: &Node,
    merged: &Merged,
    stem: &str,
    base_dir: &Path,
) -> Result<Vec<Variant>, ScenarioError> {
    let mut specs: Vec<(String, Option<String>, Vec<Setting>, Location)> = Vec::new();
    let taken = |name: &str,
                 span: std::ops::Range<usize>,
                 field: &str,
                 specs: &[(String, Option<String>, Vec<Setting>, Location)]| {
        if name == BASELINE {
            return Err(source.err(
                span,
                field,
                format!("\"{BASELINE}\" names the scenario itself; choose another name"),
            ));
        }
        if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(source.err(
                span,
                field,
                format!("a variant needs a name of 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        if let Some(other) = specs.iter().find(|s| s.0 == name || slug(&s.0) == slug(name)) {
            return Err(source.err(
                span,
                field,
                format!(
                    "the variant name \"{name}\" is already taken by \"{}\" (as a folder name); choose another",
                    other.0
                ),
            ));
        }
        Ok(())
    };
    if let Some(list) = root.get("variants") {
        let Node::Array(items) = list.get_ref() else {
            return Err(source.err(
                list.span(),
                "variants",
                "expected [[variants]] tables, each with a name and a set = { ... } table",
            ));
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("variants[{i}]");
            let Some(entries) = item.get_ref().entries() else {
                return Err(source.err(item.span(), at, "expected a table with name and set"));
            };
            if let Some((k, v)) = entries
                .iter()
                .find(|(k, _)| !matches!(k.as_str(), "name" | "description" | "set"))
            {
                return Err(source.err(
                    v.span(),
                    format!("{at}.{k}"),
                    "unknown field; a variant has name, description and set",
                ));
            }
            let name_node = item
                .get_ref()
                .get("name")
                .ok_or_else(|| source.err(item.span(), &at, "missing field `name`; add name = \"...\""))?;
            let name = name_node
                .get_ref()
                .as_str()
                .ok_or_else(|| source.err(name_node.span(), format!("{at}.name"), "expected a string"))?
                .to_owned();
            taken(&name, name_node.span(), &format!("{at}.name"), &specs)?;
            let description = item
                .get_ref()
                .get("description")
                .and_then(|d| d.get_ref().as_str())
                .map(str::to_owned);
            let mut settings = Vec::new();
            if let Some(set) = item.get_ref().get("set") {
                let Some(fields) = set.get_ref().entries() else {
                    return Err(source.err(
                        set.span(),
                        format!("{at}.set"),
                        "expected a table of \"path\" = value, e.g. set = { \"agent_groups.voice.headcount\" = 30 }",
                    ));
                };
                for (path, value) in fields {
                    settings.push(Setting {
                        path: path.clone(),
                        value: value.get_ref().to_value(),
                        field: String::new(),
                        location: source.location(value.span()),
                        label: format!("{at}.set.\"{path}\""),
                    });
                }
            }
            specs.push((name, description, settings, source.location(name_node.span())));
        }
    }
    if let Some(list) = root.get("sweeps") {
        let Node::Array(items) = list.get_ref() else {
            return Err(source.err(
                list.span(),
                "sweeps",
                "expected [[sweeps]] tables, each with an over = { \"path\" = [values] } table",
            ));
        };
        for (i, item) in items.iter().enumerate() {
            for (name, settings, location) in sweep_points(source, i, item)? {
                let span = item.span();
                taken(&name, span, &format!("sweeps[{i}]"), &specs)?;
                specs.push((name, None, settings, location));
            }
        }
    }
    if specs.len() > MAX_VARIANTS {
        return Err(source.err(
            root.get("sweeps").or(root.get("variants")).map_or(0..0, Spanned::span),
            "variants",
            format!(
                "{} variants; at most {MAX_VARIANTS} are run at once (split the sweep)",
                specs.len()
            ),
        ));
    }
    let mut variants = Vec::with_capacity(specs.len());
    for (name, description, mut settings, _) in specs {
        let mut table = merged.table.clone();
        for s in &mut settings {
            let segs: Vec<&str> = s.path.split('.').collect();
            s.field = apply(&mut table, &segs, s.value.clone()).map_err(|m| ScenarioError::Invalid {
                location: s.location.clone(),
                field: s.label.clone(),
                message: format!("variant \"{name}\": {m}"),
            })?;
        }
        let mut scenario = compile_merged(merged, table, source.label, stem, base_dir)
            .map_err(|e| attribute(e, &settings, &format!("variant \"{name}\": ")))?;
        for w in &mut scenario.warnings {
            w.message = format!("variant \"{name}\": {}", w.message);
        }
        variants.push(Variant {
            name,
            description,
            settings,
            scenario,
        });
    }
    Ok(variants)
}

/// One axis of a sweep: its path, its label in messages, where it is written, and its values
/// each with its label in variant names.
type Axis = (String, String, Location, Vec<(Value, String)>);

/// The points of sweep `i`: each a name and its settings.
fn sweep_points(
    source: &Source<'_>,
    i: usize,
    item: &Spanned<Node>,
) -> Result<Vec<(String, Vec<Setting>, Location)>, ScenarioError> {
    let at = format!("sweeps[{i}]");
    let Some(entries) = item.get_ref().entries() else {
        return Err(source.err(item.span(), at, "expected a table with over = { \"path\" = [values] }"));
    };
    if let Some((k, v)) = entries
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "name" | "zip" | "over"))
    {
        return Err(source.err(
            v.span(),
            format!("{at}.{k}"),
            "unknown field; a sweep has name, zip and over",
        ));
    }
    let prefix = match item.get_ref().get("name") {
        Some(n) => match n.get_ref().as_str() {
            Some(s) => format!("{s}: "),
            None => return Err(source.err(n.span(), format!("{at}.name"), "expected a string")),
        },
        None => String::new(),
    };
    let zip =
        match item.get_ref().get("zip") {
            None => false,
            Some(z) => match z.get_ref() {
                Node::Leaf(Value::Boolean(b)) => *b,
                _ => return Err(source.err(
                    z.span(),
                    format!("{at}.zip"),
                    "expected true (the lists go together, point by point) or false (every combination, the default)",
                )),
            },
        };
    let over = item.get_ref().get("over").ok_or_else(|| {
        source.err(
            item.span(),
            &at,
            "missing field `over`; add over = { \"agent_groups.voice.headcount\" = [30, 32, 34] }",
        )
    })?;
    let Some(axes_nodes) = over.get_ref().entries().filter(|e| !e.is_empty()) else {
        return Err(source.err(
            over.span(),
            format!("{at}.over"),
            "expected a table of \"path\" = [values] or { from, to, step }, with at least one path",
        ));
    };
    // Each axis: its path, label, and values with their labels.
    let mut axes: Vec<Axis> = Vec::new();
    for (path, node) in axes_nodes {
        let label = format!("{at}.over.\"{path}\"");
        let values = axis_values(node.get_ref()).map_err(|m| source.err(node.span(), &label, m))?;
        axes.push((path.clone(), label, source.location(node.span()), values));
    }
    let names = short_names(&axes.iter().map(|a| a.0.as_str()).collect::<Vec<_>>());
    let combos: Vec<Vec<usize>> = if zip {
        let n = axes[0].3.len();
        if let Some((path, ..)) = axes.iter().find(|a| a.3.len() != n) {
            let node = &axes_nodes.iter().find(|(p, _)| p == path).expect("an axis").1;
            return Err(source.err(
                node.span(),
                format!("{at}.over.\"{path}\""),
                format!("with zip = true every list has the same length; the first has {n} values"),
            ));
        }
        (0..n).map(|k| vec![k; axes.len()]).collect()
    } else {
        let total = axes.iter().try_fold(1usize, |acc, a| acc.checked_mul(a.3.len()));
        if total.is_none_or(|t| t > MAX_VARIANTS) {
            return Err(source.err(
                over.span(),
                format!("{at}.over"),
                format!(
                    "the grid has more than {MAX_VARIANTS} points; at most {MAX_VARIANTS} variants are run at once"
                ),
            ));
        }
        let mut combos = vec![Vec::new()];
        for a in &axes {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    (0..a.3.len()).map(move |k| {
                        let mut c = c.clone();
                        c.push(k);
                        c
                    })
                })
                .collect();
        }
        combos
    };
    Ok(combos
        .into_iter()
        .map(|combo| {
            let mut parts = Vec::new();
            let mut settings = Vec::new();
            for ((a, k), short) in axes.iter().zip(&combo).zip(&names) {
                let (value, shown) = &a.3[*k];
                parts.push(format!("{short}={shown}"));
                settings.push(Setting {
                    path: a.0.clone(),
                    value: value.clone(),
                    field: String::new(),
                    location: a.2.clone(),
                    label: a.1.clone(),
                });
            }
            (format!("{prefix}{}", parts.join(", ")), settings, axes[0].2.clone())
        })
        .collect())
}

/// An axis of a sweep: a list of values, or `{ from, to, step }` (numbers, or durations such
/// as "2m"), each with its label.
fn axis_values(node: &Node) -> Result<Vec<(Value, String)>, String> {
    match node {
        Node::Array(items) if !items.is_empty() => Ok(items
            .iter()
            .map(|i| {
                let v = i.get_ref().to_value();
                let shown = show(&v);
                (v, shown)
            })
            .collect()),
        Node::Table(_) => {
            let get = |k: &str| node.get(k).map(|n| n.get_ref().to_value());
            let (Some(from), Some(to), Some(step)) = (get("from"), get("to"), get("step")) else {
                return Err("a range needs from, to and step, e.g. { from = 30, to = 40, step = 2 }".into());
            };
            if let Some((k, _)) = node
                .entries()
                .unwrap_or(&[])
                .iter()
                .find(|(k, _)| !matches!(k.as_str(), "from" | "to" | "step"))
            {
                return Err(format!("unknown field `{k}` in a range; it has from, to and step"));
            }
            let durations = [&from, &to, &step].iter().any(|v| v.is_str());
            let number = |v: &Value| -> Result<f64, String> {
                match v {
                    Value::Integer(i) => Ok(*i as f64),
                    Value::Float(f) => Ok(*f),
                    Value::String(s) => parse_duration(s),
                    _ => Err("from, to and step are numbers or durations such as \"2m\"".into()),
                }
            };
            let (a, b, s) = (number(&from)?, number(&to)?, number(&step)?);
            if !(s > 0.0 && s.is_finite() && a.is_finite() && b.is_finite() && a <= b) {
                return Err(format!(
                    "a range runs from `from` up to `to` ≥ from in steps > 0; got from {a}, to {b}, step {s}"
                ));
            }
            let n = ((b - a) / s + 1e-9).floor() as usize + 1;
            if n > MAX_VARIANTS {
                return Err(format!(
                    "the range has {n} points; at most {MAX_VARIANTS} variants are run at once"
                ));
            }
            let integers = !durations && [&from, &to, &step].iter().all(|v| v.is_integer());
            Ok((0..n)
                .map(|k| {
                    let x = a + k as f64 * s;
                    if integers {
                        let v = x.round() as i64;
                        (Value::Integer(v), v.to_string())
                    } else if durations {
                        (Value::Float(x), Human(x).to_string())
                    } else {
                        (Value::Float(x), format!("{}", (x * 1e9).round() / 1e9))
                    }
                })
                .collect())
        }
        _ => Err("expected a list of values [a, b, ...] or a range { from, to, step }".into()),
    }
}

/// A value as shown in a variant's name: strings without quotes.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The shortest ends of `paths` (whole dotted parts) that tell them apart.
fn short_names(paths: &[&str]) -> Vec<String> {
    let parts: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
    let tail = |p: &[&str], k: usize| p[p.len().saturating_sub(k)..].join(".");
    (0..paths.len())
        .map(|i| {
            let mut k = 1;
            while k < parts[i].len() && (0..paths.len()).any(|j| j != i && tail(&parts[j], k) == tail(&parts[i], k)) {
                k += 1;
            }
            tail(&parts[i], k)
        })
        .collect()
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.path, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(src: &str) -> Table {
        src.parse().unwrap()
    }

    #[test]
    fn a_path_names_array_elements_by_name_or_index() {
        let mut t =
            table("[[contact_types]]\nname = \"a\"\n[[contact_types]]\nname = \"b\"\npatience = { mean = \"5m\" }\n");
        let field = apply(
            &mut t,
            &["contact_types", "b", "patience", "mean"],
            Value::String("3m".into()),
        )
        .unwrap();
        assert_eq!(field, "contact_types[1].patience.mean");
        assert_eq!(t["contact_types"][1]["patience"]["mean"].as_str(), Some("3m"));
        let field = apply(&mut t, &["contact_types", "0", "sl"], Value::Integer(20)).unwrap();
        assert_eq!(field, "contact_types[0].sl");
        let err = apply(&mut t, &["contact_types", "c", "x"], Value::Integer(1)).unwrap_err();
        assert!(
            err.contains("no element \"c\"") && err.contains("\"a\", \"b\""),
            "{err}"
        );
        let err = apply(&mut t, &["contact_types", "a", "name", "x"], Value::Integer(1)).unwrap_err();
        assert!(err.contains("single value"), "{err}");
    }

    #[test]
    fn ranges_give_integers_numbers_or_durations() {
        let n = |s: &str| {
            toml::from_str::<Node>(&format!("x = {s}"))
                .unwrap()
                .get("x")
                .unwrap()
                .get_ref()
                .clone()
        };
        let v = axis_values(&n("{ from = 30, to = 36, step = 2 }")).unwrap();
        assert_eq!(
            v.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
            ["30", "32", "34", "36"]
        );
        let v = axis_values(&n("{ from = \"2m\", to = \"3m\", step = \"30s\" }")).unwrap();
        assert_eq!(
            v.iter().map(|x| x.0.as_float().unwrap()).collect::<Vec<_>>(),
            [120.0, 150.0, 180.0]
        );
        let v = axis_values(&n("{ from = 0.1, to = 0.3, step = 0.1 }")).unwrap();
        assert_eq!(
            v.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
            ["0.1", "0.2", "0.3"]
        );
        assert!(axis_values(&n("{ from = 3, to = 1, step = 1 }")).is_err());
    }

    #[test]
    fn sweep_names_use_the_shortest_distinct_ends_of_paths() {
        assert_eq!(
            short_names(&[
                "agent_groups.voice.headcount",
                "agent_groups.chat.headcount",
                "a.patience.mean"
            ]),
            ["voice.headcount", "chat.headcount", "mean"]
        );
    }
}
