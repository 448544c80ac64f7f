"""Figures are labelled and the HTML report is self-contained."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from staffplan import reporting
from staffplan.forecast import ModelCard
from staffplan.forecast.selection import MethodSpec

TZ = "Europe/Amsterdam"


def _coverage():
    starts = pd.date_range("2026-05-18 08:00", periods=96, freq="15min", tz=TZ)
    required = np.round(10 + 5 * np.sin(np.linspace(0, 6, 96)))
    return pd.DataFrame(
        {
            "interval_start": starts,
            "queue": "sales",
            "required": required,
            "scheduled": required + np.where(np.arange(96) % 7 == 0, -1, 1),
            "service_level": np.linspace(0.6, 0.95, 96),
        }
    )


def _labels(fig: Figure) -> list[str]:
    axis = fig.axes[0]
    return [axis.get_title(loc="left"), axis.get_ylabel() or axis.get_xlabel()]


def test_coverage_figure_is_labelled():
    fig = reporting.coverage_figure(_coverage())
    title, label = _labels(fig)
    assert "sales" in title and label == "agents"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2] == [
        "required",
        "scheduled",
    ]


def test_heatmap_rows_are_weekdays():
    fig = reporting.service_heatmap(_coverage(), "sales", target=0.8)
    axis = fig.axes[0]
    assert [t.get_text() for t in axis.get_yticklabels()] == ["Mon", "Tue"]
    assert "target 80%" in axis.get_title(loc="left")
    assert fig.axes[1].get_ylabel() == "service level (fraction)"


def test_gantt_marks_breaks():
    start = pd.Timestamp("2026-05-18 08:00", tz=TZ)
    hours = pd.Timedelta(hours=1)
    activities = pd.DataFrame(
        {
            "agent_id": ["A1", "A1", "A1"],
            "start": [start, start + 2 * hours, start + 2.25 * hours],
            "end": [start + 2 * hours, start + 2.25 * hours, start + 8 * hours],
            "activity": ["work", "break", "work"],
            "queue": ["sales", None, "sales"],
        }
    )
    fig = reporting.gantt_figure(activities, "2026-05-18")
    axis = fig.axes[0]
    assert len(axis.patches) == 3
    assert axis.get_xlabel() == "local time (hours)"


def test_html_report_embeds_everything():
    page = reporting.html_report(
        "Plan <week 21>",
        [
            ("Coverage", [reporting.coverage_figure(_coverage())]),
            ("Summary", [pd.DataFrame({"queue": ["sales"], "agents": [12]})]),
        ],
    )
    assert page.startswith("<!doctype html>")
    assert "Plan &lt;week 21&gt;" in page
    assert page.count("data:image/png;base64,") == 1
    assert "<table" in page and "http" not in page.split("<body>")[1]


def test_models_table_shows_the_chosen_method_and_the_best_other_candidate():
    chosen = MethodSpec("daily_profile", (("level", "pooled"), ("month", True)))
    card = ModelCard(
        queue="sales",
        spec=chosen,
        dispersion=0.0133,
        level=0.8,
        interval_minutes=15,
        training_start="2026-02-23",
        training_end="2026-05-17",
        metrics={
            "daily_profile(level=pooled, month=True)": 0.207,
            "weekly_mean(weeks=4)": 0.231,
            "daily_profile(level=ets)": 0.219,
            "mstl": float("nan"),  # a candidate that failed is no alternative
        },
    )
    table = reporting.models_table({"sales": card}).set_index("queue")
    row = table.loc["sales"]
    assert row["method"] == "daily_profile(level=pooled, month=True)"
    assert row["backtest WAPE"] == 0.207
    assert row["best other"] == 0.219
    assert row["candidates"] == 4
    assert row["trained on"] == "12 weeks to 2026-05-17"
    html = reporting._models_html({"sales": card})[0]
    assert "20.7%" in html and "21.9%" in html and "80%" in html
