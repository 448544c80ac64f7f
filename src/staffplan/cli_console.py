"""What the command-line modules share: the two consoles, the input-error exit code and the
way problems are listed."""

from __future__ import annotations

from rich.console import Console

from staffplan.errors import Problem

__all__ = ["EXIT_INPUT", "err", "out", "print_problems"]

EXIT_INPUT = 2

# Wide enough for the summary tables when the output is a file or a pipe.
out = Console(highlight=False, width=None if Console().is_terminal else 120)
err = Console(stderr=True, highlight=False, width=None if Console().is_terminal else 120)


def print_problems(
    problems: list[Problem], *, title: str = "Input refused", style: str = "red", console=err
) -> None:
    """List ``problems`` numbered under a coloured title (markup in the problems is not read)."""
    console.print(f"[bold {style}]{title}[/] ({len(problems)}):")
    for i, problem in enumerate(problems, start=1):
        console.print(f"  {i}. {problem}", markup=False, soft_wrap=True)
