"""A NEST user's script: ``nest_synapse`` gives the NEST synapse model and its translated
parameters, ``nest.Connect``-ready; NEST accepts them and holds the same values as the
connections the package's PyNN wrapper makes."""
import pytest

from plasticity.models import MODELS, nest_synapse
from plasticity.models.core import PlasticityError

nest = pytest.importorskip("nest")

NEST_MODELS = [m for m in MODELS if MODELS[m].nest is not None]


def _nestml_rule(spec):
    """The package's NESTML rule behind a spec, or None (a native NEST model)."""
    from plasticity.models import nestml
    for module in (nestml.MODULE,):
        for _, rule in nestml.rules(module).values():
            if rule.synapse_model == spec.synapse_model:
                return rule
    return None


def _plain(spec):
    """pre parrot -> post (parrot, the rule's own neuron, or the NESTML relay built with the
    rule) through the spec, in plain NEST; returns the connection's parameters and the synapse
    model's defaults."""
    from plasticity.models import nestml
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    rule = _nestml_rule(spec)
    if rule is not None:
        nestml.install(nest, rule.module)          # (spec.needs says so)
        assert any("NESTML module" in n for n in spec.needs)
    pre = nest.Create("parrot_neuron")
    neuron = MODELS_BY_SYNAPSE.get(spec.synapse_model)
    neuron = neuron.nest.neuron if neuron is not None else ""
    post = nest.Create(rule.relay_model if rule is not None else (neuron or "parrot_neuron"))
    if spec.post_neuron:
        post.set(spec.post_neuron)
    syn = spec.copy_model()
    if spec.needs and "volume_transmitter" in spec.needs[0]:
        nest.SetDefaults(syn["synapse_model"],
                         {"volume_transmitter": nest.Create("volume_transmitter")})
    receptor = {} if neuron else {"receptor_type": nestml.RECEPTORS["plastic"]
                                  if rule is not None else 1}
    nest.Connect(pre, post, syn_spec={**syn, **receptor})
    conn = nest.GetConnections(pre, post)
    return conn.get(), nest.GetDefaults(syn["synapse_model"])


MODELS_BY_SYNAPSE = {MODELS[m].nest.synapse_model: MODELS[m] for m in NEST_MODELS}


@pytest.mark.parametrize("name", NEST_MODELS)
def test_nest_synapse_connects_in_plain_nest(name):
    model = MODELS[name]
    for set_name in model.parameter_sets:
        try:
            spec = nest_synapse(name, set_name)
        except PlasticityError as err:         # a set NEST cannot represent: one clear line
            assert "\n" not in str(err) and name in str(err)
            continue
        got, defaults = _plain(spec)
        for k, v in spec.syn_spec.items():
            if k != "synapse_model":
                assert got[k] == pytest.approx(v, rel=1e-12), (set_name, k)
        for k, v in spec.model_defaults.items():
            assert defaults[k] == pytest.approx(v, rel=1e-12), (set_name, k)


@pytest.mark.parametrize("name", [m for m in NEST_MODELS if not MODELS[m].needs_neuron])
def test_nest_synapse_equals_the_pynn_wrapper(name):
    """The same parameters reach NEST through nest_synapse and through synapse_type."""
    import pyNN.nest as sim
    from plasticity.models import synapse_type
    from plasticity.models.pynn_types import PLASTIC, nest_parrot_cell_class
    model = MODELS[name]
    set_name = next(s for s in model.parameter_sets if _representable(name, s))
    spec = nest_synapse(name, set_name)
    plain, plain_defaults = _plain(spec)
    sim.setup(timestep=0.1, min_delay=0.1)
    nest.set_verbosity("M_ERROR")
    if _nestml_rule(spec) is not None:            # before any node exists
        from plasticity.models import nestml
        nestml.install(nest, _nestml_rule(spec).module)
    pre = sim.Population(2, nest_parrot_cell_class()())
    if _nestml_rule(spec) is not None:            # the relay generated with the NESTML rule
        from plasticity.models.pynn_types import nestml_relay_cell_class
        post = sim.Population(2, nestml_relay_cell_class(model.for_nest(
            model.resolve(set_name)))())
    else:
        post = sim.Population(2, nest_parrot_cell_class()())
    syn = synapse_type(name, sim, params=set_name)
    if spec.needs and "volume_transmitter" in spec.needs[0]:
        syn.volume_transmitter = nest.Create("volume_transmitter")
    sim.Projection(pre, post, sim.OneToOneConnector(), syn, receptor_type=PLASTIC)
    conns = nest.GetConnections(pre.node_collection, post.node_collection)
    via_pynn = {k: v[0] for k, v in conns.get().items()}      # (two connections: lists)
    pynn_defaults = nest.GetDefaults(conns.get("synapse_model")[0])
    for k, v in spec.syn_spec.items():
        if k not in ("synapse_model",):
            assert via_pynn[k] == pytest.approx(plain[k], rel=1e-12), k
    for k in spec.model_defaults:
        assert pynn_defaults[k] == pytest.approx(plain_defaults[k], rel=1e-12), k
    for k, v in spec.post_neuron.items():
        assert post.node_collection.get(k)[0] == pytest.approx(v, rel=1e-12), k
    sim.end()


def _representable(name, set_name):
    try:
        nest_synapse(name, set_name)
        return True
    except PlasticityError:
        return False


def test_models_without_nest_are_refused_in_one_line():
    with pytest.raises(PlasticityError, match="has no NEST synapse model"):
        nest_synapse("rate_oja")
