r"""Reward-modulated (dopamine) STDP, Izhikevich (2007); NEST ``stdp_dopamine_synapse`` semantics.

The rule
--------
Pair STDP does not change the weight directly: it writes an eligibility trace :math:`c`; the
dopamine concentration :math:`n` gates how much of it becomes a weight change.

.. math::

    \frac{dc}{dt} = -\frac{c}{\tau_c} + A_+ x(t)\sum_{post}\delta(t-t_{post})
                    - A_- y(t)\sum_{pre}\delta(t-t_{pre}),\qquad
    \frac{dn}{dt} = -\frac{n}{\tau_n} + \frac{1}{\tau_n}\sum_{reward}\delta(t-t_r),\qquad
    \frac{dw}{dt} = c\,(n-b),

with the all-to-all traces :math:`x` (pre, +1 per pre spike, decay :math:`\tau_+`) and
:math:`y` (post, +1 per post spike, decay :math:`\tau_-`), and :math:`w` clipped to
:math:`[w_{min}, w_{max}]`.  Symbols: :math:`A_\pm` eligibility increments per pair,
:math:`\tau_c` eligibility time constant, :math:`\tau_n` dopamine time constant, :math:`b`
dopamine baseline (Hz, NEST's units 1/ms: a negative ``b`` is a tonic dopamine level), a reward
spike raises :math:`n` by :math:`1/\tau_n` (NEST's volume transmitter: every dopamine spike
counts once; the integral of one reward's :math:`n` is 1).

Between events :math:`c` and :math:`n` decay exponentially, so the weight change over an
interval of length :math:`h` that starts with :math:`c_0, n_0` is exact:

.. math::

    \Delta w = c_0 n_0 \tau_s \left(1 - e^{-h/\tau_s}\right)
               - c_0 b\, \tau_c \left(1 - e^{-h/\tau_c}\right), \qquad
    \tau_s = \frac{\tau_c \tau_n}{\tau_c + \tau_n}.

Both backends apply this at every event (pre spike, post spike, reward) and clip the weight to
its bounds there; NEST does the same (``process_dopa_spikes_`` / ``update_weight_``).  One
pairing (pre at 0, post at :math:`\Delta > 0`) followed by one reward at :math:`t_r \ge \Delta`
with :math:`b = 0` changes the weight by
:math:`A_+ e^{-\Delta/\tau_+} e^{-(t_r-\Delta)/\tau_c}\,\frac{\tau_c}{\tau_c+\tau_n}`
(after the dopamine has decayed): the change falls with the reward delay like the eligibility
trace.

Reported weights: ``w_final`` is the weight integrated exactly to the end of the schedule (a
read-out event at the schedule's end on Brian2; on NEST the volume transmitter triggers one
update of every synapse at that time: ``deliver_interval`` = the schedule length).  The
recorded signal is the stored weight, which changes at events only.

Coincident spikes (pre and post at the same time at the synapse): NEST's rule — each spike pairs
only with strictly earlier partner spikes (the post spike's :math:`A_+ x` uses the pre trace
without the coincident pre spike; the pre spike's :math:`A_- y` the post trace without the
coincident post spike).  A reward at the time of a spike: :math:`c` and :math:`n` both jump at
that instant; the order does not matter for :math:`w` (the interval between them is zero).

Parameter sets
--------------
``nest_defaults``: NEST's ``stdp_dopamine_synapse`` defaults (also NEST's example values for
Izhikevich 2007).  ``izhikevich2007``: the author's ``daspnet.m`` mapped onto this rule: there
the eligibility ``sd`` gets +0.1·(pre trace) at a post spike and −1.5·0.1·(post trace) at a pre
spike; every 10 ms ``s += (0.002 + DA)·sd``; a reward adds 0.5 to DA.  With
:math:`c = k\,sd` and :math:`n = DA/(0.5\,\tau_n)` this is :math:`dw/dt = c(n-b)` for
:math:`k = 0.5\,\tau_n/10\,\mathrm{ms} = 9.975`, :math:`A_+ = 0.1k`, :math:`A_- = 0.15k`,
:math:`b = -0.002/(10\,\mathrm{ms}\cdot k)`.  Differences that remain: ``daspnet.m`` updates
the weight every 10 ms (here exactly at events) and its STDP trace is reset to 0.1 at a spike
(nearest spike; here all-to-all, NEST's).
"""
import brian2
from brian2 import Hz, ms

from .core import (Brian2Equations, Model, NestMapping, Param, ParameterSet, PlasticityError,
                   Value, time_constant, translations)
from .spinnaker import SpinnakerRule, ms_of

NEST_SRC = "izhikevich2007_nest_stdp_dopamine_defaults (NEST models/stdp_dopamine_synapse.cpp " \
           "STDPDopaCommonProperties defaults)"
DASPNET = "izhikevich2007_daspnet (Izhikevich's daspnet.m, Cereb Cortex 17:2443 Fig. 1)"
K_DERIVATION = "k = DA_increment_per_reward * tau_d / 10 ms = 0.5 * 199.5 / 10 = 9.975 " \
               "(derived_computed_here: daspnet's sd scaled to NEST's n, see module doc)"
K = 0.5 * 199.5 / 10.0

PARAMETER_SETS = {
    "nest_defaults": ParameterSet(
        "nest_defaults", "Izhikevich (2007) Cereb Cortex 17:2443 (NEST defaults)",
        {
            "A_plus": Value(1.0, f"{NEST_SRC}: A_plus = 1.0"),
            "A_minus": Value(1.5, f"{NEST_SRC}: A_minus = 1.5"),
            "tau_plus": Value(20.0 * ms, f"{NEST_SRC}: tau_plus = 20 ms"),
            "tau_minus": Value(20.0 * ms, "NEST ArchivingNode default tau_minus = 20 ms (the "
                                          "post neuron's trace; nest.GetDefaults('parrot_neuron')"
                                          " in NEST 3.10)"),
            "tau_c": Value(1000.0 * ms, f"{NEST_SRC}: tau_c = 1000 ms"),
            "tau_n": Value(200.0 * ms, f"{NEST_SRC}: tau_n = 200 ms"),
            "b": Value(0.0 * Hz, f"{NEST_SRC}: b = 0"),
            "w_min": Value(0.0, f"{NEST_SRC}: Wmin = 0"),
            "w_max": Value(200.0, f"{NEST_SRC}: Wmax = 200"),
            "w_init": Value(1.0, "NEST stdp_dopamine_synapse default weight = 1.0 "
                                 "(models/stdp_dopamine_synapse.h constructor)"),
        },
        verification="verified_single_source"),
    "izhikevich2007": ParameterSet(
        "izhikevich2007", "Izhikevich (2007) Cereb Cortex 17:2443, Fig. 1 (daspnet.m)",
        {
            "A_plus": Value(0.1 * K, f"{DASPNET}: STDP_LTP_increment 0.1, times {K_DERIVATION}"),
            "A_minus": Value(0.15 * K, f"{DASPNET}: STDP_LTD_factor 1.5 * 0.1, times "
                                       f"{K_DERIVATION}"),
            "tau_plus": Value(19.5 * ms, f"{DASPNET}: tau_STDP_effective_ms = 19.5 (trace "
                                         "*0.95 per ms)"),
            "tau_minus": Value(19.5 * ms, f"{DASPNET}: the same trace for post spikes"),
            "tau_c": Value(995.0 * ms, f"{DASPNET}: eligibility sd *= 0.99 every 10 ms "
                                       "(tau_c ~ 995 ms)"),
            "tau_n": Value(199.5 * ms, f"{DASPNET}: tau_d_effective_ms = 199.5 (DA *0.995 per "
                                       "ms)"),
            "b": Value(-0.002 / (10.0 * K) * 1000.0 * Hz,
                       f"{DASPNET}: tonic_DA_in_weight_update 0.002 per 10 ms, divided by k: "
                       f"b = -0.002 / (10 ms * k) ({K_DERIVATION})"),
            "w_min": Value(0.0, f"{DASPNET}: s clipped to [0, s_max]"),
            "w_max": Value(4.0, f"{DASPNET}: s_max = 4"),
            "w_init": Value(1.0, "daspnet.m: excitatory weights start at s = 1 "
                                 "(s=[ones(Ne,M);...]); the rewarded synapse starts at 0"),
        },
        notes="daspnet.m's discrete updates mapped onto the continuous NEST rule (module doc)",
        verification="derived_computed_here from verified_single_source values"),
}

PARAMS = [
    Param("A_plus", None, "eligibility increment per pre-before-post pair (weight units)",
          low=0.0, weight=True),
    Param("A_minus", None, "eligibility decrement per post-before-pre pair (weight units)",
          low=0.0, weight=True),
    time_constant("tau_plus", "decay time constant of the presynaptic trace x"),
    time_constant("tau_minus", "decay time constant of the postsynaptic trace y"),
    time_constant("tau_c", "eligibility trace time constant"),
    time_constant("tau_n", "dopamine time constant"),
    Param("b", Hz, "dopamine baseline (negative: tonic dopamine)"),
    Param("w_min", None, "lower weight bound", weight=True),
    Param("w_max", None, "upper weight bound", weight=True),
    Param("w_init", None, "initial weight, in [w_min, w_max]", weight=True),
]


def _cross_check(values, model_name):
    if values["w_min"] > values["w_max"]:
        raise PlasticityError(f"{model_name}: w_min = {values['w_min']!r} is above w_max = "
                              f"{values['w_max']!r}")
    if not values["w_min"] <= values["w_init"] <= values["w_max"]:
        raise PlasticityError(f"{model_name}: w_init = {values['w_init']!r} is outside the bounds "
                              f"[w_min = {values['w_min']!r}, w_max = {values['w_max']!r}]")


# exact propagation of w, c, n from the last update to now; {s}: "" inside the synapse, "_post"
# from the reward pathway (Brian2 synapses onto synapses)
_ADVANCE = """
h_upd = t - t_upd{s}
tau_s = tau_c{s} * tau_n{s} / (tau_c{s} + tau_n{s})
{w}{s} = clip({w}{s} - c{s} * (n{s} * tau_s * expm1(-h_upd / tau_s) - b{s} * tau_c{s} * expm1(-h_upd / tau_c{s})), w_min{s}, w_max{s})
c{s} = c{s} * exp(-h_upd / tau_c{s})
n{s} = n{s} * exp(-h_upd / tau_n{s})
t_upd{s} = t
"""

BRIAN2 = Brian2Equations(
    model="""
{w} : {wunit}
A_plus : {wunit} (constant)
A_minus : {wunit} (constant)
tau_plus : second (constant)
tau_minus : second (constant)
tau_c : second (constant)
tau_n : second (constant)
b : hertz (constant)
w_min : {wunit} (constant)
w_max : {wunit} (constant)
dx_tr/dt = -x_tr / tau_plus : 1 (event-driven)
dy_tr/dt = -y_tr / tau_minus : 1 (event-driven)
c : {wunit}
n : hertz
t_upd : second
t_lastpre : second
""",
    on_pre=_ADVANCE.replace("{s}", "") + """
c -= A_minus * y_tr
x_tr += 1
t_lastpre = t
{transmit}
""",
    on_post=_ADVANCE.replace("{s}", "") + """
c += A_plus * (x_tr - int(t_lastpre == t))
y_tr += 1
""",
    initial={"x_tr": 0.0, "y_tr": 0.0, "c": 0.0, "n": 0.0 * Hz, "t_upd": 0.0 * brian2.second,
             "t_lastpre": -1e9 * brian2.second},
    efficacy="{w}",
    current=_ADVANCE.replace("{s}", ""),
    # source 0: a reward (dopamine) spike; source 1: a read-out tick (propagation only)
    on_modulator=_ADVANCE.replace("{s}", "_post") + """
n_post += int(i == 0) / tau_n_post
""",
)

NEST = NestMapping(
    synapse_model="stdp_dopamine_synapse",
    table=translations(
        ("weight", "weight", 1000.0),           # PyNN nA/uS -> NEST pA/nS
        ("A_plus", "A_plus", 1000.0),           # c is in weight units
        ("A_minus", "A_minus", 1000.0),
        ("tau_plus", "tau_plus"),
        ("tau_c", "tau_c"),
        ("tau_n", "tau_n"),
        ("b", "b", 1e-3),                       # Hz -> 1/ms
        ("w_min", "Wmin", 1000.0),
        ("w_max", "Wmax", 1000.0),
    ),
    post_cell_params=("tau_minus",),
    volume_transmitter=True,
    # stdp_dopamine_synapse's common properties (weight, c and n are per connection)
    common=("A_plus", "A_minus", "tau_plus", "tau_c", "tau_n", "b", "Wmin", "Wmax"),
    note="needs a volume_transmitter (the runner feeds it the schedule's reward spikes)",
)


def _spinnaker(values):
    """sPyNNaker's pair rule with Neuromodulation (Izhikevich 2007 dopamine, no baseline)."""
    if float(values["b"] / (1.0 / ms)) != 0.0:
        raise PlasticityError(
            "stdp_dopamine: a dopamine baseline b != 0 cannot run on SpiNNaker: sPyNNaker "
            "7.4.1's Neuromodulation has no baseline; nearest supported rule: stdp_dopamine "
            "with b = 0 (parameter set 'nest_defaults')")
    return SpinnakerRule(
        "SpikePairRule", {"tau_plus": ms_of(values, "tau_plus"),
                          "tau_minus": ms_of(values, "tau_minus"),
                          "A_plus": float(values["A_plus"]), "A_minus": float(values["A_minus"])},
        "AdditiveWeightDependence", {"w_min": float(values["w_min"]),
                                     "w_max": float(values["w_max"])},
        neuromodulation={"tau_c": ms_of(values, "tau_c"), "tau_d": ms_of(values, "tau_n"),
                         "w_min": float(values["w_min"]), "w_max": float(values["w_max"])},
        notes=["the dopamine spike's size is the reward projection's weight (1.0 here)"])


MODEL = Model(
    spinnaker=_spinnaker,
    name="stdp_dopamine",
    family="reward",
    title="Reward-modulated STDP, Izhikevich 2007 (NEST stdp_dopamine_synapse)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="nest_defaults",
    weight_unit=None,
    plastic=True,
    brian2=BRIAN2,
    nest=NEST,
    recorded=("w", "c"),
    coincidence_rule="pairs only with strictly earlier partner spikes (NEST); a reward at the "
                     "time of a spike: order irrelevant",
    cross_check=_cross_check,
)
