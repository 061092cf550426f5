"""The companion book's data (mdsdata) load offline, match the package, are cached, and show the physics
they are known for: interface energy in Cahn–Hilliard, Onsager's T_c in Ising, E in tensile curves."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import spearmanr

from mlpc.datasets import book_data as bd


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_CACHE", str(tmp_path))
    bd._cahn_hilliard_simulation.cache_clear()
    yield tmp_path
    bd._cahn_hilliard_simulation.cache_clear()


def test_loaders_do_not_touch_the_network(no_network, fresh_cache):
    assert len(bd.load_cahn_hilliard(simulations=5, n=50).energy) == 50
    assert len(bd.load_ising().temperature) == 5000
    assert len(bd.load_tensile_tests()) == 3 * 350
    assert len(bd.load_nanoindentation()) == 938
    for name in ("cell", "microaneurysms"):
        img = bd.load_skimage_micrograph(name).image
        assert img.ndim == 2 and 0 <= img.min() < img.max() <= 1


def test_cahn_hilliard_matches_mdsdata_and_is_cached_on_disk(fresh_cache):
    import mdsdata

    ours = bd.load_cahn_hilliard(simulations=2)
    images, energies = mdsdata.load_CahnHilliard(2)
    assert np.array_equal(ours.images, images) and np.allclose(ours.energy, energies)
    cache_file = fresh_cache / "mdsdata_cahn_hilliard_02.npz"
    assert cache_file.exists()
    # a second process reads the disk cache: it works even with mdsdata made unimportable
    code = ("import sys; sys.modules['mdsdata'] = None; from mlpc.datasets import book_data as bd; "
            "ch = bd.load_cahn_hilliard(simulations=2); print(ch.energy.sum())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "MLPC_CACHE": str(fresh_cache)}).stdout.split()
    assert float(out[0]) == pytest.approx(ours.energy.sum())


def test_cahn_hilliard_energy_tracks_the_interface_length(fresh_cache):
    ch = bd.load_cahn_hilliard(simulations=3)
    phase = ch.images > 127
    interface = (phase[:, 1:] != phase[:, :-1]).sum(axis=(1, 2)) + (phase[:, :, 1:] != phase[:, :, :-1]).sum(
        axis=(1, 2))
    # coarsening removes interface and lowers the free energy (gradient term dominates late stages)
    assert spearmanr(interface, ch.energy).statistic > 0.9


def test_cahn_hilliard_subset_is_seeded_and_checked(fresh_cache):
    a = bd.load_cahn_hilliard(simulations=[0, 1], n=100, seed=1)
    b = bd.load_cahn_hilliard(simulations=[0, 1], n=100, seed=1)
    c = bd.load_cahn_hilliard(simulations=[0, 1], n=100, seed=2)
    assert np.array_equal(a.energy, b.energy) and not np.array_equal(a.energy, c.energy)
    assert set(np.unique(a.simulation)) <= {0, 1}
    with pytest.raises(ValueError, match="simulations"):
        bd.load_cahn_hilliard(simulations=18)
    with pytest.raises(ValueError, match="n must"):
        bd.load_cahn_hilliard(simulations=0, n=10**6)


def test_ising_labels_switch_at_onsagers_critical_temperature():
    ising = bd.load_ising()
    assert ising.tc == pytest.approx(2.269185, abs=1e-5)
    assert ising.temperature[ising.above_tc].min() > ising.tc - 0.002
    assert ising.temperature[~ising.above_tc].max() < ising.tc + 0.002
    assert set(np.unique(ising.spins)) == {-1, 1}
    m = np.abs(ising.spins.mean(axis=(1, 2)))
    assert m[ising.temperature < 1.5].mean() > 4 * m[ising.temperature > 3.0].mean()


def test_tensile_data_are_in_ksi_with_steels_youngs_modulus():
    df = bd.load_tensile_tests()
    assert set(df["temperature_C"]) == {0, 400, 600}
    assert np.allclose(df["stress_MPa"], df["stress_ksi"] * 6.894757)
    moduli = {}
    for t, part in df.groupby("temperature_C"):
        elastic = part[(part["strain"] > 2e-4) & (part["strain"] < 1.2e-3)]
        moduli[t] = np.polyfit(elastic["strain"], elastic["stress_MPa"], 1)[0] / 1000  # GPa
    assert moduli[0] == pytest.approx(206, rel=0.15)  # E0 = 29,900 ksi = 206 GPa
    assert df[df.temperature_C == 600]["stress_MPa"].max() < df[df.temperature_C == 0]["stress_MPa"].max()


def test_nanoindentation_modulus_and_hardness_rise_with_chromium():
    df = bd.load_nanoindentation()
    means = df.groupby("material_id")[["youngs_modulus_GPa", "hardness_GPa"]].mean()
    assert means["youngs_modulus_GPa"].is_monotonic_increasing
    assert means["hardness_GPa"].is_monotonic_increasing
    assert 100 < means.loc[0, "youngs_modulus_GPa"] < 140  # Cu: indentation modulus ~ 120 GPa
    assert df.groupby("material")["material_id"].size().to_dict() == {"0% Cr": 30, "25% Cr": 513,
                                                                      "60% Cr": 364, "100% Cr": 31}
    assert len(bd.load_nanoindentation(outliers=True)) == 1050


def test_skimage_micrograph_has_its_pixel_size_and_rejects_unknown_names():
    cell = bd.load_skimage_micrograph("cell")
    assert cell.pixel_size_um == pytest.approx(0.107) and cell.image.shape == (660, 550)
    with pytest.raises(ValueError, match="name"):
        bd.load_skimage_micrograph("kidney")
