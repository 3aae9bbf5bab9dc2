"""``make bench``: the benchmark suite (issue 6).  Writes ``results/bench.json`` and
``results/bench.md`` and prints the table.

Every network run is a fresh process (``python -m plasticity.analysis.bench_network``), so that peak RSS
and construction belong to that run alone.  Per implementation and size: ``repeats`` warm runs
(the table gives their medians), after one cold run at N_out = 10 for the implementations in
``COLD`` (empty Cython cache / new standalone project: its extra time over the warm median is the
one-off compile).

Budget (``make bench`` under 20 minutes on the 2-core machine): 3 warm runs at N_out = 10 and
100; at N_out = 1000 (10^6 synapses) one warm run per implementation (marked ``runs = 1``).
pynn.brian2 runs at N_out = 10 only: PyNN 0.13's pyNN.brian2 builds an all-to-all projection in
time quadratic in its size (Projection._convergent_connect sets every parameter per target
neuron through Brian2 index look-ups over all synapses; measured 106 s for 10^5 synapses).
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from .reproduce import load_timings
from plasticity.models import get_model
from plasticity.protocols import get_protocol
from plasticity.protocols import run as runners
from plasticity.protocols.schedule import Schedule

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (impl, threads): what each size runs; repeats per size
CONFIGS = [("pkg.brian2", 1), ("plain.brian2", 1), ("pkg.brian2.standalone", 1),
           ("plain.brian2.standalone", 1), ("pkg.pynn.nest", 1), ("pkg.pynn.nest", 2),
           ("plain.nest", 1), ("plain.nest", 2), ("pkg.pynn.brian2", 1)]
PLAN = {10: {"repeats": 3, "skip": set(), "construct_only": set()},
        100: {"repeats": 3, "skip": {("pkg.pynn.brian2", 1)}, "construct_only": set()},
        1000: {"repeats": 1, "skip": {("pkg.pynn.brian2", 1)}, "construct_only": set()}}
# one-off compile measured for these (runtime Cython: a fresh cache, which costs minutes
# per implementation; the warm runs use the user's Cython cache, filled by the cold run's code)
COLD = ("pkg.brian2", "pkg.brian2.standalone", "plain.brian2.standalone")
BASELINE = {"pkg.brian2": "plain.brian2", "pkg.brian2.standalone": "plain.brian2.standalone",
            "pkg.pynn.nest": "plain.nest"}


def _worker(impl, n_out, threads, env, build_dir=None, duration_s=10.0):
    cmd = [sys.executable, "-m", "plasticity.analysis.bench_network", "--impl", impl, "--n-out", str(n_out),
           "--threads", str(threads), "--duration-s", str(duration_s)]
    if build_dir:
        cmd += ["--build-dir", build_dir]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("BENCH ")]
    if p.returncode != 0 or not line:
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0], "impl": impl, "n_out": n_out, "threads": threads}
    out = json.loads(line[0][6:])
    out["wall_s"] = wall
    return out


def network(scratch, log, sizes=None):
    rows = []
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYNEST_QUIET="1",
               PLASTICITY_BRIAN2_TARGET="cython")
    for n_out, plan in PLAN.items():
        if sizes and n_out not in sizes:
            continue
        for impl, threads in CONFIGS:
            env.pop("PLASTICITY_BENCH_CYTHON_CACHE", None)      # warm: the user's cache
            if (impl, threads) in plan["skip"]:
                continue
            construct_only = (impl, threads) in plan["construct_only"]
            build_dir = os.path.join(scratch, "standalone", impl) if "standalone" in impl \
                else None
            cold = None
            if n_out == min(PLAN) and impl in COLD:
                # cold: nothing compiled yet for this implementation
                if build_dir:
                    shutil.rmtree(build_dir, ignore_errors=True)
                else:
                    env["PLASTICITY_BENCH_CYTHON_CACHE"] = os.path.join(scratch, "cython")
                cold = _worker(impl, n_out, threads, env, build_dir)
            warm = [_worker(impl, n_out, threads, env, build_dir,
                            0.0 if construct_only else 10.0)
                    for _ in range(plan["repeats"])]
            errors = [r["error"] for r in warm if "error" in r]
            row = {"impl": impl, "threads": threads, "n_out": n_out, "synapses": 1000 * n_out,
                   "runs": len(warm), "construct_only": construct_only}
            if errors:
                row["error"] = errors[0]
            else:
                med = lambda k: statistics.median(r[k] for r in warm)
                row.update(run_s=med("run_s"), build_s=med("build_s"),
                           teardown_s=med("teardown_s"), process_s=med("process_s"),
                           peak_rss_bytes=max(r["peak_rss_bytes"] for r in warm),
                           events=int(med("events")),
                           post_rate_hz=med("post_spikes") / n_out / 10.0,
                           run_s_all=[r["run_s"] for r in warm])
                if "compile_s" in warm[0]:
                    row["make_s_warm"] = med("compile_s")
                if not construct_only:
                    row["events_per_s"] = row["events"] / row["run_s"]
                if cold and "error" not in cold:
                    row["one_off_compile_s"] = cold["process_s"] - row["process_s"]
            rows.append(row)
            log(_row_text(row))
    _derive(rows)
    return rows


def _derive(rows):
    by = {(r["impl"], r["threads"], r["n_out"]): r for r in rows}
    for r in rows:
        if "error" in r:
            continue
        small = by.get((r["impl"], r["threads"], min(PLAN)))
        if small and small is not r and "error" not in small:
            r["bytes_per_synapse"] = (r["peak_rss_bytes"] - small["peak_rss_bytes"]) / \
                                     (r["synapses"] - small["synapses"])
        base = BASELINE.get(r["impl"])
        b = by.get((base, r["threads"], r["n_out"])) if base else None
        if b and "error" not in b and not r["construct_only"]:
            r["vs_baseline_time"] = r["run_s"] / b["run_s"]
            r["vs_baseline_per_event"] = (r["run_s"] / r["events"]) / (b["run_s"] / b["events"])
        nest1 = by.get(("plain.nest", 1, r["n_out"]))
        if nest1 and "error" not in nest1 and not r["construct_only"]:
            r["vs_plain_nest_1t"] = r["run_s"] / nest1["run_s"]


def _row_text(r):
    if "error" in r:
        return f"{r['impl']:24s} t={r['threads']} N={r['n_out']:5d}  ERROR {r['error']}"
    return (f"{r['impl']:24s} t={r['threads']} N={r['n_out']:5d}  run {r.get('run_s', 0):8.2f} s"
            f"  build {r['build_s']:7.2f} s  rss {r['peak_rss_bytes'] / 2**20:7.0f} MiB")


def protocols_bench(log, sample=10):
    """Batched bi_poo_1998 (every condition in one simulation) against one simulation per
    condition; brian2 runtime, warm (a first batched run compiles), and the batched run on
    cpp_standalone.  Per-condition: ``sample`` conditions evenly spread are run one by one;
    their mean time times the number of conditions is the estimate (labelled as such)."""
    os.environ.setdefault("PLASTICITY_BRIAN2_TARGET", "cython")
    import numpy as np
    model = get_model("stdp_pair")
    values = model.resolve("additive", {})
    proto = get_protocol("bi_poo_1998")
    schedule = proto.build(model, values, proto.resolve_options({}), None)
    n = len(schedule.conditions)
    runners.run(model, "additive", values, schedule, "brian2")            # warm the cache
    t0 = time.perf_counter()
    batched = runners.run(model, "additive", values, schedule, "brian2")
    t_batched = time.perf_counter() - t0
    runners.run(model, "additive", values, schedule, "brian2", device="cpp_standalone")
    t0 = time.perf_counter()
    standalone = runners.run(model, "additive", values, schedule, "brian2",
                            device="cpp_standalone")
    t_standalone = time.perf_counter() - t0
    picks = np.unique(np.linspace(0, n - 1, sample).round().astype(int))
    times, worst = [], 0.0
    for k in picks:
        one = Schedule(schedule.protocol, schedule.duration_ms, [schedule.conditions[k]],
                       schedule.dt_ms, schedule.meta, schedule.reward)
        t0 = time.perf_counter()
        r = runners.run(model, "additive", values, one, "brian2")
        times.append(time.perf_counter() - t0)
        worst = max(worst, abs(r.w_final[0] - batched.w_final[k]))
    per_condition = float(np.mean(times)) * n
    out = {"protocol": "bi_poo_1998", "model": "stdp_pair", "set": "additive",
           "conditions": n, "batched_runtime_s": t_batched,
           "batched_standalone_warm_s": t_standalone,
           "per_condition_mean_s": float(np.mean(times)), "per_condition_sampled": len(picks),
           "per_condition_total_estimate_s": per_condition,
           "speedup_batched_runtime": per_condition / t_batched,
           "speedup_batched_standalone": per_condition / t_standalone,
           "max_abs_w_difference_batched_vs_single": worst,
           "max_abs_w_difference_runtime_vs_standalone":
               float(np.max(np.abs(batched.w_final - standalone.w_final)))}
    log(f"bi_poo_1998 batched {t_batched:.2f} s (standalone {t_standalone:.2f} s), one per "
        f"condition {out['per_condition_mean_s']:.2f} s x {n} = {per_condition:.1f} s")
    return out


def openmp_bench(scratch, log, n_out=1000):
    """Brian2 cpp_standalone with OpenMP (``--threads``): the N_out = 1000 network (10^6 plastic
    synapses) on 1 and 2 threads, with Poisson trains drawn in numpy and replayed (``--input
    generator``), so that the network is deterministic and the two runs must give the same
    final weights to the bit (SHA-1 of the float64 array) and the same spike counts."""
    env = dict(os.environ, PYTHONWARNINGS="ignore", PLASTICITY_BRIAN2_TARGET="cython")
    rows = {}
    for threads in (1, 2):
        build_dir = os.path.join(scratch, "openmp", str(threads))
        cmd_env = dict(env)
        r = _worker_input("pkg.brian2.standalone", n_out, threads, cmd_env, build_dir)
        rows[threads] = r
        log(_row_text({**r, "impl": "pkg.brian2.standalone (OpenMP, generator input)",
                       "n_out": n_out, "threads": threads}) if "error" in r else
            f"pkg.brian2.standalone OpenMP t={threads} N={n_out}: run {r['run_s']:.2f} s, "
            f"weights sha1 {r['w_sha1'][:12]}")
    one, two = rows[1], rows[2]
    if "error" in one or "error" in two:
        return {"error": one.get("error") or two.get("error")}
    return {"n_out": n_out, "run_s_1": one["run_s"], "run_s_2": two["run_s"],
            "speedup": one["run_s"] / two["run_s"],
            "identical": one["w_sha1"] == two["w_sha1"] and
            one["post_spikes"] == two["post_spikes"] and one["pre_spikes"] == two["pre_spikes"],
            "w_sha1": one["w_sha1"], "post_spikes": one["post_spikes"]}


def _worker_input(impl, n_out, threads, env, build_dir):
    cmd = [sys.executable, "-m", "plasticity.analysis.bench_network", "--impl", impl,
           "--n-out", str(n_out), "--threads", str(threads), "--input", "generator",
           "--build-dir", build_dir]
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("BENCH ")]
    if p.returncode != 0 or not line:
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0]}
    return json.loads(line[0][6:])


def _dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def targets(bench, out):
    """Issue 22's targets, each met or missed with the measured value (recomputed from
    bench.json, results/timings.json and the size of ``out`` whenever the tables are
    written)."""
    rows = []

    def add(name, measured, limit, fmt, better="lower", note=""):
        if measured is None:
            rows.append({"target": name, "limit": limit, "measured": None, "met": None,
                         "text": "not measured", "note": note})
            return
        met = measured <= limit if better == "lower" else measured >= limit
        rows.append({"target": name, "limit": limit, "measured": measured, "met": met,
                     "text": fmt.format(measured), "note": note})
    rt = (bench.get("reproduce") or {}).get("runs") or {}
    add("make reproduce, warm caches (min)", rt.get("warm", {}).get("wall_s") and
        rt["warm"]["wall_s"] / 60, 5.0, "{:.1f} min")
    add("make reproduce, cold caches (min)", rt.get("cold", {}).get("wall_s") and
        rt["cold"]["wall_s"] / 60, 12.0, "{:.1f} min")
    report = [r.get("report_s") for r in rt.values() if r.get("report_s") is not None]
    add("report phase of make reproduce (s)", min(report) if report else None, 15.0,
        "{:.1f} s", note="the faster of the recorded runs")
    size = _dir_bytes(out) if os.path.isdir(os.path.join(out, "nix")) else None
    add("results/ size (MB)", size and size / 1e6, 100.0, "{:.0f} MB",
        note="everything under results/ now")
    by = {(r["impl"], r["threads"], r["n_out"]): r for r in bench.get("network", [])}
    r = by.get(("pkg.brian2.standalone", 1, 100), {})
    add("package vs hand-written Brian2 standalone, N_out = 100 (time ratio)",
        r.get("vs_baseline_time"), 1.05, "{:.2f}x")
    add("package Brian2 standalone vs plain NEST 1 thread, N_out = 100 (time ratio; issue: "
        "keep about 1/3.8 = 0.26)", r.get("vs_plain_nest_1t"), 1 / 3.8 * 1.05, "{:.2f}x")
    omp = bench.get("openmp") or {}
    add("Brian2 standalone OpenMP speed-up on 2 threads, N_out = 1000", omp.get("speedup"),
        1.7, "{:.2f}x", better="higher",
        note="identical weights and spikes to 1 thread" if omp.get("identical") else
        ("weights or spikes differ from 1 thread" if omp else ""))
    if omp and omp.get("identical") is False:
        rows[-1]["met"] = False
    return rows


# networks that learn tasks (issue 21): each protocol's full version once, as reproduce runs it
LEARNING = [("digits_wta", "stdp_pair", "brian2"), ("digits_wta", "stdp_pair", "pynn.nest"),
            ("digits_wta_400", "stdp_pair", "brian2"),
            ("digits_clustering", "stdp_pair", "brian2"),
            ("digits_clustering", "stdp_pair", "pynn.nest"),
            ("conv_stdp", "stdp_pair", "brian2"), ("reservoir_prediction", "rate_delta", "brian2"),
            ("reward_learning", "stdp_dopamine", "brian2"),
            ("reward_learning", "stdp_dopamine", "pynn.nest")]
HEADLINE = {"digits_wta": ("learned_accuracy", "baseline_accuracy", "held-out accuracy",
                           "plasticity off"),
            "digits_wta_400": ("learned_accuracy", "baseline_accuracy", "held-out accuracy",
                               "plasticity off"),
            "digits_clustering": ("learned_ari", "kmeans_ari", "adjusted Rand index", "k-means"),
            "conv_stdp": ("accuracy_stdp", "accuracy_random", "held-out accuracy",
                          "random kernels"),
            "reservoir_prediction": ("nrmse_online", "nrmse_ridge", "test NRMSE, delta rule",
                                     "ridge"),
            "reward_learning": ("learning_correct_after_reversal",
                                "static_correct_after_reversal",
                                "rewarded choices after the reversal", "plasticity off")}


def learning_bench(log):
    """Each learning protocol once (seed 1, its defaults; brian2 on cpp_standalone, a warm-up
    run first so that the time is the run's, not the compile's): wall time of the whole run
    (simulation, read-out, baselines) and its headline number against its baseline."""
    from plasticity.protocols.api import run_protocol
    rows = []
    for p, m, b in LEARNING:
        standalone = b == "brian2" and get_protocol(p).standalone
        device = "cpp_standalone" if standalone else "runtime"
        if standalone:                        # compile (a small version of the same network)
            small = {"digits_wta": {"train_images": "20", "test_images": "20"},
                     "digits_wta_400": {"train_images": "20", "test_images": "20"},
                     "digits_clustering": {"train_images": "20", "test_images": "20"},
                     "reward_learning": {"trials": "20"}}.get(p)
            if small is not None:
                run_protocol(p, m, backend=b, device=device, overrides=small)
        t0 = time.perf_counter()
        _, s = run_protocol(p, m, backend=b, device=device)
        wall = time.perf_counter() - t0
        c = s["conditions"][0]
        key, base, what, base_what = HEADLINE[p]
        rows.append({"protocol": p, "model": m, "backend": b, "device": device,
                     "wall_s": wall, "quantity": what, "value": float(c[key]),
                     "baseline_name": base_what, "baseline": float(c[base])})
        log(f"{p} on {b}: {wall:.1f} s, {what} {c[key]:.3f} ({base_what} {c[base]:.3f})")
    return rows


def reproduce_timings(results_dir):
    """Per-job wall times of the last cold and the last warm complete ``make reproduce``
    (results/timings.json, written by plasticity.analysis.reproduce), if any."""
    runs = load_timings(os.path.join(results_dir, "timings.json"))
    if not runs:
        return None
    by_kind = {r.get("caches"): r for r in runs}
    jobs = {}
    for kind in ("cold", "warm"):
        for j in (by_kind.get(kind) or {}).get("jobs", []):
            row = jobs.setdefault(j["key"], {"protocol": j["protocol"], "model": j["model"],
                                             "sets": j["sets"], "backend": j["backend"]})
            row[kind] = j["wall_s"]
            row.setdefault("device", j["device"])
    summary = {kind: {k: r.get(k) for k in ("date", "workers", "cores", "device", "wall_s",
                                            "jobs_s", "extras_s", "report_s")}
               for kind, r in by_kind.items() if kind in ("cold", "warm")}
    for kind, r in by_kind.items():
        if kind in summary:
            summary[kind]["sum_s"] = sum(j["wall_s"] for j in r["jobs"])
            summary[kind]["jobs"] = len(r["jobs"])
    order = sorted(jobs.values(), key=lambda r: -max(r.get("warm", 0), r.get("cold", 0)))
    return {"runs": summary, "jobs": order}


def _fmt(x, spec):
    return "—" if x is None else format(x, spec)


def markdown(bench):
    lines = ["# Benchmarks (`make bench`)", "", "## Targets (issue 22)", "",
             "| target | limit | measured | met | note |", "|---|---|---|---|---|"]
    for t in bench.get("targets") or []:
        met = "—" if t["met"] is None else ("met" if t["met"] else "MISSED")
        lines.append(f"| {t['target']} | {t['limit']:.3g} | {t['text']} | {met} | {t['note']} |")
    lines += ["",
             f"Machine: {bench['machine']}. Date: {bench['date']}. Network: 1000 Poisson "
             "inputs at 15 Hz, all-to-all `stdp_pair` additive onto N_out conductance-based LIF "
             "neurons, 10 s simulated, dt 0.1 ms (analysis/bench_network.py).", "",
             "run = the simulation call (standalone: the loop inside the binary), median of the "
             "warm runs; build = construction; compile = one-off (cold minus warm process time); "
             "events = pre spikes x N_out + post spikes x 1000; bytes/syn = extra peak RSS per "
             "synapse against N_out = 10; ratios against the hand-written baseline on the same "
             "engine (time, and time per event since the rules differ at coincident spikes), "
             "and against plain NEST on 1 thread.", "",
             "| implementation | thr | N_out | runs | run (s) | build (s) | teardown (s) | "
             "compile (s) | events/s | post rate (Hz) | peak RSS (MiB) | bytes/syn | "
             "vs baseline (time / per event) | vs plain NEST 1t |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in bench["network"]:
        if "error" in r:
            lines.append(f"| {r['impl']} | {r['threads']} | {r['n_out']} | — | error: "
                         f"{r['error']} |||||||||")
            continue
        run = "construction only" if r["construct_only"] else _fmt(r.get("run_s"), ".2f")
        vb = "—" if "vs_baseline_time" not in r else \
            f"{r['vs_baseline_time']:.2f} / {r['vs_baseline_per_event']:.2f}"
        lines.append(
            f"| {r['impl']} | {r['threads']} | {r['n_out']} | {r['runs']} | {run} | "
            f"{r['build_s']:.2f} | {r['teardown_s']:.2f} | "
            f"{_fmt(r.get('one_off_compile_s'), '.1f')} | "
            f"{_fmt(r.get('events_per_s') and r['events_per_s'] / 1e6, '.1f')}M | "
            f"{'—' if r['construct_only'] else format(r['post_rate_hz'], '.0f')} | "
            f"{r['peak_rss_bytes'] / 2**20:.0f} | {_fmt(r.get('bytes_per_synapse'), '.0f')} | "
            f"{vb} | {_fmt(r.get('vs_plain_nest_1t'), '.2f')} |")
    omp = bench.get("openmp") or {}
    if omp and "error" not in omp:
        lines += ["", "## Brian2 cpp_standalone with OpenMP", "",
                  f"N_out = {omp['n_out']} (10^6 plastic synapses), input Poisson trains drawn "
                  f"in numpy and replayed (deterministic network): run {omp['run_s_1']:.2f} s on "
                  f"1 thread, {omp['run_s_2']:.2f} s on 2 threads, speed-up "
                  f"{omp['speedup']:.2f}x; final weights and spike counts "
                  f"{'identical (SHA-1 ' + omp['w_sha1'][:12] + ')' if omp['identical'] else 'DIFFER'}"
                  f" ({omp['post_spikes']} output spikes)."]
    elif omp:
        lines += ["", f"OpenMP benchmark failed: {omp['error']}"]
    p = bench.get("protocols")
    if p:
        lines += ["", "## Batched protocol", "",
                  f"`bi_poo_1998` / stdp_pair additive, {p['conditions']} conditions, brian2: "
                  f"all in one simulation {p['batched_runtime_s']:.2f} s (runtime, warm), "
                  f"{p['batched_standalone_warm_s']:.2f} s (cpp_standalone, warm); one "
                  f"simulation per condition {p['per_condition_mean_s']:.2f} s each "
                  f"(mean of {p['per_condition_sampled']} conditions), "
                  f"{p['per_condition_total_estimate_s']:.0f} s for all (estimate). "
                  f"Speed-up {p['speedup_batched_runtime']:.0f}x (runtime), "
                  f"{p['speedup_batched_standalone']:.0f}x (standalone). Largest |w| "
                  f"difference batched vs single {p['max_abs_w_difference_batched_vs_single']:.1e}"
                  f", runtime vs standalone "
                  f"{p['max_abs_w_difference_runtime_vs_standalone']:.1e}."]
    if bench.get("learning"):
        lines += ["", "## Networks that learn tasks (issue 21)", "",
                  "Each protocol's full version once (seed 1, defaults), wall time of the whole "
                  "run: simulation, labelling, read-outs and baselines; brian2 on "
                  "cpp_standalone after a compile run.", "",
                  "| protocol | backend | wall (s) | quantity | value | baseline |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['protocol']} | {r['backend']} | {r['wall_s']:.1f} | {r['quantity']} "
                  f"| {r['value']:.3f} | {r['baseline_name']}: {r['baseline']:.3f} |"
                  for r in bench["learning"]]
    rt = bench.get("reproduce")
    if rt and rt.get("runs"):
        lines += ["", "## `make reproduce`, every job cold and warm (results/timings.json)", "",
                  "Recorded by `make reproduce` itself (each job in its own process, wall time "
                  "of the job including its compile and NIX writing), not re-run by `make "
                  "bench`. cold = the run started with no compiled Brian2 code (empty Cython "
                  "cache and standalone projects); warm = a later run.", ""]
        for kind in ("cold", "warm"):
            r = rt["runs"].get(kind)
            if r:
                lines.append(f"- {kind}: {r['date']}, {r['jobs']} jobs on {r['workers']} "
                             f"workers ({r['cores']} cores), Brian2 device {r['device']} where "
                             f"supported: {r['wall_s'] / 60:.1f} min wall, job times sum to "
                             f"{r['sum_s'] / 60:.1f} min.")
        lines += ["", "| protocol | model | sets | backend | device | cold (s) | warm (s) |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {j['protocol']} | {j['model']} | {', '.join(j['sets'])} | "
                  f"{j['backend']} | {j['device']} | {_fmt(j.get('cold'), '.1f')} | "
                  f"{_fmt(j.get('warm'), '.1f')} |" for j in rt["jobs"]]
    lines += ["", "pkg.pynn.brian2 runs at N_out = 10 only: PyNN 0.13's pyNN.brian2 builds an "
              "all-to-all projection in time quadratic in its size (90 % of its build time is "
              "Projection._convergent_connect setting each parameter per target neuron).",
              "", f"Total time of this benchmark run: {bench['total_s'] / 60:.1f} min "
              f"(sections run: {', '.join(bench.get('sections_run') or ['all'])})."]
    return "\n".join(lines) + "\n"


def main(out="results", *flags):
    """``python -m plasticity.analysis.bench results``: run the benchmarks.  ``--tables-only``: rewrite
    bench.md from the existing bench.json with the current reproduce timings (no run).
    ``--sections=network,openmp,protocols,learning`` runs only those sections and
    ``--sizes=100`` only those network sizes (the rest of bench.json, if any, is kept)."""
    import platform
    if "--tables-only" in flags:
        try:
            with open(os.path.join(out, "bench.json")) as f:
                bench = json.load(f)
        except (OSError, ValueError) as err:
            print(f"plasticity.analysis.bench: cannot read {os.path.join(out, 'bench.json')} ({err}); run "
                  "make bench first", file=sys.stderr)
            return 2
        bench["reproduce"] = reproduce_timings(out)
        bench["targets"] = targets(bench, out)
        _write(out, bench)
        return 0
    sections = {"network", "openmp", "protocols", "learning"}
    sizes = None
    for f in flags:
        if f.startswith("--sections="):
            sections = set(f.split("=", 1)[1].split(","))
        elif f.startswith("--sizes="):
            sizes = {int(x) for x in f.split("=", 1)[1].split(",")}
        else:
            print(f"plasticity.analysis.bench: unknown option '{f}'", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    log = lambda s: print(s, flush=True)
    try:
        with open(os.path.join(out, "bench.json")) as f:
            bench = json.load(f)
    except (OSError, ValueError):
        bench = {}
    scratch = tempfile.mkdtemp(prefix="plasticity-bench-")
    try:
        if "network" in sections:
            rows = network(scratch, log, sizes)
            keep = [r for r in bench.get("network", []) if sizes and r["n_out"] not in sizes]
            bench["network"] = sorted(keep + rows, key=lambda r: r["n_out"])
            _derive(bench["network"])
        if "openmp" in sections:
            bench["openmp"] = openmp_bench(scratch, log)
        os.environ["PLASTICITY_CACHE_DIR"] = os.path.join(scratch, "cache")
        if "protocols" in sections:
            bench["protocols"] = protocols_bench(log)
        if "learning" in sections:
            bench["learning"] = learning_bench(log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    bench.update({"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                             f"Python {platform.python_version()}",
                  "date": time.strftime("%Y-%m-%d %H:%M"),
                  "sections_run": sorted(sections) + ([f"sizes {sorted(sizes)}"] if sizes
                                                      else []),
                  "reproduce": reproduce_timings(out), "total_s": time.perf_counter() - t0})
    bench.setdefault("network", [])
    bench["targets"] = targets(bench, out)
    _write(out, bench)
    return 0


def _write(out, bench):
    tmp = os.path.join(out, "bench.json.tmp")
    with open(tmp, "w") as f:
        json.dump(bench, f, indent=1)
    os.replace(tmp, os.path.join(out, "bench.json"))
    text = markdown(bench)
    with open(os.path.join(out, "bench.md"), "w") as f:
        f.write(text)
    _link_from_index(out)
    print(text)


def _link_from_index(out):
    """Add a link to bench.md to results/index.html (written by make reproduce), once."""
    index = os.path.join(out, "index.html")
    if not os.path.exists(index):
        return
    with open(index) as f:
        html = f.read()
    if "href='bench.md'" in html or 'href="bench.md"' in html:
        return
    link = '<p><a href="bench.md">Benchmarks (make bench): bench.md, bench.json</a></p>'
    html = html.replace("<body>", "<body>\n" + link, 1) if "<body>" in html else html + link
    with open(index, "w") as f:
        f.write(html)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
