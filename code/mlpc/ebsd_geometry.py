"""Orientation maths and the EBSD master-pattern projection in plain NumPy (no numba, nothing to compile).

orix and kikuchipy implement the same maths with numba functions that take 40–80 s to compile in every fresh
kernel (and on every student's laptop); these NumPy versions follow their conventions exactly and are tested
against them (``tests/test_ebsd_geometry.py``).

Conventions (orix 0.15 / kikuchipy 0.13, after Rowenhorst et al., *Modelling Simul. Mater. Sci. Eng.* 23
(2015) 083501, "consistent representations", P = +1):

- A rotation is a unit quaternion (a, b, c, d), scalar first; it maps sample-frame vectors to crystal-frame
  vectors (an orientation). Bunge Euler angles (φ1, Φ, φ2) are passive Z–X–Z rotations
  (:func:`euler_to_quaternion`, Rowenhorst Eqs. A.5/A.6; :func:`quaternion_to_euler`, Eq. A.14).
- Crystal symmetry multiplies on the left; the misorientation of a and b is b·a⁻¹, and its disorientation angle
  is the smallest angle over the 24 proper rotations of the cubic point group 432 (:func:`disorientation_deg`).
- The cubic fundamental zone is sampled on the cubochoric grid S₀₀₀(N) (Roşca et al., *Modelling Simul. Mater.
  Sci. Eng.* 22 (2014) 075013; Singh & De Graef, *Modelling Simul. Mater. Sci. Eng.* 24 (2016) 085013),
  as orix's ``get_sample_fundamental(method="cubochoric")`` does (:func:`sample_cubic_fundamental_zone`).
- Detector pixel directions follow kikuchipy's ``EBSDDetector``: projection centre in Bruker's convention
  (PCx, PCy as fractions of the detector width/height from its left/top edge, PCz the sample–screen distance
  over the detector height), gnomonic coordinates after Britton et al., *Mater. Charact.* 117 (2016) 113, and
  the sample-to-detector rotation built from the sample tilt σ and the detector tilt θ (:func:`detector_directions`).
- The master pattern is stored in the square Lambert projection of Roşca & De Graef (2013) as used by EMsoft
  (Callahan & De Graef, *Microsc. Microanal.* 19 (2013) 1255): one square per hemisphere, bilinear
  interpolation as in kikuchipy's ``_get_lambert_interpolation_parameters`` (:func:`project_master_pattern`).
"""

from __future__ import annotations

import itertools

import numpy as np

_SQRT_PI_OVER_2 = np.sqrt(np.pi) / 2
_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)
_SQRT_PI_HALF = np.sqrt(np.pi / 2)  # half the side of the Lambert square
_EPS9 = 1e-9


def _cubic_symmetry() -> np.ndarray:
    """The 24 proper rotations of the cubic point group 432 as unit quaternions (sign fixed)."""
    ops = [np.eye(4)[i] for i in range(4)]
    for i, j in itertools.combinations(range(4), 2):
        for sign in (1.0, -1.0):
            q = np.zeros(4)
            q[i], q[j] = 1.0, sign
            ops.append(q / np.sqrt(2))
    for signs in itertools.product((1.0, -1.0), repeat=3):
        ops.append(0.5 * np.array([1.0, *signs]))
    return np.array(ops)


#: The 24 proper cubic symmetry operations (quaternions).
CUBIC_SYMMETRY: np.ndarray = _cubic_symmetry()


def euler_to_quaternion(euler_rad: np.ndarray) -> np.ndarray:
    """Bunge Euler angles (n, 3) in radians -> unit quaternions (n, 4) with a ≥ 0 (Rowenhorst et al. 2015, A.5)."""
    eu = np.asarray(euler_rad, dtype=float).reshape(-1, 3)
    sigma, delta = 0.5 * (eu[:, 0] + eu[:, 2]), 0.5 * (eu[:, 0] - eu[:, 2])
    c, s = np.cos(eu[:, 1] / 2), np.sin(eu[:, 1] / 2)
    q = np.column_stack([c * np.cos(sigma), -s * np.cos(delta), -s * np.sin(delta), -c * np.sin(sigma)])
    return np.where(q[:, :1] < 0, -q, q)


def quaternion_to_euler(q: np.ndarray) -> np.ndarray:
    """Unit quaternions (n, 4) -> Bunge Euler angles (n, 3) in radians in [0, 2π) (Rowenhorst et al. 2015, A.14).

    Equal to orix's ``Rotation.to_euler`` except exactly at Φ = 180°, where orix 0.15 returns φ1 = φ2 − φ1 instead
    of φ1 − φ2 (the sign of 2·q1·q2 in A.14); here the round trip Euler -> quaternion -> Euler is exact there too.
    """
    q = np.asarray(q, dtype=float).reshape(-1, 4)
    a, b, c, d = q.T
    q_ad, q_bc = a * a + d * d, b * b + c * c
    chi = np.sqrt(q_ad * q_bc)
    safe = np.where(chi < _EPS9, 1.0, chi)
    eu = np.column_stack([np.arctan2((b * d - a * c) / safe, (-a * b - c * d) / safe),
                          np.arctan2(2 * chi, q_ad - q_bc),
                          np.arctan2((a * c + b * d) / safe, (c * d - a * b) / safe)])
    eu[np.abs(eu) < _EPS9] = 0.0
    degenerate = chi < _EPS9
    if np.any(degenerate):
        flat = q_bc < _EPS9
        phi1 = np.where(flat, np.arctan2(-2 * a * d, a * a - d * d), np.arctan2(2 * b * c, b * b - c * c))
        eu[degenerate] = np.column_stack([phi1, np.where(flat, 0.0, np.pi), np.zeros_like(phi1)])[degenerate]
    return np.mod(eu, 2 * np.pi)


def quaternion_multiply(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product p·q of quaternion arrays (..., 4) (broadcasting); p·q applies q first, then p."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    a1, b1, c1, d1 = np.moveaxis(p, -1, 0)
    a2, b2, c2, d2 = np.moveaxis(q, -1, 0)
    return np.stack([a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
                     a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
                     a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
                     a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2], axis=-1)


def conjugate(q: np.ndarray) -> np.ndarray:
    """Inverse of unit quaternions (..., 4)."""
    return np.asarray(q, dtype=float) * np.array([1.0, -1.0, -1.0, -1.0])


def axis_angle_to_quaternion(axes: np.ndarray, angles_rad: np.ndarray) -> np.ndarray:
    """Rotations by ``angles_rad`` (n,) about ``axes`` (n, 3) or (3,) (normalised here) as quaternions (n, 4)."""
    axes = np.atleast_2d(np.asarray(axes, dtype=float))
    axes = axes / np.linalg.norm(axes, axis=1, keepdims=True)
    half = 0.5 * np.atleast_1d(np.asarray(angles_rad, dtype=float))
    return np.column_stack([np.cos(half) * np.ones(len(axes)), np.sin(half)[:, None] * axes])


def rotate_vectors(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Apply each rotation q (n, 4) to the vectors v (m, 3): (n, m, 3) (kikuchipy's ``rotate_vector``)."""
    q = np.asarray(q, dtype=float).reshape(-1, 4)
    a, b, c, d = (x[:, None, None] for x in q.T)
    matrix = np.concatenate([
        np.concatenate([a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)], axis=2),
        np.concatenate([2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)], axis=2),
        np.concatenate([2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d], axis=2),
    ], axis=1)
    return np.einsum("nij,mj->nmi", matrix, np.asarray(v, dtype=float))


def disorientation_deg(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Disorientation angle (degrees) between cubic orientations qa and qb (n, 4), pairwise.

    The misorientation b·a⁻¹ is combined with the 24 cubic operations; since Re(S_i·m·S_j) = Re(m·S_j·S_i),
    one-sided multiplication by the group gives the same minimum as the two-sided one (orix
    ``Orientation.angle_with`` for symmetry m-3m).
    """
    m = quaternion_multiply(np.asarray(qb, dtype=float), conjugate(qa)).reshape(-1, 1, 4)
    equivalent = quaternion_multiply(m, CUBIC_SYMMETRY[None])  # (n, 24, 4)
    scalar = np.abs(equivalent[..., 0])
    best = np.take_along_axis(equivalent, scalar.argmax(axis=1)[:, None, None], axis=1)[:, 0]
    # atan2 of the vector and scalar parts keeps small angles accurate (arccos loses them near 1)
    return np.degrees(2 * np.arctan2(np.linalg.norm(best[:, 1:], axis=1), np.abs(best[:, 0])))


def _cubochoric_to_homochoric(cu: np.ndarray) -> np.ndarray:
    """Cubochoric (n, 3) -> homochoric coordinates (Roşca et al. 2014; orix ``cu2ho``, vectorised)."""
    cu = np.asarray(cu, dtype=float)
    ax = np.abs(cu)
    x, y, z = cu.T
    # the pyramid pair of each point (orix get_pyramid: top/bottom -> z, front/back -> x, right/left -> y)
    tb = (ax[:, 0] <= np.abs(z)) & (ax[:, 1] <= np.abs(z))
    fb = ~tb & (ax[:, 2] <= np.abs(x)) & (ax[:, 1] <= np.abs(x))
    shift = np.where(tb, 0, np.where(fb, -1, 1))
    idx = (np.arange(3)[None, :] - shift[:, None]) % 3
    c = np.take_along_axis(cu, idx, axis=1) * np.pi ** (1 / 6) / 6 ** (1 / 6)
    x, y, z = c.T
    ho = np.zeros_like(c)
    on_axis = (np.abs(x) == 0) & (np.abs(y) == 0)
    ho[on_axis, 2] = np.sqrt(6 / np.pi) * z[on_axis]
    gen = ~on_axis
    x, y, z = x[gen], y[gen], z[gen]
    pref = (3 * np.pi / 4) ** (1 / 3) * 2 ** (1 / 4) / (np.pi ** (5 / 6) / 6 ** (1 / 6) / 2)
    r2 = np.sqrt(2)
    xy = np.abs(y) <= np.abs(x)
    num, den = np.where(xy, y, x), np.where(xy, x, y)
    qang = (np.pi / 12) * num / den
    cosq, sinq = np.cos(qang), np.sin(qang)
    qq = pref * den / np.sqrt(r2 - cosq)
    t1 = np.where(xy, (r2 * cosq - 1) * qq, r2 * sinq * qq)
    t2 = np.where(xy, r2 * sinq * qq, (r2 * cosq - 1) * qq)
    cc = t1**2 + t2**2
    s = np.pi * cc / (24 * z**2)
    cc = np.sqrt(np.pi) * cc / np.sqrt(24) / z
    root = np.sqrt(1 - s)
    ho[gen] = np.column_stack([t1 * root, t2 * root, np.sqrt(6 / np.pi) * z - cc])
    back = (np.arange(3)[None, :] + shift[:, None]) % 3
    return np.take_along_axis(ho, back, axis=1)


#: Polynomial of the homochoric -> rotation angle inversion (EMsoft, via orix ``ho2ax``).
_HO2AX_FIT = np.array([
    0.9999999999999968, -0.49999999999986866, -0.025000000000632055, -0.003928571496460683,
    -0.0008164666077062752, -0.00019411896443261646, -0.00004985822229871769, -0.000014164962366386031,
    -1.9000248160936107e-6, -5.72184549898506e-6, 7.772149920658778e-6, -0.00001053483452909705,
    9.528014229335313e-6, -5.660288876265125e-6, 1.2844901692764126e-6, 1.1255185726258763e-6,
    -1.3834391419956455e-6, 7.513691751164847e-7, -2.401996891720091e-7, 4.386887017466388e-8,
    -3.5917775353564864e-9])


def _homochoric_to_quaternion(ho: np.ndarray) -> np.ndarray:
    """Homochoric vectors (n, 3) -> unit quaternions (n, 4) (Rowenhorst et al. 2015; orix ``ho2ax``/``ax2qu``)."""
    mag2 = np.sum(ho**2, axis=1)
    cos_half = np.polynomial.polynomial.polyval(mag2, _HO2AX_FIT)
    angle = 2 * np.arccos(np.clip(cos_half, -1.0, 1.0))
    axis = ho / np.sqrt(np.where(mag2 < 1e-8, 1.0, mag2))[:, None]
    axis[mag2 < 1e-8] = (0.0, 0.0, 1.0)
    angle[mag2 < 1e-8] = 0.0
    q = np.column_stack([np.cos(angle / 2), np.sin(angle / 2)[:, None] * axis])
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def _cubic_fz_normals() -> np.ndarray:
    """Normals (quaternions) of the 14 planes bounding the cubic (432) fundamental zone (orix OrientationRegion)."""
    s8, c8 = np.sin(np.pi / 8), np.cos(np.pi / 8)
    four = [np.r_[s8, sign * c8 * np.eye(3)[i]] for i in range(3) for sign in (1.0, -1.0)]
    three = [np.r_[0.5, 0.5 * np.array(signs)] for signs in itertools.product((1.0, -1.0), repeat=3)]
    return np.array(four + three)


def sample_cubic_fundamental_zone(resolution_deg: float) -> np.ndarray:
    """Rotations (n, 4) on the cubochoric grid that lie in the cubic fundamental zone (orix-compatible).

    The grid has N = round(131.97049 / (resolution − 0.03732)) points per semi-edge of the cubochoric cube
    (Singh & De Graef 2016, Eq. 9), as orix's ``cubochoric_sampling``; points are kept if inside the fundamental
    zone of 432 (tolerance 1e-9, either sign of the quaternion) and made unique after rounding to 10 decimals,
    as orix's ``get_sample_fundamental``. 4° gives 11,935 rotations.
    """
    steps = int(np.round(131.97049 / (resolution_deg - 0.03732)))
    half_edge = 0.5 * np.pi ** (2 / 3)
    ticks = np.arange(-steps + 1, steps + 1) * (half_edge / steps)
    cu = np.stack(np.meshgrid(ticks, ticks, ticks, indexing="ij"), axis=-1).reshape(-1, 3)
    q = np.empty((len(cu), 4))
    origin = np.all(cu == 0, axis=1)
    q[origin] = (1.0, 0.0, 0.0, 0.0)
    q[~origin] = _homochoric_to_quaternion(_cubochoric_to_homochoric(cu[~origin]))
    c = _cubic_fz_normals() @ q.T
    inside = np.all(c >= -_EPS9, axis=0) | np.all(c <= _EPS9, axis=0)
    q = q[inside]
    _, first = np.unique(q.round(10), axis=0, return_index=True)
    return q[np.sort(first)]


def sample_to_detector_matrix(sample_tilt_deg: float, detector_tilt_deg: float = 0.0) -> np.ndarray:
    """kikuchipy's passive sample-to-detector matrix (rows: detector X, Y, Z in sample coordinates).

    Starting from the basis ((0, 1, 0), (0, 0, 1), (1, 0, 0)), the basis vectors are rotated (Rodrigues' formula)
    by −σ about the first, then θ about the first (azimuthal and twist are 0), as
    ``kikuchipy.detectors._ebsd_detector._sample_to_detector_matrix``.
    """
    basis = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    for i, angle in zip((0, 0), (-np.radians(sample_tilt_deg), np.radians(detector_tilt_deg)), strict=True):
        u = basis[i] / np.linalg.norm(basis[i])
        c, s = np.cos(angle), np.sin(angle)
        basis = np.array([v * c + np.cross(u, v) * s + u * np.dot(u, v) * (1 - c) for v in basis])
    return basis


def detector_directions(shape_px: tuple[int, int], pc: tuple[float, float, float], sample_tilt_deg: float,
                        detector_tilt_deg: float = 0.0) -> np.ndarray:
    """Unit vectors (ny·nx, 3) in the sample frame from the source point to each detector pixel centre.

    PC in Bruker's convention; gnomonic bounds x ∈ [−(nx/ny)·PCx/PCz, (nx/ny)·(1 − PCx)/PCz],
    y ∈ [−(1 − PCy)/PCz, PCy/PCz] (Britton et al. 2016); rows run from the top (largest y), as kikuchipy's
    ``_get_direction_cosines_for_fixed_pc``.
    """
    ny, nx = shape_px
    pcx, pcy, pcz = pc
    x0, x1 = -(nx / ny) * pcx / pcz, (nx / ny) * (1 - pcx) / pcz
    y0, y1 = -(1 - pcy) / pcz, pcy / pcz
    sx, sy = (x1 - x0) / nx, (y1 - y0) / ny
    gx = x0 + sx * np.arange(nx) + sx / 2
    gy = y1 - sy * np.arange(ny) - sy / 2
    yy, xx = np.meshgrid(gy, gx, indexing="ij")
    r = np.column_stack([xx.ravel() * pcz, yy.ravel() * pcz, np.full(xx.size, pcz)])
    r = r @ sample_to_detector_matrix(sample_tilt_deg, detector_tilt_deg)
    return r / np.linalg.norm(r, axis=1, keepdims=True)


def _square_lambert(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Square Lambert coordinates (X, Y) of unit vectors (..., 3).

    Roşca & De Graef (2013) as kikuchipy's ``_vector2lambert``; the square has half-side √(π/2).
    """
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    root = np.sqrt(2 * (1 - np.abs(z)))
    x_major = np.abs(y) <= np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        sign = np.where(x_major, np.sign(x), np.sign(y))
        ratio = np.where(x_major, np.arctan(y / x), np.arctan(x / y))
    big = sign * root * _SQRT_PI_OVER_2
    small = sign * root * _TWO_OVER_SQRT_PI * np.nan_to_num(ratio)
    lx, ly = np.where(x_major, big, small), np.where(x_major, small, big)
    pole = np.abs(z) == 1
    return np.where(pole, 0.0, lx), np.where(pole, 0.0, ly)


def project_master_pattern(quaternions: np.ndarray, directions: np.ndarray, upper: np.ndarray,
                           lower: np.ndarray, batch: int = 512) -> np.ndarray:
    """Patterns (n, m) for rotations (n, 4) and detector directions (m, 3) from a square-Lambert master pattern.

    Each direction is rotated into the crystal frame, mapped to the northern (z ≥ 0) or southern hemisphere's
    Lambert square and interpolated bilinearly, with the pixel indices and edge handling of kikuchipy's
    ``_get_lambert_interpolation_parameters`` and ``_get_pixel_from_master_pattern`` (EMsoft's scheme).
    """
    upper, lower = np.asarray(upper, dtype=float), np.asarray(lower, dtype=float)
    npx = upper.shape[1]
    npy = upper.shape[0]
    scale = (npx - 1) / 2
    quaternions = np.asarray(quaternions, dtype=float).reshape(-1, 4)
    flat = np.concatenate([upper.ravel(), lower.ravel()])
    out = np.empty((len(quaternions), len(directions)))
    for start in range(0, len(quaternions), batch):
        v = rotate_vectors(quaternions[start:start + batch], directions)
        v /= np.linalg.norm(v, axis=-1, keepdims=True)
        lx, ly = _square_lambert(v)
        i = scale * ly / _SQRT_PI_HALF
        j = scale * lx / _SQRT_PI_HALF
        nii, nij = (i + scale).astype(np.int32), (j + scale).astype(np.int32)
        niip = np.where(nii + 1 >= npx, nii, nii + 1)
        nijp = np.where(nij + 1 >= npy, nij, nij + 1)
        nii, nij = np.where(nii < 0, niip, nii), np.where(nij < 0, nijp, nij)
        di, dj = i - nii + scale, j - nij + scale
        base = np.where(v[..., 2] >= 0, 0, upper.size)
        w00, w10, w01, w11 = (1 - di) * (1 - dj), di * (1 - dj), (1 - di) * dj, di * dj
        out[start:start + batch] = (flat[base + nii * npx + nij] * w00 + flat[base + niip * npx + nij] * w10
                                    + flat[base + nii * npx + nijp] * w01 + flat[base + niip * npx + nijp] * w11)
    return out


__all__ = ["CUBIC_SYMMETRY", "euler_to_quaternion", "quaternion_to_euler", "quaternion_multiply", "conjugate",
           "axis_angle_to_quaternion", "rotate_vectors", "disorientation_deg", "sample_cubic_fundamental_zone",
           "sample_to_detector_matrix", "detector_directions", "project_master_pattern"]
