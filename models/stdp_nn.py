r"""Nearest-neighbour pair STDP in the three schemes of Morrison, Diesmann & Gerstner (2008), Fig. 7.

NEST models ``stdp_nn_symm_synapse``, ``stdp_nn_pre_centered_synapse`` and
``stdp_nn_restr_synapse``; parameter names, weight dependence and parameter sets are those of
:mod:`plasticity.models.stdp_pair`.  With the normalised weight :math:`\hat w = w/w_{max}`,

.. math::

    \text{potentiation by a pair (pre } t_j \text{, post } t_i > t_j):\quad
    \hat w \leftarrow \min\left(1,\; \hat w + A_+ (1-\hat w)^{\mu_+}\, e^{-(t_i - t_j)/\tau_+}\right)

    \text{depression by a pair (post } t_i \text{, pre } t_j > t_i):\quad
    \hat w \leftarrow \max\left(0,\; \hat w - A_- \hat w^{\mu_-}\, e^{-(t_j - t_i)/\tau_-}\right)

The three schemes differ only in *which* pairs count:

``stdp_nn_symm`` (symmetric, Fig. 7A)
    every post spike pairs with the nearest earlier pre spike; every pre spike pairs with the
    nearest earlier post spike.  (Traces reset to 1 instead of accumulating.)
``stdp_nn_pre_centered`` (presynaptic-centred, Fig. 7B)
    every pre spike pairs with the nearest earlier post spike (depression) and with the nearest
    later post spike (potentiation): the first post spike after a group of pre spikes pairs with
    all of them (an accumulating pre trace, reset to 0 by a post spike); later post spikes before
    the next pre spike pair with nothing.
``stdp_nn_restr`` (restricted symmetric, Fig. 7C)
    a pair counts only if its two spikes are each other's nearest neighbours: the first post
    spike after a pre spike potentiates with it; a pre spike depresses with the nearest earlier
    post spike only if a post spike occurred since the previous pre spike.

Coincident spikes (pre and post at the same time at the synapse)
-----------------------------------------------------------------
NEST's rule, followed by every backend.  A spike pairs only with partner spikes strictly earlier
than itself, and at equal times the post spike's potentiation is applied before the pre spike's
depression.  Per scheme:

* ``stdp_nn_symm``: the coincident post spike potentiates with the pre spike before the
  coincident one (``pre = {10, 20} ms, post = {20} ms`` gives the pair 20-to-10); the
  coincident pre spike depresses with the nearest strictly earlier post spike.
* ``stdp_nn_pre_centered``: the coincident post spike potentiates with the pre spikes before
  the coincident one (if it is the first post spike since them) and resets the pre trace to 1:
  the coincident pre spike still pairs with the next post spike.
* ``stdp_nn_restr``: a post spike coincident with a pre spike is attributed to the interval
  ending at that pre spike.  If it is the only post spike in that interval it potentiates with
  the previous pre spike, and the coincident pre spike then depresses with the nearest strictly
  earlier post spike, which lies before the previous pre spike (NEST's
  ``stdp_nn_restr_synapse`` does this; strictly, Fig. 7C would not count that pair).  If another
  post spike preceded it in the interval, the coincident post spike pairs with nothing.  It is
  never paired with a later pre spike.

Before the first pre spike there is no pre partner: a post spike then pairs with nothing.  NEST's
symmetric and restricted models start ``t_lastspike`` at simulator time 0, i.e. they pair such a
post spike with a phantom pre spike at t = 0; the pyNN.nest runner starts the schedule 50 tau_+
after t = 0 so that this phantom pairing is below exp(-50) (~2e-22) relative.

NEST applies post-spike potentiation lazily at the next pre spike; the runner adds one flush pre
spike 50 tau_- after the schedule (see :mod:`plasticity.models.stdp_pair`).

Brian2: the last and the previous pre-spike times and the last post-spike time are stored per
synapse and the exponentials are evaluated at the events (exact).  As in ``stdp_pair``, the pre
pathway runs first within a time step, so a post spike in the same step undoes the depression,
potentiates with the strictly earlier pre spike(s) and applies the depression again.
"""
import brian2

from .core import Brian2Equations, Model, NestMapping
from .spinnaker import pair_like, refuse
from . import stdp_pair

_STATE = stdp_pair.DECLARATIONS + """t_lastpre : second
t_prevpre : second
t_lastpost : second
w_before_dep : {wunit}
y_used : 1
"""
_NEVER = -1e9 * brian2.second
_INITIAL = {"t_lastpre": _NEVER, "t_prevpre": _NEVER, "t_lastpost": _NEVER, "y_used": 0.0}

# shared pieces (weight dependence of stdp_pair)
_DEPRESS = """
wn_dep = {w}/w_max - A_minus * ({w}/w_max)**mu_minus * y_used
w_dep = w_max * wn_dep * int(wn_dep > 0)
"""
_POTENTIATE = """
wn_pot = {w}/w_max + A_plus * (1 - {w}/w_max)**mu_plus * x_pair
w_pot = w_max * (wn_pot * int(wn_pot < 1) + int(wn_pot >= 1))
"""

SYMM = Brian2Equations(
    model=_STATE,
    on_pre="""
w_before_dep = {w}
y_used = exp(-(t - t_lastpost) / tau_minus)
""" + _DEPRESS + """
{w} = w_dep
t_prevpre = t_lastpre
t_lastpre = t
{transmit}
""",
    on_post="""
coincident = int(t_lastpre == t)
{w} = coincident * w_before_dep + (1 - coincident) * {w}
x_pair = exp(-(t - (coincident * t_prevpre + (1 - coincident) * t_lastpre)) / tau_plus)
""" + _POTENTIATE + """
{w} = w_pot
""" + _DEPRESS + """
{w} = coincident * w_dep + (1 - coincident) * {w}
t_lastpost = t
""",
    initial=dict(_INITIAL),
)

PRE_CENTERED = Brian2Equations(
    model=_STATE + "dx_tr/dt = -x_tr / tau_plus : 1 (event-driven)\n",
    on_pre="""
w_before_dep = {w}
y_used = exp(-(t - t_lastpost) / tau_minus)
""" + _DEPRESS + """
{w} = w_dep
x_tr += 1
t_prevpre = t_lastpre
t_lastpre = t
{transmit}
""",
    on_post="""
coincident = int(t_lastpre == t)
{w} = coincident * w_before_dep + (1 - coincident) * {w}
x_pair = x_tr - coincident
""" + _POTENTIATE + """
{w} = w_pot
""" + _DEPRESS + """
{w} = coincident * w_dep + (1 - coincident) * {w}
x_tr = coincident * 1.0
t_lastpost = t
""",
    initial=dict(_INITIAL, x_tr=0.0),
)

RESTR = Brian2Equations(
    model=_STATE + "n_post_since : 1\ndep_done : 1\n",
    on_pre="""
w_before_dep = {w}
y_used = exp(-(t - t_lastpost) / tau_minus)
""" + _DEPRESS + """
dep_done = n_post_since
{w} = dep_done * w_dep + (1 - dep_done) * {w}
n_post_since = 0
t_prevpre = t_lastpre
t_lastpre = t
{transmit}
""",
    on_post="""
coincident = int(t_lastpre == t)
first = (1 - coincident) * (1 - n_post_since) + coincident * (1 - dep_done)
x_pair = exp(-(t - (coincident * t_prevpre + (1 - coincident) * t_lastpre)) / tau_plus)
""" + _POTENTIATE + """
{w} = first * w_pot + (1 - first) * {w}
late_dep = coincident * (1 - dep_done)
""" + _DEPRESS + """
{w} = late_dep * w_dep + (1 - late_dep) * {w}
n_post_since = (1 - coincident) + coincident * n_post_since
t_lastpost = t
""",
    initial=dict(_INITIAL, n_post_since=0.0, dep_done=0.0),
)


def lead_in(values) -> float:
    """Quiet time (ms) before the schedule in NEST: 50 tau_plus (phantom pre spike at t=0)."""
    return 50.0 * float(values["tau_plus"] / brian2.ms)


def _nest(synapse_model, with_lead_in):
    base = stdp_pair.NEST
    return NestMapping(synapse_model=synapse_model, table=base.table,
                       post_cell_params=base.post_cell_params, check=base.check,
                       flush_gap=base.flush_gap, lead_in=lead_in if with_lead_in else None)


def _spinnaker(name):
    """sPyNNaker's SpikeNearestPairRule is NEST's stdp_nn_symm (each spike pairs with the
    nearest earlier partner, paired before or not); the other two are refused."""
    if name == "stdp_nn_symm":
        return lambda values: pair_like(name, values, "SpikeNearestPairRule")
    return refuse(f"{name} cannot run on SpiNNaker: sPyNNaker 7.4.1's SpikeNearestPairRule "
                  "pairs every spike with the nearest earlier partner (symmetric)",
                  "stdp_nn_symm")


def _model(name, title, eqs, nest_name, with_lead_in, rule):
    return Model(
        aliases=stdp_pair.PYNN_ALIASES,
        spinnaker=_spinnaker(name),
        name=name, family="stdp", title=title, doc=__doc__, params=stdp_pair.PARAMS,
        parameter_sets=stdp_pair.PARAMETER_SETS, default_set="additive", weight_unit=None,
        plastic=True, brian2=eqs, nest=_nest(nest_name, with_lead_in), recorded=("w",),
        coincidence_rule=rule, cross_check=stdp_pair.MODEL.cross_check)


SYMM_MODEL = _model(
    "stdp_nn_symm", "Nearest-neighbour STDP, symmetric (NEST stdp_nn_symm_synapse)", SYMM,
    "stdp_nn_symm_synapse", True,
    "partners strictly earlier; a coincident post spike pairs with the pre spike before the "
    "coincident one; potentiation before depression (NEST)")
PRE_CENTERED_MODEL = _model(
    "stdp_nn_pre_centered",
    "Nearest-neighbour STDP, presynaptic-centred (NEST stdp_nn_pre_centered_synapse)",
    PRE_CENTERED, "stdp_nn_pre_centered_synapse", False,
    "partners strictly earlier; a coincident post spike pairs with the earlier pre spikes and "
    "leaves the coincident pre spike for the next post spike; potentiation first (NEST)")
RESTR_MODEL = _model(
    "stdp_nn_restr", "Nearest-neighbour STDP, restricted symmetric (NEST stdp_nn_restr_synapse)",
    RESTR, "stdp_nn_restr_synapse", True,
    "a coincident post spike belongs to the interval ending at the coincident pre spike: if it "
    "is the only post spike there it pairs with the previous pre spike and the coincident pre "
    "spike depresses with the nearest strictly earlier post spike (NEST)")

MODELS = (SYMM_MODEL, PRE_CENTERED_MODEL, RESTR_MODEL)
