"""Timing of the mesh-accelerated energy + gradient for 1e3, 1e4, 1e5 random impurities.

Run: python benchmarks/bench_ground_state.py [--dense-check]
Prints set-up time (k-d tree, pair tensors, kernel FFT) and the time of one energy+gradient
evaluation (median of 3); density 1 per unit area (box side √N), r0 = 5.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from solver import ground_state as gs, keldysh


def main(sizes=(1_000, 10_000, 100_000), r0: float = 5.0, dense_check: bool = False) -> None:
    rng = np.random.default_rng(0)
    for n in sizes:
        pos = rng.uniform(0, np.sqrt(n), (n, 2))
        t0 = time.perf_counter()
        prob = gs.impurity_problem(pos, r0, method="mesh")
        t_setup = time.perf_counter() - t0
        th = rng.uniform(-np.pi, np.pi, n)
        ts = []
        for _ in range(3):
            t0 = time.perf_counter()
            e, g = prob.energy_gradient(th)
            ts.append(time.perf_counter() - t0)
        line = (f"N={n:>7d}  mesh {prob.mesh.shape}  pairs {len(prob.mesh.pi):>8d}  "
                f"setup {t_setup:7.3f} s  energy+gradient {np.median(ts):7.4f} s")
        if dense_check and n <= 10_000:
            t0 = time.perf_counter()
            ed = keldysh.interaction_energy(pos, prob.moments(th), r0)
            line += f"  dense {time.perf_counter() - t0:6.2f} s  rel.err {abs(e - ed) / abs(ed):.1e}"
        print(line, flush=True)


if __name__ == "__main__":
    main(dense_check="--dense-check" in sys.argv)
