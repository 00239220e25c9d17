"""Timings of the lattice sums: θ_c to 1e-9 rad, one energy, and a 50 × 50 (θ, T) phase diagram.

    python benchmarks/bench_lattice.py [--repeats 5] [--json out.json]

Medians over repeats (the machine is shared and noisy). For θ_c both independent methods are
timed and their roots compared (they agree to ~1e-14 rad, far inside the 1e-9 target).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time

from solver import lattice
from solver.phase_diagram import phase_diagram


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def measure(repeats: int = 5) -> dict:
    """θ_c (both methods, to 1e-10 rad), ordered-state energies and 50×50 phase diagrams (s)."""
    lattice.energy_per_site(1.2, 0.02)          # warm-up: Keldysh table build
    rows = {"repeats": repeats}
    t, _ = median_time(lambda: lattice.state_energies(1.2, 1 / 50), repeats)
    rows["state_energies_ewald_s"] = t
    t, _ = median_time(lambda: lattice.state_energies(1.2, 1 / 50, method="window"), repeats)
    rows["state_energies_window_s"] = t
    crit = {}
    for x, uns in ((1 / 50, None), (1.0, None), (0.0, "limit")):
        te, ce = median_time(lambda: lattice.critical_angle(x, unscreened=uns, xtol=1e-10), repeats)
        tw, cw = median_time(lambda: lattice.critical_angle(x, method="window", unscreened=uns, xtol=1e-10),
                             max(1, repeats // 2))
        crit[f"{x:g}"] = {"theta_c_rad": ce, "theta_c_deg": math.degrees(ce), "ewald_s": te,
                          "window_s": tw, "methods_diff_rad": abs(ce - cw)}
    rows["critical_angle"] = crit
    reps = max(1, repeats // 2)
    t, pd = median_time(lambda: phase_diagram(d_over_r0_zero=1 / 50), reps)
    rows["phase_diagram_50x50_thermodynamic_s"] = t
    t, _ = median_time(lambda: phase_diagram(t=[0.0], d_over_r0_zero=1 / 50, sample_radius=100.0,
                                             theta=[math.pi / 3, math.pi / 2]), reps)
    rows["phase_diagram_2x1_disc_L100_s"] = t
    rows["theta_c_T0_deg"] = math.degrees(pd.critical_angle[0])
    rows["theta_c_T098_deg"] = math.degrees(pd.critical_angle[-1])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rows = measure(args.repeats)
    rows["machine"] = platform.processor() or platform.machine()
    print(json.dumps(rows, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
