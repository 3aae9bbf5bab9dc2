"""The rate-neuron runner: linear rate neurons with a rate rule of
:mod:`plasticity.models.rate` on its synapses (Brian2), and Dudek & Bear's frequency protocol
for these rules."""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import PlasticityError
from plasticity.models.rate import POST_EQS, SYN_EQS

from .common import RunResult


def simulate_rates(model, values, inputs, dt_ms=1.0, targets=None, connectivity=None,
                   n_out=1, record_every=None, w0=None):
    """Run a rate network: ``inputs`` (n_steps, n_in) is x(t) per step; ``targets``
    (n_steps, n_out) the delta rule's target; ``connectivity`` (i, j) index arrays (default all
    to all).  Returns dict with ``w`` (n_out, n_in) final, ``w_t`` (n_rec, n_syn) history,
    ``t_ms``, ``theta`` (BCM, final), ``i``, ``j``."""
    import brian2 as b2
    from brian2.devices.device import RuntimeDevice, get_device
    if model.family != "rate":
        raise PlasticityError(f"model '{model.name}' is not a rate rule")
    inputs = np.asarray(inputs, float)
    n_steps, n_in = inputs.shape
    step = dt_ms * b2.ms
    net = b2.Network()
    X = b2.TimedArray(inputs, dt=step)
    # runtime mode: numpy code generation (these networks are small and short, and Cython would
    # compile (~25 s each) code objects that run for seconds only); cpp_standalone: the device's
    if isinstance(get_device(), RuntimeDevice):
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject as cg
    else:
        cg = None
    pre = b2.NeuronGroup(n_in, "x = X(t, i) : 1", dt=step, namespace={"X": X}, codeobj_class=cg)
    post_eqs = "y : 1\n" + POST_EQS.get(model.name, "")
    ns = {}
    if model.name == "rate_delta":
        if targets is None:
            raise PlasticityError("rate_delta needs a target signal")
        T = b2.TimedArray(np.asarray(targets, float).reshape(n_steps, n_out), dt=step)
        post_eqs += "target = T(t, i) : 1\n"
        ns["T"] = T
    post = b2.NeuronGroup(n_out, post_eqs, dt=step, namespace=ns,
                          method="euler", codeobj_class=cg)
    syn_eqs = SYN_EQS[model.name] + "\ny_post = w * x_pre : 1 (summed)\n"
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
    import brian2 as b2
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
    return RunResult(model=model, set_name=set_name, values=values, backend="brian2",
                     schedule=schedule, w_initial=w0, w_final=w_final,
                     signal_times_ms=out["t_ms"], signals=signals,
                     signal_semantics="weight sampled at a regular interval",
                     simulator_versions={"brian2": b2.__version__}, wall_time_s=wall)
