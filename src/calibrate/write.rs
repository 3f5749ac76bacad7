//! The calibrated scenario (TOML, opening with a comment block of sources, period, counts and
//! every fitted value with its fit quality and 95% interval) and the report (that block as
//! plain text). Numbers are written at fixed precision, so the same calibration gives the
//! same bytes.

use super::after_call::BUCKETS;
use super::clock::{WEEKDAYS, day_label};
use super::patience::{Part, PatienceFit};
use super::service::LognormalFit;
use super::{Calibration, ServiceForm, TypeFit};
use crate::time::Human;
use std::fmt::Write as _;

/// What a calibration writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The scenario file's text.
    pub scenario: String,
    /// Files of samples to write beside the scenario (`--service empirical`): `(file name,
    /// text)`, one time in seconds per line.
    pub samples: Vec<(String, String)>,
    /// The report: the scenario's opening comment block as plain text.
    pub report: String,
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn secs(x: f64) -> String {
    format!("\"{x:.1}s\"")
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Clock time of the start of interval `i`.
fn clock_of(i: usize, interval: f64) -> String {
    let t = (i as f64 * interval).round() as u64;
    format!("{:02}:{:02}", t / 3600, t % 3600 / 60)
}

fn service_text(f: &LognormalFit) -> String {
    let zeros = if f.zeros > 0 {
        format!(" ({} zero times left out)", thousands(f.zeros))
    } else {
        String::new()
    };
    format!(
        "lognormal by maximum likelihood on {} times{zeros}: mu = {:.4} (SE {:.4}), sigma = {:.4} (SE {:.4}); \
         mean {:.1} s (95%: {:.1}-{:.1} s), cv {:.3}; data mean {:.1} s, cv {:.3}; KS distance {:.4}",
        thousands(f.n),
        f.mu,
        f.mu_se,
        f.sigma,
        f.sigma_se,
        f.mean,
        f.mean_ci.0,
        f.mean_ci.1,
        f.cv,
        f.data_mean,
        f.data_cv,
        f.ks
    )
}

fn patience_text(p: &PatienceFit) -> String {
    let median = match p.km.median() {
        Some(m) => {
            let (lo, hi) = p.km.median_ci();
            let hi = hi.map_or("beyond the data".to_owned(), |h| format!("{h:.1} s"));
            format!(
                "median {m:.1} s (95%: {}-{hi})",
                lo.map_or("?".into(), |l| format!("{l:.1}"))
            )
        }
        None => {
            let last = p.km.survival.last().copied().unwrap_or(1.0);
            format!(
                "median beyond the data (survival {:.3} at the longest abandonment)",
                last
            )
        }
    };
    let atom = p.parts.iter().find_map(|x| match x {
        Part::Atom { weight } => Some(*weight),
        _ => None,
    });
    let segments = p.parts.iter().filter(|x| matches!(x, Part::Uniform { .. })).count();
    let tail = p.parts.iter().find_map(|x| match x {
        Part::Tail { from, mean, weight } => Some(format!(
            ", exponential tail ({} of callers) beyond {from:.1} s with mean {mean:.1} s from {} abandonments over {:.0} s waited",
            pct(*weight),
            thousands(p.tail_events),
            p.tail_exposure
        )),
        _ => None,
    });
    format!(
        "Kaplan-Meier on {} queued calls, {} abandonments: {median}; fitted mean {:.1} s ({segments} linear segments{}{}); \
         exponential MLE {:.1} s",
        thousands(p.n),
        thousands(p.events),
        p.mean,
        atom.map_or(String::new(), |a| format!(", {} hang up at once", pct(a))),
        tail.unwrap_or_default(),
        p.exponential_mean
    )
}

fn patience_toml(p: &PatienceFit) -> String {
    mixture_toml(p, None)
}

/// The mean of `p`'s distribution with its tail cut at `at_most` seconds (draws above drawn
/// again), seconds.
fn truncated_mean(p: &PatienceFit, at_most: f64) -> f64 {
    p.parts
        .iter()
        .map(|part| match *part {
            Part::Atom { .. } => 0.0,
            Part::Uniform { weight, from, to } => weight * (from + to) / 2.0,
            Part::Tail { weight, from, mean } => {
                let span = (at_most - from).max(0.0);
                let kept = 1.0 - (-span / mean).exp();
                let inner = if kept > 0.0 {
                    mean - span * (-span / mean).exp() / kept
                } else {
                    0.0
                };
                weight * (from + inner)
            }
        })
        .sum()
}

/// `p`'s distribution as a TOML mixture; the exponential tail cut at `at_most` seconds.
fn mixture_toml(p: &PatienceFit, at_most: Option<f64>) -> String {
    let mut parts = Vec::new();
    for part in &p.parts {
        let text = match *part {
            Part::Atom { weight } => format!("{{ weight = {weight:.6}, dist = \"constant\", value = 0 }}"),
            Part::Uniform { weight, from, to } => format!(
                "{{ weight = {weight:.6}, dist = \"uniform\", min = {}, max = {} }}",
                secs(from),
                secs(to)
            ),
            Part::Tail { weight, from, mean } => format!(
                "{{ weight = {weight:.6}, dist = \"exponential\", mean = {}, shift = {}{} }}",
                secs(mean),
                secs(from),
                at_most.map_or(String::new(), |m| format!(", at_most = {}", secs(m)))
            ),
        };
        // A weight that rounds to zero is left out (the weights are normalised).
        if !text.starts_with("{ weight = 0.000000,") {
            parts.push(text);
        }
    }
    format!("{{ dist = \"mixture\", of = [\n    {},\n] }}", parts.join(",\n    "))
}

/// A file name for a type's samples: letters, digits, `-` and `_` kept, others `_`.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Renders the calibration; samples files are named `<stem>.<type>.service.txt`.
pub fn render(cal: &Calibration, stem: &str) -> Written {
    let frame = &cal.frame;
    let log = &cal.log;
    let mut head: Vec<String> = Vec::new();
    head.push("Baseline scenario calibrated by `cxsim calibrate` from per-call logs.".into());
    head.push(String::new());
    head.push("Sources:".into());
    for f in &log.files {
        let mut line = format!(
            "  {} ({} format): {} rows, {} calls used",
            f.path.display(),
            f.format.as_str(),
            thousands(f.rows),
            thousands(f.used)
        );
        if !f.skipped.is_empty() {
            let kinds: Vec<String> = f
                .skipped
                .iter()
                .map(|(k, (n, l))| format!("{} {k} (first at line {l})", thousands(*n)))
                .collect();
            let _ = write!(line, "; skipped: {}", kinds.join(", "));
        }
        head.push(line);
    }
    let (first, last) = (
        frame.days.first().copied().unwrap_or(0),
        frame.days.last().copied().unwrap_or(0),
    );
    let mut per_weekday = [0; 7];
    for d in 0..frame.days.len() {
        per_weekday[frame.weekday(d)] += 1;
    }
    head.push(format!(
        "Period: {} to {}, {} days with calls ({}){}.",
        day_label(first, log.dated),
        day_label(last, log.dated),
        frame.days.len(),
        (0..7)
            .map(|w| format!("{} {}", &WEEKDAYS[w][..3], per_weekday[w]))
            .collect::<Vec<_>>()
            .join(", "),
        if log.dated {
            ""
        } else {
            "; undated: day 0 taken as a Monday"
        }
    ));
    let sum = |f: fn(&TypeFit) -> u64| cal.types.iter().map(f).sum::<u64>();
    let asking = sum(|t| t.demand.asking);
    let ivr = sum(|t| t.demand.ivr);
    head.push(format!(
        "Calls: {} used; {} asked for an agent (answered {}, abandoned {}, otherwise unanswered {}; {} queued), {} ended in the IVR.",
        thousands(log.calls.len() as u64),
        thousands(asking),
        thousands(sum(|t| t.answered)),
        thousands(sum(|t| t.abandoned)),
        thousands(sum(|t| t.unanswered)),
        thousands(sum(|t| t.queued)),
        thousands(ivr)
    ));
    let outside = sum(|t| t.demand.outside_hours);
    head.push(format!(
        "Intervals of {}; hours calibrated {}-{} ({}); {} calls asking for an agent outside them are left out of the rates.",
        Human(frame.interval),
        clock_of(frame.hours.0, frame.interval),
        clock_of(frame.hours.1, frame.interval),
        if cal.hours_inferred {
            "inferred: the hours with at least half an agent present on average"
        } else {
            "given"
        },
        thousands(outside)
    ));
    head.push(
        "Arrivals are counted when a call asks for an agent (queue entry, or the answer of a call answered at once); \
         calls ending in the IVR are reported per type, not simulated (the IVR holds no agent)."
            .into(),
    );
    head.push(
        "Demand is daily volume x intraday profile x weekday factors: one profile for every weekday, so a weekday \
         of another shape (a short Friday) shows in its factor and its staffing, not in its profile."
            .into(),
    );
    if log.bank_priority {
        head.push(
            "Priorities: the bank's priority-2 callers are types of their own (named _high) with queue_credit = \"90s\": \
             ordered as if they had joined the queue 1.5 minutes earlier (Brown et al. 2005, Sec. 2), in the same class."
                .into(),
        );
    } else if cal.types.iter().any(|t| t.key.priority != 0) {
        head.push(
            "Priorities: each priority of the log is the priority class of a type of its own (`priority`).".into(),
        );
    }
    head.push(String::new());
    for t in &cal.types {
        let d = &t.demand;
        head.push(format!(
            "Type {} (log type {}, priority {}): {} asking for an agent (answered {}, abandoned {}, other {}), {} ended in the IVR ({} of the type's calls).",
            t.name,
            t.key.name,
            t.key.priority,
            thousands(d.asking),
            thousands(t.answered),
            thousands(t.abandoned),
            thousands(t.unanswered),
            thousands(d.ivr),
            pct(d.ivr_share())
        ));
        let (peak, rate, (lo, hi)) = d.peak(frame);
        head.push(format!(
            "  arrivals: {:.2} a day over {} days; peak {}-{} at {:.2}/h (95%: {:.2}-{:.2}/h); weekday factors {}",
            d.daily,
            frame.days.len(),
            clock_of(peak, frame.interval),
            clock_of(peak + 1, frame.interval),
            rate,
            lo,
            hi,
            (0..7)
                .map(|w| format!("{} {:.3} ({} d)", &WEEKDAYS[w][..3], d.weekly[w], d.weekday_days[w]))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        match (&t.service, &cal.pooled_service) {
            (Some(f), _) => head.push(format!("  service: {}", service_text(f))),
            (None, Some(f)) => head.push(format!(
                "  service: {} answered calls, too few of its own: all types' fit, {}",
                t.service_times.len(),
                service_text(f)
            )),
            (None, None) => head.push("  service: no fit (empirical times only)".into()),
        }
        match (&t.patience, &cal.pooled_patience) {
            (Some(p), _) => head.push(format!("  patience: {}", patience_text(p))),
            (None, Some(p)) => head.push(format!(
                "  patience: {} abandonments, too few of its own: all types' fit, {}",
                t.abandoned,
                patience_text(p)
            )),
            (None, None) => head.push("  patience: no abandonment in the log: none (never abandons)".into()),
        }
    }
    head.push(String::new());
    match &cal.after_call {
        Some(a) => {
            head.push(format!(
                "After-call work: gaps from an agent's call end to its next answer, kept when the next caller was already waiting: {} of {} pairs ({} idle first, {} over {} (breaks), {} overlapping).",
                thousands(a.all.n),
                thousands(a.pairs),
                thousands(a.idle),
                thousands(a.over_cap),
                Human(cal.options.break_gap),
                thousands(a.overlapping)
            ));
            let by: Vec<String> = BUCKETS
                .iter()
                .zip(&a.buckets)
                .map(|(label, g)| format!("{label}: {:.2} s (SE {:.2}, n {})", g.mean, g.se, thousands(g.n)))
                .collect();
            head.push(format!(
                "  mean gap {:.2} s (SE {:.2}), cv {:.3}; by callers waiting as the call ended: {}",
                a.all.mean,
                a.all.se,
                a.all.cv,
                by.join("; ")
            ));
            if let Some(u) = &a.unavailable {
                let median =
                    u.km.median()
                        .map_or("beyond the data".to_owned(), |m| format!("{m:.1} s"));
                head.push(format!(
                    "Unavailable time after a call that ended while callers waited: Kaplan-Meier over {} gaps under {} ({} censored when the queue emptied first): median {median}, fitted mean {:.1} s (its tail cut at {}); P(> 1 min) {:.3}, P(> 5 min) {:.3}.",
                    thousands(a.loaded_gaps),
                    Human(cal.options.presence_gap),
                    thousands(a.censored),
                    truncated_mean(u, cal.options.presence_gap),
                    Human(cal.options.presence_gap),
                    u.km.at(60.0).0,
                    u.km.at(300.0).0,
                ));
                head.push(
                    "  scenario: wrap_up is that curve (breaks taken while callers wait included), the same at every load".into(),
                );
            }
            head.push(match &a.under_load {
                _ if a.unavailable.is_some() => "  (the kept gaps above are reported only: they leave out the breaks)".into(),
                Some(points) => format!(
                    "  scenario: wrap_up gamma with mean {:.2} s, cv {:.3} (one caller waiting) and wrap_up_under_load {}",
                    a.mean,
                    a.cv,
                    points_text(points)
                ),
                None => format!(
                    "  scenario: wrap_up gamma with mean {:.2} s, cv {:.3} (the load groups do not differ by 2 SE: no shortening under load)",
                    a.mean, a.cv
                ),
            });
        }
        None => head.push("After-call work: none inferred (no agent names, or no gap with a caller waiting).".into()),
    }
    let s = &cal.staffing;
    head.push(format!(
        "Staffing: {}; mean present by interval over all days: {}.",
        if s.busy_only {
            "the log names no agents: agents busy serving only (a lower bound)".to_owned()
        } else {
            format!(
                "{} agents, present between calls less than {} apart, pro-rated per interval",
                s.agents,
                Human(cal.options.presence_gap)
            )
        },
        (frame.hours.0..frame.hours.1)
            .map(|i| format!("{} {:.1}", clock_of(i, frame.interval), s.mean[i]))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    head.push("  The headcount below is the mean per weekday and interval, rounded; each day's own is in the library's Staffing::by_day.".into());

    let mut out = String::new();
    for line in &head {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "[simulation]\nhorizon = \"7d\"                       # a week, Monday first\nstart = \"00:00\"\nfirst_day = \"monday\"\ninterval = \"{}\"\nreplications = 10\nclosing = \"clear\"\n",
        Human(frame.interval)
    );
    let mut samples = Vec::new();
    for t in &cal.types {
        let _ = writeln!(out, "[[contact_types]]\nname = {}", quoted(&t.name));
        let fit = t.service.as_ref().or(cal.pooled_service.as_ref());
        match (cal.options.service, fit) {
            (ServiceForm::Lognormal, Some(f)) => {
                let _ = writeln!(
                    out,
                    "handle_time = {{ dist = \"lognormal\", mean = {}, cv = {:.4} }}{}",
                    secs(f.mean),
                    f.cv,
                    if t.service_pooled { "   # all types' fit" } else { "" }
                );
            }
            _ => {
                let file = format!("{stem}.{}.service.txt", safe(&t.name));
                let times = if t.service_times.is_empty() {
                    &cal.pooled_service_times
                } else {
                    &t.service_times
                };
                let mut text = String::new();
                for x in times {
                    let _ = writeln!(text, "{x}");
                }
                let _ = writeln!(
                    out,
                    "handle_time = {{ dist = \"empirical\", file = {} }}   # {} observed times",
                    quoted(&file),
                    thousands(times.len() as u64)
                );
                samples.push((file, text));
            }
        }
        if let Some(p) = t.patience.as_ref().or(cal.pooled_patience.as_ref()) {
            let _ = writeln!(
                out,
                "patience = {}{}",
                patience_toml(p),
                if t.patience_pooled { "   # all types' fit" } else { "" }
            );
        }
        if let Some(u) = cal.after_call.as_ref().and_then(|a| a.unavailable.as_ref()) {
            let _ = writeln!(out, "wrap_up = {}", mixture_toml(u, Some(cal.options.presence_gap)));
        } else if let Some(a) = &cal.after_call
            && a.mean > 0.0
        {
            let _ = writeln!(
                out,
                "wrap_up = {{ dist = \"gamma\", mean = {}, cv = {:.4} }}",
                secs(a.mean),
                a.cv.max(0.01)
            );
        }
        if t.key.priority != 0 {
            if cal.log.bank_priority {
                let _ = writeln!(out, "queue_credit = \"90s\"                # the bank's high priority");
            } else {
                let _ = writeln!(out, "priority = {}", t.key.priority);
            }
        }
        let d = &t.demand;
        if d.daily > 0.0 {
            let _ = writeln!(out, "[contact_types.arrivals]\ndaily = {:.3}", d.daily);
            let profile: Vec<String> = d.profile.iter().map(|p| format!("{p:.3}")).collect();
            let _ = writeln!(out, "profile = [{}]", wrap(&profile));
            let weekly: Vec<String> = d.weekly.iter().map(|w| format!("{w:.4}")).collect();
            let _ = writeln!(out, "weekly = [{}]   # Monday ... Sunday\n", weekly.join(", "));
        } else {
            let _ = writeln!(
                out,
                "arrivals = {{ rate = 0 }}   # no call inside the hours calibrated\n"
            );
        }
    }
    let _ = writeln!(out, "[[agent_groups]]\nname = \"agents\"");
    let serves: Vec<String> = cal.types.iter().map(|t| quoted(&t.name)).collect();
    let _ = writeln!(out, "serves = [{}]", serves.join(", "));
    let mut headcount = Vec::new();
    for w in 0..7 {
        for i in 0..frame.per_day {
            let v = if frame.in_hours(i) {
                s.typical[w][i].round()
            } else {
                0.0
            };
            headcount.push(format!("{}", v as i64));
        }
    }
    let _ = writeln!(
        out,
        "# one per interval from Monday 00:00 to Sunday 24:00 ({} a day)\nheadcount = [{}]",
        frame.per_day,
        wrap(&headcount)
    );
    if let Some(points) = cal
        .after_call
        .as_ref()
        .filter(|a| a.unavailable.is_none())
        .and_then(|a| a.under_load.as_ref())
    {
        let _ = writeln!(out, "wrap_up_under_load = {}", points_text(points));
    }
    let report = head.iter().map(|l| format!("{l}\n")).collect::<String>();
    Written {
        scenario: out,
        samples,
        report,
    }
}

fn points_text(points: &[(f64, f64)]) -> String {
    let p: Vec<String> = points.iter().map(|(x, y)| format!("[{x:.0}, {y:.4}]")).collect();
    format!("[{}]", p.join(", "))
}

/// A list's items, a line break every 12.
fn wrap(items: &[String]) -> String {
    let lines: Vec<String> = items.chunks(12).map(|c| c.join(", ")).collect();
    if lines.len() <= 1 {
        lines.join("")
    } else {
        format!("\n  {},\n", lines.join(",\n  "))
    }
}
