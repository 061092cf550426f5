"""Inverse-pole-figure (IPF) colours of cubic (m-3m) orientations in NumPy, as orix's ``IPFColorKeyTSL``.

orix builds the key from numba-compiled vector maths (about 25 s to compile per fresh kernel); this port follows
its code (adapted there from MTEX): the sample direction is rotated into the crystal, folded into the standard
triangle [001]–[101]–[111], and coloured by its polar coordinates about the triangle's barycentre (Nolze &
Hielscher, *J. Appl. Cryst.* 49 (2016) 1786, Sec. 2.4): hue from the azimuth (corrected so that the three
corners are red, green and blue), lightness from the distance to the edge. Tested against orix.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.colors import hsv_to_rgb

from mlpc.ebsd_geometry import rotate_vectors

#: Normals of the m-3m standard triangle z ≥ x ≥ y ≥ 0 (orix ``Oh.fundamental_sector``).
_NORMALS = np.array([[1.0, -1.0, 0.0], [-1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
_NORMALS /= np.linalg.norm(_NORMALS, axis=1, keepdims=True)
#: Its corners [111], [101], [001] and barycentre (mean of the unit corners, normalised).
_VERTICES = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
_VERTICES /= np.linalg.norm(_VERTICES, axis=1, keepdims=True)
_CENTRE = _VERTICES.mean(axis=0) / np.linalg.norm(_VERTICES.mean(axis=0))


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.arccos(np.clip(np.sum(_unit(a) * _unit(b), axis=-1), -1.0, 1.0))


def _azimuth(rx: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle of v about the barycentre, from the direction rx (MTEX ``calcAngle``)."""
    rx = _unit(rx - np.dot(rx, _CENTRE) * _CENTRE)
    ry = _unit(np.cross(_CENTRE, rx))
    d = _unit(v - _CENTRE)
    az = np.mod(np.arctan2(d @ ry, d @ rx), 2 * np.pi)
    return np.where(np.isnan(az), 0.0, az)


@functools.lru_cache(maxsize=1)
def _azimuth_correction() -> tuple[np.ndarray, np.ndarray]:
    """The piecewise-linear azimuth map that gives each corner a third of the hue circle (MTEX ``correctAngle``)."""
    rx = np.array([0.0, 0.0, 1.0]) - _CENTRE
    m = 1000
    grid = np.linspace(0, 2 * np.pi, m)
    normal = _unit(np.cross(rx, _CENTRE))
    c, s = np.cos(grid[:-1])[:, None], np.sin(grid[:-1])[:, None]
    rotated = normal * c + np.cross(_CENTRE, normal) * s + _CENTRE * np.dot(_CENTRE, normal) * (1 - c)
    polar = np.min([_angle(np.cross(n, rotated), _CENTRE) for n in _NORMALS], axis=0)
    corners = np.round(m * np.sort(_azimuth(rx, _VERTICES)) / (2 * np.pi)).astype(int)
    if corners[0] < 10:
        corners = corners[1:]
    for idx in (np.arange(corners[0]), np.arange(corners[0], corners[1]), np.arange(corners[1], polar.size)):
        polar[idx] /= np.sum(polar[idx]) / 3
    return grid, 2 * np.pi * np.cumsum(np.append(0.0, polar / np.sum(polar)))


def ipf_colours(quaternions: np.ndarray, direction: tuple[float, float, float] = (0.0, 0.0, 1.0)) -> np.ndarray:
    """RGB (n, 3) in [0, 1] of orientations (n, 4) for the sample ``direction`` (default ND), TSL/MTEX key."""
    v = rotate_vectors(quaternions, np.asarray([direction], dtype=float))[:, 0]
    a = np.sort(np.abs(_unit(v)), axis=1)  # fold into z ≥ x ≥ y ≥ 0 (the 48 operations of m-3m)
    h = np.column_stack([a[:, 1], a[:, 0], a[:, 2]])
    rx = np.array([0.0, 0.0, 1.0]) - _CENTRE
    grid, corrected = _azimuth_correction()
    azimuth = np.interp(_azimuth(rx, h), grid, corrected)
    v_c = _unit(np.cross(h, _CENTRE))
    polar = np.full(len(h), np.inf)
    for n in _NORMALS:
        boundary = _unit(np.cross(v_c, n))
        with np.errstate(invalid="ignore"):
            dist = _angle(-h, boundary) / _angle(-_CENTRE[None], boundary)
        polar = np.minimum(polar, np.where(np.isnan(dist), 1.0, dist))
    lightness = 0.5 + polar / 2
    l2 = 2 * lightness
    s2 = np.where(l2 <= 1, l2, 2 - l2)
    with np.errstate(invalid="ignore", divide="ignore"):
        saturation = np.nan_to_num(2 * s2 / (l2 + s2))
    hsv = np.column_stack([np.mod(azimuth / (2 * np.pi), 1), saturation, (l2 + s2) / 2])
    return hsv_to_rgb(hsv)


__all__ = ["ipf_colours"]
