"""Input validation shared by the queueing kernels.

Every public kernel converts its inputs with :func:`as_float` (or :func:`as_int`), which
refuses bad values at the door with a message that says what was expected, what was found,
where (the first offending index of the array) and how to fix it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EXACT_RTOL", "as_float", "as_int", "ceil_exact", "floor_exact", "out"]

#: Relative tolerance used for integer decisions on quotients (see :func:`ceil_exact`).
EXACT_RTOL = 1e-10


def _where(arr: np.ndarray, bad: np.ndarray) -> str:
    idx = np.argwhere(bad)[0]
    value = (arr[tuple(idx)] if arr.ndim else arr[()]).item()
    loc = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
    return f"{value!r}{loc}"


def as_float(
    name: str,
    value,
    *,
    lo: float | None = None,
    lo_open: bool = False,
    hi: float | None = None,
    hi_open: bool = False,
    unit: str = "",
    fix: str = "",
) -> np.ndarray:
    """Convert ``value`` to a float64 array and check it is finite and within bounds.

    Raises
    ------
    ValueError
        With the expected range, the first offending value and its index, and a hint.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; got {value!r}") from exc
    unit_txt = f" {unit}" if unit else ""
    hint = f" {fix}" if fix else ""
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name} must be a finite number{unit_txt}; got {_where(arr, bad)}. "
            "Closed hours are zero, never NaN or inf." + hint
        )
    if lo is not None:
        bad = arr <= lo if lo_open else arr < lo
        if bad.any():
            op = ">" if lo_open else ">="
            raise ValueError(
                f"{name} must be {op} {lo:g}{unit_txt}; got {_where(arr, bad)}." + hint
            )
    if hi is not None:
        bad = arr >= hi if hi_open else arr > hi
        if bad.any():
            op = "<" if hi_open else "<="
            raise ValueError(
                f"{name} must be {op} {hi:g}{unit_txt}; got {_where(arr, bad)}." + hint
            )
    return arr


def as_int(name: str, value, *, lo: int = 0, fix: str = "") -> np.ndarray:
    """Convert ``value`` to an int64 array of whole numbers ``>= lo``."""
    arr = as_float(name, value, lo=lo, fix=fix)
    bad = arr != np.round(arr)
    if bad.any():
        raise ValueError(
            f"{name} must be a whole number; got {_where(arr, bad)}." + (f" {fix}" if fix else "")
        )
    return arr.astype(np.int64)


def ceil_exact(q: np.ndarray, rtol: float = EXACT_RTOL) -> np.ndarray:
    """Ceiling of a quotient that is robust to binary floating-point noise.

    A quotient within ``rtol`` (relative) above an integer is taken as that integer:
    ``9.6 / 0.8`` is ``12.000000000000002`` in binary floating point and gives 12, and
    ``21 / (1 - 0.30)`` is ``30.000000000000004`` and gives 30. Decisions are therefore
    exact for inputs given with up to about ten significant digits, which is every
    planning input in practice.
    """
    q = np.asarray(q, dtype=np.float64)
    return np.ceil(q - rtol * np.abs(q))


def floor_exact(q: np.ndarray, rtol: float = EXACT_RTOL) -> np.ndarray:
    """Floor with the same tolerance as :func:`ceil_exact` (11.999999999999998 -> 12)."""
    q = np.asarray(q, dtype=np.float64)
    return np.floor(q + rtol * np.abs(q))


def out(arr: np.ndarray):
    """Return a numpy scalar for 0-d results, the array otherwise."""
    arr = np.asarray(arr)
    return arr[()] if arr.ndim == 0 else arr
