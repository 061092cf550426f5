"""Leaky and honest pipelines on the same data: honest splits never share a group or look into the future,
every leak makes the score look better than the physics allows, and the exercise's switchable pipeline
reproduces the flawed code it stands for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler, TargetEncoder

from mlpc import leakage as lk
from mlpc.figures.week03_data_quality import noise_floor_HV
from mlpc.metrics import regression_scores


@pytest.fixture(scope="module")
def table():
    return lk.hardness_table()


@pytest.fixture(scope="module")
def lab():
    return lk.lab_table()


def test_grouped_folds_never_split_a_group_and_row_folds_do(table):
    for scheme in ("specimen", "build"):
        for train, test in lk.split_indices(table, scheme):
            assert lk.groups_on_both_sides(train, test, table[f"{scheme}_id"].to_numpy()) == 0
    shared = [lk.groups_on_both_sides(tr, te, table["specimen_id"].to_numpy())
              for tr, te in lk.split_indices(table, "row")]
    assert min(shared) > 50  # of 120 specimens


def test_random_rows_beat_the_noise_floor_and_grouped_splits_do_not(table):
    scores = lk.split_scheme_scores(table, model_factory=lambda: lk.forest(n_estimators=40)).set_index("scheme")
    floor = noise_floor_HV()
    assert scores.loc["row", "MAE"] < floor < scores.loc["specimen", "MAE"]
    assert scores.loc["build", "MAE"] > 2 * floor
    assert scores.loc["row", "specimens_on_both_sides"] > 0 == scores.loc["build", "specimens_on_both_sides"]


def test_forward_split_keeps_builds_whole_and_tests_only_the_future(table):
    train, test = lk.forward_split(table, 0.25)
    assert set(table["build_id"].iloc[train]).isdisjoint(table["build_id"].iloc[test])
    assert table["build_date"].iloc[test].min() > table["build_date"].iloc[train].max()
    assert table["build_id"].iloc[test].nunique() == 8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_model_trained_on_the_past_under_predicts_the_drifting_future(seed):
    # powder reuse adds ~1 HV per build: the latest builds are harder than anything the model saw
    frame = lk.hardness_table(seed=seed)
    r = lk.temporal_scores(frame, model_factory=lambda: lk.forest(n_estimators=40), n_random=1)
    assert r["forward_bias"] > 3.0  # several HV over the 8 latest builds


def test_tiles_of_one_micrograph_leak_the_imaging_session():
    tiles = lk.micrograph_tiles(n_per_class=8, seed=0)
    assert len(np.unique(tiles.micrograph)) == 16 and len(tiles.label) == 16 * 16
    scores = lk.tile_scores(tiles)
    assert scores["random_tiles"] > 0.8
    assert scores["grouped_by_micrograph"] < 0.7


def test_feature_selection_before_the_split_finds_signal_in_random_labels():
    X = lk.photodiode_spectra(n_tracks=40)
    res = lk.null_selection_experiment(X, n_repeats=5, seed=0)
    assert res["leaky"].mean() > res["honest"].mean() + 0.15
    assert 0.3 < res["honest"].mean() < 0.65


def test_run_pipeline_with_all_flaws_is_the_handouts_flawed_code(lab):
    features = list(lk.PROCESS_FEATURES) + ["specimen_mean_HV", "build_id"]
    X, y = lab[features], lab["hardness_HV"].to_numpy()
    prep = ColumnTransformer([("num", StandardScaler(), features[:-1]),
                              ("build", TargetEncoder(cv=KFold(5, shuffle=True, random_state=0)), ["build_id"])])
    Z = prep.fit(X, y).transform(X)
    order = np.random.default_rng(0).permutation(len(lab))
    n_test = int(round(0.25 * len(lab)))
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    model = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=1)
    expected = regression_scores(y[test], model.fit(Z[train], y[train]).predict(Z[test]))
    assert lk.run_pipeline(lab, lk.FLAWS).MAE == pytest.approx(expected["MAE"], abs=1e-9)


def test_the_honest_pipeline_shares_nothing_and_the_flawed_one_shares_a_lot(lab):
    honest, flawed = lk.run_pipeline(lab), lk.run_pipeline(lab, lk.FLAWS)
    assert honest.specimens_on_both_sides == 0 and honest.duplicate_pairs_across == 0
    assert flawed.specimens_on_both_sides > 60 and flawed.duplicate_pairs_across > 10
    floor = noise_floor_HV()
    assert flawed.MAE < floor < honest.MAE


def test_each_target_leak_alone_fakes_most_of_the_score_and_the_ladder_adds_up(lab):
    ablation = lk.flaw_ablation(lab).set_index("variant")
    for flaw in ("derived_column", "groups_ignored"):
        assert ablation.loc[f"+ {flaw}", "inflation_HV"] > 8.0
    assert ablation.loc["+ time_ignored", "inflation_HV"] > 1.0
    ladder = lk.fix_ladder(lab)
    total = ladder["gain_HV"].sum()
    assert total == pytest.approx(ablation.loc["honest", "MAE"] - ablation.loc["all flaws", "MAE"])


def test_lab_table_has_the_duplicates_and_the_target_derived_column(lab):
    assert lab.duplicated().sum() == 90
    mean_by_spec = lab.groupby("specimen_id")["hardness_HV"].transform("mean")
    pd.testing.assert_series_equal(lab["specimen_mean_HV"], mean_by_spec, check_names=False)


def test_unknown_flaws_are_refused(lab):
    with pytest.raises(ValueError, match="unknown flaws"):
        lk.run_pipeline(lab, ["scaling"])
    with pytest.raises(ValueError, match="every flaw once"):
        lk.fix_ladder(lab, order=("duplicates",))
