"""Issue 6 engine choices: Brian2 cpp_standalone (same numbers as runtime, build directory in
the cache folder), NEST threads (identical results for 1 and 2 threads), shared-constant Brian2
code (same numbers as per-synapse constants).  Timings live in ``make bench``, not here."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

ENV = dict(os.environ, PYTHONWARNINGS="ignore", PYNEST_QUIET="1", MPLBACKEND="Agg")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# pre/post pairs both ways, and exactly coincident spikes (NEST's rule at equal times)
SCHEDULE = {"duration_ms": 400.0, "conditions": [
    {"label": "pre-post", "pre": [10.0, 110.0, 210.0], "post": [20.0, 120.0, 220.0]},
    {"label": "post-pre", "pre": [20.0, 120.0, 220.0], "post": [10.0, 110.0, 210.0]},
    {"label": "coincident", "pre": [50.0, 150.0, 152.0], "post": [50.0, 150.0, 151.0],
     "w_init": 0.01},
    {"label": "bursts", "pre": [5.0, 7.0, 9.0, 300.0], "post": [8.0, 9.0, 12.0, 299.9]}]}


def cli(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "plasticity.analysis.cli", *args], capture_output=True,
                          text=True, env=env or ENV, cwd=cwd or ROOT, timeout=600)


@pytest.fixture(scope="module")
def schedule_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("sched") / "s.json"
    p.write_text(json.dumps(SCHEDULE))
    return str(p)


def _finals(stdout):
    return np.array([c["w_final"] for c in json.loads(stdout)["conditions"]])


@pytest.mark.parametrize("model,params", [("stdp_pair", "gutig"),
                                          ("stdp_triplet", "visual_all_to_all_full")])
def test_cpp_standalone_equals_runtime_and_builds_in_cache(model, params, schedule_file,
                                                           tmp_path):
    cache = tmp_path / "cache"
    work = tmp_path / "cwd"
    work.mkdir()
    env = dict(ENV, PLASTICITY_CACHE_DIR=str(cache), PYTHONPATH=ROOT)
    common = ("run", "spike_trains", "--model", model, "--params", params,
              "--schedule", schedule_file, "--json")
    rt = cli(*common, cwd=str(work), env=env)
    sa = cli(*common, "--device", "cpp_standalone", cwd=str(work), env=env)
    assert rt.returncode == 0, rt.stderr
    assert sa.returncode == 0, sa.stderr
    w_rt, w_sa = _finals(rt.stdout), _finals(sa.stdout)
    assert np.all(w_rt != 0.0) and not np.allclose(w_rt, [0.0075, 0.0075, 0.01, 0.0075])
    # same equations, C++ instead of numpy/Cython: equal up to floating-point rounding
    np.testing.assert_allclose(w_sa, w_rt, rtol=1e-12, atol=0)
    assert (cache / "cpp_standalone" / f"spike_trains__{model}").is_dir()
    assert os.listdir(work) == [], "standalone left files in the working directory"


def test_cpp_standalone_refusals(schedule_file):
    for args, text in [
        (("run", "spike_trains", "--model", "stdp_pair", "--schedule", schedule_file,
          "--backend", "pynn.nest", "--device", "cpp_standalone"), "applies to backend brian2"),
        (("run", "spike_trains", "--model", "stdp_pair", "--schedule", schedule_file,
          "--device", "gpu"), "invalid choice")]:
        r = cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and text in lines[0], r.stderr


def _numbers(node, path=""):
    """Every numeric leaf of a JSON summary, by path (run-dependent fields left out)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k not in ("wall_time_s", "output"):
                out.update(_numbers(v, f"{path}/{k}"))
        return out
    if isinstance(node, list) and node and isinstance(node[0], (dict, list)):
        out = {}
        for k, v in enumerate(node):
            out.update(_numbers(v, f"{path}[{k}]"))
        return out
    if isinstance(node, (int, float)) and not isinstance(node, bool) or (
            isinstance(node, list) and all(isinstance(x, (int, float)) for x in node)):
        return {path: np.asarray(node, float)}
    return {}


# the protocols that build their own Brian2 network (and Graupner-Brunel's delayed pathway),
# shortened; each must still change weights
NETWORK_RUNS = [
    ("song_2000", "stdp_pair", "additive", ("duration_s=2",), "post_rate_hz"),
    ("vogels_2011", "vogels_sprekeler", "single_cell", ("duration_s=3",), "rate_last_20pct_hz"),
    ("homeostatic_scaling", "synaptic_scaling", "demonstration",
     ("phase_s=1", "bin_s=0.5"), "final_scale_factor"),
    ("stochastic_release", "bernoulli", "half", (), "mean_released"),
    ("voltage_clamp", "clopath", "visual_cortex", (), None),
    ("dudek_bear_1992", "rate_bcm", "dudek_bear", ("freqs_hz=1,10,50", "pulses=100"), None),
    ("izhikevich_2007_network", "stdp_dopamine", "izhikevich2007", ("duration_s=2",),
     "mean_rate_hz"),
    # the imposed-spike engine with an extra delayed pathway (delay set in the generated code)
    ("bi_poo_1998", "graupner_brunel", "DP", ("step_ms=50", "synapses=3", "data=0"), None),
]


@pytest.mark.parametrize("protocol,model,params,opts,nonzero", NETWORK_RUNS,
                         ids=[f"{r[0]}-{r[1]}" for r in NETWORK_RUNS])
def test_network_protocol_cpp_standalone_equals_runtime(protocol, model, params, opts, nonzero,
                                                        tmp_path):
    """The protocols with their own network record with monitors and read state after the run,
    so one code path serves both devices.  Brian2 2.9 draws the same random numbers in runtime
    (numpy, Cython) and standalone for one seed (checked here, not assumed): Poisson inputs and
    all are the same, so the results agree up to floating-point rounding."""
    env = dict(ENV, PLASTICITY_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=ROOT)
    work = tmp_path / "cwd"
    work.mkdir()
    common = ["run", protocol, "--model", model, "--params", params, "--json"]
    for o in opts:
        common += ["--set", o]
    rt = cli(*common, cwd=str(work), env=env)
    sa = cli(*common, "--device", "cpp_standalone", cwd=str(work), env=env)
    assert rt.returncode == 0, rt.stderr
    assert sa.returncode == 0, sa.stderr
    a, b = _numbers(json.loads(rt.stdout)), _numbers(json.loads(sa.stdout))
    assert a.keys() == b.keys() and len(a) > 5
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=1e-9, atol=1e-12, err_msg=k)
    conds = json.loads(rt.stdout)["conditions"]
    if protocol != "stochastic_release":                          # (release, not weights)
        assert any(c["w_final"] != c["w_initial"] for c in conds)  # plasticity happened
    if nonzero:
        assert np.all(np.asarray(conds[0][nonzero]) > 0)
    assert os.listdir(work) == [], "standalone left files in the working directory"


@pytest.mark.parametrize("model,params", [("stdp_pair", "additive"),
                                          ("stdp_triplet", "hippocampal_all_to_all_full"),
                                          ("tsodyks_markram", "depressing")])
def test_nest_threads_give_identical_results(model, params):
    from plasticity.protocols.api import run_protocol
    protocol = "tsodyks_markram_1998" if model == "tsodyks_markram" else "bi_poo_1998"
    over = {} if model == "tsodyks_markram" else {"pairs": 5}
    r1, s1 = run_protocol(protocol, model, params, dict(over), "pynn.nest", threads=1)
    r2, s2 = run_protocol(protocol, model, params, dict(over), "pynn.nest", threads=2)
    assert r2.threads == 2 and r1.threads == 1
    assert np.array_equal(r1.w_final, r2.w_final)
    for k in r1.signals:
        assert np.array_equal(r1.signals[k], r2.signals[k])
    assert np.any(r1.w_final != r1.w_initial)


@pytest.mark.parametrize("params", ["additive", "multiplicative", "gutig"])
def test_shared_constants_equal_per_synapse(params):
    """make_synapses(shared=True) (namespace constants, literal exponents) runs the same rule as
    the per-synapse version: a small Poisson network, weights after 2 s."""
    import brian2 as b2
    from plasticity.models.brian2_api import make_synapses
    finals = []
    for shared in (False, True):
        b2.start_scope()
        b2.seed(3)
        # names fix the update order (and so the random stream) in both networks
        inp = b2.PoissonGroup(40, 40 * b2.Hz, name=f"inputs_{int(shared)}")
        out = b2.PoissonGroup(3, 30 * b2.Hz, name=f"outputs_{int(shared)}")
        syn = make_synapses("stdp_pair", inp, out, params=params, connect={}, shared=shared)
        syn.w = np.random.default_rng(0).uniform(0, 0.015, len(syn))
        if shared:
            assert not hasattr(syn, "tau_plus") and "tau_plus" in syn.namespace
        else:
            assert hasattr(syn, "tau_plus")
        b2.run(2 * b2.second)
        finals.append(np.asarray(syn.w[:]))
    assert np.any(np.abs(finals[0] - np.random.default_rng(0).uniform(0, 0.015, 120)) > 1e-4)
    np.testing.assert_allclose(finals[1], finals[0], rtol=1e-12, atol=1e-18)


def test_shared_render_simplifies_exponents():
    from plasticity.models import get_model
    m = get_model("stdp_pair")
    values = m.numeric_values(m.resolve("additive", {}))
    values.pop("w_init")
    model, on_pre, on_post, ns = m.brian2.render_shared(values)
    assert "**" not in on_pre and "**" not in on_post
    assert "mu_plus" not in ns and "tau_plus" in ns
    assert not any(ln.startswith("tau_plus") for ln in model.splitlines())
    values["mu_plus"] = 0.5
    _, _, on_post, _ = m.brian2.render_shared(values)
    assert "**(0.5)" in on_post.replace(" ", "")


@pytest.mark.parametrize("params", ["additive", "gutig"])
def test_post_first_code_equals_pre_first_code(params):
    """stdp_pair's two Brian2 schedules of one rule: post pathway first (brian2 backend,
    make_synapses) and Brian2's default pre first (the code pyNN.brian2 runs).  Dense random
    trains on the 0.1 ms grid with many exactly coincident pre/post spikes, large amplitudes so
    that both bounds clip often."""
    import brian2 as b2
    from plasticity.models import get_model
    from plasticity.models.brian2_api import make_synapses, set_parameters
    model = get_model("stdp_pair")
    n, steps, p = 200, 3000, 0.03
    rng = np.random.default_rng(5)
    pre_mask, post_mask = rng.random((steps, n)) < p, rng.random((steps, n)) < p
    coincident = int(np.sum(pre_mask & post_mask))
    assert coincident > 100
    w0 = rng.uniform(0, 0.015, n)
    over = {"A_plus": 0.03, "A_minus": 0.035}
    finals = []
    for post_first in (True, False):
        b2.start_scope()
        dt = 0.1 * b2.ms

        def gen(mask, name):
            t_idx, i_idx = np.nonzero(mask)
            return b2.SpikeGeneratorGroup(n, i_idx, (t_idx + 10) * dt, dt=dt, name=name)
        pre = gen(pre_mask, f"pre_{int(post_first)}")
        post = gen(post_mask, f"post_{int(post_first)}")
        if post_first:
            syn = make_synapses("stdp_pair", pre, post, params=params, connect={"j": "i"},
                                **over)
            assert syn.post.order < syn.pre.order
        else:
            eqs, on_pre, on_post = model.brian2.render()
            syn = b2.Synapses(pre, post, eqs, on_pre=on_pre, on_post=on_post, dt=dt)
            syn.connect(j="i")
            set_parameters(syn, "stdp_pair", model.resolve(params, over))
            assert syn.post.order > syn.pre.order
        syn.w = w0
        net = b2.Network(pre, post, syn)
        net.run((steps + 20) * dt)
        finals.append(np.asarray(syn.w[:]))
    at_bounds = np.mean((finals[0] == 0) | (finals[0] == 0.015))
    assert 0.02 < at_bounds < 0.95       # both bounds are reached and clip
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-12, atol=1e-17)


def test_pynn_brian2_runs_several_sets_in_one_simulation():
    """pyNN.brian2 runs every parameter set of a protocol in one simulation (each synapse with
    its set's constants as per-synapse parameters of one projection): the same numbers, to the
    bit, as one simulation per set."""
    from plasticity.models import get_model
    from plasticity.protocols import run as runners
    from plasticity.protocols.schedule import Condition, Schedule
    model = get_model("stdp_pair")
    conds = [Condition(c["label"], np.asarray(c["pre"]), np.asarray(c["post"]),
                       c.get("w_init")) for c in SCHEDULE["conditions"]]
    sched = Schedule("spike_trains", SCHEDULE["duration_ms"], conds).validate()
    sets = [(s, model.resolve(s)) for s in ("additive", "van_rossum", "gutig")]
    shared = runners.run_sets(model, sets, sched, "pynn.brian2")
    for (name, values), r in zip(sets, shared):
        alone = runners.run_sets(model, [(name, values)], sched, "pynn.brian2")[0]
        assert r.set_name == name
        assert np.array_equal(r.w_final, alone.w_final), name
        assert np.array_equal(r.signals["w"], alone.signals["w"]), name
    # the sets differ (the test would pass trivially if every set ran the first one's rule)
    assert not np.array_equal(shared[0].w_final, shared[1].w_final)
    assert not np.array_equal(shared[1].w_final, shared[2].w_final)


def test_brian2_standalone_openmp_threads(schedule_file, tmp_path):
    """``--threads 2 --device cpp_standalone`` on brian2 is Brian2's OpenMP: an imposed-spike
    protocol (deterministic) gives the same weights to the bit as one thread; the binary was
    built with OpenMP (its flag in the generated makefile).  ``--threads`` in runtime mode is
    refused in one line."""
    cache = tmp_path / "cache"
    env = dict(ENV, PLASTICITY_CACHE_DIR=str(cache), PYTHONPATH=ROOT)
    common = ("run", "spike_trains", "--model", "stdp_triplet", "--params",
              "visual_all_to_all_full", "--schedule", schedule_file, "--json", "--device",
              "cpp_standalone")
    one = cli(*common, env=env)
    assert one.returncode == 0, one.stderr
    two = cli(*common, "--threads", "2", env=env)
    assert two.returncode == 0, two.stderr
    assert np.array_equal(_finals(one.stdout), _finals(two.stdout))
    project = cache / "cpp_standalone" / "spike_trains__stdp_triplet"
    assert "fopenmp" in (project / "makefile").read_text()
    r = cli("run", "spike_trains", "--model", "stdp_pair", "--schedule", schedule_file,
            "--threads", "2")
    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0 and len(lines) == 1 and "cpp_standalone" in lines[0], r.stderr
