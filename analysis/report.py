"""``make reproduce`` / ``plasticity reproduce``: every protocol x model x parameter set x backend,
NIX files, figures and ``results/index.html`` with fit errors and backend differences."""
from __future__ import annotations

import html
import json
import os
import sys

import numpy as np

from plasticity.models import MODELS, graupner_brunel
from plasticity.protocols import PROTOCOLS
from plasticity.protocols.api import run_protocol
from plasticity.protocols.base import load_datasets

from .load import load_result
from .metrics import (backend_difference, compare_points, compare_to_dataset, fit_window,
                      stochastic_agreement, window_curve)
from .plots import (plot_clamp, plot_curves_with_sem, plot_frequency, plot_rate_demos,
                    plot_reward_delay, plot_reward_network, plot_scaling, plot_song,
                    plot_stochastic, plot_stp, plot_vogels, plot_wang, plot_window)
from plasticity.models.core import BACKENDS, PlasticityError
from plasticity.protocols import rate_demos as rd
from plasticity.protocols.api import check_device
from plasticity.protocols.api import run_protocol_sets
from plasticity.protocols.run.brian2 import cache_dir
from plasticity.protocols.run.brian2 import check_device_name
from plasticity.protocols.run.spinnaker_map import available, mapping_table
import plasticity.protocols.sjostrom_2001 as sj
import plasticity.protocols.wang_2005 as wg

# What ``reproduce`` runs: (protocol, model, parameter sets, backends).  Several sets on brian2
# share one simulation (plasticity.protocols.run.run_sets).  Every model-curve figure uses brian2 where
# it ran, else the backend named in the legend (parity between backends is tested to 1e-9).
_PAIR_SETS = ("additive", "multiplicative", "van_rossum", "gutig")
_NN = ("stdp_nn_symm", "stdp_nn_pre_centered", "stdp_nn_restr")
_TRIPLET = tuple(MODELS["stdp_triplet"].parameter_sets)
_TRIPLET_A2A = tuple(s for s in _TRIPLET if "all_to_all" in s)
_HIPPO = tuple(s for s in _TRIPLET if s.startswith("hippocampal"))
ALL = BACKENDS
_GB_CURVES = graupner_brunel.CURVE_SETS
_GB_CURVE_OPTS = {"step_ms": "5", "data": "0", "synapses": "20"}
_GB_SJ_OPTS = {"pairs": "75", "synapses": "10"}
_GB_DB_OPTS = {"sigma": "0", "freqs_hz": "1,3,5,10,20,50,100"}

PLAN = (
    ("bi_poo_1998", "stdp_pair", _PAIR_SETS, ALL),
    *[("bi_poo_1998", m, ("additive",), ALL) for m in _NN],
    ("bi_poo_1998", "stdp_triplet", _HIPPO, ("brian2",)),
    ("bi_poo_1998", "stdp_triplet", ("hippocampal_all_to_all_full",), ("pynn.brian2", "pynn.nest")),
    ("bi_poo_1998", "stdp_power_law", ("nest_defaults",), ALL),
    ("tsodyks_markram_1998", "tsodyks_markram", ("depressing", "facilitating"), ALL),
    # Sjöström: 600 s per run (0.1 Hz x 60 pairs); all triplet sets share one brian2 run
    ("sjostrom_2001", "stdp_triplet", _TRIPLET, ("brian2",)),
    ("sjostrom_2001", "stdp_triplet", _TRIPLET_A2A, ("pynn.nest",)),
    ("sjostrom_2001", "stdp_pair", ("additive",), ("pynn.nest",)),
    *[("sjostrom_2001", m, ("additive",), ("pynn.nest",)) for m in _NN],
    ("sjostrom_2001", "stdp_power_law", ("nest_defaults",), ("pynn.nest",)),
    ("wang_2005", "stdp_triplet", _TRIPLET, ("brian2",)),
    ("wang_2005", "stdp_triplet", _TRIPLET_A2A, ("pynn.brian2", "pynn.nest")),
    ("wang_2005", "stdp_pair", _PAIR_SETS, ("brian2",)),
    *[("wang_2005", m, ("additive",), ("brian2", "pynn.nest")) for m in _NN],
    ("wang_2005", "stdp_power_law", ("nest_defaults",), ("brian2", "pynn.nest")),
    ("song_2000", "stdp_pair", ("additive", "multiplicative", "van_rossum"), ("brian2",)),
    # voltage- and calcium-based rules (issue 4); a 5th item: overrides for every set
    ("voltage_clamp", "clopath", ("visual_cortex",), ("brian2", "pynn.nest")),
    ("sjostrom_2001", "clopath", ("visual_cortex",), ("brian2", "pynn.nest")),
    # six curve types, noisy, 20 synapses per start state, 5 ms grid: one simulation
    ("bi_poo_1998", "graupner_brunel", _GB_CURVES, ("brian2",), _GB_CURVE_OPTS),
    ("sjostrom_2001", "graupner_brunel", ("cortical_slices",), ("brian2",), _GB_SJ_OPTS),
    # Dudek & Bear: 900 s simulated; deterministic (sigma = 0) to keep reproduce's length
    ("dudek_bear_1992", "graupner_brunel", ("DP", "cortical_slices", "hippocampal_slices"),
     ("brian2",), _GB_DB_OPTS),
    ("dudek_bear_1992", "rate_bcm", ("dudek_bear",), ("brian2",)),
    # reward-modulated, inhibitory, stochastic and homeostatic rules (issue 5)
    ("izhikevich_2007", "stdp_dopamine", ("izhikevich2007", "nest_defaults"), ALL),
    ("izhikevich_2007_network", "stdp_dopamine", ("izhikevich2007",), ("brian2",)),
    ("vogels_2011", "vogels_sprekeler", ("single_cell",), ("brian2",)),
    ("stochastic_release", "quantal_stp", ("depressing_5_sites",), ("brian2", "pynn.nest")),
    ("stochastic_release", "bernoulli", ("half",), ("brian2", "pynn.nest")),
    ("homeostatic_scaling", "synaptic_scaling", ("demonstration",), ("brian2",)),
    ("homeostatic_scaling", "stdp_pair_scaling", ("additive",), ("brian2",)),
    # neuromorphic portability (issue 7): backend 'spinnaker' = brian2 with sPyNNaker 7.4.1's
    # arithmetic (protocols/hardware.py), compared with the ideal brian2 run of the same set
    ("bi_poo_1998", "stdp_pair", ("additive", "multiplicative"), ("spinnaker",)),
    ("bi_poo_1998", "stdp_nn_symm", ("additive",), ("spinnaker",)),
    ("sjostrom_2001", "stdp_pair", ("additive", "multiplicative"), ("brian2", "spinnaker")),
    ("sjostrom_2001", "stdp_nn_symm", ("additive",), ("brian2", "spinnaker")),
    ("wang_2005", "stdp_pair", ("additive", "multiplicative"), ("spinnaker",)),
    ("wang_2005", "stdp_nn_symm", ("additive",), ("spinnaker",)),
    ("bi_poo_1998", "stdp_triplet", ("hippocampal_all_to_all_full",), ("spinnaker",)),
    ("sjostrom_2001", "stdp_triplet", ("visual_all_to_all_full", "visual_all_to_all_minimal"),
     ("spinnaker",)),
    ("wang_2005", "stdp_triplet", ("hippocampal_all_to_all_full",
                                   "hippocampal_all_to_all_minimal"), ("spinnaker",)),
)
HARDWARE_BACKEND = "spinnaker"      # a PLAN backend: brian2 run with --hardware spinnaker
# protocols whose figure is drawn from the whole group of their results (one figure each)
_GROUP_FIGURES = {
    "izhikevich_2007_network": lambda rs, stem: plot_reward_network(
        rs[0], stem, "Izhikevich 2007 network: one rewarded synapse among 80 000 (brian2)"),
    "vogels_2011": lambda rs, stem: plot_vogels(
        rs[0], stem, "Vogels et al. 2011: inhibitory plasticity balances a single cell (brian2)"),
    "stochastic_release": lambda rs, stem: plot_stochastic(
        rs, stem, "Stochastic release, 20 Hz train: mean and variance per spike, brian2 vs "
                  "pynn.nest"),
    "homeostatic_scaling": lambda rs, stem: plot_scaling(
        rs, stem, "Homeostatic synaptic scaling: input-rate steps (brian2)"),
}


def plan(backends=None):
    """Jobs (protocol, model, sets, backend, overrides) of ``reproduce``, restricted to
    ``backends``."""
    jobs = []
    for entry in PLAN:
        pname, mname, sets, bs = entry[:4]
        overrides = entry[4] if len(entry) > 4 else {}
        for b in bs:
            if backends is None or b in backends:
                jobs.append((pname, mname, tuple(sets), b, overrides))
    return jobs


# network protocols first: the longest jobs, so that the workers finish together (used only when
# no earlier run's timings are known; see _job_order)
_LONG_FIRST = ("izhikevich_2007_network", "sjostrom_2001", "homeostatic_scaling", "song_2000",
               "vogels_2011")


def job_device(job, device):
    """The Brian2 device a ``reproduce`` job runs on: ``device`` for brian2 jobs whose protocol
    and model support it (the results equal runtime mode's to rounding: tests/
    test_performance_options.py), else runtime."""
    pname, mname, _, backend, _ = job
    if device == "runtime" or backend != "brian2":     # (HARDWARE_BACKEND: runtime only)
        return "runtime"
    try:
        check_device(PROTOCOLS[pname], MODELS[mname], backend, device)
    except PlasticityError:          # (reproduce checked the device name before any job)
        return "runtime"
    return device


def _job_key(job):
    pname, mname, sets, backend, _ = job
    return f"{pname}|{mname}|{','.join(sets)}|{backend}"


def _job_order(jobs, known):
    """Longest first: by the last recorded wall time of each job where known, else the network
    protocols first, then plan order."""
    def cost(k):
        job = jobs[k]
        if _job_key(job) in known:
            return (0, -known[_job_key(job)], k)
        rank = _LONG_FIRST.index(job[0]) if job[0] in _LONG_FIRST else len(_LONG_FIRST)
        return (1, rank, k)
    return sorted(range(len(jobs)), key=cost)


def _run_job(job, paths, device, conn):
    """One reproduce job in its own process: sends (wall seconds, None) or (None, message)."""
    import time
    pname, mname, sets, backend, overrides = job
    try:
        t0 = time.perf_counter()
        if backend == HARDWARE_BACKEND:
            for s, path in zip(sets, paths):
                run_protocol(pname, mname, s, overrides, "brian2", out=path,
                             hardware=HARDWARE_BACKEND)
        elif PROTOCOLS[pname].uses_simulate(MODELS[mname]):
            for s, path in zip(sets, paths):
                run_protocol(pname, mname, s, overrides, backend, out=path, device=device)
        else:
            run_protocol_sets(pname, mname, list(sets), backend, outs=paths,
                              overrides=overrides, device=device)
        conn.send((time.perf_counter() - t0, None))
    except PlasticityError as err:
        conn.send((None, str(err)))
    except BaseException as err:                 # reported by the parent in one line
        msg = str(err).splitlines()[0] if str(err) else ""
        conn.send((None, f"internal error: {type(err).__name__}: {msg}"))
    finally:
        conn.close()


def _caches_empty():
    """True when no compiled Brian2 code exists (Cython cache and this package's standalone
    projects): the run measures cold (compile included) timings."""
    import glob
    from brian2 import prefs
    cython = prefs.codegen.runtime.cython.cache_dir or os.path.join(
        os.path.expanduser("~"), ".cython", "brian_extensions")
    compiled = glob.glob(os.path.join(cython, "*.so")) + glob.glob(
        os.path.join(cache_dir(), "cpp_standalone", "*", "main"))
    return not compiled


def reproduce(out="results", backends=None, resume=False, device="cpp_standalone",
              workers=None):
    """Run the plan, then write the report.  ``resume``: keep the NIX files of jobs that an
    earlier (interrupted) run completed (a job's files are written only when it finished).
    ``device``: Brian2 device of the brian2 jobs that support it (:func:`job_device`);
    ``workers``: jobs run at once, each in its own process (default: one per core)."""
    import multiprocessing as mp
    import time
    from multiprocessing.connection import wait
    from tqdm import tqdm
    for b in backends or []:
        if b not in BACKENDS + (HARDWARE_BACKEND,):
            raise PlasticityError(f"unknown backend '{b}' (known: {', '.join(BACKENDS)}, "
                                  f"{HARDWARE_BACKEND})")
    check_device_name(device)
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 1:
        raise PlasticityError(f"reproduce: --workers must be at least 1, not {workers}")
    nix_dir, fig_dir = os.path.join(out, "nix"), os.path.join(out, "figures")
    os.makedirs(nix_dir, exist_ok=True)
    os.makedirs(fig_dir, exist_ok=True)
    timings_path = os.path.join(out, "timings.json")
    history = load_timings(timings_path)
    cold = _caches_empty()
    jobs = plan(backends)
    files, todo = {}, []
    for job in jobs:
        pname, mname, sets, b, _ = job
        paths = [os.path.join(nix_dir, f"{pname}__{mname}__{s}__{b}.nix") for s in sets]
        files.update({(pname, mname, s, b): path for s, path in zip(sets, paths)})
        if not (resume and all(os.path.exists(p) for p in paths)):
            todo.append((job, paths))
    known = {}
    for run in history:
        known.update({j["key"]: j["wall_s"] for j in run["jobs"]})
    order = _job_order([j for j, _ in todo], known)
    # fork: each job gets a fresh copy of this (light) process, so no job sees another's
    # Brian2 objects, NEST kernel or garbage; forked from the main thread only.  A process that
    # has already started NEST (OpenMP threads) must not fork: NEST then hangs in the child
    # (seen in ResetKernel), so such a caller gets fresh interpreters (spawn) instead
    ctx = mp.get_context("spawn" if "nest" in sys.modules else "fork")
    running, done = {}, []
    t_start = time.perf_counter()
    bar = tqdm(total=len(todo), desc=f"reproduce ({workers} workers)", unit="job")
    try:
        while order or running:
            while order and len(running) < workers:
                job, paths = todo[order.pop(0)]
                dev = job_device(job, device)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_run_job, args=(job, paths, dev, send), daemon=True)
                proc.start()
                send.close()
                running[recv] = (proc, job, dev)
            for recv in wait(list(running)):
                proc, job, dev = running.pop(recv)
                try:
                    wall, err = recv.recv()
                except EOFError:
                    wall, err = None, None
                proc.join()
                if wall is None:
                    err = err or f"its process ended with exit code {proc.exitcode}"
                    raise PlasticityError(f"reproduce: {job[0]} / {job[1]} / "
                                          f"{','.join(job[2])} / {job[3]}: {err}")
                done.append({"key": _job_key(job), "protocol": job[0], "model": job[1],
                             "sets": list(job[2]), "backend": job[3], "device": dev,
                             "wall_s": wall})
                bar.update(1)
    finally:
        bar.close()
        for proc, _, _ in running.values():
            proc.terminate()
    if backends is None and not resume and done:        # a complete run of the whole plan
        save_timings(timings_path, history, {
            "date": time.strftime("%Y-%m-%d %H:%M"), "caches": "cold" if cold else "warm",
            "workers": workers, "device": device, "cores": os.cpu_count(),
            "wall_s": time.perf_counter() - t_start, "jobs": done})
    demos = None
    if backends is None or "brian2" in backends:
        demos = run_rate_demos()
    mapping = None
    if backends is None or HARDWARE_BACKEND in backends:
        mapping = spinnaker_mapping(out)
    write_report(out, files, demos, workers, mapping)
    print(f"wrote {os.path.join(out, 'index.html')}")


def spinnaker_mapping(out):
    """Every model and parameter set mapped by sPyNNaker on a virtual board
    (:func:`protocols.hardware.mapping_table`): ``out``/spinnaker_mapping.json."""
    if not available():
        return None
    rows = mapping_table()
    path = os.path.join(out, "spinnaker_mapping.json")
    with open(path + ".part", "w") as fh:
        json.dump(rows, fh, indent=1)
    os.replace(path + ".part", path)
    return rows


def hardware_rows(ideal: dict, chip: dict) -> dict:
    """Δw on SpiNNaker (emulated) minus ideal, per condition, in percentage points."""
    by = {c["label"]: c for c in ideal["conditions"]}
    common = [c for c in chip["conditions"] if c["label"] in by]
    d = np.asarray([c["dw_percent"] - by[c["label"]]["dw_percent"] for c in common], float)
    hw = json.loads(chip["meta"].get("hardware_json") or "{}")
    return {"n": int(len(d)), "max_abs": float(np.max(np.abs(d))) if len(d) else float("nan"),
            "mean_abs": float(np.mean(np.abs(d))) if len(d) else float("nan"),
            "worst": common[int(np.argmax(np.abs(d)))]["label"] if len(d) else "",
            "weight_lsb": hw.get("weight_lsb"), "ring_buffer_shift": hw.get("ring_buffer_shift"),
            "constants_s1615": hw.get("constants_s1615", {}),
            "spikes_merged": hw.get("spikes_merged")}


def load_timings(path):
    try:
        with open(path) as f:
            runs = json.load(f)["runs"]
        return [r for r in runs if isinstance(r, dict) and isinstance(r.get("jobs"), list)]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def save_timings(path, history, run):
    """Keep the latest cold and the latest warm complete run (``make bench`` reports both)."""
    kept = [r for r in history if r.get("caches") != run["caches"]] + [run]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"runs": kept}, f, indent=1)
    os.replace(tmp, path)


def run_rate_demos():
    """The four rate-rule demonstrations (protocols.rate_demos)."""
    return {"oja": rd.oja_pca(), "hebb": rd.hebb_growth(), "bcm": rd.bcm_selectivity(),
            "delta": rd.delta_regression()}


def _demo_rows(demos):
    o, h, b, d = demos["oja"], demos["hebb"], demos["bcm"], demos["delta"]
    return [
        {"demo": "Oja: angle to the leading eigenvector (deg)", "measured": o["angle_deg"],
         "expected": 0.0, "tolerance": o["tolerance_deg"]},
        {"demo": "Oja: |w|", "measured": o["norm"], "expected": 1.0,
         "tolerance": o["norm_tolerance"]},
        {"demo": "Hebb with decay: growth rate of |w| (1/s)", "measured": h["rate"],
         "expected": h["expected"], "tolerance": h["tolerance"]},
        {"demo": "BCM: preferred response", "measured": float(max(b["responses"])),
         "expected": b["expected_preferred"], "tolerance": b["tolerance"]},
        {"demo": "BCM: other response", "measured": float(sorted(b["responses"])[0]),
         "expected": 0.0, "tolerance": b["tolerance"]},
        {"demo": "delta rule: max |w - w_LS|", "measured": d["max_abs_error"], "expected": 0.0,
         "tolerance": d["tolerance"]},
    ]


def _literature(p, ref, datasets):
    """[(dataset, subset description, compare dict)] for one result of protocol p."""
    out = []
    if p == "bi_poo_1998":
        if not any(c.get("kind") == "data" for c in ref["conditions"]):
            return out                   # window only (model curves without data points)
        for name in PROTOCOLS[p].datasets:
            out.append((name, "all points (no SEM)", compare_to_dataset(ref, datasets[name])))
    elif p == "sjostrom_2001":
        for name in sj.DATASETS:
            out.append((name, "±10 ms (Pfister & Gerstner's 10 points)", compare_points(
                ref, datasets[name], sj.point_label,
                lambda q: abs(q["condition"]["dt_ms"]) == 10)))
        name = sj.DATASETS[1]
        out.append((name, "all 17 points (adds Δt = 0, ±25 ms)",
                    compare_points(ref, datasets[name], sj.point_label)))
    elif p == "wang_2005":
        name = wg.DATASETS[0]
        out.append((name, "10 pair and triplet points", compare_points(
            ref, datasets[name], wg.point_label,
            lambda q: q["condition"]["protocol"] != "quadruplet")))
        out.append((name, "all 13 points (with quadruplets)",
                    compare_points(ref, datasets[name], wg.point_label)))
    return out


def _preferred(per_b):
    for b in ("brian2", "pynn.nest", "pynn.brian2"):
        if b in per_b:
            return b, per_b[b]


def load_results(paths, workers=None):
    """``load_result`` for each path, in ``workers`` processes (reading a NIX file through Neo
    costs about 2 s, mostly HDF5 property reads: 113 files took 228 s in one process)."""
    import multiprocessing as mp
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    paths = list(paths)
    if workers <= 1 or len(paths) < 2:
        return [load_result(p) for p in paths]
    # forked here, from the main thread, before the pool starts its helper threads (spawned
    # where NEST runs in this process, see reproduce)
    ctx = mp.get_context("spawn" if "nest" in sys.modules else "fork")
    with ctx.Pool(min(workers, len(paths))) as pool:
        return pool.map(load_result, paths, chunksize=1)


def write_report(out, files, demos=None, workers=None, mapping=None):
    datasets = load_datasets()
    loaded = dict(zip(files, load_results(files.values(), workers)))
    groups, chips = {}, {}
    for (p, m, s, b), r in loaded.items():
        if b == HARDWARE_BACKEND:         # ideal vs chip: its own table and figures
            chips[(p, m, s)] = r
        else:
            groups.setdefault((p, m, s), {})[b] = r
    rows, figs, timing, lit, experiments = [], [], [], [], []
    by_proto = {}
    for (p, m, s), per_b in sorted(groups.items()):
        results = list(per_b.values())
        ref_b, ref = _preferred(per_b)
        by_proto.setdefault(p, []).append((m, s, ref))
        diff = backend_difference(results) if len(results) > 1 and \
            p != "stochastic_release" else None
        row = {"protocol": p, "model": m, "set": s, "backends": ", ".join(per_b),
               "max_abs_dw_percent": diff and diff["max_abs_dw_percent"],
               "max_rel_w_final": diff and diff["max_rel_w_final"]}
        if len(results) > 1 and p not in _GROUP_FIGURES:
            stem = os.path.join(out, "figures", f"{p}__{m}__{s}__backends.png")
            title = f"{p}: {m} [{s}] on {', '.join(per_b)}"
            {"bi_poo_1998": lambda: plot_window(results, stem, PROTOCOLS[p].datasets, title,
                                                annotate_backend_diff=True),
             "tsodyks_markram_1998": lambda: plot_stp(results, stem, title,
                                                      annotate_backend_diff=True),
             "sjostrom_2001": lambda: plot_frequency(results, stem, title),
             "voltage_clamp": lambda: plot_clamp(results, stem, title, _clamp_thresholds()),
             "wang_2005": lambda: plot_wang(results, stem, title),
             "izhikevich_2007": lambda: plot_reward_delay(results, stem, title)}[p]()
            figs.append((title, os.path.relpath(stem, out)))
        experiments += _experiment_rows(p, m, s, per_b)
        if p == "bi_poo_1998" and m != "graupner_brunel":
            dt, dw = window_curve(ref, "window")
            row["fit"] = fit_window(dt, dw)
        for name, subset, cmp_ in _literature(p, ref, datasets):
            lit.append({"protocol": p, "model": m, "set": s, "backend": ref_b, "dataset": name,
                        "subset": subset, "n": cmp_["n"], "nmse": cmp_["nmse"],
                        "rmse_percent": cmp_["rmse_percent"]})
        if p == "song_2000":
            c = ref["conditions"][0]
            row["song"] = {k: float(c[k]) for k in (
                "bimodality_coefficient", "fraction_below_0.1_w_max", "fraction_above_0.9_w_max",
                "post_rate_hz", "post_rate_last_10pct_hz", "mean_w_over_w_max")}
        rows.append(row)
        for b, r in per_b.items():
            timing.append((p, m, s, b, float(r["meta"].get("wall_time_s", float("nan")))))
    overview = []
    for p, entries in by_proto.items():
        models = sorted({m for m, _, _ in entries})
        if p in _GROUP_FIGURES:
            stem = os.path.join(out, "figures", f"{p}.png")
            chosen = [r for (pp, m, s), per_b in sorted(groups.items()) if pp == p
                      for r in per_b.values()]
            _GROUP_FIGURES[p](chosen, stem)
            overview.append((f"{p}: {', '.join(models)}", os.path.relpath(stem, out)))
            continue
        if p == "song_2000":
            stem = os.path.join(out, "figures", f"{p}__histograms.png")
            plot_song([r for _, _, r in entries], stem)
            overview.append((f"{p}: final weight histograms (brian2)", os.path.relpath(stem, out)))
            continue
        if p == "bi_poo_1998" and "graupner_brunel" in models:
            chosen = [r for m, _, r in entries if m == "graupner_brunel"]
            stem = os.path.join(out, "figures", f"{p}__graupner_brunel__curves.png")
            title = ("Graupner & Brunel 2012: STDP curves of the six curve-type sets (60 pairs at "
                     "1 Hz; mean ± SEM of the population read-out)")
            plot_curves_with_sem(chosen, stem, "dt_ms", "Δt = t_post − t_pre (ms)", title)
            overview.append((title, os.path.relpath(stem, out)))
            models = [mm for mm in models if mm != "graupner_brunel"]
        if p == "dudek_bear_1992":
            stem = os.path.join(out, "figures", f"{p}__models.png")
            title = ("Dudek & Bear 1992 protocol: 900 pulses (model curves; the measured values "
                     "were not found, so no data points)")
            plot_curves_with_sem([r for _, _, r in entries], stem, "freq_hz",
                                 "stimulation frequency (Hz)", title, logx=True)
            overview.append((title, os.path.relpath(stem, out)))
            continue
        if p == "voltage_clamp":
            continue
        for part, sel in (("triplet", lambda m: m == "stdp_triplet"),
                          ("pair_based", lambda m: m not in ("stdp_triplet", "clopath",
                                                              "graupner_brunel")),
                          ("voltage_calcium", lambda m: m in ("clopath", "graupner_brunel"))):
            chosen = [r for m, _, r in entries if sel(m)]
            if not chosen or p not in ("sjostrom_2001", "wang_2005"):
                continue
            stem = os.path.join(out, "figures", f"{p}__{part}_models.png")
            title = f"{p}: {part.replace('_', '-')} models, every parameter set, with data"
            (plot_frequency if p == "sjostrom_2001" else plot_wang)(chosen, stem, title)
            overview.append((title, os.path.relpath(stem, out)))
        if p in ("bi_poo_1998", "tsodyks_markram_1998"):
            for m in models:
                chosen = [r for mm, _, r in entries if mm == m]
                stem = os.path.join(out, "figures", f"{p}__{m}__sets.png")
                title = f"{p}: {m}, all parameter sets"
                if p == "bi_poo_1998":
                    plot_window(chosen, stem, PROTOCOLS[p].datasets, title)
                else:
                    plot_stp(chosen, stem, title)
                overview.append((title, os.path.relpath(stem, out)))
    hardware = []
    for (p, m, s), chip in sorted(chips.items()):
        ideal = groups.get((p, m, s), {}).get("brian2")
        if ideal is None:
            continue
        row = {"protocol": p, "model": m, "set": s, **hardware_rows(ideal, chip)}
        fits = list(zip(_literature(p, ideal, datasets), _literature(p, chip, datasets)))
        if fits:     # the first dataset comparison of the protocol, ideal and on the chip
            (name, subset, a), (_, _, b) = fits[0]
            row.update({"dataset": f"{name}: {subset}", "rmse_ideal": a["rmse_percent"],
                        "rmse_chip": b["rmse_percent"], "nmse_ideal": a["nmse"],
                        "nmse_chip": b["nmse"]})
        hardware.append(row)
        stem = os.path.join(out, "figures", f"{p}__{m}__{s}__spinnaker.png")
        title = f"{p}: {m} [{s}], ideal vs on SpiNNaker (sPyNNaker 7.4.1 arithmetic)"
        {"bi_poo_1998": lambda: plot_window([ideal, chip], stem, PROTOCOLS[p].datasets, title),
         "sjostrom_2001": lambda: plot_frequency([ideal, chip], stem, title),
         "wang_2005": lambda: plot_wang([ideal, chip], stem, title)}[p]()
        figs.append((title, os.path.relpath(stem, out)))
        timing.append((p, m, s, HARDWARE_BACKEND,
                       float(chip["meta"].get("wall_time_s", float("nan")))))
    demo_rows = []
    if demos is not None:
        stem = os.path.join(out, "figures", "rate_rule_demos.png")
        plot_rate_demos(demos, stem)
        overview.append(("Rate-based rules: Oja, Hebb with decay, BCM, delta rule (brian2)",
                         os.path.relpath(stem, out)))
        demo_rows = _demo_rows(demos)
    figs = overview + figs
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump({"rows": rows, "literature": lit, "timing": timing, "rate_demos": demo_rows,
                   "experiments": experiments, "spinnaker": hardware,
                   "spinnaker_mapping": mapping or []}, fh, indent=1, default=float)
    _write_html(out, rows, lit, figs, timing, demo_rows, experiments, hardware, mapping)


def _exp(p, m, s, b, quantity, measured, expected=None, tolerance=None, note=""):
    within = None if expected is None or tolerance is None else \
        bool(abs(measured - expected) <= tolerance)
    return {"protocol": p, "model": m, "set": s, "backend": b, "quantity": quantity,
            "measured": float(measured), "expected": expected, "tolerance": tolerance,
            "within": within, "note": note}


def _experiment_rows(p, m, s, per_b):
    """Key numbers of the reward, inhibitory, stochastic and homeostatic experiments, each
    with what it is compared against (a closed form, a target, a statistical bound)."""
    rows = []
    if p == "izhikevich_2007":
        for b, r in per_b.items():
            err = max(abs(float(c["dw_over_dw_at_0"]) - float(c["closed_form_ratio"]))
                      for c in r["conditions"])
            rows.append(_exp(p, m, s, b, "max |Δw(d)/Δw(0) − closed form| over d = 0 … 4 s",
                             err, 0.0, 1e-9, "exp(−d/τc) plus the tonic term −b·c·τc "
                             "(protocols/izhikevich_2007.closed_form_ratio)"))
    elif p == "izhikevich_2007_network":
        b, r = _preferred(per_b)
        c = r["conditions"][0]
        rows += [
            _exp(p, m, s, b, "rewarded synapse: percentile among the other synapses",
                 float(c["rewarded_rank_percentile"]), note="paper: grows to the maximum"),
            _exp(p, m, s, b, "rewarded synapse final weight", float(c["rewarded_w_final"]),
                 note=f"w_max = {float(c['histogram_edges'][-1]):g}"),
            _exp(p, m, s, b, "mean of the other synapses, final", float(c["others_mean_final"]),
                 note="start 1"),
            _exp(p, m, s, b, "rewards delivered", float(c["n_rewards_delivered"])),
        ]
    elif p == "vogels_2011":
        b, r = _preferred(per_b)
        c = r["conditions"][0]
        rate, target = float(c["rate_last_20pct_hz"]), float(c["target_rate_hz"])
        blocks = np.atleast_1d(np.asarray(c["block_times_s"], float))
        window = max(1, len(blocks) // 5) * (blocks[0] if blocks.size else 1.5)
        rows += [
            _exp(p, m, s, b, "output rate, last 20 % of the run (Hz)", rate, target,
                 3 * np.sqrt(target / window), "target ρ0 = α/(2τ); tolerance 3 sqrt(ρ0 / "
                 "window) (counting noise)"),
            _exp(p, m, s, b, "E/I tuning correlation (8 signal groups)",
                 float(c["exc_inh_tuning_correlation"]), note="co-tuning: close to 1"),
            _exp(p, m, s, b, "net current exc − (inh + leak), last 20 % (nA)",
                 float(c["net_current_last_20pct_nA"]), note="balance: small against either"),
        ]
    elif p == "stochastic_release":
        a = stochastic_agreement(list(per_b.values()))
        for b, q in a["per_backend"].items():
            rows.append(_exp(p, m, s, b, "max |mean − TM prediction| / SE over the spikes",
                             q["max_z_vs_prediction"], 0.0, 3.0,
                             f"{q['trials']} trials; min chi-square p {q['min_chi2_p']:.3g}"))
        if len(per_b) > 1:
            rows.append(_exp(p, m, s, ", ".join(per_b),
                             "max |mean difference| / combined SE, between backends",
                             a["max_z_between_backends"], 0.0, 3.0, "statistical parity"))
    elif p == "homeostatic_scaling":
        b, r = _preferred(per_b)
        c = r["conditions"][0]
        tol = float(c["rate_tolerance_hz"])
        for k, (ri, late) in enumerate(zip(c["input_rates_hz"], c["phase_late_rate_hz"])):
            rows.append(_exp(p, m, s, b, f"phase {k + 1} (input {float(ri):g} Hz): output rate, "
                             "last 20 % (Hz)", float(late), float(c["target_rate_hz"]), tol,
                             "tolerance 3 sqrt(r_target / window) (counting noise)"))
        rows.append(_exp(p, m, s, b, "max |(w_i(T)/w_i(0)) / median − 1| (ratio spread)",
                         float(c["final_ratio_spread"]),
                         *((0.0, 1e-9) if m == "synaptic_scaling" else (None, None)),
                         "pure scaling preserves ratios" if m == "synaptic_scaling" else
                         "STDP acts on the same synapses: ratios change"))
    return rows


def _clamp_thresholds():
    from brian2 import mV
    v = MODELS["clopath"].resolve()
    return [("theta_-", float(v["theta_minus"] / mV)), ("theta_+", float(v["theta_plus"] / mV))]


def _fmt(x, spec=".3g"):
    return "–" if x is None or x != x else format(x, spec)


def _hardware_html(hardware, mapping):
    h = []
    if mapping:
        h.append("</table><h2>SpiNNaker: what each rule becomes (sPyNNaker 7.4.1, virtual "
                 "board)</h2><p>Each model and parameter set mapped with one synapse and 60 "
                 "pairings at 1 Hz (<code>protocols/hardware.py</code> "
                 "<code>mapping_table</code>). A virtual board does not execute: mapped means "
                 "placed, routed and its data generated. Cores and SDRAM exclude sPyNNaker's "
                 "system cores. <code>plasticity run P --model M --backend pynn.spinnaker"
                 "</code> maps a protocol's own network.</p><table><tr><th>model</th>"
                 "<th>set</th><th>status</th><th>sPyNNaker rule / reason</th><th>cores</th>"
                 "<th>SDRAM (bytes)</th><th>ring-buffer shift</th><th>weight LSB</th>"
                 "<th>w_init → on chip</th><th>emulated</th></tr>")
        for r in mapping:
            what = r.get("rule", "") + (f" — {r['reason']}" if r.get("reason") else "")
            weights = (_fmt(r["w_init"], ".6g") + " → " + _fmt(r["w_chip"], ".10g")) \
                if r["status"] == "mapped" else "–"
            h.append(f"<tr><td>{r['model']}</td><td>{r['set']}</td><td>{r['status']}</td>"
                     f"<td>{html.escape(what)}</td><td>{r.get('cores', '–')}</td>"
                     f"<td>{r.get('sdram_bytes', '–')}</td>"
                     f"<td>{r.get('ring_buffer_shift', '–')}</td>"
                     f"<td>{_fmt(r.get('weight_lsb'))}</td>"
                     f"<td>{weights}</td>"
                     f"<td>{'yes' if r.get('emulated') else '–'}</td></tr>")
    if hardware:
        h.append("</table><h2>Ideal vs on SpiNNaker (emulated on brian2 with sPyNNaker 7.4.1's "
                 "arithmetic)</h2><p>Δw on SpiNNaker − Δw ideal, percentage points, over the "
                 "protocol's conditions. On SpiNNaker: 1 ms steps, the weight stored in 16 bits "
                 "(LSB below), S16.15 amplitudes, 11-bit traces with look-up-table decays, no "
                 "pairing within one step (<code>protocols/hardware.py</code> names the source "
                 "of each).</p><table><tr><th>protocol</th><th>model</th><th>set</th>"
                 "<th>conditions</th><th>max |ΔΔw|</th><th>mean |ΔΔw|</th><th>worst "
                 "condition</th><th>weight LSB</th><th>A₊, A₋ (S16.15 LSBs)</th>"
                 "<th>data</th><th>NMSE ideal / chip</th><th>RMSE ideal / chip (%-points)"
                 "</th></tr>")
        for r in hardware:
            c = r["constants_s1615"]
            h.append(f"<tr><td>{r['protocol']}</td><td>{r['model']}</td><td>{r['set']}</td>"
                     f"<td>{r['n']}</td><td>{_fmt(r['max_abs'])}</td>"
                     f"<td>{_fmt(r['mean_abs'])}</td><td>{html.escape(r['worst'])}</td>"
                     f"<td>{_fmt(r['weight_lsb'])}</td>"
                     f"<td>{c.get('a_plus_q', '–')}, {c.get('a_minus_q', '–')}</td>"
                     f"<td>{html.escape(r.get('dataset', '–'))}</td>"
                     f"<td>{_fmt(r.get('nmse_ideal'))} / {_fmt(r.get('nmse_chip'))}</td>"
                     f"<td>{_fmt(r.get('rmse_ideal'))} / {_fmt(r.get('rmse_chip'))}</td></tr>")
    return h


def _write_html(out, rows, lit, figs, timing, demo_rows=(), experiments=(), hardware=(),
                mapping=None):
    h = ["<!doctype html><html><head><meta charset='utf-8'><title>Plasticity models: results"
         "</title><style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
         "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #bbb;"
         "padding:3px 6px}img{max-width:100%}</style></head><body>",
         "<h1>Plasticity model collection: reproduced protocols</h1>",
         "<p><a href='bench.md'>Benchmarks</a> (<code>make bench</code>: bench.md, "
         "bench.json; written when the benchmark has run)</p>",
         "<p>Δw % = 100·(w_final/w_initial − 1). NMSE = mean(((model − data)/sem)²) over the "
         "data points named; Bi &amp; Poo 1998 has no error bars (NMSE –, RMSE in "
         "percentage points). Model values at data points come from conditions built at those "
         "points, not interpolation. Sjöström 2001 runs 60 pairings per condition (the Pfister "
         "&amp; Gerstner convention; <code>--set pairs=75</code> gives the experiment's trains), "
         "75 for clopath (the authors' code) and Graupner–Brunel cortical_slices (the authors' "
         "Fig. 4B script). Graupner–Brunel values are population read-outs (mean ± SEM over "
         "synapses starting DOWN and UP; synapses per state in the file's options). "
         "Wang 2005 quadruplets: T = centre(pre-post pair) − centre(post-pre pair). The model "
         "values are from brian2 where it ran, else from the backend named.</p>",
         "<h2>Literature fit (NMSE)</h2><table><tr><th>protocol</th><th>model</th><th>set</th>"
         "<th>backend</th><th>dataset</th><th>points</th><th>n</th><th>NMSE</th>"
         "<th>RMSE (%-points)</th></tr>"]
    for r in lit:
        h.append(f"<tr><td>{r['protocol']}</td><td>{r['model']}</td><td>{r['set']}</td>"
                 f"<td>{r['backend']}</td><td>{html.escape(r['dataset'])}</td>"
                 f"<td>{html.escape(r['subset'])}</td><td>{r['n']}</td><td>{_fmt(r['nmse'])}</td>"
                 f"<td>{_fmt(r['rmse_percent'])}</td></tr>")
    h.append("</table><h2>Backend differences and window fits</h2><table><tr><th>protocol</th>"
             "<th>model</th><th>set</th><th>backends</th><th>max |ΔΔw| (%-points)</th>"
             "<th>max rel. diff (w_final / efficacies)</th><th>fit A₊ (%)</th><th>τ₊ (ms)</th>"
             "<th>A₋ (%)</th><th>τ₋ (ms)</th></tr>")
    for r in rows:
        fit = r.get("fit", {})
        h.append(f"<tr><td>{r['protocol']}</td><td>{r['model']}</td><td>{r['set']}</td>"
                 f"<td>{html.escape(r['backends'])}</td><td>{_fmt(r['max_abs_dw_percent'])}</td>"
                 f"<td>{_fmt(r['max_rel_w_final'])}</td><td>{_fmt(fit.get('A_plus'))}</td>"
                 f"<td>{_fmt(fit.get('tau_plus'))}</td><td>{_fmt(fit.get('A_minus'))}</td>"
                 f"<td>{_fmt(fit.get('tau_minus'))}</td></tr>")
    song = [r for r in rows if "song" in r]
    if song:
        h.append("</table><h2>Song 2000 (brian2)</h2><table><tr><th>model</th><th>set</th>"
                 "<th>bimodality coefficient (&gt; 0.555: bimodal)</th><th>fraction &lt; 0.1 "
                 "w_max</th><th>fraction &gt; 0.9 w_max</th><th>post rate (Hz), whole run / "
                 "last 10 %</th><th>mean w / w_max</th></tr>")
        for r in song:
            g = r["song"]
            h.append(f"<tr><td>{r['model']}</td><td>{r['set']}</td>"
                     f"<td>{_fmt(g['bimodality_coefficient'])}</td>"
                     f"<td>{_fmt(g['fraction_below_0.1_w_max'])}</td>"
                     f"<td>{_fmt(g['fraction_above_0.9_w_max'])}</td>"
                     f"<td>{_fmt(g['post_rate_hz'])} / {_fmt(g['post_rate_last_10pct_hz'])}</td>"
                     f"<td>{_fmt(g['mean_w_over_w_max'])}</td></tr>")
    if demo_rows:
        h.append("</table><h2>Rate-rule demonstrations (brian2; tolerances derived from the "
                 "learning rate, see protocols/rate_demos.py)</h2><table><tr><th>demo</th>"
                 "<th>measured</th><th>expected</th><th>tolerance</th><th>within</th></tr>")
        for r in demo_rows:
            ok = abs(r["measured"] - r["expected"]) < r["tolerance"]
            h.append(f"<tr><td>{html.escape(r['demo'])}</td><td>{_fmt(r['measured'], '.4g')}"
                     f"</td><td>{_fmt(r['expected'], '.4g')}</td><td>{_fmt(r['tolerance'])}</td>"
                     f"<td>{'yes' if ok else 'NO'}</td></tr>")
    if experiments:
        h.append("</table><h2>Reward-modulated, inhibitory, stochastic and homeostatic rules"
                 "</h2><table><tr><th>protocol</th><th>model</th><th>set</th><th>backend</th>"
                 "<th>quantity</th><th>measured</th><th>expected</th><th>tolerance</th>"
                 "<th>within</th><th>note</th></tr>")
        for r in experiments:
            within = "–" if r["within"] is None else ("yes" if r["within"] else "NO")
            h.append(f"<tr><td>{r['protocol']}</td><td>{r['model']}</td><td>{r['set']}</td>"
                     f"<td>{html.escape(r['backend'])}</td><td>{html.escape(r['quantity'])}</td>"
                     f"<td>{_fmt(r['measured'], '.4g')}</td><td>{_fmt(r['expected'], '.4g')}"
                     f"</td><td>{_fmt(r['tolerance'])}</td><td>{within}</td>"
                     f"<td>{html.escape(r['note'])}</td></tr>")
    h += _hardware_html(hardware, mapping)
    h.append("</table><h2>Wall time per run (s, this machine; runs sharing one brian2 "
             "simulation show their share)</h2><table><tr><th>protocol</th>"
             "<th>model</th><th>set</th><th>backend</th><th>wall (s)</th></tr>")
    for p, m, s, b, t in timing:
        h.append(f"<tr><td>{p}</td><td>{m}</td><td>{s}</td><td>{b}</td><td>{t:.2f}</td></tr>")
    h.append("</table><h2>Figures</h2>")
    for title, rel in figs:
        h.append(f"<h3>{html.escape(title)}</h3><img src='{html.escape(rel)}' alt=''>")
    h.append("</body></html>")
    with open(os.path.join(out, "index.html"), "w") as fh:
        fh.write("\n".join(h))
