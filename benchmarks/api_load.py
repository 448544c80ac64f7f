"""Load test of the HTTP API: concurrent readers against `staffplan serve` (uvicorn).

    .venv/bin/python benchmarks/api_load.py [--seconds 30] [--clients 20]
                                            [--store DIR | --plan-dir DIR]

Starts the server on 127.0.0.1 (a free port) in a subprocess over a plan store, then runs
``--clients`` concurrent clients (one asyncio task each, one keep-alive connection each) for
``--seconds``, every client cycling through GET /plans, /plans/{id}, /plans/{id}/roster and
/plans/{id}/coverage. Prints requests/s and p50/p99 latency per endpoint and overall, and the
errors (exceptions or statuses other than 200); exits 1 if there was any error.

The store: ``--store DIR`` (an existing store holding a plan), or a temporary store holding
``--plan-dir DIR`` (a `staffplan plan` output folder), or by default a temporary store holding
the sample centre's plan, made with the real planner first (about a minute). The clients and
the server share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import numpy as np

from staffplan.store import PlanStore

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
ENDPOINTS = ("/plans", "/plans/{id}", "/plans/{id}/roster", "/plans/{id}/coverage")
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0


def make_plan(out_dir: Path) -> Path:
    """Plan the sample centre's week with the real planner into ``out_dir``."""
    from staffplan.pipeline import run_plan

    started = time.perf_counter()
    run_plan(
        SAMPLES / "history.csv",
        SAMPLES / "plan.toml",
        out_dir,
        agents_path=SAMPLES / "agents.csv",
        availability_path=SAMPLES / "availability.csv",
    )
    print(f"planned the sample centre in {time.perf_counter() - started:.0f} s", flush=True)
    return out_dir


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(store: Path, port: int, log: Path) -> subprocess.Popen:
    """`staffplan serve` in a subprocess; returns once /health answers."""
    env = {k: v for k, v in os.environ.items() if k != "STAFFPLAN_TOKEN"}  # read-only
    command = [sys.executable, "-m", "staffplan.cli_serve", "--store", str(store)]
    with log.open("wb") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [*command, "--port", str(port)], stdout=output, stderr=subprocess.STDOUT, env=env
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start within {START_TIMEOUT_S:.0f} s")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process used so far (Linux ``/proc``; else None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_server(process: subprocess.Popen) -> None:
    """Ask the server to stop (SIGINT, as Ctrl+C), then kill it if it lingers."""
    process.send_signal(2)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def client(
    base: str, paths: list[str], first: int, deadline: float, samples: dict, errors: dict
) -> None:
    """One client: request ``paths`` in turn from index ``first`` until ``deadline``."""
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        i = first
        while time.perf_counter() < deadline:
            name, path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                response = await http.get(path)
                await response.aread()
                ok = response.status_code == 200
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                ok, reason = False, type(exc).__name__
            samples[name].append(time.perf_counter() - started)
            if not ok:
                errors[(name, reason)] += 1


async def load(base: str, plan_id: str, clients: int, seconds: float) -> tuple[dict, dict, float]:
    """Run the clients; returns latencies per endpoint, error counts and the elapsed time."""
    paths = [(name, name.replace("{id}", plan_id)) for name in ENDPOINTS]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(client(base, paths, k, deadline, samples, errors) for k in range(clients))
    )
    return samples, errors, time.perf_counter() - started


def report(samples: dict, errors: dict, elapsed: float) -> str:
    """A Markdown table: requests, requests/s, p50 and p99 (ms), errors per endpoint."""
    lines = [
        "| endpoint | requests | requests/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    everything = []
    for name in ENDPOINTS:
        values = np.array(samples.get(name, []))
        everything.extend(values)
        failed = sum(n for (endpoint, _), n in errors.items() if endpoint == name)
        lines.append(_row(f"GET {name}", values, elapsed, failed))
    lines.append(_row("all", np.array(everything), elapsed, sum(errors.values())))
    return "\n".join(lines)


def _row(label: str, values: np.ndarray, elapsed: float, failed: int) -> str:
    if len(values) == 0:
        return f"| {label} | 0 | 0 | – | – | {failed} |"
    p50, p99 = np.percentile(values, [50, 99]) * 1000
    return (
        f"| {label} | {len(values):,} | {len(values) / elapsed:,.1f} | {p50:,.1f} | {p99:,.1f} "
        f"| {failed} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--store", type=Path, help="an existing store holding a plan")
    source.add_argument("--plan-dir", type=Path, help="a plan folder to serve")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the load")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="staffplan-api-load-") as temp:
        work = Path(temp)
        store_dir = args.store
        if store_dir is None:
            plan_dir = args.plan_dir or make_plan(work / "plan")
            store_dir = work / "store"
            with PlanStore(store_dir) as store:
                store.add(plan_dir)
        with PlanStore(store_dir) as store:
            plans = store.list(kind="plan")
            if not plans:
                raise SystemExit(f"the store {store_dir} holds no plan")
            plan = plans[0]
        port = free_port()
        server = start_server(store_dir, port, work / "server.log")
        try:
            server_cpu = cpu_seconds(server.pid)
            client_cpu = time.process_time()
            samples, errors, elapsed = asyncio.run(
                load(f"http://127.0.0.1:{port}", plan.id, args.clients, args.seconds)
            )
            client_cpu = time.process_time() - client_cpu
            if server_cpu is not None:
                server_cpu = cpu_seconds(server.pid) - server_cpu
        finally:
            stop_server(server)

    print(
        f"{args.clients} clients for {elapsed:.1f} s against plan {plan.id} "
        f"({len(plan.files)} files); nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"{platform.machine()}; load average at the end {os.getloadavg()[0]:.1f}"
    )
    if server_cpu is not None:
        print(f"CPU during the load: server {server_cpu:.1f} s, clients {client_cpu:.1f} s")
    print(report(samples, errors, elapsed))
    for (name, reason), count in sorted(errors.items()):
        print(f"error: GET {name}: {reason} x{count}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
