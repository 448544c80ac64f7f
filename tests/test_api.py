"""The HTTP API on a real plan store holding small hand-made plans.

The plans are written with the plan feed's own models (``staffplan.feed``), so they are valid
``plan.json`` documents, with a ``coverage.csv`` that has undefined measures (empty cells and
an infinite ASA). What-if jobs run inline; except in the one slow test, ``run_whatif`` is
replaced by a stand-in that writes a scenario folder the way the real one does.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from staffplan import __version__
from staffplan.api import app as app_module
from staffplan.api import create_app
from staffplan.api.__main__ import openapi_document
from staffplan.cli_serve import serve
from staffplan.feed import PlanDocument, QueueSummary, Recommendation, RosterShift
from staffplan.store import PlanStore

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TZ = ZoneInfo("Europe/Amsterdam")
OPENAPI = Path(__file__).parents[1] / "schemas" / "openapi.json"
COVERAGE_COLUMNS = [
    "interval_start",
    "queue",
    "calls",
    "required",
    "scheduled",
    "agents_on_contacts",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
    "service_level_hi",
]
DAYS = (dt.date(2026, 5, 18), dt.date(2026, 5, 19))
QUEUES = ("sales", "support")
#: (agent_id, name, team)
AGENTS = (("a1", "Ann", "north"), ("a2", "Bob", "south"), ("a3", "Cas", "north"))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def write_plan(
    folder: Path,
    plan_id: str,
    *,
    created_at: dt.datetime | None = None,
    scenario: dict | None = None,
    comparison: list[dict] | None = None,
) -> Path:
    """Write a small, schema-valid plan folder: 2 queues, 2 days of four 15-minute intervals.

    Parameters
    ----------
    folder : Path
        Created; receives plan.json, coverage.csv, roster.csv, report.html (and
        comparison.csv when ``comparison`` is given).
    plan_id : str
    created_at : datetime, optional
    scenario : dict, optional
        ``plan.json``'s scenario settings.
    comparison : list of dict, optional
        Rows of ``comparison.csv``.

    Returns
    -------
    Path
        ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    starts = [_at(day, 8, 15 * i) for day in DAYS for i in range(4)]
    lines = [",".join(COVERAGE_COLUMNS)]
    for queue in QUEUES:
        for k, start in enumerate(starts):
            asa = "inf" if (queue, k) == ("support", 0) else f"{5.0 + k:.1f}"
            abandon = "" if queue == "sales" else "0.02"
            lines.append(
                f"{start.isoformat()},{queue},{10 + k}.0,{3 + k % 2}.0,4.0,3.0,0.8,{asa},0.7,"
                f"{abandon},0.75"
            )
    (folder / "coverage.csv").write_text("\n".join(lines) + "\n")
    shifts = [
        RosterShift(
            agent_id=agent,
            name=name,
            team=team,
            date=day,
            shift_start=_at(day, 8),
            shift_end=_at(day, 16, 30),
            paid_hours=8.0,
            queues=["sales", "support"] if team == "north" else ["support"],
            breaks=[(_at(day, 12), _at(day, 12, 30), "lunch")],
        )
        for day in DAYS
        for agent, name, team in AGENTS
    ]
    document = PlanDocument(
        plan_id=plan_id,
        created_at=created_at or dt.datetime(2026, 5, 17, 12, tzinfo=dt.UTC),
        centre="Test centre",
        timezone="Europe/Amsterdam",
        interval_minutes=15,
        horizon_start=starts[0],
        horizon_end=_at(DAYS[-1], 9),
        config_digest="0" * 64,
        scenario=scenario,
        paid_hours=48.0,
        cost=1200.0,
        queues=[
            QueueSummary(
                queue=queue,
                channel="voice",
                calls=100.0,
                target_service_level=0.8,
                threshold_s=20.0,
                required_hours=8.0,
                scheduled_hours=8.0,
                expected_service_level=0.8,
            )
            for queue in QUEUES
        ],
        intervals=[],
        roster=shifts,
        recommendations=[
            Recommendation(
                kind="understaffed",
                queue="sales",
                start=starts[0],
                end=starts[2],
                agents=2,
                message="sales under target Mon 08:00-08:30: +2 agents",
            )
        ],
    )
    (folder / "plan.json").write_text(document.model_dump_json(indent=1))
    (folder / "roster.csv").write_text("agent_id,shift_start\na1,2026-05-18T08:00:00+02:00\n")
    (folder / "report.html").write_text("<!doctype html><title>report</title><p>plan</p>")
    if comparison is not None:
        columns = list(comparison[0])
        rows = [",".join(str(row[c]) for c in columns) for row in comparison]
        (folder / "comparison.csv").write_text("\n".join([",".join(columns), *rows]) + "\n")
    return folder


def fake_whatif(calls: list | None = None):
    """A stand-in for ``staffplan.whatif.run_whatif`` that writes a scenario plan folder."""

    def run_whatif(plan_dir, scenario, *, out_dir=None, reschedule=False, **kwargs):
        if calls is not None:
            calls.append(
                {
                    "plan_dir": Path(plan_dir),
                    "scenario": scenario,
                    "out": out_dir,
                    "simulate": kwargs.get("simulate", 0),
                }
            )
        base = json.loads((Path(plan_dir) / "plan.json").read_text())["plan_id"]
        settings = {
            "name": scenario.name,
            "targets": {q: list(t) for q, t in scenario.targets.items()},
            "volume_factor": scenario.volume_factor,
            "aht_factor": scenario.aht_factor,
            "shrinkage": scenario.shrinkage,
            "reschedule": reschedule,
            "base_plan_id": base,
        }
        comparison = [
            {"queue": q, "scheduled_hours_base": 8.0, "scheduled_hours_scenario": 9.5}
            for q in QUEUES
        ]
        plan_id = f"scenario-20260517T120000-{len(calls or []):08x}"
        write_plan(Path(out_dir), plan_id, scenario=settings, comparison=comparison)

    return run_whatif


@pytest.fixture
def store(tmp_path):
    plan_store = PlanStore(tmp_path / "store")
    early = dt.datetime(2026, 5, 10, tzinfo=dt.UTC)
    plan_store.add(write_plan(tmp_path / "src" / "a", "plan-a", created_at=early))
    plan_store.add(write_plan(tmp_path / "src" / "b", "plan-b"))
    return plan_store


@pytest.fixture
def client(store):
    return TestClient(create_app(store, token=TOKEN, run_jobs_inline=True))


@pytest.fixture
def whatif_calls(monkeypatch):
    calls: list = []
    monkeypatch.setattr("staffplan.whatif.run_whatif", fake_whatif(calls))
    return calls


# ---------------------------------------------------------------------- reads


def test_health_counts_the_plans(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__, "plans": 2}


def test_plans_are_listed_newest_first_and_filtered_by_kind(client):
    listed = client.get("/plans").json()
    assert [p["id"] for p in listed] == ["plan-b", "plan-a"]
    assert listed[0]["kind"] == "plan"
    assert [q["queue"] for q in listed[0]["queues"]] == ["sales", "support"]
    assert {"plan.json", "coverage.csv", "report.html"} <= set(listed[0]["files"])
    assert [p["id"] for p in client.get("/plans", params={"kind": "plan"}).json()] == [
        "plan-b",
        "plan-a",
    ]
    assert client.get("/plans", params={"kind": "scenario"}).json() == []
    assert client.get("/plans", params={"kind": "draft"}).status_code == 422


def test_a_plan_is_its_plan_json(client, store):
    response = client.get("/plans/plan-a")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == json.loads((store.folder("plan-a") / "plan.json").read_text())
    assert client.get("/plans/nope").status_code == 404
    assert "nope" in client.get("/plans/nope").json()["detail"]


def test_coverage_rows_with_nulls_for_undefined_measures(client):
    rows = client.get("/plans/plan-a/coverage").json()
    assert len(rows) == 2 * 8
    first = rows[0]
    assert list(first) == COVERAGE_COLUMNS  # no sim_* keys: the plan has no simulation
    assert first["interval_start"] == "2026-05-18T08:00:00+02:00"
    assert first["queue"] == "sales" and first["calls"] == 10.0
    assert first["abandon_rate"] is None  # empty cell
    support = [r for r in rows if r["queue"] == "support"]
    assert support[0]["asa_s"] is None  # inf
    assert support[1]["asa_s"] == 6.0 and support[1]["abandon_rate"] == 0.02


def test_coverage_filters_by_queue_and_local_day(client):
    url = "/plans/plan-a/coverage"
    sales = client.get(url, params={"queue": "support"}).json()
    assert len(sales) == 8 and {r["queue"] for r in sales} == {"support"}
    tuesday = client.get(url, params={"date": "2026-05-19"}).json()
    assert len(tuesday) == 8
    assert all(r["interval_start"].startswith("2026-05-19T") for r in tuesday)
    both = client.get(url, params={"queue": "sales", "date": "2026-05-19"}).json()
    assert [r["interval_start"][11:16] for r in both] == ["08:00", "08:15", "08:30", "08:45"]
    assert client.get(url, params={"queue": "email"}).json() == []
    assert client.get(url, params={"date": "2026-05-20"}).json() == []
    bad = client.get(url, params={"date": "19-05-2026"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "date"]


def test_roster_filters_by_agent_team_and_day(client):
    url = "/plans/plan-a/roster"
    everyone = client.get(url).json()
    assert len(everyone) == 6
    assert everyone[0]["breaks"] == [
        ["2026-05-18T12:00:00+02:00", "2026-05-18T12:30:00+02:00", "lunch"]
    ]
    ann = client.get(url, params={"agent": "a1"}).json()
    assert [(s["agent_id"], s["date"]) for s in ann] == [("a1", "2026-05-18"), ("a1", "2026-05-19")]
    north = client.get(url, params={"team": "north"}).json()
    assert {s["agent_id"] for s in north} == {"a1", "a3"} and len(north) == 4
    monday_north = client.get(url, params={"team": "north", "date": "2026-05-18"}).json()
    assert [s["agent_id"] for s in monday_north] == ["a1", "a3"]
    assert client.get(url, params={"agent": "zz"}).json() == []
    assert client.get("/plans/nope/roster").status_code == 404


def test_recommendations(client):
    recommendations = client.get("/plans/plan-b/recommendations").json()
    assert len(recommendations) == 1
    assert recommendations[0]["kind"] == "understaffed" and recommendations[0]["agents"] == 2


def test_comparison_only_for_scenarios(client):
    response = client.get("/plans/plan-a/comparison")
    assert response.status_code == 404
    assert "not a scenario" in response.json()["detail"]


def test_files_are_served_by_listed_name_only(client):
    report = client.get("/plans/plan-a/files/report.html")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert report.headers["content-security-policy"] == "sandbox"
    assert report.headers["x-content-type-options"] == "nosniff"
    assert "<p>plan</p>" in report.text
    roster = client.get("/plans/plan-a/files/roster.csv")
    assert roster.text.startswith("agent_id,shift_start")
    assert client.get("/plans/plan-a/files/forecast.csv").status_code == 404  # not stored
    assert client.get("/plans/nope/files/report.html").status_code == 404


def test_delete_removes_the_plan(client):
    assert client.delete("/plans/plan-a", headers=AUTH).status_code == 204
    assert client.get("/plans/plan-a").status_code == 404
    assert [p["id"] for p in client.get("/plans").json()] == ["plan-b"]
    assert client.get("/health").json()["plans"] == 1


def test_a_plan_stored_again_under_its_id_is_read_afresh(client, store, tmp_path):
    url = "/plans/plan-a/roster"
    assert len(client.get(url).json()) == 6
    assert len(client.get("/plans/plan-a/coverage").json()) == 16
    store.delete("plan-a")
    again = write_plan(tmp_path / "again", "plan-a")
    document = json.loads((again / "plan.json").read_text())
    document["roster"] = document["roster"][:1]
    (again / "plan.json").write_text(json.dumps(document))
    (again / "coverage.csv").write_text(",".join(COVERAGE_COLUMNS) + "\n")
    store.add(again)
    assert len(client.get(url).json()) == 1
    assert client.get("/plans/plan-a/coverage").json() == []


def test_dashboard_page_and_static_files(tmp_path, store, monkeypatch):
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>staffplan</title>")
    (static / "app.js").write_text("console.log('hi');")
    monkeypatch.setattr(app_module, "STATIC_DIR", static)
    client = TestClient(create_app(store, token=None))
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>staffplan</title>" in page.text
    assert client.get("/static/app.js").text == "console.log('hi');"


def test_the_app_works_without_the_dashboard(tmp_path, store, monkeypatch):
    monkeypatch.setattr(app_module, "STATIC_DIR", tmp_path / "missing")
    client = TestClient(create_app(store, token=None))
    assert client.get("/health").status_code == 200
    page = client.get("/")
    assert page.status_code == 404 and "dashboard" in page.json()["detail"]
    assert client.get("/static/app.js").status_code == 404


# ---------------------------------------------------------------------- scenario jobs


def test_scenario_job_end_to_end(client, store, whatif_calls):
    body = {
        "plan_id": "plan-a",
        "name": "peak",
        "targets": {"sales": "90/20"},
        "volume_pct": 10,
        "aht_pct": -5,
        "shrinkage": 0.35,
        "reschedule": True,
        "simulate": 40,
    }
    response = client.post("/scenarios", json=body, headers=AUTH)
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/scenarios/{job['id']}"
    assert job["status"] == "done", job["error"]
    assert job["base_plan_id"] == "plan-a" and job["error"] is None
    assert job["request"]["targets"] == {"sales": "90/20"}
    (call,) = whatif_calls
    assert call["plan_dir"] == store.folder("plan-a")
    assert not call["out"].exists()  # the temp folder is gone once the plan is stored
    scenario = call["scenario"]
    assert scenario.name == "peak" and scenario.targets == {"sales": (0.9, 20.0)}
    assert scenario.volume_factor == pytest.approx(1.10)
    assert scenario.aht_factor == pytest.approx(0.95)
    assert scenario.shrinkage == 0.35
    assert call["simulate"] == 40

    result = job["result_plan_id"]
    assert client.get(f"/scenarios/{job['id']}").json() == job
    assert [j["id"] for j in client.get("/scenarios").json()] == [job["id"]]
    (listed,) = client.get("/plans", params={"kind": "scenario"}).json()
    assert listed["id"] == result and listed["parent_id"] == "plan-a"
    assert listed["name"] == "peak"
    assert client.get(f"/plans/{result}").json()["scenario"]["reschedule"] is True
    comparison = client.get(f"/plans/{result}/comparison").json()
    assert comparison[0] == {
        "queue": "sales",
        "scheduled_hours_base": 8.0,
        "scheduled_hours_scenario": 9.5,
    }


def test_a_failing_what_if_fails_the_job_with_its_reason(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("the plan folder has no forecast.csv")

    monkeypatch.setattr("staffplan.whatif.run_whatif", broken)
    response = client.post("/scenarios", json={"plan_id": "plan-a"}, headers=AUTH)
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "failed"
    assert job["error"] == "the plan folder has no forecast.csv"
    assert job["finished_at"] is not None and job["result_plan_id"] is None
    assert client.get("/plans", params={"kind": "scenario"}).json() == []


def test_unknown_plan_or_queue_is_refused_before_a_job_exists(client, whatif_calls):
    missing = client.post("/scenarios", json={"plan_id": "plan-x"}, headers=AUTH)
    assert missing.status_code == 404
    body = {"plan_id": "plan-a", "targets": {"sales": "90/20", "email": "80/60"}}
    unknown = client.post("/scenarios", json=body, headers=AUTH)
    assert unknown.status_code == 422
    (error,) = unknown.json()["detail"]
    assert error["loc"] == ["body", "targets", "email"]
    assert "unknown queue 'email'" in error["msg"] and "sales, support" in error["msg"]
    assert client.get("/scenarios").json() == [] and whatif_calls == []


@pytest.mark.parametrize("replications", [-1, 501, 2.5])
def test_a_simulation_outside_0_to_500_replications_is_refused(client, whatif_calls, replications):
    body = {"plan_id": "plan-a", "simulate": replications}
    response = client.post("/scenarios", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "simulate"]
    assert whatif_calls == []


def test_background_jobs_run_in_the_worker_thread(store, whatif_calls):
    app = create_app(store, token=TOKEN)
    with TestClient(app) as client:
        job = client.post("/scenarios", json={"plan_id": "plan-b"}, headers=AUTH).json()
        assert job["status"] in ("queued", "running", "done")
        deadline = time.monotonic() + 30
        while job["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
            job = client.get(f"/scenarios/{job['id']}").json()
        assert job["status"] == "done", job
        assert client.get(f"/plans/{job['result_plan_id']}").status_code == 200


def test_jobs_left_unfinished_are_failed_when_the_server_starts(store):
    running = store.create_job("plan-a", {"plan_id": "plan-a"})
    store.update_job(running.id, status="running")
    queued = store.create_job("plan-a", {"plan_id": "plan-a"})
    finished = store.create_job("plan-a", {"plan_id": "plan-a"})
    store.update_job(finished.id, status="done", result_plan_id="plan-b")
    with TestClient(create_app(store, token=TOKEN)) as client:
        jobs = {j["id"]: j for j in client.get("/scenarios").json()}
    assert jobs[running.id]["status"] == jobs[queued.id]["status"] == "failed"
    assert "server stopped" in jobs[running.id]["error"]
    assert jobs[finished.id]["status"] == "done"


# ---------------------------------------------------------------------- OpenAPI and serve


def test_published_openapi_is_current():
    """Regenerate with `.venv/bin/python -m staffplan.api > schemas/openapi.json`."""
    assert json.loads(OPENAPI.read_text()) == json.loads(json.dumps(openapi_document()))


def test_openapi_documents_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/health": {"get"},
        "/plans": {"get"},
        "/plans/{plan_id}": {"get", "delete"},
        "/plans/{plan_id}/coverage": {"get"},
        "/plans/{plan_id}/roster": {"get"},
        "/plans/{plan_id}/recommendations": {"get"},
        "/plans/{plan_id}/comparison": {"get"},
        "/plans/{plan_id}/files/{name}": {"get"},
        "/scenarios": {"get", "post"},
        "/scenarios/{job_id}": {"get"},
    } == {path: set(methods) for path, methods in paths.items()}
    assert paths["/scenarios"]["post"]["security"] == [{"token": []}]
    assert "401" in paths["/plans/{plan_id}"]["delete"]["responses"]


@pytest.fixture
def serve_cli(monkeypatch):
    started: dict = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: started.update(app=app, **kwargs))
    monkeypatch.delenv("STAFFPLAN_TOKEN", raising=False)
    cli = typer.Typer()
    cli.command("serve")(serve)
    cli.command("other")(lambda: None)  # two commands, so "serve" is a sub-command
    return cli, started


def test_serve_binds_to_localhost_and_reads_the_token_file(tmp_path, serve_cli):
    cli, started = serve_cli
    token_file = tmp_path / "token"
    token_file.write_text(f"  {TOKEN}\n")
    result = CliRunner().invoke(
        cli, ["serve", "--store", str(tmp_path / "s"), "--token-file", str(token_file)]
    )
    assert result.exit_code == 0, result.output
    assert started["host"] == "127.0.0.1" and started["port"] == 8000
    assert started["app"].state.token == TOKEN
    assert "http://127.0.0.1:8000/" in result.output
    assert str((tmp_path / "s").resolve()) in result.output


def test_serve_takes_the_token_from_the_environment(tmp_path, serve_cli, monkeypatch):
    cli, started = serve_cli
    monkeypatch.setenv("STAFFPLAN_TOKEN", "from-env")
    result = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert started["app"].state.token == "from-env" and started["port"] == 8123


def test_serve_without_a_token_says_writes_are_disabled(tmp_path, serve_cli):
    cli, started = serve_cli
    result = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert started["app"].state.token is None
    assert "writes disabled" in result.output and "no TLS" in result.output


def test_serve_refuses_an_empty_token_file(tmp_path, serve_cli):
    cli, started = serve_cli
    (tmp_path / "token").write_text("\n")
    args = ["serve", "--store", str(tmp_path), "--token-file", str(tmp_path / "token")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "empty" in result.output
    assert started == {}


# ---------------------------------------------------------------------- the real what-if

SAMPLES = Path(__file__).parents[1] / "data" / "samples"


@pytest.mark.slow
def test_a_real_what_if_on_a_real_plan(tmp_path):
    """The sample centre planned for real (solver capped at 3 s), then a scenario via the API."""
    from staffplan.pipeline import run_plan

    config = (SAMPLES / "plan.toml").read_text()
    assert "time_limit_s = 30" in config
    (tmp_path / "plan.toml").write_text(config.replace("time_limit_s = 30", "time_limit_s = 3"))
    run_plan(
        SAMPLES / "history.csv",
        tmp_path / "plan.toml",
        tmp_path / "plan",
        agents_path=SAMPLES / "agents.csv",
        availability_path=SAMPLES / "availability.csv",
    )
    store = PlanStore(tmp_path / "store")
    base = store.add(tmp_path / "plan").id
    client = TestClient(create_app(store, token=TOKEN, run_jobs_inline=True))
    body = {"plan_id": base, "name": "busy", "targets": {"sales": "90/20"}, "volume_pct": 10}
    job = client.post("/scenarios", json=body, headers=AUTH).json()
    assert job["status"] == "done", job["error"]
    result = job["result_plan_id"]
    assert result.startswith("scenario-")
    document = client.get(f"/plans/{result}").json()
    assert document["scenario"]["base_plan_id"] == base
    assert document["scenario"]["volume_factor"] == pytest.approx(1.1)
    comparison = {row["queue"]: row for row in client.get(f"/plans/{result}/comparison").json()}
    assert set(comparison) == {"sales", "support", "chat", "email"}
    assert comparison["sales"]["calls_scenario"] == pytest.approx(
        1.1 * comparison["sales"]["calls_base"]
    )
    assert client.get(f"/plans/{result}/coverage", params={"queue": "sales"}).json()
