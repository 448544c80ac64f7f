"""Erlang speed: required agents for 20 queues x 672 intervals, staffplan against its peers.

A week of 15-minute intervals per queue, 50-2,000 calls per interval (seeded), AHT 300 s,
80/20, no occupancy cap. staffplan is timed on every interval; the peers (pyworkforce,
call-center-tools) are timed in a separate Python that has them installed, so they never
become project dependencies::

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install pyworkforce call-center-tools
    .venv/bin/python benchmarks/erlang_speed.py --peers-python /tmp/peers/bin/python

Without ``--peers-python`` the peers are tried in this Python; a peer that cannot be imported
is skipped with a message. Peers are slow, so by default they are timed on every 10th interval
and their time is scaled to the full set (``--peer-stride 1`` times them on all of it).

Bars (issue 3): at least 100x faster than the fastest peer; one million intervals < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

QUEUES, INTERVALS = 20, 672
AHT_S, INTERVAL_S, TARGET, THRESHOLD_S = 300.0, 900.0, 0.8, 20.0
PEERS = ("pyworkforce", "call_center_tools")


def workload(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(50, 2001, size=(QUEUES, INTERVALS)).astype(np.float64)


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), result


# --------------------------------------------------------------------------------------------
# Peer worker: runs in the peers' Python; imports only numpy and the peer.
# --------------------------------------------------------------------------------------------


def _peer_solver(name: str):
    if name == "pyworkforce":
        from pyworkforce.queuing import ErlangC

        def solve(calls: float, target: float, thr: float, occ: float) -> int:
            model = ErlangC(
                transactions=calls, aht=AHT_S / 60, asa=thr / 60, interval=INTERVAL_S / 60
            )
            return int(
                model.required_positions(service_level=target, max_occupancy=occ)["raw_positions"]
            )

        return solve
    if name == "call_center_tools":
        from call_center_tools import calc_staffing

        def solve(calls: float, target: float, thr: float, occ: float) -> int:
            res = calc_staffing(
                calls_per_hour=calls * 3600 / INTERVAL_S,
                aht=AHT_S,
                max_occupancy=occ,
                target_answer_time=thr,
                target_service_level=target,
            )
            return int(res.agents)

        return solve
    raise ValueError(name)


def peer_worker(name: str, cases_file: str, repeat: int) -> None:
    """Time a peer on rows of (calls, target_sl, threshold_s, max_occupancy); print JSON."""
    cases = np.load(cases_file)
    try:
        solve = _peer_solver(name)
    except ImportError as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return
    errors: dict[str, int] = {}

    def attempt(row) -> int:
        try:
            return solve(*(float(v) for v in row))
        except Exception as exc:  # a peer bug on one interval must not stop the benchmark
            key = f"{type(exc).__name__}: {exc}"
            errors[key] = errors.get(key, 0) + 1
            return -1

    seconds, agents = median_time(lambda: [attempt(row) for row in cases], repeat)
    errors = {k: v // repeat for k, v in errors.items()}
    print(json.dumps({"seconds": seconds, "agents": agents, "errors": errors}))


def run_peer(name: str, cases: np.ndarray, python: str, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cases.npy")
        np.save(path, cases)
        cmd = [python, os.path.abspath(__file__), "--peer-worker", name, path, str(repeat)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except OSError as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def _counts(diff: np.ndarray) -> dict[int, int]:
    values, counts = np.unique(diff, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts, strict=True)}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


# (label, calls per 15 min, target_sl, threshold_s, max_occupancy); AHT 300 s throughout
EDGE_CASES = [
    ("0.5 Erlang, 50/60", 1.5, 0.5, 60.0, 1.0),
    ("9.6 Erlangs, 50/60, occupancy <= 0.8", 28.8, 0.5, 60.0, 0.8),
    ("10 Erlangs (whole number), 80/20", 30.0, 0.8, 20.0, 1.0),
    ("0.001 Erlang, 80/20", 0.003, 0.8, 20.0, 1.0),
    ("closed interval: 0 calls", 0.0, 0.8, 20.0, 1.0),
]


def edge_cases(python: str, required_agents, traffic) -> None:
    """Answers on a few edge cases, ours and the peers', to explain disagreements."""
    rows = np.array([case[1:] for case in EDGE_CASES])
    ours = [
        int(
            required_agents(
                traffic(c, AHT_S, INTERVAL_S), AHT_S, target_sl=s, threshold_s=t, max_occupancy=o
            )
        )
        for c, s, t, o in rows
    ]
    answers = {"staffplan": [str(v) for v in ours]}
    for name in PEERS:
        res = run_peer(name, rows, python, 1)
        if "error" in res:
            continue
        answers[name] = [str(v) if v >= 0 else "error" for v in res["agents"]]
    print("edge cases (required agents):")
    print("  " + f"{'case':40s}" + "".join(f"{k:>20s}" for k in answers))
    for i, case in enumerate(EDGE_CASES):
        print("  " + f"{case[0]:40s}" + "".join(f"{v[i]:>20s}" for v in answers.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers-python", default=sys.executable, help="Python with the peers")
    parser.add_argument("--peer-stride", type=int, default=10, help="time peers on every k-th")
    parser.add_argument("--repeat", type=int, default=7, help="runs per timing (median)")
    parser.add_argument("--million", type=int, default=1_000_000, help="size of the big run")
    args = parser.parse_args()

    import scipy

    from staffplan.erlang import required_agents, traffic

    calls = workload()
    print(f"machine: {machine()}, scipy {scipy.__version__}")
    print(
        f"workload: {QUEUES} queues x {INTERVALS} intervals = {calls.size} intervals, "
        f"{calls.min():.0f}-{calls.max():.0f} calls per {INTERVAL_S:.0f} s interval, "
        f"AHT {AHT_S:.0f} s, {TARGET:.0%}/{THRESHOLD_S:.0f}"
    )

    def ours():
        return required_agents(
            traffic(calls, AHT_S, INTERVAL_S), AHT_S, target_sl=TARGET, threshold_s=THRESHOLD_S
        )

    ours()  # warm-up
    t_ours, agents = median_time(ours, args.repeat)
    print(f"staffplan          {t_ours * 1e3:10.2f} ms  (all {calls.size} intervals)")

    rng = np.random.default_rng(1)
    big = rng.integers(50, 2001, size=args.million).astype(np.float64)
    big_traffic = traffic(big, AHT_S, INTERVAL_S)
    t_big, _ = median_time(
        lambda: required_agents(big_traffic, AHT_S, target_sl=TARGET, threshold_s=THRESHOLD_S),
        max(3, args.repeat // 2),
    )
    print(
        f"staffplan          {t_big:10.3f} s   ({args.million:,} intervals; "
        f"bar < 2 s: {'met' if t_big < 2 else 'MISSED'})"
    )

    flat_calls, flat_agents = calls.ravel(), agents.ravel()
    sub = np.arange(0, flat_calls.size, args.peer_stride)
    scale = flat_calls.size / sub.size
    fastest = None
    for name in PEERS:
        cases = np.column_stack(
            [flat_calls[sub], np.full((sub.size, 3), [TARGET, THRESHOLD_S, 1.0])]
        )
        res = run_peer(name, cases, args.peers_python, max(1, args.repeat // 3))
        if "error" in res:
            print(f"{name:18s} skipped: not importable in {args.peers_python} ({res['error']})")
            continue
        full = res["seconds"] * scale
        peer_agents = np.asarray(res["agents"])
        failed = peer_agents < 0
        for err, count in res["errors"].items():
            print(
                f"{name:18s} raised on {count} of {sub.size} intervals: {err} "
                "(they fail early, so its time below is a lower bound)"
            )
        diff = (peer_agents - flat_agents[sub])[~failed]
        note = f"timed on {sub.size} intervals x {scale:.0f}" if scale > 1 else "all intervals"
        print(
            f"{name:18s} {full * 1e3:10.0f} ms  ({note}); staffplan is {full / t_ours:,.0f}x "
            f"faster; differing answers: {np.count_nonzero(diff)} of {diff.size} answered "
            f"(peer - staffplan: {_counts(diff)})"
        )
        fastest = full if fastest is None else min(fastest, full)
    edge_cases(args.peers_python, required_agents, traffic)
    if fastest is not None:
        ratio = fastest / t_ours
        print(
            f"speed-up over the fastest peer: {ratio:,.0f}x "
            f"(bar >= 100x: {'met' if ratio >= 100 else 'MISSED'})"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--peer-worker":
        peer_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
