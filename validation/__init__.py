"""Validation of the spectral Pearl solver against independent references.

Run ``python -m validation [--fast] [--out DIR]``; see ``validation/README.md``. Each case
computes a metric against an independent reference (Hankel quadratures, the analytic
point-impurity theory with multipole corrections, exact disk/Gaussian smearing) with a stated
tolerance; the run writes ``DIR/report.md``, PNG figures and netCDF files and exits non-zero
when a check fails.

API::

    from validation import run, Case, Result
    report = run("validation_out", fast=True)          # all cases
    report.ok, report.results, report.failed
"""
from .core import Case, Context, Result
from .runner import main, run

__all__ = ["Case", "Context", "Result", "main", "run"]
