r"""Rate-based Hebbian rules: Hebb with decay, Oja, BCM, delta (Widrow–Hoff).

Rate neurons are Brian2 ``NeuronGroup``\ s: inputs :math:`x_i(t)` (a ``TimedArray``, one value
per step), linear outputs :math:`y_j = \sum_i w_{ij} x_i` (a summed variable); the weights are
clock-driven ``Synapses`` variables integrated by Euler's method at the step :math:`dt`, so one
step is the discrete update :math:`w \leftarrow w + \eta\, dt\, (\dots)` with learning rate
:math:`\epsilon = \eta\, dt` per sample.

The rules
---------
* ``rate_hebb`` — Hebb with decay: :math:`\dot w = \eta\, x\, y - \lambda w`.
  Averaged over inputs with covariance :math:`C`: :math:`\dot w = (\eta C - \lambda) w`; the
  weight vector grows along the leading eigenvector at rate :math:`\eta\lambda_1 - \lambda`
  (decays if negative): plain Hebb has no stable non-zero fixed point.
* ``rate_oja`` — Oja (1982): :math:`\dot w = \eta\, y\, (x - y\, w)`.  For zero-mean inputs
  :math:`w` converges to the unit-norm leading eigenvector of :math:`C` (up to sign).
* ``rate_bcm`` — Bienenstock, Cooper & Munro (1982) with the sliding threshold of Intrator &
  Cooper (1992): :math:`\dot w = \eta\, x\, y\, (y - \theta)`,
  :math:`\tau_\theta \dot\theta = y^2/y_0 - \theta` (so :math:`\theta \to \langle y^2\rangle /
  y_0`).  With several input patterns the neuron becomes selective to one of them.
* ``rate_delta`` — delta rule (Widrow & Hoff 1960): :math:`\dot w = \eta\, (t - y)\, x` with a
  target signal :math:`t`; it converges to the least-squares solution.

Symbols: :math:`\eta` learning rate (1/s), :math:`\lambda` decay rate (1/s), :math:`y_0` BCM
target activity, :math:`\tau_\theta` threshold time constant, :math:`\theta_0` its initial value.
Rates are dimensionless (arbitrary units; Hz where a protocol says so).

Backends: Brian2 only.  PyNN has no rate neurons, so every PyNN backend raises an error.

Parameter sets: no published values exist for these generic rules; each ``demo`` set is a
demonstration choice whose every number states why it was chosen (stability and convergence
conditions derived from the rule; see the sources).
"""
from __future__ import annotations

from brian2 import second

from .core import Brian2Equations, Model, Param, ParameterSet, Value
from .spinnaker import refuse

DEMO = "demonstration value (no published value exists for this generic rule)"


PARAMS = {
    "rate_hebb": [
        Param("eta", 1 / second, "learning rate (1/s)", low=0.0),
        Param("lam", 1 / second, "weight decay rate (1/s)", low=0.0),
        Param("w_init", None, "initial weight"),
    ],
    "rate_oja": [
        Param("eta", 1 / second, "learning rate (1/s)", low=0.0),
        Param("w_init", None, "initial weight"),
    ],
    "rate_bcm": [
        Param("eta", 1 / second, "learning rate (1/s)", low=0.0),
        Param("y0", None, "target activity: theta -> <y^2>/y0", low=0.0, low_open=True),
        Param("tau_theta", second, "time constant of the sliding threshold", low=0.0,
              low_open=True),
        Param("theta_init", None, "initial threshold", low=0.0),
        Param("w_init", None, "initial weight"),
    ],
    "rate_delta": [
        Param("eta", 1 / second, "learning rate (1/s)", low=0.0),
        Param("w_init", None, "initial weight"),
    ],
}

SETS = {
    "rate_hebb": {"eta": (1.0 / second, f"{DEMO}: eta dt = 1e-3 per 1 ms sample"),
                  "lam": (1.0 / second, f"{DEMO}: lam = eta, so growth rate eta*lambda_1 - lam "
                                         "is positive for lambda_1 > 1 and negative below"),
                  "w_init": (0.1, f"{DEMO}: small initial weight")},
    "rate_oja": {"eta": (1.0 / second, f"{DEMO}: eta dt = 1e-3 per 1 ms sample: stationary "
                                        "angle error sqrt(eta dt lambda1 lambda2 / (2 (lambda1 - "
                                        "lambda2))) ~ 2 % for the demo covariance"),
                 "w_init": (0.1, f"{DEMO}: small initial weight")},
    "rate_bcm": {"eta": (1e-7 / second, f"{DEMO}: Dudek-Bear with w = 1 changes w by about "
                                         "900 eta f (f - theta) (+22 % at 50 Hz)"),
                 "y0": (10.0, f"{DEMO}: theta would settle at <y^2>/y0"),
                 "tau_theta": (1e6 * second, f"{DEMO}: the threshold slides over hours to days "
                                             "(monocular deprivation); frozen during a 15-min "
                                             "induction, as the BCM account of Dudek & Bear "
                                             "assumes"),
                 "theta_init": (10.0, f"{DEMO}: theta = y0 (history at 10 Hz-equivalent "
                                      "activity): crossover at f = theta/w = 10 Hz"),
                 "w_init": (1.0, f"{DEMO}: unit weight (Dudek-Bear: y = f)")},
    "rate_delta": {"eta": (1.0 / second, f"{DEMO}: eta dt = 1e-3 per 1 ms sample; LMS "
                                          "misadjustment ~ eta dt sigma^2 / 2"),
                   "w_init": (0.0, f"{DEMO}: start at zero")},
}

SYN_EQS = {
    "rate_hebb": "dw/dt = eta * x_pre * y_post - lam * w : 1 (clock-driven)",
    "rate_oja": "dw/dt = eta * y_post * (x_pre - y_post * w) : 1 (clock-driven)",
    "rate_bcm": "dw/dt = eta * x_pre * y_post * (y_post - theta_post) : 1 (clock-driven)",
    "rate_delta": "dw/dt = eta * (target_post - y_post) * x_pre : 1 (clock-driven)",
}
POST_EQS = {
    "rate_bcm": "dtheta/dt = (y**2 / y0 - theta) / tau_theta : 1\ny0 : 1 (constant)\n"
                "tau_theta : second (constant)\n",
}
TITLES = {"rate_hebb": "Hebb with decay (rate neurons)", "rate_oja": "Oja's rule (rate neurons)",
          "rate_bcm": "BCM with sliding threshold (rate neurons)",
          "rate_delta": "Delta rule / Widrow-Hoff (rate neurons)"}
PAPERS = {"rate_hebb": "Hebb (1949); e.g. Dayan & Abbott (2001) Theoretical Neuroscience ch. 8",
          "rate_oja": "Oja (1982) J Math Biol 15:267",
          "rate_bcm": "Bienenstock, Cooper & Munro (1982) J Neurosci 2:32; Intrator & Cooper "
                      "(1992) Neural Netw 5:3",
          "rate_delta": "Widrow & Hoff (1960) IRE WESCON Conv Rec 4:96"}


SELECTIVITY = {
    "eta": (1.0 / second, f"{DEMO}: eta dt (K y0)^2 = 4e-3 per 1 ms sample for K = 2 patterns"),
    "y0": (1.0, f"{DEMO}: selective fixed point y = K y0 = 2 for the preferred pattern"),
    "tau_theta": (0.05 * second, f"{DEMO}: threshold 5x faster than the weights (time scale "
                                 "1/(eta (K y0)^2) = 0.25 s), as BCM stability requires"),
    "theta_init": (1.0, f"{DEMO}: theta = y0"),
    "w_init": (0.5, f"{DEMO}: unbiased start (the demo adds a 20 % random perturbation)"),
}


def _model(name):
    sets = {"demo": ParameterSet("demo", PAPERS[name],
                                 {k: Value(v, src) for k, (v, src) in SETS[name].items()},
                                 verification="demonstration values")}
    if name == "rate_bcm":
        sets = {"dudek_bear": ParameterSet("dudek_bear", PAPERS[name], sets["demo"].values,
                                           verification="demonstration values"),
                "selectivity": ParameterSet("selectivity", PAPERS[name],
                                            {k: Value(v, s) for k, (v, s) in SELECTIVITY.items()},
                                            verification="demonstration values")}
    return Model(
        spinnaker=refuse(f"{name} cannot run on SpiNNaker: it is a rate-neuron rule and "
                         "SpiNNaker runs spiking neurons", "stdp_pair (spiking)"),
        name=name, family="rate", title=TITLES[name], doc=__doc__, params=PARAMS[name],
        parameter_sets=sets, default_set=next(iter(sets)), weight_unit=None, plastic=True,
        brian2=Brian2Equations(model=SYN_EQS[name], on_pre=None, on_post=None),
        nest=None, coincidence_rule="rate rule: no spikes",
        backends=("brian2",),
        no_nest_reason="PyNN has no rate neurons")


MODELS = tuple(_model(n) for n in ("rate_hebb", "rate_oja", "rate_bcm", "rate_delta"))
