"""Staff turnover from the agent history: leavers by kind over average head count, per team and
period.

Kinds: ``internal`` (``internal_move``: moved inside the company), ``external_voluntary``
(``voluntary``: left though suited to the role) and ``external_agreed`` (``involuntary`` and
``contract_end``: dismissal, probation, end of contract). A move from one team of the centre
to another (an ``internal_move`` stint followed within a week by a stint of the same agent) is
turnover of the team it left, not of the centre.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan.kpi.periods import assign, ns, period_bounds, period_labels

__all__ = ["ALL_TEAMS", "KINDS", "turnover_table"]

ALL_TEAMS = "all"
KINDS = {
    "internal": ("internal_move",),
    "external_voluntary": ("voluntary",),
    "external_agreed": ("involuntary", "contract_end"),
}
_TRANSFER_DAYS = 7


def turnover_table(
    history: pd.DataFrame,
    *,
    period: str = "month",
    as_of: pd.Timestamp | None = None,
    window_days: int = 730,
) -> pd.DataFrame:
    """Turnover per team (and ``all``) and period, plus a whole-window row per team.

    Parameters
    ----------
    history : pandas.DataFrame
        Validated agent history (:func:`~staffplan.kpi.inputs.validate_agent_history`).
    period : {"day", "week", "month"}, default "month"
        Period of the rows.
    as_of : pandas.Timestamp, optional
        Last day of the window (naive date); default the latest start or end date in the file.
    window_days : int, default 730
        Length of the window in days, ending ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``period`` (first day, or ``whole window``), ``team``, ``days`` (days of the window in
        the period), ``headcount_avg`` (mean agents employed per day), ``leavers`` and one count
        per kind of :data:`KINDS`, then ``turnover_rate`` and ``<kind>_rate`` (leavers over
        average head count in that period, fractions) and ``annualised_rate``
        (``turnover_rate * 365 / days``).
    """
    h = history.copy()
    if as_of is None:
        as_of = max(h["start_date"].max(), h["end_date"].max())
    as_of = pd.Timestamp(as_of).normalize()
    start = as_of - pd.Timedelta(days=window_days - 1)
    days = pd.date_range(start, as_of, freq="D")
    n_days = len(days)
    # transfers between teams of the centre
    nxt = h.groupby("agent_id")["start_date"].shift(-1)
    transfer = (h["leaving_reason"] == "internal_move") & (
        (nxt - h["end_date"]).dt.days.between(0, _TRANSFER_DAYS)
    )
    teams = sorted(h["team"].unique())
    tcode = pd.Index(teams).get_indexer(h["team"])
    first = np.clip((h["start_date"] - start).dt.days.to_numpy(), 0, n_days)
    last = (h["end_date"].fillna(as_of) - start).dt.days.to_numpy()
    employed = (last >= 0) & (first < n_days) & (first <= last)
    delta = np.zeros((len(teams), n_days + 1))
    np.add.at(delta, (tcode[employed], first[employed]), 1.0)
    np.add.at(delta, (tcode[employed], np.minimum(last[employed], n_days - 1) + 1), -1.0)
    heads = np.cumsum(delta, axis=1)[:, :n_days]  # (team, day)
    bounds = period_bounds(days[0].tz_localize("UTC"), days[-1].tz_localize("UTC"), period, "UTC")
    labels = period_labels(bounds)
    day_period = assign(ns(days.tz_localize("UTC")), ns(bounds))
    n_p = len(labels)
    days_in = np.bincount(day_period, minlength=n_p)
    head_sum = np.stack([np.bincount(day_period, weights=r, minlength=n_p) for r in heads])
    left = h["end_date"].notna() & (h["end_date"] >= start) & (h["end_date"] <= as_of)
    lv = h[left.to_numpy()].assign(transfer=transfer[left].to_numpy())
    lv_p = assign(ns(lv["end_date"].dt.tz_localize("UTC")), ns(bounds))
    lv_t = pd.Index(teams).get_indexer(lv["team"])
    rows = []
    for scope, t_idx in [(t, [i]) for i, t in enumerate(teams)] + [
        (ALL_TEAMS, list(range(len(teams))))
    ]:
        mine = np.isin(lv_t, t_idx)
        if scope == ALL_TEAMS:
            mine &= ~lv["transfer"].to_numpy()
        counts = {
            kind: np.bincount(
                lv_p[mine & lv["leaving_reason"].isin(reasons).to_numpy()], minlength=n_p
            )
            for kind, reasons in KINDS.items()
        }
        hs = head_sum[t_idx].sum(axis=0)
        for p in range(n_p):
            rows.append(
                (labels[p], scope, int(days_in[p]), hs[p], *(int(c[p]) for c in counts.values()))
            )
        rows.append(
            ("whole window", scope, n_days, hs.sum(), *(int(c.sum()) for c in counts.values()))
        )
    out = pd.DataFrame(rows, columns=["period", "team", "days", "head_days", *KINDS])
    out["headcount_avg"] = out["head_days"] / out["days"]
    out["leavers"] = out[list(KINDS)].sum(axis=1)
    base = out["headcount_avg"].where(out["headcount_avg"] > 0)
    out["turnover_rate"] = out["leavers"] / base
    for kind in KINDS:
        out[f"{kind}_rate"] = out[kind] / base
    out["annualised_rate"] = out["turnover_rate"] * 365.0 / out["days"]
    columns = [
        "period", "team", "days", "headcount_avg", "leavers", *KINDS, "turnover_rate",
        *(f"{k}_rate" for k in KINDS), "annualised_rate",
    ]  # fmt: skip
    return out[columns]
