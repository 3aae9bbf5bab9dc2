"""SpiNNaker: mapping on sPyNNaker 7.4.1's virtual board, and the chip's arithmetic on Brian2.

* every model and parameter set either maps (cores, SDRAM, the post binary of its rule) or is
  refused in one line naming the nearest supported rule;
* the emulation's initial weights equal the weights sPyNNaker reads back;
* with every constraint off the emulation reproduces the ideal brian2 run;
* with the constraints on it equals an independent integer model of sPyNNaker's event
  processing, written below from the C sources named in protocols/hardware.py (lazy: post
  events are processed when the next pre spike arrives, as on the chip).
"""
import json
import math
import os
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest

from plasticity.models import MODELS, get_model
from plasticity.models import spinnaker as spin
from plasticity.models.core import PlasticityError
from plasticity.protocols import run as runners
from plasticity.protocols.run import spinnaker_emulation as hw
from plasticity.protocols.run import spinnaker_map
from plasticity.protocols.schedule import Condition, Schedule

ENV = dict(os.environ, PYTHONWARNINGS="ignore", PYNEST_QUIET="1", MPLBACKEND="Agg")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, cwd=ROOT, env=ENV):
    return subprocess.run([sys.executable, "-m", "plasticity.analysis.cli", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def table():
    return {(r["model"], r["set"]): r for r in spinnaker_map.mapping_table()}


def test_mapping_table_every_model_and_set(table):
    assert set(table) == {(m.name, s) for m in MODELS.values() for s in m.parameter_sets}
    mapped = 0
    for (m, s), row in table.items():
        model = get_model(m)
        try:
            rule = spin.rule_for(model, model.resolve(s, {}))
        except PlasticityError as err:
            assert row["status"] == "refused"
            assert "nearest supported rule:" in str(err) and "\n" not in str(err)
            continue
        if m in spin.KNOWN_FAILURES:
            # measured: sPyNNaker 7.4.1 cannot generate Neuromodulation synapses under numpy 2;
            # this fails (and asks for an update) once sPyNNaker maps it
            assert row["status"] == "not mapped" and "uint8" in row["reason"], row
            continue
        if (m, s) == ("vogels_sprekeler", "single_cell"):
            # w_max = 1e6 (no bound in Vogels 2011) is outside S16.15: sPyNNaker says so
            assert row["status"] == "not mapped" and "S1615" in row["reason"], row
            continue
        assert row["status"] == "mapped", row
        assert row["cores"] == 2 and row["sdram_bytes"] > 0
        assert rule.binary_hint in row["binaries"]
        # the chip's initial weight: rint(w * 2**(15 - r)) / 2**(15 - r)
        q = 2.0 ** (15 - row["ring_buffer_shift"])
        assert row["w_chip"] == np.rint(row["w_init"] * q) / q
        mapped += 1
    assert mapped >= 9      # pair and nearest pair (2 x 2), triplet (4), vogels nest_defaults


def test_refused_rules_name_the_nearest_rule():
    for m, nearest in (("stdp_nn_restr", "stdp_nn_symm"), ("stdp_power_law", "multiplicative"),
                       ("tsodyks_markram", "static synapse"), ("rate_bcm", "stdp_pair"),
                       ("clopath", "stdp_triplet")):
        model = get_model(m)
        with pytest.raises(PlasticityError, match=f"nearest supported rule: .*{nearest}"):
            spin.rule_for(model, model.resolve(None, {}))
    model = get_model("stdp_pair")
    with pytest.raises(PlasticityError, match="'multiplicative'"):
        spin.rule_for(model, model.resolve("van_rossum", {}))


def test_cli_backend_pynn_spinnaker(tmp_path):
    out = tmp_path / "map.json"
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    r = cli("run", "bi_poo_1998", "--model", "stdp_pair", "--params", "multiplicative",
            "--backend", "pynn.spinnaker", "--out", str(out), cwd=str(cwd),
            env=dict(ENV, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                     MPLCONFIGDIR=str(tmp_path / "mpl")))      # matplotlib's own cache
    assert r.returncode == 0, r.stderr
    # sPyNNaker's configuration and reports stayed in its temporary folder
    assert not any(home.iterdir()) and not any(cwd.iterdir())
    rep = json.loads(out.read_text())
    assert rep["mapped"] and rep["cores"] == 2 and rep["ring_buffer_shift"] == 0
    assert rep["binary"] == "IF_curr_exp_stdp_mad_pair_multiplicative.aplx"
    assert all(c["w_chip"] == 246 / 32768 for c in rep["conditions"])   # rint(0.0075 * 2**15)
    assert "mapped" in r.stdout
    # a rule SpiNNaker lacks: one line, exit 2, no file
    bad = tmp_path / "bad.json"
    r = cli("run", "bi_poo_1998", "--model", "stdp_nn_restr", "--backend", "pynn.spinnaker",
            "--out", str(bad))
    assert r.returncode == 2 and not bad.exists()
    assert r.stderr.count("\n") == 1 and "nearest supported rule: stdp_nn_symm" in r.stderr
    r = cli("list")
    assert "pynn.spinnaker" in r.stdout and "SpikeNearestPairRule+Additive" in r.stdout


def test_song_2000_network_maps(tmp_path):
    """A protocol with its own network: 1000 Poisson inputs through the plastic rule and 200
    inhibitory ones onto one IF_cond_exp (protocols/song_2000.py spinnaker_network)."""
    out = tmp_path / "song.json"
    r = cli("run", "song_2000", "--model", "stdp_pair", "--backend", "pynn.spinnaker",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    rep = json.loads(out.read_text())
    assert rep["mapped"] and rep["synapses"] == 1000
    assert rep["binary"] == "IF_cond_exp_stdp_mad_pair_additive.aplx"
    assert rep["binary"] in {v["binary"] for v in rep["vertices"]}
    assert rep["cores"] >= 3                     # 1000 + 200 Poisson sources and the neuron
    # every weight within half an LSB of the translated initial weight (rint)
    assert rep["synapses_summary"]["max_abs_difference"] <= rep["weight_lsb"] / 2
    r = cli("run", "vogels_2011", "--model", "vogels_sprekeler", "--backend", "pynn.spinnaker")
    assert r.returncode == 2 and "no SpiNNaker translation" in r.stderr


def test_cli_hardware_refusals(tmp_path):
    pair = ("bi_poo_1998", "--model", "stdp_pair", "--hardware", "spinnaker")
    for args, text in (
            ((*pair, "--backend", "pynn.nest"), "brian2 only"),
            ((*pair, "--device", "cpp_standalone"), "runtime mode only"),
            (("izhikevich_2007", "--model", "stdp_dopamine", "--params", "nest_defaults",
              "--hardware", "spinnaker"), "not emulated"),
            (("bi_poo_1998", "--model", "stdp_triplet", "--params", "visual_nearest_full",
              "--hardware", "spinnaker"), "nearest supported rule")):
        r = cli("run", *args, "--out", str(tmp_path / "x.nix"))
        assert r.returncode == 2 and text in r.stderr and r.stderr.count("\n") == 1, r.stderr
        assert not (tmp_path / "x.nix").exists()


# ----------------------------------------------------------------------------------------------
# the emulation
# ----------------------------------------------------------------------------------------------
def _schedule(seed=7, n_cond=4, duration=1200.0):
    """Random pre/post trains with coincidences, sub-millisecond offsets and bursts."""
    rng = np.random.default_rng(seed)
    conds = []
    for k in range(n_cond):
        pre = np.sort(rng.choice(np.arange(5.0, duration - 50, 0.1), 25, replace=False))
        post = np.sort(np.concatenate([pre[::3] + rng.choice([-7.3, 0.0, 4.2, 11.0], len(pre[::3])),
                                       rng.uniform(5, duration - 50, 6)]))
        post = np.unique(np.round(post, 1))
        conds.append(Condition(f"c{k}", np.round(pre, 1), post[post > 0]))
    return Schedule("spike_trains", duration, conds, dt_ms=0.1)


OVERRIDES = {"w_max": 1.0, "w_init": 0.5, "A_plus": 0.01, "A_minus": 0.012}
TRIPLET = ("stdp_triplet", "hippocampal_all_to_all_full")
CASES = [("stdp_pair", "additive"), ("stdp_pair", "multiplicative"),
         ("stdp_nn_symm", "additive"), ("stdp_nn_symm", "multiplicative"), TRIPLET]


def _values(model, set_name):
    if model.name == "stdp_triplet":        # amplitudes are weights: w_max = 1, w_init = 0.5
        return model.resolve(set_name, {"w_max": 1.0, "w_init": 0.5})
    return model.resolve(set_name, OVERRIDES)


@pytest.mark.parametrize("model_name,set_name", CASES)
def test_emulation_with_constraints_off_is_the_ideal_run(model_name, set_name):
    model = get_model(model_name)
    values = _values(model, set_name)
    sched = _schedule()
    ideal = runners.run(model, set_name, values, sched, "brian2")
    emu = hw.run_emulated(model, set_name, values, sched, hw.IDEAL)
    dw = np.abs(ideal.w_final - ideal.w_initial)
    assert dw.min() > 1e-3                         # every condition changed
    # measured: bit-identical on this schedule; 5.9e-17 at most on the whole Bi & Poo protocol
    # (the two codes order their float operations differently: the ideal model decays its
    # traces from the last event of either kind, the emulation from its own side's last spike)
    np.testing.assert_allclose(emu.w_final, ideal.w_final, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(emu.w_initial, ideal.w_initial)


def _lut(tau, shift=0):
    """sPyNNaker's table written from its definition: entry k = floor(2048 exp(-k 2**shift /
    tau)) for k = 0 .. the first even count covering ln(2048) tau / 2**shift (1 ms steps)."""
    n = math.ceil(math.log(2048) * tau / 2 ** shift)
    n += n % 2
    return [math.floor(2048 * math.exp(-k * 2 ** shift / tau)) for k in range(n)]


def _s1615(x):
    return int((Decimal(str(x)) * 32768).to_integral_value())     # round half even


def _chip(pre, post, w0, tp, wp, r, nearest, mult):
    """sPyNNaker's processing of one synapse, integer arithmetic, lazy: at each pre spike the
    post events since the previous pre spike potentiate, then the pre spike depresses, then the
    weight is written back.  Times in steps; last pre/post times start at 0."""
    lp, lm = _lut(tp["tau_plus"]), _lut(tp["tau_minus"])
    look = lambda tab, d: tab[d] if d < len(tab) else 0
    a_p, a_m = _s1615(tp["A_plus"]), _s1615(tp["A_minus"])
    w_hi, w_lo = _s1615(wp["w_max"]), _s1615(wp["w_min"])
    stored = int(np.rint(w0 * 2 ** (15 - r)))
    hist = [(0, 0)]                                   # post history (time, trace)
    for t in post:
        t0, tr0 = hist[-1]
        hist.append((t, ((tr0 * look(lm, t - t0)) >> 11) + 2048))

    def pot(acc, d):
        if mult:
            return acc + ((((w_hi - acc) * a_p) >> 15) * d >> 11)
        return min(acc + ((a_p * (d << 4)) >> 15), w_hi)

    def dep(acc, d):
        if mult:
            return acc - ((((acc - w_lo) * a_m) >> 15) * d >> 11)
        return max(acc - ((a_m * (d << 4)) >> 15), w_lo)

    def process(t_end, last_pre, last_tr, acc):
        for tq, _ in hist[1:]:
            if last_pre < tq <= t_end and tq - last_pre > 0:
                acc = pot(acc, look(lp, tq - last_pre) if nearest
                          else (last_tr * look(lp, tq - last_pre)) >> 11)
        return acc

    last_pre, last_tr = 0, 0
    for t in pre:
        acc = process(t, last_pre, last_tr, stored << r)
        tl, trl = [h for h in hist if h[0] <= t][-1]
        if t - tl > 0:
            acc = dep(acc, look(lm, t - tl) if nearest else (trl * look(lm, t - tl)) >> 11)
        stored = acc >> r
        last_tr = ((last_tr * look(lp, t - last_pre)) >> 11) + 2048
        last_pre = t
    # the flush pre spike beyond the tables: pending potentiation, zero depression
    stored = process(10 ** 9, last_pre, last_tr, stored << r) >> r
    return stored / 2 ** (15 - r)


def _chip_triplet(pre, post, w0, rule, r):
    """Pfister triplet on the chip (timing_pfister_triplet_impl.h, weight_additive_two_term_impl
    .h): pair traces r1/o1 (tables of tau_+/tau_-), triplet traces r2/o2 (tables of tau_x/tau_y
    with 4 ms entries) sampled before their own spike, zero at a side's first spike; amplitudes
    times w_max (weight_dependence_additive_triplet.py)."""
    tp, wp = rule.timing_params, rule.weight_params
    lp, lm = _lut(tp["tau_plus"]), _lut(tp["tau_minus"])
    lx, ly = _lut(tp["tau_x"], 2), _lut(tp["tau_y"], 2)
    look = lambda tab, d, sh=0: tab[d >> sh] if (d >> sh) < len(tab) else 0
    mul = lambda a, b: (a * b) >> 11
    a2p, a2m = _s1615(tp["A_plus"] * wp["w_max"]), _s1615(tp["A_minus"] * wp["w_max"])
    a3p, a3m = _s1615(wp["A3_plus"] * wp["w_max"]), _s1615(wp["A3_minus"] * wp["w_max"])
    w_hi, w_lo = _s1615(wp["w_max"]), _s1615(wp["w_min"])
    acc_mul = lambda a, tr: (a * (tr << 4)) >> 15
    hist = [(0, 0, 0)]                                  # (time, o1, o2)
    for t in post:
        t0, o1, o2 = hist[-1]
        hist.append((t, mul(o1, look(lm, t - t0)) + 2048,
                     0 if t0 == 0 else mul(o2 + 2048, look(ly, t - t0, 2))))
    stored = int(np.rint(w0 * 2 ** (15 - r)))

    def process(t_end, last_pre, r1):
        acc = stored << r
        for tq, _, o2 in hist[1:]:
            if last_pre < tq <= t_end:
                dr1 = mul(r1, look(lp, tq - last_pre))
                acc = min(acc + acc_mul(a2p, dr1) + acc_mul(a3p, mul(dr1, o2)), w_hi)
        return acc

    last_pre, r1, r2 = 0, 0, 0
    for t in pre:
        new_r1 = mul(r1, look(lp, t - last_pre)) + 2048
        new_r2 = 0 if last_pre == 0 else mul(r2 + 2048, look(lx, t - last_pre, 2))
        acc = process(t, last_pre, r1)
        tl, o1l, _ = [h for h in hist if h[0] <= t][-1]
        if t - tl > 0:
            do1 = mul(o1l, look(lm, t - tl))
            acc = max(acc - acc_mul(a2m, do1) - acc_mul(a3m, mul(do1, new_r2)), w_lo)
        stored = acc >> r
        last_pre, r1, r2 = t, new_r1, new_r2
    stored = process(10 ** 9, last_pre, r1) >> r
    return stored / 2 ** (15 - r)


@pytest.mark.parametrize("model_name,set_name", CASES)
def test_emulation_equals_integer_model_of_the_chip(model_name, set_name):
    model = get_model(model_name)
    values = _values(model, set_name)
    sched = _schedule(seed=11)
    emu = hw.run_emulated(model, set_name, values, sched, hw.SPINNAKER)
    info = emu.extra["hardware"]
    rule = spin.rule_for(model, values)
    r = info["ring_buffer_shift"]
    assert r == 1          # w_max = 1: 2**0 <= 1, one more bit (population_vertex.py)
    for k, c in enumerate(sched.conditions):
        steps = lambda ts: sorted({math.ceil(math.floor((t + 1.0) * 1000) / 1000) for t in ts})
        if model_name == "stdp_triplet":
            want = _chip_triplet(steps(c.pre), steps(c.post), 0.5, rule, r)
        else:
            want = _chip(steps(c.pre), steps(c.post), 0.5, rule.timing_params,
                         rule.weight_params, r, model_name == "stdp_nn_symm",
                         set_name == "multiplicative")
        assert emu.w_final[k] == want, (c.label, emu.w_final[k], want)
        assert emu.w_final[k] != emu.w_initial[k]


def test_emulated_initial_weights_equal_spynnaker_read_back():
    model = get_model("stdp_pair")
    values = model.resolve("additive", {"w_max": 1.0})
    # weights on and between the 2**-14 grid, including exact halves (rint: half to even)
    lsb = 2.0 ** -14
    w_inits = [0.5, 0.3, 0.123456, 2.5 * lsb, 3.5 * lsb, 1000.5 * lsb, 0.999, 0.0, 1.0]
    conds = [Condition(f"w{k}", np.array([10.0, 30.0]), np.array([20.0]), w_init=w)
             for k, w in enumerate(w_inits)]
    sched = Schedule("spike_trains", 60.0, conds, dt_ms=0.1)
    emu = hw.run_emulated(model, "additive", values, sched, hw.SPINNAKER)
    back = emu.extra["hardware"]["weights_read_back"]
    assert emu.extra["hardware"]["weight_lsb"] == lsb
    np.testing.assert_array_equal(emu.w_initial, np.asarray(back))
    assert emu.w_initial[3] == 2 * lsb and emu.w_initial[4] == 4 * lsb   # half to even
    assert not np.array_equal(emu.w_initial, np.asarray(w_inits))        # it did quantise


def test_coincident_pre_post_get_no_depression_on_the_chip():
    model = get_model("stdp_pair")
    values = model.resolve("additive", OVERRIDES)
    # post 5 ms before a pre spike that coincides with a second post spike
    sched = Schedule("spike_trains", 100.0, [Condition("c", np.array([20.0]),
                                                       np.array([15.0, 20.0]))], dt_ms=0.1)
    ideal = runners.run(model, "additive", values, sched, "brian2")
    chip = hw.run_emulated(model, "additive", values, sched, hw.SPINNAKER)
    assert ideal.w_final[0] < ideal.w_initial[0]        # ideal: depressed by the 15 ms post
    assert chip.w_final[0] == chip.w_initial[0]          # chip: Δt = 0 to the last post: none
