"""Every value a user sets through a public entry point reaches the engine (issue 29).

For every model, every parameter set and every parameter: a value other than the set's is given
through ``make_synapses`` / ``make_neuron`` (plain Brian2), ``synapse_type`` on pyNN.brian2 and
pyNN.nest, ``cell_type`` and ``nest_synapse`` (plain PyNEST); a connection is built and the
value is read back from the engine itself (Brian2 variables and namespaces; NEST's connection,
synapse-model defaults and post neuron).  Where a value has no one-to-one place in NEST (an
option, a neuron parameter of Clopath's cell), the test requires that changing it alone changes
what NEST holds.  A value may instead be refused, in one line, before anything is built.

The two silent drops this found (and that it fails on with the code before the fix):
quantal_stp's ``n_sites`` through ``synapse_type`` on pyNN.nest (NEST kept n = a = 1) and
clopath's ``homeostasis`` through ``nest_synapse`` (the neuron kept A_LTD_const = True).
"""
import pytest

from arrival import (brian2_expected, close, make_synapses_held, nest_held, nest_models,
                     nest_read_back, perturbed, pynn_brian2_held, pynn_nest_held, snapshot)
from plasticity.models import MODELS, nest_synapse
from plasticity.models.core import PlasticityError

BRIAN2_MODELS = [m for m in MODELS if "brian2" in MODELS[m].supported_backends()]
PYNN_BRIAN2_MODELS = [m for m in MODELS if "pynn.brian2" in MODELS[m].supported_backends()
                      and not MODELS[m].needs_neuron]


def _check_brian2(model, set_name, overrides, held, where):
    values = model.resolve(set_name, overrides)
    wrong = []
    for name, expected in brian2_expected(model, values).items():
        if name not in held:
            wrong.append(f"{name}: not held")
        elif name == "delay_u_bars":        # a delay line of whole steps, as NEST's buffer
            if abs(held[name] - expected) > 0.5 * 1e-4 + 1e-12:
                wrong.append(f"{name}: {held[name]!r} is not {expected!r} to the step")
        elif not close(held[name], expected):
            wrong.append(f"{name}: {held[name]!r} != {expected!r}")
    assert not wrong, f"{model.name}/{set_name} via {where}: {'; '.join(wrong)}"


def _options_change_constants(model, set_name):
    """An option must change a numeric constant the engine holds (else it is not used)."""
    base = model.numeric_values(model.resolve(set_name))
    for p in model.params:
        if p.choices is None:
            continue
        for choice in p.choices:
            try:
                values = model.resolve(set_name, {p.name: choice})
            except PlasticityError:
                continue
            if choice != model.resolve(set_name)[p.name]:
                assert model.numeric_values(values) != base, (model.name, p.name, choice)


@pytest.mark.parametrize("name", BRIAN2_MODELS)
def test_make_synapses_and_make_neuron_hold_every_value(name):
    model = MODELS[name]
    for set_name in model.parameter_sets:
        overrides = perturbed(model, set_name)
        readout_only = model.readout.params if model.readout is not None else ()
        assert len(overrides) == len(model.params) - len(readout_only), \
            (set_name, sorted(overrides))
        held = make_synapses_held(name, set_name, overrides)
        _check_brian2(model, set_name, overrides, held, "make_synapses")
        if not model.needs_neuron:
            held = make_synapses_held(name, set_name, overrides, shared=True)
            _check_brian2(model, set_name, overrides, held, "make_synapses(shared=True)")
        _options_change_constants(model, set_name)


@pytest.mark.parametrize("name", PYNN_BRIAN2_MODELS)
def test_synapse_type_on_pynn_brian2_holds_every_value(name):
    model = MODELS[name]
    for set_name in model.parameter_sets:
        overrides = perturbed(model, set_name)
        held = pynn_brian2_held(name, set_name, overrides)
        _check_brian2(model, set_name, overrides, held, "synapse_type(pyNN.brian2)")


def _nest_ok(name, set_name):
    return lambda overrides: nest_synapse(name, set_name, **overrides)


def _check_nest(name, set_name, build, names=None):
    """All perturbed at once: each read back where NEST has its one-to-one place; then each
    alone: what NEST holds must change."""
    model = MODELS[name]
    overrides = perturbed(model, set_name, names, accept=_nest_ok(name, set_name))
    values = model.resolve(set_name, overrides)
    pairs = nest_read_back(model, values, build(overrides))
    wrong = [f"{k}: {got!r} != {exp!r}" for k, (got, exp) in pairs.items()
             if not close(got, exp)]
    assert not wrong, f"{name}/{set_name}: {'; '.join(wrong)}"
    base = snapshot(build({}))
    silent = []
    for p in model.params:
        if names is not None and p.name not in names:
            continue
        one = perturbed(model, set_name, {p.name}, accept=_nest_ok(name, set_name))
        if not one:
            continue        # NEST represents no other value of it: refused in one line
        if snapshot(build(one)) == base:
            silent.append(f"{p.name}={one[p.name]!r}")
    assert not silent, f"{name}/{set_name}: accepted but not held by NEST: {', '.join(silent)}"


@pytest.mark.parametrize("name", nest_models())
def test_nest_synapse_holds_every_value(name):
    for set_name in MODELS[name].parameter_sets:
        try:
            nest_synapse(name, set_name)
        except PlasticityError as err:      # a set NEST cannot represent: one line
            assert "\n" not in str(err)
            continue
        _check_nest(name, set_name, lambda o: nest_held(name, set_name, o))


@pytest.mark.parametrize("name", nest_models())
def test_synapse_type_and_cell_type_on_pynn_nest_hold_every_value(name):
    model = MODELS[name]
    synapse_side = None
    if model.needs_neuron:          # the rest belongs to cell_type (refused by synapse_type)
        synapse_side = {t.name for t in model.nest.table} | {"w_init"}
    for set_name in model.parameter_sets:
        try:
            nest_synapse(name, set_name)
        except PlasticityError:
            continue
        if synapse_side is None:
            _check_nest(name, set_name, lambda o: pynn_nest_held(name, set_name, o))
            continue
        if set_name == model.default_set:   # (synapse_type takes no set: the neuron's)
            _check_nest(name, set_name, lambda o: pynn_nest_held(name, set_name, o),
                        names=synapse_side)
        neuron_side = {p.name for p in model.params} - synapse_side
        _check_nest(name, set_name, lambda o: pynn_nest_held(name, set_name, {}, o),
                    names=neuron_side)


def test_read_out_parameters_are_refused_by_connections():
    """Graupner–Brunel's beta and b shape the protocols' population read-out only: a user's
    connection has no place for them, so every entry point refuses them in one line."""
    import brian2 as b2
    import pyNN.nest as sim
    from plasticity.models import make_synapses, synapse_type
    b2.start_scope()
    g = b2.NeuronGroup(1, "v : 1", threshold="False")
    for make in (lambda: make_synapses("graupner_brunel", g, g, beta=0.7),
                 lambda: synapse_type("graupner_brunel", sim, b=3.0),
                 lambda: nest_synapse("graupner_brunel", beta=0.7, b=3.0)):
        with pytest.raises(PlasticityError, match="population read-out") as err:
            make()
        assert "\n" not in str(err.value)
