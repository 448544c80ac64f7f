"""Errors and warnings about a user's input, with the place they were found.

Every problem names what was expected, what was found, where (file, row, column, value) and how
to fix it. Validators collect all the problems they can find before raising, so a user fixes a
file in one pass instead of one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputError", "Problem", "format_problems"]

#: How many problems of one kind are listed before the rest are summarised.
MAX_LISTED = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a user's input.

    Parameters
    ----------
    message : str
        What is wrong, phrased as expected vs found.
    file : str, optional
        The file the problem is in.
    where : str, optional
        The place in the file: ``"line 17"`` for CSV (the header is line 1), ``"row 16"`` for
        Parquet, ``"key center.shrinkage"`` for TOML, or an interval range.
    column : str, optional
        The column (or config key) concerned.
    value : str, optional
        The offending value, as the user would write it (strings quoted).
    fix : str, optional
        How to fix it.
    """

    message: str
    file: str | None = None
    where: str | None = None
    column: str | None = None
    value: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        place = ", ".join(
            part
            for part in (
                self.file,
                self.where,
                f"column '{self.column}'" if self.column else None,
                f"value {self.value}" if self.value is not None else None,
            )
            if part
        )
        text = f"{place}: {self.message}" if place else self.message
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


def format_problems(problems: list[Problem]) -> str:
    """Render problems as numbered lines, for terminals and logs."""
    return "\n".join(f"{i}. {p}" for i, p in enumerate(problems, start=1))


class InputError(ValueError):
    """A user's input was refused; ``problems`` lists every reason found.

    Parameters
    ----------
    problems : list of Problem
        At least one problem.
    """

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(format_problems(self.problems))
