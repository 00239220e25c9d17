"""Time 10^6 evaluations of the exact couplings (J_perp, J_par) of solver.keldysh.

Prints the machine, the median of repeated timings for r/r0 drawn log-uniformly from a few
ranges, and for comparison the elementary Eq. 10 (approximate=True) and the naive scipy
Struve/Bessel formula (inaccurate, see docs/physics.md). Writes nothing.

Run:  python benchmarks/bench_couplings.py [--n 1000000] [--repeats 7]
"""
import argparse
import os
import platform
import time

import numpy as np
import scipy
from scipy import special

from solver import keldysh


def median_time(fn, repeats):
    fn()                                             # warm-up (builds the lazy table)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times))


def naive(r, r0):
    """Couplings from scipy's struve/y0 (V' and V'' by the textbook recurrences)."""
    x = r / r0
    d1 = 1 - np.pi / 2 * (special.struve(1, x) - special.y1(x))
    d2 = 1 / x - d1 / x - np.pi / 2 * (special.struve(0, x) - special.y0(x))
    return -d1 / (x * r0 * r), d2 / r0**2


def measure(n: int = 10**6, repeats: int = 7) -> dict:
    """Median times (s) of n exact couplings over three r/r0 ranges, Eq. 10 and the naive formula."""
    rng = np.random.default_rng(0)
    r0 = 1.0
    out = {"n": n, "repeats": repeats, "exact_s": {}}
    for lo, hi in [(1 / 16, 64.0), (1e-3, 1e3), (1e-8, 1e8)]:
        r = r0 * np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        med, _ = median_time(lambda: keldysh.couplings(r, r0), repeats)
        out["exact_s"][f"[{lo:g}, {hi:g}]"] = med
    r = r0 * np.exp(rng.uniform(np.log(1e-3), np.log(1e3), n))
    out["approximate_eq10_s"], _ = median_time(lambda: keldysh.couplings(r, r0, approximate=True), repeats)
    sub = r[: max(1, n // 20)]                  # the naive formula is slow: time 5 %
    with np.errstate(all="ignore"):
        med, _ = median_time(lambda: naive(sub, r0), 3)
    out["naive_scipy_s"] = med * n / sub.size
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**6)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} | {platform.system()} "
          f"{platform.release()} | cores: {os.cpu_count()} | python {platform.python_version()} "
          f"| numpy {np.__version__} | scipy {scipy.__version__}")
    res = measure(args.n, args.repeats)
    for rng_name, med in res["exact_s"].items():
        print(f"exact couplings, r/r0 in {rng_name}: {args.n:.0e} evaluations median "
              f"{med * 1e3:.1f} ms ({args.repeats} repeats)")
    print(f"approximate Eq. 10, [1e-3, 1e3]: median {res['approximate_eq10_s'] * 1e3:.1f} ms")
    print(f"naive scipy struve/y0 (inaccurate), [1e-3, 1e3]: {res['naive_scipy_s'] * 1e3:.0f} ms "
          f"per {args.n:.0e} (timed on 5 %)")


if __name__ == "__main__":
    main()
