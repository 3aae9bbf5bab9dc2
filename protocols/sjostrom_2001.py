"""Sjöström, Turrigiano & Nelson (2001): frequency dependence of STDP in visual cortex L5.

Provenance: Sjöström PJ, Turrigiano GG & Nelson SB (2001) Neuron 32:1149, Fig. 1/7; the data
are the values used for model fitting by Pfister & Gerstner (2006) (two digitizations in
``protocols/data/datasets.json``: ``sjostrom2001_frequency_dependence`` and
``sjostrom2001_frequency_dependence_bluebrain_digitization``, copied from the reference
collection with their sources).

Schedule: pre/post pairings at frequency ρ with Δt = t_post − t_pre = +10 and −10 ms.

* ``pairs = 60`` (default except for clopath): 60 pairings at ρ, the modelling convention of the Pfister & Gerstner
  line (their published parameters fit the data with it; the reference marks the '60' as
  inferred from the model codes, not read in the paper).
* ``pairs = 75`` (default for clopath: the authors' FrequencyDependence.m uses 5 pairs per
  block, 15 blocks at 0.1 Hz, 10 blocks at ρ = 0.1 Hz): the experiment: for ρ >= 10 Hz, 15 trains of 5 pairings at ρ, one train every
  10 s; at 0.1 Hz, 50 single pairings 10 s apart.
* any other number N: N pairings at ρ (as for 60).

Conditions: every data point's (ρ, Δt) (label ``f=<ρ>Hz dt=<Δt>``, ``kind = data``; the
BlueBrain digitization adds Δt = 0 and ±25 ms points), and a frequency curve for ±10 ms
(``kind = curve``: 0.1, 1, 2, 5 and 5-50 Hz in 5 Hz steps).  The first pre spike is at 100 ms;
all conditions run in one simulation (the 0.1 Hz conditions set its length: 600 s with 60 pairs).
"""
import numpy as np

from .run import clopath as clopath_runner
from .base import Comparison, Option, Protocol, Report, family_overviews, load_datasets
from .schedule import Condition, Schedule, DT_MS, check_size

FIRST_MS = 100.0
DATASETS = ("sjostrom2001_frequency_dependence",
            "sjostrom2001_frequency_dependence_bluebrain_digitization")
CURVE_FREQS = (0.1, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0)
TRAIN_PERIOD_MS = 10000.0       # experiment: one train every 10 s


def label(freq_hz, dt_ms):
    return f"f={freq_hz:g}Hz dt={dt_ms:+g}"


def point_label(condition: dict) -> str:
    """Condition label for a dataset point's condition dict."""
    return label(float(condition["freq_Hz"]), float(condition["dt_ms"]))


def pre_times(freq_hz, pairs):
    period = 1000.0 / freq_hz
    if pairs == 75:                                   # the experiment
        if freq_hz <= 0.1 + 1e-9:
            t = FIRST_MS + TRAIN_PERIOD_MS * np.arange(50)
        else:
            t = (FIRST_MS + TRAIN_PERIOD_MS * np.arange(15)[:, None]
                 + period * np.arange(5)[None, :]).ravel()
    else:
        t = FIRST_MS + period * np.arange(pairs)
    return np.round(t / DT_MS) * DT_MS


def build(model, values, options, schedule_file=None):
    if options["pairs"] is None:           # the convention of the model being reproduced
        options["pairs"] = 75 if model.family == "voltage" else 60
    pairs = int(options["pairs"])
    wanted = []
    for name in DATASETS:
        for p in load_datasets()[name]["points"]:
            c = p["condition"]
            wanted.append((float(c["freq_Hz"]), float(c["dt_ms"]), "data"))
    for f in CURVE_FREQS:
        for dt in (10.0, -10.0):
            wanted.append((f, dt, "curve"))
    check_size("sjostrom_2001", FIRST_MS + pairs * 1000.0 / min(f for f, _, _ in wanted),
               2.0 * pairs * len(wanted))
    conds, seen, end = [], set(), 0.0
    for f, dt, kind in wanted:
        lab = label(f, dt)
        if lab in seen:
            continue
        seen.add(lab)
        pre = pre_times(f, pairs)
        post = np.round((pre + dt) / DT_MS) * DT_MS
        end = max(end, pre[-1], post[-1])
        conds.append(Condition(lab, pre, post, variables={"freq_hz": f, "dt_ms": dt,
                                                          "kind": kind}))
    convention = ("experiment: 15 trains x 5 pairings every 10 s (0.1 Hz: 50 pairings)"
                  if pairs == 75 else f"{pairs} pairings at the pairing frequency"
                  + (" (Pfister & Gerstner modelling convention)" if pairs == 60 else ""))
    return Schedule("sjostrom_2001", float(np.ceil(end + 100.0)), conds,
                    meta={"pairs": pairs, "pairing_convention": convention}).validate()



REPORT = Report(
    figure="frequency",
    overviews=family_overviews("frequency"),
    literature=tuple(Comparison(name, "±10 ms (Pfister & Gerstner's 10 points)", point_label,
                                lambda q: abs(q["condition"]["dt_ms"]) == 10)
                     for name in DATASETS)
    + (Comparison(DATASETS[1], "all 17 points (adds Δt = 0, ±25 ms)", point_label),))

PROTOCOL = Protocol(
    report=REPORT,
    name="sjostrom_2001",
    title="Sjöström et al. 2001 frequency dependence",
    doc=__doc__,
    families=("stdp", "calcium", "voltage"),
    options=[Option("pairs", None, "pairings per condition: 60 (modelling convention of the "
                                   "Pfister & Gerstner line; default), 75 (the experiment's "
                                   "trains; default for clopath, as in the authors' code) or "
                                   "any N", int, 1)],
    build=build,
    datasets=DATASETS,
    simulate=clopath_runner.simulate,
    simulate_for=("voltage",),
    standalone=True,
)
