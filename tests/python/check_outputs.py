"""Loads a cxsim results folder with pandas and checks it against docs/output.md.

Usage: check_outputs.py docs/output.md RESULTS_DIR

For every CSV file the reference documents: the columns are exactly those documented, in
order; each column has the documented type (string, int, float, bool; "or empty" allows
empty cells, which pandas reads as NaN); the row counts are those summary.json implies; and
summary.csv holds the same numbers as summary.json. Exits non-zero with a message naming the
file and column at the first failure.
"""

import json
import math
import sys
from pathlib import Path

import pandas as pd
from pandas.api import types as pdt


def tables(reference: str) -> dict:
    """The column tables of the reference, by file name: [(column, type), ...] from the first
    table under each heading ## `NAME.csv`."""
    out, current, done = {}, None, False
    for line in reference.splitlines():
        if line.startswith("## `") and line.rstrip().endswith(".csv`"):
            current, done = line.strip()[4:-1], False
            out[current] = []
        elif line.startswith("## "):
            current = None
        elif current and not done and line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            out[current].append((cells[0].strip("`"), cells[1]))
        elif current and out[current] and not line.startswith("|"):
            done = True
    return out


def fail(message: str) -> None:
    print(f"check_outputs: {message}", file=sys.stderr)
    sys.exit(1)


def check_types(path: Path, frame: pd.DataFrame, columns: list) -> None:
    names = [c for c, _ in columns]
    if list(frame.columns) != names:
        fail(f"{path}: columns {list(frame.columns)} differ from the documented {names}")
    for name, kind in columns:
        col = frame[name]
        nullable = kind.endswith(" or empty")
        base = kind.removesuffix(" or empty")
        if not nullable and col.isna().any():
            fail(f"{path}: column {name} ({kind}) has empty cells")
        present = col.dropna()
        if base == "string":
            ok = pdt.is_string_dtype(col) or pdt.is_object_dtype(col)
            ok = ok and all(isinstance(v, str) for v in present)
        elif base == "int":
            ok = pdt.is_numeric_dtype(col) and not pdt.is_bool_dtype(col)
            ok = ok and all(float(v).is_integer() for v in present)
            ok = ok and (nullable or pdt.is_integer_dtype(col))
        elif base == "float":
            ok = pdt.is_numeric_dtype(col) and not pdt.is_bool_dtype(col)
            ok = ok and all(math.isfinite(v) for v in present)
        elif base == "bool":
            ok = pdt.is_bool_dtype(col)
        else:
            fail(f"docs: column {name} of {path.name} has an unknown type {kind!r}")
        if not ok:
            fail(f"{path}: column {name} is read as {col.dtype}, documented as {kind}")


def check_run(folder: Path, columns: dict, variants: bool) -> int:
    document = json.loads((folder / "summary.json").read_text())
    if document.get("schema") != "cxsim.summary/1":
        fail(f"{folder}/summary.json: schema {document.get('schema')!r}")
    summary = document["summary"]
    scopes = summary["scopes"]
    files = {}
    for name in ["summary.csv", "intervals.csv", "replications.csv"] + (["comparison.csv"] if variants else []):
        path = folder / name
        frame = pd.read_csv(path)
        check_types(path, frame, columns[name])
        files[name] = frame

    expected = sum(len(s["metrics"]) for s in scopes)
    if len(files["summary.csv"]) != expected:
        fail(f"{folder}/summary.csv: {len(files['summary.csv'])} rows, summary.json has {expected} figures")
    expected = sum(len(s["intervals"]) * len(s["interval_metrics"]) for s in scopes)
    if len(files["intervals.csv"]) != expected:
        fail(f"{folder}/intervals.csv: {len(files['intervals.csv'])} rows, summary.json implies {expected}")
    n = len(summary["intervals"])
    if any(len(s["intervals"]) not in (0, n) for s in scopes):
        fail(f"{folder}/summary.json: a scope's intervals differ from the run's {n}")

    reps = files["replications.csv"]
    counts = reps.groupby("replication").size()
    if list(counts.index) != list(range(summary["replications"])):
        fail(f"{folder}/replications.csv: replications {list(counts.index)}, expected 0..{summary['replications']}")
    if counts.nunique() != 1:
        fail(f"{folder}/replications.csv: replications have different row counts {counts.unique()}")

    # summary.csv holds the numbers of summary.json, in the same order.
    rows = files["summary.csv"].itertuples(index=False)
    for scope in scopes:
        for m in scope["metrics"]:
            row = next(rows)
            if (row.scope_kind, row.scope, row.metric) != (scope["kind"].lower(), scope["name"], m["name"]):
                fail(f"{folder}/summary.csv: row {(row.scope_kind, row.scope, row.metric)} out of order")
            if m["mean"] is None:
                if not math.isnan(row.mean):
                    fail(f"{folder}/summary.csv: {row.metric} of {row.scope} should be empty")
            elif row.mean != m["mean"]:
                fail(f"{folder}/summary.csv: {row.metric} of {row.scope} is {row.mean}, summary.json {m['mean']}")
    if (folder / "contacts.csv").exists():
        check_records(folder, columns, summary)
    return len(files["summary.csv"])


def check_records(folder: Path, columns: dict, summary: dict) -> None:
    """contacts.csv and journeys.csv: documented types, and counts equal to the summary's."""
    contacts = pd.read_csv(folder / "contacts.csv")
    check_types(folder / "contacts.csv", contacts, columns["contacts.csv"])
    measured = contacts[contacts.measured]
    n = summary["replications"]
    for scope in summary["scopes"]:
        if scope["kind"].lower() != "type":
            continue
        figures = {m["name"]: m["mean"] for m in scope["metrics"]}
        rows = measured[measured.type == scope["name"]]
        # Answered: every row with an answer time (a misrouted contact answered, then
        # transferred, counts where it was answered); abandoned: by outcome.
        for outcome, counted in [
            ("answered", int(rows.answered_s.notna().sum())),
            ("abandoned", int((rows.outcome == "abandoned").sum())),
        ]:
            if figures.get(outcome) is None:
                continue
            if abs(counted - figures[outcome] * n) > 1e-6 * max(1, counted):
                fail(f"{folder}/contacts.csv: {counted} {outcome} rows of {scope['name']}, summary {figures[outcome]} x {n}")
    if (folder / "journeys.csv").exists():
        journeys = pd.read_csv(folder / "journeys.csv")
        check_types(folder / "journeys.csv", journeys, columns["journeys.csv"])
        if not journeys.replication.between(0, n - 1).all():
            fail(f"{folder}/journeys.csv: a replication outside 0..{n - 1}")


def main() -> None:
    reference, folder = Path(sys.argv[1]), Path(sys.argv[2])
    columns = tables(reference.read_text())
    for name in ["summary.csv", "intervals.csv", "replications.csv", "comparison.csv"]:
        if not columns.get(name):
            fail(f"{reference}: no column table for {name}")
    variant_dirs = sorted(p for p in (folder / "variants").iterdir()) if (folder / "variants").exists() else []
    checked = check_run(folder, columns, bool(variant_dirs))
    for sub in variant_dirs:
        checked += check_run(sub, columns, False)
    if variant_dirs:
        comparison = pd.read_csv(folder / "comparison.csv")
        if comparison["variant"].nunique() != len(variant_dirs):
            fail(f"{folder}/comparison.csv: {comparison['variant'].nunique()} variants, {len(variant_dirs)} folders")
        sizes = comparison.groupby("variant").size()
        if sizes.nunique() != 1:
            fail(f"{folder}/comparison.csv: variants have different row counts {dict(sizes)}")
    print(f"check_outputs: {folder}: {1 + len(variant_dirs)} runs, {checked} summary rows, pandas {pd.__version__}: ok")


if __name__ == "__main__":
    main()
