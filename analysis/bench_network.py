"""One run of the benchmark network in this process; prints one JSON line (``make bench``).

Network (issue 6): Song-2000-style, ``N_IN = 1000`` Poisson inputs at 15 Hz onto ``n_out``
conductance-based leaky integrate-and-fire neurons (the neuron of Brian2's STDP example, which
implements Song 2000; see ``_neuron``), all-to-all plastic synapses with ``stdp_pair`` ``additive``
(Song 2000's amplitudes and time constants), 10 s simulated.  Initial weights uniform on
[0, w_max] from one numpy seed.

Implementations (``--impl``):

* through this package: ``pkg.brian2`` (``plasticity.models.brian2_api.make_synapses``, Brian2 runtime,
  Cython), ``pkg.brian2.standalone`` (the same code under ``cpp_standalone``),
  ``pkg.pynn.brian2`` and ``pkg.pynn.nest`` (``plasticity.models.pynn_types.synapse_type`` on PyNN's
  ``IF_cond_exp``);
* baselines written here: ``plain.brian2`` / ``plain.brian2.standalone`` (Brian2's own STDP
  example, ``examples/synapses/STDP.py``: constants in the namespace, two event-driven traces,
  ``clip``), ``plain.nest`` (PyNEST: ``poisson_generator`` -> ``parrot_neuron`` ->
  ``stdp_synapse`` -> ``iaf_cond_exp``).

The rule is the same everywhere except at exactly coincident pre and post spikes: the
package follows NEST (pairs only with strictly earlier partners), the Brian2 example pairs a post
spike with a pre spike of the same step.  The baselines transmit the weight after the pre-spike
update, as NEST and the package do (Brian2's example transmits before it).  Conductances: Song's are in units of the leak
conductance; NEST and PyNN get g_L = C_m / tau_m = 10 nS (C_m = 100 pF), weights w * g_L.
(E_inh and tau_inh only fill PyNN's and NEST's required parameters: nothing is inhibitory.)
NEST integrates the neuron with its own solver (GSL), Brian2 with Euler: spike trains are
not identical across engines, so events are counted in every run.

Phases timed: ``build_s`` (create and connect), ``run_s`` (the call that simulates 10 s; for
standalone the simulation loop inside the binary), ``teardown_s``.  Standalone also reports
``compile_s`` (make) and ``binary_s`` (the whole binary: construction + simulation).
Plastic synaptic events = pre spikes x n_out + post spikes x 1000 (every synapse of a spiking
neuron is updated).  ``peak_rss_bytes``: the larger of this process and the standalone binary
(``getrusage``; the compiler does not count).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time

import numpy as np
from plasticity.models import get_model
from plasticity.models.brian2_api import make_synapses
from plasticity.models.core import magnitude
from plasticity.models.pynn_types import poisson_inputs, synapse_type

N_IN = 1000
RATE_HZ = 15.0
DT_MS = 0.1
G_LEAK_NS = 10.0           # NEST / PyNN: g_L = C_m / tau_m, C_m = 100 pF, tau_m = 10 ms
IMPLS = ("pkg.brian2", "pkg.brian2.standalone", "pkg.pynn.brian2", "pkg.pynn.nest",
         "plain.brian2", "plain.brian2.standalone", "plain.nest")


def _neuron():
    """The neuron of Brian2's STDP example (examples/synapses/STDP.py, Song, Miller & Abbott
    2000): taum = 10 ms, El = -74 mV, vt = -54 mV, vr = -60 mV, Ee = 0 mV, taue = 5 ms.  (This
    package's song_2000 protocol uses Song's tau_m = 20 ms, V_rest = -70 mV and 200 inhibitory
    inputs; without them the all-excitatory network fires at over 100 Hz.)"""
    return dict(tau_m_ms=10.0, V_rest_mV=-74.0, V_th_mV=-54.0, V_reset_mV=-60.0, E_exc_mV=0.0,
                tau_exc_ms=5.0, E_inh_mV=-80.0, tau_inh_ms=5.0)


def _rule():
    """stdp_pair additive as plain numbers (what a hand-written script would type)."""
    import brian2 as b2
    v = get_model("stdp_pair").resolve("additive", {})
    return dict(tau_plus_ms=float(v["tau_plus"] / b2.ms), tau_minus_ms=float(v["tau_minus"] / b2.ms),
                A_plus=float(v["A_plus"]), A_minus=float(v["A_minus"]),
                w_max=float(magnitude(v["w_max"], None)))


def _w0(n_out, w_max, seed):
    """Initial weights, (N_IN, n_out), the same in every implementation."""
    return np.random.default_rng(seed).uniform(0.0, w_max, (N_IN, n_out))


def _peak_rss(binary_kb=0):
    """Peak RSS in bytes: this process, or the standalone binary if larger (measured by a
    wrapper around ./main: the compiler's children must not count)."""
    self_ = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(max(self_, binary_kb) * 1024)      # Linux: kilobytes

# runs ./main and writes its peak RSS (kB) to main_rss_kb.txt in the project directory
_RSS_WRAPPER = ("import resource, subprocess, sys; r = subprocess.run(['./main']); "
                "open('main_rss_kb.txt', 'w').write(str(resource.getrusage("
                "resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(r.returncode)")


# ----------------------------------------------------------------------------------------------
# Brian2
# ----------------------------------------------------------------------------------------------
def _brian2_setup(standalone, build_dir, threads=1):
    import brian2 as b2
    b2.prefs.codegen.target = "cython"
    if os.environ.get("PLASTICITY_BENCH_CYTHON_CACHE"):      # make bench: cold / warm runs
        b2.prefs.codegen.runtime.cython.cache_dir = os.environ["PLASTICITY_BENCH_CYTHON_CACHE"]
    if standalone:
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        # OpenMP threads of the binary (0: Brian2's code without OpenMP pragmas, for 1 thread)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", _RSS_WRAPPER]
    return b2


def _brian2_neurons(b2, n_out, dt):
    p = _neuron()
    eqs = """
dv/dt = (V_rest - v + ge * (E_exc - v)) / tau_m : volt
dge/dt = -ge / tau_exc : 1
"""
    ns = dict(V_rest=p["V_rest_mV"] * b2.mV, E_exc=p["E_exc_mV"] * b2.mV,
              tau_m=p["tau_m_ms"] * b2.ms, tau_exc=p["tau_exc_ms"] * b2.ms,
              V_th=p["V_th_mV"] * b2.mV, V_reset=p["V_reset_mV"] * b2.mV)
    post = b2.NeuronGroup(n_out, eqs, threshold="v > V_th", reset="v = V_reset",
                          method="euler", dt=dt, namespace=ns)
    post.v = p["V_rest_mV"] * b2.mV
    return post


def _input_trains(seed, duration_s):
    """Poisson spike trains of the N_IN inputs drawn here (numpy, ``seed``) on the dt grid, at
    most one spike per step: (indices, step numbers), for a network that is deterministic once
    its input is given (``--input generator``: the OpenMP identity check)."""
    rng = np.random.default_rng(seed + 1000)
    steps = int(round(duration_s * 1000.0 / DT_MS))
    spikes = rng.random((steps, N_IN)) < RATE_HZ * DT_MS * 1e-3
    step, idx = np.nonzero(spikes)
    return idx, step


def run_brian2(impl, n_out, seed, duration_s, build_dir, threads=1, inputs_kind="poisson"):
    standalone = impl.endswith(".standalone")
    if threads > 1 and not standalone:
        raise SystemExit(f"bench_network: --threads {threads} needs a cpp_standalone impl "
                         f"(Brian2's runtime mode runs on one thread)")
    scratch = None
    if standalone and build_dir is None:          # a project folder of its own, removed after
        import tempfile
        scratch = build_dir = tempfile.mkdtemp(prefix="plasticity-bench-standalone-")
    try:
        return _run_brian2(impl, n_out, seed, duration_s, build_dir, threads, inputs_kind,
                           standalone)
    finally:
        if scratch:
            import shutil
            shutil.rmtree(scratch, ignore_errors=True)


def _run_brian2(impl, n_out, seed, duration_s, build_dir, threads, inputs_kind, standalone):
    b2 = _brian2_setup(standalone, build_dir, threads)
    r = _rule()
    w0 = _w0(n_out, r["w_max"], seed)
    t0 = time.perf_counter()
    b2.seed(seed)
    dt = DT_MS * b2.ms
    b2.defaultclock.dt = dt
    if inputs_kind == "generator":
        idx, step = _input_trains(seed, duration_s)
        inputs = b2.SpikeGeneratorGroup(N_IN, idx, step * dt, dt=dt)
    else:
        inputs = b2.PoissonGroup(N_IN, RATE_HZ * b2.Hz, dt=dt)
    post = _brian2_neurons(b2, n_out, dt)
    if impl.startswith("pkg."):
        syn = make_synapses("stdp_pair", inputs, post, params="additive",
                            transmit="ge_post += w", connect={}, shared=True)
    else:
        # Brian2's STDP example (examples/synapses/STDP.py), with stdp_pair additive's numbers;
        # the pre spike transmits the updated weight (NEST's order, which the package follows;
        # the example transmits first), so that both run the same network
        ns = dict(taupre=r["tau_plus_ms"] * b2.ms, taupost=r["tau_minus_ms"] * b2.ms,
                  gmax=r["w_max"], dApre=r["A_plus"] * r["w_max"],
                  dApost=-r["A_minus"] * r["w_max"])
        syn = b2.Synapses(inputs, post, """w : 1
                          dApre/dt = -Apre / taupre : 1 (event-driven)
                          dApost/dt = -Apost / taupost : 1 (event-driven)""",
                          on_pre="""Apre += dApre
                          w = clip(w + Apost, 0, gmax)
                          ge_post += w""",
                          on_post="""Apost += dApost
                          w = clip(w + Apre, 0, gmax)""", namespace=ns, dt=dt)
        syn.connect()
    # connect() orders synapses by (i, j): row-major, like w0
    syn.w = w0.ravel()
    m_in = b2.SpikeMonitor(inputs, record=False)
    m_out = b2.SpikeMonitor(post, record=False)
    net = b2.Network(inputs, post, syn, m_in, m_out)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(duration_s * b2.second)
    run_s = time.perf_counter() - t0
    out = {"synapses": int(N_IN * n_out)}
    if standalone:
        t0 = time.perf_counter()
        b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
        total = time.perf_counter() - t0
        timers = b2.device.timers
        out.update(compile_s=float(timers["compile"]["make"] or 0.0),
                   binary_s=float(timers["run_binary"]),
                   codegen_s=float(total - (timers["compile"]["make"] or 0.0)
                                   - timers["run_binary"] + run_s),
                   run_s=float(b2.device._last_run_time))
        out["build_s"] = float(out["binary_s"] - out["run_s"])   # construction in the binary
        with open(os.path.join(build_dir, "main_rss_kb.txt")) as f:
            out["binary_rss_kb"] = int(f.read())
    else:
        out.update(build_s=build_s, run_s=run_s)
    pre_n, post_n = int(m_in.num_spikes), int(m_out.num_spikes)
    # the final weights, for the OpenMP identity check (bitwise: a hash of the float64 values)
    import hashlib
    w_final = np.asarray(syn.w[:], dtype=np.float64)
    out["w_sha1"] = hashlib.sha1(w_final.tobytes()).hexdigest()
    out["w_mean"] = float(w_final.mean())
    t0 = time.perf_counter()
    del net, syn, inputs, post, m_in, m_out
    if standalone:
        b2.device.reinit()
    gc.collect()
    out["teardown_s"] = time.perf_counter() - t0
    out.update(pre_spikes=pre_n, post_spikes=post_n)
    return out


# ----------------------------------------------------------------------------------------------
# NEST (plain PyNEST) and PyNN
# ----------------------------------------------------------------------------------------------
def _nest_neuron_params():
    p = _neuron()
    return {"C_m": G_LEAK_NS * p["tau_m_ms"], "g_L": G_LEAK_NS, "E_L": p["V_rest_mV"],
            "V_th": p["V_th_mV"], "V_reset": p["V_reset_mV"], "t_ref": 0.0,
            "E_ex": p["E_exc_mV"], "E_in": p["E_inh_mV"], "tau_syn_ex": p["tau_exc_ms"],
            "tau_syn_in": p["tau_inh_ms"], "V_m": p["V_rest_mV"], "I_e": 0.0}


def run_plain_nest(n_out, seed, duration_s, threads):
    import nest
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    r = _rule()
    w0 = _w0(n_out, r["w_max"], seed) * G_LEAK_NS
    t0 = time.perf_counter()
    nest.SetKernelStatus({"resolution": DT_MS, "local_num_threads": threads, "rng_seed": seed})
    gen = nest.Create("poisson_generator", params={"rate": RATE_HZ})
    parrots = nest.Create("parrot_neuron", N_IN)
    post = nest.Create("iaf_cond_exp", n_out, params=_nest_neuron_params())
    post.set(tau_minus=r["tau_minus_ms"])
    nest.Connect(gen, parrots, syn_spec={"delay": DT_MS})
    nest.Connect(parrots, post, "all_to_all",
                 syn_spec={"synapse_model": "stdp_synapse", "delay": DT_MS,
                           "weight": w0.T,              # (n_out, N_IN): rows are targets
                           "tau_plus": r["tau_plus_ms"], "lambda": r["A_plus"],
                           "alpha": r["A_minus"] / r["A_plus"], "mu_plus": 0.0,
                           "mu_minus": 0.0, "Wmax": r["w_max"] * G_LEAK_NS})
    sr_in, sr_out = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(parrots, sr_in)
    nest.Connect(post, sr_out)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(duration_s * 1000.0)
    run_s = time.perf_counter() - t0
    pre_n, post_n = int(sr_in.n_events), int(sr_out.n_events)
    t0 = time.perf_counter()
    nest.ResetKernel()
    teardown_s = time.perf_counter() - t0
    return {"synapses": int(N_IN * n_out), "build_s": build_s, "run_s": run_s,
            "teardown_s": teardown_s, "pre_spikes": pre_n, "post_spikes": post_n}


def build_pynn(sim, backend, n_out, seed, threads):
    """The network through PyNN (``sim`` = pyNN.nest or pyNN.brian2, set up here): returns
    (post population, plastic projection, input population), recording spikes of both."""
    r = _rule()
    p = _neuron()
    g_leak_us = G_LEAK_NS / 1000.0
    w0 = _w0(n_out, r["w_max"], seed) * g_leak_us
    # on-grid spikes as in plain NEST (pyNN.nest's default is off_grid: precise spike times)
    kw = {"threads": threads, "rng_seed": seed, "spike_precision": "on_grid"} \
        if backend == "nest" else {}
    sim.setup(timestep=DT_MS, min_delay=DT_MS, max_delay=10 * DT_MS, **kw)
    if backend != "nest":
        import brian2 as b2
        b2.seed(seed)
    inputs = poisson_inputs(sim, N_IN, RATE_HZ)
    cell = sim.IF_cond_exp(cm=g_leak_us * p["tau_m_ms"], tau_m=p["tau_m_ms"],
                           v_rest=p["V_rest_mV"], v_thresh=p["V_th_mV"],
                           v_reset=p["V_reset_mV"], tau_refrac=0.0,
                           e_rev_E=p["E_exc_mV"], e_rev_I=p["E_inh_mV"],
                           tau_syn_E=p["tau_exc_ms"], tau_syn_I=p["tau_inh_ms"], i_offset=0.0)
    post = sim.Population(n_out, cell, initial_values={"v": p["V_rest_mV"]})
    syn = synapse_type("stdp_pair", sim, params="additive", w_max=r["w_max"] * g_leak_us,
                       w_init=0.0)
    syn.parameter_space["delay"] = DT_MS
    syn.parameter_space["weight"] = w0        # (pre, post) array: set while connecting
    proj = sim.Projection(inputs, post, sim.AllToAllConnector(), syn,
                          receptor_type="excitatory")
    inputs.record("spikes")
    post.record("spikes")
    return post, proj, inputs


def run_pynn(impl, n_out, seed, duration_s, threads):
    backend = impl.split(".", 2)[2]
    if backend == "nest":
        import nest
        import pyNN.nest as sim
        nest.set_verbosity("M_ERROR")
    else:
        import brian2 as b2
        import pyNN.brian2 as sim
        b2.prefs.codegen.target = "cython"
        if os.environ.get("PLASTICITY_BENCH_CYTHON_CACHE"):
            b2.prefs.codegen.runtime.cython.cache_dir = \
                os.environ["PLASTICITY_BENCH_CYTHON_CACHE"]
    t0 = time.perf_counter()
    post, proj, inputs = build_pynn(sim, backend, n_out, seed, threads)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(duration_s * 1000.0)
    run_s = time.perf_counter() - t0
    pre_n = int(sum(inputs.get_spike_counts().values()))
    post_n = int(sum(post.get_spike_counts().values()))
    t0 = time.perf_counter()
    sim.end()
    if backend == "nest":
        nest.ResetKernel()
    del proj, inputs, post
    gc.collect()
    teardown_s = time.perf_counter() - t0
    return {"synapses": int(N_IN * n_out), "build_s": build_s, "run_s": run_s,
            "teardown_s": teardown_s, "pre_spikes": pre_n, "post_spikes": post_n}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=IMPLS, required=True)
    ap.add_argument("--n-out", type=int, required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration-s", type=float, default=10.0)
    ap.add_argument("--build-dir", default=None,
                    help="cpp_standalone project directory (default: a temporary one)")
    ap.add_argument("--input", choices=("poisson", "generator"), default="poisson",
                    help="brian2 only: PoissonGroup (default) or Poisson trains drawn in numpy "
                         "and replayed (deterministic network: the OpenMP identity check)")
    a = ap.parse_args(argv)
    t_start = time.perf_counter()
    if a.impl == "plain.nest":
        out = run_plain_nest(a.n_out, a.seed, a.duration_s, a.threads)
    elif a.impl.startswith("pkg.pynn."):
        out = run_pynn(a.impl, a.n_out, a.seed, a.duration_s, a.threads)
    else:
        out = run_brian2(a.impl, a.n_out, a.seed, a.duration_s, a.build_dir, a.threads,
                         a.input)
    out.update(impl=a.impl, n_out=a.n_out, threads=a.threads, duration_s=a.duration_s,
               input=a.input if a.impl.startswith(("pkg.brian2", "plain.brian2")) else "poisson",
               process_s=time.perf_counter() - t_start,
               peak_rss_bytes=_peak_rss(out.pop("binary_rss_kb", 0)))
    out["events"] = int(out["pre_spikes"] * a.n_out + out["post_spikes"] * N_IN)
    print("BENCH " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
