"""The plan store: catalog and folders agree, ids cannot escape, crashes leave it readable."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from staffplan.cli_store import plans_app
from staffplan.feed import IntervalRow, PlanDocument, QueueSummary, RosterShift
from staffplan.store import JobNotFound, PlanNotFound, PlanStore
from staffplan.store import store as store_module

TZ = dt.timezone(dt.timedelta(hours=1))
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)


def write_plan(
    folder: Path,
    plan_id: str,
    *,
    created_at: dt.datetime | None = None,
    scenario: dict | None = None,
    payload: int = 0,
) -> Path:
    """A small schema-valid plan folder: 1 queue, 2 intervals, 1 roster shift, a few files."""
    document = PlanDocument(
        plan_id=plan_id,
        created_at=created_at or dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
        centre="Test centre",
        timezone="Europe/Amsterdam",
        interval_minutes=15,
        horizon_start=START,
        horizon_end=START + dt.timedelta(minutes=30),
        config_digest="c0ffee" * 10 + "abcd",
        scenario=scenario,
        paid_hours=8.0,
        cost=184.0,
        queues=[
            QueueSummary(
                queue="sales",
                channel="voice",
                calls=21.0,
                target_service_level=0.8,
                threshold_s=20,
                required_hours=0.5,
                scheduled_hours=0.5,
                expected_service_level=0.86,
            )
        ],
        intervals=[
            IntervalRow(
                interval_start=START + dt.timedelta(minutes=15 * i),
                queue="sales",
                calls=10.0 + i,
                required=1.0,
                scheduled=1.0,
                service_level=0.86,
            )
            for i in range(2)
        ],
        roster=[
            RosterShift(
                agent_id="a01",
                name="Ann",
                team="red",
                date=START.date(),
                shift_start=START,
                shift_end=START + dt.timedelta(hours=8),
                paid_hours=8.0,
                queues=["sales"],
            )
        ],
        recommendations=[],
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.json").write_text(document.model_dump_json(indent=2), encoding="utf-8")
    (folder / "roster.csv").write_text("agent_id,shift_start\na01,2026-03-02T08:00:00+01:00\n")
    (folder / "report.html").write_text("<html><body>plan</body></html>\n")
    if payload:
        (folder / "coverage.csv").write_bytes(b"x" * payload)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> PlanStore:
    with PlanStore(tmp_path / "store") as plan_store:
        yield plan_store


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".tmp-", ".trash-")))


# ---------------------------------------------------------------------- plans


def test_add_get_list_document_file_delete(store: PlanStore, tmp_path: Path):
    source = write_plan(tmp_path / "src", "plan-20260301T120000-abcd1234")
    (source / "sub").mkdir()
    (source / "sub" / "inner.txt").write_text("not copied")
    (source / ".plan.json.x.tmp").write_text("an atomic writer's leftover")
    outside = tmp_path / "secret.txt"
    outside.write_text("never copied")
    (source / "link.txt").symlink_to(outside)

    record = store.add(source)

    assert record.id == "plan-20260301T120000-abcd1234"
    assert record.kind == "plan" and record.parent_id is None and record.name is None
    assert record.centre == "Test centre"
    assert record.horizon_start == START and record.horizon_end.utcoffset() == dt.timedelta(hours=1)
    assert (record.paid_hours, record.cost) == (8.0, 184.0)
    assert [(q.queue, q.channel, q.target_service_level) for q in record.queues] == [
        ("sales", "voice", 0.8)
    ]
    assert record.queues[0].expected_service_level == 0.86
    assert record.files == ["plan.json", "report.html", "roster.csv"]
    assert store.get(record.id) == record
    assert store.list() == [record]
    folder = store.folder(record.id)
    assert folder == store.root / "plans" / record.id
    assert sorted(os.listdir(folder)) == record.files
    assert store.document(record.id) == json.loads((source / "plan.json").read_text())
    assert store.file(record.id, "roster.csv").read_bytes() == (source / "roster.csv").read_bytes()
    assert leftovers(store.root) == []

    store.delete(record.id)
    assert store.list() == []
    assert not folder.exists()
    with pytest.raises(PlanNotFound):
        store.get(record.id)
    with pytest.raises(PlanNotFound):
        store.delete(record.id)
    assert leftovers(store.root) == []
    assert (source / "plan.json").exists(), "the source folder is left alone"


def test_records_survive_reopening_with_their_offsets(tmp_path: Path):
    created = dt.datetime(2026, 3, 1, 13, 30, tzinfo=TZ)
    with PlanStore(tmp_path / "store") as first:
        added = first.add(write_plan(tmp_path / "src", "p1", created_at=created))
    with PlanStore(tmp_path / "store") as second:
        again = second.get("p1")
    assert again == added
    assert again.created_at.utcoffset() == dt.timedelta(hours=1)
    assert json.loads(again.model_dump_json())["created_at"] == "2026-03-01T13:30:00+01:00"


def test_duplicate_id_is_refused_and_changes_nothing(store: PlanStore, tmp_path: Path):
    store.add(write_plan(tmp_path / "a", "same-id"))
    second = write_plan(tmp_path / "b", "same-id")
    (second / "extra.csv").write_text("x\n")
    with pytest.raises(ValueError, match="already has a plan 'same-id'"):
        store.add(second)
    assert [r.id for r in store.list()] == ["same-id"]
    assert store.get("same-id").files == ["plan.json", "report.html", "roster.csv"]
    assert not (store.folder("same-id") / "extra.csv").exists()
    assert leftovers(store.root) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "needs a plan.json"),
        ("{not json", "not a valid plan.json"),
        ('{"plan_id": "x"}', "not a valid plan.json"),
    ],
)
def test_invalid_plan_folder_is_refused_naming_the_file(
    store: PlanStore, tmp_path: Path, content, message
):
    source = tmp_path / "src"
    source.mkdir()
    if content is not None:
        (source / "plan.json").write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        store.add(source)
    assert str(source / "plan.json") in str(info.value)
    assert store.list() == [] and os.listdir(store.plans_dir) == []
    assert leftovers(store.root) == []


@pytest.mark.parametrize("plan_id", ["../escape", "a..b", "a/b", ".hidden", "", "x" * 129])
def test_plan_json_with_an_unusable_id_is_refused(store: PlanStore, tmp_path: Path, plan_id):
    source = write_plan(tmp_path / "src", plan_id)
    with pytest.raises(ValueError, match="plan_id is not usable") as info:
        store.add(source)
    assert str(source / "plan.json") in str(info.value)
    assert os.listdir(store.plans_dir) == []
    assert not (store.root / "escape").exists()


def test_missing_source_folder_is_refused(store: PlanStore, tmp_path: Path):
    with pytest.raises(ValueError, match="not a folder"):
        store.add(tmp_path / "nowhere")


BAD_IDS = [
    "..",
    ".",
    "../store",
    "../../etc/passwd",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "a..b",
    "plan\n",
    ".hidden",
    "",
    "x" * 129,
    "p\x00",
    None,
    42,
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_ids_are_not_found_and_touch_nothing(store: PlanStore, tmp_path: Path, bad):
    store.add(write_plan(tmp_path / "src", "kept"))
    # a folder the id would reach if it were used as a path
    target = store.root / "store"
    target.mkdir()
    for call in (store.get, store.folder, store.document, store.delete, store.get_job):
        with pytest.raises(PlanNotFound):
            call(bad)
    with pytest.raises(PlanNotFound):
        store.file(bad, "plan.json")
    with pytest.raises(PlanNotFound):
        store.create_job(bad, {})
    assert target.is_dir()
    assert [r.id for r in store.list()] == ["kept"]


@pytest.mark.parametrize(
    "name",
    [
        "../catalog.sqlite",
        "../../plans/kept/plan.json",
        "/etc/passwd",
        "plan.json/",
        "./plan.json",
        "",
        "stray.txt",
        "PLAN.JSON",
        None,
    ],
)
def test_file_serves_only_listed_names(store: PlanStore, tmp_path: Path, name):
    store.add(write_plan(tmp_path / "src", "kept"))
    (store.folder("kept") / "stray.txt").write_text("not in the record")
    with pytest.raises(PlanNotFound):
        store.file("kept", name)
    assert store.file("kept", "plan.json").name == "plan.json"


def test_file_of_a_listed_name_replaced_by_a_link_is_refused(store: PlanStore, tmp_path: Path):
    store.add(write_plan(tmp_path / "src", "kept"))
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the store")
    roster = store.folder("kept") / "roster.csv"
    roster.unlink()
    roster.symlink_to(secret)
    with pytest.raises(PlanNotFound):
        store.file("kept", "roster.csv")


def test_kind_filter_order_and_scenario_defaults(store: PlanStore, tmp_path: Path):
    base = store.add(write_plan(tmp_path / "b", "base", created_at=dt.datetime(2026, 3, 1, 9)))
    older = store.add(
        write_plan(tmp_path / "o", "older", created_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    )
    scenario = store.add(
        write_plan(
            tmp_path / "s",
            "scenario-20260301T100000-0a1b2c3d",
            created_at=dt.datetime(2026, 3, 1, 10, 30, tzinfo=TZ),  # 09:30 UTC
            scenario={"name": "busy monday", "base_plan_id": "base", "volume_factor": 1.1},
        ),
        kind="scenario",
    )
    named = store.add(
        write_plan(tmp_path / "n", "named", created_at=dt.datetime(2026, 3, 1, 9, 15)),
        kind="scenario",
        parent_id="older",
        name="my label",
    )
    assert (scenario.parent_id, scenario.name) == ("base", "busy monday")
    assert (named.parent_id, named.name) == ("older", "my label")
    assert [r.id for r in store.list()] == [scenario.id, named.id, base.id, older.id]
    assert [r.id for r in store.list(kind="plan")] == [base.id, older.id]
    assert [r.id for r in store.list(kind="scenario")] == [scenario.id, named.id]
    assert store.count() == 4 and store.count(kind="scenario") == 2
    with pytest.raises(ValueError, match="kind"):
        store.list(kind="bogus")
    with pytest.raises(ValueError, match="kind"):
        store.add(write_plan(tmp_path / "x", "x"), kind="bogus")
    with pytest.raises(ValueError, match="parent"):
        store.add(write_plan(tmp_path / "y", "y"), parent_id="../up")


# ---------------------------------------------------------------------- failures and sweeping


def test_a_failed_catalog_insert_removes_the_copied_folder(
    store: PlanStore, tmp_path: Path, monkeypatch
):
    def broken_insert(table):
        raise RuntimeError("database went away")

    monkeypatch.setattr(store_module, "insert", broken_insert)
    with pytest.raises(RuntimeError, match="went away"):
        store.add(write_plan(tmp_path / "src", "p1"))
    monkeypatch.undo()
    assert store.list() == []
    assert os.listdir(store.plans_dir) == []
    assert leftovers(store.root) == []
    assert store.add(write_plan(tmp_path / "src", "p1")).id == "p1"


def test_a_failed_copy_leaves_nothing(store: PlanStore, tmp_path: Path, monkeypatch):
    def broken_copy(source, dest):
        (dest / "plan.json").write_text("{half")
        raise OSError("disk full")

    monkeypatch.setattr(store_module.folders, "copy_plan_files", broken_copy)
    with pytest.raises(OSError, match="disk full"):
        store.add(write_plan(tmp_path / "src", "p1"))
    assert store.list() == [] and os.listdir(store.plans_dir) == []
    assert leftovers(store.root) == []


def test_opening_sweeps_leftovers_and_keeps_catalogued_plans(tmp_path: Path):
    root = tmp_path / "store"
    with PlanStore(root) as plan_store:
        plan_store.add(write_plan(tmp_path / "src", "kept"))
    (root / ".tmp-0123").mkdir()
    (root / ".tmp-0123" / "plan.json").write_text("{half")
    (root / ".trash-4567").mkdir()
    write_plan(root / "plans" / "orphan", "orphan")  # renamed, but its row never committed
    with PlanStore(root) as plan_store:
        assert plan_store.list()[0].id == "kept"
        assert sorted(os.listdir(root / "plans")) == ["kept"]
        assert leftovers(root) == []
        assert plan_store.sweep() == []
        assert plan_store.file("kept", "plan.json").is_file()


def test_an_uncatalogued_folder_of_the_same_id_does_not_block_an_add(
    store: PlanStore, tmp_path: Path
):
    write_plan(store.plans_dir / "p1", "p1")  # a crashed add's folder
    record = store.add(write_plan(tmp_path / "src", "p1", payload=10))
    assert "coverage.csv" in record.files
    assert (store.folder("p1") / "coverage.csv").stat().st_size == 10


def test_sweep_waits_for_writers_in_progress(tmp_path: Path):
    """A writer holds the shared lock: a sweep then skips instead of removing its folder."""
    root = tmp_path / "store"
    with PlanStore(root) as plan_store:
        in_flight = write_plan(root / "plans" / "in-flight", "in-flight")
        with store_module.folders.locked(plan_store.root):
            assert plan_store.sweep() == []
            assert in_flight.is_dir()
        assert plan_store.sweep() == ["plans/in-flight"]


# ---------------------------------------------------------------------- catalogs


def test_another_sqlalchemy_url_holds_the_catalog(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    root = tmp_path / "store"
    with PlanStore(root, url=url) as plan_store:
        plan_store.add(write_plan(tmp_path / "src", "p1"))
        job = plan_store.create_job("p1", {"volume_pct": 10})
    assert (tmp_path / "other.db").is_file()
    assert not (root / "catalog.sqlite").exists()
    with PlanStore(root, url=url) as again:
        assert [r.id for r in again.list()] == ["p1"]
        assert again.get_job(job.id).request == {"volume_pct": 10}
    # The default catalog would not list p1, and its sweep would delete the folder: refused.
    with pytest.raises(ValueError, match="catalogued in"):
        PlanStore(root)
    assert (root / "plans" / "p1" / "plan.json").is_file()


PG_URL = os.environ.get("STAFFPLAN_TEST_PG_URL")


@pytest.mark.skipif(
    not PG_URL, reason="set STAFFPLAN_TEST_PG_URL to a scratch PostgreSQL database to run"
)
def test_postgresql_catalog(tmp_path: Path):
    """The same store on PostgreSQL (its plans and scenario_jobs tables are emptied first)."""
    from sqlalchemy import create_engine

    from staffplan.store.catalog import metadata

    engine = create_engine(PG_URL)
    metadata.drop_all(engine)
    engine.dispose()
    root = tmp_path / "store"
    with PlanStore(root, url=PG_URL) as plan_store:
        sources = [write_plan(tmp_path / f"s{i}", f"pg-{i}") for i in range(8)]
        threads = [threading.Thread(target=plan_store.add, args=(s,)) for s in sources]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with pytest.raises(ValueError, match="already has"):
            plan_store.add(sources[0])
        job = plan_store.create_job("pg-0", {"volume_pct": 5})
        plan_store.update_job(job.id, status="done", result_plan_id="pg-1")
    with PlanStore(root, url=PG_URL) as again:
        assert sorted(r.id for r in again.list()) == [f"pg-{i}" for i in range(8)]
        assert again.get("pg-3").created_at.tzinfo is not None
        assert again.get_job(job.id).status == "done"
        again.delete("pg-0")
        assert again.count() == 7 and not (root / "plans" / "pg-0").exists()


def test_in_memory_catalog_works(tmp_path: Path):
    with PlanStore(tmp_path / "store", url="sqlite://") as plan_store:
        plan_store.add(write_plan(tmp_path / "src", "p1"))
        assert [r.id for r in plan_store.list()] == ["p1"]


# ---------------------------------------------------------------------- scenario jobs


def test_job_lifecycle(store: PlanStore, tmp_path: Path):
    store.add(write_plan(tmp_path / "src", "base"))
    request = {"plan_id": "base", "targets": {"sales": "90/20"}, "volume_pct": 10.0}
    job = store.create_job("base", request)
    assert job.id.startswith("job-") and len(job.id) == 16
    assert (job.status, job.request, job.result_plan_id, job.error) == (
        "queued",
        request,
        None,
        None,
    )
    assert job.finished_at is None and job.created_at.tzinfo is not None
    running = store.update_job(job.id, status="running")
    assert running.status == "running" and running.finished_at is None
    done = store.update_job(job.id, status="done", result_plan_id="scenario-1")
    assert (done.status, done.result_plan_id) == ("done", "scenario-1")
    assert done.finished_at >= done.created_at
    assert store.get_job(job.id) == done
    with pytest.raises(ValueError, match="already finished"):
        store.update_job(job.id, status="running")

    failed = store.create_job("base", {"volume_pct": 900})
    failed = store.update_job(failed.id, status="failed", error="volume_pct must be <= 500")
    assert failed.error == "volume_pct must be <= 500" and failed.finished_at is not None
    assert [j.id for j in store.list_jobs()] == [failed.id, job.id]

    with pytest.raises(ValueError, match="status"):
        store.update_job(job.id, status="exploded")
    with pytest.raises(JobNotFound):
        store.get_job("job-000000000000")
    with pytest.raises(KeyError):
        store.update_job("job-000000000000", status="running")
    with pytest.raises(PlanNotFound):
        store.create_job("no-such-plan", {})
    with pytest.raises(ValueError, match="JSON"):
        store.create_job("base", {"when": dt.datetime.now()})
    store.delete("base")
    assert store.get_job(job.id) == done, "jobs are history: they outlive their plan"


# ---------------------------------------------------------------------- concurrency


def test_threads_add_and_list_at_once(store: PlanStore, tmp_path: Path):
    sources = [write_plan(tmp_path / f"src{i}", f"t{i:02d}") for i in range(24)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def adder(chunk):
        try:
            for source in chunk:
                store.add(source)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader():
        try:
            while not stop.is_set():
                for record in store.list():
                    assert store.document(record.id)["plan_id"] == record.id
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    adders = [threading.Thread(target=adder, args=(sources[i::4],)) for i in range(4)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in adders + readers:
        thread.start()
    for thread in adders:
        thread.join(60)
    stop.set()
    for thread in readers:
        thread.join(60)
    assert errors == []
    assert sorted(r.id for r in store.list()) == [f"t{i:02d}" for i in range(24)]


def test_threads_adding_the_same_id_one_wins(store: PlanStore, tmp_path: Path):
    sources = [write_plan(tmp_path / f"src{i}", "contested", payload=i + 1) for i in range(6)]
    outcomes: list[object] = []

    def adder(source):
        try:
            outcomes.append(store.add(source))
        except ValueError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=adder, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(won) == 1 and len(outcomes) == 6
    assert all("already has a plan" in str(o) for o in outcomes if isinstance(o, Exception))
    size = (store.folder("contested") / "coverage.csv").stat().st_size
    assert [r.id for r in store.list()] == ["contested"] and 1 <= size <= 6
    assert os.listdir(store.plans_dir) == ["contested"] and leftovers(store.root) == []


CHILD = textwrap.dedent(
    """
    import json, shutil, sys
    from pathlib import Path
    from staffplan.store import PlanStore

    root, template, prefix = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    store = PlanStore(root)
    document = json.loads((template / "plan.json").read_text())
    work = root.parent / f"sources-{prefix}"
    print("ready", flush=True)
    for i in range(100000):
        source = work / str(i)
        shutil.copytree(template, source)
        document["plan_id"] = f"{prefix}-{i:05d}"
        (source / "plan.json").write_text(json.dumps(document))
        store.add(source)
        print("added", document["plan_id"], flush=True)
        shutil.rmtree(source)
        if i % 3 == 2:  # delete one plan now and then: deletes crash too
            victim = f"{prefix}-{i - 1:05d}"
            # announced before: a kill between the delete and a later print would otherwise
            # leave the test expecting a plan that was rightly deleted
            print("deleting", victim, flush=True)
            store.delete(victim)
            print("deleted", victim, flush=True)
    """
)


def check_complete(store: PlanStore, sizes: dict[str, int], *, concurrent: bool) -> list[str]:
    """Every listed plan's folder is complete: plan.json parses, each file has its size."""
    ids = []
    for record in store.list():
        try:
            folder = store.folder(record.id)
            assert sorted(os.listdir(folder)) == record.files == sorted(sizes)
            document = PlanDocument.model_validate_json((folder / "plan.json").read_bytes())
            assert document.plan_id == record.id
            for name, size in sizes.items():
                if name != "plan.json":
                    assert (folder / name).stat().st_size == size, (record.id, name)
        except (FileNotFoundError, PlanNotFound):
            if not concurrent:
                raise
            # A delete may remove the folder while we read it, but only after the row.
            with pytest.raises(PlanNotFound):
                store.get(record.id)
            continue
        ids.append(record.id)
    return ids


@pytest.mark.slow
def test_killed_writers_leave_a_readable_store(tmp_path: Path):
    """SIGKILL a process adding (and deleting) plans at random moments, several times.

    After each kill a fresh store opens, sweeps, and lists only complete plans; every plan
    whose add had returned (and that was not deleted since) is still there, intact. While the
    writer runs, other stores open (and sweep) and read beside it.
    """
    seed = int(os.environ.get("STORE_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    root = tmp_path / "store"
    template = write_plan(tmp_path / "template", "template", payload=256 * 1024)
    (template / "roster.ics").write_bytes(b"BEGIN:VCALENDAR\n" * 4000)
    sizes = {p.name: p.stat().st_size for p in template.iterdir()}
    PlanStore(root).close()
    alive: set[str] = set()
    swept_total = 0
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for round_ in range(6):
        log = tmp_path / f"child-{round_}.log"
        with log.open("w") as handle:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(root), str(template), f"r{round_}"],
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + 60
        while "ready" not in log.read_text() and time.monotonic() < deadline:
            assert child.poll() is None, log.read_text()
            time.sleep(0.02)
        kill_at = time.monotonic() + rng.uniform(0.05, 0.5)
        while time.monotonic() < kill_at:  # readers beside the writer
            with PlanStore(root) as reader:
                check_complete(reader, sizes, concurrent=True)
        assert child.poll() is None, f"the writer failed (seed {seed}):\n{log.read_text()}"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)

        for line in log.read_text().splitlines():
            match line.split():
                case ["added", plan_id]:
                    alive.add(plan_id)
                case ["deleting", plan_id] | ["deleted", plan_id]:
                    alive.discard(plan_id)  # once a delete starts, the plan may be gone
        before = leftovers(root) + os.listdir(root / "plans")
        with PlanStore(root) as fresh:
            listed = check_complete(fresh, sizes, concurrent=False)
        swept_total += len(set(before) - set(listed))
        missing = alive - set(listed)
        assert not missing, f"plans added before the kill are gone (seed {seed}): {missing}"
        assert leftovers(root) == [], f"seed {seed}"
        assert sorted(os.listdir(root / "plans")) == sorted(listed), f"seed {seed}"
    assert alive, "the writer never got to add a plan"
    print(f"seed {seed}: {len(alive)} plans alive after 6 kills, {swept_total} leftovers swept")


# ---------------------------------------------------------------------- command line


@pytest.fixture
def cli():
    app = typer.Typer()
    app.add_typer(plans_app, name="plans")

    @app.callback()
    def _root() -> None:
        """Test root."""

    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, ["plans", *args], **kw)


def test_cli_add_list_show_delete(cli, tmp_path: Path):
    root = str(tmp_path / "store")
    write_plan(tmp_path / "src", "cli-plan")
    result = cli("add", str(tmp_path / "src"), "--store", root)
    assert result.exit_code == 0, result.output
    assert "added plan cli-plan (3 files)" in result.output

    result = cli("list", "--store", root)
    assert result.exit_code == 0 and "cli-plan" in result.output and "Test centre" in result.output
    assert "no plans" in cli("list", "--store", root, "--kind", "scenario").output

    result = cli("show", "cli-plan", "--store", root)
    assert result.exit_code == 0, result.output
    for text in ("Test centre", "sales", "80.0%", "86.0%", "plan.json, report.html, roster.csv"):
        assert text in result.output

    result = cli("delete", "cli-plan", "--store", root, input="n\n")
    assert result.exit_code == 1
    assert "cli-plan" in cli("list", "--store", root).output
    result = cli("delete", "cli-plan", "--store", root, input="y\n")
    assert result.exit_code == 0 and "deleted cli-plan" in result.output
    write_plan(tmp_path / "src2", "other")
    assert cli("add", str(tmp_path / "src2"), "--store", root).exit_code == 0
    result = cli("delete", "other", "--store", root, "--yes")
    assert result.exit_code == 0
    assert "no plans" in cli("list", "--store", root).output


@pytest.mark.parametrize("command", ["show", "delete"])
@pytest.mark.parametrize("plan_id", ["nope", "../store"])
def test_cli_unknown_id_exits_2(cli, tmp_path: Path, command, plan_id):
    root = str(tmp_path / "store")
    PlanStore(root).close()
    extra = ["--yes"] if command == "delete" else []
    result = cli(command, plan_id, "--store", root, *extra)
    assert result.exit_code == 2, result.output
    assert f"no plan '{plan_id}'" in result.output
    assert "Traceback" not in result.output


def test_cli_refusals_exit_2(cli, tmp_path: Path):
    root = str(tmp_path / "store")
    result = cli("list", "--store", str(tmp_path / "typo"))
    assert result.exit_code == 2 and "no plan store here" in result.output
    assert not (tmp_path / "typo").exists()
    (tmp_path / "empty").mkdir()
    result = cli("add", str(tmp_path / "empty"), "--store", root)
    assert result.exit_code == 2 and "needs a plan.json" in result.output
    write_plan(tmp_path / "src", "dup")
    assert cli("add", str(tmp_path / "src"), "--store", root).exit_code == 0
    result = cli("add", str(tmp_path / "src"), "--store", root)
    assert result.exit_code == 2 and "already has a plan 'dup'" in result.output
