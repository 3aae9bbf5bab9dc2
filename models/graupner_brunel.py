r"""Calcium-based bistable synapse of Graupner & Brunel (2012).

The rule
--------
A calcium variable :math:`c` (dimensionless, in units of the depression threshold's scale)
jumps at every spike and decays with :math:`\tau_{Ca}`:

.. math::

    c(t) = \sum_i C_{pre}\, e^{-(t - t_i - D)/\tau_{Ca}}\,\Theta(t - t_i - D)
         + \sum_j C_{post}\, e^{-(t - t_j)/\tau_{Ca}}\,\Theta(t - t_j)

(:math:`t_i` pre spikes, delayed by :math:`D`; :math:`t_j` post spikes).  The efficacy state
:math:`\rho` obeys

.. math::

    \tau \frac{d\rho}{dt} = -\rho(1-\rho)(\rho_\star - \rho)
        + \gamma_p (1-\rho)\,\Theta[c - \theta_p] - \gamma_d\, \rho\, \Theta[c - \theta_d]
        + \sigma \sqrt{\tau}\, \sqrt{\Theta[c - \theta_d] + \Theta[c - \theta_p]}\; \eta(t)

with :math:`\eta` Gaussian white noise (the noise term as corrected in the PNAS erratum,
doi 10.1073/pnas.1220044110).  Without calcium :math:`\rho` relaxes to one of two stable states,
DOWN (:math:`\rho = 0`) or UP (:math:`\rho = 1`), separated by :math:`\rho_\star`.

Symbols: :math:`\tau_{Ca}` calcium decay time, :math:`C_{pre}, C_{post}` calcium amplitudes,
:math:`D` delay of the presynaptic calcium transient, :math:`\theta_d, \theta_p` depression and
potentiation thresholds, :math:`\gamma_d, \gamma_p` depression and potentiation rates,
:math:`\tau` time constant of :math:`\rho`, :math:`\rho_\star` boundary of the basins of
attraction, :math:`\sigma` noise amplitude.

Synaptic strength read-out (the paper's): a synapse is UP after the protocol if
:math:`\rho > \rho_\star`.  A population with a fraction :math:`\beta` of UP synapses before the
protocol, of which a fraction :math:`P_{UD}` goes DOWN, while :math:`P_{DU}` of the DOWN ones go
UP, changes its strength by the ratio (UP synapses are :math:`b` times stronger than DOWN ones)

.. math::

    \frac{w_{after}}{w_{before}} = \frac{[\beta(1-P_{UD}) + (1-\beta)P_{DU}]\, b
        + \beta P_{UD} + (1-\beta)(1-P_{DU})}{\beta b + 1 - \beta}.

Protocols run ``synapses`` independent synapses starting DOWN and as many starting UP per
condition (default 100 each with noise, 1 each with ``sigma = 0``) and report the ratio as
``dw_percent`` with its standard error (binomial errors of :math:`P_{UD}`, :math:`P_{DU}`
propagated), plus both transition probabilities.

Backends and numerics
---------------------
Brian2: :math:`c` jumps at the events and decays by the exact factor
:math:`e^{-dt/\tau_{Ca}}` once per step (no integration error).  :math:`\rho` is integrated
by the Euler–Maruyama method (Brian2's choice: the noise amplitude does not depend on
:math:`\rho`) at the simulation step
(0.1 ms), *after* the step's spikes were applied and with :math:`c` held at its value at the
start of the step: the step that starts at a calcium jump already sees it, and threshold
crossings are resolved to one step.  The presynaptic calcium pathway is a Brian2 synaptic
pathway with delay :math:`D`; Brian2 delays are whole steps, so :math:`D` is rounded to 0.1 ms
(e.g. 4.6098 ms becomes 4.6 ms).  Thresholds are strict (:math:`c > \theta`): a single calcium
jump equal to the threshold does not cross it (authors' code: time above threshold
:math:`\tau_{Ca}\ln(C/\theta)`, zero there).  ``w`` of the Brian2 synapse *is*
:math:`\rho`; the synapse transmits :math:`\rho` times the weight unit.

pyNN.brian2 runs the same equations; PyNN cannot express the extra pathway, the update order
or the per-step decay, so call ``plasticity.models.pynn_types.finalize_projection(projection,
"graupner_brunel")`` after building a Projection (the protocol runner does; a user's
``synapse_type`` does it before each ``sim.run``).  NEST has no model of this rule: pynn.nest
runs a NESTML rule built by the package (``NESTML`` below, models/nestml.py) that replays the
Brian2 steps between events; with sigma = 0 it equals brian2 to rounding, with noise
statistically (tests/test_nestml.py).

Coincident spikes: calcium transients add; the rule has no spike-pairing term, so order within a
time step does not matter.

Parameter sets
--------------
The nine sets of the authors' code (``mgraupe/CalciumBasedPlasticityModel``,
``synapticChange.py choseParameterSet()``), copied from ``shared/reference/parameter_sets.json``
with their sources: six STDP-curve types (``DP``, ``DPD``, ``DPDprime``, ``P``, ``D``,
``Dprime``) and three data fits (``hippocampal_slices``, ``hippocampal_cultures``,
``cortical_slices``).
"""
from __future__ import annotations

import math

import numpy as np
from brian2 import ms, second

from .core import (Brian2Equations, Model, NestMapping, Param, ParameterSet, Readout, Value,
                   time_constant, translations)
from .nestml import NestmlParam, NestmlRule
from .spinnaker import refuse

PAPER = ("Graupner & Brunel (2012) PNAS 109:3991 (noise term: erratum doi "
         "10.1073/pnas.1220044110)")
SOURCE = ("shared/reference/parameter_sets.json graupner2012_{name}: mgraupe/"
          "CalciumBasedPlasticityModel synapticChange.py choseParameterSet() (authors' code)")
# reference name -> our parameter name, unit
_NAMES = {"tauCa": ("tau_Ca", second), "Cpre": ("Cpre", 1), "Cpost": ("Cpost", 1),
          "thetaD": ("theta_d", 1), "thetaP": ("theta_p", 1), "gammaD": ("gamma_d", 1),
          "gammaP": ("gamma_p", 1), "sigma": ("sigma", 1), "tau": ("tau", second),
          "rhoStar": ("rho_star", 1), "D": ("D", second), "beta": ("beta", 1), "b": ("b", 1)}
# the values, copied from the reference (units: tauCa, tau, D in seconds; others dimensionless)
_TABLE = {
    "DP": dict(tauCa=0.02, Cpre=1.0, Cpost=2.0, thetaD=1.0, thetaP=1.3, gammaD=200.0,
               gammaP=321.808, sigma=2.8284, tau=150.0, rhoStar=0.5, D=0.0137, beta=0.5, b=5.0),
    "DPD": dict(tauCa=0.02, Cpre=0.9, Cpost=0.9, thetaD=1.0, thetaP=1.3, gammaD=250.0,
                gammaP=550.0, sigma=2.8284, tau=150.0, rhoStar=0.5, D=0.0046, beta=0.5, b=5.0),
    "DPDprime": dict(tauCa=0.02, Cpre=1.0, Cpost=2.0, thetaD=1.0, thetaP=2.5, gammaD=50.0,
                     gammaP=600.0, sigma=2.8284, tau=150.0, rhoStar=0.5, D=0.0022, beta=0.5,
                     b=5.0),
    "P": dict(tauCa=0.02, Cpre=2.0, Cpost=2.0, thetaD=1.0, thetaP=1.3, gammaD=160.0,
              gammaP=257.447, sigma=2.8284, tau=150.0, rhoStar=0.5, D=0.0, beta=0.5, b=5.0),
    "D": dict(tauCa=0.02, Cpre=0.6, Cpost=0.6, thetaD=1.0, thetaP=1.3, gammaD=500.0,
              gammaP=550.0, sigma=5.6568, tau=150.0, rhoStar=0.5, D=0.0, beta=0.5, b=5.0),
    "Dprime": dict(tauCa=0.02, Cpre=1.0, Cpost=2.0, thetaD=1.0, thetaP=3.5, gammaD=60.0,
                   gammaP=600.0, sigma=2.8284, tau=150.0, rhoStar=0.5, D=0.0, beta=0.5, b=5.0),
    "hippocampal_slices": dict(tauCa=0.0488373, Cpre=1.0, Cpost=0.275865, thetaD=1.0,
                               thetaP=1.3, gammaD=313.0965, gammaP=1645.59, sigma=9.1844,
                               tau=688.355, rhoStar=0.5, D=0.0188008, beta=0.7, b=5.28145),
    "hippocampal_cultures": dict(tauCa=0.0119536, Cpre=0.58156, Cpost=1.76444, thetaD=1.0,
                                 thetaP=1.3, gammaD=61.141, gammaP=113.6545, sigma=2.5654,
                                 tau=33.7596, rhoStar=0.5, D=0.01, beta=0.5, b=36.0263),
    "cortical_slices": dict(tauCa=0.0226936, Cpre=0.5617539, Cpost=1.23964, thetaD=1.0,
                            thetaP=1.3, gammaD=331.909, gammaP=725.085, sigma=3.3501,
                            tau=346.3615, rhoStar=0.5, D=0.0046098, beta=0.5, b=5.40988),
}
_VERIFICATION = {"DP": "verified_multi_source (authors' code, Brian2 example, NEURON mod file)"}
_NOTES = {
    "hippocampal_slices": "used by the authors' Graupner2012PNAS_Fig3.py (Wittenberg & Wang 2006 "
                          "data; mapping inferred from the protocol)",
    "hippocampal_cultures": "name suggests cultured-hippocampus data (Bi & Poo / Wang 2005); "
                            "mapping unverified",
    "cortical_slices": "used by the authors' Graupner2012PNAS_Fig4B.py: pairs at 1-50 Hz, 75 "
                       "pairs (Sjöström 2001 data)",
}
CURVE_SETS = ("DP", "DPD", "DPDprime", "P", "D", "Dprime")
W_INIT_SOURCE = ("definition, not a fitted number: rho = 1 is the model's UP state (protocols "
                 "start synapses at rho = 0 and rho = 1 and read out with beta, b)")


def _make_set(name):
    vals = {}
    for ref_name, value in _TABLE[name].items():
        ours, unit = _NAMES[ref_name]
        vals[ours] = Value(value * unit if unit is second else value,
                           f"{SOURCE.format(name=name)}: {ref_name} = {value}"
                           + (" s" if unit is second else ""))
    vals["w_init"] = Value(1.0, W_INIT_SOURCE)
    return ParameterSet(name, PAPER, vals, notes=_NOTES.get(name, ""),
                        verification=_VERIFICATION.get(name, "verified_single_source "
                                                                "(authors' code)"))


PARAMETER_SETS = {name: _make_set(name) for name in _TABLE}

PARAMS = [
    time_constant("tau_Ca", "calcium decay time constant"),
    Param("Cpre", None, "calcium jump per presynaptic spike", low=0.0),
    Param("Cpost", None, "calcium jump per postsynaptic spike", low=0.0),
    Param("theta_d", None, "depression threshold", low=0.0, low_open=True),
    Param("theta_p", None, "potentiation threshold", low=0.0, low_open=True),
    Param("gamma_d", None, "depression rate", low=0.0),
    Param("gamma_p", None, "potentiation rate", low=0.0),
    Param("sigma", None, "noise amplitude (0: deterministic rule)", low=0.0),
    time_constant("tau", "time constant of the efficacy rho"),
    Param("rho_star", None, "boundary between the DOWN and UP basins", low=0.0, high=1.0,
          low_open=True, high_open=True),
    Param("D", ms, "delay of the presynaptic calcium transient", low=0.0),
    Param("beta", None, "fraction of synapses UP before the protocol (read-out)", low=0.0,
          high=1.0),
    Param("b", None, "UP/DOWN strength ratio (read-out)", low=0.0, low_open=True),
    Param("w_init", None, "initial efficacy state rho of a synapse", low=-0.5, high=1.5),
]


def _derived(values):
    return {"w_unit": 1.0}


BRIAN2 = Brian2Equations(
    model="""
w_unit : {wunit} (constant)
tau_Ca : second (constant)
Cpre : 1 (constant)
Cpost : 1 (constant)
theta_d : 1 (constant)
theta_p : 1 (constant)
gamma_d : 1 (constant)
gamma_p : 1 (constant)
sigma : 1 (constant)
tau : second (constant)
rho_star : 1 (constant)
D : second (constant)
beta : 1 (constant)
b : 1 (constant)
ca : 1
rho = {w} / w_unit : 1
above_d = int(ca > theta_d) : 1
above_p = int(ca > theta_p) : 1
d{w}/dt = w_unit * (-rho * (1 - rho) * (rho_star - rho) + gamma_p * (1 - rho) * above_p - gamma_d * rho * above_d) / tau + w_unit * sigma * sqrt(above_d + above_p) * xi / sqrt(tau) : {wunit} (clock-driven)
""",
    on_pre="""
{transmit}
""",
    on_post="""
ca += Cpost
""",
    initial={"ca": 0.0},
    efficacy="{w}",
    pathways={"pre_calcium": ("ca += Cpre", "D")},
    update_after_synapses=True,
    # exact decay over each step, after rho's update: rho sees the calcium at the step start
    per_step="ca = ca * exp(-dt / tau_Ca)",
)


# NESTML (models/nestml.py).  NEST updates a synapse only at its spikes, so the rule replays
# the Brian2 time steps between two events inside the event (a loop over the steps): at each
# step the delayed presynaptic calcium jumps due then, rho's Euler-Maruyama step with the
# calcium held at its value after the step's jumps, then the exact calcium decay -- the Brian2
# order (update_after_synapses, per_step).  Presynaptic calcium jumps wait in a queue of
# QUEUE steps (a pre spike more often than every D / QUEUE ms would overflow it: counted in
# q_lost, and the runner refuses the result).  No ODE block: NESTML 9.0.0's numeric (GSL) solver
# would ignore per-connection parameters and cannot reproduce the thresholded per-step scheme.
# Noise: NEST's random_normal, drawn only where the noise term is non-zero (Brian2 draws every
# step; the statistics are the same, the streams differ).
QUEUE = 8
_ADVANCE = """k_{key} real = round(({T}) / resolution())
while k_next < k_{key}:
{queue_pop}    a_d = 0.
    if ca > theta_d:
        a_d = 1.
    a_p = 0.
    if ca > theta_p:
        a_p = 1.
    noise = 0.
    if sigma > 0. and a_d + a_p > 0.:
        noise = sigma * ((a_d + a_p) * resolution() / tau)**0.5 * random_normal(0., 1.)
    w = w + resolution() * (-w * (1 - w) * (rho_star - w) + gamma_p * (1 - w) * a_p - gamma_d * w * a_d) / tau + noise
    ca = ca * exp(-resolution() / tau_Ca)
    k_next += 1
"""
_POP = """    if q{i} == k_next:
        ca += Cpre
        q{i} = -1.
"""
_PUSH = "\n".join(f"{'if' if i == 0 else 'elif'} q{i} < 0.:\n    q{i} = k_pre + n_D"
                   for i in range(QUEUE)) + "\nelse:\n    q_lost += 1"


def _advance(time, key):
    return _ADVANCE.format(T=time, key=key,
                           queue_pop="".join(_POP.format(i=i) for i in range(QUEUE)))


NESTML = NestmlRule(
    name="graupner_brunel_nestml_synapse",
    params=[NestmlParam("tau_Ca", "tau_Ca", "ms", guard="> 0 ms"),
            NestmlParam("Cpre", "Cpre"), NestmlParam("Cpost", "Cpost"),
            NestmlParam("theta_d", "theta_d"), NestmlParam("theta_p", "theta_p"),
            NestmlParam("gamma_d", "gamma_d"), NestmlParam("gamma_p", "gamma_p"),
            NestmlParam("sigma", "sigma"),
            NestmlParam("tau", "tau", "ms", guard="> 0 ms"),
            NestmlParam("rho_star", "rho_star"),
            NestmlParam("D", "D", "ms", guard=">= 0 ms")],
    state="\n".join(["w real = 0.", "ca real = 0.", "k_next real = 0.", "q_lost real = 0.",
                     "a_d real = 0.", "a_p real = 0.", "noise real = 0.",
                     *[f"q{i} real = -1." for i in range(QUEUE)]]),
    on_post=_advance("t + d", "post") + "ca += Cpost",
    on_pre=_advance("t", "pre") + """n_D real = round(D / resolution())
if n_D < 0.5:
    ca += Cpre
else:
""" + "\n".join("    " + line for line in _PUSH.splitlines()) + "\nemit_spike(w)",
    update="",
    synaptic_state=("ca", "k_next", "q_lost", "a_d", "a_p", "noise",
                    *[f"q{i}" for i in range(QUEUE)]),
    why="Brian2's per-step scheme replayed between events",
    overflow="q_lost")

NEST = NestMapping(
    synapse_model=NESTML.synapse_model,
    table=translations(
        ("weight", "weight"),                  # rho (the synapse transmits rho)
        ("tau_Ca", "tau_Ca"), ("Cpre", "Cpre"), ("Cpost", "Cpost"),
        ("theta_d", "theta_d"), ("theta_p", "theta_p"), ("gamma_d", "gamma_d"),
        ("gamma_p", "gamma_p"), ("sigma", "sigma"), ("tau", "tau"), ("rho_star", "rho_star"),
        ("D", "D"),
    ),
    flush_gap=lambda values: 0.0,           # read rho at the end of the run (one step after)
    note="NESTML",
    nestml=NESTML,
)


def _starts(values):
    return [0.0, 1.0]


def _replicas(values):
    return 1 if float(values["sigma"]) == 0.0 else 100


def _combine(values, finals: dict):
    """finals: start state -> final rho of its replicas.  Returns (ratio, sem, extra)."""
    beta, b, rs = float(values["beta"]), float(values["b"]), float(values["rho_star"])
    down, up = np.asarray(finals[0.0]), np.asarray(finals[1.0])
    p_du = float(np.mean(down > rs))
    p_ud = float(np.mean(up <= rs))
    return strength_ratio(beta, b, p_ud, p_du, up.size, down.size)


def calcium_time_above(values, pre_ms, post_ms, duration_ms, dt_ms):
    """Time (ms) the calcium of one synapse spends above theta_d and above theta_p during a
    schedule, on the simulation's grid and in its order (the Brian2 steps, see the module
    docstring): a pre spike adds Cpre at the step of t_pre + D (D rounded to the step, as Brian2's
    delays are), a post spike adds Cpost at its own step, a step counts as above a threshold when
    the calcium after its jumps is strictly above it, and the calcium then decays by
    exp(-dt / tau_Ca)."""
    from scipy.signal import lfilter
    n = int(round(duration_ms / dt_ms))
    d_steps = int(round(float(values["D"] / ms) / dt_ms))
    jumps = np.zeros(n)
    for times, amp, shift in ((pre_ms, float(values["Cpre"]), d_steps),
                              (post_ms, float(values["Cpost"]), 0)):
        k = np.round(np.asarray(times, float) / dt_ms).astype(np.int64) + shift
        np.add.at(jumps, k[(k >= 0) & (k < n)], amp)
    decay = math.exp(-dt_ms / float(values["tau_Ca"] / ms))
    # c_k = jumps_k + decay * c_{k-1}: the calcium after step k's jumps, before its decay
    c = lfilter([1.0], [1.0, -decay], jumps)
    return (float(np.count_nonzero(c > float(values["theta_d"]))) * dt_ms,
            float(np.count_nonzero(c > float(values["theta_p"]))) * dt_ms)


def transition_probabilities(values, t_above_d_ms, t_above_p_ms, duration_ms):
    """The authors' analytical approximation (Graupner & Brunel 2012, Methods and SI; the
    noise term as in the erratum): over a protocol of length T in which the calcium spends the
    fractions alpha_d and alpha_p of the time above the thresholds, rho is taken as an
    Ornstein-Uhlenbeck process (the cubic term neglected) with drift rates
    Gamma_p = gamma_p alpha_p and Gamma_d = gamma_d alpha_d:

        rho_bar   = Gamma_p / (Gamma_p + Gamma_d)
        tau_eff   = tau / (Gamma_p + Gamma_d)
        sigma_rho^2 = sigma^2 (alpha_p + alpha_d) / (Gamma_p + Gamma_d)      (= 2 x variance)

    and rho at the end is Gaussian with mean rho_bar + (rho_0 - rho_bar) exp(-T / tau_eff) and
    2 x variance sigma_rho^2 (1 - exp(-2 T / tau_eff)), so that

        P_DU = [1 + erf(-(rho_star - mean_0) / sqrt(sigma_rho^2 (1 - exp(-2T/tau_eff))))] / 2

    from rho_0 = 0, and P_UD the mirror image from rho_0 = 1.  Without noise (sigma = 0) the
    probabilities are 0 or 1 (the deterministic end state).  Returns (P_UD, P_DU, extra)."""
    T = float(duration_ms)
    a_d, a_p = t_above_d_ms / T, t_above_p_ms / T
    g_p, g_d = float(values["gamma_p"]) * a_p, float(values["gamma_d"]) * a_d
    rs, sigma = float(values["rho_star"]), float(values["sigma"])
    extra = {"alpha_d": a_d, "alpha_p": a_p}
    if g_p + g_d == 0.0:        # the calcium never crosses a threshold: nothing moves rho
        return 0.0, 0.0, extra
    rho_bar = g_p / (g_p + g_d)
    tau_eff_ms = float(values["tau"] / ms) / (g_p + g_d)
    decay = math.exp(-T / tau_eff_ms)
    mean = {0.0: rho_bar - rho_bar * decay, 1.0: rho_bar + (1.0 - rho_bar) * decay}
    spread2 = sigma ** 2 * (a_p + a_d) / (g_p + g_d) * (1.0 - math.exp(-2.0 * T / tau_eff_ms))
    if spread2 <= 0.0:
        p_du, p_ud = float(mean[0.0] > rs), float(mean[1.0] <= rs)
    else:
        s = math.sqrt(spread2)
        p_du = 0.5 * (1.0 + math.erf(-(rs - mean[0.0]) / s))
        p_ud = 0.5 * (1.0 - math.erf(-(rs - mean[1.0]) / s))
    extra.update(rho_bar=rho_bar, tau_eff_ms=tau_eff_ms)
    return p_ud, p_du, extra


def _analytic(values, pre_ms, post_ms, duration_ms, dt_ms):
    """The analytical read-out of one condition: (ratio, extra)."""
    t_d, t_p = calcium_time_above(values, pre_ms, post_ms, duration_ms, dt_ms)
    p_ud, p_du, extra = transition_probabilities(values, t_d, t_p, duration_ms)
    ratio, _, _ = strength_ratio(float(values["beta"]), float(values["b"]), p_ud, p_du)
    return ratio, {"p_up_to_down_analytic": p_ud, "p_down_to_up_analytic": p_du, **extra}


def strength_ratio(beta, b, p_ud, p_du, n_up=None, n_down=None):
    """The paper's synaptic-strength ratio and its standard error (binomial errors of the two
    transition probabilities, propagated linearly).  Returns (ratio, sem, extra dict)."""
    norm = beta * b + 1.0 - beta
    ratio = ((beta * (1 - p_ud) + (1 - beta) * p_du) * b + beta * p_ud
             + (1 - beta) * (1 - p_du)) / norm
    d_ud = beta * (1.0 - b) / norm           # d ratio / d P_UD
    d_du = (1 - beta) * (b - 1.0) / norm     # d ratio / d P_DU
    var = 0.0
    if n_up:
        var += d_ud ** 2 * p_ud * (1 - p_ud) / n_up
    if n_down:
        var += d_du ** 2 * p_du * (1 - p_du) / n_down
    return ratio, math.sqrt(var), {"p_up_to_down": p_ud, "p_down_to_up": p_du,
                                   "synapses_per_state": int(n_up or 0)}


MODEL = Model(
    spinnaker=refuse("graupner_brunel cannot run on SpiNNaker: sPyNNaker 7.4.1 exports no "
                     "calcium-based rule", "stdp_triplet (all_to_all)"),
    name="graupner_brunel",
    family="calcium",
    title="Calcium-based bistable synapse (Graupner & Brunel 2012)",
    doc=__doc__,
    params=PARAMS,
    parameter_sets=PARAMETER_SETS,
    default_set="DP",
    weight_unit=None,
    plastic=True,
    brian2=BRIAN2,
    nest=NEST,
    coincidence_rule="calcium transients add; no pairing term",
    derived=_derived,
    derived_weight=("w_unit",),
    readout=Readout(starts=_starts, replicas=_replicas, combine=_combine, analytic=_analytic,
                    doc="fraction beta UP before; UP = rho > rho_star after; strength ratio b",
                    params=("beta", "b")),
)
