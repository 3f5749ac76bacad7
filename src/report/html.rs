//! `report.html`: one self-contained page a consultant can hand on — the run's manifest, the
//! headline figures, every scope's figures with their 95% intervals, the paired comparisons
//! of variants (as tables, and drawn with the cost frontier), and the plots as inline SVG.
//! No script, font, style sheet or image is fetched from anywhere; it prints cleanly (print
//! CSS: no shading behind tables, a plot never split across pages).
//!
//! Every number cell carries the exact value it shows in `data-value` (Rust's shortest
//! round-trip form), so that a reader — or a test — can check the page against
//! `summary.json`.

use super::plot::{self, PlotError};
use super::table::{format_value, hide_if_zero};
use crate::scenario::Scenario;
use crate::stats::tally::Estimate;
use crate::summary::{ScopeKind, ScopeSummary, Summary};
use std::fmt::Write as _;

pub use super::csv::ComparisonRow;

/// What a report shows beside the summary.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `(field, value)` of the run's manifest: version, seed, replications, input hash, …
    pub manifest: Vec<(String, String)>,
    /// The command that repeats the run.
    pub command: Option<String>,
    /// The scenario's description.
    pub description: String,
    /// Paired comparisons with variants (empty without variants).
    pub comparisons: Vec<ComparisonRow>,
    /// Things the reader should know (a scenario that could not be recompiled, …).
    pub notes: Vec<String>,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root { --ink: #1d2430; --muted: #5b6575; --rule: #d8dde5; --band: #f3f5f8; --accent: #0072b2; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px; min-width: 170px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k, .card .ci { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 14px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--band); font-weight: 600; }
td.na { color: var(--muted); font-style: italic; }
tr.sig td { font-weight: 600; }
figure { margin: 12px 0 20px; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; max-width: 760px; display: block; }
figcaption { color: var(--muted); font-size: 13px; }
dl.manifest { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 14px; }
dl.manifest dt { color: var(--muted); }
dl.manifest dd { margin: 0; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; word-break: break-all; }
.note { border-left: 4px solid #e69f00; background: #fff8e6; padding: 6px 10px; margin: 8px 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  thead th { background: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { break-inside: auto; }
  tr { break-inside: avoid; }
}
";

/// A number cell: the value shown as the terminal shows it, the exact value in `data-value`.
fn cell(name: &str, v: f64) -> String {
    if v.is_finite() {
        format!("<td data-value=\"{v}\">{}</td>", escape(&format_value(name, v)))
    } else {
        "<td class=\"na\" data-value=\"\">undefined</td>".into()
    }
}

fn interval_cells(name: &str, e: &Estimate) -> String {
    if e.mean.is_finite() && e.half_width.is_finite() {
        format!(
            "<td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td>",
            e.mean - e.half_width,
            escape(&format_value(name, e.mean - e.half_width)),
            e.mean + e.half_width,
            escape(&format_value(name, e.mean + e.half_width)),
        )
    } else {
        "<td class=\"na\" colspan=\"2\">no interval</td>".into()
    }
}

/// The figures at the top, as the terminal shows them: service level, ASA, abandonment and
/// CSAT of all types, and the total cost.
fn headline(s: &Summary) -> Vec<(&ScopeSummary, &crate::summary::Metric)> {
    super::table::headline(s)
        .into_iter()
        .filter_map(|(kind, scope, metric)| {
            let scope = s.scopes.iter().find(|x| x.kind == kind && x.name == scope)?;
            Some((scope, scope.get(&metric)?))
        })
        .collect()
}

fn scope_heading(kind: ScopeKind) -> &'static str {
    match kind {
        ScopeKind::Type => "Contact type",
        ScopeKind::All => "All contact types:",
        ScopeKind::Channel => "Channel",
        ScopeKind::Group => "Agent group",
        ScopeKind::Cost => "Costs:",
        ScopeKind::Site => "Site",
        ScopeKind::Week => "Week",
    }
}

fn scope_table(out: &mut String, scope: &ScopeSummary) {
    let theory = scope.metrics.iter().any(|m| m.theory.is_some());
    let _ = writeln!(
        out,
        "<h3>{} {}</h3>\n<table class=\"figures\" data-scope-kind=\"{}\" data-scope=\"{}\">\n<thead><tr><th>figure</th><th>mean</th><th>95% low</th><th>95% high</th><th>replications</th>{}</tr></thead><tbody>",
        scope_heading(scope.kind),
        escape(&scope.name),
        scope.kind.as_str(),
        escape(&scope.name),
        if theory { "<th>exact</th>" } else { "" }
    );
    for m in scope.metrics.iter().filter(|m| !hide_if_zero(m)) {
        let _ = write!(
            out,
            "<tr data-metric=\"{}\"><td>{}</td>{}{}<td>{}</td>",
            escape(&m.name),
            escape(&m.name),
            cell(&m.name, m.estimate.mean),
            interval_cells(&m.name, &m.estimate),
            m.estimate.n
        );
        if theory {
            match m.theory {
                Some(x) => out.push_str(&cell(&m.name, x)),
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

fn comparison_table(out: &mut String, rows: &[ComparisonRow]) {
    let mut variants: Vec<&str> = Vec::new();
    for r in rows {
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    for v in variants {
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<table class=\"comparison\" data-variant=\"{}\">\n<thead><tr><th>figure</th><th>scope</th><th>baseline</th><th>variant</th><th>difference</th><th>95% low</th><th>95% high</th><th>significant</th></tr></thead><tbody>",
            escape(v),
            escape(v)
        );
        for r in rows.iter().filter(|r| r.variant == v) {
            let sig = r.significant == Some(true);
            let num = |x: Option<f64>| cell(&r.metric, x.unwrap_or(f64::NAN));
            let _ = writeln!(
                out,
                "<tr{} data-metric=\"{}\"><td>{}</td><td>{} {}</td>{}{}{}{}{}<td>{}</td></tr>",
                if sig { " class=\"sig\"" } else { "" },
                escape(&r.metric),
                escape(&r.metric),
                escape(&r.scope_kind),
                escape(&r.scope),
                num(r.baseline),
                num(r.value),
                num(r.difference),
                num(r.difference_ci95_low),
                num(r.difference_ci95_high),
                match r.significant {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "—",
                }
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

/// The behavioural coefficients the run used: value, whether the scenario set it, and the
/// default's source. Said in a sentence when the scenario uses none of those models.
fn assumptions_table(out: &mut String, assumptions: &[crate::assumptions::Assumption]) {
    out.push_str("<h2>Assumptions in force</h2>\n");
    if assumptions.is_empty() {
        out.push_str("<p class=\"lead\">The scenario uses none of the behavioural models (CSAT, agent fatigue and burnout, chat concurrency, agent-assist): every figure follows from its own inputs.</p>\n");
        return;
    }
    let defaults = assumptions.iter().filter(|a| !a.set).count();
    let _ = writeln!(
        out,
        "<p class=\"lead\">Every behavioural coefficient the run used: {} set by the scenario, {defaults} left at the default, with the default's source (tags: S a study, S~ a weaker source, A an assumption; references as in MODEL.md).</p>",
        assumptions.len() - defaults
    );
    out.push_str("<table class=\"assumptions\">\n<thead><tr><th>setting</th><th>value</th><th>from</th><th>default's source</th></tr></thead><tbody>\n");
    for a in assumptions {
        let _ = writeln!(
            out,
            "<tr data-key=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.key),
            escape(&a.key),
            escape(&a.value),
            if a.set { "scenario" } else { "default" },
            escape(a.source)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// Appends plot `p` as an inline SVG figure with its caption.
fn figure(out: &mut String, summary: &Summary, p: &plot::Plot) -> Result<(), PlotError> {
    let svg = plot::svg(summary, p)?;
    let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
    let _ = writeln!(
        out,
        "<figure data-plot=\"{}\">{}<figcaption>{}</figcaption></figure>",
        p.name,
        body,
        escape(&p.caption())
    );
    Ok(())
}

/// The page for `summary`, with plots drawn from it (and the exact wait curve from `sc`, the
/// resolved scenario, where the model has one).
pub fn render(summary: &Summary, sc: Option<&Scenario>, ctx: &Context) -> Result<String, PlotError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>cxsim report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&summary.scenario)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&summary.scenario));
    if !ctx.description.is_empty() {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", escape(&ctx.description));
    }
    let _ = writeln!(
        out,
        "<p class=\"lead\">{} replications, seed {}; {} measured interval{} of {}; every figure is a mean over replications with its 95% confidence interval.</p>",
        summary.replications,
        summary.seed,
        summary.intervals.len(),
        if summary.intervals.len() == 1 { "" } else { "s" },
        escape(&crate::time::Human(summary.interval_s).to_string())
    );
    if summary.replications < 2 {
        out.push_str("<p class=\"note\">One replication: no confidence interval can be given; the figures are that replication's values.</p>\n");
    }
    for n in &ctx.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    out.push_str("<div class=\"cards\">\n");
    for (scope, m) in headline(summary) {
        let ci = if m.estimate.half_width.is_finite() {
            format!("± {}", format_value(&m.name, m.estimate.half_width))
        } else {
            "no interval".into()
        };
        let _ = writeln!(
            out,
            "<div class=\"card\" data-scope=\"{}\" data-metric=\"{}\" data-value=\"{}\"><div class=\"k\">{} ({})</div><div class=\"v\">{}</div><div class=\"ci\">{}</div></div>",
            escape(&scope.name),
            escape(&m.name),
            m.estimate.mean,
            escape(&m.name),
            escape(&scope.name),
            escape(&format_value(&m.name, m.estimate.mean)),
            escape(&ci)
        );
    }
    out.push_str("</div>\n");
    let plots = plot::plots(summary, sc);
    if !plots.is_empty() {
        out.push_str("<h2>Plots</h2>\n");
    }
    for p in &plots {
        figure(&mut out, summary, p)?;
    }
    if !ctx.comparisons.is_empty() {
        out.push_str("<h2>Variants against the scenario</h2>\n<p class=\"lead\">Paired differences (variant − scenario) over the same replications; bold rows: the 95% interval excludes zero.</p>\n");
        for p in &plot::variant_plots(summary, &ctx.comparisons) {
            figure(&mut out, summary, p)?;
        }
        comparison_table(&mut out, &ctx.comparisons);
    }
    out.push_str("<h2>Figures</h2>\n");
    for scope in &summary.scopes {
        scope_table(&mut out, scope);
    }
    if let Some(sc) = sc {
        assumptions_table(&mut out, &crate::assumptions::in_force(sc));
    }
    out.push_str("<h2>Reproducibility</h2>\n<dl class=\"manifest\">\n");
    for (k, v) in &ctx.manifest {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    if let Some(c) = &ctx.command {
        let _ = writeln!(out, "<dt>repeat with</dt><dd>{}</dd>", escape(c));
    }
    out.push_str("</dl>\n</body>\n</html>\n");
    Ok(out)
}

/// A report that could not be made from a results folder.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

fn read_error(path: &std::path::Path, message: impl std::fmt::Display) -> ReportError {
    ReportError::Read {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// Writes `bytes` to `path` atomically ([`super::files::write_atomically`]).
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), ReportError> {
    super::files::write_atomically(path, bytes).map_err(|source| ReportError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Reads a results folder (`summary.json`, `run.toml`, `comparison.csv` when there are
/// variants) and writes `report.html` into it, and each plot as `plots/NAME.svg` (and
/// `plots/NAME.png` with `png`). Returns the page's path.
pub fn write_report(dir: &std::path::Path, png: bool) -> Result<std::path::PathBuf, ReportError> {
    let summary_path = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|e| read_error(&summary_path, e))?;
    let summary = super::json::read(&text).map_err(|e| read_error(&summary_path, e))?;
    let run_path = dir.join("run.toml");
    let mut ctx = Context::default();
    let mut sc = None;
    match std::fs::read_to_string(&run_path) {
        Ok(text) => {
            let doc: toml::Table = text.parse().map_err(|e| read_error(&run_path, e))?;
            if let Some(run) = doc.get("run").and_then(toml::Value::as_table) {
                for (k, v) in run {
                    let shown = match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    ctx.manifest.push((k.clone(), shown));
                }
            }
            ctx.description = doc
                .get("scenario")
                .and_then(|s| s.get("description"))
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            ctx.command = Some(format!("cxsim run {}", run_path.display()));
            match crate::scenario::load(&run_path) {
                Ok(s) => sc = Some(s),
                Err(e) => ctx.notes.push(format!(
                    "The scenario of run.toml could not be compiled here ({e}); exact curves are left out."
                )),
            }
        }
        Err(e) => ctx
            .notes
            .push(format!("No run record ({e}): the manifest is left out.")),
    }
    let comparison = dir.join("comparison.csv");
    if comparison.exists() {
        let mut reader = ::csv::Reader::from_path(&comparison).map_err(|e| read_error(&comparison, e))?;
        for row in reader.deserialize() {
            ctx.comparisons.push(row.map_err(|e| read_error(&comparison, e))?);
        }
    }
    let page = render(&summary, sc.as_ref(), &ctx)?;
    let plots_dir = dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|source| ReportError::Write {
        path: plots_dir.display().to_string(),
        source,
    })?;
    let variant_plots = plot::variant_plots(&summary, &ctx.comparisons);
    for p in plot::plots(&summary, sc.as_ref()).into_iter().chain(variant_plots) {
        write_atomically(
            &plots_dir.join(format!("{}.svg", p.name)),
            plot::svg(&summary, &p)?.as_bytes(),
        )?;
        if png {
            let path = plots_dir.join(format!("{}.png", p.name));
            let tmp = plots_dir.join(format!(".{}.tmp-{}.png", p.name, std::process::id()));
            plot::png(&summary, &p, &tmp)?;
            std::fs::rename(&tmp, &path).map_err(|source| ReportError::Write {
                path: path.display().to_string(),
                source,
            })?;
        }
    }
    let path = dir.join("report.html");
    write_atomically(&path, page.as_bytes())?;
    Ok(path)
}
