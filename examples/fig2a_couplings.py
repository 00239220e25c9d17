"""Paper Fig. 2a: couplings J⊥ and J∥ of two point impurities vs distance, exact vs Eq. 10.

Run:  python examples/fig2a_couplings.py [OUTDIR]      (default ./out: PNG + netCDF)

Writes OUTDIR/fig2a_couplings.png and .nc. Couplings in units of Z / r0² (Z = s g²/2π);
the plot shows r² J / Z, which is 1 for both in the unscreened 2-D dipole limit (r ≪ r0) and
crosses over to the 3-D-like r0/r (J⊥) and 2 r0/r (J∥) for r ≫ r0. Eq. 10 is the paper's
elementary approximation (off by up to ~10 % near r ~ 3-5 r0).
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from solver import keldysh  # noqa: E402


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    r0 = 1.0
    x = np.geomspace(1e-2, 1e2, 400)
    jp, jl = keldysh.couplings(x * r0, r0)
    ap, al = keldysh.couplings(x * r0, r0, approximate=True)
    xs = np.geomspace(1e-2, 1e2, 25)                    # markers: exact values (paper: circles)
    sp, sl = keldysh.couplings(xs * r0, r0)

    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.loglog(x, x**2 * ap, "b-", lw=1, label=r"$J_\perp$ Eq. 10")
    ax.loglog(x, x**2 * al, "r-", lw=1, label=r"$J_\parallel$ Eq. 10")
    ax.loglog(xs, xs**2 * sp, "bo", ms=4, mfc="none", label=r"$J_\perp$ exact (Eq. 9)")
    ax.loglog(xs, xs**2 * sl, "ro", ms=4, mfc="none", label=r"$J_\parallel$ exact (Eq. 9)")
    ax.set_xlabel(r"$r/r_0$")
    ax.set_ylabel(r"$r^2 J / Z$")
    ax.legend(fontsize=8)
    ax.set_title("supercurrent-mediated couplings (paper Fig. 2a)", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig2a_couplings.png"), dpi=150)

    ds = xr.Dataset(
        {"J_perp": ("r", jp, {"long_name": "exact J_perp (paper Eq. 9)", "units": "Z/r0^2"}),
         "J_par": ("r", jl, {"long_name": "exact J_par (paper Eq. 9)", "units": "Z/r0^2"}),
         "J_perp_eq10": ("r", ap, {"long_name": "J_perp, elementary approximation Eq. 10", "units": "Z/r0^2"}),
         "J_par_eq10": ("r", al, {"long_name": "J_par, elementary approximation Eq. 10", "units": "Z/r0^2"})},
        coords={"r": ("r", x, {"long_name": "distance over Pearl length", "units": "r0"})},
        attrs={"title": "paper Fig. 2a", "max_rel_error_eq10_perp": float(np.max(np.abs(ap / jp - 1))),
               "max_rel_error_eq10_par": float(np.max(np.abs(al / jl - 1)))})
    ds.to_netcdf(os.path.join(out, "fig2a_couplings.nc"), engine="h5netcdf")
    print(f"Eq. 10 max relative error: J_perp {ds.attrs['max_rel_error_eq10_perp']:.3f}, "
          f"J_par {ds.attrs['max_rel_error_eq10_par']:.3f}; wrote {out}/fig2a_couplings.(png|nc)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out")
