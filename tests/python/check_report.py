"""Opens a cxsim report.html in headless Chromium and checks what a reader sees.

Usage: check_report.py RESULTS_DIR SCREENSHOT.png

Checks that the browser starts (else fails saying why); that every plot rendered as a
non-empty SVG with axis text and drawn series; that the figure tables hold the numbers of
summary.json and show them; that the page made no request beyond itself; and that a
screenshot of it is not blank. Exits non-zero with a message at the first failure.
"""

import json
import math
import os
import sys
import tempfile
from pathlib import Path


def fail(message: str) -> None:
    print(f"check_report: {message}", file=sys.stderr)
    sys.exit(1)


def start_browser(profile: str):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        fail(f"selenium is not installed in this Python ({sys.executable}): {e}")
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CXSIM_CHROMIUM", "/usr/bin/chromium")
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver_path = os.environ.get("CXSIM_CHROMEDRIVER", "/usr/bin/chromedriver")
    try:
        return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except Exception as e:  # the driver's own errors are many kinds
        fail(
            f"cannot start headless Chromium ({options.binary_location}) through {driver_path}: {e}. "
            "Install Debian's chromium and chromium-driver (.ci/run does)."
        )


PLOTS = """
return Array.from(document.querySelectorAll('figure[data-plot]')).map(f => {
  const svg = f.querySelector('svg');
  if (!svg) return {name: f.dataset.plot, svg: false};
  const box = svg.getBoundingClientRect();
  const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim() !== '');
  const drawn = Array.from(svg.querySelectorAll('polyline, path, polygon, circle, line, rect'))
    .filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; });
  const lines = Array.from(svg.querySelectorAll('polyline, path'))
    .filter(e => e.getTotalLength && e.getTotalLength() > 10);
  return {name: f.dataset.plot, svg: true, width: box.width, height: box.height,
          texts: texts.length, drawn: drawn.length, lines: lines.length,
          caption: (f.querySelector('figcaption') || {}).textContent || ''};
});
"""

TABLES = """
return Array.from(document.querySelectorAll('table.figures')).flatMap(t =>
  Array.from(t.querySelectorAll('tr[data-metric]')).map(r => {
    const cells = Array.from(r.querySelectorAll('td[data-value]'));
    return {kind: t.dataset.scopeKind, scope: t.dataset.scope, metric: r.dataset.metric,
            value: cells.length ? cells[0].dataset.value : null,
            shown: cells.length ? cells[0].innerText.trim() : '',
            visible: r.getBoundingClientRect().height > 0};
  }));
"""


def main() -> None:
    folder, shot = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    page = folder / "report.html"
    if not page.exists():
        fail(f"{page} does not exist")
    summary = json.loads((folder / "summary.json").read_text())["summary"]
    expected_plots = len(list((folder / "plots").glob("*.svg")))

    with tempfile.TemporaryDirectory() as profile:
        driver = start_browser(profile)
        try:
            url = page.as_uri()
            driver.get(url)
            if driver.execute_script("return document.readyState") != "complete":
                fail("the page did not finish loading")

            plots = driver.execute_script(PLOTS)
            if len(plots) != expected_plots or not plots:
                fail(f"{len(plots)} plots on the page, {expected_plots} in plots/")
            for p in plots:
                if not p["svg"]:
                    fail(f"plot {p['name']} has no inline SVG")
                if p["width"] < 200 or p["height"] < 150:
                    fail(f"plot {p['name']} rendered at {p['width']}x{p['height']} px")
                if p["texts"] < 4:
                    fail(f"plot {p['name']} has {p['texts']} text elements: no title, axes or legend")
                if p["lines"] < 1 or p["drawn"] < 3:
                    fail(f"plot {p['name']} draws no series ({p['lines']} lines, {p['drawn']} shapes)")
                if "NaN" in p["caption"]:
                    fail(f"plot {p['name']}'s caption shows NaN")

            rows = driver.execute_script(TABLES)
            figures = {
                (s["kind"].lower(), s["name"], m["name"]): m["mean"]
                for s in summary["scopes"]
                for m in s["metrics"]
            }
            if not rows:
                fail("the page has no figure table")
            for r in rows:
                key = (r["kind"], r["scope"], r["metric"])
                if key not in figures:
                    fail(f"the page shows {key}, which summary.json does not have")
                want = figures[key]
                got = float(r["value"]) if r["value"] else None
                if (want is None) != (got is None) or (want is not None and got != want):
                    fail(f"{key}: the page holds {r['value']!r}, summary.json {want!r}")
                if not r["visible"] or not r["shown"] or "NaN" in r["shown"]:
                    fail(f"{key}: shown as {r['shown']!r} (visible: {r['visible']})")

            requests = []
            for entry in driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                # Requests made for the report (the browser's own start page is not its).
                params = message.get("params", {})
                if message.get("method") == "Network.requestWillBeSent" and params.get("documentURL") == url:
                    requested = params["request"]["url"]
                    if requested != url and not requested.startswith("data:"):
                        requests.append(requested)
            resources = driver.execute_script("return performance.getEntriesByType('resource').length")
            if requests or resources:
                fail(f"the page requested {requests or resources} beyond itself")

            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(max(height, 1000), 6000))
            if not driver.save_screenshot(str(shot)):
                fail("the screenshot could not be saved")
        finally:
            driver.quit()

    from PIL import Image, ImageStat

    image = Image.open(shot).convert("L")
    stat = ImageStat.Stat(image)
    dark = sum(image.histogram()[:200]) / (image.width * image.height)
    if stat.stddev[0] < 5 or dark < 0.01:
        fail(f"the screenshot {shot} looks blank (stddev {stat.stddev[0]:.1f}, {dark:.2%} dark pixels)")
    print(
        f"check_report: {page}: {len(plots)} plots, {len(rows)} figure rows, no request, "
        f"screenshot {image.width}x{image.height} ({dark:.1%} dark): ok"
    )


if __name__ == "__main__":
    main()
