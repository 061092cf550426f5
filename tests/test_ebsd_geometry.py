"""The NumPy orientation maths and master-pattern projection (mlpc.ebsd_geometry) reproduce orix and
kikuchipy, which they replace on the course's path (their numba functions compile for 40–80 s per kernel).

This module imports orix and kikuchipy as references, so it pays their compile once (module-scoped fixtures)."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import ebsd_geometry as geo
from mlpc.datasets import ebsd


def _random_euler_rad(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(0, 2 * np.pi, n), np.arccos(rng.uniform(-1, 1, n)),
                            rng.uniform(0, 2 * np.pi, n)])


#: Random orientations, the texture components and the degenerate Φ = 0 / 180° cases.
EULER_RAD = np.vstack([_random_euler_rad(60, 1),
                       np.radians([list(v) for v in ebsd.TEXTURE_COMPONENTS_DEG.values()]),
                       np.radians([[90.0, 90.0, 90.0], [30.0, 0.0, 20.0], [0.0, 180.0, 0.0], [10.0, 180.0, 40.0]])])


@pytest.fixture(scope="module")
def orix():
    from orix.quaternion import Orientation, Rotation
    from orix.quaternion.symmetry import O, Oh

    return {"Rotation": Rotation, "Orientation": Orientation, "O": O, "Oh": Oh}


def test_euler_conversions_match_orix(orix) -> None:
    rot = orix["Rotation"].from_euler(EULER_RAD)
    q = geo.euler_to_quaternion(EULER_RAD)
    # the same quaternions; at Φ = 180° the scalar part is ~1e-17 and its sign (q ≡ −q) is rounding
    sign = np.where(np.abs(rot.data[:, :1]) < 1e-12, np.sign(np.sum(q * rot.data, axis=1, keepdims=True)), 1.0)
    np.testing.assert_allclose(q, sign * rot.data, atol=1e-12)
    generic = np.abs(EULER_RAD[:, 1] - np.pi) > 1e-6  # orix 0.15 mirrors φ1 at Φ = 180° exactly
    np.testing.assert_allclose(geo.quaternion_to_euler(q)[generic], rot.to_euler()[generic], atol=1e-9)
    # a round trip returns the same rotation, the degenerate Φ = 0 and 180° included
    back = geo.euler_to_quaternion(geo.quaternion_to_euler(q))
    np.testing.assert_allclose(np.abs(np.sum(back * q, axis=1)), 1.0, atol=1e-12)


def test_products_axis_angles_and_vector_rotation_match_orix(orix) -> None:
    from orix.vector import Vector3d

    rng = np.random.default_rng(2)
    axes, angles = rng.normal(size=(20, 3)), rng.uniform(0, np.pi, 20)
    small = geo.axis_angle_to_quaternion(axes, angles)
    np.testing.assert_allclose(small, orix["Rotation"].from_axes_angles(axes, angles).data, atol=1e-12)
    base = geo.euler_to_quaternion(EULER_RAD[:20])
    product = orix["Rotation"](small) * orix["Rotation"](base)
    np.testing.assert_allclose(geo.quaternion_multiply(small, base), product.data, atol=1e-12)
    v = rng.normal(size=(5, 3))
    expected = np.stack([(orix["Rotation"](q) * Vector3d(v)).data for q in base])
    np.testing.assert_allclose(geo.rotate_vectors(base, v), expected, atol=1e-12)


def test_cubic_symmetry_is_orix_group_432(orix) -> None:
    ours = {tuple(np.round(q if q[np.flatnonzero(np.abs(q) > 1e-9)[0]] > 0 else -q, 6)) for q in geo.CUBIC_SYMMETRY}
    theirs = {tuple(np.round(q if q[np.flatnonzero(np.abs(q) > 1e-9)[0]] > 0 else -q, 6)) for q in orix["O"].data}
    assert len(ours) == 24 and ours == theirs


def test_disorientation_matches_orix_angle_with(orix) -> None:
    qa = geo.euler_to_quaternion(EULER_RAD)
    qb = geo.euler_to_quaternion(_random_euler_rad(len(EULER_RAD), 3))
    oa, ob = (orix["Orientation"](q, symmetry=orix["Oh"]) for q in (qa, qb))
    np.testing.assert_allclose(geo.disorientation_deg(qa, qb), oa.angle_with(ob, degrees=True), atol=1e-5)
    assert geo.disorientation_deg(qa, qa).max() < 1e-6  # identical orientations: 0, not arccos rounding
    twin = geo.quaternion_multiply(geo.axis_angle_to_quaternion([1.0, 1.0, 1.0], np.radians(60.0)), qa)
    np.testing.assert_allclose(geo.disorientation_deg(qa, twin), 60.0, atol=1e-9)


@pytest.mark.parametrize("resolution", [4.0, 6.0])
def test_fundamental_zone_sample_is_orix_cubochoric_grid(orix, resolution: float) -> None:
    from orix.sampling import get_sample_fundamental

    ours = geo.sample_cubic_fundamental_zone(resolution)
    theirs = get_sample_fundamental(resolution=resolution, point_group=orix["Oh"]).data
    assert ours.shape == theirs.shape  # 11,935 at 4° (the lab's dictionary), 3,557 at 6°
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.fixture(scope="module")
def master():
    import kikuchipy as kp

    path = ebsd._kikuchipy_data_file(ebsd._NI_MASTER_FILE)
    return kp.load(path, projection="lambert", hemisphere="both")


def test_h5py_master_pattern_is_what_kikuchipy_loads(master) -> None:
    import kikuchipy as kp

    ours = ebsd.load_nickel_master_pattern()
    np.testing.assert_array_equal(ours.lambert_upper, master.data[0])
    np.testing.assert_array_equal(ours.lambert_lower, master.data[1])
    stereo = kp.load(ebsd._kikuchipy_data_file(ebsd._NI_MASTER_FILE), projection="stereographic",
                     hemisphere="upper")
    np.testing.assert_array_equal(ours.stereographic_upper, stereo.data)
    assert (ours.space_group, ours.phase_name) == (master.phase.space_group.short_name, master.phase.name)


@pytest.mark.parametrize(("shape", "pc", "tilt"), [
    ((60, 60), ebsd.NI_PC, 0.0), ((40, 40), ebsd.NI_PC, 0.0), ((30, 45), (0.55, 0.3, 0.6), 8.0)])
def test_detector_directions_match_kikuchipy(shape, pc, tilt) -> None:
    from kikuchipy.detectors import EBSDDetector
    from kikuchipy.signals.util._master_pattern import _get_direction_cosines_from_detector

    detector = EBSDDetector(shape=shape, pc=pc, sample_tilt=70.0, tilt=tilt)
    np.testing.assert_allclose(geo.detector_directions(shape, pc, 70.0, tilt),
                               _get_direction_cosines_from_detector(detector), atol=1e-12)


@pytest.mark.parametrize("shape", [(60, 60), (40, 40)])
def test_projection_matches_kikuchipy_get_patterns(master, orix, shape) -> None:
    """Same orientations, same detector: per-pattern Pearson r > 0.9999 and max |Δ| < 1e-4 after min–max scaling."""
    detector = ebsd.ni_detector(shape)
    sim = master.get_patterns(orix["Rotation"].from_euler(EULER_RAD), detector, energy=20.0,
                              dtype_out=np.float32, compute=True, show_progressbar=False)
    theirs = np.asarray(sim.data, dtype=float).reshape(len(EULER_RAD), -1)
    arrays = ebsd._master_pattern_arrays()
    ours = geo.project_master_pattern(geo.euler_to_quaternion(EULER_RAD),
                                      geo.detector_directions(shape, ebsd.NI_PC, 70.0),
                                      arrays["upper"], arrays["lower"])

    def scaled(p: np.ndarray) -> np.ndarray:
        lo, hi = p.min(axis=1, keepdims=True), p.max(axis=1, keepdims=True)
        return (p - lo) / (hi - lo)

    a, b = scaled(ours), scaled(theirs)
    assert min(np.corrcoef(x, y)[0, 1] for x, y in zip(a, b, strict=True)) > 0.9999
    assert np.abs(a - b).max() < 1e-4
    # and the course's wrapper gives the same Kikuchi signal
    k = ebsd.project_patterns(np.degrees(EULER_RAD), shape_px=shape, dose_counts_per_px=None).kikuchi
    assert np.abs(k.reshape(len(EULER_RAD), -1) - b).max() < 1e-4


@pytest.mark.parametrize("direction", [(0.0, 0.0, 1.0), (1.0, 0.0, 0.0)])
def test_ipf_colours_match_orix_tsl_key(orix, direction) -> None:
    from orix.plot import IPFColorKeyTSL
    from orix.vector import Vector3d

    from mlpc.ebsd_ipf import ipf_colours

    q = geo.euler_to_quaternion(np.vstack([EULER_RAD, _random_euler_rad(500, 4)]))
    key = IPFColorKeyTSL(orix["Oh"].laue, direction=Vector3d(direction))
    expected = key.orientation2color(orix["Orientation"](q, symmetry=orix["Oh"]))
    np.testing.assert_allclose(ipf_colours(q, direction), expected, atol=1e-4)
    # the corners of the standard triangle are red [001], green [101] and blue [111] (for ND)
    if direction[2] == 1.0:
        corners = ipf_colours(geo.euler_to_quaternion(np.radians([[0.0, 0.0, 0.0], [0.0, 45.0, 0.0],
                                                                  [0.0, 54.7356, 45.0]])))
        np.testing.assert_allclose(corners, np.eye(3), atol=0.01)
