"""Ground state of a small array of finite islands, drawn on its supercurrent map.

The moment angles are optimized with ``solver.ground_state.minimize_islands`` (spectral self and
pair tensors, shape anisotropy included); the optimized arrangement is then solved with
``solver.solve`` and |j| with streamlines and the moments (arrows) is plotted.

Run:  python examples/island_array_ground_state.py [OUTDIR]      (default ./out: PNG + netCDF)

Writes OUTDIR/island_array_ground_state.png and .nc (the optimized moments, local fields and
energy of :func:`solver.ground_state.minimize_islands`).
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import solver  # noqa: E402
from solver import ground_state  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
out.mkdir(parents=True, exist_ok=True)

film = solver.Film(pearl_length=1.0)
grid = solver.Grid(shape=(256, 256), spacing=0.025)
islands = []
for k, (x, y) in enumerate([(x, y) for y in (-1.2, 0.0, 1.2) for x in (-1.2, 0.0, 1.2)]):
    if k % 2:
        islands.append(solver.Island.ellipse(center=(x, y), axes=(0.3, 0.12), angle=0.5 * k))
    else:
        islands.append(solver.Island.disk(center=(x, y), radius=0.2))
ds = ground_state.minimize_islands(islands, grid, film, seed=0, restarts=8)
opt = [isl.with_moment((float(mx), float(my))) for isl, mx, my in zip(islands, ds.mx.values, ds.my.values)]
# islands=opt: the solution then adds the islands' sub-grid edge energy, as minimize_islands does
sol = solver.solve(solver.exchange_map(opt, grid), grid, film, boundary="open", islands=opt)

j = np.asarray(sol.current)
x, y = grid.x, grid.y
fig, ax = plt.subplots(figsize=(6, 5.5))
im = ax.pcolormesh(x, y, np.hypot(j[0], j[1]), shading="auto", cmap="magma")
ax.streamplot(x, y, j[0], j[1], color="w", density=1.4, linewidth=0.5, arrowsize=0.6)
ax.quiver(ds.x, ds.y, ds.mx, ds.my, color="c", scale=8, width=0.008, pivot="middle")
ax.set_aspect("equal")
ax.set_title(f"optimized moments, r0 = {film.pearl_length}, E = {ds.energy:.4g}")
fig.colorbar(im, ax=ax, label="|j| (s g μ / length²)")
fig.savefig(out / "island_array_ground_state.png", dpi=120)
solver.save(ds, out / "island_array_ground_state.nc")
print(f"E_min = {ds.energy:.6g} (solve: {sol.energy:.6g}), net magnetization "
      f"{ds.magnetization:.3f}; wrote {out / 'island_array_ground_state.png'} and .nc")
