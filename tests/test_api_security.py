"""The API's guards: bearer token on writes, body-size cap, ids that cannot leave the store,
and 422 answers that name the offending field."""

from __future__ import annotations

import hmac
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from staffplan.api import create_app
from staffplan.store import PlanStore
from test_api import AUTH, TOKEN, write_plan  # tests/ is on sys.path

CAP = 1024

_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event in ("open", "os.listdir", "os.scandir"):
        path = args[0] if args else None
        if isinstance(path, (str, bytes, Path)):
            _opened.append(str(path if not isinstance(path, bytes) else path.decode()))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only inside `opened_files`


class opened_files:
    """Context manager: the paths Python opens or lists (any thread) inside the block."""

    def __enter__(self) -> list[str]:
        global _opened
        _opened = []
        return _opened

    def __exit__(self, *exc_info: object) -> None:
        global _opened
        _opened = None


@pytest.fixture
def store(tmp_path):
    plan_store = PlanStore(tmp_path / "store")
    plan_store.add(write_plan(tmp_path / "src" / "a", "plan-a"))
    (tmp_path / "secret.txt").write_text("outside the store")
    return plan_store


@pytest.fixture
def client(store):
    return TestClient(create_app(store, token=TOKEN, max_body_bytes=CAP, run_jobs_inline=True))


def _scenario_jobs(client) -> list:
    return client.get("/scenarios").json()


# ---------------------------------------------------------------------- token


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
    ids=["none", "wrong", "longer", "basic", "no-scheme"],
)
def test_writes_need_the_right_bearer_token(client, headers):
    post = client.post("/scenarios", json={"plan_id": "plan-a"}, headers=headers)
    delete = client.delete("/plans/plan-a", headers=headers)
    for response in (post, delete):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert isinstance(response.json()["detail"], str)
    assert client.get("/plans/plan-a").status_code == 200  # nothing was deleted
    assert _scenario_jobs(client) == []


def test_a_server_without_token_refuses_every_write(store):
    client = TestClient(create_app(store, token=None))
    for headers in ({}, AUTH, {"Authorization": "Bearer "}):
        response = client.delete("/plans/plan-a", headers=headers)
        assert response.status_code == 401
        assert "writes are disabled" in response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/plans/plan-a").status_code == 200


def test_reads_need_no_token(client):
    for url in ("/health", "/plans", "/plans/plan-a", "/plans/plan-a/roster", "/scenarios"):
        assert client.get(url).status_code == 200, url


def test_the_token_is_compared_in_constant_time(client, monkeypatch):
    seen = []

    def spy(a, b):
        seen.append((a, b))
        return hmac_compare(a, b)

    hmac_compare = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert client.delete("/plans/plan-a", headers={"Authorization": "Bearer nope"}).status_code
    assert seen == [(b"nope", TOKEN.encode())]


def test_delete_with_the_token_then_gone(client):
    assert client.delete("/plans/plan-a", headers=AUTH).status_code == 204
    assert client.delete("/plans/plan-a", headers=AUTH).status_code == 404
    assert client.get("/plans/plan-a").status_code == 404
    assert client.get("/plans/plan-a/files/report.html").status_code == 404


# ---------------------------------------------------------------------- body cap


def _big_body() -> bytes:
    return b'{"plan_id": "plan-a", "name": "' + b"x" * (2 * CAP) + b'"}'


def test_a_declared_body_over_the_cap_is_refused(client):
    response = client.post(
        "/scenarios", content=_big_body(), headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body larger than {CAP} bytes"}
    assert _scenario_jobs(client) == []


def test_a_streamed_body_over_the_cap_is_refused(client):
    body = _big_body()

    def chunks():
        for start in range(0, len(body), 256):
            yield body[start : start + 256]

    response = client.post(
        "/scenarios", content=chunks(), headers={**AUTH, "content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers  # sent chunked
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert _scenario_jobs(client) == []


def test_a_streamed_body_under_the_cap_reaches_the_app(client):
    body = b'{"plan_id": "plan-x"}'

    def chunks():
        yield body[:5]
        yield body[5:]

    response = client.post(
        "/scenarios", content=chunks(), headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 404  # parsed whole: the plan does not exist
    assert "plan-x" in response.json()["detail"]


def test_the_body_cap_applies_before_the_token_check(client):
    response = client.post("/scenarios", content=_big_body())
    assert response.status_code == 413


# ---------------------------------------------------------------------- ids and paths

TRAVERSALS = [
    "/plans/..%2F..%2Fetc%2Fpasswd",
    "/plans/..%2F..%2F..%2F..%2Fetc%2Fpasswd/roster",
    "/plans/%2Fetc%2Fpasswd",
    "/plans/%2E%2E",
    "/plans/%2E%2E/files/catalog.sqlite",
    "/plans/%2E%2E%2Fcatalog.sqlite",
    "/plans/plan-a/files/..%2Fcatalog.sqlite",
    "/plans/plan-a/files/..%2F..%2Fcatalog.sqlite",
    "/plans/plan-a/files/..%2F..%2F..%2Fsecret.txt",
    "/plans/plan-a/files/%2E%2E%2F%2E%2E%2Fcatalog.sqlite",
    "/plans/plan-a/files/%2E%2E",
    "/plans/plan-a/files/%2Fetc%2Fpasswd",
    "/plans/plan-a/files/..%5C..%5Ccatalog.sqlite",
    "/plans/plan-a/files/catalog.sqlite",
    "/plans/plan-a/files/plan-a..json",
    "/plans/plan-a/files/.hidden",
    "/plans/plan-a/files/report.html%00.png",
    "/plans/plan-a/coverage/..%2F..%2Fcatalog.sqlite",
    "/scenarios/..%2Fcatalog.sqlite",
    "/scenarios/%2E%2E",
]


def test_paths_out_of_the_store_are_not_found_and_nothing_outside_is_opened(client, store):
    assert client.get("/plans/plan-a/files/report.html").status_code == 200  # warm up imports
    python = tuple(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix})
    with opened_files() as opened:
        answers = {url: client.get(url) for url in TRAVERSALS}
        deleted = client.delete("/plans/..%2Fplans%2Fplan-a", headers=AUTH)
    for url, response in answers.items():
        assert response.status_code in (404, 422), (url, response.status_code)
        assert isinstance(response.json()["detail"], (str, list)), url
        assert b"outside the store" not in response.content
        assert b"SQLite format" not in response.content
    assert deleted.status_code in (404, 422)
    assert client.get("/plans/plan-a").status_code == 200
    root = str(store.root)
    outside = [p for p in opened if not str(Path(p).resolve()).startswith((root, *python))]
    assert outside == []
    assert not any(p.endswith(("passwd", "secret.txt", "catalog.sqlite")) for p in opened)


def test_the_audit_hook_sees_files_the_api_serves(client, store):
    """The check above can fail: a served file shows up in the recorded paths."""
    with opened_files() as opened:
        assert client.get("/plans/plan-a/files/report.html").status_code == 200
    assert str(store.folder("plan-a") / "report.html") in opened


# ---------------------------------------------------------------------- 422 names the field


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "plan_id"]),
        ({"plan_id": "../etc"}, ["body", "plan_id"]),
        ({"plan_id": "plan-a", "volume_pct": 1000}, ["body", "volume_pct"]),
        ({"plan_id": "plan-a", "aht_pct": -95}, ["body", "aht_pct"]),
        ({"plan_id": "plan-a", "shrinkage": 0.99}, ["body", "shrinkage"]),
        ({"plan_id": "plan-a", "name": ""}, ["body", "name"]),
        ({"plan_id": "plan-a", "reschedule": "sometimes"}, ["body", "reschedule"]),
        ({"plan_id": "plan-a", "targets": {"sales": "ninety"}}, ["body", "targets", "sales"]),
        ({"plan_id": "plan-a", "targets": {"sales": "150/20"}}, ["body", "targets", "sales"]),
        ({"plan_id": "plan-a", "targets": {"sa les": "90/20"}}, ["body", "targets", "sa les"]),
        ({"plan_id": "plan-a", "surprise": 1}, ["body", "surprise"]),
    ],
)
def test_bad_scenario_fields_are_named(client, body, loc):
    response = client.post("/scenarios", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    locs = [error["loc"][: len(loc)] for error in response.json()["detail"]]
    assert loc in locs, response.json()
    assert _scenario_jobs(client) == []


def test_a_body_that_is_not_json_is_a_422(client):
    response = client.post(
        "/scenarios", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_a_body_that_is_not_text_is_a_400(client):
    response = client.post(
        "/scenarios", content=b"\xff\xfe{", headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/plans/plan-a/coverage?date=2026-02-30", ["query", "date"]),
        ("/plans/plan-a/roster?date=monday", ["query", "date"]),
        ("/plans/plan-a/roster?agent=" + "a" * 200, ["query", "agent"]),
        ("/plans?kind=draft", ["query", "kind"]),
        ("/plans/-plan", ["path", "plan_id"]),
    ],
)
def test_bad_query_and_path_values_are_named(client, url, loc):
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
