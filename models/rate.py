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

import numpy as np
from brian2 import second

from .core import Brian2Equations, Model, Param, ParameterSet, PlasticityError, Value

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

_SYN = {
    "rate_hebb": "dw/dt = eta * x_pre * y_post - lam * w : 1 (clock-driven)",
    "rate_oja": "dw/dt = eta * y_post * (x_pre - y_post * w) : 1 (clock-driven)",
    "rate_bcm": "dw/dt = eta * x_pre * y_post * (y_post - theta_post) : 1 (clock-driven)",
    "rate_delta": "dw/dt = eta * (target_post - y_post) * x_pre : 1 (clock-driven)",
}
_POST = {
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
        name=name, family="rate", title=TITLES[name], doc=__doc__, params=PARAMS[name],
        parameter_sets=sets, default_set=next(iter(sets)), weight_unit=None, plastic=True,
        brian2=Brian2Equations(model=_SYN[name], on_pre=None, on_post=None),
        nest=None, coincidence_rule="rate rule: no spikes",
        backends=("brian2",),
        no_nest_reason="PyNN has no rate neurons")


MODELS = tuple(_model(n) for n in ("rate_hebb", "rate_oja", "rate_bcm", "rate_delta"))


def simulate_rates(model, values, inputs, dt_ms=1.0, targets=None, connectivity=None,
                   n_out=1, record_every=None, w0=None):
    """Run a rate network: ``inputs`` (n_steps, n_in) is x(t) per step; ``targets``
    (n_steps, n_out) the delta rule's target; ``connectivity`` (i, j) index arrays (default all
    to all).  Returns dict with ``w`` (n_out, n_in) final, ``w_t`` (n_rec, n_syn) history,
    ``t_ms``, ``theta`` (BCM, final), ``i``, ``j``."""
    import brian2 as b2
    if model.family != "rate":
        raise PlasticityError(f"model '{model.name}' is not a rate rule")
    inputs = np.asarray(inputs, float)
    n_steps, n_in = inputs.shape
    step = dt_ms * b2.ms
    net = b2.Network()
    X = b2.TimedArray(inputs, dt=step)
    # runtime mode: numpy code generation (these networks are small and short, and Cython would
    # compile (~25 s each) code objects that run for seconds only); cpp_standalone: the device's
    from brian2.devices.device import RuntimeDevice, get_device
    if isinstance(get_device(), RuntimeDevice):
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject as cg
    else:
        cg = None
    pre = b2.NeuronGroup(n_in, "x = X(t, i) : 1", dt=step, namespace={"X": X}, codeobj_class=cg)
    post_eqs = "y : 1\n" + _POST.get(model.name, "")
    ns = {}
    if model.name == "rate_delta":
        if targets is None:
            raise PlasticityError("rate_delta needs a target signal")
        T = b2.TimedArray(np.asarray(targets, float).reshape(n_steps, n_out), dt=step)
        post_eqs += "target = T(t, i) : 1\n"
        ns["T"] = T
    post = b2.NeuronGroup(n_out, post_eqs, dt=step, namespace=ns,
                          method="euler", codeobj_class=cg)
    syn_eqs = _SYN[model.name] + "\ny_post = w * x_pre : 1 (summed)\n"
    consts = [p.name for p in model.params if p.name not in ("w_init", "y0", "tau_theta",
                                                              "theta_init")]
    syn_eqs += "".join(f"{c} : {'1/second' if c in ('eta', 'lam') else '1'} (constant)\n"
                       for c in consts)
    syn = b2.Synapses(pre, post, syn_eqs, dt=step, method="euler", namespace={"X": X, **ns},
                      codeobj_class=cg)
    if connectivity is None:
        syn.connect()
    else:
        syn.connect(i=np.asarray(connectivity[0]), j=np.asarray(connectivity[1]))
    for c in consts:
        setattr(syn, c, values[c])
    if model.name == "rate_bcm":
        post.y0 = values["y0"]
        post.tau_theta = values["tau_theta"]
        post.theta = values["theta_init"]
    if w0 is None:
        syn.w = values["w_init"]
    else:
        syn.w = np.asarray(w0, float)
    net.add(pre, post, syn)
    mon = None
    if record_every:
        n_syn = n_in * n_out if connectivity is None else len(connectivity[0])
        mon = b2.StateMonitor(syn, "w", record=np.arange(n_syn), dt=record_every * step,
                              codeobj_class=cg)
        net.add(mon)
    net.run(n_steps * step, namespace={})
    i, j = np.asarray(syn.i[:]), np.asarray(syn.j[:])
    w = np.zeros((n_out, n_in))
    w[j, i] = np.asarray(syn.w[:])
    out = {"w": w, "i": i, "j": j, "theta": np.asarray(post.theta[:]) if
           model.name == "rate_bcm" else None}
    if mon is not None:
        out["w_t"] = np.asarray(mon.w).T
        out["t_ms"] = np.asarray(mon.t / b2.ms)
    return out


def run_frequency_protocol(model, set_name, values, schedule, backend):
    """Dudek & Bear for a rate rule: each condition is one input at rate f (Hz) for the
    duration of its pulse train (pulses / f), onto its own linear output neuron (y = w f)."""
    import time

    import brian2 as b2
    from plasticity.protocols.engine import RunResult
    model.check_backend(backend)
    if model.name == "rate_delta":
        raise PlasticityError("dudek_bear_1992: rate_delta needs a target signal; the protocol "
                              "has none (use rate_hebb, rate_oja or rate_bcm)")
    dt_ms = 10.0          # rates are constant for seconds: 10 ms Euler steps
    n_steps = int(np.ceil(schedule.duration_ms / dt_ms))
    n = len(schedule.conditions)
    x = np.zeros((n_steps, n))
    for k, c in enumerate(schedule.conditions):
        f = c.variables["freq_hz"]
        stop = int(round((c.pre[-1] - c.pre[0] + 1000.0 / f) / dt_ms))
        start = int(round(c.pre[0] / dt_ms))
        x[start:start + stop, k] = f
    t0 = time.perf_counter()
    rec_every = max(1, n_steps // 2000)
    out = simulate_rates(model, values, x, dt_ms, connectivity=(np.arange(n), np.arange(n)),
                         n_out=n, record_every=rec_every)
    wall = time.perf_counter() - t0
    order = np.argsort(out["j"])
    w_final = np.asarray(out["w"][np.arange(n), np.arange(n)])
    w0 = np.full(n, float(values["w_init"]))
    signals = {"w": out["w_t"][:, order]}
    return RunResult(model, set_name, values, "brian2", schedule, w0, w_final,
                     out["t_ms"], signals, {}, "weight sampled at a regular interval",
                     {"brian2": b2.__version__}, wall, 1)
