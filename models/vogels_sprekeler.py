r"""Inhibitory plasticity of Vogels, Sprekeler, Zenke, Clopath & Gerstner (2011); NEST
``vogels_sprekeler_synapse`` semantics.

The rule
--------
Pre and post traces :math:`x, y` (+1 per spike, both decaying with :math:`\tau`):

* at a post spike: :math:`w \leftarrow \min(w + \eta\, x,\; w_{max})`  (near-coincident pre
  spikes potentiate, in either order: the rule is symmetric);
* at a pre spike: :math:`w \leftarrow \min(w + \eta\, y,\; w_{max})`, then
  :math:`w \leftarrow \max(w - \alpha\eta,\; 0)` (a constant depression per pre spike).

For uncorrelated pre and post Poisson firing at rates :math:`\rho_{pre}, \rho_{post}` the mean
drift is :math:`\eta \rho_{pre}(2\tau\rho_{post} - \alpha)`: it vanishes at the target rate
:math:`\rho_0 = \alpha / (2\tau)`.  Inhibition onto a neuron firing above :math:`\rho_0`
grows, below it shrinks.

Symbols: :math:`\eta` learning rate (weight units), :math:`\alpha` depression per pre spike
(trace units), :math:`\tau` trace time constant, :math:`w` the inhibitory weight (positive: a
conductance scale; NEST also accepts negative weights with a negative ``Wmax``, not used here).
In NEST the post trace lives on the neuron (``tau_minus``, set to :math:`\tau` by our synapse
type).

Coincident spikes: NEST's order — the post spike's potentiation (with the pre trace without the
coincident pre spike) comes first, then the pre spike's potentiation (post trace without the
coincident post spike), then its depression; each clip is applied where NEST applies it.  Brian2
runs the pre pathway first, so the post pathway undoes the pre update and redoes it in NEST's
order when both are in the same step (``w_saved``, ``y_used``).

Parameter sets: ``single_cell`` from the authors' single-cell code (ModelDB 143751,
``inhib_plasticity.m``: traces += eta, w += post - alpha eta at a pre spike, w += pre at a post
spike, alpha = 0.25, so :math:`\rho_0` = 6.25 Hz; that code has no upper bound); ``nest_defaults``
(NEST's defaults, :math:`\rho_0` = 3 Hz).
"""
import brian2
from brian2 import ms

from . import stdp_pair
from .core import (Alias, Brian2Equations, Model, NestMapping, Param, ParameterSet,
                   PlasticityError, Value, parse_quantity, time_constant, translations)
from .spinnaker import SpinnakerRule, ms_of

SC = "vogels2011_single_cell_modeldb (ModelDB 143751 inhib_plasticity.m)"
ND = "vogels2011_nest_defaults (NEST models/vogels_sprekeler_synapse.h)"

PARAMETER_SETS = {
    "single_cell": ParameterSet(
        "single_cell", "Vogels et al. (2011) Science 334:1569, single-cell simulation",
        {
            "tau": Value(20.0 * ms, f"{SC}: tauPlasticity = 20 ms"),
            "eta": Value(0.001, f"{SC}: eta = 0.001"),
            "alpha": Value(0.25, f"{SC}: alpha = 0.25*eta, i.e. alpha = 0.25 in trace units"),
            "w_max": Value(1e6, f"{SC}: no upper bound in the code (only w >= 0); 1e6 stands for "
                                "none (never reached)"),
            "w_init": Value(0.1, f"{SC}: initial_inh_weight = 0.1 (Synapse(801:1000) = 0.1)"),
        },
        verification="verified_single_source"),
    "nest_defaults": ParameterSet(
        "nest_defaults", "Vogels et al. (2011) Science 334:1569 (NEST defaults)",
        {
            "tau": Value(20.0 * ms, f"{ND}: tau = 20 ms"),
            "eta": Value(0.001, f"{ND}: eta = 0.001"),
            "alpha": Value(0.12, f"{ND}: alpha = 0.12 (2 tau rho0 for rho0 = 3 Hz)"),
            "w_max": Value(1.0, f"{ND}: Wmax = 1.0"),
            "w_init": Value(0.5, f"{ND}: weight = 0.5"),
        },
        verification="verified_single_source"),
}

PARAMS = [
    time_constant("tau", "time constant of the pre and post traces"),
    Param("eta", None, "learning rate (weight units)", low=0.0, weight=True),
    Param("alpha", None, "depression per pre spike, trace units (rho0 = alpha / (2 tau))",
          low=0.0),
    Param("w_max", None, "upper weight bound (lower bound 0)", low=0.0, low_open=True,
          weight=True),
    Param("w_init", None, "initial weight, in [0, w_max]", low=0.0, weight=True),
]


BRIAN2 = Brian2Equations(
    model="""
{w} : {wunit}
tau : second (constant)
eta : {wunit} (constant)
alpha : 1 (constant)
w_max : {wunit} (constant)
dx_tr/dt = -x_tr / tau : 1 (event-driven)
dy_tr/dt = -y_tr / tau : 1 (event-driven)
t_lastpre : second
w_saved : {wunit}
y_used : 1
""",
    on_pre="""
w_saved = {w}
y_used = y_tr
{w} = clip({w} + eta * y_tr, 0 * w_max, w_max)
{w} = clip({w} - alpha * eta, 0 * w_max, w_max)
x_tr += 1
t_lastpre = t
{transmit}
""",
    on_post="""
coincident = int(t_lastpre == t)
{w} = coincident * w_saved + (1 - coincident) * {w}
{w} = clip({w} + eta * (x_tr - coincident), 0 * w_max, w_max)
w_redo = clip(clip({w} + eta * y_used, 0 * w_max, w_max) - alpha * eta, 0 * w_max, w_max)
{w} = coincident * w_redo + (1 - coincident) * {w}
y_tr += 1
""",
    initial={"x_tr": 0.0, "y_tr": 0.0, "t_lastpre": -1e9 * brian2.second, "y_used": 0.0},
    efficacy="{w}",
)


def flush_gap(values) -> float:
    """NEST applies post-spike potentiation at the next pre spike: a flush pre spike 50 tau
    after the schedule; the runner sets alpha = 0 just before it (``flush_zero``), so the flush
    spike itself only adds eta * y, with y < exp(-50)."""
    return 50.0 * float(values["tau"] / ms)


NEST = NestMapping(
    synapse_model="vogels_sprekeler_synapse",
    table=translations(
        ("weight", "weight", 1000.0),           # PyNN nA/uS -> NEST pA/nS
        ("w_max", "Wmax", 1000.0),
        ("eta", "eta", 1000.0),
        ("alpha", "alpha"),
        ("tau", "tau"),
    ),
    post_cell_params=(("tau", "tau_minus"),),
    flush_gap=flush_gap,
    flush_zero=("alpha",),
)


def _spinnaker(values):
    """sPyNNaker's Vogels2011Rule + additive weight dependence on the inhibitory receptor."""
    eta = float(values["eta"])
    return SpinnakerRule(
        "Vogels2011Rule", {"alpha": float(values["alpha"]), "tau": ms_of(values, "tau"),
                           "A_plus": eta, "A_minus": eta},
        "AdditiveWeightDependence", {"w_min": 0.0, "w_max": float(values["w_max"])},
        receptor="inhibitory")


def _alpha_of_rho(values, rho):
    """PyNN's Vogels2011Rule ``rho`` (the target rate, Hz: a plain number, "3 Hz" or a
    quantity) -> alpha = 2 tau rho0 (the docstring's drift)."""
    if isinstance(rho, str):
        rho = parse_quantity(rho, "parameter 'rho'")
    if isinstance(rho, brian2.Quantity) and not brian2.get_dimensions(rho) is \
            brian2.get_dimensions(brian2.Hz):
        raise PlasticityError(f"vogels_sprekeler: 'rho' is a rate (Hz), got {rho!r}")
    if isinstance(rho, bool) or not isinstance(rho, (int, float, brian2.Quantity)):
        raise PlasticityError(f"vogels_sprekeler: 'rho' must be a number (Hz), got {rho!r}")
    return 2.0 * float(values["tau"] / brian2.second) * float(rho)


MODEL = Model(
    # PyNN's Vogels2011Rule(tau, eta, rho): the target rate rho0 (Hz) is alpha / (2 tau)
    aliases={"rho": Alias("alpha", convert=_alpha_of_rho,
                          why="PyNN's Vogels2011Rule target rate in Hz")},
    spinnaker=_spinnaker,
    name="vogels_sprekeler",
    family="inhibitory",
    title="Inhibitory STDP, Vogels et al. 2011 (NEST vogels_sprekeler_synapse)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="single_cell",
    weight_unit=None,
    plastic=True,
    brian2=BRIAN2,
    nest=NEST,
    recorded=("w",),
    coincidence_rule="post-spike potentiation first (pre trace without the coincident pre), then "
                     "the pre spike's potentiation (post trace without the coincident post) and "
                     "depression (NEST)",
    cross_check=stdp_pair.MODEL.cross_check,     # w_init within [0, w_max]
)
