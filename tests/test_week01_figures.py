"""Week 1 figure helpers return figures with physical axes, and the numbers they put on slides obey the
physics they claim (Bragg and Scherrer, Kanaya–Okayama, Poisson, frame time = N·dose·e/I)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import data_inspection as di
from mlpc.datasets import tabular, xrd
from mlpc.figures import week01_diagrams as diagrams
from mlpc.figures import week01_materials_data as w1


def _labels(fig: Figure) -> str:
    return " ".join(ax.get_xlabel() + " " + ax.get_ylabel() for ax in fig.axes)


def test_real_data_helpers_never_touch_the_network(no_network):
    w1.eds_live_real_s.cache_clear()
    live, real = w1.eds_live_real_s()
    assert 0 < live < real  # dead time: live time is shorter than real time
    assert w1.eds_line_counts()["Mn Kα"].net > 1e4


def test_modality_figures_show_physical_axes():
    spectra = w1.spectra_modalities_figure()
    assert "Energy (keV)" in _labels(spectra) and "Energy loss (eV)" in _labels(spectra) and "°" in _labels(spectra)
    proc = w1.process_modalities_figure()
    assert "Time (ms)" in _labels(proc) and "Temperature (K)" in _labels(proc) and "(MPa)" in _labels(proc)
    images = w1.image_modalities_figure()
    assert len(images.axes) == 4 and "x (µm)" in _labels(images)


def test_modality_facts_report_what_one_sample_is():
    facts = w1.modality_facts().set_index("data")
    assert len(facts) == 9
    assert facts.loc["EBSD pattern", "values"] == 60 * 60
    assert facts.loc["EDS spectrum", "values"] == 1024
    assert "39.6 s" in facts.loc["EDS spectrum", "time per sample"]  # from the file's metadata
    assert facts.loc["EBSD pattern", "time per sample"] == "not in the file"
    assert facts.loc["Micrograph", "time per sample"].startswith(f"{1e3 * w1.frame_time_s(256 * 256, 50):.1f} ms")


def test_frame_time_is_pixels_times_dose_times_charge_over_current():
    assert w1.frame_time_s(1, 1, current_A=w1.ELEMENTARY_CHARGE_C) == pytest.approx(1.0)
    assert w1.frame_time_s(1024**2, 100) == pytest.approx(1024**2 * 100 * 1.602176634e-19 / 100e-12)
    with pytest.raises(ValueError, match="dose"):
        w1.frame_time_s(10, 0)


def test_cost_table_is_read_from_the_data():
    cost = w1.cost_table().set_index(["data set", "sample"])
    assert cost.loc[("melt-pool photodiode", "sample"), "seconds_per_sample"] == pytest.approx(1e-5)
    assert cost.loc[("EDS spectrum (real)", "spectrum"), "seconds_per_sample"] == pytest.approx(39.59, abs=0.01)
    assert cost.loc[("hardness table", "build"), "seconds_per_sample"] == pytest.approx(4 * 86400)
    assert cost.loc[("hardness table", "indent"), "seconds_per_sample"] == pytest.approx(120)
    assert isinstance(w1.cost_vs_samples_figure(), Figure)


def test_sample_hierarchy_counts_rows_and_independent_units():
    h = w1.sample_hierarchy().set_index("data set")
    assert h.loc["Cahn–Hilliard (sim.)", "rows"] == 17_866 and h.loc["Cahn–Hilliard (sim.)", "independent"] == 18
    assert h.loc["nanoindentation (real)", "rows"] == 938 and h.loc["nanoindentation (real)", "independent"] == 4
    assert (h["values"] >= h["rows"]).all() and (h["rows"] >= h["independent"]).all()
    assert isinstance(w1.sample_hierarchy_figure(), Figure)


def test_length_scales_follow_bragg_scherrer_and_kanaya_okayama():
    ls = w1.length_scales().set_index("technique")
    d110 = ls.loc["XRD (Cu Kα)", "smallest_m"] * 1e9
    assert d110 == pytest.approx(0.28665 / np.sqrt(2), rel=1e-3)  # bcc Fe (110)
    l_max = ls.loc["XRD (Cu Kα)", "largest_m"] * 1e9
    two_theta = float(xrd.bragg_two_theta_deg(d110))
    # at the largest resolvable size, Scherrer broadening equals the instrumental width
    assert float(xrd.scherrer_fwhm_deg(two_theta, l_max)) == pytest.approx(float(xrd.caglioti_fwhm_deg(two_theta)),
                                                                          rel=1e-6)
    lo, hi = ls.loc["EDS in SEM (Fe)", ["smallest_m", "largest_m"]] * 1e6
    assert hi / lo == pytest.approx(2**1.67, rel=1e-6) and 1.0 < hi < 2.0  # R ∝ E0^1.67, ~1.6 µm at 20 kV
    assert (ls["largest_m"] > ls["smallest_m"]).all()
    assert "Length (m)" in _labels(w1.length_scales_figure())


def test_indentation_scatter_separates_pure_phases_from_composites():
    st = w1.indentation_scatter().set_index("material")
    assert st.loc["0% Cr", "cv_pct"] < 10 and st.loc["100% Cr", "cv_pct"] < 10
    assert st.loc["25% Cr", "cv_pct"] > 30 and st.loc["60% Cr", "cv_pct"] > 30
    assert st.loc["0% Cr", "mean"] < st.loc["100% Cr", "mean"]  # Cu is softer than Cr
    assert (st["n_full"] >= st["n"]).all()
    assert isinstance(w1.indentation_scatter_figure(), Figure)


def test_eds_line_precision_is_at_least_poisson():
    for nc in w1.eds_line_counts().values():
        assert nc.net > 0
        assert nc.relative_precision >= 1 / np.sqrt(nc.net)
    assert "keV" in _labels(w1.eds_counting_figure())


def test_dose_series_snr_grows_as_square_root_of_dose():
    s = w1.dose_series(seed=0)
    expected = np.sqrt(np.array(s.doses_e_per_px) * s.mean_yield)
    np.testing.assert_allclose(s.snr, expected, rtol=0.1)
    assert all(0.9 < r < 1.1 for r in s.variance_to_mean)
    assert s.frame_time_s[-1] / s.frame_time_s[0] == pytest.approx(s.doses_e_per_px[-1] / s.doses_e_per_px[0])
    assert "Dose (e⁻/px)" in _labels(w1.dose_noise_figure(s))
    with pytest.raises(ValueError, match="doses"):
        w1.dose_series(doses=(0.0, 1.0))


def test_model_and_failure_figures_render_from_results():
    result = di.physics_vs_forest(n_builds=3, specimens_per_build=40, n_trees=10, seed=0)
    assert "MAE (MPa)" in _labels(w1.physics_vs_forest_figure(result))
    table = tabular.process_property_table(seed=0).frame
    assert "Build offset (HV)" in _labels(w1.batch_offsets_figure(di.build_offsets(table)))
    scores = di.split_scores(table[list(di.PROCESS_COLUMNS[:6])], table["hardness_HV"],
                             {"rows": None, "by build": table["build_id"]}, n_trees=10)
    assert "(HV)" in _labels(w1.leakage_figure(scores))


def test_pspp_graph_only_points_downstream_and_rejects_unknown_nodes():
    for a, b in diagrams.PSPP_EDGES:
        assert diagrams.PSPP_NODES[a].column <= diagrams.PSPP_NODES[b].column, (a, b)
    assert {n.column for n in diagrams.PSPP_NODES.values()} == {0, 1, 2, 3}
    assert any(not n.measured for n in diagrams.PSPP_NODES.values())  # a hidden confounder is drawn
    assert isinstance(diagrams.pspp_graph_figure(), Figure)
    with pytest.raises(ValueError, match="do not exist"):
        diagrams.pspp_graph_figure(edges=(("pv", "nowhere"),))


def test_crisp_dm_has_the_six_phases_of_the_standard():
    assert [p.standard for p in diagrams.CRISP_DM_PHASES] == [
        "Business understanding", "Data understanding", "Data preparation", "Modelling", "Evaluation",
        "Deployment"]
    assert isinstance(diagrams.crisp_dm_figure(), Figure)
    with pytest.raises(ValueError, match="at least 3"):
        diagrams.crisp_dm_figure(diagrams.CRISP_DM_PHASES[:2])
