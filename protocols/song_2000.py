"""Song, Miller & Abbott (2000): competitive Hebbian learning through STDP.

Provenance: Song S, Miller KD & Abbott LF (2000) Nat Neurosci 3:919, Fig. 2 (weight histograms).
Values from ``song_miller_abbott2000`` in the reference collection (secondary: the Brian
"STDP model from Song, Miller and Abbott 2000" scripts and re-implementations; the paper table
was not read).

Network (a real neuron, not imposed spikes): ``N_exc = 1000`` excitatory Poisson inputs at
``rate_hz`` through the plastic synapses under test onto one conductance-based leaky
integrate-and-fire neuron, plus ``N_inh = 200`` inhibitory Poisson inputs at 10 Hz with fixed
conductance 0.05:

    tau_m dV/dt = V_rest - V + g_e (E_exc - V) + g_i (E_inh - V),
    dg_e/dt = -g_e / tau_exc, dg_i/dt = -g_i / tau_inh  (conductances in units of the leak),
    V > V_th: spike, V <- V_reset;  a pre spike adds w to g_e.

tau_m 20 ms, V_rest -70 mV, V_th -54 mV, V_reset -60 mV, E_exc 0 mV, E_inh -70 mV,
tau_exc = tau_inh = 5 ms.  The excitatory input rate is marked unverified in the reference
(15 Hz in the Brian scripts, the default here; option ``rate_hz``).  Initial weights: uniform on
[0, w_max] (the Brian STDP example's choice; a protocol convention).

Applies to the pair-based rules with Song's parameter sets (``stdp_pair``, ``stdp_nn_*``), on
the ``brian2`` backend.  Output: one condition ``population`` whose measurements are the final
weights, their histogram (20 bins on [0, w_max]), Sarle's bimodality coefficient
b = (g^2 + 1) / (k + 3 (n-1)^2 / ((n-2)(n-3))) with g the skewness and k the excess kurtosis
(b > 5/9 suggests bimodality), the fractions of weights below 0.1 w_max and above 0.9 w_max,
and the post rate over the whole run and its last 10 %.  The recorded signal ``w`` is the mean
excitatory weight.
"""
import numpy as np

from plasticity.models.core import PlasticityError

from .run.brian2 import network_result, run_network
from .base import Option, Overview, Protocol, Report
from .schedule import Condition, Schedule, DT_MS
from plasticity.models.brian2_api import plastic_synapses, set_parameters
from plasticity.models.core import magnitude

REF = "reference song_miller_abbott2000 (secondary sources; see module doc)"
NEURON = dict(N_exc=1000, N_inh=200, tau_m_ms=20.0, V_rest_mV=-70.0, V_th_mV=-54.0,
              V_reset_mV=-60.0, E_exc_mV=0.0, E_inh_mV=-70.0, tau_exc_ms=5.0, tau_inh_ms=5.0,
              rate_inh_hz=10.0, g_inh=0.05)
MODELS = ("stdp_pair", "stdp_nn_symm", "stdp_nn_pre_centered", "stdp_nn_restr")
BINS = 20


def bimodality_coefficient(w):
    w = np.asarray(w, float)
    n = w.size
    if n < 4 or np.std(w) == 0:
        return float("nan")
    m = w - w.mean()
    s2 = np.mean(m ** 2)
    g = np.mean(m ** 3) / s2 ** 1.5
    k = np.mean(m ** 4) / s2 ** 2 - 3.0
    # sample-size corrected skewness and kurtosis (SAS/SPSS convention used by Sarle's b)
    G = g * np.sqrt(n * (n - 1)) / (n - 2)
    K = ((n + 1) * k + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float((G ** 2 + 1) / (K + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def build(model, values, options, schedule_file=None):
    if model.name not in MODELS:
        raise PlasticityError(f"song_2000 applies to {', '.join(MODELS)} (Song's parameter "
                              f"sets), not to '{model.name}'")
    duration = float(options["duration_s"]) * 1000.0
    if abs(duration / (100 * DT_MS) - round(duration / (100 * DT_MS))) > 1e-6:
        raise PlasticityError(f"song_2000: duration_s = {options['duration_s']:g} is not a "
                              f"multiple of {100 * DT_MS / 1000:g} s (the weights are sampled "
                              "every 1 % of the run, on the time step)")
    return Schedule("song_2000", duration, [Condition("population", np.zeros(0), np.zeros(0))],
                    meta={"rate_hz": float(options["rate_hz"]), "seed": int(options["seed"]),
                          **NEURON}).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    if backend != "brian2":
        raise PlasticityError("song_2000 runs on backend brian2 only (a conductance-based "
                              "neuron driven by 1000 Poisson inputs; the imposed-spike engine "
                              "of the other protocols does not apply)")
    import brian2 as b2

    meta = schedule.meta
    b2.seed(meta["seed"])
    rng = np.random.default_rng(meta["seed"])
    dt = schedule.dt_ms * b2.ms
    p = meta
    eqs = b2.Equations("""
dv/dt = (V_rest - v + ge * (E_exc - v) + gi * (E_inh - v)) / tau_m : volt
dge/dt = -ge / tau_exc : 1
dgi/dt = -gi / tau_inh : 1
""")
    ns = dict(V_rest=p["V_rest_mV"] * b2.mV, E_exc=p["E_exc_mV"] * b2.mV,
              E_inh=p["E_inh_mV"] * b2.mV, tau_m=p["tau_m_ms"] * b2.ms,
              tau_exc=p["tau_exc_ms"] * b2.ms, tau_inh=p["tau_inh_ms"] * b2.ms)
    post = b2.NeuronGroup(1, eqs, threshold=f"v > {p['V_th_mV']}*mV",
                          reset=f"v = {p['V_reset_mV']}*mV", method="euler", dt=dt,
                          namespace=ns, name="song_neuron")
    post.v = p["V_rest_mV"] * b2.mV
    exc = b2.PoissonGroup(p["N_exc"], meta["rate_hz"] * b2.Hz, dt=dt, name="exc_inputs")
    inh = b2.PoissonGroup(p["N_inh"], p["rate_inh_hz"] * b2.Hz, dt=dt, name="inh_inputs")
    syn = plastic_synapses(model, exc, post, transmit="ge_post += w", dt=dt, name="plastic")
    syn.connect(i=np.arange(p["N_exc"]), j=np.zeros(p["N_exc"], int))    # synapse k: input k
    set_parameters(syn, model.name, values)
    w_max = magnitude(values["w_max"], None)
    w0 = rng.uniform(0.0, w_max, p["N_exc"])
    syn.w = w0
    inh_syn = b2.Synapses(inh, post, on_pre=f"gi_post += {p['g_inh']}", dt=dt, name="inhibition")
    inh_syn.connect()
    spikes = b2.SpikeMonitor(post, name="post_spikes")
    n_chunks = 100
    chunk = schedule.duration_ms / n_chunks
    # every weight at the start of each 1 % of the run (read after the run: cpp_standalone)
    sampled = b2.StateMonitor(syn, "w", record=np.arange(p["N_exc"]), dt=chunk * b2.ms,
                              when="start", name="sampled_w")
    net = b2.Network(post, exc, inh, syn, inh_syn, spikes, sampled)
    wall = run_network(net, schedule.duration_ms, progress)
    w_final = np.asarray(syn.w[:], float)
    times = [float(x) for x in np.asarray(sampled.t / b2.ms)] + [schedule.duration_ms]
    mean_w = [float(x) for x in np.mean(np.asarray(sampled.w), axis=0)]
    mean_w.append(float(np.mean(w_final)))
    t_spk = np.asarray(spikes.t / b2.ms)
    T = schedule.duration_ms
    hist, edges = np.histogram(w_final / w_max, bins=BINS, range=(0.0, 1.0))
    extra = {
        "weights_final": [float(x) for x in w_final],
        "histogram_counts": [float(x) for x in hist],
        "histogram_edges_w_over_w_max": [float(x) for x in edges],
        "bimodality_coefficient": bimodality_coefficient(w_final),
        "fraction_below_0.1_w_max": float(np.mean(w_final < 0.1 * w_max)),
        "fraction_above_0.9_w_max": float(np.mean(w_final > 0.9 * w_max)),
        "post_rate_hz": float(len(t_spk) / (T / 1000.0)),
        "post_rate_last_10pct_hz": float(np.sum(t_spk >= 0.9 * T) / (0.1 * T / 1000.0)),
        "mean_w_over_w_max": float(np.mean(w_final) / w_max),
    }
    return network_result(model, set_name, values, schedule, np.mean(w0), np.mean(w_final), times,
                          mean_w, "mean excitatory weight over the 1000 plastic synapses, "
                          "sampled every 1 % of the run; w_initial / w_final are population "
                          "means", wall, extra)


def spinnaker_network(rule, model, values, schedule):
    """The network for backend pynn.spinnaker: N_exc Poisson sources at rate_hz through the
    plastic rule, N_inh at rate_inh_hz through static synapses, onto one ``IF_cond_exp`` with
    the neuron above (tau_refrac: PyNN's default 0.1 ms; the Brian2 neuron has none).  Song's
    conductances are in units of the leak conductance; with sPyNNaker's default cm = 1 nF the
    leak is g_L = cm / tau_m = 0.05 uS, so every weight (and the additive amplitudes) is
    multiplied by g_L.  Initial weights: the same draw as the brian2 run (seed)."""
    import dataclasses
    p = schedule.meta
    cm_nF = 1.0
    g_leak = cm_nF / p["tau_m_ms"]                               # nF / ms = uS
    rng = np.random.default_rng(p["seed"])
    w0 = rng.uniform(0.0, magnitude(values["w_max"], None), p["N_exc"])
    rule = dataclasses.replace(
        rule.scaled(g_leak, f"song_2000 conductances in units of g_L = {g_leak:g} uS"),
        cell="IF_cond_exp")
    network = {
        "pre_poisson": {"n": p["N_exc"], "rate": p["rate_hz"]},
        "post": {"cell": "IF_cond_exp", "n": 1, "params": {
            "cm": cm_nF, "tau_m": p["tau_m_ms"], "v_rest": p["V_rest_mV"],
            "v_thresh": p["V_th_mV"], "v_reset": p["V_reset_mV"], "e_rev_E": p["E_exc_mV"],
            "e_rev_I": p["E_inh_mV"], "tau_syn_E": p["tau_exc_ms"],
            "tau_syn_I": p["tau_inh_ms"]}},
        "connections": [[i, 0, float(w * g_leak)] for i, w in enumerate(w0)],
        "extra_inputs": [{"n": p["N_inh"], "rate": p["rate_inh_hz"], "receptor": "inhibitory",
                          "weight": p["g_inh"] * g_leak}]}
    return rule, network, w0 * g_leak



SONG_TABLE = ("bimodality_coefficient", "fraction_below_0.1_w_max", "fraction_above_0.9_w_max",
              "post_rate_hz", "post_rate_last_10pct_hz", "mean_w_over_w_max")
REPORT = Report(
    overviews=(Overview("song", "{p}: final weight histograms (brian2)", "histograms"),),
    table=("song", lambda ref: {k: float(ref["conditions"][0][k]) for k in SONG_TABLE}))

PROTOCOL = Protocol(
    report=REPORT,
    name="song_2000",
    title="Song, Miller & Abbott 2000 competitive Hebbian learning",
    doc=__doc__,
    families=("stdp",),
    options=[Option("duration_s", 300.0, "simulated time (s)", float, 1.0),
             Option("rate_hz", 15.0, "excitatory input rate (Hz; 15 as in the Brian scripts, "
                                     "paper value unverified)", float, 0.0),
             Option("seed", 1, "random seed (Poisson inputs, initial weights)", int, 0)],
    build=build,
    measure=lambda result: [result.extra],
    datasets=(),
    simulate=simulate,
    standalone=True,
    spinnaker_network=spinnaker_network,
)
