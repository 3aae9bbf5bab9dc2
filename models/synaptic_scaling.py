r"""Homeostatic synaptic scaling (van Rossum, Bi & Turrigiano 2000; Turrigiano 2008).

The rule
--------
Every synapse onto a neuron reads the same slow activity sensor of that neuron, normalised by
the target rate :math:`r_{target}`:

.. math::

    \frac{de}{dt} = -\frac{e}{\tau_a}, \qquad
    e \leftarrow e + \frac{1}{\tau_a\, r_{target}} \text{ at each postsynaptic spike},

so that :math:`e = a / r_{target}` with :math:`a` the neuron's rate filtered with time constant
:math:`\tau_a` (:math:`e = 1` on target).  All excitatory weights of the neuron are scaled
multiplicatively toward the target:

.. math::

    \frac{dw}{dt} = \frac{w}{\tau_{scale}} \left(1 - e\right)
    \quad\Longrightarrow\quad
    w(T) = w(0)\, \exp\!\left(\frac{T - \int_0^T e\,dt}{\tau_{scale}}\right),

the proportional term of van Rossum et al.'s controller (their integral term is not included).
The factor is common to all synapses of a neuron, so weight ratios are preserved exactly.
Between post spikes :math:`e` decays exponentially, so the Brian2 code integrates both
equations exactly per time step (``per_step``): with :math:`\Delta = dt`,
:math:`w \leftarrow w \exp((\Delta - e\,\tau_a (1 - e^{-\Delta/\tau_a})) / \tau_{scale})`,
:math:`e \leftarrow e\, e^{-\Delta/\tau_a}`; post spikes of a step enter before that step's
integration.  The sensor starts on target (:math:`e = 1`: the neuron is assumed to have fired at
the target rate before the experiment).  Each synapse holds its own copy of :math:`e`; the copies
of one neuron see the same spikes and are bit-identical.

Symbols: :math:`w` weight (dimensionless, units of the leak conductance in the protocol),
:math:`\tau_{scale}` scaling time constant, :math:`\tau_a` sensor time constant,
:math:`r_{target}` target rate.  Presynaptic spikes only transmit :math:`w`.

Combined with STDP
------------------
``stdp_pair_scaling`` is :mod:`plasticity.models.stdp_pair` (all its parameter sets and NEST coincidence
semantics) on the same synapses as the scaling above: STDP acts at spikes, scaling integrates
after every step, and the weight is then clipped to [0, w_max] (the STDP bounds).
:func:`combine` builds such a model from any plastic model with a ``w_max`` and no per-step code.

Parameter values
----------------
The reference collection has no numeric values for van Rossum et al. 2000
(``vanrossum2000_paper_values``: unverified), and biological scaling takes hours to days
(Turrigiano 2008, qualitative).  The ``demonstration`` set is therefore labelled as such, each
value with its derivation: the loop activity -> sensor -> weights is second order; linearised
around the target with rate elasticity E = d ln r / d ln w it reads
:math:`\lambda^2 + \lambda/\tau_a + E/(\tau_a \tau_{scale}) = 0`, critically damped at
:math:`\tau_{scale} = 4 E \tau_a`.  With tau_a = 1 s and E <= 5 (a fluctuation-driven LIF
neuron), tau_scale = 20 s gives a damped return on a time scale of tens of seconds, so a few
hundred simulated seconds show several time constants.

Backends: brian2, pynn.brian2, and pynn.nest through NESTML (NEST has no scaling synapse).  The
NESTML rule is event-driven (NEST updates a synapse only at its spikes): at each event it applies
the exact solution above over the time since the previous event, then the event's jump.  With
STDP the Brian2 code clips after every step; over an interval of n steps that composes to
:math:`w_n = \min(w_0 F_n,\; w_{max} F_n / \max(F_1, F_n))` with :math:`F_k` the scaling factor
of the first k steps (``ln F`` is convex in time because e only decays between events, so the
largest partial factor is at an end of the interval): the same weights up to rounding (each
Brian2 step rounds once; tests/test_nestml.py derives the tolerance from the number of steps).
The weight is read at the end of a run through a final presynaptic spike one step after the
schedule (with A_minus set to 0 first, so that it changes nothing but the scaling).
"""
from dataclasses import replace

from brian2 import Hz, second

from .core import (Brian2Equations, Model, NestMapping, Param, ParameterSet, PlasticityError,
                   Value, translations)
from .nestml import NestmlParam, NestmlRule
from .spinnaker import refuse
from . import stdp_pair

DEMO = "demonstration value, not published (reference vanrossum2000_paper_values has no numbers)"
SCALING_PARAMS = [
    Param("tau_scale", second, "scaling time constant", low=0.0, low_open=True),
    Param("tau_a", second, "time constant of the activity sensor", low=0.0, low_open=True),
    Param("r_target", Hz, "target firing rate", low=0.0, low_open=True),
]

SCALING_VALUES = {
    "tau_scale": Value(20.0 * second, f"{DEMO}: 4 E tau_a with E = 5, tau_a = 1 s (critical "
                                      "damping of the linearised loop; module doc)"),
    "tau_a": Value(1.0 * second, f"{DEMO}: averages about 5 spikes at the target rate, so the "
                                 "sensor noise is ~1/sqrt(2 r tau_a) = 30 %"),
    "r_target": Value(5.0 * Hz, f"{DEMO}: a low cortical pyramidal-cell rate"),
}

_SENSOR_MODEL = """
tau_scale : second (constant)
tau_a : second (constant)
r_target : Hz (constant)
e_act : 1
"""
_SENSOR_POST = "e_act += 1 / (tau_a * r_target)"
_SCALE_STEP = """
{w} = {w} * exp((dt - e_act * tau_a * (1 - exp(-dt / tau_a))) / tau_scale)
e_act = e_act * exp(-dt / tau_a)
"""

# NESTML (models/nestml.py): the exact scaling step over the time h since the last event; T is
# the event's time at the synapse (a post spike's is t + d).  ``clip``: the per-step clip to
# [0, w_max] of a combined rule, composed over the interval (module docstring).
NESTML_PARAMS = [NestmlParam("tau_scale", "tau_scale", "ms", guard="> 0 ms"),
                 NestmlParam("tau_a", "tau_a", "ms", guard="> 0 ms"),
                 # (a number in Hz: NESTML 9.0.0 does not convert ms * Hz to a number)
                 NestmlParam("r_target", "r_target", "real", guard="> 0")]
NESTML_STATE = """e_act real = 1.
t_adv ms = 0 ms"""
NESTML_ADVANCE = """h_{k} ms = {T} - t_adv
if h_{k} > 0 ms:
    F_{k} real = exp((h_{k} - e_act * tau_a * (1 - exp(-h_{k} / tau_a))) / tau_scale)
{clip}    e_act = e_act * exp(-h_{k} / tau_a)
t_adv = {T}
"""
NESTML_CLIP = """    F1_{k} real = exp((resolution() - e_act * tau_a * (1 - exp(-resolution() / tau_a))) / tau_scale)
    w = min(w * F_{k}, Wmax * F_{k} / max(F1_{k}, F_{k}))
"""
NESTML_SENSOR = "e_act += 1000 ms / (tau_a * r_target)"     # 1 / (tau_a r_target), r in Hz


def nestml_advance(time: str, key: str, clip: bool) -> str:
    c = NESTML_CLIP.format(k=key) if clip else f"    w = w * F_{key}\n"
    return NESTML_ADVANCE.format(T=time, k=key, clip=c)


NESTML = NestmlRule(
    name="synaptic_scaling_nestml_synapse",
    params=NESTML_PARAMS,
    state="w real = 1.\n" + NESTML_STATE,
    on_post=nestml_advance("t + d", "post", clip=False) + NESTML_SENSOR,
    on_pre=nestml_advance("t", "pre", clip=False) + "emit_spike(w)",
    update="",
    synaptic_state=("e_act", "t_adv"),
    why="the per-step Brian2 code composed over the interval between events (exact)")

SCALING_TABLE = (("tau_scale", "tau_scale"), ("tau_a", "tau_a"), ("r_target", "r_target"))


def flush_at_end(values) -> float:
    """A flush pre spike one step after the schedule (the gap is the run's own step)."""
    return 0.0


NEST = NestMapping(
    synapse_model=NESTML.synapse_model,
    table=translations(("weight", "weight", 1000.0), *SCALING_TABLE),
    flush_gap=flush_at_end,
    note="NESTML",
    nestml=NESTML,
)

MODEL = Model(
    spinnaker=refuse("synaptic_scaling cannot run on SpiNNaker: sPyNNaker 7.4.1 has no "
                     "homeostatic scaling", "stdp_pair"),
    name="synaptic_scaling",
    family="homeostatic",
    title="Multiplicative synaptic scaling toward a target rate (van Rossum et al. 2000)",
    doc=__doc__,
    params=[*SCALING_PARAMS,
            Param("w_init", None, "initial weight (units of the leak conductance)", low=0.0,
                  weight=True)],
    parameter_sets={
        "demonstration": ParameterSet(
            "demonstration", "van Rossum, Bi & Turrigiano (2000) J Neurosci 20:8812 (rule form)",
            {**SCALING_VALUES,
             "w_init": Value(0.0075, "song_miller_abbott2000 g_max/2 = 0.0075 (the stdp_pair "
                                     "convention w_init = w_max/2)")},
            notes="time constants compressed from hours to seconds; every value is a "
                  "demonstration value with its derivation"),
    },
    default_set="demonstration",
    weight_unit=None,
    plastic=True,
    brian2=Brian2Equations(
        model="{w} : {wunit}" + _SENSOR_MODEL,
        on_pre="{transmit}",
        on_post=_SENSOR_POST,
        initial={"e_act": 1.0},
        per_step=_SCALE_STEP),
    nest=NEST,
    recorded=("w", "e_act"),
    coincidence_rule="post spikes of a step enter the sensor before that step's scaling; pre "
                     "spikes only transmit",
)


def combine(base: Model, name: str) -> Model:
    """``base`` (a plastic model with ``w_max`` and no per-step code) plus synaptic scaling on
    the same synapses; every parameter set of ``base`` gains the scaling demonstration values."""
    b = base.brian2
    if not base.plastic or "w_max" not in base.param_names or b.per_step or b.on_post is None:
        raise PlasticityError(f"synaptic scaling cannot be combined with '{base.name}'")
    sets = {k: replace(s, values={**s.values, **SCALING_VALUES},
                       notes=(s.notes + "; " if s.notes else "") + "scaling: " + DEMO)
            for k, s in base.parameter_sets.items()}
    return replace(
        base, name=name, family="homeostatic",
        title=f"{base.title.split(' (NEST')[0]} + synaptic scaling",
        doc=f"{base.doc}\n\nPlus synaptic scaling (models/synaptic_scaling.py):\n{__doc__}",
        params=[*base.params, *SCALING_PARAMS], parameter_sets=sets,
        brian2=replace(b, model=b.model + _SENSOR_MODEL,
                       on_post=b.on_post + "\n" + _SENSOR_POST + "\n",
                       initial={**b.initial, "e_act": 1.0},
                       per_step=_SCALE_STEP + "{w} = clip({w}, 0 * w_max, w_max)\n",
                       post_first=None if b.post_first is None else (
                           b.post_first[0] + _SENSOR_MODEL, b.post_first[1],
                           b.post_first[2] + "\n" + _SENSOR_POST + "\n")),
        nest=_combined_nest(base, name), recorded=(*base.recorded, "e_act"),
        spinnaker=refuse(f"{name} cannot run on SpiNNaker: sPyNNaker 7.4.1 has no homeostatic "
                         "scaling", f"{base.name} (without scaling)"))


def _combined_nest(base: Model, name: str):
    """The NESTML rule of ``base`` plus scaling: the base rule's NESTML (its variant, or its own
    NESTML mapping) with the scaling advance before each event's statements and the sensor after
    a post spike's; A_minus is zeroed before the flush spike."""
    mapping = base.nest.variant if base.nest and base.nest.variant else base.nest
    rule = getattr(mapping, "nestml", None)
    if rule is None:
        return None
    combined = NestmlRule(
        name=f"{name}_nestml_synapse",
        params=[*rule.params, *NESTML_PARAMS],
        state=rule.state + "\n" + NESTML_STATE,
        equations=rule.equations,
        on_post=nestml_advance("t + d", "post", clip=True) + rule.on_post + "\n" +
        NESTML_SENSOR,
        on_pre=nestml_advance("t", "pre", clip=True) + rule.on_pre,
        update=rule.update,
        synaptic_state=(*rule.synaptic_state, "e_act", "t_adv"),
        why=f"{base.name}'s NESTML with the scaling advance (exact, clip composed)")
    table = {t.name: t for t in mapping.table}
    return replace(mapping, synapse_model=combined.synapse_model, nestml=combined,
                   table=[*table.values(), *translations(*SCALING_TABLE)],
                   flush_gap=flush_at_end, flush_zero=("A_minus",), note="NESTML",
                   variant=None, use_variant=None, check=None)


def _stdp_pair_scaling():
    return combine(stdp_pair.MODEL, "stdp_pair_scaling")


MODELS = (MODEL, _stdp_pair_scaling())
