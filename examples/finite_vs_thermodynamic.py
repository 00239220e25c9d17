"""Finite samples vs the thermodynamic limit, and finite islands vs point impurities.

Run:  python examples/finite_vs_thermodynamic.py [OUTDIR]      (default ./out: PNG + netCDF)

(a) Energy per site of the FM and best layered AFM states of the triangular and square lattices
    at d = r0/50 for disc samples of radius L (central site and whole-sample average, direct sums)
    against the thermodynamic limit (Ewald): the FM energy converges only for L ≫ r0, the central
    site as π r0 / (2 A_c L) (dotted), so for L ≲ 10 r0 the triangular sample is AFM.
(b) Lattices of Gaussian islands of width w (periodic spectral solves, self energies removed)
    converge to the point lattice as w² (square AFM and triangular FM, d = r0/50).
Writes OUTDIR/finite_vs_thermodynamic.png and .nc (energies in Z/d², L in d).
"""
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from solver import lattice  # noqa: E402
from solver.island_lattice import island_lattice  # noqa: E402


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    x = 1 / 50
    r0 = 1 / x
    L_c = np.array([5, 10, 20, 50, 100, 200, 400, 800, 1600], float)
    L_a = np.array([5, 10, 20, 50, 100, 200, 400], float)
    lats = {"triangular": lattice.TRIANGULAR, "square": lattice.SQUARE}
    data = {}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ax = axes[0]
    for (name, th), col in zip(lats.items(), ("C0", "C3")):
        inf = lattice.state_energies(th, x)
        for st, ls in (("ferro", "-"), ("antiferro", "--")):
            ec = np.array([lattice.disc_energy(th, x, L, st, average=False) for L in L_c])
            ea = np.array([lattice.disc_energy(th, x, L, st, average=True) for L in L_a])
            data[f"{name}_{st}_central"] = ("L_central", ec)
            data[f"{name}_{st}_average"] = ("L_average", ea)
            data[f"{name}_{st}_thermodynamic"] = ((), inf[st].energy)
            ax.plot(L_c / r0, ec, ls, color=col, marker="o", ms=3, label=f"{name} {st} (central)")
            ax.plot(L_a / r0, ea, ls, color=col, marker="s", ms=3, mfc="none", alpha=0.6,
                    label=f"{name} {st} (sample avg)")
            ax.axhline(inf[st].energy, color=col, ls=ls, lw=0.6)
        fm_asym = inf["ferro"].energy + math.pi * r0 / (2 * math.sin(th) * L_c)
        ax.plot(L_c[L_c > 2 * r0] / r0, fm_asym[L_c > 2 * r0], ":", color="k", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel(r"sample radius $L/r_0$  ($d = r_0/50$)")
    ax.set_ylabel(r"energy per site ($Z/d^2$)")
    ax.set_title("disc samples vs thermodynamic limit (thin lines); dotted: $\\pi r_0/(2A_cL)$", fontsize=8)
    ax.legend(fontsize=6, ncol=2, loc="upper right")

    ax = axes[1]
    widths = np.array([0.08, 0.06, 0.04, 0.03, 0.02])
    for lat, st, col in (("square", "antiferro", "C3"), ("triangular", "ferro", "C0")):
        err = []
        for w in widths:
            r = island_lattice(lat, x, "gaussian", float(w), st, cells=112)
            err.append(abs(r.energy - r.point_energy) / abs(r.point_energy))
        data[f"islands_{lat}_{st}_relerr"] = ("width", np.array(err))
        ax.loglog(widths, err, "o-", color=col, label=f"{lat} {st}")
    ax.loglog(widths, 0.5 * widths**2 * err[-1] / (0.5 * widths[-1] ** 2), "k:", label=r"$\propto w^2$")
    ax.set_xlabel("Gaussian island width w / d")
    ax.set_ylabel("|E_islands - E_points| / |E_points|")
    ax.set_title("island lattices (periodic spectral) → point lattice", fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "finite_vs_thermodynamic.png"), dpi=150)

    ds = xr.Dataset({k: (v[0], v[1], {"units": "Z/d^2" if "relerr" not in k else "1"})
                     for k, v in data.items()},
                    coords={"L_central": ("L_central", L_c, {"units": "d"}),
                            "L_average": ("L_average", L_a, {"units": "d"}),
                            "width": ("width", widths, {"units": "d"})},
                    attrs={"d_over_r0": x, "title": "finite samples and islands vs thermodynamic limit"})
    ds.to_netcdf(os.path.join(out, "finite_vs_thermodynamic.nc"), engine="h5netcdf")
    print(f"wrote {out}/finite_vs_thermodynamic.(png|nc)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out")
