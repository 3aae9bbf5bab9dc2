"""Translation tables round-trip, and unsupported combinations raise a clear error."""
import pytest

from plasticity.models import MODELS, get_model
from plasticity.models.core import PlasticityError, forward_translate, reverse_translate, to_pynn


@pytest.mark.parametrize("model_name", [m for m in MODELS if MODELS[m].nest is not None])
def test_nest_translation_round_trips(model_name):
    model = get_model(model_name)
    for set_name in model.parameter_sets:
        values = model.resolve(set_name)
        # the table's own parameters (a rule with its own neuron, clopath, keeps parameters
        # PyNN has no unit for on the neuron: nest_cell_params)
        names = {t.name for t in model.nest.table} | {"w_init"}
        p = to_pynn({k: v for k, v in values.items() if k in names})
        p["weight"] = p.pop("w_init")
        native = forward_translate(model.nest.table, p)
        back = reverse_translate(model.nest.table, native)
        for k, v in back.items():
            assert v == pytest.approx(p[k], rel=1e-15, abs=0), (set_name, k)


def test_unknown_backend_is_named():
    with pytest.raises(PlasticityError, match="known: brian2, pynn.brian2, pynn.nest"):
        get_model("stdp_pair").check_backend("spinnaker")


def test_nest_rejects_unrepresentable_parameters():
    from plasticity.protocols.api import run_protocol
    with pytest.raises(PlasticityError, match="A_plus = 0"):
        run_protocol("bi_poo_1998", "stdp_pair", "additive", {"A_plus": "0"}, "pynn.nest")
