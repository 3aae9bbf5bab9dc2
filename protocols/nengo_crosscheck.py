"""The package's rate rules against Nengo's own ``nengo.Oja`` and ``nengo.BCM`` on the same inputs.

Provenance: Nengo 4 (Bekolay et al. 2014, Front Neuroinform 7:48) implements Oja's rule and BCM
as learning rules on neuron-to-neuron connections (nengo/builder/learning_rules.py,
``SimOja``, ``SimBCM``).  Both run here on the same input samples as the package's
``rate_oja`` and ``rate_bcm`` (brian2, :func:`plasticity.protocols.run.rate.simulate_rates`).

The mapping, written down (dt the step, 1 ms):

* Nengo's ``learning_rate`` kappa multiplies dt (``alpha = learning_rate * dt``), as the
  package's eta (1/s) does: kappa = eta.
* Oja: Nengo ``delta = kappa dt (a_post a_pre - beta a_post^2 w)``; package
  ``dw/dt = eta y (x - y w)`` (Euler): beta = 1.
* BCM: Nengo ``delta = kappa dt a_post (a_post - theta) a_pre`` with theta the low-pass
  (``theta_synapse``, default 1 s) of a_post, starting at 0; the package's theta follows
  ``tau_theta dtheta/dt = y^2/y0 - theta`` from ``theta_init`` (Intrator & Cooper).  The two
  thresholds are different functions of the activity (<y> against <y^2>/y0), so the comparison
  holds the threshold still: package ``theta_init = 0``, ``tau_theta = 1e12 s``; Nengo
  ``theta_synapse = Lowpass(1e12 s)`` (theta stays below 1e-12 y).  Then both are
  ``dw = eta dt x y^2``.
* Filters: Nengo's ``pre_synapse`` and ``post_synapse`` are None (the activities themselves,
  as the package's rate neurons use); the connection's synapse is None (y = W x in the step).
* Neurons: a linear Nengo neuron type (rate = input current, negative allowed), gain 1, bias 0,
  so a_pre = x(t) and a_post = W x(t), the package's rate neurons.
* Timing: Nengo applies the delta computed in step k at the start of step k + 1, and its
  weight probe in step k shows the weights before that step's delta; the package's weight
  after step k is Nengo's probe at step k + 1.  The comparison aligns them so.

Both integrate the same Euler map, so the trajectories agree to rounding.  Tolerance: each step's
update is about ten floating-point operations on numbers of order 1 (relative rounding 1.1e-16
each), so two implementations that order them differently differ by at most ~1e-15 per step;
the map is contracting (Oja) or grows by less than 2x over the run (BCM, held threshold), so the
differences add at most linearly: 1e-15 per step (2e-11 for Oja's 20 000 steps).

Inputs: Oja, zero-mean Gaussian inputs with the covariance of plasticity.protocols.rate_demos
(20 s); BCM, uniform [0, 0.5) inputs (2 s; with the threshold held at 0 the rule grows
without bound, dw/dt = eta x y^2, and 2 s stays far from that).  Seed option ``seed``.
"""
from __future__ import annotations

import numpy as np

from plasticity.models.core import PlasticityError

from .base import Option, Protocol, Report, key_number
from .run.common import RunResult
from .run.rate import simulate_rates
from .schedule import Condition, Schedule

NAME = "nengo_crosscheck"
DT_MS = 1.0
ROUNDING_PER_STEP = 1e-15
SECONDS = {"rate_oja": 20.0, "rate_bcm": 2.0}
FROZEN = 1e12          # s: the held threshold's time constant on both sides


def _nengo():
    try:
        import nengo
    except ImportError:
        raise PlasticityError(f"{NAME} needs Nengo: pip install nengo") from None
    return nengo


def _linear_neurons(nengo):
    class Linear(nengo.neurons.RectifiedLinear):
        """Rate = input current (negative allowed): the package's rate neuron."""
        negative = True

        def step(self, dt, J, rates):
            rates[...] = J
    return Linear()


def nengo_weights(rule_name, x, w0, eta, dt_s, seed=0, beta=1.0):
    """Nengo's weight trajectory (n_steps + 1, n_in): row k = the weights after k steps."""
    nengo = _nengo()
    n, n_in = x.shape
    if rule_name == "rate_oja":
        rule = nengo.Oja(learning_rate=eta, pre_synapse=None, post_synapse=None, beta=beta)
    else:
        rule = nengo.BCM(learning_rate=eta, pre_synapse=None, post_synapse=None,
                         theta_synapse=nengo.Lowpass(FROZEN))
    neurons = _linear_neurons(nengo)
    with nengo.Network(seed=seed) as net:
        inp = nengo.Node(lambda t: x[min(int(round(t / dt_s)) - 1, n - 1)], size_out=n_in)
        pre = nengo.Ensemble(n_in, 1, neuron_type=neurons, gain=np.ones(n_in),
                             bias=np.zeros(n_in))
        post = nengo.Ensemble(1, 1, neuron_type=neurons, gain=np.ones(1), bias=np.zeros(1))
        nengo.Connection(inp, pre.neurons, synapse=None)
        conn = nengo.Connection(pre.neurons, post.neurons, transform=np.asarray(w0)[None, :],
                                synapse=None, learning_rule_type=rule)
        probe = nengo.Probe(conn, "weights")
    with nengo.Simulator(net, dt=dt_s, progress_bar=False) as sim:
        sim.run_steps(n + 1)
    return np.asarray(sim.data[probe])[:, 0, :]      # probe k+1 = after k steps


def inputs_for(model_name, seed):
    rng = np.random.default_rng(seed)
    n = int(round(SECONDS[model_name] * 1000.0 / DT_MS))
    if model_name == "rate_oja":
        from .rate_demos import covariance
        C = covariance(seed)
        return rng.multivariate_normal(np.zeros(len(C)), C, size=n), rng.normal(0, 0.3, len(C))
    return rng.uniform(0.0, 0.5, size=(n, 3)), 0.5 + 0.1 * rng.normal(size=3)


def build(model, values, options, schedule_file=None):
    if model.name not in SECONDS:
        raise PlasticityError(f"{NAME} applies to rate_oja and rate_bcm (Nengo has no "
                              f"{model.name})")
    return Schedule(NAME, SECONDS[model.name] * 1000.0,
                    [Condition("same inputs", np.zeros(0), np.zeros(0))], dt_ms=DT_MS,
                    meta={"seed": int(options["seed"])}).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    import time
    if backend != "brian2":
        raise PlasticityError(f"{NAME} runs on backend brian2 (rate rules have no PyNN form)")
    from brian2 import second
    t0 = time.perf_counter()
    seed = schedule.meta["seed"]
    values = dict(values)
    if model.name == "rate_bcm":           # the held threshold (see the module doc)
        values["theta_init"] = 0.0
        values["tau_theta"] = FROZEN * second
    x, w0 = inputs_for(model.name, seed)
    eta = float(values["eta"] * second)
    out = simulate_rates(model, values, x, DT_MS, w0=w0, record_every=1)
    # w_t row k: the weights after k steps (recorded at the start of step k); then the final
    pkg = np.vstack([np.asarray(out["w_t"]), np.asarray(out["w"])[0]])
    ngo = nengo_weights(model.name, x, w0, eta, DT_MS / 1000.0, seed)
    diff = np.abs(pkg - ngo)
    every = max(1, len(x) // 400)
    t_ms = np.arange(len(pkg)) * DT_MS
    extra = {"max_abs_difference": float(diff.max()),
             "max_rel_difference": float((diff / np.maximum(np.abs(ngo), 1e-300)).max()),
             "tolerance": ROUNDING_PER_STEP * len(x), "steps": int(len(x)),
             "nengo_version": _nengo().__version__,
             "t_s": [float(t) / 1000.0 for t in t_ms[::every]],
             "n_weights": int(pkg.shape[1]),
             "mapping": "kappa = eta, beta = 1 (Oja); BCM threshold held at 0 on both"}
    for k in range(pkg.shape[1]):          # (annotations hold flat lists)
        extra[f"w_package_{k}"] = [float(v) for v in pkg[::every, k]]
        extra[f"w_nengo_{k}"] = [float(v) for v in ngo[::every, k]]
    import brian2
    return RunResult(model=model, set_name=set_name, values=values, backend="brian2",
                     schedule=schedule, w_initial=np.array([float(np.linalg.norm(w0))]),
                     w_final=np.array([float(np.linalg.norm(pkg[-1]))]),
                     signal_times_ms=t_ms[::every], signals={"w": np.linalg.norm(pkg[::every], axis=1)[:, None]},
                     signal_semantics="|w| of the package's weights after each recorded step",
                     simulator_versions={"brian2": brian2.__version__,
                                         "nengo": _nengo().__version__},
                     wall_time_s=time.perf_counter() - t0, extra=extra)


def key_numbers(m, s, per_backend):
    c = per_backend["brian2"]["conditions"][0]
    return [key_number(NAME, m, s, "brian2", "max |w_package - w_nengo| over the run",
                       float(c["max_abs_difference"]), 0.0, float(c["tolerance"]),
                       note=f"{int(c['steps'])} steps; {c['mapping']}")]


REPORT = Report(group_figure="nengo", group_title="The package's rate rules against Nengo's",
                key_numbers=key_numbers, backend_difference=False)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Oja and BCM against Nengo's own rules, same inputs",
    doc=__doc__,
    families=("rate",),
    options=[Option("seed", 1, "random seed of the inputs and the initial weights", int, 0)],
    build=build,
    measure=lambda result: [result.extra],
    simulate=simulate,
)
