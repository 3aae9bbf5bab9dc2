"""Homeostatic synaptic scaling: step the input rate up and down; the output rate returns to the
target while every weight is scaled by one common factor.

Provenance: the rule and the experiment's idea are van Rossum, Bi & Turrigiano (2000) J Neurosci
20:8812 (activity-dependent multiplicative scaling; Turrigiano 2008 Cell 135:422 for the
biology); the reference collection has no numbers from that paper, so the scaling constants are
the labelled demonstration values of ``models/synaptic_scaling.py``.  The neuron and its
inhibitory background are Song, Miller & Abbott (2000)'s (``protocols/song_2000.NEURON``,
reference ``song_miller_abbott2000``): ``N_exc`` = 1000 excitatory Poisson inputs through the
synapses under test onto one conductance-based LIF neuron, 200 inhibitory Poisson inputs at 10 Hz
with fixed conductance 0.05.

Schedule: the excitatory input rate steps through ``rates_hz`` (default 10, 20, 5 Hz: baseline,
up x2, down x1/4), each phase lasting ``phase_s`` (default 100 s).  Initial weights are
heterogeneous, w_i = w_init (0.5 + u_i), u_i uniform on [0, 1) (seed), so that preserved ratios
are a visible property.  Brian2 only (its own network, like ``song_2000``).

Measurements: the output rate per ``bin_s`` bin; the sensor rate e r_target and the common scale
factor w_i(t)/w_i(0) (median over 50 evenly spaced synapses, with their spread) every 0.5 s;
per phase the output rate in
its last 20 % against r_target with the Poisson tolerance 3 sqrt(r_target / window) (the
multiplicative rule integrates ln w, so the mean rate has no steady-state error; the tolerance is
the counting noise of the window) and the rate in the phase's first ``bin_s`` (the response to
the step); at the end the spread of the scale factors across synapses,
max_i |(w_i(T)/w_i(0)) / median - 1| (0 up to rounding for pure scaling: ratios preserved; not 0
when STDP acts on the same synapses, ``stdp_pair_scaling``).
"""
import numpy as np

from plasticity.models.core import PlasticityError, magnitude

from .run.brian2 import network_result, run_network
from .base import Option, Protocol, Report, key_number, parse_hz_list, preferred
from .schedule import Condition, Schedule
from .song_2000 import NEURON
from plasticity.models.brian2_api import plastic_synapses, set_parameters

MODELS = ("synaptic_scaling", "stdp_pair_scaling")
SAMPLED = 50          # synapses whose weight and sensor are sampled over time (all at the end)
SAMPLE_S = 0.5        # their sampling interval (s)


def build(model, values, options, schedule_file=None):
    if model.name not in MODELS:
        raise PlasticityError(f"homeostatic_scaling applies to {', '.join(MODELS)}, not to "
                              f"'{model.name}'")
    rates = parse_hz_list(options["rates_hz"], "homeostatic_scaling", "rates_hz", "input rates",
                          1000.0)
    phase_s, bin_s = float(options["phase_s"]), float(options["bin_s"])
    if abs(phase_s / SAMPLE_S - round(phase_s / SAMPLE_S)) > 1e-9:
        raise PlasticityError(f"homeostatic_scaling: phase_s = {phase_s:g} must be a multiple "
                              f"of the {SAMPLE_S:g} s sampling interval")
    if abs(phase_s / bin_s - round(phase_s / bin_s)) > 1e-9 or bin_s > phase_s:
        raise PlasticityError(f"homeostatic_scaling: phase_s = {phase_s:g} must be a whole "
                              f"number of bins (bin_s = {bin_s:g})")
    return Schedule("homeostatic_scaling", len(rates) * phase_s * 1000.0,
                    [Condition("population", np.zeros(0), np.zeros(0))],
                    meta={"rates_hz": rates, "phase_s": phase_s, "bin_s": bin_s,
                          "seed": int(options["seed"]), **NEURON}).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    if backend != "brian2":
        raise PlasticityError("homeostatic_scaling runs on backend brian2 only (a neuron driven "
                              "by 1200 Poisson inputs; the scaling rule's pynn.brian2 and "
                              "pynn.nest parity is tested on imposed spike trains)")
    import brian2 as b2

    p = schedule.meta
    b2.seed(p["seed"])
    rng = np.random.default_rng(p["seed"])
    dt = schedule.dt_ms * b2.ms
    ns = dict(V_rest=p["V_rest_mV"] * b2.mV, E_exc=p["E_exc_mV"] * b2.mV,
              E_inh=p["E_inh_mV"] * b2.mV, tau_m=p["tau_m_ms"] * b2.ms,
              tau_exc=p["tau_exc_ms"] * b2.ms, tau_inh=p["tau_inh_ms"] * b2.ms)
    post = b2.NeuronGroup(1, """
dv/dt = (V_rest - v + ge * (E_exc - v) + gi * (E_inh - v)) / tau_m : volt
dge/dt = -ge / tau_exc : 1
dgi/dt = -gi / tau_inh : 1
""", threshold=f"v > {p['V_th_mV']}*mV", reset=f"v = {p['V_reset_mV']}*mV", method="euler",
                          dt=dt, namespace=ns, name="neuron")
    post.v = p["V_rest_mV"] * b2.mV
    # the input rate of each phase (a TimedArray: one run, on either Brian2 device)
    phase_rates = b2.TimedArray(np.asarray(p["rates_hz"], float) * b2.Hz,
                                dt=p["phase_s"] * b2.second, name="phase_rates")
    exc = b2.PoissonGroup(p["N_exc"], "phase_rates(t)", dt=dt, name="exc_inputs",
                          namespace={"phase_rates": phase_rates})
    inh = b2.PoissonGroup(p["N_inh"], p["rate_inh_hz"] * b2.Hz, dt=dt, name="inh_inputs")
    syn = plastic_synapses(model, exc, post, transmit="ge_post += w", dt=dt, name="plastic")
    syn.connect(i=np.arange(p["N_exc"]), j=np.zeros(p["N_exc"], int))    # synapse k: input k
    set_parameters(syn, model.name, values)
    w0 = magnitude(values["w_init"], None) * (0.5 + rng.random(p["N_exc"]))
    if "w_max" in values:
        w0 = np.minimum(w0, magnitude(values["w_max"], None))
    syn.w = w0
    inh_syn = b2.Synapses(inh, post, on_pre=f"gi_post += {p['g_inh']}", dt=dt, name="inhibition")
    inh_syn.connect()
    spikes = b2.SpikeMonitor(post, name="post_spikes")
    watched = np.arange(0, p["N_exc"], max(1, p["N_exc"] // SAMPLED))
    state = b2.StateMonitor(syn, ["w", "e_act"], record=watched, dt=SAMPLE_S * b2.second,
                            when="end", name="sampled")
    net = b2.Network(post, exc, inh, syn, inh_syn, spikes, state)

    rates, phase_s = p["rates_hz"], p["phase_s"]
    r_target = magnitude(values["r_target"], b2.Hz)

    wall = run_network(net, len(rates) * phase_s * 1000.0, progress)
    ratio_t = np.asarray(state.w) / w0[watched][:, None]          # (watched, samples)
    med_t = np.median(ratio_t, axis=0)
    t_s = [0.0] + [float(x) for x in np.asarray(state.t / b2.second) + schedule.dt_ms / 1000.0]
    factor = [1.0] + [float(x) for x in med_t]
    spread = [0.0] + [float(x) for x in np.max(np.abs(ratio_t / med_t - 1.0), axis=0)]
    sensor = [r_target] + [float(x) * r_target for x in np.asarray(state.e_act[0])]
    mean_w = [float(np.mean(w0))] + [float(x) for x in np.mean(np.asarray(state.w), axis=0)]
    w_final = np.asarray(syn.w[:], float)
    t_spk = np.asarray(spikes.t / b2.second)
    bin_s = p["bin_s"]
    edges = np.arange(int(round(len(rates) * phase_s / bin_s)) + 1) * bin_s
    rate_bins = np.histogram(t_spk, bins=edges)[0] / bin_s
    window = 0.2 * phase_s
    tol = 3.0 * np.sqrt(r_target / window)
    phase_rows = []
    for k, r_in in enumerate(rates):
        t0, t1 = k * phase_s, (k + 1) * phase_s
        late = np.sum((t_spk >= t1 - window) & (t_spk < t1)) / window
        early = np.sum((t_spk >= t0) & (t_spk < t0 + bin_s)) / bin_s
        phase_rows.append((r_in, early, late, abs(late - r_target) <= tol))
    ratio = w_final / w0
    ratio_median = np.median(ratio)
    extra = {
        "target_rate_hz": r_target,
        "input_rates_hz": [float(r) for r in rates],
        "phase_s": phase_s,
        "bin_times_s": [float(x) for x in edges[1:]],
        "output_rate_hz": [float(x) for x in rate_bins],
        "sample_times_s": t_s,
        "scale_factor": factor,
        "scale_factor_spread_sampled": spread,
        "sensor_rate_hz": sensor,
        "mean_w": mean_w,
        "phase_first_bin_rate_hz": [float(r[1]) for r in phase_rows],
        "phase_late_rate_hz": [float(r[2]) for r in phase_rows],
        "rate_tolerance_hz": float(tol),
        "phase_within_tolerance": [float(r[3]) for r in phase_rows],
        "final_scale_factor": float(ratio_median),
        "final_ratio_spread": float(np.max(np.abs(ratio / ratio_median - 1.0))),
        "weights_initial": [float(x) for x in w0],
        "weights_final": [float(x) for x in w_final],
    }
    return network_result(model, set_name, values, schedule, np.mean(w0), np.mean(w_final),
                          np.asarray(t_s) * 1000.0, mean_w,
                          f"mean weight of {len(watched)} sampled synapses every {SAMPLE_S:g} s; "
                          "w_initial / w_final are means over all synapses", wall, extra)



NAME = "homeostatic_scaling"


def key_numbers(m, s, per_backend):
    b, r = preferred(per_backend)
    c = r["conditions"][0]
    tol = float(c["rate_tolerance_hz"])
    rows = []
    for k, (ri, late) in enumerate(zip(c["input_rates_hz"], c["phase_late_rate_hz"])):
        rows.append(key_number(NAME, m, s, b, f"phase {k + 1} (input {float(ri):g} Hz): output "
                               "rate, last 20 % (Hz)", float(late), float(c["target_rate_hz"]),
                               tol, "tolerance 3 sqrt(r_target / window) (counting noise)"))
    pure = m == "synaptic_scaling"
    rows.append(key_number(NAME, m, s, b, "max |(w_i(T)/w_i(0)) / median − 1| (ratio spread)",
                           float(c["final_ratio_spread"]), *((0.0, 1e-9) if pure else (None, None)),
                           "pure scaling preserves ratios" if pure else
                           "STDP acts on the same synapses: ratios change"))
    return rows



REPORT = Report(group_figure="scaling",
                group_title="Homeostatic synaptic scaling: input-rate steps (brian2)",
                key_numbers=key_numbers)

PROTOCOL = Protocol(
    report=REPORT,
    name=NAME,
    title="Homeostatic synaptic scaling under input-rate steps (van Rossum et al. 2000)",
    doc=__doc__,
    families=("homeostatic",),
    options=[Option("rates_hz", "10,20,5", "excitatory input rate of each phase (Hz, "
                                           "comma-separated)", str),
             Option("phase_s", 100.0, "length of each phase (s)", float, 1.0),
             Option("bin_s", 5.0, "bin of the output-rate curve (s)", float, 0.1),
             Option("seed", 1, "random seed (Poisson inputs, initial weights)", int, 0)],
    build=build,
    measure=lambda result: [result.extra],
    simulate=simulate,
    standalone=True,
)
