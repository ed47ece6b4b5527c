"""Lenient readers for input columns: a missing column reads as all-missing, flags parse strictly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .weeks import NAT, to_utc_ns


def tri_state(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse a True/False/unknown column (bools, ``"true"``/``"false"`` strings, None/NA/NaN).

    Args:
        values: The column.

    Returns:
        ``(known, value)`` bool arrays; ``value`` is False where unknown.
    """
    if values.dtype == bool:  # a NOT NULL flag as the warehouse reads it: known everywhere
        flags = values.to_numpy(dtype=bool)
        return np.ones(len(flags), dtype=bool), flags.copy()
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    known_u, value_u = [], []
    for u in uniques:
        if isinstance(u, bool | np.bool_):
            known_u.append(True)
            value_u.append(bool(u))
        elif isinstance(u, str) and u.strip().lower() in ("true", "false"):
            known_u.append(True)
            value_u.append(u.strip().lower() == "true")
        else:
            known_u.append(False)
            value_u.append(False)
    known = np.array([*known_u, False], dtype=bool)[codes]
    value = np.array([*value_u, False], dtype=bool)[codes]
    return known, value


def flag_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A boolean flag such as ``archived``: True only where it is known to be true (the string ``"false"``
    is false, unlike ``bool("false")``); a missing column is all False."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    _, value = tri_state(frame[name])
    return value


def ns_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """UTC int64 nanoseconds of a timestamp column; a missing column is all ``NAT``."""
    if name not in frame.columns:
        return np.full(len(frame), NAT, dtype=np.int64)
    return to_utc_ns(frame[name])


def numeric_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """float64 values of a numeric column (unparseable -> NaN); a missing column is all NaN."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def string_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """An object Series of a text column; a missing column is all None."""
    if name not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[name].astype(object)
