r"""All-to-all pair STDP with power-law weight dependence (NEST ``stdp_synapse`` semantics).

The rule
--------
Each synapse keeps a presynaptic trace :math:`x` and a postsynaptic trace :math:`y`:

.. math::

    \frac{dx}{dt} = -\frac{x}{\tau_+}, \qquad x \leftarrow x + 1 \text{ at each pre spike};
    \qquad
    \frac{dy}{dt} = -\frac{y}{\tau_-}, \qquad y \leftarrow y + 1 \text{ at each post spike}.

With the normalised weight :math:`\hat w = w / w_{max}`:

* at a postsynaptic spike (potentiation)
  :math:`\hat w \leftarrow \min\left(1,\; \hat w + A_+ (1-\hat w)^{\mu_+}\, x\right)`
* at a presynaptic spike (depression)
  :math:`\hat w \leftarrow \max\left(0,\; \hat w - A_- \hat w^{\mu_-}\, y\right)`

Symbols: :math:`w` weight (dimensionless here; a PyNN user's weight is in nA or uS),
:math:`w_{max}` upper bound (the lower bound is 0), :math:`A_\pm` learning amplitudes per pair
(fractions of :math:`w_{max}`), :math:`\tau_\pm` trace time constants, :math:`\mu_\pm \in [0,1]`
weight-dependence exponents: (0, 0) additive, (1, 1) multiplicative, (0, 1) van Rossum, in
between Gütig.  NEST names: ``lambda`` = :math:`A_+`, ``alpha`` = :math:`A_-/A_+`, ``Wmax``;
:math:`\tau_-` lives on the postsynaptic neuron in NEST.

Coincident spikes (pre and post at the same time at the synapse)
-----------------------------------------------------------------
NEST's rule, followed by every backend: a spike is paired only with partner spikes strictly
earlier than itself, and the post-spike potentiation is applied before the pre-spike depression.
Brian2 runs the ``pre`` pathway before the ``post`` pathway inside a time step (pathway order
-1 / +1), so the Brian2 code below remembers the weight before the depression
(``w_before_dep``); a post spike in the same step (Brian2's ``lastupdate == t``: the pre pathway
of this step has run) undoes that depression, potentiates with the trace of the strictly earlier
pre spikes (``x - 1``), and applies the depression again with the same post trace ``y`` (not yet
incremented).  This is the code that PyNN runs (pyNN.brian2 creates the Synapses and keeps
Brian2's order).

Where this package creates the Synapses (``brian2`` backend, ``make_synapses``), the same rule
runs with the post pathway first (``post_first``, the order set by ``finalize``): the
potentiation then sees only the strictly earlier pre spikes by construction, and the pre pathway
removes a post spike of the same step from ``y`` (``lastupdate == t``: the post pathway has run).
No weight has to be remembered, so a post spike touches the same four arrays per synapse as in
Brian2's own STDP example (measured by ``make bench``).  Both orders give the same weights
(checked against each other, the closed form and NEST in the tests).  They differ in one thing
only: the weight a pre spike transmits in a step that also has a post spike.  With the post
pathway first it includes that step's potentiation (NEST's order: potentiation, depression,
then transmission); with Brian2's order (PyNN) it does not.  This matters only where the
transmitted weight drives a neuron (network protocols), not for imposed spikes.

NEST applies post-spike potentiation lazily, at the next pre spike.  The pyNN.nest runner adds one
flush pre spike 50 tau_minus after the end of the schedule so that the reported weight includes
every event; its own depression is below exp(-50) * A_minus relative (1e-23).

Parameter sets
--------------
The four named sets share the Song, Miller & Abbott (2000) amplitudes and time constants and
differ only in the weight-dependence exponents, so that their comparison isolates the weight
dependence (the references' own amplitudes for Rubin 2001, van Rossum 2000 and Gütig 2003 are not
available: ``shared/reference/parameter_sets.json`` marks them unverified).
"""
import brian2
from brian2 import ms

from .core import (Alias, Brian2Equations, Model, NestMapping, Param, ParameterSet, PlasticityError,
                   Value, time_constant, translations)
from .nestml import NestmlParam, NestmlRule
from .spinnaker import pair_like

SONG = "song_miller_abbott2000 (Song, Miller & Abbott 2000 Nat Neurosci 3:919; secondary: Brian " \
       "STDP1 example and re-implementations, reference/parameter_sets.json)"
MU_TABLE = "weight_dependence_family_nest (NEST models/stdp_synapse.h, NESTML doc/models_library/" \
           "stdp.rst table of exponents)"
DIEHL_COOK = "diehl_cook2015_code (Diehl & Cook 2015; authors' code Diehl&Cook_spiking_MNIST.py, " \
             "github.com/peter-u-diehl/stdp-mnist @ d527ca3)"
DIEHL_COOK_INIT = "diehl_cook2015_code (Diehl&Cook_MNIST_random_conn_generator.py: XeAe = 0.3 * " \
                  "(U(0, 1) + 0.01))"
W_INIT_NOTE = "protocol convention: start mid-range, w_init = w_max/2 (a modelling choice, not a " \
              "published value)"


def _common(mu_plus, mu_minus, mu_source):
    return {
        "tau_plus": Value(20.0 * ms, f"{SONG}: tau_+ = 20 ms"),
        "tau_minus": Value(20.0 * ms, f"{SONG}: tau_- = 20 ms"),
        "A_plus": Value(0.005, f"{SONG}: A_+ = 0.005 (fraction of g_max per pair)"),
        "A_minus": Value(0.00525, f"{SONG}: A_-/A_+ = 1.05, so A_- = 1.05 * 0.005"),
        "w_max": Value(0.015, f"{SONG}: g_max = 0.015 (units of leak conductance)"),
        "w_init": Value(0.0075, W_INIT_NOTE),
        "mu_plus": Value(mu_plus, mu_source),
        "mu_minus": Value(mu_minus, mu_source),
    }


PARAMETER_SETS = {
    "additive": ParameterSet(
        "additive", "Song, Miller & Abbott (2000) Nat Neurosci 3:919",
        _common(0.0, 0.0, f"{MU_TABLE}: additive (Song 2000) mu_+ = mu_- = 0"),
        verification="secondary (amplitudes), verified_multi_source (exponents)"),
    "multiplicative": ParameterSet(
        "multiplicative", "Rubin, Lee & Sompolinsky (2001) PRL 86:364 (weight dependence)",
        _common(1.0, 1.0, f"{MU_TABLE}: multiplicative (Rubin 2001) mu_+ = mu_- = 1"),
        notes="amplitudes and time constants from Song 2000 (Rubin 2001 values unverified)"),
    "van_rossum": ParameterSet(
        "van_rossum", "van Rossum, Bi & Turrigiano (2000) J Neurosci 20:8812 (weight dependence)",
        _common(0.0, 1.0, f"{MU_TABLE}: van Rossum 2000 mu_+ = 0, mu_- = 1"),
        notes="amplitudes and time constants from Song 2000 (van Rossum 2000 values unverified)"),
    "gutig": ParameterSet(
        "gutig", "Gütig, Aharonov, Rotter & Sompolinsky (2003) J Neurosci 23:3697",
        _common(0.5, 0.5, f"{MU_TABLE}: Gütig 2003 mu in [0, 1]; 0.5 is the midpoint of that "
                          "range, a modelling choice (Gütig's own mu values are unverified in the "
                          "reference data)"),
        notes="amplitudes and time constants from Song 2000; mu = 0.5 is a stated choice"),
    # the pair part of Diehl & Cook's rule (protocols digits_wta, digits_clustering)
    "diehl_cook2015": ParameterSet(
        "diehl_cook2015", "Diehl & Cook (2015) Front Comput Neurosci 9:99",
        {"tau_plus": Value(20.0 * ms, f"{DIEHL_COOK}: tc_pre_ee = 20 ms"),
         "tau_minus": Value(20.0 * ms, f"{DIEHL_COOK}: tc_post_1_ee = 20 ms"),
         "A_plus": Value(0.01, f"{DIEHL_COOK}: nu_ee_post = 0.01 (per pair, wmax_ee = 1)"),
         "A_minus": Value(1e-4, f"{DIEHL_COOK}: nu_ee_pre = 0.0001"),
         "w_max": Value(1.0, f"{DIEHL_COOK}: wmax_ee = 1.0"),
         "w_init": Value(0.153, f"{DIEHL_COOK_INIT}: mean of 0.3 (U(0, 1) + 0.01)"),
         "mu_plus": Value(0.0, f"{DIEHL_COOK}: additive, w += nu_ee_post * pre * post2, "
                               "clipped to [0, wmax]"),
         "mu_minus": Value(0.0, f"{DIEHL_COOK}: additive, w -= nu_ee_pre * post1")},
        verification="authors' code",
        notes="D&C's potentiation is also multiplied by a second postsynaptic trace "
              "(tc_post_2_ee = 40 ms, a triplet term); this set is its pair part"),
}

PARAMS = [
    time_constant("tau_plus", "decay time constant of the presynaptic trace x"),
    time_constant("tau_minus", "decay time constant of the postsynaptic trace y"),
    Param("A_plus", None, "potentiation amplitude per pair, fraction of w_max", low=0.0),
    Param("A_minus", None, "depression amplitude per pair, fraction of w_max", low=0.0),
    Param("mu_plus", None, "exponent of the potentiation weight dependence", low=0.0, high=1.0),
    Param("mu_minus", None, "exponent of the depression weight dependence", low=0.0, high=1.0),
    Param("w_max", None, "upper weight bound (lower bound is 0)", low=0.0, low_open=True,
          weight=True),
    Param("w_init", None, "initial weight, in [0, w_max]", low=0.0, weight=True),
]


def _cross_check(values, model_name):
    if values["w_init"] > values["w_max"]:
        raise PlasticityError(f"{model_name}: w_init = {values['w_init']!r} is outside the bounds "
                              f"[0, w_max = {values['w_max']!r}]")


# the weight and the per-synapse constants (also declared by the nearest-neighbour rules)
DECLARATIONS = """
{w} : {wunit}
w_max : {wunit} (constant)
A_plus : 1 (constant)
A_minus : 1 (constant)
mu_plus : 1 (constant)
mu_minus : 1 (constant)
tau_plus : second (constant)
tau_minus : second (constant)
"""
_TRACES = """dx_tr/dt = -x_tr / tau_plus : 1 (event-driven)
dy_tr/dt = -y_tr / tau_minus : 1 (event-driven)
"""

BRIAN2 = Brian2Equations(
    model=DECLARATIONS + _TRACES + "w_before_dep : {wunit}\n",
    on_pre="""
w_before_dep = {w}
wn_dep = {w}/w_max - A_minus * ({w}/w_max)**mu_minus * y_tr
{w} = w_max * wn_dep * int(wn_dep > 0)
x_tr += 1
{transmit}
""",
    on_post="""
coincident = int(lastupdate == t)
{w} = coincident * w_before_dep + (1 - coincident) * {w}
wn_pot = {w}/w_max + A_plus * (1 - {w}/w_max)**mu_plus * (x_tr - coincident)
{w} = w_max * (wn_pot * int(wn_pot < 1) + int(wn_pot >= 1))
wn_redo = {w}/w_max - A_minus * ({w}/w_max)**mu_minus * y_tr
{w} = coincident * (w_max * wn_redo * int(wn_redo > 0)) + (1 - coincident) * {w}
y_tr += 1
""",
    # lastupdate: Brian2's time of the last event of this synapse (set after every pre and post
    # pathway run); -1e9 s so that nothing counts as coincident before the first event
    initial={"x_tr": 0.0, "y_tr": 0.0, "lastupdate": -1e9 * brian2.second},
    efficacy="{w}",
    literal=("mu_plus", "mu_minus"),
    post_first=(DECLARATIONS + _TRACES, """
wn_dep = {w}/w_max - A_minus * ({w}/w_max)**mu_minus * (y_tr - int(lastupdate == t))
{w} = w_max * wn_dep * int(wn_dep > 0)
x_tr += 1
{transmit}
""", """
wn_pot = {w}/w_max + A_plus * (1 - {w}/w_max)**mu_plus * x_tr
{w} = w_max * (wn_pot * int(wn_pot < 1) + int(wn_pot >= 1))
y_tr += 1
"""),
)


def flush_gap(values) -> float:
    """Gap (ms) after the schedule for NEST's flush pre spike: 50 tau_minus."""
    return 50.0 * float(values["tau_minus"] / ms)


def _nest_check(p):
    if p["A_plus"] == 0 and p["A_minus"] != 0:
        raise PlasticityError("stdp_pair on pynn.nest: A_plus = 0 with A_minus > 0 cannot be "
                              "expressed with NEST's lambda/alpha (alpha = A_minus/A_plus)")


# NESTML (models/nestml.py): the rule as NEST's stdp_synapse states it, built by the package and
# checked against stdp_synapse itself on the same spike trains (tests/test_nestml.py): a test of
# the NESTML route against an independent implementation.  Not used for runs (the native model
# is).  Traces stay in the synapse (see NestmlRule.synaptic_state); at a post spike coincident
# with the pre spike the depression excludes it (NEST's rule), by hand.
NESTML = NestmlRule(
    name="stdp_pair_nestml_synapse",
    params=[NestmlParam("tau_plus", "tau_plus", "ms", guard="> 0 ms"),
            NestmlParam("tau_minus", "tau_minus", "ms", guard="> 0 ms"),
            NestmlParam("A_plus", "A_plus"), NestmlParam("A_minus", "A_minus"),
            NestmlParam("mu_plus", "mu_plus"), NestmlParam("mu_minus", "mu_minus"),
            NestmlParam("Wmax", "w_max", guard="> 0")],
    state="""w real = 1.
x_tr real = 0.
y_tr real = 0.
y_before real = 0.
t_lastpost ms = -1e9 ms""",
    equations="""x_tr' = -x_tr / tau_plus
y_tr' = -y_tr / tau_minus""",
    on_post="""w = Wmax * min(1., w / Wmax + A_plus * (1 - w / Wmax)**mu_plus * x_tr)
y_before = y_tr
t_lastpost = t
y_tr += 1""",
    on_pre="""y_used real = y_tr
if abs(t_lastpost + d - t) < 0.5 * resolution():
    y_used = y_before
w = Wmax * max(0., w / Wmax - A_minus * (w / Wmax)**mu_minus * y_used)
x_tr += 1
emit_spike(w)""",
    synaptic_state=("x_tr", "y_tr", "y_before", "t_lastpost"))

NEST_NESTML = NestMapping(
    synapse_model=NESTML.synapse_model,
    table=translations(
        ("weight", "weight", 1000.0),
        ("w_max", "Wmax", 1000.0),
        ("tau_plus", "tau_plus"),
        ("tau_minus", "tau_minus"),
        ("A_plus", "A_plus"),
        ("A_minus", "A_minus"),
        ("mu_plus", "mu_plus"),
        ("mu_minus", "mu_minus"),
    ),
    flush_gap=flush_gap,
    note="NESTML",
    nestml=NESTML,
)

NEST = NestMapping(
    synapse_model="stdp_synapse",
    table=translations(
        ("weight", "weight", 1000.0),           # PyNN nA/uS -> NEST pA/nS
        ("w_max", "Wmax", 1000.0),
        ("tau_plus", "tau_plus"),
        ("A_plus", "lambda"),
        ("A_minus", "alpha",
         lambda p: p["A_minus"] / p["A_plus"] if p["A_plus"] else 0.0,
         lambda p: p["alpha"] * p["lambda"]),
        ("mu_plus", "mu_plus"),
        ("mu_minus", "mu_minus"),
    ),
    post_cell_params=("tau_minus",),
    check=_nest_check,
    flush_gap=flush_gap,
    variant=NEST_NESTML,                # (checks only: runs use stdp_synapse)
    use_variant=lambda values: False,
)

# PyNN's weight-dependence names (AdditiveWeightDependence, MultiplicativeWeightDependence,
# GutigWeightDependence take w_min, w_max): the rule's lower bound is 0
PYNN_ALIASES = {"w_min": Alias(only=0.0, why="the rule's lower weight bound is 0")}

MODEL = Model(
    aliases=PYNN_ALIASES,
    spinnaker=lambda values: pair_like("stdp_pair", values, "SpikePairRule"),
    name="stdp_pair",
    family="stdp",
    title="All-to-all pair STDP with weight dependence (NEST stdp_synapse)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="additive",
    weight_unit=None,
    plastic=True,
    brian2=BRIAN2,
    nest=NEST,
    recorded=("w",),
    coincidence_rule="pairs only with strictly earlier partner spikes; at equal times the "
                     "post-spike potentiation is applied before the pre-spike depression (NEST)",
    cross_check=_cross_check,
)
