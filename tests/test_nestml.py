"""Rules NEST does not ship, on pynn.nest through NESTML modules built by the package
(models/nestml.py), and NESTML versions of rules NEST does ship checked against NEST's own C++.

The module is built once per text hash into the package's cache folder (about 45 s on 2 cores in
a fresh clone; cached afterwards).  Tolerances:

* event-driven rules (traces decaying exactly between events): the same arithmetic as the
  reference up to the order of a few operations per event, 1e-9 relative (measured: <= 5e-15);
* per-step rules replayed between events (Graupner-Brunel with sigma = 0, synaptic scaling):
  each Brian2 step rounds a few times (<= 4 ulp) and NEST's replay of the same step may round
  differently, so the bound is N_steps * 4 * 2^-52 relative (the dynamics between thresholds
  contract: an error does not grow); measured: <= 2.2e-16 (GB, absolute), 3.4e-13 (scaling);
* noisy Graupner-Brunel: independent noise streams, so the transition probabilities must agree
  within 3 standard errors of their difference (binomial).
"""
import os

import numpy as np
import pytest

from plasticity.models import get_model, nestml
from plasticity.models.core import PlasticityError
from plasticity.protocols import run as runners
from plasticity.protocols.parity import compare_backends, random_schedule
from plasticity.protocols.schedule import Condition, Schedule
from user_scripts import HEBB_SYMMETRIC

ULP = 2.0 ** -52


def _steps(schedule):
    return int(round((schedule.duration_ms + 2 * runners.OFFSET_MS) / schedule.dt_ms))


def test_nestml_text_is_written_from_the_model_definition():
    """The parameters block lists every parameter with the default set's value and unit; the
    rule's statements are the model file's; post spikes only where the rule has them."""
    texts = nestml.module_texts()
    triplet = texts["stdp_triplet_nestml_synapse.nestml"]
    v = get_model("stdp_triplet").resolve(None)
    assert f"tau_plus ms = {float(v['tau_plus'] / 1e-3)!r} ms" in triplet.replace(" [[", "\n")
    assert "post_spikes <- spike" in triplet and "emit_spike(w)" in triplet
    tm = texts["tsodyks_markram_nestml_synapse.nestml"]
    assert "post_spikes" not in tm
    assert set(texts) >= {f"{n}.nestml" for n in ("plasticity_relay",
                                                    "graupner_brunel_nestml_synapse",
                                                    "synaptic_scaling_nestml_synapse",
                                                    "stdp_pair_scaling_nestml_synapse")}


@pytest.mark.parametrize("set_name", ["visual_nearest_full", "visual_nearest_minimal",
                                      "hippocampal_nearest_full", "hippocampal_nearest_minimal"])
def test_nearest_triplet_on_nest_equals_brian2(set_name):
    """NEST has no nearest-spike triplet: the NESTML rule equals brian2 on the same trains
    (coincident spikes included)."""
    r = compare_backends("stdp_triplet", set_name, random_schedule(seed=11))
    assert r.max_relative_difference <= 1e-9
    assert np.any(np.abs(r.w_final["brian2"] - r.w_initial) > 1e-3)       # weights moved


@pytest.mark.parametrize("name,set_name", [
    ("stdp_pair", "additive"), ("stdp_pair", "multiplicative"), ("stdp_pair", "gutig"),
    ("stdp_triplet", "visual_all_to_all_full"), ("stdp_triplet", "hippocampal_all_to_all_minimal"),
    ("tsodyks_markram", "depressing"), ("tsodyks_markram", "facilitating")])
def test_nestml_versions_equal_nest_native_models(name, set_name, monkeypatch):
    """The NESTML route against an independent implementation: the package's NESTML texts of
    rules NEST ships give NEST's own numbers (weights, or transmitted efficacies)."""
    model = get_model(name)
    values = model.resolve(set_name)
    schedule = random_schedule(seed=5)
    native = runners.run(model, set_name, values, schedule, "pynn.nest")
    monkeypatch.setattr(model.nest, "use_variant", lambda v: True)
    generated = runners.run(model, set_name, values, schedule, "pynn.nest")
    assert model.for_nest(values).nest.nestml is not None
    if model.plastic:
        a, b = native.w_final, generated.w_final
        assert np.any(np.abs(a - native.w_initial) > 1e-6)
    else:
        a = np.concatenate(native.spike_state["efficacy"])
        b = np.concatenate(generated.spike_state["efficacy"])
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=0)


GB_SETS = ["DP", "DPD", "DPDprime", "P", "D", "Dprime", "hippocampal_slices",
           "hippocampal_cultures", "cortical_slices"]


def _gb_schedule():
    conds = []
    for dt in (-50.0, -10.0, 10.0, 30.0):
        for rate in (5.0, 20.0):
            pre = 100.0 + np.arange(30) * 1000.0 / rate
            for start in (0.0, 0.3, 1.0):
                conds.append(Condition(f"dt{dt}@{rate}#{start}", pre, pre + dt, start))
    return Schedule("gb", 6500.0, conds).validate()


@pytest.mark.parametrize("set_name", GB_SETS)
def test_graupner_brunel_deterministic_on_nest_equals_brian2(set_name):
    schedule = _gb_schedule()
    r = compare_backends("graupner_brunel", set_name, schedule, overrides={"sigma": 0.0})
    a, b = r.w_final["brian2"], r.w_final["pynn.nest"]
    bound = _steps(schedule) * 4 * ULP
    assert np.max(np.abs(a - b)) <= bound
    assert np.ptp(a) > 0.1                          # the conditions move rho differently


def test_noisy_graupner_brunel_transitions_agree_statistically():
    """sigma > 0: the probabilities of a DOWN -> UP and an UP -> DOWN switch after 20 pairings
    at 5 Hz agree between brian2 and pynn.nest within 3 standard errors (400 synapses per start
    state; independent noise streams)."""
    model = get_model("graupner_brunel")
    values = model.resolve("DP")
    pre = 50.0 + np.arange(20) * 200.0
    schedule = Schedule("gb", 4200.0, [Condition("+10", pre, pre + 10.0),
                                       Condition("-20", pre, pre - 20.0)],
                        meta={"synapses_per_state": 400}).validate()
    per = {b: runners.run(model, "DP", values, schedule, b).extra["per_condition"]
           for b in ("brian2", "pynn.nest")}
    checked = 0
    for a, b in zip(per["brian2"], per["pynn.nest"]):
        for key in ("p_down_to_up", "p_up_to_down"):
            p = (a[key] + b[key]) / 2
            se = np.sqrt(2 * p * (1 - p) / 400)
            assert abs(a[key] - b[key]) <= 3 * max(se, 1 / 400), (key, a[key], b[key])
            checked += 0.02 < p < 0.98
    assert checked >= 2                              # not all trivially 0 or 1


def test_graupner_brunel_queue_overflow_is_refused():
    """Presynaptic spikes every 1 ms with a 13.7 ms calcium delay overflow the NESTML rule's
    queue: one clear error, no silently wrong result."""
    model = get_model("graupner_brunel")
    values = model.resolve("DP", {"sigma": 0.0})
    pre = 10.0 + np.arange(30) * 1.0
    schedule = Schedule("gb", 200.0, [Condition("burst", pre, np.array([]), 0.0)]).validate()
    with pytest.raises(PlasticityError, match="queue"):
        runners.run_synapses(model, values, schedule, np.array([0.0]), "pynn.nest")


@pytest.mark.parametrize("name,set_name", [("synaptic_scaling", "demonstration"),
                                           ("stdp_pair_scaling", "additive"),
                                           ("stdp_pair_scaling", "multiplicative")])
def test_scaling_on_nest_equals_brian2(name, set_name):
    """Scaling between events in closed form (and its per-step clip composed) equals brian2's
    per-step integration; post rates from 0.5 Hz (weights grow into the clip) to 40 Hz."""
    rng = np.random.default_rng(7)
    conds = []
    for k, rate in enumerate((0.5, 5.0, 20.0, 40.0)):
        n_pre = 10 if k == 0 else 100
        pre = np.unique(np.round(rng.uniform(1, 9990, n_pre) / 0.1) * 0.1)
        post = np.unique(np.r_[np.round(rng.uniform(1, 9990, int(rate * 10)) / 0.1) * 0.1,
                               rng.choice(pre, 3)])
        # the first synapse starts near w_max and grows: the clip acts (stdp_pair_scaling)
        conds.append(Condition(f"r{rate}", pre, post, 0.0145 if k == 0 else None))
    schedule = Schedule("scaling", 10000.0, conds).validate()
    r = compare_backends(name, set_name, schedule)
    assert r.max_relative_difference <= _steps(schedule) * 4 * ULP
    w = r.w_final["brian2"]
    assert w[0] >= r.w_initial[0] and w[-1] < r.w_initial[-1]
    if name == "stdp_pair_scaling":
        w_max = float(get_model(name).resolve(set_name)["w_max"])
        assert w[0] == pytest.approx(w_max, rel=1e-12)     # the clip was exercised


def test_a_failed_build_says_why_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PLASTICITY_CACHE_DIR", str(tmp_path))
    texts = {"plasticity_relay.nestml": nestml.RELAY_TEXT,
             "broken_nestml_synapse.nestml": "model broken_nestml_synapse:\n    state:\n"
                                             "        w real = undefined_thing\n"}
    with pytest.raises(PlasticityError, match="NESTML build failed: .*undefined_thing"):
        nestml.build(nestml.MODULE, texts)
    left = [p for p in os.listdir(os.path.join(tmp_path, "nestml")) if not p.endswith(".lock")]
    assert left == []


def test_missing_toolchain_is_one_line(monkeypatch):
    monkeypatch.setattr(nestml.shutil, "which", lambda tool: None)
    with pytest.raises(PlasticityError) as err:
        nestml.check_toolchain()
    assert "cmake" in str(err.value) and "apt-get install" in str(err.value)
    assert "\n" not in str(err.value)


def test_support_table_has_nest_for_every_spiking_rule():
    """No spiking rule is left without pynn.nest (the README's support table)."""
    from plasticity.models import MODELS
    for model in MODELS.values():
        if model.family != "rate":
            assert "pynn.nest" in model.supported_backends(), model.name


USER_RULE = HEBB_SYMMETRIC + '''
from plasticity.models import get_model, make_synapses
from plasticity.protocols.parity import compare_backends, random_schedule
r = compare_backends("hebb_symmetric", schedule=random_schedule(seed=3),
                     backends=("brian2", "pynn.brian2", "pynn.nest"))
import brian2 as b2, numpy as np
pre = b2.SpikeGeneratorGroup(1, [0], [10] * b2.ms)
post = b2.SpikeGeneratorGroup(1, [0], [20] * b2.ms)
S = make_synapses("hebb_symmetric", pre, post, connect=True)
b2.run(30 * b2.ms)
print(r.max_relative_difference, float(S.w[0]) - 0.5 - 0.005 * np.exp(-0.5))
'''


def test_a_rule_declared_once_runs_on_every_engine(tmp_path):
    """define_rule: a rule that is in no simulator (a symmetric Hebbian window), declared once,
    gives the same weights on brian2, pyNN.brian2 and pyNN.nest (NESTML user module) on the
    same trains, coincident spikes included; and make_synapses runs it in plain Brian2 (one
    pairing +10 ms: dw = A exp(-10/20), closed form).  In a subprocess: the declaration
    registers the model in that process."""
    import subprocess
    import sys
    (tmp_path / "brian_preferences").write_text("codegen.target = 'numpy'\n")
    r = subprocess.run([sys.executable, "-c", USER_RULE], capture_output=True, text=True,
                       cwd=tmp_path, timeout=600, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert r.returncode == 0, r.stderr[-2000:]
    parity, closed = (float(x) for x in r.stdout.strip().splitlines()[-1].split())
    assert parity <= 1e-9
    assert abs(closed) <= 1e-12


@pytest.mark.parametrize("kwargs,match", [
    ({"on_pre": "w = w + B"}, "unknown name 'B'"),
    ({"on_pre": "w = max(w, 0)"}, "unknown function"),
    ({"on_pre": "tau = 3"}, "is a parameter or trace"),
    ({"on_pre": "w + 1"}, "not an assignment"),
    ({"traces": {"x": ("A", "pre")}}, "is not a time"),
    ({"traces": {"x": ("tau", "sideways")}}, "must be"),
])
def test_bad_rule_declarations_are_one_line_errors(kwargs, match):
    from plasticity.models import define_rule, rule_param
    decl = dict(params={"tau": rule_param("20 ms", "t", "s"),
                        "A": rule_param("0.01", "a", "s", weight=True)},
                traces={"x": ("tau", "pre")}, on_pre="w = w + A * x", on_post="w = w",
                w_init=rule_param("0.5", "w0", "s", weight=True), register=False)
    decl.update(kwargs)
    with pytest.raises(PlasticityError, match=match) as err:
        define_rule("my_rule", "test", **decl)
    assert "\n" not in str(err.value)
