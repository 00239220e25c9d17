"""Strict number checks (complex scalars, booleans among numbers) and scalar ``q`` in
``kernels.field_kernel``."""
from __future__ import annotations

import numpy as np
import pytest

from solver import checks, kernels

COMPLEX_SCALARS = [1 + 2j, 1 + 0j, np.complex128(1 + 2j), np.complex128(3), np.complex64(1 + 2j),
                   np.clongdouble(2), np.array(1 + 2j), np.array(2 + 0j, dtype=np.complex64)]


@pytest.mark.parametrize("value", COMPLEX_SCALARS, ids=repr)
@pytest.mark.parametrize("check, expected", [
    (lambda n, v: checks.positive_length(n, v), r"must be a real number > 0"),
    (lambda n, v: checks.positive_length(n, v, allow_inf=True), r"must be a real number > 0"),
    (checks.finite_real, r"must be a finite real number"),
    (checks.nonnegative, r"must be a finite real number >= 0"),
    (lambda n, v: checks.integer(n, v, 0), r"must be an integer >= 0"),
])
def test_complex_scalar_refused(check, expected, value):
    with pytest.raises(ValueError, match=r"^my_param " + expected):
        check("my_param", value)


@pytest.mark.parametrize("value", [
    (True, 0.5), (0.5, False), [np.True_, 1.0], (1, True),
    np.array([True, 0.5], dtype=object), [np.array(True), 2.0],
])
def test_vector2_refuses_booleans(value):
    with pytest.raises(ValueError, match=r"^center must be a pair of finite real numbers.*boolean"):
        checks.vector2("center", value)


@pytest.mark.parametrize("value", [
    [True, 2], [2.0, False], [[1, 2], [3, np.True_]], np.array([1, True], dtype=object),
    [1, np.array(True)], np.array([True, False]), True,
])
def test_finite_array_refuses_booleans(value):
    with pytest.raises(ValueError, match=r"^samples must be a real numeric array"):
        checks.finite_array("samples", value)


def test_finite_array_refuses_complex_in_object_array():
    value = np.array([1.0, np.complex128(1 + 2j)], dtype=object)
    with pytest.raises(ValueError, match=r"^samples must be a real numeric array.*complex"):
        checks.finite_array("samples", value)


@pytest.mark.parametrize("value, expected", [
    (np.int64(3), 3.0), (np.int32(7), 7.0), (np.float32(0.5), 0.5), (np.float64(2.5), 2.5),
    (2, 2.0), (2.0, 2.0), (np.array(4), 4.0), (np.array(1.5), 1.5),
])
def test_real_scalars_still_accepted(value, expected):
    for got in (checks.positive_length("x", value), checks.finite_real("x", value),
                checks.nonnegative("x", value)):
        assert type(got) is float and got == expected
    assert checks.positive_length("x", value, allow_inf=True) == expected


def test_integer_still_accepted():
    for value in (np.int64(3), 3, 3.0, np.float32(3.0), np.array(3)):
        got = checks.integer("n", value, 0)
        assert type(got) is int and got == 3


def test_arrays_still_accepted():
    got = checks.finite_array("a", np.array([1, 2]))
    assert got.dtype == np.float64 and np.array_equal(got, [1.0, 2.0])
    got = checks.finite_array("a", [[1, 2.0], [np.int64(3), np.float32(4)]])
    assert got.dtype == np.float64 and np.array_equal(got, [[1.0, 2.0], [3.0, 4.0]])
    got = checks.finite_array("a", np.array([1, 2.5], dtype=object))
    assert np.array_equal(got, [1.0, 2.5])
    got = checks.finite_array("a", np.array([0, 1, 2], dtype=np.uint8), (3,))
    assert np.array_equal(got, [0.0, 1.0, 2.0])
    for value in ((1, 2), [np.int64(1), np.float32(2.0)], np.array([1, 2]), (1.0, 2)):
        got = checks.vector2("v", value)
        assert got.dtype == np.float64 and np.array_equal(got, [1.0, 2.0])


@pytest.mark.parametrize("pearl_length", [0.3, 2.0, np.inf])
@pytest.mark.parametrize("height", [0.0, 0.7])
@pytest.mark.parametrize("q", [0.0, 1e-8, 1.5, 40.0, np.float32(2.0), np.int64(3), np.array(0.25)])
def test_field_kernel_scalar_matches_array(q, pearl_length, height):
    got = kernels.field_kernel(q, pearl_length, height)
    ref = kernels.field_kernel(np.array([q], dtype=float), pearl_length, height)
    assert np.ndim(got) == 0
    assert np.asarray(got).dtype == np.float64
    np.testing.assert_allclose(float(got), ref[0], rtol=1e-15, atol=0)


def test_field_kernel_array_path_unchanged():
    q = np.linspace(0.0, 10.0, 101)
    r0, z = 1.3, 0.4
    np.testing.assert_allclose(kernels.field_kernel(q, r0, z), np.exp(-q * z) / (1 + q * r0),
                               rtol=1e-15)
    np.testing.assert_allclose(kernels.field_kernel(q, r0), 1 / (1 + q * r0), rtol=1e-15)
    q2 = q.reshape(101, 1) * np.ones((1, 3))
    assert kernels.field_kernel(q2, r0, z).shape == (101, 3)


def test_finite_array_copy_and_check_in_one_pass(monkeypatch):
    """With ``out``, the values are copied (exactly, ints converted) and checked chunk by chunk:
    a NaN/inf in any chunk — the last one included — is found and counted; huge finite values
    whose chunk sum overflows are not refused (the per-entry check decides); the source is not
    modified and the result is ``out``."""
    monkeypatch.setattr(checks, "_CHECK_CHUNK_BYTES", 64)  # many chunks on a small array
    rng = np.random.default_rng(3)
    src = rng.standard_normal((2, 13, 7))
    keep = src.copy()
    out = np.empty_like(src)
    got = checks.finite_array("a", src, (2, 13, 7), out=out)
    assert got is out and np.array_equal(out, src) and np.array_equal(src, keep)
    ints = np.arange(2 * 13 * 7).reshape(2, 13, 7)
    assert np.array_equal(checks.finite_array("a", ints, out=np.empty((2, 13, 7))), ints)
    for bad, where in ((np.nan, (1, 12, 6)), (np.inf, (0, 0, 0)), (-np.inf, (1, 6, 3))):
        dirty = src.copy()
        dirty[where] = bad
        dirty[0, 5, 2] = np.nan
        with pytest.raises(ValueError, match="a contains 2 NaN or infinite"):
            checks.finite_array("a", dirty, out=np.empty_like(src))
    huge = np.full((2, 13, 7), 1.5e308)  # every chunk's sum overflows to inf
    assert np.array_equal(checks.finite_array("a", huge, out=np.empty_like(huge)), huge)
    with pytest.raises(ValueError, match="out must be a float64 array of shape"):
        checks.finite_array("a", src, out=np.empty((2, 13, 7), dtype=np.float32))
