//! Per-call logs read into one form, [`Log`]: the bank's native tab-separated files, the
//! generic CSV schema and cxsim's own `contacts.csv`, recognised by their header.
//!
//! A row that cannot be used is counted under its kind ([`BadRows`]) and skipped; only a file
//! that cannot be used at all (unreadable, no known header, a required column missing, not
//! one usable row) is an error, naming the file, line and field and what would be valid.
//! Types and agents are named in sorted order, so the same files give the same [`Log`].

use super::clock::{self, DAY, Stamp};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An agent answered it (served to `end`).
    Served,
    /// The caller hung up while waiting for an agent.
    Abandoned,
    /// It ended in the IVR or self-service, never asking for an agent.
    Ivr,
    /// It asked for an agent and left unanswered for another reason (blocked, cleared at
    /// closing, left a message, still waiting when the log ends): a censored wait if queued.
    Unanswered,
}

/// One call. Times are seconds since 00:00 of the log's day 0 (see [`super::clock`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    /// Index into [`Log::types`].
    pub ty: u32,
    /// Arrival in the system (the IVR included).
    pub arrival: f64,
    /// When it asked for an agent (queue entry, or the answer if it never waited); `None` if it
    /// ended in the IVR.
    pub queue: Option<f64>,
    /// It waited in the queue (no agent took it at once).
    pub queued: bool,
    /// When an agent answered; `None` if none did.
    pub answer: Option<f64>,
    /// End of the service, or when the caller left; `>= answer`, `>= queue`.
    pub end: f64,
    /// Index into [`Log::agents`] of the agent who answered, if known.
    pub agent: Option<u32>,
    pub outcome: Outcome,
}

impl Call {
    /// The time waited for an agent, seconds (queued calls): until the answer, or until the
    /// caller left.
    pub fn wait(&self) -> Option<f64> {
        let q = self.queue.filter(|_| self.queued)?;
        Some((self.answer.unwrap_or(self.end) - q).max(0.0))
    }
}

/// A contact type of the log with its priority: calls of one name and two priorities are
/// calibrated as two types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeKey {
    pub name: String,
    /// 0 for regular calls; the bank's high-priority callers are 1; the generic schema's and
    /// contacts.csv's `priority` as given.
    pub priority: i64,
}

/// The format of a log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Anonymous Bank's tab-separated files (17 fields, `YYMMDD`, `H:MM:SS`).
    Bank,
    /// The generic CSV schema (docs/calibration.md).
    Generic,
    /// cxsim's `contacts.csv` (`cxsim run --records contacts`).
    Contacts,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Bank => "bank",
            Format::Generic => "generic",
            Format::Contacts => "contacts",
        }
    }
}

/// Rows skipped, by kind: `kind → (count, first line met)`.
pub type BadRows = BTreeMap<&'static str, (u64, usize)>;

/// What one file gave.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub path: PathBuf,
    pub format: Format,
    /// Data rows (the header and blank lines not counted).
    pub rows: u64,
    /// Rows read into calls.
    pub used: u64,
    /// Rows skipped, by kind (phantom calls of the bank among them).
    pub skipped: BadRows,
}

/// Calls of one or more files.
#[derive(Debug, Clone, Default)]
pub struct Log {
    pub types: Vec<TypeKey>,
    pub agents: Vec<String>,
    pub calls: Vec<Call>,
    pub files: Vec<FileSummary>,
    /// Days are calendar days (from 1970-01-01) rather than days from an undated t = 0.
    pub dated: bool,
    /// The bank's priority rule (high priority = 1.5 minutes of queue credit) applies.
    pub bank_priority: bool,
}

impl Log {
    /// Weekday (0 = Monday) of day 0.
    pub fn day0_weekday(&self) -> i64 {
        if self.dated { 3 } else { 0 }
    }

    /// Each agent's served calls, as indices into [`Log::calls`], in the order the agent
    /// answered them (ties in the order of the log); one list per entry of [`Log::agents`],
    /// none when the log names no agents.
    pub fn calls_by_agent(&self) -> Vec<Vec<usize>> {
        let mut by_agent: Vec<Vec<usize>> = vec![Vec::new(); self.agents.len()];
        for (k, c) in self.calls.iter().enumerate() {
            if let (Some(a), Outcome::Served, Some(_)) = (c.agent, c.outcome, c.answer) {
                by_agent[a as usize].push(k);
            }
        }
        let answer = |k: usize| self.calls[k].answer.unwrap_or(0.0);
        for calls in &mut by_agent {
            calls.sort_by(|a, b| answer(*a).total_cmp(&answer(*b)).then(a.cmp(b)));
        }
        by_agent
    }
}

/// A log that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    #[error("{}: cannot read the call log: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{file}:{line}: {field}: {message}")]
    Unusable {
        file: String,
        line: usize,
        field: String,
        message: String,
    },
}

/// The header of each format, for error messages.
const KNOWN_HEADERS: &str = "expected the bank's tab-separated header (vru+line, call_id, customer_id, priority, type, \
     date, vru_entry, …, server), the generic CSV columns (arrival, queue_entry, answer, end, outcome, type, \
     agent, priority; see docs/calibration.md) or cxsim's contacts.csv (cxsim run --records contacts)";

/// Accumulates calls of several files, interning names.
#[derive(Default)]
pub struct Reader {
    types: BTreeMap<TypeKey, u32>,
    agents: BTreeMap<String, u32>,
    calls: Vec<Call>,
    files: Vec<FileSummary>,
    dated: Option<bool>,
    bank: bool,
}

/// A call as a reader builds it, with its names not yet interned.
struct Row<'a> {
    ty: TypeKey,
    agent: Option<std::borrow::Cow<'a, str>>,
    call: Call,
}

impl Reader {
    /// Reads `path` in `format` (recognised from its header when `None`) and adds its calls.
    pub fn read(&mut self, path: &Path, format: Option<Format>) -> Result<(), LogError> {
        let bytes = crate::scenario::read_input(path).map_err(|source| LogError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let label = path.display().to_string();
        let unusable = |line: usize, field: &str, message: String| LogError::Unusable {
            file: label.clone(),
            line,
            field: field.to_owned(),
            message,
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            unusable(line, "text", "the file is not UTF-8 text".into())
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let header = text.lines().next().unwrap_or("").trim_end_matches('\r');
        let detected = detect(header);
        let format = match (format, detected) {
            (Some(f), _) => f,
            (None, Some(f)) => f,
            (None, None) => {
                return Err(unusable(1, "header", format!("not a known call log: {KNOWN_HEADERS}")));
            }
        };
        let mut summary = FileSummary {
            path: path.to_path_buf(),
            format,
            rows: 0,
            used: 0,
            skipped: BadRows::new(),
        };
        let mut rows = Vec::new();
        let dated = match format {
            Format::Bank => {
                if detected != Some(Format::Bank) {
                    return Err(unusable(1, "header", format!("not the bank's header: {KNOWN_HEADERS}")));
                }
                read_bank(text, &mut summary, &mut rows);
                self.bank = true;
                true
            }
            Format::Generic | Format::Contacts => {
                let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
                let headers = csv
                    .headers()
                    .map_err(|e| unusable(1, "header", format!("cannot read the CSV header: {e}")))?
                    .clone();
                let columns: Vec<String> = headers.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
                if format == Format::Contacts {
                    read_contacts(&mut csv, &columns, &mut summary, &mut rows).map_err(|m| unusable(1, "header", m))?;
                    false
                } else {
                    read_generic(&mut csv, &columns, &mut summary, &mut rows)
                        .map_err(|(line, field, m)| unusable(line, &field, m))?
                }
            }
        };
        if rows.is_empty() {
            let kinds: Vec<String> = summary
                .skipped
                .iter()
                .map(|(k, (n, line))| format!("{n} {k} (first at line {line})"))
                .collect();
            let why = if kinds.is_empty() {
                "it has no data rows".to_owned()
            } else {
                format!("every row was skipped: {}", kinds.join(", "))
            };
            return Err(unusable(2, "rows", format!("no usable call: {why}")));
        }
        match self.dated {
            Some(d) if d != dated => {
                return Err(unusable(
                    2,
                    "arrival",
                    "this log's times are dated and the earlier files' are plain seconds, or the other way round: \
                     give files of one kind together"
                        .into(),
                ));
            }
            _ => self.dated = Some(dated),
        }
        summary.used = rows.len() as u64;
        for row in rows {
            let n = self.types.len() as u32;
            let mut call = row.call;
            call.ty = *self.types.entry(row.ty).or_insert(n);
            call.agent = row.agent.map(|a| {
                let n = self.agents.len() as u32;
                *self.agents.entry(a.into_owned()).or_insert(n)
            });
            self.calls.push(call);
        }
        self.files.push(summary);
        Ok(())
    }

    /// The log, its types and agents renumbered in sorted order and its calls sorted by
    /// arrival (ties by the order read).
    pub fn finish(self) -> Log {
        let type_map = renumber(&self.types);
        let agent_map = renumber(&self.agents);
        let mut calls = self.calls;
        for c in &mut calls {
            c.ty = type_map[c.ty as usize];
            c.agent = c.agent.map(|a| agent_map[a as usize]);
        }
        calls.sort_by(|a, b| a.arrival.total_cmp(&b.arrival));
        Log {
            types: self.types.into_keys().collect(),
            agents: self.agents.into_keys().collect(),
            calls,
            files: self.files,
            dated: self.dated.unwrap_or(false),
            bank_priority: self.bank,
        }
    }
}

/// Old id → sorted position, for a map from names to ids in order of first appearance.
fn renumber<K>(map: &BTreeMap<K, u32>) -> Vec<u32> {
    let mut out = vec![0; map.len()];
    for (sorted, id) in map.values().enumerate() {
        out[*id as usize] = sorted as u32;
    }
    out
}

/// The format a header line announces, if any.
pub fn detect(header: &str) -> Option<Format> {
    let lower = header.to_ascii_lowercase();
    let words: Vec<&str> = lower.split([',', '\t', ' ']).map(str::trim).collect();
    let has = |w: &str| words.contains(&w);
    if has("vru+line") && has("q_start") && has("ser_start") {
        Some(Format::Bank)
    } else if has("replication") && has("arrival_s") && has("answered_s") {
        Some(Format::Contacts)
    } else if has("arrival") && has("outcome") {
        Some(Format::Generic)
    } else {
        None
    }
}

fn skip(summary: &mut FileSummary, kind: &'static str, line: usize) {
    let e = summary.skipped.entry(kind).or_insert((0, line));
    e.0 += 1;
}

/// The bank's type codes (SOURCE.md); others (a stray `AA`) are skipped.
const BANK_TYPES: [&str; 6] = ["IN", "NE", "NW", "PE", "PS", "TT"];

/// The bank's files: 17 fields split on any run of whitespace (two October rows have spaces
/// instead of a tab), `0:00:00` for an absent time, PHANTOM rows skipped.
fn read_bank<'a>(text: &'a str, summary: &mut FileSummary, rows: &mut Vec<Row<'a>>) {
    for (i, raw) in text.lines().enumerate().skip(1) {
        let line = i + 1;
        let f: Vec<&str> = raw.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        summary.rows += 1;
        if f.len() != 17 {
            skip(summary, "wrong number of fields", line);
            continue;
        }
        let outcome = f[12];
        if outcome == "PHANTOM" {
            skip(summary, "phantom call", line);
            continue;
        }
        if outcome != "AGENT" && outcome != "HANG" {
            skip(summary, "unknown outcome", line);
            continue;
        }
        if !BANK_TYPES.contains(&f[4]) {
            skip(summary, "unknown type code", line);
            continue;
        }
        let priority = match f[3] {
            "0" | "1" => 0,
            "2" => 1,
            _ => {
                skip(summary, "bad priority", line);
                continue;
            }
        };
        let Some(day) = clock::parse_yymmdd(f[5]) else {
            skip(summary, "bad date", line);
            continue;
        };
        let times: Option<Vec<f64>> = [6, 7, 9, 10, 13, 14]
            .iter()
            .map(|&k| clock::parse_clock(f[k]))
            .collect();
        let Some(t) = times else {
            skip(summary, "bad timestamp", line);
            continue;
        };
        let base = day as f64 * DAY;
        let entry = base + t[0];
        // A later time of day more than 12 hours before the entry is on the next day.
        let at = |tod: f64| {
            let x = base + tod;
            if x < entry - DAY / 2.0 { x + DAY } else { x }
        };
        let present = |k: usize| f[k] != "0:00:00";
        let queued = present(9);
        let served = present(13);
        let agent = (f[16] != "NO_SERVER").then_some(std::borrow::Cow::Borrowed(f[16]));
        let call = if served {
            let answer = at(t[4]);
            let end = at(t[5]);
            if end < answer {
                skip(summary, "end before start", line);
                continue;
            }
            let queue = if queued { at(t[2]).min(answer) } else { answer };
            Call {
                ty: 0,
                arrival: entry,
                queue: Some(queue),
                queued,
                answer: Some(answer),
                end,
                agent: None,
                outcome: Outcome::Served,
            }
        } else if outcome == "AGENT" {
            skip(summary, "missing field", line);
            continue;
        } else if queued {
            let (queue, end) = (at(t[2]), at(t[3]));
            if end < queue {
                skip(summary, "end before start", line);
                continue;
            }
            Call {
                ty: 0,
                arrival: entry,
                queue: Some(queue),
                queued: true,
                answer: None,
                end,
                agent: None,
                outcome: Outcome::Abandoned,
            }
        } else {
            let end = if present(7) { at(t[1]) } else { entry };
            if end < entry {
                skip(summary, "end before start", line);
                continue;
            }
            Call {
                ty: 0,
                arrival: entry,
                queue: None,
                queued: false,
                answer: None,
                end,
                agent: None,
                outcome: Outcome::Ivr,
            }
        };
        rows.push(Row {
            ty: TypeKey {
                name: f[4].to_owned(),
                priority,
            },
            agent,
            call,
        });
    }
}

/// Column positions by name; `Err` names the first missing required column.
fn positions(columns: &[String], required: &[&str], optional: &[&str]) -> Result<BTreeMap<String, usize>, String> {
    let mut out = BTreeMap::new();
    for name in required.iter().chain(optional) {
        if let Some(i) = columns.iter().position(|c| c == name) {
            out.insert((*name).to_owned(), i);
        }
    }
    if let Some(missing) = required.iter().find(|n| !out.contains_key(**n)) {
        return Err(format!(
            "missing required column \"{missing}\" (required: {}; optional: {}; found: {})",
            required.join(", "),
            optional.join(", "),
            columns.join(", ")
        ));
    }
    Ok(out)
}

/// The generic schema's required and optional columns.
pub const GENERIC_REQUIRED: [&str; 4] = ["arrival", "answer", "end", "outcome"];
pub const GENERIC_OPTIONAL: [&str; 4] = ["queue_entry", "type", "agent", "priority"];

/// Generic outcomes: `(word, outcome)`, lower case.
pub const GENERIC_OUTCOMES: [(&str, &str); 4] = [
    ("answered", "served by an agent (also: served, agent, handled)"),
    (
        "abandoned",
        "hung up waiting for an agent (also: hang, hangup); with no queue_entry, in the IVR",
    ),
    (
        "ivr",
        "ended in the IVR or self-service (also: contained, self_service)",
    ),
    (
        "other",
        "asked for an agent and left unanswered otherwise (also: blocked, cleared, message, unanswered)",
    ),
];

fn generic_outcome(word: &str) -> Option<&'static str> {
    match word.trim().to_ascii_lowercase().as_str() {
        "answered" | "served" | "agent" | "handled" => Some("answered"),
        "abandoned" | "hang" | "hangup" => Some("abandoned"),
        "ivr" | "contained" | "self_service" => Some("ivr"),
        "other" | "blocked" | "cleared" | "message" | "unanswered" => Some("other"),
        _ => None,
    }
}

/// Reads the next row of `csv` into `record` and returns its line, or `None` at the end; a row
/// the CSV reader cannot read is counted and skipped.
fn next_record(
    csv: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
    summary: &mut FileSummary,
) -> Option<usize> {
    loop {
        let line = csv.position().line() as usize;
        match csv.read_record(record) {
            Ok(true) => return Some(line),
            Ok(false) => return None,
            Err(_) => {
                summary.rows += 1;
                skip(summary, "unreadable CSV row", line);
            }
        }
    }
}

/// The generic CSV schema (docs/calibration.md). Returns whether its times are dated.
fn read_generic<'a>(
    csv: &mut csv::Reader<&[u8]>,
    columns: &[String],
    summary: &mut FileSummary,
    rows: &mut Vec<Row<'a>>,
) -> Result<bool, (usize, String, String)> {
    let at = positions(columns, &GENERIC_REQUIRED, &GENERIC_OPTIONAL).map_err(|m| (1, "header".to_owned(), m))?;
    let mut dated: Option<bool> = None;
    let mut record = csv::StringRecord::new();
    while let Some(line) = next_record(csv, &mut record, summary) {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        summary.rows += 1;
        let cell = |name: &str| {
            at.get(name)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        let Some(outcome) = cell("outcome") else {
            skip(summary, "missing field", line);
            continue;
        };
        let Some(outcome) = generic_outcome(outcome) else {
            skip(summary, "unknown outcome", line);
            continue;
        };
        let mut bad_stamp = false;
        let mut time = |name: &str| -> Option<f64> {
            let s = clock::parse_stamp(cell(name)?);
            let (v, d) = match s {
                Some(Stamp::Dated(v)) => (v, true),
                Some(Stamp::Seconds(v)) => (v, false),
                None => {
                    bad_stamp = true;
                    return None;
                }
            };
            if *dated.get_or_insert(d) != d {
                bad_stamp = true;
                return None;
            }
            Some(v)
        };
        let (arrival, queue, answer, end) = (time("arrival"), time("queue_entry"), time("answer"), time("end"));
        if bad_stamp {
            skip(summary, "bad timestamp", line);
            continue;
        }
        let (Some(arrival), Some(end)) = (arrival, end) else {
            skip(summary, "missing field", line);
            continue;
        };
        let priority = match cell("priority").map(|p| p.parse::<i64>()) {
            None => 0,
            Some(Ok(p)) if (0..=1000).contains(&p) => p,
            Some(_) => {
                skip(summary, "bad priority", line);
                continue;
            }
        };
        let (call_outcome, queue, queued) = match (outcome, queue, answer) {
            ("answered", _, None) => {
                skip(summary, "missing field", line);
                continue;
            }
            ("answered", q, Some(a)) => (Outcome::Served, Some(q.unwrap_or(a).min(a)), q.is_some_and(|q| q < a)),
            ("ivr", _, _) => (Outcome::Ivr, None, false),
            ("abandoned", None, _) if at.contains_key("queue_entry") => (Outcome::Ivr, None, false),
            ("abandoned", q, _) => (Outcome::Abandoned, Some(q.unwrap_or(arrival)), true),
            (_, q, _) => (Outcome::Unanswered, Some(q.unwrap_or(arrival)), true),
        };
        let answer = answer.filter(|_| call_outcome == Outcome::Served);
        let start = answer.or(queue).unwrap_or(arrival);
        if end < start || queue.is_some_and(|q| q < arrival) {
            skip(summary, "end before start", line);
            continue;
        }
        rows.push(Row {
            ty: TypeKey {
                name: cell("type").unwrap_or("calls").to_owned(),
                priority,
            },
            agent: cell("agent")
                .filter(|_| answer.is_some())
                .map(|a| std::borrow::Cow::Owned(a.to_owned())),
            call: Call {
                ty: 0,
                arrival,
                queue,
                queued,
                answer,
                end,
                agent: None,
                outcome: call_outcome,
            },
        });
    }
    Ok(dated.unwrap_or(false))
}

/// cxsim's contacts.csv: replications are laid end to end, each starting on a Monday a whole
/// number of weeks after the previous one's last end, and its agents are told apart.
fn read_contacts<'a>(
    csv: &mut csv::Reader<&[u8]>,
    columns: &[String],
    summary: &mut FileSummary,
    rows: &mut Vec<Row<'a>>,
) -> Result<(), String> {
    const REQUIRED: [&str; 8] = [
        "replication",
        "type",
        "arrival_s",
        "queued",
        "answered_s",
        "end_s",
        "outcome",
        "agent",
    ];
    let at = positions(columns, &REQUIRED, &["priority"])?;
    let mut by_rep: Vec<(u64, Row<'a>)> = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Some(line) = next_record(csv, &mut record, summary) {
        summary.rows += 1;
        let cell = |name: &str| {
            at.get(name)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        let num = |name: &str| cell(name).map(|c| c.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0));
        let (Some(rep), Some(ty), Some(outcome)) = (cell("replication"), cell("type"), cell("outcome")) else {
            skip(summary, "missing field", line);
            continue;
        };
        let Ok(rep) = rep.parse::<u64>() else {
            skip(summary, "missing field", line);
            continue;
        };
        let (Some(Some(arrival)), Some(Some(end))) = (num("arrival_s"), num("end_s")) else {
            skip(summary, "bad timestamp", line);
            continue;
        };
        let answer = match num("answered_s") {
            None => None,
            Some(Some(a)) => Some(a),
            Some(None) => {
                skip(summary, "bad timestamp", line);
                continue;
            }
        };
        let queued = cell("queued") == Some("true");
        let kind = match (outcome, answer) {
            ("answered" | "transferred", Some(_)) => Outcome::Served,
            ("in_system_at_end", Some(_)) => {
                skip(summary, "service still under way at the end", line);
                continue;
            }
            ("abandoned", _) => Outcome::Abandoned,
            ("ivr_hangup" | "contained", _) => Outcome::Ivr,
            ("routed", _) => {
                skip(summary, "pass through the IVR (counted at its queue)", line);
                continue;
            }
            ("blocked" | "refused" | "balked" | "message" | "cleared" | "callback_failed" | "in_system_at_end", _) => {
                Outcome::Unanswered
            }
            ("answered" | "transferred", None) => {
                skip(summary, "missing field", line);
                continue;
            }
            _ => {
                skip(summary, "unknown outcome", line);
                continue;
            }
        };
        let start = answer.unwrap_or(arrival);
        if end < start || start < arrival {
            skip(summary, "end before start", line);
            continue;
        }
        let priority = cell("priority").and_then(|p| p.parse::<i64>().ok()).unwrap_or(0);
        let agent = match (kind, cell("agent")) {
            (Outcome::Served, Some(a)) => Some(std::borrow::Cow::Owned(format!("r{rep}-{a}"))),
            _ => None,
        };
        by_rep.push((
            rep,
            Row {
                ty: TypeKey {
                    name: ty.to_owned(),
                    priority,
                },
                agent,
                call: Call {
                    ty: 0,
                    arrival,
                    queue: (kind != Outcome::Ivr).then_some(arrival),
                    queued: queued && kind != Outcome::Ivr,
                    answer: answer.filter(|_| kind == Outcome::Served),
                    end,
                    agent: None,
                    outcome: kind,
                },
            },
        ));
    }
    // Each replication is a run of the same period: lay them end to end, whole weeks apart.
    let last = by_rep.iter().map(|(_, r)| r.call.end).fold(0.0, f64::max);
    let week = 7.0 * DAY;
    let span = ((last / week).floor() + 1.0) * week;
    let first = by_rep.iter().map(|(r, _)| *r).min().unwrap_or(0);
    for (rep, mut row) in by_rep {
        let offset = (rep - first) as f64 * span;
        let c = &mut row.call;
        c.arrival += offset;
        c.end += offset;
        c.queue = c.queue.map(|q| q + offset);
        c.answer = c.answer.map(|a| a + offset);
        rows.push(row);
    }
    Ok(())
}
