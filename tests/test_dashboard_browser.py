"""The web dashboard in a real browser: headless Chromium (Playwright) against the real API
(``create_app`` over a ``PlanStore`` holding a plan built from the samples), served by uvicorn
on a free local port.

Skipped, with the reason, when Playwright or a Chromium binary is missing (``playwright
install`` is never run: the tests use the system's Chromium). A full-page screenshot is saved
to ``tests/artifacts/dashboard.png``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "tests" / "artifacts"
TOKEN = "dashboard-test-token"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
JOB_TIMEOUT_MS = 90_000

pytestmark = pytest.mark.slow  # builds a plan (about a minute) before the browser tests


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    pytest.skip("no Chromium binary: install Debian's chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def playwright_api():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed"
    )
    executable = _chromium()
    return sync_api, executable


@pytest.fixture(scope="module")
def workdir(playwright_api):
    # Our own temporary folder, not tmp_path_factory's: pytest runs started meanwhile in other
    # processes prune old basetemp folders, which would pull the store from under the server.
    with tempfile.TemporaryDirectory(prefix="staffplan-dashboard-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def plan_dir(workdir):
    from staffplan.pipeline import run_plan

    folder = workdir / "plan"
    folder.mkdir()
    config = (SAMPLES / "plan.toml").read_text()
    assert "time_limit_s = 30" in config
    (folder / "plan.toml").write_text(config.replace("time_limit_s = 30", "time_limit_s = 15"))
    run_plan(
        SAMPLES / "history.csv",
        folder / "plan.toml",
        folder / "out",
        agents_path=SAMPLES / "agents.csv",
        availability_path=SAMPLES / "availability.csv",
    )
    return folder / "out"


@pytest.fixture(scope="module")
def server(workdir, plan_dir):
    import uvicorn

    from staffplan.api import create_app
    from staffplan.store import PlanStore

    store = PlanStore(workdir / "store")
    record = store.add(plan_dir)
    app = create_app(store, token=TOKEN, run_jobs_inline=False)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="dashboard-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "plan": record, "store": store}
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(playwright_api):
    sync_api, executable = playwright_api
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    problems: list[str] = []
    requests: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("request", lambda r: requests.append(r.url))
    tab.console_problems = problems
    tab.requests = requests
    tab.goto(f"{server['url']}/#plan={server['plan'].id}")
    tab.wait_for_selector("body[data-state=ready]")
    yield tab
    context.close()


def _rows(page, attribute: str) -> list[str]:
    return page.eval_on_selector_all(
        "#roster-table tbody tr", f"rows => rows.map(r => r.dataset.{attribute})"
    )


def _wait_roster(page, text: str) -> None:
    page.wait_for_function(
        "text => document.getElementById('roster-count').textContent.includes(text)"
        " && document.getElementById('roster-section').dataset.state === 'ready'",
        arg=text,
    )


def test_page_loads_without_console_errors(page, server):
    assert page.console_problems == []
    # Everything comes from this server: no CDN, no other network.
    foreign = [u for u in page.requests if not u.startswith((server["url"] + "/", "data:"))]
    assert foreign == []
    assert any(u.endswith("/static/vendor/chart.umd.min.js") for u in page.requests)
    assert page.title() == "staffplan dashboard"
    assert page.locator("#error").is_hidden()
    headings = page.locator("h2").all_text_contents()
    for wanted in ("Plan", "Roster", "Recommendations", "What-if scenario"):
        assert wanted in headings
    summary = page.locator("#summary-table tbody tr")
    assert summary.count() == len(server["plan"].queues)
    assert page.locator("#recommendations li").count() >= 1
    # Every form control has a label.
    unlabelled = page.eval_on_selector_all(
        "select, input",
        "els => els.filter(e => !(e.labels && e.labels.length)).map(e => e.id)",
    )
    assert unlabelled == []


def test_plan_picker_lists_the_plan(page, server):
    options = page.eval_on_selector_all(
        "#plan-select option", "os => os.map(o => [o.value, o.dataset.kind, o.textContent])"
    )
    plan = server["plan"]
    assert [plan.id, "plan"] in [o[:2] for o in options]
    assert page.locator("#plan-select").input_value() == plan.id
    assert plan.id in page.locator("#plan-meta").text_content()


def test_charts_render_with_data(page):
    charts = page.evaluate(
        """() => Object.fromEntries(Object.entries(window.staffplanCharts).map(([name, c]) => [
            name,
            {
              datasets: c.data.datasets.map(d => d.data.filter(v => v !== null).length),
              x: c.options.scales.x.title.text,
              y: c.options.scales.y.title ? c.options.scales.y.title.text : '',
            },
        ]))"""
    )
    roster = page.locator("#roster-count").text_content()
    expected = {"forecast", "agents", "service", "gantt"}
    assert set(charts) >= expected, (roster, page.console_problems)
    for name, chart in charts.items():
        assert chart["datasets"], name
        assert all(n > 0 for n in chart["datasets"]), (name, chart)
    assert "per 15-min interval" in charts["forecast"]["y"]
    assert charts["agents"]["y"] == "agents"
    assert charts["service"]["y"] == "service level %"
    assert "local time" in charts["forecast"]["x"]
    assert "local time" in charts["gantt"]["x"]
    for canvas in ("chart-forecast", "chart-agents", "chart-service", "chart-gantt"):
        painted = page.evaluate(
            """id => {
              const c = document.getElementById(id);
              const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
              return [n, c.width * c.height];
            }""",
            canvas,
        )
        assert painted[0] > 0.01 * painted[1], (canvas, painted)
    # Another queue and one day: the charts follow.
    page.select_option("#queue-select", "support")
    page.select_option("#chart-day-select", index=2)
    page.wait_for_function(
        "() => window.staffplanCharts.service"
        " && window.staffplanCharts.service.options.scales.x.title.text.startsWith('time of day')"
    )
    assert "support" in page.locator("#service-caption").text_content()


def test_roster_filters_by_team_and_day(page):
    page.select_option("#day-filter", "")
    _wait_roster(page, "all teams, all days")
    everyone = _rows(page, "team")
    teams = sorted(set(everyone))
    days = sorted(set(_rows(page, "date")))
    assert len(teams) > 1 and len(days) > 1

    page.select_option("#team-filter", teams[1])
    _wait_roster(page, f"{teams[1]}, all days")
    team_rows = _rows(page, "team")
    assert team_rows and set(team_rows) == {teams[1]}
    assert len(team_rows) < len(everyone)

    page.select_option("#day-filter", days[2])
    _wait_roster(page, f"{teams[1]}, {dt.date.fromisoformat(days[2]):%a %-d %b}")
    both = list(zip(_rows(page, "team"), _rows(page, "date"), strict=True))
    assert both and set(both) == {(teams[1], days[2])}
    assert len(both) < len(team_rows)
    gantt = page.evaluate("() => window.staffplanCharts.gantt.data.labels.length")
    assert gantt == len(both)


def test_whatif_with_a_wrong_token_shows_401(page):
    page.fill("#whatif-token", "not-the-token")
    page.click("#whatif-submit")
    error = page.locator("#whatif-error")
    error.wait_for(state="visible")
    assert "401" in error.text_content()
    assert "token" in error.text_content()
    assert page.locator("#comparison").is_hidden()


def test_whatif_with_invalid_input_shows_the_422_detail(page):
    page.fill("#whatif-token", TOKEN)
    page.fill("#whatif-volume", "600")
    page.click("#whatif-submit")
    error = page.locator("#whatif-error")
    error.wait_for(state="visible")
    text = error.text_content()
    assert "422" in text and "volume_pct" in text, text


def test_whatif_shows_the_comparison_and_adds_the_scenario(page, server):
    plan = server["plan"]
    page.fill("#whatif-token", TOKEN)
    page.fill("#whatif-name", "volume plus ten")
    page.select_option("#whatif-queue", "sales")
    page.fill("#whatif-sl", "85")
    page.fill("#whatif-seconds", "20")
    page.fill("#whatif-volume", "10")
    page.click("#whatif-submit")
    page.wait_for_function(
        "() => !document.getElementById('comparison').hidden"
        " || !document.getElementById('whatif-error').hidden",
        timeout=JOB_TIMEOUT_MS,
    )
    error = page.locator("#whatif-error")
    assert error.is_hidden(), error.text_content()
    rows = page.eval_on_selector_all(
        "#comparison-table tbody tr", "rows => rows.map(r => r.dataset.queue)"
    )
    assert sorted(rows) == sorted(q.queue for q in plan.queues)
    # the plan list is reloaded after the comparison is shown: wait for it
    page.wait_for_selector(
        "#plan-select option[data-kind=scenario]", state="attached", timeout=JOB_TIMEOUT_MS
    )
    scenarios = page.eval_on_selector_all(
        "#plan-select option[data-kind=scenario]",
        "os => os.map(o => [o.value, o.dataset.parent, o.textContent])",
    )
    assert len(scenarios) == 1
    assert scenarios[0][1] == plan.id
    assert "volume plus ten" in scenarios[0][2]
    assert page.evaluate("sessionStorage.getItem('staffplan.token')") == TOKEN
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.click("#open-scenario")
    page.wait_for_function(
        "id => document.getElementById('plan-select').value === id"
        " && document.body.dataset.state === 'ready'",
        arg=scenarios[0][0],
    )
    assert plan.id in page.locator("#plan-meta").text_content()
