"""``make reproduce`` / ``plasticity reproduce``: the plan (every protocol x model x parameter
set x backend), its jobs in parallel worker processes, their timings, then the report
(:func:`plasticity.analysis.report.write_report`)."""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
from multiprocessing.connection import wait

from plasticity.models import MODELS, graupner_brunel, spinnaker
from plasticity.models.core import BACKENDS, PlasticityError
from plasticity.protocols import PROTOCOLS, rate_demos
from plasticity.protocols.api import check_protocol_device, run_protocol, run_protocol_sets
from plasticity.models.core import cache_dir
from plasticity.protocols.run.brian2 import check_device_name
from plasticity.protocols.run.spinnaker_map import available, mapping_table

from .console import route_logs
from .report import write_report

# What ``reproduce`` runs: (protocol, model, parameter sets, backends).  Several sets on brian2
# share one simulation (plasticity.protocols.run.run_sets).  Every model-curve figure uses brian2 where
# it ran, else the backend named in the legend (parity between backends is tested to 1e-9).
_PAIR_SETS = ("additive", "multiplicative", "van_rossum", "gutig")
_NN = ("stdp_nn_symm", "stdp_nn_pre_centered", "stdp_nn_restr")
_TRIPLET = tuple(MODELS["stdp_triplet"].parameter_sets)
_TRIPLET_A2A = tuple(s for s in _TRIPLET if "all_to_all" in s)
_TRIPLET_NN = tuple(s for s in _TRIPLET if "nearest" in s)
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
    # the nearest sets on pynn.nest run the package's NESTML rule (models/nestml.py)
    ("sjostrom_2001", "stdp_triplet", _TRIPLET_NN, ("pynn.nest",)),
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
     ("brian2", "pynn.nest"), _GB_DB_OPTS),           # pynn.nest: the NESTML rule
    ("dudek_bear_1992", "rate_bcm", ("dudek_bear",), ("brian2",)),
    # reward-modulated, inhibitory, stochastic and homeostatic rules (issue 5)
    ("izhikevich_2007", "stdp_dopamine", ("izhikevich2007", "nest_defaults"), ALL),
    ("izhikevich_2007_network", "stdp_dopamine", ("izhikevich2007",), ("brian2",)),
    ("vogels_2011", "vogels_sprekeler", ("single_cell",), ("brian2",)),
    # recurrent networks and cross-checks (issue 20); the authors' code runs in the brian2 job
    # the authors' code (numpy port) runs in the brian2 jobs; the decomposition once
    ("clopath_2010_fig2b", "clopath", ("modeldb_code",), ("brian2",)),
    ("clopath_2010_fig2b", "clopath", ("visual_cortex",), ("brian2",), {"decompose": "0"}),
    ("clopath_2010_fig2b", "clopath", ("visual_cortex", "modeldb_code"), ("pynn.nest",),
     {"reference": "0"}),
    ("clopath_2010_connectivity", "clopath", ("visual_cortex",), ("brian2", "pynn.nest")),
    ("assemblies", "stdp_triplet", ("visual_all_to_all_minimal",), ("brian2", "pynn.nest")),
    ("nengo_crosscheck", "rate_oja", ("demo",), ("brian2",)),
    ("nengo_crosscheck", "rate_bcm", ("selectivity",), ("brian2",)),
    # networks that learn tasks (issue 21); the 400-neuron digits network on brian2 only (NEST
    # reads its 25 600 weights through Python every image: protocols/digits_wta.py)
    ("digits_wta", "stdp_pair", ("diehl_cook2015",), ("brian2", "pynn.nest")),
    ("digits_wta_400", "stdp_pair", ("diehl_cook2015",), ("brian2",)),
    ("digits_clustering", "stdp_pair", ("diehl_cook2015",), ("brian2", "pynn.nest")),
    ("conv_stdp", "stdp_pair", ("multiplicative",), ("brian2",)),
    ("reservoir_prediction", "rate_delta", ("demo",), ("brian2",)),
    ("reward_learning", "stdp_dopamine", ("nest_defaults",), ("brian2", "pynn.nest")),
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
HARDWARE_BACKEND = spinnaker.FAMILY     # a PLAN backend: brian2 run with --hardware spinnaker


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
_LONG_FIRST = ("clopath_2010_fig2b", "izhikevich_2007_network", "assemblies", "digits_wta_400",
               "digits_wta", "sjostrom_2001",
               "homeostatic_scaling", "song_2000", "vogels_2011")


def job_device(job, device):
    """The Brian2 device a ``reproduce`` job runs on: ``device`` for brian2 jobs whose protocol
    and model support it (the results equal runtime mode's to rounding: tests/
    test_performance_options.py), else runtime."""
    pname, mname, _, backend, _ = job
    if device == "runtime" or backend != "brian2":     # (HARDWARE_BACKEND: runtime only)
        return "runtime"
    try:
        check_protocol_device(PROTOCOLS[pname], MODELS[mname], backend, device)
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
    route_logs()          # (a spawned process starts with Brian2's console defaults)
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
    jobs_s = time.perf_counter() - t_start
    t_extra = time.perf_counter()
    demos = None
    if backends is None or "brian2" in backends:
        demos = run_rate_demos()
    mapping = None
    if backends is None or HARDWARE_BACKEND in backends:
        mapping = spinnaker_mapping(out)
    extras_s = time.perf_counter() - t_extra
    t_report = time.perf_counter()
    write_report(out, files, demos, workers, mapping)
    report_s = time.perf_counter() - t_report
    if backends is None and not resume and done:        # a complete run of the whole plan
        save_timings(timings_path, history, {
            "date": time.strftime("%Y-%m-%d %H:%M"), "caches": "cold" if cold else "warm",
            "workers": workers, "device": device, "cores": os.cpu_count(),
            "wall_s": time.perf_counter() - t_start, "jobs_s": jobs_s, "extras_s": extras_s,
            "report_s": report_s,
            "jobs": done})
    print(f"wrote {os.path.join(out, 'index.html')} (jobs {jobs_s / 60:.1f} min, rate demos "
          f"and SpiNNaker mapping {extras_s:.1f} s, report {report_s:.1f} s)")


def spinnaker_mapping(out):
    """Every model and parameter set mapped by sPyNNaker on a virtual board
    (:func:`plasticity.protocols.run.spinnaker_map.mapping_table`):
    ``out``/spinnaker_mapping.json."""
    if not available():
        return None
    rows = mapping_table()
    path = os.path.join(out, "spinnaker_mapping.json")
    with open(path + ".part", "w") as fh:
        json.dump(rows, fh, indent=1)
    os.replace(path + ".part", path)
    return rows


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
    """The four rate-rule demonstrations (:mod:`plasticity.protocols.rate_demos`)."""
    return rate_demos.run_all()
