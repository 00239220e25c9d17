"""The run's outputs: the Markdown report and the table printed to the terminal."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .core import Result

__all__ = ["Report", "format_table", "write_markdown"]


@dataclass
class Report:
    """Everything a run produced."""

    results: list[Result]
    out: Path
    fast: bool
    seconds: float
    case_seconds: dict = field(default_factory=dict)
    artefacts: list = field(default_factory=list)
    markdown: list = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        """The results that fail the run (known issues excluded)."""
        return [r for r in self.results if r.blocking]

    @property
    def ok(self) -> bool:
        return not self.failed


def _value(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.4g}"
    return f"{v:.3e}"


def format_table(results: list[Result]) -> str:
    """Fixed-width text table: case, check, value, tolerance, status."""
    head = ("case", "check", "value", "tolerance", "status")
    rows = [(r.case, r.name, _value(r.value), r.tolerance, r.status) for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(report: Report, path: Path) -> Path:
    """Write ``report.md``: summary, results table, notes, known issues, extra sections, artefacts."""
    n_fail = len(report.failed)
    known = [r for r in report.results if r.known_issue]
    mode = "fast" if report.fast else "full"
    lines = [
        "# Validation report",
        "",
        f"Mode **{mode}**, {len(report.results)} checks, **{n_fail} failed**"
        + (f", {sum(not r.passed for r in known)} known issue(s) failing (not counted)" if known else "")
        + f"; wall time {report.seconds:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in report.case_seconds.items()) + ").",
        "",
        "| # | case | check | metric | value | tolerance | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(report.results, 1):
        status = f"**{r.status}**" if not r.passed else r.status
        lines.append(f"| {i} | {r.case} | {_md(r.name)} | {_md(r.metric)} | {_value(r.value)} | {r.tolerance} | {status} |")
    lines += ["", "## Notes", ""]
    for i, r in enumerate(report.results, 1):
        if r.notes:
            lines.append(f"{i}. **{_md(r.name)}** — {r.notes}")
    if known:
        lines += ["", "## Known issues", "",
                  "Checks flagged as known defects: evaluated and shown, but they do not fail the run.", ""]
        for r in known:
            lines.append(f"- **{r.name}** ({r.status}): {r.known_issue}. Measured {_value(r.value)}, "
                         f"wanted {r.tolerance}.")
    for title, text in report.markdown:
        lines += ["", f"## {title}", "", text]
    if report.artefacts:
        lines += ["", "## Files", ""]
        lines += [f"- [{a}]({a})" if a.endswith(".png") else f"- {a}" for a in report.artefacts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
