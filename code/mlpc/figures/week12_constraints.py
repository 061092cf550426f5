"""Figures of week 12 (physics-informed and constrained ML); the models live in :mod:`mlpc.constrained`.

Data: LPBF 316L hardness after annealing (:mod:`mlpc.datasets.tabular`, softening after Hollomon & Jaffe 1945)
and LPBF density experiments (:mod:`mlpc.datasets.process`). Polynomial response surface after Box & Wilson 1951.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from mlpc.constrained import (
    HybridHardness,
    SoftmaxFractions,
    fit_torch,
    hardness_experiment,
    hollomon_jaffe,
    seed_study,
    softening_curve,
    violation_profile,
)
from mlpc.plotting import OKABE_ITO, close, label, new_figure

NAMES = {"unconstrained": "unconstrained MLP", "soft": "MLP + penalty", "monotone": "monotone MLP",
         "hybrid": "physics + residual"}


def hardness_data(seed: int = 12) -> Figure:
    """Specimen-mean hardness vs anneal temperature; the training range is shaded."""
    r = hardness_experiment(seed)
    t = r["table"]
    fig, ax = new_figure()
    ax.axvspan(450, r["t_max_train_C"], color="0.92", label="training range")
    for i, (h, grp) in enumerate(t.groupby("anneal_time_h")):
        ax.scatter(grp["anneal_temperature_C"], grp["hardness_HV"], s=30, color=OKABE_ITO[i], label=f"{h:g} h")
    ax.set(xlabel=label("anneal temperature", "°C"), ylabel=label("hardness", "HV"))
    ax.legend(ncols=5, loc="lower left")
    return close(fig)


def worst_sweep(seed: int = 12, model: str = "unconstrained") -> int:
    """Index (into ``sweep_rows``) of the test sweep in which ``model``'s hardness rises the most in total."""
    curves = hardness_experiment(seed)["results"][model]["curves"]
    return int(np.argmax(np.clip(np.diff(curves, axis=1), 0, None).sum(axis=1)))


def hardness_sweeps(seed: int = 12) -> Figure:
    """Where the models break monotonicity, and the worst test sweep of the unconstrained MLP.

    Left: number of test sweeps whose predicted hardness rises by > 1 HV in each 25 °C step of anneal temperature
    (:func:`mlpc.constrained.violation_profile`). Right: all four models on the sweep in which the unconstrained MLP
    rises the most (:func:`worst_sweep`), with that specimen's measured hardness.
    """
    r = hardness_experiment(seed)
    temps = r["temps"]
    mids = 0.5 * (temps[1:] + temps[:-1])
    fig, (ax1, ax2) = new_figure(ncols=2)
    k = worst_sweep(seed)
    row = r["table"].iloc[r["sweep_rows"][k]]
    for ax in (ax1, ax2):
        ax.axvspan(450, r["t_max_train_C"], color="0.92")
    for i, (name, res) in enumerate(r["results"].items()):
        ax1.plot(mids, violation_profile(res["curves"], -1, tol=1.0), color=OKABE_ITO[i], marker="o", ms=4,
                 label=NAMES[name])
        ax2.plot(temps, res["curves"][k], color=OKABE_ITO[i], label=NAMES[name])
    ax2.scatter([row["anneal_temperature_C"]], [row["hardness_HV"]], color="k", zorder=5, s=60, label="measured")
    ax1.set(xlabel=label("anneal temperature", "°C"), ylabel=f"sweeps rising > 1 HV (of {len(r['sweep_rows'])})")
    ax2.set(xlabel=label("anneal temperature", "°C"), ylabel=label("predicted hardness", "HV"),
            title=f"worst sweep: {row['anneal_time_h']:g} h, {row['power_W']:.0f} W, {row['speed_mm_s']:.0f} mm/s")
    ax1.legend(loc="upper right", fontsize=13)
    ax2.legend(handles=ax2.collections, loc="lower left", fontsize=13)
    return close(fig)


def hardness_scores(seeds: tuple[int, ...] = (1, 2, 3, 4, 5, 12)) -> Figure:
    """RMSE inside and above the training range and non-monotone test sweeps per model, over several seeds.

    Bars are the mean over ``seeds`` (:func:`mlpc.constrained.seed_study`), whiskers the smallest and largest value.
    """
    study = seed_study(seeds)
    names = list(study)
    fig, (ax1, ax2) = new_figure(ncols=2)
    x = np.arange(len(names))

    def bars(ax, offset, key, width, color, name):
        values = np.array([study[n][key] for n in names], float)
        mean = values.mean(axis=1)
        err = np.vstack([mean - values.min(axis=1), values.max(axis=1) - mean])
        ax.bar(x + offset, mean, width, yerr=err, capsize=4, color=color, label=name)

    bars(ax1, -0.2, "rmse_in", 0.4, OKABE_ITO[0], "inside")
    bars(ax1, 0.2, "rmse_out", 0.4, OKABE_ITO[5], "above")
    bars(ax2, 0.0, "violation_pct", 0.6, OKABE_ITO[3], None)
    for ax in (ax1, ax2):
        ax.set_xticks(x, [NAMES[n].replace(" ", "\n", 1) for n in names], fontsize=13)
    ax1.set_ylabel(label("test RMSE", "HV"))
    ax1.set_ylim(0, 1.3 * ax1.get_ylim()[1])
    ax1.legend(ncols=2, loc="upper left")
    ax2.set_ylabel(label("non-monotone test sweeps", "%"))
    for ax in (ax1, ax2):
        ax.set_title(f"mean of {len(seeds)} seeds, whiskers min–max", fontsize=14)
    return close(fig)


def hybrid_baseline(seed: int = 12) -> Figure:
    """Hardness vs Hollomon–Jaffe parameter with the softening law fitted on the training range only.

    Two fits of :class:`mlpc.constrained.HybridHardness` on the same training specimens: plateau fixed by Hall–Petch
    (the deck's hybrid) and all four law parameters free. Curves are the law at the mean build parameters.
    """
    r = hardness_experiment(seed)
    t = r["table"]
    y = t["hardness_HV"].to_numpy(float)
    hj = hollomon_jaffe(t["anneal_temperature_C"], t["anneal_time_h"])
    tr = np.zeros(len(t), bool)
    tr[r["train"]] = True
    free = HybridHardness.fit(t.iloc[r["train"]], y[r["train"]])
    fig, ax = new_figure()
    ax.scatter(hj[tr] / 1e3, y[tr], s=30, color=OKABE_ITO[0], label="training specimens")
    ax.scatter(hj[~tr] / 1e3, y[~tr], s=30, color=OKABE_ITO[1], label="test specimens")
    grid = np.linspace(hj.min(), hj.max(), 200)
    ax.plot(grid / 1e3, softening_curve(grid, *r["hybrid_params"]), color="k", lw=2.5,
            label=f"law, plateau fixed at {r['hybrid_params'][0]:.0f} HV")
    ax.plot(grid / 1e3, softening_curve(grid, *free.params), color=OKABE_ITO[5], lw=2.5, ls="--",
            label="law, all four parameters free")
    ax.axvline(hj[tr].max() / 1e3, color="0.4", lw=1, ls=":")
    ax.set(xlabel=label("Hollomon–Jaffe parameter", "10³ K"), ylabel=label("hardness", "HV"))
    ax.legend(loc="lower left", fontsize=13)
    return close(fig)


def hybrid_misspecified(mis: dict, study: dict) -> Figure:
    """RMSE above the training range per seed (points) and median (bar) for the hybrid with the generator's law,
    with its plateau off by ±20 HV, with a wrong (linear) form, and for the best network of each seed.

    ``mis`` from :func:`mlpc.constrained.hybrid_misspecification`, ``study`` from
    :func:`mlpc.constrained.seed_study` on the same seeds.
    """
    nets = [k for k in study if k != "hybrid"]
    columns = {k: v for k, v in mis.items() if k != "seeds"}
    columns["best network of the seed"] = np.min([study[k]["rmse_out"] for k in nets], axis=0)
    fig, ax = new_figure(size=(11.0, 4.8))
    colors = [OKABE_ITO[2], OKABE_ITO[0], OKABE_ITO[0], OKABE_ITO[5], "0.45"]
    for i, (values, color) in enumerate(zip(columns.values(), colors, strict=True)):
        ax.bar(i, np.median(values), 0.6, color=color, alpha=0.45)
        ax.plot(np.full(len(values), i) + np.linspace(-0.18, 0.18, len(values)), values, "o", color=color, ms=7)
    ax.set_xticks(range(len(columns)), [n.replace(" (", "\n(").replace(" of", "\nof") for n in columns], fontsize=12)
    ax.set_ylabel(label("test RMSE above 950 °C", "HV"))
    ax.set_title(f"{len(mis['seeds'])} seeds (points), median (bar); same data and split per seed", fontsize=14)
    return close(fig)


def density_bounds(seed: int = 8) -> tuple[Figure, dict]:
    """Cubic density surface vs the same surface on logit(ρ/100) (bounded), on an extended P–v grid. (A
    quadratic surface stays below 100 % on this data: the density falls off too gently on the keyhole side,
    where porosity levels off at a few percent, for its parabola to overshoot.)

    Returns the figure and the counts of predictions above 100 % (= negative porosity) and below 0 %.
    """
    from mlpc.datasets.process import process_experiments

    e = process_experiments(n_points=120, seed=seed)
    x = e[["power_W", "speed_mm_s"]].to_numpy(float)
    rho = e["relative_density_pct"].to_numpy(float)
    plain = make_pipeline(StandardScaler(), PolynomialFeatures(3), LinearRegression()).fit(x, rho)
    q = np.clip(rho / 100, 1e-3, 1 - 1e-3)
    bounded = make_pipeline(StandardScaler(), PolynomialFeatures(3), LinearRegression()).fit(x, np.log(q / (1 - q)))
    pp, vv = np.meshgrid(np.linspace(50, 500, 60), np.linspace(200, 2500, 60))
    g = np.column_stack([pp.ravel(), vv.ravel()])
    y_plain = plain.predict(g)
    y_bound = 100 / (1 + np.exp(-bounded.predict(g)))
    counts = {"n_grid": len(g), "above_100": int((y_plain > 100).sum()), "below_0": int((y_plain < 0).sum()),
              "max_plain": float(y_plain.max()), "min_plain": float(y_plain.min()),
              "bounded_out": int(((y_bound > 100) | (y_bound < 0)).sum())}
    fig, ax = new_figure()
    v = np.linspace(200, 2500, 200)
    for i, power in enumerate((200.0, 500.0)):  # 500 W: beyond the sampled 50–400 W
        gg = np.column_stack([np.full_like(v, power), v])
        ax.plot(v, plain.predict(gg), color=OKABE_ITO[i], ls="--", label=f"cubic, {power:.0f} W")
        y_b = 100 / (1 + np.exp(-bounded.predict(gg)))
        ax.plot(v, y_b, color=OKABE_ITO[i], label=f"sigmoid-bounded, {power:.0f} W")
    ax.axhline(100, color="k", lw=1)
    ax.axvspan(e["speed_mm_s"].min(), e["speed_mm_s"].max(), color="0.92")
    ax.set(xlabel=label("scan speed", "mm/s"), ylabel=label("predicted relative density", "%"), ylim=(40, 115))
    ax.legend(ncols=2, fontsize=12, loc="lower center")
    return close(fig), counts


def fraction_models(seed: int = 12, t_max_train_C: float = 950.0) -> tuple[Figure, dict]:
    """Recrystallised / retained-cell fractions vs anneal temperature (1 h): independent cubic fits vs softmax.

    Measured fractions: the truth of :func:`mlpc.datasets.tabular.process_property_truth` + 0.03 noise (EBSD
    grain-orientation-spread style estimate). Returns the figure and violation counts on 450–1150 °C.
    """
    from mlpc.datasets.tabular import process_property_truth

    rng = np.random.default_rng(seed)
    t_train = rng.uniform(450, t_max_train_C, 60)
    time_h = rng.choice([0.5, 1.0, 2.0, 4.0], 60)
    f = process_property_truth(250.0, 1000.0, 100.0, 30.0, t_train, time_h)["retained_fraction"]
    meas = np.clip(np.column_stack([f, 1 - f]) + rng.normal(0, 0.03, (60, 2)), 0, 1)
    x = np.column_stack([(t_train - 800) / 200, np.log10(time_h)])
    grid_t = np.linspace(450, 1150, 141)
    xg = np.column_stack([(grid_t - 800) / 200, np.zeros_like(grid_t)])
    cubic = [make_pipeline(PolynomialFeatures(3), LinearRegression()).fit(x, meas[:, j]) for j in range(2)]
    f_plain = np.column_stack([m.predict(xg) for m in cubic])
    import torch

    model = SoftmaxFractions(2, 2, seed=seed)
    fit_torch(model, x, meas, epochs=300, seed=seed)
    with torch.no_grad():
        f_soft = model(torch.as_tensor(xg, dtype=torch.float32)).numpy()
    truth = process_property_truth(250.0, 1000.0, 100.0, 30.0, grid_t, 1.0)["retained_fraction"]
    out = grid_t > t_max_train_C
    counts = {"plain_bad_sum": int((np.abs(f_plain.sum(1) - 1) > 0.01).sum()),
              "plain_negative": int((f_plain < 0).any(1).sum()), "plain_min": float(f_plain.min()),
              "plain_sum_range": (float(f_plain[out].sum(1).min()), float(f_plain[out].sum(1).max())),
              "soft_bad_sum": int((np.abs(f_soft.sum(1) - 1) > 1e-5).sum()), "n_grid": len(grid_t)}
    fig, (ax, ax2) = new_figure(ncols=2)
    for a in (ax, ax2):
        a.axvspan(450, t_max_train_C, color="0.92")
    ax.plot(grid_t, 1 - truth, color="k", lw=1.5, label="truth")
    ax.plot(grid_t, f_plain[:, 1], color=OKABE_ITO[5], ls="--", label="cubic fit")
    ax.plot(grid_t, f_soft[:, 1], color=OKABE_ITO[2], label="softmax")
    ax.set(xlabel=label("anneal temperature (1 h)", "°C"), ylabel="recrystallised fraction")
    ax.legend(fontsize=13, loc="upper left")
    ax2.axhspan(-1, 1, color=OKABE_ITO[2], alpha=0.15, label="±1 %")
    ax2.plot(grid_t, 100 * (f_plain.sum(1) - 1), color=OKABE_ITO[5], ls="--", label="two cubic fits")
    ax2.plot(grid_t, 100 * (f_soft.sum(1) - 1), color=OKABE_ITO[2], label="softmax")
    ax2.set(xlabel=label("anneal temperature (1 h)", "°C"), ylabel=label("sum of fractions − 1", "%"))
    ax2.legend(fontsize=13, loc="upper left")
    return close(fig), counts
