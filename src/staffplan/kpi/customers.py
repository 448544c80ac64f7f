"""Customer-side measures from the contacts log: first-contact resolution, repeat contacts and
how contacts concentrate on a few customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan.kpi.periods import assign, ns

__all__ = ["customer_table", "frequency_table"]


def _flags(contacts: pd.DataFrame, window_h: float) -> pd.DataFrame:
    """Per contact: is it a first contact, and is it followed by a repeat within the window."""
    c = contacts.sort_values(["customer_id", "time"], kind="stable", ignore_index=True)
    t = ns(c["time"])
    same_prev = np.zeros(len(c), dtype=bool)
    same_prev[1:] = c["customer_id"].to_numpy()[1:] == c["customer_id"].to_numpy()[:-1]
    window_ns = int(window_h * 3600e9)
    gap_prev = np.full(len(c), np.iinfo(np.int64).max)
    gap_prev[1:] = t[1:] - t[:-1]
    recent = same_prev & (gap_prev <= window_ns)
    prev_resolved = np.ones(len(c), dtype=bool)
    prev_resolved[1:] = c["resolved"].to_numpy()[:-1]
    c["first_contact"] = ~(recent & ~prev_resolved)
    repeat_next = np.zeros(len(c), dtype=bool)
    repeat_next[:-1] = recent[1:]
    c["repeated"] = repeat_next
    return c


def customer_table(
    contacts: pd.DataFrame,
    bounds: pd.DatetimeIndex,
    labels: np.ndarray,
    *,
    window_h: float = 168.0,
) -> pd.DataFrame:
    """First-contact resolution and contact frequency per period and queue (and ``all``).

    Parameters
    ----------
    contacts : pandas.DataFrame
        Validated contacts log (:func:`~staffplan.kpi.inputs.validate_contacts`).
    bounds, labels
        Periods (:func:`~staffplan.kpi.periods.period_bounds`).
    window_h : float, default 168
        Repeat window in hours: a contact within this time after the same customer's previous
        contact is a repeat of it.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``queue`` (``all`` for the whole centre), ``contacts``, ``customers``,
        ``contacts_per_customer``, ``first_contacts`` (contacts not following an unresolved
        contact of the same customer within the window), ``fcr`` (first-contact resolution:
        the share of first contacts flagged resolved), ``repeat_rate`` (share of contacts the
        customer follows up within the window, whatever the flag), ``repeat_customers``
        (share of customers with two or more contacts in the period) and
        ``customers_for_half`` (the smallest share of customers that makes half of the
        period's contacts).

    Notes
    -----
    A contact is assigned to the period of its time; the repeat test looks across period
    boundaries (a Monday repeat of a Sunday contact is a repeat).
    """
    c = _flags(contacts, window_h)
    p = assign(ns(c["time"]), ns(bounds))
    inside = (p >= 0) & (p < len(labels))
    c = c[inside].assign(period=labels[p[inside]])
    both = pd.concat([c, c.assign(queue="all")], ignore_index=True)
    keys = ["period", "queue"]
    g = both.groupby(keys, sort=True)
    out = g.agg(
        contacts=("contact_id", "size"),
        customers=("customer_id", "nunique"),
        first_contacts=("first_contact", "sum"),
        repeat_rate=("repeated", "mean"),
    )
    solved = both[both["first_contact"]].groupby(keys)["resolved"].mean()
    out["fcr"] = solved.reindex(out.index)
    out["contacts_per_customer"] = out["contacts"] / out["customers"]
    per_customer = both.groupby([*keys, "customer_id"]).size().rename("n").reset_index()
    out["repeat_customers"] = (
        (per_customer["n"] >= 2).groupby([per_customer["period"], per_customer["queue"]]).mean()
    )
    out["customers_for_half"] = _share_for_half(per_customer, keys)
    columns = [
        "contacts", "customers", "contacts_per_customer", "first_contacts", "fcr",
        "repeat_rate", "repeat_customers", "customers_for_half",
    ]  # fmt: skip
    return out[columns].reset_index()


def _share_for_half(per_customer: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Smallest share of customers (most frequent first) making half of the contacts."""
    s = per_customer.sort_values([*keys, "n"], ascending=[True] * len(keys) + [False])
    g = s.groupby(keys, sort=False)
    rank = g.cumcount() + 1
    cum = g["n"].cumsum() / g["n"].transform("sum")
    customers = g["n"].transform("size")
    reached = s.assign(share=rank / customers)[(cum >= 0.5).to_numpy()]
    return reached.groupby(keys)["share"].min()


def frequency_table(contacts: pd.DataFrame) -> pd.DataFrame:
    """Customers by number of contacts over the whole log (1, 2, 3, 4, 5-9, 10+).

    Returns ``contacts_per_customer`` (bucket label), ``customers``, ``share_of_customers``
    and ``share_of_contacts`` (fractions).
    """
    n = contacts.groupby("customer_id").size()
    bucket = pd.cut(n, [0, 1, 2, 3, 4, 9, np.inf], labels=["1", "2", "3", "4", "5-9", "10+"])
    out = pd.DataFrame({"customers": n.groupby(bucket, observed=False).size()})
    out["contacts"] = n.groupby(bucket, observed=False).sum()
    out["share_of_customers"] = out["customers"] / out["customers"].sum()
    out["share_of_contacts"] = out["contacts"] / out["contacts"].sum()
    out.index = out.index.astype(str)
    return out.rename_axis("contacts_per_customer").reset_index()
