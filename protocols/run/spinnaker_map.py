"""Backend ``pynn.spinnaker`` (:data:`plasticity.models.spinnaker.MAPPING_BACKEND`): a network
mapped by sPyNNaker on a virtual board, in a separate process in a temporary folder (its config
and reports never reach the user's home or working directory), and the table of every model and
parameter set mapped that way."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from plasticity.models import MODELS
from plasticity.models import spinnaker as spin
from plasticity.models.core import PlasticityError
from plasticity.models.spinnaker import (DELAY_MS, SPYNNAKER_REQUIREMENT, TIMESTEP_MS,
                                         SpinnakerRule)

from ..schedule import Condition, Schedule
from .common import OFFSET_MS, initial_weights

EMULATED = ("pair_additive", "pair_multiplicative", "nearest_additive", "nearest_multiplicative",
            "triplet_additive")       # the rules run.spinnaker_emulation covers


CFG = """[Machine]
virtual_board = True
version = 5

[Reports]
default_report_file_path = {reports}
"""


def available() -> bool:
    try:
        import importlib.util
        return importlib.util.find_spec("spynnaker") is not None
    except (ImportError, ValueError):
        return False


def map_network(rule: SpinnakerRule, pre_times_ms: list, weights, duration_ms: float,
                reward_times_ms=None, timeout_s: float = 300.0) -> dict:
    """Build the network (pre spike sources -> plastic projection -> IF_curr_exp posts, one
    synapse per condition) in sPyNNaker on a virtual board, run it (mapping and data generation:
    nothing executes) and return mapped / reason / cores / SDRAM / ring-buffer shifts / weight
    scales / the read-back weights."""
    n = len(pre_times_ms)
    return run_worker(rule, {"pre_times": [[float(t) for t in ts] for ts in pre_times_ms],
                             "post": {"cell": rule.cell, "n": n, "params": {}},
                             "connections": [[k, k, float(w)] for k, w in enumerate(weights)]},
                      duration_ms, reward_times_ms, timeout_s)


def run_worker(rule: SpinnakerRule, network: dict, duration_ms: float, reward_times_ms=None,
               timeout_s: float = 300.0) -> dict:
    """Run :mod:`.spinnaker_worker` (a script) for ``rule`` and ``network`` (its input keys: pre_times
    or pre_poisson, post, connections, optionally extra_inputs)."""
    if not available():
        raise PlasticityError(f"backend pynn.spinnaker needs {SPYNNAKER_REQUIREMENT} "
                              "(make install puts it into .venv)")
    spec = {"timestep_ms": TIMESTEP_MS, "duration_ms": float(duration_ms),
            "delay_ms": DELAY_MS, "receptor": rule.receptor,
            "timing": {"class": rule.timing, "params": rule.timing_params},
            "weight": {"class": rule.weight, "params": rule.weight_params}, **network}
    if rule.neuromodulation:
        spec["neuromodulation"] = {"params": rule.neuromodulation, "weight": 1.0,
                                   "reward_times": [float(t) for t in reward_times_ms or []]}
    worker = os.path.join(os.path.dirname(__file__), "spinnaker_worker.py")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plasticity-spinnaker-") as tmp:
        with open(os.path.join(tmp, ".spynnaker.cfg"), "w") as f:
            f.write(CFG.format(reports=os.path.join(tmp, "reports")))
        with open(os.path.join(tmp, "spec.json"), "w") as f:
            json.dump(spec, f)
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": os.path.join(tmp, ".config"),
               "XDG_CONFIG_DIRS": os.path.join(tmp, ".xdg"), "PYTHONWARNINGS": "ignore"}
        result_path = os.path.join(tmp, "result.json")
        log_path = os.path.join(tmp, "log.txt")
        with open(log_path, "w") as log:
            try:
                proc = subprocess.run([sys.executable, worker, "spec.json", result_path],
                                      cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      timeout=timeout_s)
            except subprocess.TimeoutExpired:
                raise PlasticityError(f"sPyNNaker mapping took longer than {timeout_s:.0f} s")
        if not os.path.exists(result_path):
            with open(log_path) as f:
                tail = [ln.strip() for ln in f.read().splitlines() if ln.strip()]
            raise PlasticityError(f"sPyNNaker exited with code {proc.returncode} before "
                                  f"reporting: {tail[-1] if tail else 'no output'}")
        with open(result_path) as f:
            out = json.load(f)
    out["wall_s"] = time.perf_counter() - t0
    out["spec"] = spec
    return out


def chip_schedule(schedule: Schedule) -> tuple[Schedule, int]:
    """The schedule on sPyNNaker's 1 ms grid (times as the SpikeSourceArray rounds them, with
    the runners' offset); returns it and the number of spikes merged into a shared step."""
    off = OFFSET_MS
    merged = 0
    conds = []
    for c in schedule.conditions:
        trains = []
        for times in (c.pre, c.post):
            steps = np.unique(spin.spike_steps(np.asarray(times, float) + off))
            merged += len(times) - len(steps)
            trains.append(steps.astype(float) * spin.TIMESTEP_MS - off)
        conds.append(type(c)(c.label, trains[0], trains[1], c.w_init, dict(c.variables)))
    duration = float(np.ceil(schedule.duration_ms / spin.TIMESTEP_MS) * spin.TIMESTEP_MS)
    return Schedule(schedule.protocol, duration, conds, spin.TIMESTEP_MS,
                    {**schedule.meta, "hardware_timestep_ms": spin.TIMESTEP_MS},
                    schedule.reward), merged


def map_schedule(rule, schedule: Schedule, w0) -> dict:
    """sPyNNaker's report (:func:`map_network`) for the network of a schedule:
    one pre spike source, plastic synapse and IF_curr_exp post neuron per condition, spike times
    with the engine's offset.  Post spikes are not imposed (on a virtual board nothing runs; a
    teacher input would change the excitatory ring-buffer format, see the README)."""
    off = OFFSET_MS
    pre = [list(np.asarray(c.pre, float) + off) for c in schedule.conditions]
    return map_network(rule, pre, w0, schedule.duration_ms + off + 1.0,
                            reward_times_ms=list(np.asarray(schedule.reward) + off))


def weight_format(rule, schedule: Schedule, w0) -> dict:
    """The network mapped by sPyNNaker (virtual board): ring-buffer shift, weight scale and the
    weights as the chip holds them; an error if sPyNNaker does not map it."""
    report = map_schedule(rule, schedule, w0)
    if not report["mapped"]:
        raise PlasticityError(f"sPyNNaker did not map the network: {report['reason']}")
    return report


# ----------------------------------------------------------------------------------------------
# the mapping table: every model and parameter set on a virtual board
# ----------------------------------------------------------------------------------------------
def pairing_schedule(n_pairs: int = 60, freq_hz: float = 1.0, dt_ms: float = 10.0,
                     reward_ms: float | None = None) -> Schedule:
    """The network every mappable rule is mapped with in :func:`mapping_table`: one synapse,
    ``n_pairs`` pre spikes at ``freq_hz`` with a post spike ``dt_ms`` later (Bi & Poo's
    pairing), and for neuromodulated rules one reward spike ``reward_ms`` after the first post
    spike."""
    pre = 10.0 + np.arange(n_pairs) * 1000.0 / freq_hz
    cond = Condition(f"dt={dt_ms:+g}", pre, pre + dt_ms)
    reward = np.array([pre[0] + dt_ms + reward_ms]) if reward_ms is not None else np.zeros(0)
    return Schedule("spinnaker_mapping", float(pre[-1] + 200.0), [cond], reward=reward)


def mapping_table(progress=False) -> list:
    """One row per model and parameter set: refused (the one-line reason naming the nearest
    rule), or mapped by sPyNNaker (cores, SDRAM, ring-buffer shift, weight LSB, the initial
    weight as the chip holds it), or not mapped (sPyNNaker's reason)."""
    rows = []
    items = [(m, s) for m in MODELS.values() for s in m.parameter_sets]
    for model, set_name in items:
        values = model.resolve(set_name, {})
        row = {"model": model.name, "set": set_name}
        try:
            rule = spin.rule_for(model, values)
        except PlasticityError as err:
            rows.append({**row, "status": "refused", "reason": str(err)})
            continue
        sched = pairing_schedule(reward_ms=1000.0 if rule.neuromodulation else None)
        w0 = initial_weights(model, values, sched)
        chip, _ = chip_schedule(sched)
        rep = map_schedule(rule, chip, w0)
        row.update({"rule": f"{rule.timing} + {rule.weight}"
                            + (" + Neuromodulation" if rule.neuromodulation else ""),
                    "binary": rule.binary_hint, "emulated": rule.emulation in EMULATED,
                    "status": "mapped" if rep["mapped"] else "not mapped",
                    "reason": rep["reason"], "wall_s": rep["wall_s"]})
        if rep["mapped"]:
            st = rep["synapse_type"]
            row.update({"cores": rep["cores"], "sdram_bytes": rep["sdram_bytes"],
                        "ring_buffer_shift": rep["ring_buffer_shifts"][st],
                        "weight_lsb": 1.0 / rep["weight_scales"][st],
                        "w_init": float(w0[0]), "w_chip": rep["weights"][0],
                        "binaries": sorted({v["binary"] for v in rep["vertices"]})})
        if progress:
            print(f"  {model.name} [{set_name}]: {row['status']}", flush=True)
        rows.append(row)
    return rows
