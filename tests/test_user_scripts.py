"""A scientist's own Brian2 and PyNN scripts (issue 18): the recipes of the README and the
module docstrings, written the way Brian2 and PyNN users write them."""
import numpy as np
import pytest

b2 = pytest.importorskip("brian2")

from plasticity.models import get_model, make_synapses  # noqa: E402


def _network(connect_later, seed=3):
    """20 Poisson inputs onto 2 neurons driven hard enough to spike; the same seed."""
    b2.start_scope()
    b2.seed(seed)
    b2.prefs.codegen.target = "numpy"
    inputs = b2.PoissonGroup(20, rates=40 * b2.Hz)
    neuron = b2.NeuronGroup(2, "dv/dt = (-70*mV - v)/(10*ms) : volt", threshold="v > -54*mV",
                            reset="v = -70*mV", method="exact")
    neuron.v = -70 * b2.mV
    if connect_later:
        S = make_synapses("stdp_pair", inputs, neuron, params="multiplicative",
                          transmit="v_post += 400*w*mV")
        S.connect(j="0")                      # the docstring's recipe: connect afterwards,
        S.connect(i=np.arange(10), j=1)       # even in several calls
    else:
        S = make_synapses("stdp_pair", inputs, neuron, params="multiplicative",
                          transmit="v_post += 400*w*mV",
                          connect={"i": np.r_[np.arange(20), np.arange(10)],
                                   "j": np.r_[np.zeros(20, int), np.ones(10, int)]})
    spikes = b2.SpikeMonitor(neuron)
    b2.run(500 * b2.ms)
    return S, spikes


def test_connect_after_make_synapses_sets_every_parameter():
    """Connecting after make_synapses once left every per-synapse parameter at 0 (weights NaN
    within 100 ms); now each connect initialises the synapses it creates."""
    S, spikes = _network(connect_later=True)
    values = get_model("stdp_pair").resolve("multiplicative")
    assert len(S) == 30
    for name in ("tau_plus", "tau_minus", "A_plus", "A_minus", "w_max", "mu_plus", "mu_minus"):
        np.testing.assert_array_equal(np.asarray(getattr(S, name)[:]),
                                      np.full(30, float(values[name])), err_msg=name)
    assert spikes.num_spikes > 0                   # the rule had post spikes to act on
    w = np.asarray(S.w[:])
    assert np.all(np.isfinite(w)) and np.all((w >= 0) & (w <= float(values["w_max"])))
    assert np.any(w != float(values["w_init"]))    # it learned


def test_connect_later_equals_connect_at_creation():
    a, sa = _network(connect_later=True)
    wa = np.asarray(a.w[:])[np.lexsort((a.i[:], a.j[:]))]
    b, sb = _network(connect_later=False)
    wb = np.asarray(b.w[:])[np.lexsort((b.i[:], b.j[:]))]
    assert sa.num_spikes == sb.num_spikes
    np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("backend", ["pynn.nest", "pynn.brian2"])
def test_synapse_type_takes_what_pynn_users_write(backend):
    """Plain floats in PyNN's units, weight= and delay= as in every PyNN synapse type, and a
    Tsodyks–Markram weight in µS on a conductance-based cell (once only '0.01nA' worked)."""
    import importlib
    from plasticity.models import synapse_type
    from plasticity.models.core import PlasticityError
    sim = importlib.import_module("pyNN." + backend.split(".")[1])
    sim.setup(timestep=0.1, min_delay=0.1)
    floats = synapse_type("stdp_pair", sim, tau_plus=16.8, A_plus=0.01, weight=0.004,
                          delay=1.5)
    strings = synapse_type("stdp_pair", sim, tau_plus="16.8 ms", A_plus="0.01",
                           w_init="0.004", delay="1.5ms")
    for name in ("tau_plus", "A_plus", "weight", "delay"):
        assert floats.parameter_space[name].base_value == \
            strings.parameter_space[name].base_value, name
    assert floats.parameter_space["tau_plus"].base_value == 16.8
    assert floats.parameter_space["delay"].base_value == 1.5
    tm = [synapse_type("tsodyks_markram", sim, weight=w, tau_rec=500.0)
          for w in (0.01, "0.01uS", "0.01 nA")]
    assert [t.parameter_space["weight"].base_value for t in tm] == [0.01] * 3
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[[5.0, 25.0]] * 2))
    post = sim.Population(2, sim.IF_cond_exp())
    proj = sim.Projection(pre, post, sim.OneToOneConnector(), tm[1],
                          receptor_type="excitatory")
    assert proj.get("weight", format="array")[0, 0] == pytest.approx(0.01)
    assert proj.get("delay", format="array")[0, 0] == pytest.approx(0.1)
    with pytest.raises(PlasticityError, match="weight or w_init, not both"):
        synapse_type("stdp_pair", sim, weight=0.004, w_init=0.004)
    with pytest.raises(PlasticityError, match="delay must be a time"):
        synapse_type("stdp_pair", sim, delay="1 mV")
    sim.end()


def test_reward_from_a_plain_brian2_script_equals_the_package_runner():
    """stdp_dopamine from plain Brian2: connect_reward delivers the dopamine spike and a
    read-out tick; w equals the package's own runner on the same spike times (the runner's
    times are 1 ms later: OFFSET_MS; with b = 0 a common shift changes nothing), and a monitor
    at the tick's step reads the exact weight."""
    from plasticity.models import connect_reward, get_model
    from plasticity.protocols import run as runners
    from plasticity.protocols.schedule import Condition, Schedule
    model = get_model("stdp_dopamine")
    values = model.resolve("nest_defaults")
    assert float(values["b"] / b2.Hz) == 0.0
    sched = Schedule("reward", 3000.0, [Condition("pair", np.array([10.0]), np.array([20.0]))],
                     reward=np.array([1010.0])).validate()
    expected = runners.run(model, "nest_defaults", values, sched, "brian2").w_final[0]
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    off = runners.OFFSET_MS
    pre = b2.SpikeGeneratorGroup(1, [0], [10.0 + off] * b2.ms)
    post = b2.SpikeGeneratorGroup(1, [0], [20.0 + off] * b2.ms)
    S = make_synapses("stdp_dopamine", pre, post, params="nest_defaults", connect=True)
    reward = connect_reward(S, [1010.0 + off] * b2.ms,                    # noqa: F841
                            readout_times=[3000.0 + off] * b2.ms)
    mon = b2.StateMonitor(S, "w", record=0, when="end", dt=0.1 * b2.ms)
    b2.run(3000.0 * b2.ms + 2 * off * b2.ms)
    assert float(S.w[0]) == pytest.approx(expected, rel=1e-12)
    assert float(S.w[0]) != float(values["w_init"])          # the reward changed it
    k = int(round((3000.0 + off) / 0.1))
    assert float(mon.w[0][k]) == pytest.approx(expected, rel=1e-12)   # exact at the tick
    assert float(mon.w[0][k - 1]) == float(values["w_init"])          # stored only at events


def _delay_script(backend, semantics, delay_ms):
    import os
    import subprocess
    import sys
    script = os.path.join(os.path.dirname(__file__), "scripts", "delay_pairing.py")
    r = subprocess.run([sys.executable, script, backend, semantics, str(delay_ms)],
                       capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert r.returncode == 0, r.stderr[-1500:]
    return np.array([float(x) for x in r.stdout.split()[-6:]])


@pytest.mark.parametrize("delay_ms", [0.1, 3.0])
def test_delay_semantics_are_the_same_on_both_pynn_backends(delay_ms):
    """The same PyNN script once gave weights several % apart on pyNN.nest (dendritic delay)
    and pyNN.brian2 (axonal), silently.  With the default delay_semantics='dendritic' both
    pair Δt = t_post + d - t_pre (pyNN.brian2 delays its post pathway by 2 d): equal weights.
    Pairings at Δt = -15 ... 12 ms around d, none coincident."""
    nest_w = _delay_script("nest", "dendritic", delay_ms)
    brian_w = _delay_script("brian2", "dendritic", delay_ms)
    np.testing.assert_allclose(brian_w, nest_w, rtol=1e-9)
    if delay_ms >= 1.0:               # the other convention gives other pairings
        axonal = _delay_script("brian2", "axonal", delay_ms)
        assert np.max(np.abs(axonal - nest_w) / nest_w) > 0.01


def test_delay_semantics_refusals():
    import pyNN.nest as sim
    from plasticity.models import synapse_type
    from plasticity.models.core import PlasticityError
    sim.setup(timestep=0.1, min_delay=0.1)
    with pytest.raises(PlasticityError, match="NEST's delays are dendritic"):
        synapse_type("stdp_pair", sim, delay_semantics="axonal")
    with pytest.raises(PlasticityError, match="delay_semantics must be one of"):
        synapse_type("stdp_pair", sim, delay_semantics="both")
    sim.end()


def test_clopath_from_a_plain_brian2_script_equals_the_runner():
    """clopath (once refused by make_synapses): make_neuron gives the AdEx neuron with its
    u_bar filters, make_synapses the rule onto it; three pre-post pairings (+10 ms, 20 Hz),
    the post spikes forced through the neuron's documented 'force' input as the protocols
    do.  The weight equals the package's runner on the same spike times."""
    from plasticity.models import make_neuron
    from plasticity.models.core import PlasticityError
    from plasticity.protocols.run import OFFSET_MS, clopath
    from plasticity.protocols.schedule import Condition, Schedule
    model = get_model("clopath")
    values = model.resolve("visual_cortex")
    pre_t, post_t = np.array([10.0, 60.0, 110.0]), np.array([20.0, 70.0, 120.0])
    sched = Schedule("pairs", 300.0, [Condition("p", pre_t, post_t)]).validate()
    b2.prefs.codegen.target = "numpy"
    expected = clopath.simulate(model, "visual_cortex", values, sched, "brian2").w_final[0]
    b2.start_scope()
    neuron = make_neuron("clopath", 1)
    pre = b2.SpikeGeneratorGroup(1, [0, 0, 0], (pre_t + OFFSET_MS) * b2.ms)
    forcer = b2.SpikeGeneratorGroup(1, [0, 0, 0], (post_t + OFFSET_MS - 0.1) * b2.ms)
    force = b2.Synapses(forcer, neuron, on_pre="force_post = 1")
    force.connect()
    S = make_synapses("clopath", pre, neuron, connect=True)
    b2.run((300.0 + OFFSET_MS + 0.1) * b2.ms)
    assert float(S.w[0]) == pytest.approx(expected, rel=1e-12)
    assert float(S.w[0]) != float(values["w_init"])
    with pytest.raises(PlasticityError, match="make_neuron"):
        make_synapses("clopath", pre, b2.NeuronGroup(1, "v : volt"))


def test_current_value_brings_event_state_to_now():
    """State kept only at events reads stale in a monitor; current_value brings it to now with
    the rule's exact solution: a trace decays as exp(-Δt/τ) (closed form), Tsodyks–Markram's x
    and u equal what the next spike uses, and stdp_dopamine's w equals the package's runner
    without any read-out tick."""
    from plasticity.models import connect_reward, current_value
    from plasticity.models.core import PlasticityError
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    values = get_model("stdp_pair").resolve(None)
    pre = b2.SpikeGeneratorGroup(1, [0], [10.0] * b2.ms)
    post = b2.SpikeGeneratorGroup(1, [0], [20.0] * b2.ms)
    S = make_synapses("stdp_pair", pre, post, connect=True)
    b2.run(50 * b2.ms)
    tau_p, tau_m = float(values["tau_plus"] / b2.ms), float(values["tau_minus"] / b2.ms)
    assert float(S.x_tr[0]) == pytest.approx(np.exp(-10 / tau_p), rel=1e-12)   # stale
    assert float(current_value(S, "x_tr")[0]) == pytest.approx(np.exp(-40 / tau_p), rel=1e-12)
    assert float(current_value(S, "y_tr")[0]) == pytest.approx(np.exp(-30 / tau_m), rel=1e-12)
    assert float(S.x_tr[0]) == pytest.approx(np.exp(-10 / tau_p), rel=1e-12)   # unchanged
    with pytest.raises(PlasticityError, match="precedes"):
        current_value(S, "x_tr", t=15 * b2.ms)
    with pytest.raises(PlasticityError, match="not a variable"):
        current_value(S, "nonsense")

    for params in ("depressing", "facilitating"):
        b2.start_scope()
        times = [10.0, 60.0, 110.0, 160.0, 210.0, 400.0] * b2.ms
        pre = b2.SpikeGeneratorGroup(1, [0] * 6, times)
        post = b2.NeuronGroup(1, "v : 1")
        S = make_synapses("tsodyks_markram", pre, post, params=params, connect=True)
        b2.run(300 * b2.ms)
        x_next = current_value(S, "x", t=400 * b2.ms)[0]
        u_next = current_value(S, "u", t=400 * b2.ms)[0]
        b2.run(100.05 * b2.ms)                      # the spike at 400 ms
        U = float(S.U[0])
        assert float(S.x[0]) == pytest.approx(float(x_next), rel=1e-12, abs=1e-15)
        assert float(S.u[0]) == pytest.approx(U + float(u_next) * (1 - U), rel=1e-12)

    from plasticity.protocols import run as runners
    from plasticity.protocols.schedule import Condition, Schedule
    model = get_model("stdp_dopamine")
    dvalues = model.resolve("nest_defaults")
    sched = Schedule("reward", 3000.0, [Condition("pair", np.array([10.0]), np.array([20.0]))],
                     reward=np.array([1010.0])).validate()
    expected = runners.run(model, "nest_defaults", dvalues, sched, "brian2").w_final[0]
    b2.start_scope()
    off = runners.OFFSET_MS
    pre = b2.SpikeGeneratorGroup(1, [0], [10.0 + off] * b2.ms)
    post = b2.SpikeGeneratorGroup(1, [0], [20.0 + off] * b2.ms)
    S = make_synapses("stdp_dopamine", pre, post, params="nest_defaults", connect=True)
    reward = connect_reward(S, [1010.0 + off] * b2.ms)                      # noqa: F841
    b2.run(3000.0 * b2.ms + off * b2.ms)
    assert float(S.w[0]) == float(dvalues["w_init"])          # stale: stored at the last event
    assert float(current_value(S, "w")[0]) == pytest.approx(expected, rel=1e-12)


DOPAMINE_SCRIPT = """
import sys, json
import pyNN.{backend} as sim
from plasticity.models import synapse_type, connect_reward
sim.setup(timestep=0.1, min_delay=0.1)
pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[10.0]))
kick = sim.Population(2, sim.SpikeSourceArray(spike_times=[15.0]))
post = sim.Population(2, sim.IF_curr_exp(tau_refrac=200.0))          # one spike
sim.Projection(kick, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=50.0, delay=0.1))
syn = synapse_type("stdp_dopamine", sim, params="nest_defaults", delay=0.1)
proj = sim.Projection(pre, post, sim.OneToOneConnector(), syn)
connect_reward(proj, [1000.0], readout_times=[3000.0])
post.record("spikes")
sim.run(3000.0)
t_post = float(post.get_data().segments[0].spiketrains[0][0])
print(json.dumps([t_post, float(proj.get("weight", format="array")[0, 0])]))
"""


@pytest.mark.parametrize("backend", ["nest", "brian2"])
def test_pynn_reward_equals_the_closed_form(backend, tmp_path):
    """connect_reward on a PyNN projection: one pairing (pre at 10 ms, the cell's own spike at
    t_post), dopamine at 1000 ms, read at 3000 ms.  The rule sees the post spike d = 0.1 ms
    later (dendritic delay, the same on both backends), so with b = 0 (derivation in
    test_issue5_models): dw = A+ e^{-(t_post + d - 10)/tau+} e^{-(1000 - t_post - d)/tau_c}
    tau_s/tau_n (1 - e^{-(3000 - 1000)/tau_s}).  Before, pyNN.brian2 had no reward input for
    a user's script, pyNN.nest needed a hand-made volume transmitter, and pyNN.nest read w one
    min_delay late (PyNN simulates past T): 7e-10 off."""
    import json
    import subprocess
    import sys
    import os
    (tmp_path / "brian_preferences").write_text("codegen.target = 'numpy'\n")
    r = subprocess.run([sys.executable, "-c", DOPAMINE_SCRIPT.replace("{backend}", backend)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300,
                       env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert r.returncode == 0, r.stderr[-2000:]
    t_post, w = json.loads(r.stdout.strip().splitlines()[-1])
    v = get_model("stdp_dopamine").resolve("nest_defaults")
    ms = lambda q: float(q / b2.ms)
    A, tp, tc, tn = float(v["A_plus"]), ms(v["tau_plus"]), ms(v["tau_c"]), ms(v["tau_n"])
    assert float(v["b"] / b2.Hz) == 0.0          # nest_defaults: no tonic dopamine
    ts = tc * tn / (tc + tn)
    t_seen = t_post + 0.1
    dw = A * np.exp(-(t_seen - 10.0) / tp) * np.exp(-(1000.0 - t_seen) / tc) * ts / tn * \
        (1 - np.exp(-2000.0 / ts))
    w0 = float(v["w_init"])                      # (dimensionless weight: PyNN's number)
    assert w == pytest.approx(w0 + dw, rel=1e-12)


def test_pynn_clopath_weights_in_pynn_units(tmp_path):
    """clopath under PyNN (pyNN.nest): cell_type gives the neuron; a plain-number weight is in
    PyNN's units (NEST mV / 1000, as pyNN.nest reads it back), a unit string as written."""
    import pyNN.nest as sim
    import nest
    from plasticity.models import cell_type, synapse_type
    from plasticity.models.core import PlasticityError
    sim.setup(timestep=0.1, min_delay=0.1)
    cells = sim.Population(2, cell_type("clopath", sim, A_LTP=1.4e-4 / b2.mV**2))
    assert nest.GetStatus(cells.node_collection, "A_LTP")[0] == pytest.approx(1.4e-4)
    assert nest.GetStatus(cells.node_collection, "u_bar_plus")[0] == \
        nest.GetStatus(cells.node_collection, "E_L")[0]
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[5.0]))
    for weight in (0.0005, "0.5 mV"):
        proj = sim.Projection(pre, cells, sim.OneToOneConnector(),
                              synapse_type("clopath", sim, weight=weight, delay=0.1))
        assert proj.get("weight", format="array")[0, 0] == pytest.approx(0.0005)
        conns = nest.GetConnections(pre.node_collection, cells.node_collection,
                                    synapse_model=proj.nest_synapse_model)
        assert conns.weight[0] == pytest.approx(0.5)          # NEST's mV
    with pytest.raises(PlasticityError, match="belong to the neuron"):
        synapse_type("clopath", sim, A_LTP=1e-4)
    sim.end()
    import pyNN.brian2 as simb
    with pytest.raises(PlasticityError, match="supported: brian2, pynn.nest"):
        synapse_type("clopath", simb)


def test_declared_rule_runs_as_the_hand_written_synapse():
    """Brian2's spike_based_homeostasis.py: the rule declared with define_rule and made with
    make_synapses (per-synapse and shared constants) ends at the hand-written synapse's weight
    (same seed, same spikes).  Its speed is measured by the same script (issue 29 note), not
    here."""
    import os
    import subprocess
    import sys
    script = os.path.join(os.path.dirname(__file__), "scripts", "spike_based_homeostasis.py")
    out = {}
    for v in ("hand", "rule", "shared"):
        r = subprocess.run([sys.executable, script, v, "2"], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        name, _, w = r.stdout.split()
        out[name] = float(w)
    assert out["rule"] == out["hand"] == out["shared"]
    assert 0 < out["hand"] <= 2
