"""Process–property table (mlpc.datasets.tabular): Rosenthal cooling rate → cell size → Hall–Petch,
density and anneal effects, monotone anneal dependence, group structure, time stamps, injected defects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpc.datasets import tabular as tb
from mlpc.datasets.process import relative_density_model

DENSE = {"hatch_um": 100.0, "layer_um": 30.0}


def test_cooling_rate_and_cell_size_match_hand_calculation():
    # Ṫ = 2π k (T_m − T_0)² v / (A P) with k = 30 W/mK, ΔT = 1400 K, v = 1 m/s, A·P = 80 W
    t = tb.process_property_truth(200, 1000, **DENSE, anneal_temperature_C=500, anneal_time_h=1)
    rate = 2 * np.pi * 30 * 1400**2 * 1.0 / 80
    assert t["cooling_rate_K_s"] == pytest.approx(rate, rel=1e-9)
    assert t["cell_size_um"] == pytest.approx(80 * rate**-0.33, rel=1e-9)
    assert 0.3 < t["cell_size_um"] < 1.0  # LPBF 316L cells


def test_hall_petch_strength_and_vickers_conversion():
    t = tb.process_property_truth(200, 1000, **DENSE, anneal_temperature_C=500, anneal_time_h=1)
    f = t["retained_fraction"]
    assert f > 0.999  # a 500 °C stress relief keeps the cells
    sigma_dense = 180 + f * 250 / np.sqrt(t["cell_size_um"]) + (1 - f) * 400 / np.sqrt(40)
    rho = relative_density_model(200, 1000, 100, 30) / 100
    assert t["yield_strength_MPa"] == pytest.approx(sigma_dense * rho**4, rel=1e-9)
    assert t["hardness_HV"] == pytest.approx((t["yield_strength_MPa"] + 90.7) / 2.876, rel=1e-12)
    assert 450 < t["yield_strength_MPa"] < 600 and 180 < t["hardness_HV"] < 240  # as-built LPBF 316L


def test_finer_cells_are_stronger_and_porosity_weakens():
    fine = tb.process_property_truth(150, 900, **DENSE, anneal_temperature_C=500, anneal_time_h=1)
    coarse = tb.process_property_truth(300, 900, hatch_um=60, layer_um=30, anneal_temperature_C=500,
                                       anneal_time_h=1)
    assert fine["cell_size_um"] < coarse["cell_size_um"]
    dense = tb.process_property_truth(200, 1000, hatch_um=100, layer_um=30, anneal_temperature_C=500,
                                      anneal_time_h=1)
    porous = tb.process_property_truth(200, 1000, hatch_um=250, layer_um=30, anneal_temperature_C=500,
                                       anneal_time_h=1)
    assert porous["relative_density_pct"] < dense["relative_density_pct"] - 2
    ratio = (porous["relative_density_pct"] / dense["relative_density_pct"]) ** 4
    assert porous["yield_strength_MPa"] / dense["yield_strength_MPa"] == pytest.approx(ratio, rel=1e-9)


def test_properties_fall_monotonically_with_anneal_temperature_and_time():
    assert tb.MONOTONE == {"anneal_temperature_C": -1, "anneal_time_h": -1}
    rng = np.random.default_rng(0)
    temps = np.linspace(450, 1150, 141)
    for _ in range(20):
        p, v, h, t = rng.uniform(150, 370), rng.uniform(400, 1800), rng.uniform(70, 130), 30.0
        for hours in (0.5, 1, 2, 4):
            ys = tb.process_property_truth(p, v, h, t, temps, hours)["yield_strength_MPa"]
            assert np.all(np.diff(ys) < 0)
        hv = tb.process_property_truth(p, v, h, t, 900.0, np.array([0.5, 1, 2, 4, 8]))["hardness_HV"]
        assert np.all(np.diff(hv) < 0)
    # recrystallisation: most of the cell strengthening is gone after 1150 °C / 4 h
    hot = tb.process_property_truth(200, 1000, **DENSE, anneal_temperature_C=1150, anneal_time_h=4)
    assert hot["retained_fraction"] < 0.02


def test_table_has_units_groups_and_time_stamps():
    data = tb.process_property_table(n_builds=6, specimens_per_build=5, indents_per_specimen=4)
    f = data.frame
    for col in ("power_W", "speed_mm_s", "hatch_um", "layer_um", "energy_density_J_mm3",
                "anneal_temperature_C", "anneal_time_h", "relative_density_pct", "hardness_HV",
                "yield_strength_MPa"):
        assert col in f.columns
    assert len(f) == 6 * 5 * 4
    assert (f.groupby("specimen_id").size() == 4).all()
    assert (f.groupby("build_id")["specimen_id"].nunique() == 5).all()
    assert (f.groupby("build_id")["layer_um"].nunique() == 1).all()  # layer thickness is per build plate
    per_spec = f.groupby("specimen_id")[["power_W", "speed_mm_s", "yield_strength_MPa"]].nunique()
    assert (per_spec == 1).all().all()
    builds = f.drop_duplicates("build_id").sort_values("build_id")["build_date"]
    assert (builds.diff().dropna() == pd.Timedelta(days=4)).all()
    assert ((f["measured_at"] - f["build_date"]) >= pd.Timedelta(days=7)).all()
    assert f["hardness_HV"].groupby(f["specimen_id"]).std().mean() == pytest.approx(4.0, rel=0.35)


def test_build_plates_share_a_random_effect_and_a_powder_reuse_drift():
    data = tb.process_property_table(n_builds=30, specimens_per_build=10, indents_per_specimen=1, seed=1)
    f = data.frame
    build_no = f["build_id"].str[1:].astype(int)
    clean = tb.process_property_truth(f["power_W"], f["speed_mm_s"], f["hatch_um"], f["layer_um"],
                                      f["anneal_temperature_C"], f["anneal_time_h"])["yield_strength_MPa"]
    resid = f["yield_strength_MPa"] - clean
    by_build = resid.groupby(build_no).mean()
    slope = np.polyfit(by_build.index, by_build.values, 1)[0]
    assert 1.5 < slope < 4.5  # ≈ +3 MPa per build (diluted by porosity, ρ⁴ ≤ 1)
    detrended = by_build - np.polyval(np.polyfit(by_build.index, by_build.values, 1), by_build.index)
    assert 8 < detrended.std() < 17  # build effect σ = 12 MPa ≫ the 3.2 MPa expected from noise alone


@pytest.mark.parametrize("dups, miss, outl", [(0, 0, 0), (7, 11, 5), (1, 0, 3)])
def test_injected_defects_are_counted_exactly(dups, miss, outl):
    clean = tb.process_property_table(seed=3).frame
    data = tb.process_property_table(duplicates=dups, missing=miss, outliers=outl, seed=3)
    f = data.frame
    assert len(f) == len(clean) + dups
    assert int(f.duplicated().sum()) == dups
    assert np.array_equal(np.flatnonzero(f.duplicated()), data.duplicate_rows)
    assert int(f.isna().sum().sum()) == miss == len(data.missing_cells)
    for r, c in data.missing_cells:
        assert np.isnan(f.iloc[r][c])
    assert len(data.outlier_rows) == outl
    # removing the duplicates gives back the clean table except at the injected cells
    base = f.drop(index=data.duplicate_rows).reset_index(drop=True)
    keep = np.setdiff1d(np.arange(len(f)), data.duplicate_rows)
    pos = {old: new for new, old in enumerate(keep)}
    ratio = base["hardness_HV"].to_numpy() / clean["hardness_HV"].to_numpy()
    out = [pos[r] for r in data.outlier_rows]
    assert np.all(np.isin(np.round(ratio[out], 9), [10.0, 0.5]))
    mask = np.ones(len(base), dtype=bool)
    mask[out] = False
    for r, _ in data.missing_cells:
        mask[pos[r]] = False
    numeric = clean.select_dtypes("number").columns
    assert np.allclose(base.loc[mask, numeric].to_numpy(float), clean.loc[mask, numeric].to_numpy(float))


def test_same_seed_same_table_different_seed_different():
    assert tb.process_property_table(seed=5).frame.equals(tb.process_property_table(seed=5).frame)
    assert not tb.process_property_table(seed=5).frame.equals(tb.process_property_table(seed=6).frame)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_builds": 0}, "n_builds"),
    ({"duplicates": -1}, "duplicates"),
    ({"n_builds": 1, "specimens_per_build": 1, "indents_per_specimen": 1, "outliers": 5}, "exceeds"),
])
def test_bad_table_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tb.process_property_table(**kwargs)


def test_truth_rejects_out_of_range_anneal():
    with pytest.raises(ValueError, match="anneal_time_h"):
        tb.process_property_truth(200, 1000, 100, 30, 800, 0)
    with pytest.raises(ValueError, match="anneal_temperature_C"):
        tb.process_property_truth(200, 1000, 100, 30, 2000, 1)


def test_table_does_not_touch_the_network(no_network):
    tb.process_property_table(duplicates=2, missing=2, outliers=2)
