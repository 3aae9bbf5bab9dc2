"""Clopath et al. (2010): connectivity reflects coding, in a recurrent network of ten neurons.

Provenance: Clopath C, Büsing L, Vasilaki E & Gerstner W (2010) Nat Neurosci 13:344, the
figure "connectivity reflects coding" (Fig. 4 in the ReScience reproduction of Larisch 2019,
``ReScience-submission``, scripts ``Fig4_rateCode.py`` / ``Fig4_temporalCode.py``, whose set-up
this follows): ten AdEx neurons with the voltage rule on every connection (all to all, no
self-connections), each forced to spike by its own input:

* **rate code**: neuron k (k = 0..9) fires as a Poisson process at 2 (k + 1) Hz (2 .. 20 Hz,
  the reproduction's ``linspace(20, 2, 10)``), independent of the others;
* **temporal code**: the neurons fire in a fixed sequence, neuron k at 20 k ms in every 200 ms
  cycle (one spike each per cycle).

Both networks run side by side in one simulation (no connection between them) for
``duration_s`` (default 100 s, the paper's averaging time).  Choices stated (the paper's
network weights were not read): the set's rule and neuron; weights start at the set's w_init
(0.5 mV) and are bounded by ``w_max`` (default 1 mV) so that no single presynaptic spike can
make a neuron fire (20 mV from rest to threshold): the forced trains stay the only drive, as in
the protocol; the amplitudes A_LTD and A_LTP are multiplied by ``speedup`` (default 10, as the
authors' ``RFdevelop.m`` does "to speed up the simulations").  The connections carry no
delay beyond one step on pynn.nest (NEST's minimum, 0.1 ms).

What the rule predicts, and the tests check (``tests/test_clopath_connectivity.py``):

* temporal code: for a pair (i, j) exactly one direction has its presynaptic spike follow the
  postsynaptic spike by less than half a cycle (100 ms): that connection is depressed (u_bar_-
  is still raised by the postsynaptic spike's after-depolarisation when the pre spike comes).
  Potentiation needs the postsynaptic neuron depolarised (u_bar_+ > theta_-) when it fires;
  one spike per 200 ms leaves it at rest, so no connection is potentiated.  The change
  ΔW = W - w_init is therefore one-sided in every pair: its symmetry index
  s(ΔW) = 1 - |ΔW - ΔWᵀ| / |ΔW + ΔWᵀ| (Frobenius norms, off-diagonal) is 0 up to the
  depression of the other direction at rest, which is A_LTD d per spike with d = 7e-5 mV (the
  AdEx fixed point above E_L): below 1e-3 of the changes, so s(ΔW) < 0.01.
* rate code: independent trains carry no timing, so the drift of w_ij depends on the rates
  only: depression ∝ ν_i <u_bar_- - θ_->_j, potentiation ∝ ν_i times a term that grows with
  the postsynaptic rate ν_j (depolarisation by the previous spike's after-potential).  So
  connections onto the high-rate neurons grow and those onto the low-rate ones shrink,
  whatever the presynaptic rate; among the high-rate neurons they grow both ways: strong
  bidirectional connections.  Tested (40 s): the six connections among the three
  highest-rate neurons have all grown, their mean is above 2/3 w_max (the paper's "strong"),
  and the three lowest-rate neurons receive no strong connection.  (The single weights keep
  fluctuating with the Poisson trains: one of the six was 0.59 mV after 40 s on pynn.nest.)

Measured per code: the weight matrix (row = presynaptic neuron, column = postsynaptic), its
symmetry index s(W) and s(ΔW), the fraction of strong connections that are bidirectional, the
firing counts, and s(ΔW) every second.
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import PlasticityError

from .base import Option, Protocol, Report, key_number
from .run.common import RunResult
from .schedule import Condition, Schedule

NAME = "clopath_2010_connectivity"
N = 10
CYCLE_MS = 200.0
STEP_MS = 20.0
FIRST_MS = 5.0
RATES_HZ = 2.0 * np.arange(1, N + 1)
CODES = ("rate code", "temporal code")


def build(model, values, options, schedule_file=None):
    if model.name != "clopath":
        raise PlasticityError(f"{NAME} applies to the clopath model only")
    T = float(options["duration_s"]) * 1000.0
    if T < CYCLE_MS:
        raise PlasticityError(f"{NAME}: duration_s must be at least {CYCLE_MS / 1000:g}")
    return Schedule(NAME, T, [Condition(c, np.zeros(0), np.zeros(0)) for c in CODES],
                    meta={"seed": int(options["seed"]), "speedup": float(options["speedup"]),
                          "w_max_mV": float(options["w_max_mV"])}).validate()


def run_values(model, values, schedule):
    """The set's values with the protocol's amplitude speed-up and weight bound."""
    v = dict(values)
    k = schedule.meta["speedup"]
    v["A_LTD"] = values["A_LTD"] * k
    v["A_LTP"] = values["A_LTP"] * k
    v["w_max"] = schedule.meta["w_max_mV"]
    if not v["w_min"] <= v["w_init"] <= v["w_max"]:
        raise PlasticityError(f"{NAME}: w_init {v['w_init']} must lie in [w_min, w_max_mV]")
    return v


def sequence_times(duration_ms):
    """(neuron, time ms) of the temporal code: neuron k at FIRST + 20 k ms in every cycle."""
    cycles = int(np.ceil(duration_ms / CYCLE_MS))
    t = (np.arange(cycles)[:, None] * CYCLE_MS + FIRST_MS
         + STEP_MS * np.arange(N)[None, :]).ravel()
    idx = np.tile(np.arange(N), cycles)
    keep = t < duration_ms
    return idx[keep], t[keep]


def symmetry_index(W):
    """1 - |W - Wᵀ| / |W + Wᵀ| over the off-diagonal entries (1: symmetric; 0: every pair
    one-sided)."""
    A = np.array(W, float)
    np.fill_diagonal(A, 0.0)
    den = np.linalg.norm(A + A.T)
    return float("nan") if den == 0 else float(1.0 - np.linalg.norm(A - A.T) / den)


def structure(W, w_init, w_max):
    """The read-outs of one weight matrix (diagonal ignored)."""
    off = ~np.eye(N, dtype=bool)
    strong = (W >= 2.0 / 3.0 * w_max) & off
    both = strong & strong.T
    top, low = np.arange(N - 3, N), np.arange(3)
    sub = W[np.ix_(top, top)][~np.eye(3, dtype=bool)]
    return {"symmetry_W": symmetry_index(W), "symmetry_dW": symmetry_index(W - w_init),
            "symmetry_dW_high_rate": symmetry_index((W - w_init)[np.ix_(top, top)]),
            "strong": int(strong.sum()), "strong_bidirectional": int(both.sum()),
            "fraction_bidirectional": float(both.sum() / strong.sum()) if strong.any()
            else float("nan"),
            "min_w_among_high_rate": float(sub.min()),
            "strong_onto_low_rate": int(strong[:, low].sum()),
            "mean_w": float(W[off].mean())}


def simulate(model, set_name, values, schedule, backend, progress=False):
    values = run_values(model, values, schedule)
    t0 = time.perf_counter()
    runner = {"brian2": _run_brian2, "pynn.nest": _run_nest}.get(backend)
    if runner is None:
        raise PlasticityError(f"{NAME} runs on brian2 and pynn.nest")
    W, W_t, t_s, counts, versions = runner(values, schedule, progress)
    w0, wmax = float(values["w_init"]), float(values["w_max"])
    per, finals = [], []
    for g, code in enumerate(CODES):
        Wg = W[g]
        d = {"code": code, **structure(Wg, w0, wmax),
             "matrix": [float(x) for x in Wg.ravel()],
             "spike_counts": [int(c) for c in counts[g]],
             "rates_hz": [float(c) / (schedule.duration_ms / 1000.0) for c in counts[g]],
             "t_s": [float(x) for x in t_s],
             "symmetry_dW_t": [symmetry_index(Wk[g] - w0) for Wk in W_t],
             "mean_w_t": [float(Wk[g][~np.eye(N, dtype=bool)].mean()) for Wk in W_t],
             "speedup": schedule.meta["speedup"], "w_max_mV": wmax}
        per.append(d)
        finals.append(d["mean_w"])
    result = RunResult(model=model, set_name=set_name, values=values, backend=backend,
                       schedule=schedule, w_initial=np.full(2, w0), w_final=np.array(finals),
                       signal_times_ms=np.asarray(t_s) * 1000.0,
                       signals={"w": np.array([[p["mean_w_t"][k] for p in per]
                                               for k in range(len(t_s))])},
                       signal_semantics="mean weight of each network, every second",
                       simulator_versions=versions, wall_time_s=time.perf_counter() - t0,
                       extra={"per_condition": per})
    return result


def _run_brian2(values, schedule, progress):
    import brian2 as b2
    from brian2 import Hz, ms
    from plasticity.models.clopath import brian2_neuron, brian2_synapses, start_potentiation
    from .run.brian2 import run_network
    b2.seed(schedule.meta["seed"])
    dt = schedule.dt_ms * ms
    T = schedule.duration_ms
    neuron, _, _ = brian2_neuron(values, 2 * N, dt, name="clopath_neurons")
    # forced spikes: an input spike in step k sets the flag; the neuron fires in step k + 1
    poisson = b2.PoissonGroup(2 * N, np.r_[RATES_HZ, np.zeros(N)] * Hz, dt=dt,
                              name="rate_code_drive")
    idx, t = sequence_times(T)
    seq = b2.SpikeGeneratorGroup(2 * N, idx + N, (t - schedule.dt_ms) * ms, dt=dt,
                                 name="temporal_code_drive")
    f_rate = b2.Synapses(poisson, neuron, on_pre="force_post = 1", dt=dt, name="force_rate")
    f_rate.connect(j="i")
    f_seq = b2.Synapses(seq, neuron, on_pre="force_post = 1", dt=dt, name="force_sequence")
    f_seq.connect(j="i")
    syn = brian2_synapses(neuron, neuron, dt, name="recurrent")
    pre, post = np.nonzero(~np.eye(N, dtype=bool))
    syn.connect(i=np.r_[pre, pre + N], j=np.r_[post, post + N])
    start_potentiation(syn)
    syn.w = float(values["w_init"])
    mon = b2.StateMonitor(syn, "w", record=np.arange(2 * len(pre)), dt=1000 * ms, when="end", order=1,
                          name="weights")
    spikes = b2.SpikeMonitor(neuron, name="spikes")
    net = b2.Network(neuron, poisson, seq, f_rate, f_seq, syn, mon, spikes)
    run_network(net, T, progress)
    i, j = np.asarray(syn.i[:]), np.asarray(syn.j[:])
    w_t = np.asarray(mon.w)                 # (synapses, samples)

    def matrices(w):
        M = np.full((2 * N, 2 * N), np.nan)
        M[i, j] = w
        return [M[:N, :N], M[N:, N:]]

    W = matrices(np.asarray(syn.w[:]))
    W_t = [matrices(w_t[:, k]) for k in range(w_t.shape[1])]
    t_s = list(np.asarray(mon.t / b2.second))
    counts = np.bincount(np.asarray(spikes.i[:]), minlength=2 * N)
    return W, W_t, t_s, [counts[:N], counts[N:]], {"brian2": b2.__version__}


def _run_nest(values, schedule, progress):
    import nest
    import pyNN
    import pyNN.nest as sim
    from plasticity.models.clopath import NEST_NEURON, nest_cell_params
    from plasticity.models.core import magnitude
    from brian2 import ms
    from .run.common import pynn_setup
    from .run.pynn_nest import nest_spike_sources
    h = schedule.dt_ms
    T = schedule.duration_ms
    pynn_setup(sim, h, spike_precision="on_grid")
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"rng_seed": int(schedule.meta["seed"]) + 1})
    params = nest_cell_params(values)
    params["A_LTD_const"] = values["homeostasis"] == "off"
    cells = [sim.Population(N, sim.native_cell_type(NEST_NEURON)(**params)) for _ in CODES]
    E_L = params["E_L"]
    for c in cells:
        c.node_collection.set(V_m=E_L, u_bar_plus=E_L, u_bar_minus=E_L, u_bar_bar=E_L)
    one = sim.OneToOneConnector()
    force = sim.StaticSynapse(weight=200.0 / 1000.0, delay=h)      # 200 mV: crosses V_peak
    # rate code: Poisson trains; a source spike at t makes the neuron fire in the step of t + h
    poisson = sim.Population(N, sim.SpikeSourcePoisson(rate=list(RATES_HZ)))
    sim.Projection(poisson, cells[0], one, force)
    idx, t = sequence_times(T)
    trains = [t[idx == k] - h for k in range(N)]
    seq = nest_spike_sources(sim, trains, N, h)
    sim.Projection(seq, cells[1], one, force)
    syn = sim.native_synapse_type("clopath_synapse")(
        weight=float(values["w_init"]), delay=h, tau_x=magnitude(values["tau_x"], ms),
        Wmin=float(values["w_min"]), Wmax=float(values["w_max"]))
    for c in cells:
        sim.Projection(c, c, sim.AllToAllConnector(allow_self_connections=False), syn)
        c.record("spikes")
    W_t, t_s = [], []
    # each network's connections and their (pre, post) indices, looked up once
    recurrent = []
    for c in cells:
        conns = nest.GetConnections(source=c.node_collection, target=c.node_collection)
        recurrent.append((conns, np.asarray(conns.get("source")) - c.first_id,
                          np.asarray(conns.get("target")) - c.first_id))

    def read():
        out = []
        for conns, s, d in recurrent:
            M = np.full((N, N), np.nan)
            M[s, d] = np.asarray(conns.get("weight"), float)
            out.append(M)
        return out

    # NEST applies potentiation at the next pre spike: the weights read every second lag the
    # continuous rule by at most one inter-spike interval of the presynaptic neuron
    for k in range(1, int(T // 1000) + 1):
        sim.run_until(1000.0 * k)
        W_t.append(read())
        t_s.append(float(k))
    if T % 1000.0:
        sim.run_until(T)
    W = read()
    counts = []
    for c in cells:
        trains_ = c.get_data("spikes").segments[0].spiketrains
        counts.append(np.array([len(s) for s in trains_]))
    sim.end()
    return W, W_t, t_s, counts, {"pyNN": pyNN.__version__, "nest": nest.__version__}


def key_numbers(m, s, per_backend):
    rows = []
    for b, r in per_backend.items():
        rate, temporal = r["conditions"]
        rows += [
            key_number(NAME, m, s, b, "temporal code: symmetry index of ΔW",
                       float(temporal["symmetry_dW"]), 0.0, 0.01,
                       note="one-sided pairs: 0 up to depression at rest (< 1e-3)"),
            key_number(NAME, m, s, b, "rate code: symmetry index of ΔW among the 3 "
                       "highest-rate neurons", float(rate["symmetry_dW_high_rate"]),
                       note="strong bidirectional: > 0.8"),
            key_number(NAME, m, s, b, "rate code: weakest connection among the 3 highest-rate "
                       "neurons (mV)", float(rate["min_w_among_high_rate"]),
                       note=f"strong: >= 2/3 w_max = {2 / 3 * float(rate['w_max_mV']):.3g}"),
            key_number(NAME, m, s, b, "rate code: fraction of strong connections that are "
                       "bidirectional", float(rate["fraction_bidirectional"])),
            key_number(NAME, m, s, b, "temporal code: strong connections",
                       float(temporal["strong"]), note="no potentiation predicted"),
        ]
    return rows


REPORT = Report(group_figure="connectivity",
                group_title="Clopath 2010: connectivity reflects coding (weight matrices)",
                key_numbers=key_numbers, backend_difference=False)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Clopath 2010: a rate code makes bidirectional, a temporal code one-sided "
          "connections (10 recurrent neurons)",
    doc=__doc__,
    families=("voltage",),
    options=[Option("duration_s", 100.0, "simulated time (s)", float, 0.2),
             Option("speedup", 10.0, "factor on A_LTD and A_LTP (RFdevelop.m uses 10)", float,
                    0.0),
             Option("w_max_mV", 1.0, "upper weight bound (mV of EPSP)", float, 0.0),
             Option("seed", 1, "random seed of the Poisson trains", int, 0)],
    build=build,
    simulate=simulate,
    standalone=True,
)
