r"""Power-law STDP of Morrison, Aertsen & Diesmann (2007) (NEST ``stdp_pl_synapse_hom``).

The rule
--------
All-to-all traces as in :mod:`plasticity.models.stdp_pair`: :math:`x` (pre, :math:`\tau_+`) and :math:`y`
(post, :math:`\tau_-`), each jumping by 1 at its own spikes.  With the reference weight
:math:`w_0 = 1` pA,

.. math::

    t = t^{post}:\quad w \leftarrow w + \lambda\, w_0^{1-\mu}\, w^{\mu}\, x(t)

    t = t^{pre}:\quad w \leftarrow \max\left(0,\; w - \lambda\, \alpha\, w\, y(t)\right)

Potentiation grows as a power :math:`\mu` of the weight, depression is multiplicative; there is
no upper bound.  Symbols: :math:`\lambda` learning rate, :math:`\alpha` depression/potentiation
asymmetry, :math:`\mu` potentiation exponent, :math:`w` in pA (a PyNN user's weight is in nA).
NEST writes :math:`\lambda w^\mu` with :math:`w` in pA, i.e. :math:`w_0 = 1` pA, and keeps
:math:`\lambda, \alpha, \mu, \tau_+` common to all synapses of a model (``_hom``):
pyNN.nest sets them on a copy of the synapse model, so one projection has one parameter set.

Coincident spikes: as ``stdp_pair`` (NEST): partners strictly earlier; at equal times the
post-spike potentiation is applied before the pre-spike depression.  NEST applies potentiation
lazily at the next pre spike; the runner adds a flush pre spike 50 tau_- after the schedule.

Parameter set ``nest_defaults``: NEST's defaults for ``stdp_pl_synapse_hom`` (reference
``morrison2007_power_law_nest_defaults``; the paper's own values were not read).
"""
from brian2 import ms, pA, second

from .core import (Brian2Equations, Model, NestMapping, Param, ParameterSet, Value,
                   time_constant, translations)
from .spinnaker import refuse
from . import stdp_pair

REF = ("reference/parameter_sets.json morrison2007_power_law_nest_defaults (NEST "
       "models/stdp_pl_synapse_hom.cpp defaults; Morrison, Aertsen & Diesmann 2007 Neural Comput "
       "19:1437 values not read)")

PARAMETER_SETS = {
    "nest_defaults": ParameterSet(
        "nest_defaults", "Morrison, Aertsen & Diesmann (2007) Neural Comput 19:1437 (NEST defaults)",
        {
            "tau_plus": Value(20.0 * ms, f"{REF}: tau_plus = 20 ms"),
            "tau_minus": Value(20.0 * ms, "NEST nestkernel/archiving_node.cpp default tau_minus = "
                                          "20 ms (the neuron-side trace; not in the reference "
                                          "file)"),
            "lam": Value(0.1, f"{REF}: lambda = 0.1"),
            "alpha": Value(1.0, f"{REF}: alpha = 1.0"),
            "mu": Value(0.4, f"{REF}: mu = 0.4"),
            "w_init": Value(1.0 * pA, "NEST stdp_pl_synapse_hom default weight = 1.0 pA "
                                      "(models/stdp_pl_synapse_hom.h constructor)"),
        },
        verification="verified_single_source (NEST defaults)"),
}

PARAMS = [
    time_constant("tau_plus", "decay time constant of the presynaptic trace x"),
    time_constant("tau_minus", "decay time constant of the postsynaptic trace y"),
    Param("lam", None, "learning rate lambda", low=0.0),
    Param("alpha", None, "depression asymmetry alpha", low=0.0),
    Param("mu", None, "potentiation exponent mu", low=0.0, high=1.0),
    Param("w_init", pA, "initial weight", low=0.0, weight=True),
]

BRIAN2 = Brian2Equations(
    model="""
{w} : {wunit}
lam : 1 (constant)
alpha : 1 (constant)
mu : 1 (constant)
tau_plus : second (constant)
tau_minus : second (constant)
dx_tr/dt = -x_tr / tau_plus : 1 (event-driven)
dy_tr/dt = -y_tr / tau_minus : 1 (event-driven)
t_lastpre : second
w_before_dep : {wunit}
y_used : 1
""",
    on_pre="""
w_before_dep = {w}
y_used = y_tr
w_dep = {w} - lam * alpha * {w} * y_tr
{w} = w_dep * int(w_dep > 0 * {w})
x_tr += 1
t_lastpre = t
{transmit}
""",
    on_post="""
coincident = int(t_lastpre == t)
{w} = coincident * w_before_dep + (1 - coincident) * {w}
{w} = {w} + lam * ({w} / pA)**mu * pA * (x_tr - coincident)
w_redo = {w} - lam * alpha * {w} * y_used
{w} = coincident * (w_redo * int(w_redo > 0 * {w})) + (1 - coincident) * {w}
y_tr += 1
""",
    initial={"x_tr": 0.0, "y_tr": 0.0, "t_lastpre": -1e9 * second, "y_used": 0.0},
)


NEST = NestMapping(
    synapse_model="stdp_pl_synapse_hom",
    table=translations(
        ("weight", "weight", 1000.0),           # PyNN nA -> NEST pA (w0 = 1 pA)
        ("tau_plus", "tau_plus"),
        ("lam", "lambda"),
        ("alpha", "alpha"),
        ("mu", "mu"),
    ),
    post_cell_params=("tau_minus",),
    flush_gap=stdp_pair.flush_gap,
    common=("tau_plus", "lambda", "alpha", "mu"),      # stdp_pl_synapse_hom's common properties
)

MODEL = Model(
    spinnaker=refuse("stdp_power_law cannot run on SpiNNaker: sPyNNaker 7.4.1 has no power-law "
                     "weight dependence", "stdp_pair with parameter set 'multiplicative'"),
    name="stdp_power_law",
    family="stdp",
    title="Power-law STDP, Morrison et al. 2007 (NEST stdp_pl_synapse_hom)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="nest_defaults",
    weight_unit=pA,
    plastic=True,
    brian2=BRIAN2,
    nest=NEST,
    recorded=("w",),
    coincidence_rule="pairs only with strictly earlier partner spikes; at equal times the "
                     "post-spike potentiation is applied before the pre-spike depression (NEST)",
)
