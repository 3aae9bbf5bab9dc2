r"""Triplet STDP of Pfister & Gerstner (2006), all-to-all and nearest-spike (NEST ``stdp_triplet_synapse``).

The rule
--------
Two presynaptic traces :math:`r_1` (time constant :math:`\tau_+`), :math:`r_2` (:math:`\tau_x`)
and two postsynaptic traces :math:`o_1` (:math:`\tau_-`), :math:`o_2` (:math:`\tau_y`) decay
exponentially between spikes.  At a spike of their own side they jump:

* ``interaction = all_to_all``: :math:`r \leftarrow r + 1` (every pair / triplet counts);
* ``interaction = nearest``: :math:`r \leftarrow 1` (only the nearest spike counts).

The weight changes at the spikes (additive, bounded to :math:`[0, w_{max}]`):

.. math::

    t = t^{post}:\quad w \leftarrow \min\left(w_{max},\; w + r_1(t)\,
        \left[A_2^+ + A_3^+\, o_2(t-\epsilon)\right]\right)

    t = t^{pre}:\quad w \leftarrow \max\left(0,\; w - o_1(t)\,
        \left[A_2^- + A_3^-\, r_2(t-\epsilon)\right]\right)

:math:`A_2^\pm` are the pair amplitudes, :math:`A_3^\pm` the triplet amplitudes (absolute weight
changes; with :math:`w_{init} = 1` they are fractions of the initial weight, Pfister &
Gerstner's convention), :math:`o_2(t-\epsilon)` / :math:`r_2(t-\epsilon)` the triplet trace
just before the spike's own jump.  NEST names: ``Aplus`` = :math:`A_2^+`, ``Aplus_triplet`` =
:math:`A_3^+`, ``Aminus`` = :math:`A_2^-`, ``Aminus_triplet`` = :math:`A_3^-`,
``tau_plus_triplet`` = :math:`\tau_x`; :math:`\tau_-` and :math:`\tau_y` (``tau_minus``,
``tau_minus_triplet``) live on the postsynaptic neuron.

Coincident spikes (pre and post at the same time at the synapse)
-----------------------------------------------------------------
Stated rule, followed by every backend (it is NEST's; NEST issue #1990 discusses the ambiguity of
:math:`r_1(t)` and :math:`o_1(t)` in the paper's equations): a spike sees only partner spikes
strictly earlier than itself, i.e. at a coincident pair :math:`r_1(t)` in the potentiation and
:math:`o_1(t)` in the depression exclude the coincident partner spike; the triplet terms
:math:`o_2(t-\epsilon)`, :math:`r_2(t-\epsilon)` exclude the spike itself; the post spike's
potentiation is applied before the pre spike's depression.  With ``nearest``, :math:`r_1(t)` of
a coincident post spike is the trace of the nearest strictly earlier pre spike.

Backends
--------
Brian2: event-driven traces; a flag ``nearest`` (0 or 1, derived from ``interaction``) selects
the jump, so both interactions share one compiled code.  The pre pathway runs first within a
time step, so a post spike in the same step undoes the depression, potentiates with the trace of
the strictly earlier pre spikes (stored before the jump) and applies the depression again.
pyNN.nest: ``all_to_all`` maps to NEST's ``stdp_triplet_synapse`` (lazy potentiation: the runner
adds a flush pre spike 50 tau_- after the schedule).  NEST has no nearest-spike triplet
(its archiving node's traces accumulate) and PyNN has no triplet rule at all: ``nearest`` on
pynn.nest runs the package's NESTML rule (``NESTML`` below, models/nestml.py), equal to brian2
to rounding; the same NESTML text with ``all_to_all`` equals NEST's own stdp_triplet_synapse
(tests/test_nestml.py).

Parameter sets
--------------
The eight sets of Pfister & Gerstner (2006), Table 4 (visual cortex = Sjöström 2001 data,
hippocampal = Wang 2005 data; ``full`` and ``minimal`` models; ``all_to_all`` and ``nearest``
interactions), copied from ``shared/reference/parameter_sets.json`` with their sources.
"""
from brian2 import ms, second

from .core import (Brian2Equations, Model, NestMapping, Param, ParameterSet, PlasticityError,
                   Value, time_constant, translations)
from .nestml import NestmlParam, NestmlRule
from .spinnaker import SpinnakerRule, ms_of
from . import stdp_pair

PAPER = "Pfister & Gerstner (2006) J Neurosci 26:9673, parameter table"
W_NOTE = ("Pfister & Gerstner's amplitudes are weight changes relative to the initial weight: "
          "w_init = 1 makes dw_percent = 100*dw (NESTML triplet tutorial and NEST "
          "stdp_triplet_synapse default weight = 1; reference nestml_stdp_triplet_default_values "
          "/ nest_stdp_triplet_synapse_default_values)")
WMAX_NOTE = ("no bound in the paper; Wmax = 100 from NESTML / NEST stdp_triplet_synapse defaults "
             "(reference nestml_stdp_triplet_default_values, nest_stdp_triplet_synapse_default_"
             "values): never reached by the protocols")

# name -> (reference entry, sources, tau_x/tau_y/A values, interaction, notes)
_TABLE = {
    "visual_all_to_all_full": (
        "pfister2006_visual_all_to_all_full", "all_to_all",
        dict(tau_x=101, tau_y=125, A2_plus=5e-10, A3_plus=6.2e-3, A2_minus=7e-3, A3_minus=2.3e-4),
        "verified_multi_source (NESTML tutorial, zifeo/nest-stdpmodule, NEST stdp_triplet_synapse "
        "defaults)", ""),
    "visual_all_to_all_minimal": (
        "pfister2006_visual_all_to_all_minimal", "all_to_all",
        dict(tau_x=101, tau_y=114, A2_plus=0.0, A3_plus=6.5e-3, A2_minus=7.1e-3, A3_minus=0.0),
        "verified_multi_source ('Gerstner06' class 'vc min', sPyNNaker Sjostrom example)",
        "tau_x is not used (A3_minus = 0); 101 ms as in the sources"),
    "visual_nearest_full": (
        "pfister2006_visual_nearest_full", "nearest",
        dict(tau_x=714, tau_y=40, A2_plus=8.8e-11, A3_plus=5.3e-2, A2_minus=6.6e-3,
             A3_minus=3.1e-3),
        "verified_multi_source (NESTML tutorial syn_opts_nn, zifeo/nest-stdpmodule, 'Gerstner06')",
        ""),
    "visual_nearest_minimal": (
        "pfister2006_visual_nearest_minimal", "nearest",
        dict(tau_x=714, tau_y=40, A2_plus=0.0, A3_plus=5e-2, A2_minus=8e-3, A3_minus=0.0),
        "verified_single_source (secondary code 'Gerstner06' class 'vc min nearest')",
        "tau_x is not used (A3_minus = 0); 714 ms as in the source"),
    "hippocampal_all_to_all_full": (
        "pfister2006_hippocampal_all_to_all_full", "all_to_all",
        dict(tau_x=946, tau_y=27, A2_plus=6.1e-3, A3_plus=6.7e-3, A2_minus=1.6e-3,
             A3_minus=1.4e-3),
        "verified_single_source for A3_minus = 1.4e-3 (NESTML tutorial); a secondary code has "
        "1.4e-4 and fits far worse (reference README)", ""),
    "hippocampal_all_to_all_minimal": (
        "pfister2006_hippocampal_all_to_all_minimal", "all_to_all",
        dict(tau_x=946, tau_y=40, A2_plus=5.3e-3, A3_plus=8e-3, A2_minus=3.5e-3, A3_minus=0.0),
        "verified_single_source (secondary code 'Gerstner06' class 'hippo min')",
        "tau_x is not used (A3_minus = 0); 946 ms as in the source"),
    "hippocampal_nearest_full": (
        "pfister2006_hippocampal_nearest_full", "nearest",
        dict(tau_x=575, tau_y=47, A2_plus=4.6e-3, A3_plus=9.1e-3, A2_minus=3e-3, A3_minus=7.5e-9),
        "verified_multi_source (NESTML tutorial, 'Gerstner06', TSTDP emulation script)", ""),
    "hippocampal_nearest_minimal": (
        "pfister2006_hippocampal_nearest_minimal", "nearest",
        dict(tau_x=575, tau_y=48, A2_plus=4.6e-3, A3_plus=9.1e-3, A2_minus=3e-3, A3_minus=0.0),
        "verified_single_source (secondary code 'Gerstner06' class 'hippo min nearest')",
        "tau_x is not used (A3_minus = 0); 575 ms as in the source"),
}


def _set(name, entry, interaction, v, verification, notes):
    src = f"reference/parameter_sets.json {entry} ({PAPER})"
    values = {
        "tau_plus": Value(16.8 * ms, f"{src}: tau_plus = 16.8 ms"),
        "tau_minus": Value(33.7 * ms, f"{src}: tau_minus = 33.7 ms"),
        "tau_x": Value(float(v["tau_x"]) * ms, f"{src}: tau_x = {v['tau_x']} ms"),
        "tau_y": Value(float(v["tau_y"]) * ms, f"{src}: tau_y = {v['tau_y']} ms"),
        "interaction": Value(interaction, f"{src}: interaction "
                                          f"{'all-to-all' if interaction == 'all_to_all' else 'nearest-spike'}"),
        "w_max": Value(100.0, WMAX_NOTE),
        "w_init": Value(1.0, W_NOTE),
    }
    for k in ("A2_plus", "A3_plus", "A2_minus", "A3_minus"):
        values[k] = Value(float(v[k]), f"{src}: {k} = {v[k]:g}")
    return ParameterSet(name, PAPER, values, notes=notes, verification=verification)


PARAMETER_SETS = {name: _set(name, *row) for name, row in _TABLE.items()}

PARAMS = [
    time_constant("tau_plus", "decay time constant of the pair presynaptic trace r1"),
    time_constant("tau_minus", "decay time constant of the pair postsynaptic trace o1"),
    time_constant("tau_x", "decay time constant of the triplet presynaptic trace r2"),
    time_constant("tau_y", "decay time constant of the triplet postsynaptic trace o2"),
    Param("A2_plus", None, "pair potentiation amplitude", low=0.0),
    Param("A3_plus", None, "triplet potentiation amplitude", low=0.0),
    Param("A2_minus", None, "pair depression amplitude", low=0.0),
    Param("A3_minus", None, "triplet depression amplitude", low=0.0),
    Param("interaction", None, "spike interaction: all_to_all (traces add) or nearest (traces "
                               "reset to 1)", choices=("all_to_all", "nearest")),
    Param("w_max", None, "upper weight bound (lower bound is 0)", low=0.0, low_open=True,
          weight=True),
    Param("w_init", None, "initial weight, in [0, w_max]", low=0.0, weight=True),
]


def _derived(values):
    """Numeric Brian2 constants: the interaction flag, and the weight unit in which the absolute
    amplitudes are counted (1 here; 1 nA or 1 uS under pyNN.brian2)."""
    return {"nearest": 1.0 if values["interaction"] == "nearest" else 0.0, "w_unit": 1.0}


BRIAN2 = Brian2Equations(
    model="""
{w} : {wunit}
w_max : {wunit} (constant)
A2_plus : 1 (constant)
A3_plus : 1 (constant)
A2_minus : 1 (constant)
A3_minus : 1 (constant)
tau_plus : second (constant)
tau_minus : second (constant)
tau_x : second (constant)
tau_y : second (constant)
nearest : 1 (constant)
w_unit : {wunit} (constant)
dr1/dt = -r1 / tau_plus : 1 (event-driven)
dr2/dt = -r2 / tau_x : 1 (event-driven)
do1/dt = -o1 / tau_minus : 1 (event-driven)
do2/dt = -o2 / tau_y : 1 (event-driven)
t_lastpre : second
w_before_dep : {wunit}
r1_before : 1
o1_used : 1
r2_used : 1
""",
    on_pre="""
w_before_dep = {w}
o1_used = o1
r2_used = r2
w_dep = {w} - o1 * (A2_minus + A3_minus * r2) * w_unit
{w} = w_dep * int(w_dep > 0 * w_unit)
r1_before = r1
r1 = nearest + (1 - nearest) * (r1 + 1)
r2 = nearest + (1 - nearest) * (r2 + 1)
t_lastpre = t
{transmit}
""",
    on_post="""
coincident = int(t_lastpre == t)
{w} = coincident * w_before_dep + (1 - coincident) * {w}
r1_pair = coincident * r1_before + (1 - coincident) * r1
w_pot = {w} + r1_pair * (A2_plus + A3_plus * o2) * w_unit
{w} = w_pot * int(w_pot < w_max) + w_max * int(w_pot >= w_max)
w_redo = {w} - o1_used * (A2_minus + A3_minus * r2_used) * w_unit
{w} = coincident * (w_redo * int(w_redo > 0 * w_unit)) + (1 - coincident) * {w}
o1 = nearest + (1 - nearest) * (o1 + 1)
o2 = nearest + (1 - nearest) * (o2 + 1)
""",
    initial={"r1": 0.0, "r2": 0.0, "o1": 0.0, "o2": 0.0, "t_lastpre": -1e9 * second},
    efficacy="{w}",
)


def _nest_check(p):
    if p["interaction"] != "all_to_all":
        raise PlasticityError("stdp_triplet with interaction = nearest is not available on "
                              "pynn.nest (NEST's stdp_triplet_synapse is all-to-all only; use "
                              "brian2 or pynn.brian2)")


# NESTML (models/nestml.py): the same rule for both interactions, a flag selecting the jump as
# in the Brian2 code.  Written by hand from the equations above (the Brian2 statements undo and
# redo a same-step depression, which NEST's lazy processing does not need): NEST hands a pre
# spike the post spikes up to it (a coincident one first, with r1 of the strictly earlier pre
# spikes) and reads o1 and o2 excluding the spike itself, which is the stated coincidence rule.
# Checked against NEST's stdp_triplet_synapse (all_to_all) and against Brian2 (nearest) on the
# same spike trains (tests/test_nestml.py).
NESTML = NestmlRule(
    name="stdp_triplet_nestml_synapse",
    params=[NestmlParam("tau_plus", "tau_plus", "ms", guard="> 0 ms"),
            NestmlParam("tau_x", "tau_x", "ms", guard="> 0 ms"),
            NestmlParam("tau_minus", "tau_minus", "ms", guard="> 0 ms"),
            NestmlParam("tau_y", "tau_y", "ms", guard="> 0 ms"),
            NestmlParam("A2_plus", "A2_plus"), NestmlParam("A3_plus", "A3_plus"),
            NestmlParam("A2_minus", "A2_minus"), NestmlParam("A3_minus", "A3_minus"),
            NestmlParam("Wmax", "w_max", guard=">= 0"),
            NestmlParam("nearest", lambda v: float(v["interaction"] == "nearest"))],
    state="""w real = 1.
tr_r1 real = 0.
tr_r2 real = 0.
tr_o1 real = 0.
tr_o2 real = 0.
o1_before real = 0.
t_lastpost ms = -1e9 ms""",
    equations="""tr_r1' = -tr_r1 / tau_plus
tr_r2' = -tr_r2 / tau_x
tr_o1' = -tr_o1 / tau_minus
tr_o2' = -tr_o2 / tau_y""",
    on_post="""w = min(Wmax, w + tr_r1 * (A2_plus + A3_plus * tr_o2))
o1_before = tr_o1
t_lastpost = t
tr_o1 = nearest + (1 - nearest) * (tr_o1 + 1)
tr_o2 = nearest + (1 - nearest) * (tr_o2 + 1)""",
    on_pre="""o1_used real = tr_o1
if abs(t_lastpost + d - t) < 0.5 * resolution():
    # a post spike at the same time at the synapse (NEST hands it over first): excluded
    o1_used = o1_before
w = max(0., w - o1_used * (A2_minus + A3_minus * tr_r2))
tr_r1 = nearest + (1 - nearest) * (tr_r1 + 1)
tr_r2 = nearest + (1 - nearest) * (tr_r2 + 1)
emit_spike(w)""",
    why="NEST's lazy post-spike processing gives the coincidence rule without the Brian2 "
        "undo/redo statements, except o1 at a coincident pre spike (excluded by hand)",
    synaptic_state=("tr_r1", "tr_r2", "tr_o1", "tr_o2", "o1_before", "t_lastpost"))

NEST_NESTML = NestMapping(
    synapse_model=NESTML.synapse_model,
    table=translations(
        ("weight", "weight", 1000.0),           # as the native mapping: NEST pA/nS
        ("w_max", "Wmax", 1000.0),
        ("tau_plus", "tau_plus"),
        ("tau_x", "tau_x"),
        ("A2_plus", "A2_plus", 1000.0),
        ("A3_plus", "A3_plus", 1000.0),
        ("A2_minus", "A2_minus", 1000.0),
        ("A3_minus", "A3_minus", 1000.0),
        ("tau_minus", "tau_minus"),
        ("tau_y", "tau_y"),
        ("nearest", "nearest"),
    ),
    flush_gap=stdp_pair.flush_gap,
    note="NESTML",
    nestml=NESTML,
)

NEST = NestMapping(
    synapse_model="stdp_triplet_synapse",
    table=translations(
        ("weight", "weight", 1000.0),           # PyNN nA/uS -> NEST pA/nS
        ("w_max", "Wmax", 1000.0),
        ("tau_plus", "tau_plus"),
        ("tau_x", "tau_plus_triplet"),
        ("A2_plus", "Aplus", 1000.0),            # absolute weight changes scale with the weight
        ("A3_plus", "Aplus_triplet", 1000.0),
        ("A2_minus", "Aminus", 1000.0),
        ("A3_minus", "Aminus_triplet", 1000.0),
    ),
    initial={"Kplus": lambda p: 0.0, "Kplus_triplet": lambda p: 0.0},
    post_cell_params=("tau_minus", ("tau_y", "tau_minus_triplet")),
    check=_nest_check,
    flush_gap=stdp_pair.flush_gap,
    note="all_to_all; nearest: NESTML",
    variant=NEST_NESTML,
    use_variant=lambda values: values["interaction"] == "nearest",
)


def _spinnaker(values):
    """sPyNNaker's PfisterSpikeTriplet + WeightDependenceAdditiveTriplet (all-to-all only).
    Our amplitudes are weight changes; sPyNNaker multiplies its amplitudes by w_max."""
    if values["interaction"] != "all_to_all":
        raise PlasticityError(
            "stdp_triplet: interaction 'nearest' cannot run on SpiNNaker: sPyNNaker 7.4.1's "
            "PfisterSpikeTriplet adds traces (all-to-all); nearest supported rule: stdp_triplet "
            "with an all_to_all parameter set (e.g. 'visual_all_to_all_full')")
    w_max = float(values["w_max"])
    return SpinnakerRule(
        "PfisterSpikeTriplet",
        {"tau_plus": ms_of(values, "tau_plus"), "tau_minus": ms_of(values, "tau_minus"),
         "tau_x": ms_of(values, "tau_x"), "tau_y": ms_of(values, "tau_y"),
         "A_plus": float(values["A2_plus"]) / w_max, "A_minus": float(values["A2_minus"]) / w_max},
        "WeightDependenceAdditiveTriplet",
        {"w_min": 0.0, "w_max": w_max, "A3_plus": float(values["A3_plus"]) / w_max,
         "A3_minus": float(values["A3_minus"]) / w_max},
        emulation="triplet_additive", amplitudes_times_w_max=True)


MODEL = Model(
    spinnaker=_spinnaker,
    name="stdp_triplet",
    family="stdp",
    title="Triplet STDP, Pfister & Gerstner 2006 (NEST stdp_triplet_synapse)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="visual_all_to_all_full",
    weight_unit=None,
    plastic=True,
    brian2=BRIAN2,
    nest=NEST,
    recorded=("w",),
    coincidence_rule="partners strictly earlier; triplet traces exclude the spike itself; at "
                     "equal times the post-spike potentiation precedes the pre-spike depression "
                     "(NEST)",
    cross_check=stdp_pair.MODEL.cross_check,
    derived=_derived,
    derived_weight=("w_unit",),
)
