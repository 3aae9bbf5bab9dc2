"""NIX output read back with plain neo equals --json; bad input exits 2 with one line."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from conftest import BACKENDS

ENV = dict(os.environ, PYTHONWARNINGS="ignore", PYNEST_QUIET="1", MPLBACKEND="Agg")


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "plasticity.analysis.cli", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=600)


SCHEDULE = {"duration_ms": 400.0, "conditions": [
    {"label": "pre-post", "pre": [10.0, 110.0, 210.0], "post": [20.0, 120.0, 220.0]},
    {"label": "post-pre", "pre": [20.0, 120.0, 220.0], "post": [10.0, 110.0, 210.0]},
    {"label": "coincident", "pre": [50.0, 150.0], "post": [50.0, 150.0], "w_init": 0.01}]}


@pytest.fixture(scope="module")
def schedule_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("sched") / "s.json"
    p.write_text(json.dumps(SCHEDULE))
    return str(p)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nix_reads_back_with_plain_neo(backend, schedule_file, tmp_path):
    out = tmp_path / f"r_{backend}.nix"
    r = cli("run", "spike_trains", "--model", "stdp_pair", "--params", "van_rossum",
            "--schedule", schedule_file, "--backend", backend, "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["backend"] == backend and summary["output"] == str(out)
    assert summary["parameters"]["tau_plus"] == "20.0 ms"
    import neo   # plain neo, not this package's reader
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io = neo.NixIO(str(out), mode="ro")
        block = io.read_block()
        io.close()
    ann = block.annotations
    assert ann["model"] == "stdp_pair" and ann["parameter_set"] == "van_rossum"
    assert ann["backend"] == backend and ann["protocol"] == "spike_trains"
    assert ann["param:mu_minus"] == "1.0"
    assert backend.split(".")[-1] in json.loads(ann["simulator_versions"])
    # layout 2 (protocols/neo_io.py): the conditions in order in conditions_json; all spikes of
    # a role in one train with the condition index per spike; one channel per condition
    conds = json.loads(ann["conditions_json"])
    assert [c["label"] for c in conds] == [c["label"] for c in summary["conditions"]]
    seg = block.segments[0]
    trains = {st.annotations["role"]: st for st in seg.spiketrains}
    (sig,) = seg.analogsignals
    assert sig.annotations["variable"] == "w" and sig.shape[1] == len(conds)
    assert list(sig.array_annotations["condition"]) == [c["label"] for c in conds]
    assert ann["signal_sampling_ms"] > 0 and ann["signal_sampling"]
    for k, c in enumerate(summary["conditions"]):
        g = conds[k]
        assert g["w_final"] == c["w_final"]
        assert g["w_initial"] == c["w_initial"]
        assert g["dw_percent"] == c["dw_percent"]
        src = next(s for s in SCHEDULE["conditions"] if s["label"] == c["label"])
        for role in ("pre", "post"):
            st = trains[role]
            mine = st.rescale("ms").magnitude[st.array_annotations["condition_index"] == k]
            np.testing.assert_allclose(mine, src[role])
        if backend == "pynn.nest":
            # NEST's stored weight lags post-driven potentiation until the next pre spike:
            # the file says so, and w_final (flushed) is what the summary reports
            assert "lazily" in ann["signal_semantics"]
        else:
            # the last sample (t = duration) is the final weight: every event is before it
            assert float(sig.magnitude[-1, k]) == pytest.approx(c["w_final"], rel=1e-12)
    assert summary["conditions"][2]["w_initial"] == 0.01


def _bad(args, tmp_path, expect):
    out = tmp_path / "bad.nix"
    r = cli(*args, "--out", str(out)) if "--out" not in args else cli(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert expect in lines[0], lines[0]
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".nix")]


BASE = ["run", "bi_poo_1998", "--model", "stdp_pair", "--backend", "brian2"]


@pytest.mark.parametrize("args,expect", [
    (["run", "bi_poo_1998", "--model", "stdp_triplett"], "unknown model 'stdp_triplett'"),
    (["run", "bi_poo", "--model", "stdp_pair"], "unknown protocol 'bi_poo'"),
    (BASE[:4] + ["--params", "nope"], "unknown parameter set 'nope'"),
    (BASE[:4] + ["--backend", "neuron"], "unknown backend 'neuron'"),
    (BASE + ["--set", "tau_plus=20parsec"], "unknown unit 'parsec'"),
    (BASE + ["--set", "tau_plus=20mV"], "'tau_plus' must be a quantity in ms"),
    (BASE + ["--set", "tau_plus=-5ms"], "'tau_plus' must be > 0 ms"),
    (BASE + ["--set", "w_init=0.5"], "outside the bounds"),
    (BASE + ["--set", "mu_plus=2"], "'mu_plus' must be <= 1"),
    (BASE + ["--set", "foo=1"], "--set foo: not a parameter"),
    (BASE + ["--set", "pairs=abc"], "option 'pairs' must be a finite integer"),
    (["run", "bi_poo_1998", "--model", "tsodyks_markram"], "does not apply to model"),
    (["run", "spike_trains", "--model", "stdp_pair"], "spike_trains needs --schedule"),
    (["run", "wang_2005", "--model", "stdp_triplet", "--params", "visual_nearest_full",
      "--backend", "pynn.spinnaker"], "interaction 'nearest' cannot run on SpiNNaker"),
    (["run", "wang_2005", "--model", "stdp_triplet", "--set", "interaction=closest"],
     "option 'interaction' must be one of all_to_all, nearest"),
    (["run", "song_2000", "--model", "stdp_triplet"], "song_2000 applies to stdp_pair"),
    (["run", "song_2000", "--model", "stdp_pair", "--backend", "pynn.nest"],
     "song_2000 runs on backend brian2 only"),
    (["run", "sjostrom_2001", "--model", "stdp_pair", "--set", "pairs=0"],
     "option 'pairs' must be >= 1"),
    # issue 4 models
    (["run", "bi_poo_1998", "--model", "graupner_brunel", "--backend", "pynn.spinnaker"],
     "graupner_brunel cannot run on SpiNNaker"),
    (["run", "bi_poo_1998", "--model", "graupner_brunel", "--set", "rho_star=1.5"],
     "'rho_star' must be < 1"),
    (["run", "bi_poo_1998", "--model", "graupner_brunel", "--set", "synapses=0"],
     "option 'synapses' must be >= 1"),
    (["run", "bi_poo_1998", "--model", "graupner_brunel", "--set", "tau_Ca=20mV"],
     "'tau_Ca' must be a quantity in ms"),
    (["run", "bi_poo_1998", "--model", "graupner_brunel", "--set", "step_ms=7"],
     "must divide 100 ms"),
    (["run", "dudek_bear_1992", "--model", "rate_oja", "--backend", "pynn.brian2"],
     "PyNN has no rate neurons"),
    (["run", "dudek_bear_1992", "--model", "rate_delta"], "rate_delta needs a target signal"),
    (["run", "dudek_bear_1992", "--model", "rate_bcm", "--set", "freqs_hz=1,x"],
     "must be comma-separated numbers"),
    (["run", "dudek_bear_1992", "--model", "rate_bcm", "--set", "freqs_hz=0"],
     "frequencies must be in (0"),
    (["run", "dudek_bear_1992", "--model", "stdp_pair"], "does not apply to model"),
    (["run", "voltage_clamp", "--model", "clopath", "--backend", "pynn.brian2"],
     "not available on backend 'pynn.brian2'"),
    (["run", "voltage_clamp", "--model", "clopath", "--set", "v_min=-20", "--set", "v_max=-80"],
     "v_min must be <= v_max"),
    (["run", "voltage_clamp", "--model", "clopath", "--set", "homeostasis=maybe"],
     "option 'homeostasis' must be one of off, on"),
    (["run", "voltage_clamp", "--model", "clopath", "--set", "w_init=200"],
     "w_init must lie in [w_min, w_max]"),
    # issue 5 protocols and models
    (["run", "homeostatic_scaling", "--model", "synaptic_scaling", "--set", "rates_hz=10,x"],
     "option 'rates_hz' must be comma-separated numbers"),
    (["run", "homeostatic_scaling", "--model", "synaptic_scaling", "--set", "rates_hz=10,-5"],
     "input rates must be in (0, 1000] Hz"),
    (["run", "homeostatic_scaling", "--model", "synaptic_scaling", "--set", "phase_s=3",
      "--set", "bin_s=2"], "must be a whole number of bins"),
    (["run", "homeostatic_scaling", "--model", "synaptic_scaling", "--backend", "pynn.nest"],
     "homeostatic_scaling runs on backend brian2 only"),
    (["run", "homeostatic_scaling", "--model", "synaptic_scaling", "--set", "r_target=5ms"],
     "'r_target' must be a quantity in Hz"),
    (["run", "homeostatic_scaling", "--model", "synaptic_scaling", "--set", "tau_scale=0s"],
     "'tau_scale' must be > 0"),
    (["run", "homeostatic_scaling", "--model", "stdp_pair"], "does not apply to model"),
    (["run", "vogels_2011", "--model", "vogels_sprekeler", "--backend", "pynn.nest"],
     "vogels_2011 runs on backend brian2 only"),
    (["run", "vogels_2011", "--model", "vogels_sprekeler", "--set", "duration_s=0.5"],
     "option 'duration_s' must be >= 1.5"),
    (["run", "izhikevich_2007_network", "--model", "stdp_dopamine", "--backend", "pynn.brian2"],
     "runs on backend brian2 only"),
    (["run", "izhikevich_2007", "--model", "stdp_dopamine", "--set", "tau_c=-1ms"],
     "'tau_c' must be > 0"),
    (["run", "stochastic_release", "--model", "quantal_stp", "--set", "n_sites=2.5"],
     "'n_sites' must be an integer"),
    (["run", "stochastic_release", "--model", "quantal_stp", "--set", "trials=1"],
     "option 'trials' must be >= 2"),
    (["run", "stochastic_release", "--model", "bernoulli", "--set", "p_transmit=1.5"],
     "'p_transmit' must be <= 1"),
])
def test_bad_input(args, expect, tmp_path):
    _bad(args, tmp_path, expect)


@pytest.mark.parametrize("content,expect", [
    ("{not json", "not valid JSON"),
    (json.dumps({"duration_ms": 100, "conditions": [{"label": "a", "pre": [150.0],
                                                      "post": []}]}), "outside [0, duration"),
    (json.dumps({"duration_ms": 100, "conditions": [{"label": "a", "pre": [10.05],
                                                      "post": []}]}), "not on the 0.1 ms"),
    (json.dumps({"duration_ms": 100, "conditions": [{"label": "a", "pre": ["x"]}]}),
     "must be a list of spike times"),
    (json.dumps({"duration_ms": 100, "conditions": [{"label": "a", "pre": [1.0, 1.0]}]}),
     "two pre spikes at 1 ms"),
    (json.dumps({"duration_ms": 100, "conditions": [{"label": "a", "pre": [1.0],
                                                      "w_init": 5.0}]}), "outside"),
    (json.dumps({"conditions": []}), "needs 'duration_ms' and 'conditions'"),
])
def test_malformed_schedule(content, expect, tmp_path):
    sched = tmp_path / "s.json"
    sched.write_text(content)
    _bad(["run", "spike_trains", "--model", "stdp_pair", "--schedule", str(sched)], tmp_path,
         expect)


def test_unwritable_output(tmp_path):
    r = cli(*BASE, "--out", str(tmp_path / "missing" / "r.nix"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_compare_rejects_malformed_file(tmp_path):
    bad = tmp_path / "x.nix"
    bad.write_text("garbage")
    r = cli("compare", str(bad), "--out", str(tmp_path / "f.png"))
    assert r.returncode == 2 and "not a readable NIX file" in r.stderr
    assert not (tmp_path / "f.png").exists()


def test_list_shows_models_and_support_table():
    r = cli("list")
    assert r.returncode == 0
    for word in ("stdp_pair", "tsodyks_markram", "bi_poo_1998", "tsodyks2_synapse",
                 "stdp_synapse", "gutig", "facilitating"):
        assert word in r.stdout


@pytest.mark.parametrize("args,measure", [
    (["run", "voltage_clamp", "--model", "clopath", "--set", "v_step=10", "--set", "pulses=3"],
     None),
    (["run", "bi_poo_1998", "--model", "graupner_brunel", "--set", "step_ms=50",
      "--set", "data=0", "--set", "pairs=10", "--set", "synapses=3"], "dw_sem_percent"),
    (["run", "dudek_bear_1992", "--model", "rate_bcm", "--set", "freqs_hz=5,50"], None),
])
def test_issue4_models_write_neo(args, measure, tmp_path):
    """Every new runner (neuron + forced spikes, population read-out, rate network) writes a
    NIX file that plain neo reads back with the summary's numbers."""
    from plasticity.protocols.neo_io import read_nix
    out = tmp_path / "r.nix"
    r = cli(*args, "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads(r.stdout)
    block = read_nix(str(out))
    groups = {g["label"]: g for g in json.loads(block.annotations["conditions_json"])}
    assert len(groups) == len(summary["conditions"])
    for c in summary["conditions"]:
        g = groups[c["label"]]
        assert g["w_final"] == pytest.approx(c["w_final"], rel=1e-12)
        if measure:
            assert g[f"measure:{measure}"] == pytest.approx(c[measure])
    if measure:                                  # stochastic runs record their seed
        assert block.annotations["seed"] == summary["seed"] == 12345


def test_cython_and_numpy_code_generation_agree(tmp_path):
    """The suite runs Brian2 with numpy code generation; production uses Brian2's default
    (Cython).  The same run under both gives the same weights to rounding."""
    sched = tmp_path / "s.json"
    sched.write_text(json.dumps(SCHEDULE))
    out = {}
    for target in ("numpy", "cython"):
        env = dict(ENV, PLASTICITY_BRIAN2_TARGET=target)
        r = subprocess.run([sys.executable, "-m", "plasticity.analysis.cli", "run", "spike_trains",
                            "--model", "stdp_pair", "--schedule", str(sched), "--json"],
                           capture_output=True, text=True, env=env, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
        out[target] = [c["w_final"] for c in json.loads(r.stdout)["conditions"]]
    np.testing.assert_allclose(out["cython"], out["numpy"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_plain_command_line_prints_the_json_numbers(backend, schedule_file, tmp_path):
    """The most common command line, without --json (it shows a progress bar, which once split
    the run into chunks NEST refused: not multiples of its resolution): exit 0, and the printed
    weights are the --json run's.  Bi & Poo's 60.2 s run and a user's own schedule."""
    for args in (["bi_poo_1998", "--model", "stdp_pair", "--set", "pairs=3", "--set",
                  "data=0", "--set", "step_ms=25"],
                 ["spike_trains", "--model", "stdp_pair", "--schedule", schedule_file]):
        plain = cli("run", *args, "--backend", backend)
        assert plain.returncode == 0, plain.stderr[-1500:]
        js = json.loads(cli("run", *args, "--backend", backend, "--json").stdout)
        lines = plain.stdout.splitlines()
        assert lines[0].startswith(f"{js['protocol']} / stdp_pair [additive] on {backend}: "
                                   f"{len(js['conditions'])} conditions")
        for c, line in zip(js["conditions"], lines[1:]):
            assert line.split() == [c["label"], "w", f"{c['w_initial']:.6g}", "->",
                                    f"{c['w_final']:.6g}", f"({c['dw_percent']:+.3f}", "%)"]


@pytest.mark.parametrize("model,n_sites", [("quantal_stp", 5), ("bernoulli", 1)])
@pytest.mark.parametrize("backend", ["brian2", "pynn.nest"])
def test_spike_trains_runs_stochastic_models(model, n_sites, backend, tmp_path):
    """A user's own train for a stochastic synapse (it once failed: KeyError 'u' on brian2,
    'released' on pynn.nest): a conditioning train, then a test pulse 800 ms later, and a
    single spike.  Per spike: the mean quanta over the trials within 4 standard errors of the
    binomial prediction (np with the Tsodyks–Markram probability per site; 7 spikes, so a
    false alarm has probability below 7 x 6.3e-5), counts within [0, n_sites]."""
    sched = tmp_path / "s.json"
    sched.write_text(json.dumps({"duration_ms": 1200.0, "conditions": [
        {"label": "train+test", "pre": [100, 150, 200, 250, 300, 1100], "post": []},
        {"label": "single", "pre": [100], "post": []}]}))
    out = tmp_path / "r.nix"
    r = cli("run", "spike_trains", "--model", model, "--schedule", str(sched), "--backend",
            backend, "--set", "trials=300", "--set", "seed=5", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr[-1500:]
    conds = json.loads(r.stdout)["conditions"]
    assert [c["label"] for c in conds] == ["train+test", "single"]
    for c, n_spikes in zip(conds, (6, 1)):
        assert c["trials"] == 300 and c["sites"] == n_sites
        mean, sem, pred = (np.asarray(c[k]) for k in ("mean_released", "sem_mean",
                                                     "predicted_mean"))
        assert len(mean) == len(pred) == n_spikes
        assert np.all((mean >= 0) & (mean <= n_sites))
        assert np.all(np.abs(mean - pred) < 4 * sem), (mean, pred, sem)
    if model == "quantal_stp":        # depression during the train, recovery by the test pulse
        m = conds[0]["mean_released"]
        assert m[4] < 0.5 * m[0] and m[5] > 2 * m[4]
    assert out.exists()
    plain = cli("run", "spike_trains", "--model", model, "--schedule", str(sched), "--backend",
                backend, "--set", "trials=50")
    assert plain.returncode == 0 and "quanta released per spike" in plain.stdout


def test_spike_trains_refuses_stochastic_options_for_other_models(schedule_file):
    r = cli("run", "spike_trains", "--model", "stdp_pair", "--schedule", schedule_file,
            "--set", "trials=10")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "option 'trials' applies to stochastic models" in r.stderr


@pytest.mark.parametrize("schedule,expect", [
    # a typo'd duration once started simulating 1e13 steps
    ({"duration_ms": 1e12, "conditions": [{"label": "a", "pre": [10.0], "post": []}]},
     "duration_ms = 1e+12 is 1e+13 steps of 0.1 ms, beyond the 1e+09 steps"),
    # the off-grid time once printed as np.float64(10.05)
    ({"duration_ms": 100.0, "conditions": [{"label": "a", "pre": [10.05], "post": []}]},
     "pre spike at 10.05 ms is not on the 0.1 ms simulation grid")])
def test_schedule_messages_read_plainly(schedule, expect, tmp_path):
    sched = tmp_path / "s.json"
    sched.write_text(json.dumps(schedule))
    _bad(["run", "spike_trains", "--model", "stdp_pair", "--schedule", str(sched)], tmp_path,
         expect)


@pytest.mark.parametrize("setting,expect", [
    ("A_plus=-1", "parameter 'A_plus' must be >= 0, got -1.0"),      # once ">= 0 1"
    ("tau_plus=-100ms", "parameter 'tau_plus' must be > 0 ms, got -100.0 ms")])
def test_bound_messages_have_no_stray_unit(setting, expect, tmp_path):
    _bad(BASE + ["--set", setting], tmp_path, expect)


def test_compare_short_term_plasticity_reports_efficacies(tmp_path):
    """On Tsodyks–Markram files compare once printed a Δw line (w never changes there): it
    reports the per-spike efficacies its figure compares."""
    files = []
    for b in ("brian2", "pynn.nest"):
        files.append(str(tmp_path / f"tm_{b}.nix"))
        r = cli("run", "tsodyks_markram_1998", "--model", "tsodyks_markram", "--backend", b,
                "--out", files[-1], "--json")
        assert r.returncode == 0, r.stderr[-800:]
    r = cli("compare", *files, "--out", str(tmp_path / "f.png"))
    assert r.returncode == 0, r.stderr
    assert "largest difference of the per-spike efficacies:" in r.stdout
    assert "ΔΔw" not in r.stdout
    rel = float(r.stdout.split("relative ")[1].split()[0])
    assert rel < 1e-9             # the backends agree (tests/test_parity.py: 1e-9)


def test_show_prints_every_parameter_with_unit_bounds_values_and_sources():
    from plasticity.models import get_model
    from plasticity.models.core import format_value
    r = cli("show", "stdp_triplet")
    assert r.returncode == 0, r.stderr
    model = get_model("stdp_triplet")
    for p in model.params:
        assert f"  {p.name} [" in r.stdout, p.name
    assert "  tau_plus [ms] (> 0 ms):" in r.stdout
    for set_name, ps in model.parameter_sets.items():
        for name, v in ps.values.items():        # each set's value with its source
            assert f"      {set_name}: {format_value(v.value)}  — {v.source}" in r.stdout
    bad = cli("show", "no_such_model")
    assert bad.returncode == 2 and "unknown model 'no_such_model'" in bad.stderr


def test_list_columns_line_up():
    """The model x backend table: every cell starts at its column's position, long cells wrap
    within their column (it once shifted every later column)."""
    r = cli("list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("Model x backend:\n")[1].splitlines()
    header = lines[0]
    starts = [header.index(h) for h in ("brian2", "pynn.brian2", "pynn.nest", "pynn.spinnaker")]
    for line in lines[1:]:
        for s in starts:                # a column boundary: a space before each column
            assert len(line) <= s or line[s - 1] == " ", line
    row = next(ln for ln in lines if ln.split()[:1] == ["stdp_pair"])
    assert row[starts[2]:].startswith("stdp_synapse")
    assert row[starts[3]:].startswith("SpikePairRule+Additive")


QUIET_ENV = {k: v for k, v in ENV.items() if k != "PYTHONWARNINGS"}    # as a user's shell


@pytest.mark.parametrize("backend", BACKENDS)
def test_stderr_carries_only_the_package_lines(backend, tmp_path):
    """Brian2's INFO/WARNING records and PyNN/NEST warnings (nest-config, deprecations) go to
    the log file, not the console: a --json run writes nothing on stderr, a plain run only the
    progress bar; --verbose shows them and names the log file."""
    args = [sys.executable, "-m", "plasticity.analysis.cli", "run", "tsodyks_markram_1998",
            "--model", "tsodyks_markram", "--backend", backend]
    env = dict(QUIET_ENV, PLASTICITY_CACHE_DIR=str(tmp_path))
    js = subprocess.run(args + ["--json"], capture_output=True, text=True, env=env, timeout=600)
    assert js.returncode == 0 and js.stderr == "", js.stderr[-1500:]
    plain = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    assert plain.returncode == 0
    assert not [ln for ln in plain.stderr.replace("\r", "\n").splitlines()
                if ln.strip() and not ln.lstrip().startswith("simulating")], plain.stderr[-1500:]
    log = tmp_path / "logs" / "plasticity.log"
    verbose = subprocess.run(args + ["--json", "--verbose"], capture_output=True, text=True,
                             env=env, timeout=600)
    assert verbose.returncode == 0
    assert f"simulator messages also go to {log}" in verbose.stderr
    if backend != "brian2":               # PyNN warns about every run (weights, nest-config)
        assert "UserWarning" in verbose.stderr and "UserWarning" in log.read_text()


def test_summary_beside_the_nix_file_holds_its_numbers(schedule_file, tmp_path):
    """The JSON summary written beside each NIX file (what the report reads) carries exactly the
    numbers of the NIX file; a summary that no longer matches its file (here: the NIX file
    replaced by another run's) is ignored and the NIX file read instead."""
    from plasticity.analysis.load import load_result, load_summary
    from plasticity.protocols.neo_io import read_summary, summary_path
    out = tmp_path / "r.nix"
    r = cli("run", "spike_trains", "--model", "stdp_pair", "--params", "additive",
            "--schedule", schedule_file, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert os.path.exists(summary_path(str(out)))
    full, light = load_result(str(out)), load_summary(str(out))
    assert read_summary(str(out)) is not None
    keys = lambda r_: {k: v for k, v in r_["meta"].items() if k != "path"}
    assert keys(light) == keys(full)
    assert len(light["conditions"]) == len(full["conditions"]) == len(SCHEDULE["conditions"])
    for a, b in zip(light["conditions"], full["conditions"]):
        b = {k: v for k, v in b.items() if k not in ("pre", "post", "signals")}
        assert a == b
    # another run's NIX file under the same name: the summary's recorded SHA-1 no longer matches
    other = tmp_path / "other.nix"
    r = cli("run", "spike_trains", "--model", "stdp_pair", "--params", "multiplicative",
            "--schedule", schedule_file, "--out", str(other))
    assert r.returncode == 0, r.stderr
    os.replace(other, out)
    assert read_summary(str(out)) is None
    assert load_summary(str(out))["meta"]["parameter_set"] == "multiplicative"
