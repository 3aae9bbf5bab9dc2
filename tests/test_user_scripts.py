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
