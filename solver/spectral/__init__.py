"""The field solvers: from an exchange map a(r) to the supercurrent, potential, field, energy.

``fft`` (pyfftw/scipy backend, FFTW wisdom), ``kernels`` (response kernels K(q)), ``freespace``
(the free-space Green's functions of the open boundary), ``operators`` (periodic/open
operators), ``maxwell_london`` (``solve`` and the operator cache), ``solution`` (the result),
``interactions`` (island energies), ``edge_energy`` (sub-grid edge self-energy) and the
finite-film solver (``finite_film``, ``finite_solution``, ``finite``). Imports the layers below
(:mod:`solver._common`, :mod:`solver.model`, :mod:`solver.theory`).
"""

__all__: list[str] = []
