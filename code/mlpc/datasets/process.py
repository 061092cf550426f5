"""Laser powder bed fusion (LPBF) process physics and synthetic processing signals.

What this module makes, and the physics behind it:

- **Normalised enthalpy** ``ΔH/h_s`` (Hann, Iammi & Folkes 2011, J. Phys. D 44, 445401; King et al. 2014,
  "Observation of keyhole-mode laser melting in laser powder-bed fusion additive manufacturing",
  J. Mater. Process. Technol. 214, 2915):

  ``ΔH/h_s = A·P / (h_s·sqrt(π·D·v·σ³))`` with ``h_s = ρ·c_p·T_melt`` the volumetric enthalpy at melting
  (J/m³). This is King's form ``A·P / (ρ·h_s'·sqrt(π·D·v·σ³))`` with the specific enthalpy
  ``h_s' = c_p·T_melt`` (J/kg): ``ρ·h_s' = h_s``. Keyhole mode sets in above ``ΔH/h_s ≈ 30 ± 4`` (King 2014).
- **Melt-pool size** from the Rosenthal (1946) moving point source: trailing length
  ``L = A·P / (2π·k·(T_melt − T_0))`` and the Ashby & Easterling (1982, Acta Metall. 30, 1969)
  peak-temperature half-width ``r = sqrt(2·A·P / (π·e·ρ·c_p·v·(T_melt − T_0)))``, combined with the beam
  radius, width ``W = 2·sqrt(r² + σ²)``, depth ``≈ r`` (semicircular pool). The Ashby–Easterling half-width
  is the fast-scan limit; with ``slow_scan_bound=True`` it is bounded by the stationary point-source radius
  ``r_0 = A·P / (2π·k·ΔT)`` (Rosenthal at ``v → 0``: a slow scan cannot melt wider than a laser standing
  still), ``r⁻² = r_AE⁻² + r_0⁻²``.
- **Regimes**: keyhole (ΔH/h_s above the King threshold); lack of fusion, by one of two criteria
  (``lack_of_fusion=``): ``"energy_density"`` (the default), volumetric energy density ``E_v = P/(v·h·t)``
  below a material limit (e.g. Gong et al. 2014, Addit. Manuf. 1–4, 87; Cherry et al. 2015, Int. J. Adv.
  Manuf. Technol. 76, 869; Prashanth et al. 2017, Mater. Res. Lett. 5, 386, on the limits of ``E_v``), or
  ``"overlap"``, the geometric criterion of Tang, Pistorius & Beuth (2017, Addit. Manuf. 14, 39): melt pools
  of width ``W`` and depth ``D`` (slow-scan bounded) leave unmelted powder when ``(h/W)² + (t/D)² > 1`` for
  hatch ``h`` and layer ``t``. Week 8 (process windows) uses ``"overlap"``; the other weeks use the default,
  on which their demonstrations were built. With ``E_v`` the window is a wedge through the origin and the
  densest setting is the slowest, weakest corner of a map; with the overlap criterion the window closes at
  low power, where the melt pool cannot span hatch and layer at any speed; balling (Plateau–Rayleigh instability of the
  track when ``L/W > π``, Yadroitsev et al. 2010, J. Mater. Process. Technol. 210, 1624; Gunenthiram et al.
  2017, J. Laser Appl. 29, 022303).
  The map of the four regimes over power × speed has the shape of the printability maps of Johnson et al. 2019
  (Acta Mater. 176, 199): keyhole at high power and low speed, lack of fusion at low power and high speed,
  balling at high power and high speed, the printable window a diagonal band between them (with the overlap
  criterion, a band that closes at low power).
- **Relative density**: porosity grows smoothly (exponentially) as a point leaves the window toward lack of
  fusion (by the chosen criterion) or keyhole (the observed trend, e.g. Gong 2014; King 2014), with Archimedes
  measurement noise. Each defect saturates at its own physical level: keyhole pores (gas trapped when the keyhole
  root collapses) stay at a few percent of the volume even deep in the keyhole regime (King 2014; Cunningham et
  al. 2019, Science 363, 849; Gong 2014 measured a few percent in the over-melted zone of Ti-6Al-4V), so the
  keyhole term saturates at :data:`KEYHOLE_POROSITY_MAX_PCT` = 4 %; unmelted powder between tracks (lack of
  fusion) and balling can leave far more (above 10 % at the lowest energy densities, Gong 2014; Kamath et al.
  2014, Int. J. Adv. Manuf. Technol. 74, 65), and their sum saturates smoothly at 30 %.
- **Melt-pool monitoring signals** (photodiode, V, sampled in kHz): level from the absorbed energy, noise
  and events per regime (keyhole collapse: Zhao et al. 2020, Science 370, 1080; spatter; balling at the
  Rayleigh wavelength ``λ ≈ 4.51·W``, Rayleigh 1878), machine gain/offset/window-fouling drift, laser-on
  trigger jitter and start/end-of-track transients.
- **Thermal histories** at a point as layers are added (Rosenthal point source with the beam radius as a
  core size), and **SPS / heat-treatment logs** (temperature and pressure vs time with realistic logging
  artefacts).

Material constants are representative high-temperature values (Mills 2002, *Recommended values of
thermophysical properties for selected commercial alloys*, Woodhead) with absorptivity ``A = 0.4``
(Trapp et al. 2017, Appl. Mater. Today 9, 341, measured 0.3–0.7 depending on the regime).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REGIMES: tuple[str, ...] = ("conduction", "keyhole", "lack_of_fusion", "balling")
"""Regime names; ``conduction`` is the printable window."""


@dataclass(frozen=True)
class LPBFMaterial:
    """Thermophysical constants of an LPBF alloy (SI units, names carry them)."""

    name: str
    absorptivity: float
    density_kg_m3: float
    specific_heat_J_kgK: float
    conductivity_W_mK: float
    melt_temperature_K: float
    solidus_K: float
    liquidus_K: float
    boiling_K: float
    beam_radius_um: float
    keyhole_threshold: float
    lof_energy_density_J_mm3: float
    transus_K: float | None
    description: str

    @property
    def enthalpy_at_melting_J_m3(self) -> float:
        """``h_s = ρ·c_p·T_melt`` (J/m³)."""
        return self.density_kg_m3 * self.specific_heat_J_kgK * self.melt_temperature_K

    @property
    def diffusivity_m2_s(self) -> float:
        """Thermal diffusivity ``D = k / (ρ·c_p)`` (m²/s)."""
        return self.conductivity_W_mK / (self.density_kg_m3 * self.specific_heat_J_kgK)


MATERIALS: dict[str, LPBFMaterial] = {
    "316L": LPBFMaterial(
        name="316L", absorptivity=0.4, density_kg_m3=7900.0, specific_heat_J_kgK=500.0,
        conductivity_W_mK=30.0, melt_temperature_K=1700.0, solidus_K=1658.0, liquidus_K=1723.0,
        boiling_K=3090.0, beam_radius_um=27.0, keyhole_threshold=30.0, lof_energy_density_J_mm3=50.0,
        transus_K=None,
        description="austenitic stainless steel 316L; k near melting (Mills 2002), King 2014 threshold",
    ),
    "Ti-6Al-4V": LPBFMaterial(
        name="Ti-6Al-4V", absorptivity=0.4, density_kg_m3=4420.0, specific_heat_J_kgK=700.0,
        conductivity_W_mK=25.0, melt_temperature_K=1928.0, solidus_K=1878.0, liquidus_K=1928.0,
        boiling_K=3315.0, beam_radius_um=27.0, keyhole_threshold=30.0, lof_energy_density_J_mm3=35.0,
        transus_K=1268.0,
        description="α+β titanium alloy; β-transus 995 °C; lack-of-fusion limit after Gong et al. 2014",
    ),
}

AMBIENT_K = 300.0


def get_material(material: str | LPBFMaterial) -> LPBFMaterial:
    """Return the :class:`LPBFMaterial` for a name in :data:`MATERIALS` (or pass one through)."""
    if isinstance(material, LPBFMaterial):
        return material
    if material not in MATERIALS:
        raise ValueError(f"material={material!r} is unknown; choose one of {sorted(MATERIALS)}")
    return MATERIALS[material]


def _positive(name: str, value, upper: float | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name}={value!r} must be finite and > 0")
    if upper is not None and np.any(arr > upper):
        raise ValueError(f"{name}={value!r} must lie in (0, {upper}]")
    return arr


def normalized_enthalpy(power_W, speed_mm_s, material: str | LPBFMaterial = "316L") -> np.ndarray:
    """Normalised enthalpy ``ΔH/h_s = A·P / (h_s·sqrt(π·D·v·σ³))`` (dimensionless; King et al. 2014).

    ``power_W`` in W and ``speed_mm_s`` in mm/s (arrays broadcast). ``h_s = ρ·c_p·T_melt`` in J/m³.
    """
    mat = get_material(material)
    p = _positive("power_W", power_W, 2000.0)
    v = _positive("speed_mm_s", speed_mm_s, 20000.0) * 1e-3
    sigma = mat.beam_radius_um * 1e-6
    return mat.absorptivity * p / (
        mat.enthalpy_at_melting_J_m3 * np.sqrt(np.pi * mat.diffusivity_m2_s * v * sigma**3)
    )


def volumetric_energy_density(power_W, speed_mm_s, hatch_um=100.0, layer_um=30.0) -> np.ndarray:
    """Volumetric energy density ``E_v = P / (v·h·t)`` in J/mm³ (hatch ``h`` and layer ``t`` in µm)."""
    p = _positive("power_W", power_W)
    v = _positive("speed_mm_s", speed_mm_s)
    h = _positive("hatch_um", hatch_um, 1000.0) * 1e-3
    t = _positive("layer_um", layer_um, 1000.0) * 1e-3
    return p / (v * h * t)


@dataclass(frozen=True)
class MeltPoolSize:
    """Melt-pool dimensions from the Rosenthal point source (µm)."""

    length_um: np.ndarray
    width_um: np.ndarray
    depth_um: np.ndarray


def melt_pool_size(power_W, speed_mm_s, material: str | LPBFMaterial = "316L",
                   slow_scan_bound: bool = False) -> MeltPoolSize:
    """Melt-pool length, width and depth (µm) from Rosenthal (1946) and Ashby & Easterling (1982).

    Length: trailing melting isotherm of the point source, ``r_0 = A·P / (2π·k·ΔT)``; half-width:
    ``r_AE = sqrt(2·A·P / (π·e·ρ·c_p·v·ΔT))`` (the fast-scan limit), widened by the beam radius; depth ≈
    half-width. ``slow_scan_bound=True`` bounds the half-width by the stationary radius ``r_0``
    (``r⁻² = r_AE⁻² + r_0⁻²``), which matters most at low power and low speed, where ``r_AE`` approaches
    ``r_0``; the default (``False``) is the fast-scan size used by the ``"energy_density"`` generator.
    """
    mat = get_material(material)
    q = mat.absorptivity * _positive("power_W", power_W)
    v = _positive("speed_mm_s", speed_mm_s) * 1e-3
    dT = mat.melt_temperature_K - AMBIENT_K
    rho_c = mat.density_kg_m3 * mat.specific_heat_J_kgK
    length = q / (2 * np.pi * mat.conductivity_W_mK * dT)
    r = np.sqrt(2 * q / (np.pi * np.e * rho_c * v * dT))
    if slow_scan_bound:
        r = 1.0 / np.sqrt(1.0 / r**2 + 1.0 / length**2)
    sigma = mat.beam_radius_um * 1e-6
    width = 2 * np.sqrt(r**2 + sigma**2)
    length, width, r = np.broadcast_arrays(length, width, r)
    return MeltPoolSize(length_um=length * 1e6, width_um=width * 1e6, depth_um=r * 1e6)


def fusion_overlap(power_W, speed_mm_s, hatch_um=100.0, layer_um=30.0,
                   material: str | LPBFMaterial = "316L") -> np.ndarray:
    """Geometric lack-of-fusion criterion ``(h/W)² + (t/D)²`` of Tang, Pistorius & Beuth (2017, Addit. Manuf.
    14, 39): neighbouring melt pools of width ``W`` and depth ``D`` (:func:`melt_pool_size`) leave unmelted
    powder between tracks (hatch ``h``) and layers (thickness ``t``) when it exceeds 1. Unlike the energy density
    ``E_v = P/(v·h·t)``, it has a cliff: once ``h > W`` no amount of depth closes the gap, and a low power
    cannot be made up by a slow scan (the melt pool is bounded by the stationary radius, ``slow_scan_bound``).
    The lack-of-fusion criterion of :func:`classify_regime` and :func:`porosity_model` with
    ``lack_of_fusion="overlap"``."""
    return _overlap(melt_pool_size(power_W, speed_mm_s, material, slow_scan_bound=True), hatch_um, layer_um)


def _overlap(size: MeltPoolSize, hatch_um, layer_um) -> np.ndarray:
    """``(h/W)² + (t/D)²`` of a (slow-scan-bounded) melt pool."""
    h = _positive("hatch_um", hatch_um, 1000.0)
    t = _positive("layer_um", layer_um, 1000.0)
    return (h / size.width_um) ** 2 + (t / size.depth_um) ** 2


LACK_OF_FUSION_CRITERIA: tuple[str, ...] = ("energy_density", "overlap")
"""Lack-of-fusion criteria of the generator: ``E_v`` below the material limit, or melt-pool overlap
(:func:`fusion_overlap`) above 1."""


def _lof_criterion(lack_of_fusion: str) -> bool:
    """True for the overlap criterion; a clear error for an unknown name."""
    if lack_of_fusion not in LACK_OF_FUSION_CRITERIA:
        raise ValueError(f"lack_of_fusion={lack_of_fusion!r} is unknown; choose one of {LACK_OF_FUSION_CRITERIA}")
    return lack_of_fusion == "overlap"


def _boundary_terms(power_W, speed_mm_s, hatch_um, layer_um, mat: LPBFMaterial,
                    lack_of_fusion: str) -> tuple[np.ndarray, np.ndarray]:
    """The two boundary distances that :func:`classify_regime` and :func:`porosity_model` share, from one melt
    pool: how far a point lies on the lack-of-fusion side (0 on the boundary: ``1 − E_v/limit`` or
    ``(h/W)² + (t/D)² − 1``) and the melt pool's ``L/W`` (balling above π)."""
    overlap = _lof_criterion(lack_of_fusion)
    size = melt_pool_size(power_W, speed_mm_s, mat, slow_scan_bound=overlap)
    if overlap:
        excess = _overlap(size, hatch_um, layer_um) - 1.0
    else:
        excess = 1.0 - volumetric_energy_density(power_W, speed_mm_s, hatch_um, layer_um) / mat.lof_energy_density_J_mm3
    return excess, size.length_um / size.width_um


def classify_regime(power_W, speed_mm_s, hatch_um=100.0, layer_um=30.0,
                    material: str | LPBFMaterial = "316L", lack_of_fusion: str = "energy_density") -> np.ndarray:
    """Regime of each (P, v) point: ``keyhole`` > ``lack_of_fusion`` > ``balling`` > ``conduction``.

    Criteria, checked in that order: ``ΔH/h_s ≥`` the keyhole threshold (King 2014); lack of fusion by
    ``lack_of_fusion`` (``"energy_density"``: ``E_v <`` the material limit; ``"overlap"``:
    :func:`fusion_overlap` ``> 1``, Tang et al. 2017); melt-pool ``L/W > π`` (Plateau–Rayleigh, Yadroitsev
    2010; with the slow-scan-bounded melt pool under ``"overlap"``). Returns strings.
    """
    mat = get_material(material)
    dh = normalized_enthalpy(power_W, speed_mm_s, mat)
    lof, ratio = _boundary_terms(power_W, speed_mm_s, hatch_um, layer_um, mat, lack_of_fusion)
    dh, lof, ratio = np.broadcast_arrays(dh, lof, ratio)
    out = np.full(dh.shape, "conduction", dtype=object)
    out[ratio > np.pi] = "balling"
    out[lof > 0] = "lack_of_fusion"
    out[dh >= mat.keyhole_threshold] = "keyhole"
    return out.astype(str)


#: Saturation level (% porosity) of the keyhole term: collapse pores are a few percent of the volume at most
#: (King et al. 2014; Cunningham et al. 2019; Gong et al. 2014).
KEYHOLE_POROSITY_MAX_PCT = 4.0
#: Smooth saturation level (%) of the total porosity, reached only by lack of fusion and balling.
POROSITY_CAP_PCT = 30.0


def _soft_cap(x: np.ndarray, cap: float) -> np.ndarray:
    return cap * (1 - np.exp(-x / cap))


def _saturate_keyhole(x: np.ndarray) -> np.ndarray:
    """``x`` while it is small, at most :data:`KEYHOLE_POROSITY_MAX_PCT`: ``x / (1 + (x/cap)⁴)^¼`` (below 1 %
    of porosity it changes ``x`` by less than 0.1 %, so the window and its boundaries are unchanged)."""
    x = np.asarray(x, dtype=float)
    return x / (1 + (x / KEYHOLE_POROSITY_MAX_PCT) ** 4) ** 0.25


#: e-fold width of the lack-of-fusion porosity term, in ``1 − E_v/limit`` or in the overlap criterion.
LOF_EFOLD = {"energy_density": 0.25, "overlap": 0.15}


def _lof_and_balling(power_W, speed_mm_s, hatch_um, layer_um, mat: LPBFMaterial,
                     lack_of_fusion: str) -> tuple[np.ndarray, np.ndarray]:
    """Lack-of-fusion and balling porosity terms (%), uncapped: 1 % on the lack-of-fusion boundary growing e-fold
    per :data:`LOF_EFOLD`, 0.5 % at ``L/W = π`` growing e-fold per 15 % of ``L/W``."""
    x, ratio = _boundary_terms(power_W, speed_mm_s, hatch_um, layer_um, mat, lack_of_fusion)
    z = ratio / np.pi
    return np.exp(np.minimum(x / LOF_EFOLD[lack_of_fusion], 50.0)), 0.5 * np.exp((z - 1) / 0.15)


def porosity_model(power_W, speed_mm_s, hatch_um=100.0, layer_um=30.0,
                   material: str | LPBFMaterial = "316L", lack_of_fusion: str = "energy_density") -> np.ndarray:
    """Noise-free porosity (%) of a part: 0.1 % base plus terms that grow exponentially beyond each boundary.

    Each term is about 1 % (lack of fusion, keyhole) or 0.5 % (balling) exactly on its regime boundary and
    falls off e-fold per 25 % (E_v) or per 0.15 of the overlap criterion (``lack_of_fusion="overlap"``),
    15 % (ΔH/h_s) or 15 % (L/W) inside the window. The keyhole term saturates on its own at
    :data:`KEYHOLE_POROSITY_MAX_PCT` (a few percent: King et al. 2014; Cunningham et al. 2019);
    the total, dominated far outside the window by lack of fusion and balling, is capped smoothly at
    :data:`POROSITY_CAP_PCT`. Trend after Gong et al. 2014 and King et al. 2014.
    """
    mat = get_material(material)
    y = normalized_enthalpy(power_W, speed_mm_s, mat) / mat.keyhole_threshold
    keyhole = _saturate_keyhole(np.exp((y - 1) / 0.15))
    lof, balling = _lof_and_balling(power_W, speed_mm_s, hatch_um, layer_um, mat, lack_of_fusion)
    raw = 0.1 + lof + keyhole + balling
    return _soft_cap(raw, POROSITY_CAP_PCT)


def relative_density_model(power_W, speed_mm_s, hatch_um=100.0, layer_um=30.0,
                           material: str | LPBFMaterial = "316L", lack_of_fusion: str = "energy_density") -> np.ndarray:
    """Noise-free relative density (%) = 100 − :func:`porosity_model`."""
    return 100.0 - porosity_model(power_W, speed_mm_s, hatch_um, layer_um, material, lack_of_fusion)


def quality_label(relative_density_pct) -> np.ndarray:
    """Part quality from relative density: ``good`` ≥ 99.5 %, ``fair`` ≥ 98 %, else ``poor``."""
    d = np.asarray(relative_density_pct, dtype=float)
    return np.where(d >= 99.5, "good", np.where(d >= 98.0, "fair", "poor"))


@dataclass(frozen=True)
class ProcessMap:
    """A power × speed process map with regimes, ΔH/h_s, E_v and measured/true density."""

    power_W: np.ndarray
    speed_mm_s: np.ndarray
    normalized_enthalpy: np.ndarray
    energy_density_J_mm3: np.ndarray
    length_to_width: np.ndarray
    regime: np.ndarray
    printable: np.ndarray
    relative_density_true_pct: np.ndarray
    relative_density_pct: np.ndarray
    quality: np.ndarray
    hatch_um: float
    layer_um: float
    material: str
    description: str


def process_map(material: str = "316L", power_W=None, speed_mm_s=None, hatch_um: float = 100.0,
                layer_um: float = 30.0, density_noise_pct: float = 0.15, seed: int = 0,
                lack_of_fusion: str = "energy_density") -> ProcessMap:
    """Regimes and density on a P × v grid (arrays shaped ``(n_power, n_speed)``).

    Defaults: 60 powers in 50–400 W, 80 speeds in 100–3000 mm/s. The measured density adds Gaussian
    Archimedes noise of ``density_noise_pct`` (% points, 1σ) to :func:`relative_density_model`.
    ``lack_of_fusion`` picks the criterion (:data:`LACK_OF_FUSION_CRITERIA`).
    """
    mat = get_material(material)
    if density_noise_pct < 0:
        raise ValueError(f"density_noise_pct={density_noise_pct} must be >= 0")
    p = np.linspace(50.0, 400.0, 60) if power_W is None else _positive("power_W", power_W).ravel()
    v = np.linspace(100.0, 3000.0, 80) if speed_mm_s is None else _positive("speed_mm_s", speed_mm_s).ravel()
    pp, vv = np.meshgrid(p, v, indexing="ij")
    size = melt_pool_size(pp, vv, mat, slow_scan_bound=_lof_criterion(lack_of_fusion))
    regime = classify_regime(pp, vv, hatch_um, layer_um, mat, lack_of_fusion)
    true = relative_density_model(pp, vv, hatch_um, layer_um, mat, lack_of_fusion)
    rng = np.random.default_rng(seed)
    measured = np.minimum(true + rng.normal(0, density_noise_pct, true.shape), 100.0)
    return ProcessMap(
        power_W=p, speed_mm_s=v, normalized_enthalpy=normalized_enthalpy(pp, vv, mat),
        energy_density_J_mm3=volumetric_energy_density(pp, vv, hatch_um, layer_um),
        length_to_width=size.length_um / size.width_um, regime=regime, printable=regime == "conduction",
        relative_density_true_pct=true, relative_density_pct=measured, quality=quality_label(measured),
        hatch_um=float(hatch_um), layer_um=float(layer_um), material=mat.name,
        description=f"LPBF {mat.name} process map, hatch {hatch_um} µm, layer {layer_um} µm"
                    + (", lack of fusion by melt-pool overlap" if lack_of_fusion == "overlap" else ""),
    )


def process_experiments(n_points: int = 120, material: str = "316L", hatch_um: float = 100.0,
                        layer_um: float = 30.0, density_noise_pct: float = 0.15,
                        seed: int = 0, lack_of_fusion: str = "energy_density") -> pd.DataFrame:
    """Scattered P–v experiments (cubes) as a table, for fitting an ML process map (week 8).

    ``lack_of_fusion`` picks the criterion of the regime labels and the density (:data:`LACK_OF_FUSION_CRITERIA`).

    Columns: ``power_W``, ``speed_mm_s``, ``hatch_um``, ``layer_um``, ``energy_density_J_mm3``,
    ``normalized_enthalpy``, ``regime``, ``relative_density_true_pct``, ``relative_density_pct``, ``quality``.
    """
    if not 1 <= n_points <= 100_000:
        raise ValueError(f"n_points={n_points} must be in [1, 100000]")
    mat = get_material(material)
    rng = np.random.default_rng(seed)
    p = rng.uniform(50.0, 400.0, n_points)
    v = np.exp(rng.uniform(np.log(100.0), np.log(3000.0), n_points))
    true = relative_density_model(p, v, hatch_um, layer_um, mat, lack_of_fusion)
    measured = np.minimum(true + rng.normal(0, density_noise_pct, n_points), 100.0)
    return pd.DataFrame({
        "power_W": p, "speed_mm_s": v, "hatch_um": float(hatch_um), "layer_um": float(layer_um),
        "energy_density_J_mm3": volumetric_energy_density(p, v, hatch_um, layer_um),
        "normalized_enthalpy": normalized_enthalpy(p, v, mat),
        "regime": classify_regime(p, v, hatch_um, layer_um, mat, lack_of_fusion),
        "relative_density_true_pct": true, "relative_density_pct": measured,
        "quality": quality_label(measured),
    })


# ----------------------------------------------------------------------------------------------------------
# Melt-pool monitoring signals
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeltPoolSignals:
    """Photodiode tracks with parameters, regime labels, density targets and machine/build/time metadata.

    ``signal_V`` and ``laser_on`` are ``(n_tracks, n_samples)``; every other per-track array has length
    ``n_tracks``. ``n_collapse_events`` and ``n_spatter_events`` are the ground-truth event counts.
    """

    time_ms: np.ndarray
    signal_V: np.ndarray
    laser_on: np.ndarray
    power_W: np.ndarray
    speed_mm_s: np.ndarray
    normalized_enthalpy: np.ndarray
    regime: np.ndarray
    relative_density_pct: np.ndarray
    porosity_pct: np.ndarray
    machine_id: np.ndarray
    build_id: np.ndarray
    timestamp: np.ndarray
    hours_into_build: np.ndarray
    machine_gain: np.ndarray
    machine_offset_V: np.ndarray
    n_collapse_events: np.ndarray
    n_spatter_events: np.ndarray
    sampling_rate_kHz: float
    material: str
    description: str

    def table(self) -> pd.DataFrame:
        """One row per track: parameters, labels, targets and metadata (no signal)."""
        return pd.DataFrame({
            "track": np.arange(len(self.power_W)), "machine_id": self.machine_id, "build_id": self.build_id,
            "timestamp": self.timestamp, "power_W": self.power_W, "speed_mm_s": self.speed_mm_s,
            "normalized_enthalpy": self.normalized_enthalpy, "regime": self.regime,
            "relative_density_pct": self.relative_density_pct, "porosity_pct": self.porosity_pct,
        })


def _sample_balanced(rng: np.random.Generator, n: int, mat: LPBFMaterial, hatch_um: float,
                     layer_um: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw (P, v) so that the four regimes appear in (nearly) equal numbers, in random order."""
    want = np.full(len(REGIMES), n // len(REGIMES))
    want[: n % len(REGIMES)] += 1
    ps: list[float] = []
    vs: list[float] = []
    rs: list[str] = []
    got = np.zeros(len(REGIMES), dtype=int)
    while got.sum() < n:
        p = rng.uniform(60.0, 400.0, 4096)
        v = np.exp(rng.uniform(np.log(150.0), np.log(3000.0), 4096))
        reg = classify_regime(p, v, hatch_um, layer_um, mat)
        for pi, vi, ri in zip(p, v, reg, strict=True):
            k = REGIMES.index(ri)
            if got[k] < want[k]:
                ps.append(pi)
                vs.append(vi)
                rs.append(ri)
                got[k] += 1
    order = rng.permutation(n)
    return np.array(ps)[order], np.array(vs)[order], np.array(rs)[order]


def _pulse(t: np.ndarray, t0: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((t - t0) / width) ** 2)


def _ar1(rng: np.random.Generator, n: int, dt_ms: float, tau_ms: float, sigma: float) -> np.ndarray:
    """Stationary AR(1) (Ornstein–Uhlenbeck) noise with correlation time ``tau_ms`` and std ``sigma``."""
    a = np.exp(-dt_ms / tau_ms)
    e = rng.normal(0, sigma * np.sqrt(1 - a**2), n)
    x = np.empty(n)
    x[0] = rng.normal(0, sigma)
    for i in range(1, n):
        x[i] = a * x[i - 1] + e[i]
    return x


#: Lognormal spread (σ of ln A) of the absorptivity of one track around the material's value: powder-layer
#: thickness, local packing and spatter on the layer change the absorbed power from track to track
#: (Trapp et al. 2017 measured 0.3–0.7 across regimes at fixed nominal settings).
TRACK_ABSORPTIVITY_SCATTER = 0.15
#: Porosity (% points) left by keyhole collapses at a rate of one per millisecond of laser-on time; each
#: collapse leaves a pore (Zhao et al. 2020), of lognormal volume (σ of ln V = 0.5).
PORE_PCT_PER_COLLAPSE_PER_MS = 0.5


def track_porosity(power_eff_W, speed_mm_s, n_collapses, laser_on_ms, rng: np.random.Generator,
                   hatch_um: float = 100.0, layer_um: float = 30.0,
                   material: str | LPBFMaterial = "316L") -> np.ndarray:
    """Porosity (%) of each track from what happened in it, not from its nominal settings.

    ``power_eff_W`` is the *absorbed-equivalent* power of the track (nominal P times its absorptivity factor):
    the lack-of-fusion and balling terms of :func:`porosity_model` follow it; the keyhole term is replaced by
    the pores the track's keyhole collapses left, ``PORE_PCT_PER_COLLAPSE_PER_MS`` per collapse per
    millisecond, each pore of lognormal size, saturating at :data:`KEYHOLE_POROSITY_MAX_PCT` as in
    :func:`porosity_model`. Base porosity 0.1 %. Both causes leave a trace in the photodiode
    signal (the emission level follows the absorbed power; each collapse is a dip).
    """
    mat = get_material(material)
    n = np.asarray(n_collapses, dtype=int)
    pores = np.array([rng.lognormal(-0.125, 0.5, k).sum() for k in n])
    keyhole = PORE_PCT_PER_COLLAPSE_PER_MS * pores / np.maximum(np.asarray(laser_on_ms, float), 0.1)
    lof, balling = _lof_and_balling(power_eff_W, speed_mm_s, hatch_um, layer_um, mat, "energy_density")
    raw = 0.1 + lof + balling + _saturate_keyhole(keyhole)
    return _soft_cap(raw, POROSITY_CAP_PCT)


def _track_absorptivity(seed: int, n_tracks: int, scatter: float) -> np.ndarray:
    """Absorptivity factor of each track (mean 1), from its own random stream so that ``scatter = 0`` leaves
    every other draw of :func:`melt_pool_signals` unchanged."""
    if scatter == 0:
        return np.ones(n_tracks)
    return np.exp(np.random.default_rng([int(seed), 7]).normal(-0.5 * scatter**2, scatter, n_tracks))


def melt_pool_signals(n_tracks: int = 240, material: str = "316L", sampling_rate_kHz: float = 100.0,
                      duration_ms: float = 5.0, track_length_mm: float = 4.0, n_machines: int = 3,
                      builds_per_machine: int = 4, hatch_um: float = 100.0, layer_um: float = 30.0,
                      track_variability: bool = False, seed: int = 0) -> MeltPoolSignals:
    """Photodiode signals (V) of single LPBF tracks, balanced over the four (nominal) regimes.

    ``track_variability=True`` makes each track differ from its nominal settings as real tracks do: its
    absorptivity scatters (:data:`TRACK_ABSORPTIVITY_SCATTER`), so its regime, signal level and collapse rate
    follow the *absorbed* power (regime flicker at fixed nominal P, v near a boundary), and its porosity is
    :func:`track_porosity` of what happened in it (collapses counted, pores of random size). Without it (the
    default) porosity is :func:`porosity_model` of the nominal settings and the regime is the nominal one.

    Per track: the laser switches on at 0.5 ms plus trigger jitter (σ = 40 µs) and off after
    ``track_length_mm / v`` (if within the record); a start-of-track overshoot and an exponential end
    decay (τ = 30 µs) frame the melt. The level scales as ``(ΔH/h_s / 20)^0.7``. Regimes:

    - conduction: 2 % white + 2 % slow (τ = 0.3 ms) noise;
    - keyhole: plume-raised level (×1.3), 6 % noise, 25 kHz keyhole oscillation and Poisson keyhole-collapse
      events (rate ``1 + 5·(ΔH/h_s / threshold − 1)`` per ms, at most 10), each a dip of 30–60 % then a spike;
    - lack of fusion: level ×0.55 with 15 % irregular (τ = 0.15 ms) fluctuation;
    - balling: 20 % modulation at ``v / (4.51·W)`` (Rayleigh's fastest-growing wavelength) plus noise.

    All tracks get spatter spikes (Poisson, 0.4 per ms; 1.5 per ms in keyhole) and 5 mV electronic noise.
    Machine ``m`` multiplies by a gain and adds an offset (V) and loses sensitivity as its protective window
    fouls, ``gain·(1 − d_m·hours_into_build)`` with ``d_m`` of 1–4 % per hour; each build is cleaned before
    it starts. Timestamps run over consecutive builds (machines in parallel) for temporal splits.
    """
    if not 4 <= n_tracks <= 20000:
        raise ValueError(f"n_tracks={n_tracks} must be in [4, 20000]")
    if not 10.0 <= sampling_rate_kHz <= 1000.0:
        raise ValueError(f"sampling_rate_kHz={sampling_rate_kHz} must be in [10, 1000]")
    if not 1.0 <= duration_ms <= 50.0:
        raise ValueError(f"duration_ms={duration_ms} must be in [1, 50]")
    if n_machines < 1 or builds_per_machine < 1:
        raise ValueError(f"n_machines={n_machines} and builds_per_machine={builds_per_machine} must be >= 1")
    _positive("track_length_mm", track_length_mm, 100.0)
    mat = get_material(material)
    rng = np.random.default_rng(seed)
    dt_ms = 1.0 / sampling_rate_kHz
    t = np.arange(int(round(duration_ms * sampling_rate_kHz))) * dt_ms
    n_s = t.size

    power, speed, regime = _sample_balanced(rng, n_tracks, mat, hatch_um, layer_um)
    absorb = _track_absorptivity(seed, n_tracks, TRACK_ABSORPTIVITY_SCATTER if track_variability else 0.0)
    if track_variability:
        regime = classify_regime(power * absorb, speed, hatch_um, layer_um, mat)
    dh = normalized_enthalpy(power * absorb, speed, mat)
    size = melt_pool_size(power * absorb, speed, mat)
    porosity = porosity_model(power, speed, hatch_um, layer_um, mat)
    density_noise = rng.normal(0, 0.15, n_tracks)

    gains = rng.uniform(0.7, 1.3, n_machines)
    offsets = rng.uniform(0.02, 0.15, n_machines)
    fouling = rng.uniform(0.01, 0.04, n_machines)
    n_builds = n_machines * builds_per_machine
    build_of_track = np.sort(rng.integers(0, n_builds, n_tracks))
    machine_of_build = np.arange(n_builds) % n_machines
    machine = machine_of_build[build_of_track]
    build_hours = 12.0
    start = np.datetime64("2026-03-02T08:00")
    build_start_h = (np.arange(n_builds) // n_machines) * 24.0
    hours = rng.uniform(0, build_hours, n_tracks)
    stamp_h = build_start_h[build_of_track] + hours
    order = np.lexsort((stamp_h,))
    power, speed, regime, dh, porosity, density_noise, absorb = (
        a[order] for a in (power, speed, regime, dh, porosity, density_noise, absorb))
    width = size.width_um[order]
    build_of_track, machine, hours, stamp_h = (a[order] for a in (build_of_track, machine, hours, stamp_h))
    timestamp = start + (stamp_h * 3.6e6).astype("timedelta64[ms]")

    signal = np.empty((n_tracks, n_s))
    laser_on = np.zeros((n_tracks, n_s), dtype=bool)
    n_collapse = np.zeros(n_tracks, dtype=int)
    n_spatter = np.zeros(n_tracks, dtype=int)
    on_ms_of_track = np.zeros(n_tracks)
    for i in range(n_tracks):
        t_on = 0.5 + rng.normal(0, 0.04)
        t_off = t_on + track_length_mm / speed[i] * 1e3
        on = (t >= t_on) & (t < t_off)
        laser_on[i] = on
        level = (dh[i] / 20.0) ** 0.7
        shape = np.zeros(n_s)
        rise = 1 - np.exp(-np.clip(t - t_on, 0, None) / 0.02)
        shape[on] = rise[on] * (1 + 0.3 * np.exp(-(t[on] - t_on) / 0.2))
        after = t >= t_off
        shape[after] = np.exp(-(t[after] - t_off) / 0.03) * (t_off > t_on)
        reg = regime[i]
        fluct = rng.normal(0, 0.02, n_s)
        if reg == "conduction":
            fluct += _ar1(rng, n_s, dt_ms, 0.3, 0.02)
        elif reg == "keyhole":
            level *= 1.3
            fluct = rng.normal(0, 0.06, n_s) + 0.05 * np.sin(2 * np.pi * 25.0 * t + rng.uniform(0, 2 * np.pi))
            rate = min(1.0 + 5.0 * (dh[i] / mat.keyhole_threshold - 1.0), 10.0)
            on_ms = on.sum() * dt_ms
            k = rng.poisson(rate * on_ms)
            times = rng.uniform(t_on, t_on + on_ms, k)
            for tc in times:
                depth = rng.uniform(0.3, 0.6)
                fluct += -depth * _pulse(t, tc, 0.012) + 0.6 * depth * _pulse(t, tc + 0.03, 0.008)
            n_collapse[i] = k
        elif reg == "lack_of_fusion":
            level *= 0.55
            fluct += _ar1(rng, n_s, dt_ms, 0.15, 0.15)
        else:
            wavelength_mm = 4.51 * width[i] * 1e-3
            f_kHz = speed[i] / wavelength_mm * 1e-3
            phase = rng.uniform(0, 2 * np.pi)
            fluct += 0.2 * np.sin(2 * np.pi * f_kHz * t + phase) + rng.normal(0, 0.03, n_s)
        clean = level * shape * (1 + fluct * on)
        spatter_rate = 1.5 if reg == "keyhole" else 0.4
        on_ms = on.sum() * dt_ms
        k_sp = rng.poisson(spatter_rate * on_ms)
        for ts in rng.uniform(t_on, t_on + on_ms, k_sp):
            clean = clean + rng.uniform(0.2, 1.0) * _pulse(t, ts, rng.uniform(0.005, 0.015))
        n_spatter[i] = k_sp
        on_ms_of_track[i] = on_ms
        m = machine[i]
        gain = gains[m] * (1 - fouling[m] * hours[i])
        baseline_drift = rng.normal(0, 0.01) * t / duration_ms
        signal[i] = gain * clean + offsets[m] + baseline_drift + rng.normal(0, 0.005, n_s)

    if track_variability:
        porosity = track_porosity(power * absorb, speed, n_collapse, on_ms_of_track,
                                  np.random.default_rng([int(seed), 8]), hatch_um, layer_um, mat)
    density = np.minimum(100.0 - porosity + density_noise, 100.0)
    return MeltPoolSignals(
        time_ms=t, signal_V=signal, laser_on=laser_on, power_W=power, speed_mm_s=speed,
        normalized_enthalpy=dh, regime=regime, relative_density_pct=density, porosity_pct=porosity,
        machine_id=machine, build_id=build_of_track, timestamp=timestamp, hours_into_build=hours,
        machine_gain=gains[machine] * (1 - fouling[machine] * hours), machine_offset_V=offsets[machine],
        n_collapse_events=n_collapse, n_spatter_events=n_spatter, sampling_rate_kHz=float(sampling_rate_kHz),
        material=mat.name,
        description=f"LPBF {mat.name} photodiode tracks at {sampling_rate_kHz:g} kHz, {n_machines} machines",
    )


# ----------------------------------------------------------------------------------------------------------
# Thermal histories and process logs
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThermalHistory:
    """Temperature at a fixed point in the first layer while ``n_layers`` layers are scanned above it.

    ``time_s``/``temperature_K``/``layer_index`` are per sample (windows around each layer's scan,
    separated by the recoat time, which is not sampled). Per layer: ``peak_temperature_K``, ``remelted``
    (peak above the liquidus) and ``above_transus`` (peak above the solid-state transus, if the alloy has
    one).
    """

    time_s: np.ndarray
    temperature_K: np.ndarray
    layer_index: np.ndarray
    peak_temperature_K: np.ndarray
    remelted: np.ndarray
    above_transus: np.ndarray
    depth_below_surface_um: np.ndarray
    liquidus_K: float
    transus_K: float | None
    material: str
    description: str


def thermal_history(material: str = "316L", power_W: float = 200.0, speed_mm_s: float = 800.0,
                    n_layers: int = 10, layer_um: float = 30.0, hatch_um: float = 100.0,
                    tracks_per_layer: int = 5, layer_time_s: float = 30.0, plate_K: float = 353.0,
                    sampling_rate_kHz: float = 50.0, noise_K: float = 5.0, seed: int = 0) -> ThermalHistory:
    """Rosenthal point-source thermal cycles at a point at mid-depth of layer 0 as layers 0…n−1 are added.

    In layer ``n`` the point lies ``(n + 0.5)·t`` below the scanned surface; ``tracks_per_layer`` hatches
    pass at lateral offsets ``(j − (N−1)/2)·h``. Temperature (Rosenthal 1946, beam radius as core size):
    ``T = T_base + A·P / (2π·k·R) · exp(−v·(R + ξ) / (2D))``, ``R = sqrt(ξ² + y² + z² + σ²)``, softly capped
    below the boiling point. ``T_base`` rises from the plate preheat by heat accumulation (≤ 150 K).
    Thermocouple/pyrometer noise ``noise_K`` (1σ). Peaks fall with layer number; the first layers remelt.
    """
    mat = get_material(material)
    if not 1 <= n_layers <= 200:
        raise ValueError(f"n_layers={n_layers} must be in [1, 200]")
    if not 1 <= tracks_per_layer <= 21:
        raise ValueError(f"tracks_per_layer={tracks_per_layer} must be in [1, 21]")
    _positive("power_W", power_W, 2000.0)
    _positive("speed_mm_s", speed_mm_s, 20000.0)
    _positive("layer_time_s", layer_time_s)
    _positive("sampling_rate_kHz", sampling_rate_kHz, 10000.0)
    rng = np.random.default_rng(seed)
    q = mat.absorptivity * power_W
    v = speed_mm_s * 1e-3
    k, diff = mat.conductivity_W_mK, mat.diffusivity_m2_s
    sigma = mat.beam_radius_um * 1e-6
    track_dt_s = 4.0e-3 / v + 0.2e-3
    window_s = tracks_per_layer * track_dt_s + 10e-3
    t_local = np.arange(-1e-3, window_s, 1e-3 / sampling_rate_kHz)
    offsets = (np.arange(tracks_per_layer) - (tracks_per_layer - 1) / 2) * hatch_um * 1e-6
    cap = mat.boiling_K
    times, temps, layers, peaks, depths = [], [], [], [], []
    for n in range(n_layers):
        z = (n + 0.5) * layer_um * 1e-6
        base = plate_K + 150.0 * (1 - np.exp(-n / 5.0))
        rise = np.zeros_like(t_local)
        for j, y in enumerate(offsets):
            xi = -v * (t_local - j * track_dt_s)
            r = np.sqrt(xi**2 + y**2 + z**2 + sigma**2)
            rise += q / (2 * np.pi * k * r) * np.exp(-v * (r + xi) / (2 * diff))
        span = cap - base
        temp = base + rise / (1 + (rise / span) ** 4) ** 0.25
        peaks.append(temp.max())
        depths.append(z * 1e6)
        times.append(n * layer_time_s + t_local)
        temps.append(temp)
        layers.append(np.full(t_local.size, n))
    temperature = np.concatenate(temps)
    temperature = temperature + rng.normal(0, noise_K, temperature.size)
    peak = np.array(peaks)
    transus = mat.transus_K
    return ThermalHistory(
        time_s=np.concatenate(times), temperature_K=temperature, layer_index=np.concatenate(layers),
        peak_temperature_K=peak, remelted=peak > mat.liquidus_K,
        above_transus=(peak > transus) if transus is not None else np.zeros(n_layers, dtype=bool),
        depth_below_surface_um=np.array(depths), liquidus_K=mat.liquidus_K, transus_K=transus,
        material=mat.name,
        description=f"{mat.name} point in layer 0, {power_W:g} W, {speed_mm_s:g} mm/s, {n_layers} layers",
    )


@dataclass(frozen=True)
class ProcessLog:
    """A logged thermal–mechanical schedule: setpoint, true and logged channels at 1 Hz.

    Logged channels contain noise, spikes (indices in ``spike_index``) and dropouts (NaN, indices in
    ``dropout_index``); the pyrometer reads nothing below its range (``pyrometer_min_C``, logged as NaN).
    """

    time_s: np.ndarray
    setpoint_C: np.ndarray
    temperature_true_C: np.ndarray
    temperature_C: np.ndarray
    pressure_true_MPa: np.ndarray
    pressure_MPa: np.ndarray
    relative_density_true: np.ndarray
    displacement_mm: np.ndarray
    spike_index: np.ndarray
    dropout_index: np.ndarray
    pyrometer_min_C: float
    kind: str
    description: str


def process_log(kind: str = "sps", seed: int = 0) -> ProcessLog:
    """A 1 Hz log of spark plasma sintering (``"sps"``) or a solution heat treatment (``"heat_treatment"``).

    SPS of 316L powder (e.g. Marnier et al. 2016, Mater. Des. 89, 1215): 100 K/min to 1000 °C, 10 min hold at
    50 MPa (preload 5 MPa), free cooling. The die temperature follows the setpoint as a damped second-order
    PID loop (ζ = 0.6, period 60 s: overshoot at the end of the ramp). Densification
    ``dρ/dt = K·exp(−Q/RT)·(σ/σ_ref)·(1 − ρ)`` from 0.62 (Q = 250 kJ/mol), and the ram displacement follows
    the shrinkage ``h0·(1 − ρ0/ρ)`` plus thermal expansion. Heat treatment: 10 K/min to 1050 °C, 1 h, quench;
    pressure 0, displacement = thermal expansion only. Logged: ±3 °C / ±0.3 MPa / ±2 µm noise,
    1 K quantisation, five spikes, 1 % dropouts, pyrometer blind below 400 °C (SPS) or 200 °C.
    """
    if kind not in ("sps", "heat_treatment"):
        raise ValueError(f"kind={kind!r} must be 'sps' or 'heat_treatment'")
    rng = np.random.default_rng(seed)
    if kind == "sps":
        t_ramp, t_hold, t_cool, target, ramp_rate, pmin = 588.0, 600.0, 900.0, 1000.0, 100 / 60, 400.0
    else:
        t_ramp, t_hold, t_cool, target, ramp_rate, pmin = 6180.0, 3600.0, 600.0, 1050.0, 10 / 60, 200.0
    t = np.arange(0.0, t_ramp + t_hold + t_cool, 1.0)
    setpoint = np.where(t < t_ramp, 20 + ramp_rate * t, target)
    cooling = t >= t_ramp + t_hold
    tau_cool = 240.0 if kind == "sps" else 20.0
    setpoint = np.where(cooling, 20 + (target - 20) * np.exp(-(t - t_ramp - t_hold) / tau_cool), setpoint)
    omega, zeta = 2 * np.pi / 60.0, 0.6
    temp = np.empty_like(t)
    temp[0], rate = 20.0, 0.0
    for i in range(1, t.size):
        acc = omega**2 * (setpoint[i - 1] - temp[i - 1]) - 2 * zeta * omega * rate
        rate += acc
        temp[i] = temp[i - 1] + rate
    if kind == "sps":
        hold = (t >= t_ramp - 60) & ~cooling
        pressure = np.where(hold, 5 + 45 * np.clip((t - (t_ramp - 60)) / 60.0, 0, 1), 5.0)
        pressure = np.where(cooling, 5.0, pressure)
        rho = np.empty_like(t)
        rho[0] = 0.62
        q_r, k0 = 250e3 / 8.314, 1.0e8
        for i in range(1, t.size):
            drho = k0 * np.exp(-q_r / (temp[i] + 273.15)) * (pressure[i] / 50.0) * (1 - rho[i - 1])
            rho[i] = min(rho[i - 1] + drho, 0.999)
        shrink = 10.0 * (1 - rho[0] / rho)
    else:
        pressure = np.zeros_like(t)
        rho = np.ones_like(t)
        shrink = np.zeros_like(t)
    displacement = shrink - 10.0 * 17e-6 * (temp - 20)
    temp_log = np.round(temp + rng.normal(0, 3.0, t.size))
    temp_log[temp < pmin] = np.nan
    p_log = pressure + rng.normal(0, 0.3, t.size)
    d_log = displacement + rng.normal(0, 0.002, t.size)
    spikes = np.sort(rng.choice(np.flatnonzero(temp >= pmin + 50), 5, replace=False))
    temp_log[spikes] = temp_log[spikes] + rng.choice([-1, 1], 5) * rng.uniform(150, 400, 5)
    dropouts = np.sort(rng.choice(np.setdiff1d(np.arange(t.size), spikes), int(0.01 * t.size), replace=False))
    for arr in (temp_log, p_log, d_log):
        arr[dropouts] = np.nan
    return ProcessLog(
        time_s=t, setpoint_C=setpoint, temperature_true_C=temp, temperature_C=temp_log,
        pressure_true_MPa=pressure, pressure_MPa=p_log, relative_density_true=rho, displacement_mm=d_log,
        spike_index=spikes, dropout_index=dropouts, pyrometer_min_C=pmin, kind=kind,
        description=("SPS of 316L powder, 1000 °C / 50 MPa / 10 min" if kind == "sps"
                     else "solution heat treatment of 316L, 1050 °C / 1 h, water quench"),
    )


__all__ = [
    "REGIMES", "LPBFMaterial", "MATERIALS", "get_material", "normalized_enthalpy",
    "volumetric_energy_density", "fusion_overlap", "LACK_OF_FUSION_CRITERIA", "LOF_EFOLD",
    "KEYHOLE_POROSITY_MAX_PCT", "POROSITY_CAP_PCT",
    "MeltPoolSize", "melt_pool_size", "classify_regime", "porosity_model", "relative_density_model",
    "quality_label", "ProcessMap", "process_map", "process_experiments", "MeltPoolSignals",
    "melt_pool_signals", "ThermalHistory", "thermal_history", "ProcessLog", "process_log",
]
