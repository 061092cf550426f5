"""Cleaning along the measurement chain finds exactly the injected defects of the LPBF indent table and the
SPS log, repairs specimen-level values from the specimen's record, and leaves missing-not-at-random gaps."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import cleaning
from mlpc.datasets.process import process_log
from mlpc.datasets.tabular import process_property_table

SHAPE = {"n_builds": 30, "specimens_per_build": 4, "indents_per_specimen": 5}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_duplicate_rows_are_exactly_the_injected_copies(seed):
    data = process_property_table(**SHAPE, duplicates=12, seed=seed)
    assert np.array_equal(cleaning.duplicate_rows(data.frame), data.duplicate_rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_specimen_level_gaps_are_recovered_exactly_from_the_specimen_record(seed):
    clean = process_property_table(**SHAPE, seed=seed).frame
    dirty = process_property_table(**SHAPE, missing=15, seed=seed)
    cols = ["power_W", "speed_mm_s", "hatch_um", "relative_density_pct", "yield_strength_MPa"]
    repaired, n = cleaning.fill_from_group(dirty.frame, cols, "specimen_id")
    specimen_level = [(r, c) for r, c in dirty.missing_cells if c in cols]
    assert n == len(specimen_level)
    for r, c in specimen_level:
        assert repaired[c].iloc[r] == clean[c].iloc[r]
    # a measurement (hardness of one indent) is never invented
    assert repaired["hardness_HV"].isna().sum() == sum(c == "hardness_HV" for _, c in dirty.missing_cells)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_within_specimen_rule_finds_every_gross_error_without_false_alarms(seed):
    data = process_property_table(**SHAPE, outliers=8, seed=seed)
    hv = data.frame["hardness_HV"].to_numpy()
    flags = cleaning.outliers_within_groups(hv, data.frame["specimen_id"].to_numpy(), k=5.0, scale=4.0)
    truth = np.zeros(len(hv), bool)
    truth[data.outlier_rows] = True
    assert np.array_equal(flags, truth)


def test_a_global_three_sigma_rule_misses_indents_on_pores():
    data = process_property_table(**SHAPE, outliers=8, seed=0)
    hv = data.frame["hardness_HV"].to_numpy()
    z = np.abs(hv - hv.mean()) / hv.std()
    low = data.outlier_rows[hv[data.outlier_rows] < 300]  # the ×0.5 pore indents, ~100 HV
    assert len(low) > 0 and not np.any(z[low] > 3)


def test_pooled_robust_scale_is_close_to_the_indent_repeatability():
    data = process_property_table(**SHAPE, seed=0)
    hv = data.frame["hardness_HV"].to_numpy()
    spec = data.frame["specimen_id"].to_numpy()
    # with no outliers, k = 5 robust sigmas flags (almost) nothing
    assert cleaning.outliers_within_groups(hv, spec, k=5.0).sum() <= 1


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_hampel_finds_exactly_the_spikes_of_the_sps_log(seed):
    log = process_log("sps", seed=seed)
    flags = cleaning.hampel(log.temperature_C, half_window=10, k=8.0)
    truth = np.zeros(flags.size, bool)
    truth[log.spike_index] = True
    assert np.array_equal(flags, truth)
    assert not np.any(flags & np.isnan(log.temperature_C))


def test_short_gaps_are_bridged_and_long_gaps_and_edges_stay_missing():
    x = np.arange(30, dtype=float) * 2.0
    x[[5, 6]] = np.nan          # short gap inside: bridged
    x[12:20] = np.nan           # long gap: stays
    x[:2] = np.nan              # leading gap (edge): stays
    out = cleaning.interpolate_short_gaps(x, max_gap=3)
    assert out[5] == pytest.approx(10.0) and out[6] == pytest.approx(12.0)
    assert np.isnan(out[12:20]).all() and np.isnan(out[:2]).all()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        cleaning.outliers_within_groups(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        cleaning.hampel(np.ones(10), half_window=0)
    with pytest.raises(ValueError):
        cleaning.interpolate_short_gaps(np.ones(5), max_gap=0)
