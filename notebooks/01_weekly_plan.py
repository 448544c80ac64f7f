# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · A planner's week with staffplan
#
# The sample centre in `data/samples/` is a Dutch contact centre with four queues (sales and
# support by phone, chat, email), twelve weeks of 15-minute history and 120 agents. This
# walkthrough does what a planner does every week: check the history, forecast the coming week,
# turn the forecast into agents per interval, and ask what a better service level would cost.
# (Open it in Jupyter with jupytext, or run it as a script; the tests run it.)

# %%
from pathlib import Path

import staffplan
from staffplan import reporting
from staffplan.forecast import SpecialDays, forecast
from staffplan.requirements import compute
from staffplan.scenarios import Scenario, run_scenarios, sla_cost_curve, summarise

ROOT = Path.cwd() if (Path.cwd() / "data" / "samples").exists() else Path.cwd().parent
SAMPLES = ROOT / "data" / "samples"
config = staffplan.load_config(SAMPLES / "plan.toml")
history = staffplan.read_history(SAMPLES / "history.csv", config)
print(config.center.name, "|", ", ".join(config.queue_names))
print(f"{len(history.frame):,} history rows, {len(history.warnings)} warnings")

# %% [markdown]
# ## 1. Forecast the week after the history
#
# `auto` picks a method per queue by a rolling backtest on the history itself; public holidays
# come from the centre's country. The band is an 80% interval calibrated on past errors.

# %%
calendar = SpecialDays(country=config.center.country)
week = forecast(history.frame, "7D", calendar=calendar)
totals = week.groupby("queue")[["calls", "calls_lo", "calls_hi"]].sum().round()
print(totals)
assert (week["calls_lo"] <= week["calls"]).all() and (week["calls"] <= week["calls_hi"]).all()
fig = reporting.forecast_figure(history.frame, week)

# %% [markdown]
# ## 2. Agents per interval
#
# Voice queues use Erlang C, or Erlang A where the queue has a patience (support); chat uses
# the concurrency model; email is staffed so that every mail is answered within 24 hours.
# `agents_scheduled` adds the 30% shrinkage.

# %%
requirements = compute(week, config)
summary = summarise(requirements.frame, config)
print(summary[["queue", "calls", "agent_hours", "scheduled_hours", "fte", "service_level"]])
for note in requirements.notes:
    print(f"note: {note.items:.0f} {note.queue} items cannot meet their deadline (closed)")
assert (summary["service_level"] >= 0.8).all()

# %% [markdown]
# ## 3. What would 90/20 on sales cost? And 15% more volume?

# %%
base, better, busier = run_scenarios(
    [
        Scenario("base"),
        Scenario("sales 90/20", targets={"sales": (0.90, 20.0)}),
        Scenario("volume +15%", volume_factor=1.15),
    ],
    week,
    config,
)
hours = {
    name: summarise(frame, config)["scheduled_hours"].sum()
    for name, frame in (("base", base), ("sales 90/20", better), ("volume +15%", busier))
}
print({k: round(v) for k, v in hours.items()})
assert hours["sales 90/20"] > hours["base"] and hours["volume +15%"] > hours["base"]

curve = sla_cost_curve("sales", [(0.7, 20), (0.8, 20), (0.9, 20), (0.9, 10)], week, config)
print(curve[["target", "scheduled_hours", "fte"]].round(1))
fig = reporting.sla_curve_figure(curve, "sales")
