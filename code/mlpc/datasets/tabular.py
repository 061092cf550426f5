"""Process–property tables: LPBF 316L parameters and a post-build anneal → density, hardness, yield strength.

The ground truth chains physically motivated relations (all in :func:`process_property_truth`):

1. Cooling rate at the melt-pool centreline, Rosenthal thick plate (Rosenthal 1946; Kou 2003, *Welding
   Metallurgy*, ch. 2): ``Ṫ = 2π·k·(T_melt − T_0)²·v / (A·P)`` (K/s).
2. Solidification cell size ``λ = 80·Ṫ^−0.33`` µm (Katayama & Matsunawa 1984, Proc. ICALEO 44, 60, for
   austenitic stainless steel; ≈ 0.3–1 µm in LPBF 316L, Wang et al. 2018, Nature Mater. 17, 63).
3. Annealing: the cell/dislocation network recovers as the Hollomon–Jaffe parameter
   ``HJ = T_K·(20 + log10 t_h)`` rises (Hollomon & Jaffe 1945, Trans. AIME 162, 223); retained fraction
   ``f = 1 / (1 + exp((HJ − 25 460) / 700))`` (half at 1000 °C for 1 h, as for LPBF 316L recrystallisation).
4. Hall–Petch on the cells, blended with recrystallised grains of 40 µm:
   ``σ_dense = 180 + f·250/sqrt(λ_µm) + (1 − f)·400/sqrt(40)`` MPa.
5. Porosity (from :func:`mlpc.datasets.process.relative_density_model`) lowers strength as
   ``σ_y = σ_dense·(ρ_rel)^4`` (Balshin-type power law, Balshin 1949).
6. Vickers hardness from yield strength for steels, ``σ_y = −90.7 + 2.876·HV`` (Pavlina & Van Tyne 2008,
   J. Mater. Eng. Perform. 17, 888).

**Monotone relation** (for the constrained-ML weeks): at fixed LPBF parameters, hardness and yield strength
fall monotonically with ``anneal_temperature_C`` and with ``anneal_time_h`` (see :data:`MONOTONE`).

**Group structure** (for grouped-leakage lessons): several hardness indents per specimen, several specimens
per build plate; each build plate shares the layer thickness, a random build effect (powder lot, plate
position, σ = 12 MPa) and a powder-reuse drift of +3 MPa per build (oxygen pick-up), so rows of one build
or one specimen are not independent and later builds differ from earlier ones (temporal leakage).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlpc.datasets.process import AMBIENT_K, get_material, relative_density_model, volumetric_energy_density

#: Hollomon–Jaffe parameter (K) at which half of the as-built cell structure is retained (1000 °C for 1 h).
RECOVERY_HJ_HALF_K: float = 25_460.0
#: Width (K) of the logistic recovery/recrystallisation step in the Hollomon–Jaffe parameter.
RECOVERY_HJ_WIDTH_K: float = 700.0
#: Friction stress (MPa) and Hall–Petch coefficients (MPa·µm^0.5) on cells and on recrystallised grains.
FRICTION_STRESS_MPA: float = 180.0
HALL_PETCH_CELLS: float = 250.0
HALL_PETCH_GRAINS: float = 400.0
#: Grain size (µm) of fully recrystallised LPBF 316L.
RECRYSTALLISED_GRAIN_UM: float = 40.0
MONOTONE: dict[str, int] = {"anneal_temperature_C": -1, "anneal_time_h": -1}
"""Sign of the monotone dependence of ``hardness_HV`` and ``yield_strength_MPa`` on these columns."""

_MISSING_COLUMNS = ("power_W", "speed_mm_s", "hatch_um", "relative_density_pct", "hardness_HV",
                    "yield_strength_MPa")


def vickers_from_yield(yield_strength_MPa) -> np.ndarray:
    """Vickers hardness (HV) from yield strength for steels, ``σ_y = −90.7 + 2.876·HV`` (Pavlina & Van Tyne 2008)."""
    return (np.asarray(yield_strength_MPa, dtype=float) + 90.7) / 2.876


def recrystallised_hardness_HV(grain_size_um: float = RECRYSTALLISED_GRAIN_UM) -> float:
    """Hardness (HV) of fully dense, fully recrystallised 316L: Hall–Petch on the grains, then Pavlina–Van Tyne.

    This is prior knowledge that needs no anneal data: with 40 µm grains, ``180 + 400/√40 = 243 MPa`` → 116 HV.
    """
    if not grain_size_um > 0:
        raise ValueError(f"grain_size_um={grain_size_um!r} must be > 0 µm")
    return float(vickers_from_yield(FRICTION_STRESS_MPA + HALL_PETCH_GRAINS / np.sqrt(grain_size_um)))


def process_property_truth(power_W, speed_mm_s, hatch_um, layer_um, anneal_temperature_C,
                           anneal_time_h, build_number=0) -> dict[str, np.ndarray]:
    """Noise-free properties of LPBF 316L (see the module docstring for each relation).

    Returns a dict of arrays: ``cooling_rate_K_s``, ``cell_size_um``, ``retained_fraction``,
    ``relative_density_pct``, ``yield_strength_MPa``, ``hardness_HV``. ``build_number`` adds the
    powder-reuse drift of +3 MPa per build (0 = fresh powder).
    """
    mat = get_material("316L")
    p = np.asarray(power_W, dtype=float)
    v = np.asarray(speed_mm_s, dtype=float)
    temp_c = np.asarray(anneal_temperature_C, dtype=float)
    hours = np.asarray(anneal_time_h, dtype=float)
    if np.any(~np.isfinite(temp_c)) or np.any((temp_c < 20) | (temp_c > 1300)):
        raise ValueError(f"anneal_temperature_C={anneal_temperature_C!r} must be in [20, 1300] °C")
    if np.any(~np.isfinite(hours)) or np.any((hours <= 0) | (hours > 100)):
        raise ValueError(f"anneal_time_h={anneal_time_h!r} must be in (0, 100] h")
    density = relative_density_model(p, v, hatch_um, layer_um, mat)
    cooling = 2 * np.pi * mat.conductivity_W_mK * (mat.melt_temperature_K - AMBIENT_K) ** 2 * (v * 1e-3) / (
        mat.absorptivity * p)
    cell = 80.0 * cooling ** -0.33
    hj = (temp_c + 273.15) * (20.0 + np.log10(hours))
    retained = 1.0 / (1.0 + np.exp((hj - RECOVERY_HJ_HALF_K) / RECOVERY_HJ_WIDTH_K))
    sigma_dense = (FRICTION_STRESS_MPA + retained * HALL_PETCH_CELLS / np.sqrt(cell)
                   + (1 - retained) * HALL_PETCH_GRAINS / np.sqrt(RECRYSTALLISED_GRAIN_UM))
    sigma_dense = sigma_dense + 3.0 * np.asarray(build_number, dtype=float)
    yield_strength = sigma_dense * (density / 100.0) ** 4
    return {
        "cooling_rate_K_s": cooling, "cell_size_um": cell, "retained_fraction": retained,
        "relative_density_pct": density, "yield_strength_MPa": yield_strength,
        "hardness_HV": vickers_from_yield(yield_strength),
    }


@dataclass(frozen=True)
class ProcessPropertyData:
    """A process–property table with its ground truth and the positions of injected defects.

    ``duplicate_rows``, ``outlier_rows`` are row positions (``frame.iloc``); ``missing_cells`` are
    ``(row position, column)`` pairs. ``truth`` is :func:`process_property_truth`; ``monotone`` maps
    column → sign of the monotone dependence of the properties.
    """

    frame: pd.DataFrame
    truth: Callable[..., dict[str, np.ndarray]]
    monotone: dict[str, int]
    duplicate_rows: np.ndarray
    outlier_rows: np.ndarray
    missing_cells: tuple[tuple[int, str], ...]
    description: str


def process_property_table(n_builds: int = 8, specimens_per_build: int = 12, indents_per_specimen: int = 5,
                           duplicates: int = 0, missing: int = 0, outliers: int = 0,
                           seed: int = 0) -> ProcessPropertyData:
    """LPBF 316L specimens: parameters + anneal → density, hardness (per indent), yield strength (per
    specimen).

    One row per Vickers indent (HV, σ = 4 HV repeatability); ``yield_strength_MPa`` (σ = 8 MPa) and
    ``relative_density_pct`` (Archimedes, σ = 0.15 %) are specimen-level and repeat on the specimen's rows.
    Random effects: build (σ = 12 MPa), specimen (σ = 6 MPa). Builds every 4 days from 2026-01-05;
    indents measured 7 days after the build. Parameters: power 150–370 W, speed 400–1800 mm/s,
    hatch 70–130 µm per specimen; layer 20/30/40/50 µm per build; anneal 450–1150 °C for 0.5/1/2/4 h.

    Defects on request, counted exactly: ``duplicates`` exact copies of clean rows, each placed right after
    its source; ``missing`` NaN cells (in parameters or measurements); ``outliers`` gross hardness errors
    (decimal slip ×10 or indent on a pore ×0.5).
    """
    for name, val, lo, hi in (("n_builds", n_builds, 1, 500),
                              ("specimens_per_build", specimens_per_build, 1, 500),
                              ("indents_per_specimen", indents_per_specimen, 1, 50)):
        if not lo <= val <= hi:
            raise ValueError(f"{name}={val} must be in [{lo}, {hi}]")
    n_rows = n_builds * specimens_per_build * indents_per_specimen
    for name, val in (("duplicates", duplicates), ("missing", missing), ("outliers", outliers)):
        if val < 0:
            raise ValueError(f"{name}={val} must be >= 0")
    if outliers + missing + duplicates > n_rows:
        raise ValueError(f"duplicates + missing + outliers = {duplicates + missing + outliers} exceeds "
                         f"the {n_rows} rows; lower them or enlarge the table")
    rng = np.random.default_rng(seed)
    n_spec = n_builds * specimens_per_build
    build = np.repeat(np.arange(n_builds), specimens_per_build)
    layer = rng.choice([20.0, 30.0, 40.0, 50.0], n_builds)[build]
    power = rng.uniform(150.0, 370.0, n_spec)
    speed = rng.uniform(400.0, 1800.0, n_spec)
    hatch = rng.uniform(70.0, 130.0, n_spec)
    anneal_t = rng.uniform(450.0, 1150.0, n_spec)
    anneal_h = rng.choice([0.5, 1.0, 2.0, 4.0], n_spec)
    truth = process_property_truth(power, speed, hatch, layer, anneal_t, anneal_h, build_number=build)
    build_effect = rng.normal(0, 12.0, n_builds)[build]
    spec_effect = rng.normal(0, 6.0, n_spec)
    sigma_spec = truth["yield_strength_MPa"] + build_effect + spec_effect
    hv_spec = vickers_from_yield(sigma_spec)
    ys_meas = sigma_spec + rng.normal(0, 8.0, n_spec)
    dens_meas = np.minimum(truth["relative_density_pct"] + rng.normal(0, 0.15, n_spec), 100.0)

    rep = np.repeat(np.arange(n_spec), indents_per_specimen)
    build_date = np.datetime64("2026-01-05T09:00") + (build * 4).astype("timedelta64[D]")
    measured = (build_date[rep] + np.timedelta64(7, "D")
                + (np.tile(np.arange(indents_per_specimen), n_spec) * 2).astype("timedelta64[m]")
                + ((rep % specimens_per_build) * 15).astype("timedelta64[m]"))
    frame = pd.DataFrame({
        "build_id": [f"B{b:02d}" for b in build[rep]],
        "specimen_id": [f"B{build[s]:02d}-S{s % specimens_per_build:02d}" for s in rep],
        "indent": np.tile(np.arange(indents_per_specimen), n_spec),
        "build_date": build_date[rep], "measured_at": measured,
        "power_W": power[rep], "speed_mm_s": speed[rep], "hatch_um": hatch[rep], "layer_um": layer[rep],
        "energy_density_J_mm3": volumetric_energy_density(power, speed, hatch, layer)[rep],
        "anneal_temperature_C": anneal_t[rep], "anneal_time_h": anneal_h[rep],
        "relative_density_pct": dens_meas[rep],
        "hardness_HV": hv_spec[rep] + rng.normal(0, 4.0, n_rows),
        "yield_strength_MPa": ys_meas[rep],
    })

    picked = rng.permutation(n_rows)
    outlier_src = np.sort(picked[:outliers])
    missing_src = np.sort(picked[outliers:outliers + missing])
    dup_src = np.sort(picked[outliers + missing:outliers + missing + duplicates])
    hv_col = frame.columns.get_loc("hardness_HV")
    factors = rng.choice([10.0, 0.5], outliers)
    frame.iloc[outlier_src, hv_col] = frame.iloc[outlier_src, hv_col].to_numpy() * factors
    missing_cols = rng.choice(_MISSING_COLUMNS, missing)
    for r, c in zip(missing_src, missing_cols, strict=True):
        frame.iloc[r, frame.columns.get_loc(c)] = np.nan

    key = np.concatenate([np.arange(n_rows, dtype=float), dup_src + 0.5])
    frame = pd.concat([frame, frame.iloc[dup_src]], ignore_index=True)
    order = np.argsort(key, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    new_pos = np.empty(order.size, dtype=int)
    new_pos[order] = np.arange(order.size)
    return ProcessPropertyData(
        frame=frame, truth=process_property_truth, monotone=dict(MONOTONE),
        duplicate_rows=np.sort(new_pos[n_rows:]), outlier_rows=np.sort(new_pos[outlier_src]),
        missing_cells=tuple((int(new_pos[r]), str(c))
                            for r, c in zip(missing_src, missing_cols, strict=True)),
        description=(f"LPBF 316L: {n_builds} builds × {specimens_per_build} specimens × "
                     f"{indents_per_specimen} indents; {duplicates} duplicates, {missing} missing, "
                     f"{outliers} outliers injected"),
    )


__all__ = ["MONOTONE", "RECOVERY_HJ_HALF_K", "RECOVERY_HJ_WIDTH_K", "FRICTION_STRESS_MPA", "HALL_PETCH_CELLS",
           "HALL_PETCH_GRAINS", "RECRYSTALLISED_GRAIN_UM", "vickers_from_yield", "recrystallised_hardness_HV",
           "process_property_truth", "ProcessPropertyData", "process_property_table"]
