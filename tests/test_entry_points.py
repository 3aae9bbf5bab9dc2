"""What users write on the public entry points, each met porting a real example (issue 29):
refusals in one line before anything is built, NEST's numbers and PyNN's names accepted, no
process exit from C++, no global side effects of importing the package."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from plasticity.models import get_model, nest_synapse, synapse_type
from plasticity.models.core import PlasticityError

nest = pytest.importorskip("nest")

NESTML_ON_POST = ["graupner_brunel", ("stdp_triplet", "visual_nearest_full"),
                  "synaptic_scaling", "stdp_pair_scaling"]


def _one_line(err):
    assert "\n" not in str(err.value), str(err.value)
    return str(err.value)


def _python(code, tmp_path, env=None):
    """Run ``code`` in a fresh interpreter (what a user's script does); its result."""
    full = {**os.environ, "TMPDIR": str(tmp_path), **(env or {})}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full, cwd=tmp_path, timeout=300)


# -- 3: a NESTML rule onto a standard cell -----------------------------------------------------
@pytest.mark.parametrize("case", NESTML_ON_POST, ids=str)
def test_nestml_rule_onto_a_standard_cell_is_refused_before_building(case, tmp_path,
                                                                     monkeypatch):
    """pyNN.nest: refused at the Projection in one line, before the module is built (an empty
    cache stays empty) or anything connected."""
    import pyNN.nest as sim
    name, set_name = case if isinstance(case, tuple) else (case, None)
    monkeypatch.setenv("PLASTICITY_CACHE_DIR", str(tmp_path / "cache"))
    sim.setup(timestep=0.1, min_delay=0.1)
    pre = sim.Population(2, sim.SpikeSourcePoisson(rate=10.0))
    cells = sim.Population(2, sim.IF_cond_exp())
    with pytest.raises(PlasticityError, match="connects only onto its relay neuron") as err:
        sim.Projection(pre, cells, sim.AllToAllConnector(),
                       synapse_type(name, sim, params=set_name), receptor_type="excitatory")
    assert "iaf_cond_exp" in _one_line(err)
    assert not (tmp_path / "cache").exists()
    assert len(nest.GetConnections(target=cells.node_collection)) == 0
    sim.end()


def test_nestml_rule_in_plain_nest_is_refused_and_the_process_lives(tmp_path):
    """Plain PyNEST: ``spec.connect`` refuses in one line; a plain ``nest.Connect`` onto the
    wrong neuron raises NEST's IllegalConnection (the built module no longer calls exit(1))."""
    result = _python("""
        import nest
        from plasticity.models import nest_synapse, nestml
        from plasticity.models.core import PlasticityError
        nest.set_verbosity("M_ERROR")
        spec = nest_synapse("graupner_brunel")
        nestml.install(nest, spec.module)
        pre, post = nest.Create("parrot_neuron"), nest.Create("iaf_psc_alpha")
        try:
            spec.connect(pre, post)
        except PlasticityError as err:
            print("refused:", err)
        try:
            nest.Connect(pre, post, syn_spec=spec.syn_spec)
        except nest.NESTError as err:
            print("NEST:", type(err).__name__)
        print("alive", len(nest.GetConnections(pre, post)))
    """, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused: graupner_brunel on NEST is a NESTML synapse" in result.stdout
    assert "NEST: IllegalConnection" in result.stdout
    assert "alive 0" in result.stdout


# -- 4: importing the package changes no process-wide behaviour --------------------------------
def test_a_plasticity_error_in_a_pynest_script_is_a_plain_traceback(tmp_path):
    result = _python("""
        import plasticity.models
        from plasticity.models import nest_synapse
        nest_synapse("stdp_pair", tau_plus="-1 ms")
    """, tmp_path)
    assert result.returncode == 1
    assert "PlasticityError: stdp_pair: parameter 'tau_plus' must be > 0 ms" in result.stderr
    assert "Brian 2 encountered" not in result.stderr
    assert not list(tmp_path.glob("brian_debug_*"))


# -- 5: nest_synapse takes what a NEST user writes ---------------------------------------------
def test_nest_synapse_takes_nest_numbers_weight_delay_and_compound_units():
    spec = nest_synapse("tsodyks_markram", tau_rec=800.0, weight=5.0, delay=1.5)
    assert spec.syn_spec["tau_rec"] == 800.0
    assert spec.syn_spec["weight"] == pytest.approx(5.0, rel=1e-12)       # pA, NEST's number
    assert spec.syn_spec["delay"] == 1.5
    clopath = nest_synapse("clopath", A_LTP="8e-6/mV**2", u_ref_squared="3600 mV^2",
                           A_LTD="1.4e-4 mV^-1", g_L=30.0)
    assert clopath.post_neuron["A_LTP"] == pytest.approx(8e-6, rel=1e-12)
    assert clopath.post_neuron["u_ref_squared"] == pytest.approx(3600.0, rel=1e-12)
    assert clopath.post_neuron["A_LTD"] == pytest.approx(1.4e-4, rel=1e-12)
    assert clopath.post_neuron["g_L"] == pytest.approx(30.0, rel=1e-12)  # nS
    assert nest_synapse("stdp_pair", tau_plus=16.8).post_neuron["tau_minus"] == 20.0
    assert nest_synapse("stdp_pair", tau_plus=16.8).syn_spec["tau_plus"] == 16.8


@pytest.mark.parametrize("kwargs,match", [
    ({"tau_rec": "800 mV"}, "must be a quantity in ms"),
    ({"A_LTP": "8e-6/mV**x"}, "cannot parse"),
    ({"delay": "0.1+0.001*d"}, "a NEST delay is a number of ms"),
    ({"weight": 1.0, "w_init": 1.0}, "not both"),
])
def test_nest_synapse_refuses_in_one_line(kwargs, match):
    name = "clopath" if "A_LTP" in kwargs else "tsodyks_markram"
    with pytest.raises(PlasticityError, match=match) as err:
        nest_synapse(name, **kwargs)
    _one_line(err)


# -- 6: PyNN's distance expression for delays --------------------------------------------------
@pytest.mark.parametrize("backend", ["nest", "brian2"])
def test_synapse_type_takes_pynn_distance_delays(backend):
    import importlib
    from pyNN.space import Line
    sim = importlib.import_module(f"pyNN.{backend}")
    sim.setup(timestep=0.1, min_delay=0.1)
    cells = sim.Population(4, sim.IF_curr_exp(), structure=Line(dx=100.0))
    proj = sim.Projection(cells, cells, sim.AllToAllConnector(allow_self_connections=False),
                          synapse_type("stdp_pair", sim, delay="0.1+0.001*d"),
                          receptor_type="excitatory")
    delays = np.array(proj.get("delay", format="list"))
    expected = 0.1 + 0.001 * 100.0 * np.abs(delays[:, 0] - delays[:, 1])
    np.testing.assert_allclose(delays[:, 2], np.round(expected / 0.1) * 0.1, atol=1e-9)
    assert len(set(np.round(delays[:, 2], 6))) > 1
    with pytest.raises(PlasticityError, match="cannot parse delay") as err:
        synapse_type("stdp_pair", sim, delay="0.1+0.001*x")
    _one_line(err)
    sim.end()


# -- 7: PyNN's names ---------------------------------------------------------------------------
def test_pynn_parameter_names_are_accepted_where_the_meaning_is_the_same():
    import pyNN.nest as sim
    sim.setup(timestep=0.1, min_delay=0.1)
    timing = {"tau_plus": 20.0, "tau_minus": 20.0, "A_plus": 0.01, "A_minus": 0.012}
    weights = {"w_min": 0.0, "w_max": 0.04}         # PyNN's AdditiveWeightDependence
    syn = synapse_type("stdp_pair", sim, **timing, **weights, weight=0.02)
    assert syn.parameter_space["w_max"].base_value == 0.04
    assert get_model("bernoulli").resolve(None, {"p": 0.3})["p_transmit"] == 0.3
    assert get_model("quantal_stp").resolve(None, {"n": 3})["n_sites"] == 3
    # PyNN's Vogels2011Rule(tau, eta, rho): alpha = 2 tau rho
    vogels = get_model("vogels_sprekeler").resolve(None, {"tau": "20 ms", "rho": 3.0})
    assert vogels["alpha"] == pytest.approx(0.12, rel=1e-12)
    with pytest.raises(PlasticityError, match="'w_min' can only be 0") as err:
        synapse_type("stdp_pair", sim, w_min=0.001)
    _one_line(err)
    with pytest.raises(PlasticityError, match="not both"):
        get_model("bernoulli").resolve(None, {"p": 0.3, "p_transmit": 0.3})
    sim.end()


# -- 8: the order of transmission and update at a pre spike ------------------------------------
@pytest.mark.parametrize("order", ["after_update", "before_update"])
def test_transmit_order(order):
    """A post spike at 10 ms, a pre spike at 20 ms: the pre spike depresses w by
    A_minus * w_max * exp(-10/tau_minus) (additive); the target receives w after that update
    (NEST's order, the default) or before it (Brian2's examples)."""
    import brian2 as b2
    from plasticity.models import make_synapses
    b2.start_scope()
    pre = b2.SpikeGeneratorGroup(1, [0], [20.0] * b2.ms)
    target = b2.NeuronGroup(1, "received : 1", threshold="abs(t - 10*ms) < 0.05*ms")
    S = make_synapses("stdp_pair", pre, target, params="additive", connect=True,
                      transmit="received_post += w", transmit_order=order)
    b2.run(30 * b2.ms)
    v = get_model("stdp_pair").resolve("additive")
    w0 = float(v["w_init"])
    depressed = w0 - float(v["A_minus"]) * float(v["w_max"]) * np.exp(
        -10.0 / float(v["tau_minus"] / b2.ms))
    assert float(S.w[0]) == pytest.approx(depressed, rel=1e-12)
    expected = depressed if order == "after_update" else w0
    assert float(target.received[0]) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(PlasticityError, match="transmit_order") as err:
        make_synapses("tsodyks_markram", pre, target, transmit="received_post += w*u*x",
                      transmit_order="before_update")
    _one_line(err)


# -- 9: no warnings from the reward pathway ----------------------------------------------------
def test_stdp_dopamine_runs_without_brian2_warnings():
    import brian2 as b2
    from brian2.utils.logger import catch_logs
    from plasticity.models import connect_reward, make_synapses
    b2.start_scope()
    pre = b2.SpikeGeneratorGroup(1, [0, 0], [10, 30] * b2.ms)
    post = b2.SpikeGeneratorGroup(1, [0], [15] * b2.ms)
    S = make_synapses("stdp_dopamine", pre, post, connect=True)
    reward = connect_reward(S, [50] * b2.ms, readout_times=[100] * b2.ms)  # noqa: F841
    with catch_logs() as logs:
        b2.run(100 * b2.ms)
    assert not [m for m in logs if "well-defined" in m[2]], logs
    assert float(S.w[0]) != 1.0 or float(S.c[0]) != 0.0


# -- 10: logging handlers of a NESTML build ----------------------------------------------------
def test_handlers_left_on_a_closed_build_log_are_released():
    """A handler installed while the build's log was sys.stderr (NESTML, astropy) is pointed
    back at stderr: later warnings print no 'Logging error' traceback."""
    import io
    import logging
    from plasticity.models.nestml import _release_stream
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logger = logging.getLogger("test_release_stream")
    logger.addHandler(handler)
    try:
        _release_stream(log)
        log.close()
        assert handler.stream is sys.stderr
        logger.warning("after the build")             # (writes to stderr, no exception)
    finally:
        logger.removeHandler(handler)


# -- 12: NEST model copies, unknown names -------------------------------------------------------
def test_copy_model_always_copies_and_takes_common_properties():
    nest.ResetKernel()
    spec = nest_synapse("stdp_pair")
    assert not spec.model_defaults
    wr = nest.Create("weight_recorder")
    syn = spec.copy_model(weight_recorder=wr)
    assert syn["synapse_model"] != "stdp_synapse"
    assert nest.GetDefaults(syn["synapse_model"])["weight_recorder"] == wr
    assert nest.GetDefaults("stdp_synapse")["weight_recorder"] != wr


@pytest.mark.parametrize("name,hint", [("urbanczik", "not in this collection"),
                                       ("stdp_pari", "closest: stdp_pair")])
def test_unknown_model_names_say_why_and_what_is_near(name, hint):
    with pytest.raises(PlasticityError, match=hint) as err:
        get_model(name)
    assert "define_rule" in _one_line(err)
