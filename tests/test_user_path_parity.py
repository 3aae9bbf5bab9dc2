"""The user's path as a parity test (issue 29): the same random spike trains with coincident
pre and post spikes, run by a plain PyNEST script (``nest_synapse``), a pyNN.nest script
(``synapse_type``) and a plain Brian2 script (``make_synapses``), each built with the public
entry points only (``user_scripts.py``), against the package's own runner on the same engine:
final weights equal to 1e-9 relative, for every rule that runs on imposed spikes there.

Not here: clopath (its rule reads the membrane potential: no imposed post spikes), the
short-term and stochastic rules (no long-term weight), stdp_dopamine (a reward input: the
reward network's parity tests)."""
import numpy as np
import pytest

import user_scripts
from plasticity.models import define_rule, get_model, rule_param, MODELS
from plasticity.protocols import run as runners
from plasticity.protocols.parity import random_schedule

RTOL = 1e-9


def _cases():
    out = []
    for name, model in MODELS.items():
        if model.nest is None or not model.plastic or model.needs_neuron or \
                model.nest.volume_transmitter or model.family in ("stochastic", "user"):
            continue
        overrides = {"sigma": 0.0} if name == "graupner_brunel" else {}   # deterministic
        out.append((name, model.default_set, overrides))
    out.append(("stdp_triplet", "visual_nearest_full", {}))       # the NESTML variant
    return out


CASES = _cases()
USER_RULE = "user_path_hebb"


def _user_rule():
    if USER_RULE not in MODELS:
        define_rule(USER_RULE, "symmetric Hebbian STDP (user path test)",
                    params={"tau": rule_param("20 ms", "window", "test"),
                            "A": rule_param("0.01", "amplitude", "test", weight=True),
                            "w_max": rule_param("1", "bound", "test", weight=True)},
                    traces={"x": ("tau", "pre"), "y": ("tau", "post")},
                    on_pre="w = clip(w + A * y, 0, w_max)",
                    on_post="w = clip(w + A * x, 0, w_max)",
                    w_init=rule_param("0.5", "start", "test", weight=True))
    return USER_RULE


def _reference(name, set_name, overrides, backend, schedule):
    model = get_model(name)
    values = model.resolve(set_name, overrides)
    w0 = runners.initial_weights(model, values, schedule)
    result = runners.run_synapses(model, values, schedule, w0, backend)
    return w0, np.asarray(result.w_final, float)


def _check(user, ref, w0, what):
    scale = np.where(np.abs(ref) > 0, np.abs(ref), 1.0)
    worst = float(np.max(np.abs(user - ref) / scale))
    assert worst <= RTOL, f"{what}: largest relative difference {worst:.3g}"
    assert np.max(np.abs(ref - w0)) > 0, f"{what}: the weights did not move"


@pytest.mark.parametrize("name,set_name,overrides", CASES + [(USER_RULE, None, {})],
                         ids=[c[0] + "/" + str(c[1]) for c in CASES] + [USER_RULE])
def test_plain_nest_and_pynn_nest_scripts_equal_the_runner(name, set_name, overrides):
    if name == USER_RULE:
        _user_rule()
    set_name = set_name or get_model(name).default_set
    schedule = random_schedule(seed=5, synapses=6, duration_ms=1000.0)
    w0, ref = _reference(name, set_name, overrides, "pynn.nest", schedule)
    _check(user_scripts.plain_nest(name, set_name, overrides, schedule, w0), ref, w0,
           f"{name} plain PyNEST")
    _check(user_scripts.pynn_nest(name, set_name, overrides, schedule, w0), ref, w0,
           f"{name} pyNN.nest")


@pytest.mark.parametrize("name,set_name,overrides", CASES, ids=[c[0] + "/" + c[1] for c in CASES])
def test_plain_brian2_script_equals_the_runner(name, set_name, overrides):
    schedule = random_schedule(seed=5, synapses=6, duration_ms=1000.0)
    w0, ref = _reference(name, set_name, overrides, "brian2", schedule)
    _check(user_scripts.plain_brian2(name, set_name, overrides, schedule, w0), ref, w0,
           f"{name} plain Brian2")


CLOSED_FORM = [("stdp_pair", "additive"), ("stdp_pair", "multiplicative"),
               ("stdp_triplet", "visual_all_to_all_full"), ("vogels_sprekeler", "single_cell"),
               ("stdp_power_law", "nest_defaults")]


@pytest.mark.parametrize("name,set_name", CLOSED_FORM, ids=[f"{a}/{b}" for a, b in CLOSED_FORM])
def test_current_value_on_pynn_nest_equals_the_flushed_runner(name, set_name):
    """Without a flush spike NEST's weights lag (the potentiation of the last post spikes);
    ``current_value(projection, "weight")`` applies it and equals the runner's flushed
    weights."""
    schedule = random_schedule(seed=5, synapses=6, duration_ms=1000.0)
    w0, ref = _reference(name, set_name, {}, "pynn.nest", schedule)
    raw = user_scripts.pynn_nest(name, set_name, {}, schedule, w0, flush=False)
    assert np.max(np.abs(raw - ref) / np.abs(ref)) > 1e-6          # the lag
    now = user_scripts.pynn_nest(name, set_name, {}, schedule, w0, flush=False, current=True)
    _check(now, ref, w0, f"{name} current_value")


def test_current_value_refuses_rules_without_a_closed_form():
    import pyNN.nest as sim
    from plasticity.models import current_value, synapse_type
    from plasticity.models.core import PlasticityError
    sim.setup(timestep=0.1, min_delay=0.1)
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[5.0]))
    post = sim.Population(2, sim.IF_curr_exp())
    proj = sim.Projection(pre, post, sim.OneToOneConnector(),
                          synapse_type("stdp_nn_symm", sim), receptor_type="excitatory")
    sim.run(10.0)
    with pytest.raises(PlasticityError, match="flush_gap_ms") as err:
        current_value(proj, "weight")
    assert "\n" not in str(err.value)
    tm = sim.Projection(pre, post, sim.OneToOneConnector(),
                        synapse_type("stdp_pair", sim), receptor_type="excitatory")
    with pytest.raises(PlasticityError, match="record the pre cells' spikes"):
        current_value(tm, "weight")
    sim.end()
