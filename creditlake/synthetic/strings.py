"""Object arrays of Python strings: drawn, concatenated, made from code matrices."""

from __future__ import annotations

import numpy as np


def strings_from_codes(matrix: np.ndarray) -> np.ndarray:
    """(n, k) ASCII codes -> object array of n Python strings."""
    m = np.ascontiguousarray(matrix.astype(np.uint8))
    return m.view(f"S{m.shape[1]}").ravel().astype(f"U{m.shape[1]}").astype(object)


def digit_matrix(codes: np.ndarray, width: int) -> np.ndarray:
    """Strings of digits (division codes, dates) -> (n, width) int matrix."""
    raw = np.frombuffer(np.ascontiguousarray(codes.astype(f"S{width}")).tobytes(), np.uint8)
    return raw.reshape(-1, width) - 48


def pick(rng: np.random.Generator, values, n: int) -> np.ndarray:
    """n values drawn with replacement."""
    values = np.asarray(values, dtype=object)
    return values[rng.integers(len(values), size=n)]


def join(*parts) -> np.ndarray:
    """Element-wise concatenation of object arrays / scalars (all strings)."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = out + (np.asarray(p, dtype=object) if not isinstance(p, str) else p)
    return out


def texts(values) -> np.ndarray:
    """Numbers -> object array of their decimal strings."""
    return np.asarray(values).astype(str).astype(object)
