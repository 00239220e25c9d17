import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

import solver  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_operator_cache():
    """Each test starts from an empty operator cache (keeps memory bounded across the suite)."""
    solver.clear_cache()
    yield
    solver.clear_cache()
