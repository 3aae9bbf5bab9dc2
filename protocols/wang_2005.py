"""Wang, Gerkin, Nauen & Bi (2005): pairs, triplets and quadruplets in hippocampal cultures.

Provenance: Wang H-X, Gerkin RC, Nauen DW & Bi G-Q (2005) Nat Neurosci 8:187; the 13-point set
fitted by Pfister & Gerstner (2006), ``wang2005_hippocampal_triplet_quadruplet_pfister_dataset``
in ``protocols/data/datasets.json`` (copied from the reference collection with its sources).

Motifs, each repeated ``motifs`` times (default 60) at ``freq_hz`` (default 1 Hz), the first
motif starting at 100 ms (Δt = t_post − t_pre):

* ``pair`` Δt = ±10 ms;
* ``pre-post-pre`` (Δt1, Δt2): Δt1 = t_post − t_pre1 > 0, Δt2 = t_post − t_pre2 < 0;
* ``post-pre-post`` (Δt1, Δt2): Δt1 = t_post1 − t_pre < 0, Δt2 = t_post2 − t_pre > 0;
* ``quadruplet`` T: a post-pre pair (Δt = −5 ms) and a pre-post pair (Δt = +5 ms).  Convention
  used here: **T = centre of the pre-post pair − centre of the post-pre pair** (pair centre =
  midpoint of its two spikes), so T > 0 puts the post-pre pair first and T < 0 the pre-post pair
  first, as in Pfister & Gerstner's description; the reference marks the centre convention as
  unverified for their paper.  |T| >= 10 ms keeps the two pairs apart.

Conditions: the ten pair/triplet data points, the three quadruplet data points (T = −89, 84,
20 ms) and a quadruplet curve T = ±10 ... ±100 ms in 5 ms steps (``kind = curve``).
"""
import numpy as np

from plasticity.models.core import PlasticityError

from .base import Comparison, Option, Protocol, Report, family_overviews
from .schedule import Condition, Schedule, DT_MS, check_size

FIRST_MS = 100.0
DATASETS = ("wang2005_hippocampal_triplet_quadruplet_pfister_dataset",)
PAIRS = ((10.0,), (-10.0,))
TRIPLETS = (("pre-post-pre", 5.0, -5.0), ("pre-post-pre", 10.0, -10.0),
            ("pre-post-pre", 15.0, -5.0), ("pre-post-pre", 5.0, -15.0),
            ("post-pre-post", -5.0, 5.0), ("post-pre-post", -10.0, 10.0),
            ("post-pre-post", -5.0, 15.0), ("post-pre-post", -15.0, 5.0))
QUAD_DATA_T = (-89.0, 84.0, 20.0)
QUAD_CURVE_T = tuple(float(t) for t in list(range(-100, -5, 5)) + list(range(10, 105, 5)))


def motif(kind, a=None, b=None):
    """(pre offsets, post offsets, variables) of one motif, offsets >= 0 in ms."""
    if kind == "pair":
        pre, post = [0.0], [a]
        var = {"dt_ms": a}
    elif kind == "pre-post-pre":
        pre, post = [-a, -b], [0.0]
        var = {"dt1_ms": a, "dt2_ms": b}
    elif kind == "post-pre-post":
        pre, post = [0.0], [a, b]
        var = {"dt1_ms": a, "dt2_ms": b}
    elif kind == "quadruplet":
        # post-pre pair centred at 0, pre-post pair centred at T
        pre, post = [2.5, a - 2.5], [-2.5, a + 2.5]
        var = {"T_ms": a}
    else:
        raise ValueError(kind)
    shift = -min(pre + post)
    return (np.array(pre) + shift, np.array(post) + shift, dict(var, motif=kind))


def label(kind, var):
    if kind == "pair":
        return f"pair dt={var['dt_ms']:+g}"
    if kind == "quadruplet":
        return f"quadruplet T={var['T_ms']:+g}"
    return f"{kind} dt1={var['dt1_ms']:+g} dt2={var['dt2_ms']:+g}"


def point_label(condition: dict) -> str:
    kind = condition["protocol"]
    if kind == "quadruplet":
        return label(kind, {"T_ms": float(condition["T_ms"])})
    if kind == "pair":
        return label(kind, {"dt_ms": float(condition["dt_ms"])})
    return label(kind, {"dt1_ms": float(condition["dt1_ms"]),
                        "dt2_ms": float(condition["dt2_ms"])})


def build(model, values, options, schedule_file=None):
    n, freq = int(options["motifs"]), float(options["freq_hz"])
    period = 1000.0 / freq
    specs = [("pair", p[0], None, "data") for p in PAIRS]
    specs += [(k, a, b, "data") for k, a, b in TRIPLETS]
    specs += [("quadruplet", t, None, "data") for t in QUAD_DATA_T]
    specs += [("quadruplet", t, None, "curve") for t in QUAD_CURVE_T]
    check_size("wang_2005", FIRST_MS + period * n, 4.0 * n * len(specs))   # (<= 4 spikes a motif)
    conds, seen, end = [], set(), 0.0
    for kind, a, b, tag in specs:
        pre, post, var = motif(kind, a, b)
        lab = label(kind, var)
        if lab in seen:
            continue
        seen.add(lab)
        if max(pre.max(), post.max()) >= period:
            raise PlasticityError(f"wang_2005: motif {lab} ({max(pre.max(), post.max()):g} ms) "
                                  f"does not fit in the repetition period ({period:g} ms): a "
                                  "lower freq_hz")
        starts = FIRST_MS + period * np.arange(n)
        pre_t = np.round((starts[:, None] + pre[None, :]).ravel() / DT_MS) * DT_MS
        post_t = np.round((starts[:, None] + post[None, :]).ravel() / DT_MS) * DT_MS
        end = max(end, pre_t.max(), post_t.max())
        conds.append(Condition(lab, np.sort(pre_t), np.sort(post_t),
                               variables=dict(var, kind=tag)))
    return Schedule("wang_2005", float(np.ceil(end + 100.0)), conds,
                    meta={"motifs": n, "freq_hz": freq,
                          "quadruplet_T_convention": "T = centre(pre-post pair) - "
                                                     "centre(post-pre pair)"}).validate()



REPORT = Report(
    figure="wang",
    overviews=family_overviews("wang"),
    literature=(Comparison(DATASETS[0], "10 pair and triplet points", point_label,
                           lambda q: q["condition"]["protocol"] != "quadruplet"),
                Comparison(DATASETS[0], "all 13 points (with quadruplets)", point_label)))

PROTOCOL = Protocol(
    report=REPORT,
    name="wang_2005",
    title="Wang et al. 2005 pairs, triplets, quadruplets",
    doc=__doc__,
    families=("stdp",),
    options=[Option("motifs", 60, "repetitions of each motif", int, 1),
             Option("freq_hz", 1.0, "motif repetition frequency (Hz)", float, 1e-3)],
    build=build,
    datasets=DATASETS,
)
