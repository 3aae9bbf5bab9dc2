"""The cluster path, verified on one machine: NEST 3.10 built from source with MPI
(``make nest-mpi``), and the check that MPI processes give what threads give
(``make test-mpi``).

No PyPI NEST has MPI, so ``build`` downloads NEST's own source distribution from PyPI
(``pip download nest-simulator==3.10.0 --no-binary :all:``, the same release as the wheel the
package uses), configures it with ``-Dwith-mpi=ON -Dwith-openmp=ON`` against the system's MPI
(Debian's ``mpich``; ``make nest-mpi`` installs it with ``libmpich-dev``, cmake, GSL, Boost and
ltdl) and installs it into the package's cache folder (``<cache>/nest-mpi-3.10.0``, see
:func:`plasticity.models.core.cache_dir`), never into the working tree.  The installation is
complete only when its marker file ``build.json`` (build time, configure flags) exists; an
interrupted build starts again from scratch.

``check`` runs each case twice with the MPI NEST: ``mpirun -np 2`` (2 processes x 1 thread)
and 1 process x 2 threads.  NEST promises identical results for the same number of virtual
processes (here 2), so:

* the imposed-spike protocols on pynn.nest must give the same final weights to the bit
  (every condition) and the same weight-recorder traces, and, being deterministic, the same as
  the PyPI wheel in one process and one thread;
* the Song network (``analysis/bench_network.py``: 1000 Poisson inputs at 15 Hz, all-to-all
  ``stdp_pair`` additive through this package's PyNN ``synapse_type`` onto conductance-based
  neurons, 10 s) must give identical output spike trains and identical final weights.

``worker`` is what each run executes (every MPI process runs it; rank 0 writes the JSON).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

NEST_VERSION = "3.10.0"
CMAKE_FLAGS = ["-Dwith-mpi=ON", "-Dwith-openmp=ON", "-Dwith-gsl=ON", "-Dwith-ltdl=ON",
               "-Dwith-boost=ON"]
# (protocol, model, parameter set, options): imposed spikes on pynn.nest, NEST's own rules
PROTOCOL_CASES = (
    ("bi_poo_1998", "stdp_pair", "additive", {"step_ms": "20", "data": "0"}),
    ("bi_poo_1998", "stdp_pair", "multiplicative", {"step_ms": "20", "data": "0"}),
    ("bi_poo_1998", "stdp_nn_symm", "additive", {"step_ms": "20", "data": "0"}),
    ("sjostrom_2001", "stdp_triplet", "visual_all_to_all_minimal", {}),
    ("wang_2005", "stdp_power_law", "nest_defaults", {}),
    ("izhikevich_2007", "stdp_dopamine", "nest_defaults", {}),
)
NETWORK_CASE = {"n_out": 20, "duration_s": 10.0, "seed": 1}


class ClusterError(Exception):
    pass


def prefix() -> str:
    from plasticity.models.core import cache_dir
    return os.path.join(cache_dir(), f"nest-mpi-{NEST_VERSION}")


def _site_packages(root):
    lib = os.path.join(root, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}",
                       "site-packages")
    return lib if os.path.isdir(os.path.join(lib, "nest")) else None


def installed():
    """The build record of the MPI NEST, or None when it is not (completely) built."""
    try:
        with open(os.path.join(prefix(), "build.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def environment():
    """Environment that makes ``import nest`` load the MPI build (before the venv's wheel)."""
    root = prefix()
    site = _site_packages(root)
    if site is None or installed() is None:
        raise ClusterError("NEST with MPI is not built: run 'make nest-mpi' first")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([site] + [p for p in [env.get("PYTHONPATH")] if p])
    env["NEST_INSTALL_DIR"] = root
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [os.path.join(root, "lib", "nest"), os.path.join(root, "lib")]
        + [p for p in [env.get("LD_LIBRARY_PATH")] if p])
    env.setdefault("PYNEST_QUIET", "1")
    return env


def build(jobs=None):
    """Download, configure, compile and install NEST with MPI into :func:`prefix`."""
    if installed() is not None:
        rec = installed()
        print(f"NEST {NEST_VERSION} with MPI is already built in {prefix()} "
              f"({rec['build_s'] / 60:.1f} min on {rec['cores']} cores)")
        return 0
    for tool in ("mpicc", "mpicxx", "mpirun", "cmake", "make", "g++"):
        if shutil.which(tool) is None:
            raise ClusterError(f"'{tool}' not found: run 'apt-get install mpich libmpich-dev "
                               "cmake g++ make libgsl-dev libboost-dev libltdl-dev' "
                               "(make nest-mpi does this as root)")
    root = prefix()
    shutil.rmtree(root, ignore_errors=True)
    work = tempfile.mkdtemp(prefix="plasticity-nest-mpi-")
    jobs = jobs or os.cpu_count() or 1
    t0 = time.perf_counter()
    try:
        print(f"downloading NEST {NEST_VERSION}'s source distribution from PyPI")
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
              ":all:", f"nest-simulator=={NEST_VERSION}", "-d", work], "download")
        tarball = [f for f in os.listdir(work) if f.endswith(".tar.gz")]
        if not tarball:
            raise ClusterError("pip download gave no source distribution of nest-simulator")
        _run(["tar", "xzf", tarball[0]], "unpack", cwd=work)
        src = os.path.join(work, tarball[0][:-len(".tar.gz")])
        bld = os.path.join(work, "build")
        os.makedirs(bld)
        print(f"configuring (cmake {' '.join(CMAKE_FLAGS)}) into {root}")
        _run(["cmake", src, f"-DCMAKE_INSTALL_PREFIX={root}",
              f"-DPython_EXECUTABLE={sys.executable}", *CMAKE_FLAGS], "cmake", cwd=bld)
        print(f"compiling with {jobs} jobs (about 10 minutes on 2 cores)")
        _run(["make", f"-j{jobs}"], "make", cwd=bld)
        _run(["make", "install"], "make install", cwd=bld)
        build_s = time.perf_counter() - t0
        rec = {"nest": NEST_VERSION, "flags": CMAKE_FLAGS, "build_s": build_s,
               "cores": os.cpu_count(), "jobs": jobs, "mpi": _mpi_version(),
               "date": time.strftime("%Y-%m-%d %H:%M")}
        with open(os.path.join(root, "build.json"), "w") as f:
            json.dump(rec, f, indent=1)
        print(f"built NEST {NEST_VERSION} with MPI in {build_s / 60:.1f} min: {root}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _mpi_version():
    try:
        out = subprocess.run(["mpirun", "--version"], capture_output=True, text=True).stdout
        version = [ln.split(":", 1)[1].strip() for ln in out.splitlines()
                   if ln.strip().startswith("Version:")]
        kind = "MPICH (Hydra)" if "HYDRA" in out else (out.splitlines() or ["MPI"])[0]
        return f"{kind} {version[0]}" if version else kind
    except OSError:
        return "unknown"


def _run(cmd, what, cwd=None, env=None):
    """Run a build step with its output in a log; on failure raise with the log's last line."""
    log = tempfile.NamedTemporaryFile("w+", prefix=f"nest-mpi-{what.replace(' ', '-')}-",
                                      suffix=".log", delete=False)
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        log.seek(0)
        lines = [ln for ln in log.read().splitlines() if ln.strip()]
        raise ClusterError(f"{what} failed (exit {p.returncode}): "
                           f"{lines[-1] if lines else 'no output'} (log: {log.name})")
    log.close()
    os.unlink(log.name)


# --------------------------------------------------------------------------------------------
# the comparison
# --------------------------------------------------------------------------------------------
def worker(case, out, threads):
    """One case in this process (every MPI process runs it); rank 0 writes ``out`` (JSON)."""
    import nest
    if case == "network":
        result = _network(threads)
    else:
        result = _protocol(int(case), threads)
    result.update(processes=int(nest.NumProcesses()), threads=int(threads),
                  nest=nest.__version__)
    if int(nest.Rank()) == 0:
        with open(out + ".part", "w") as f:
            json.dump(result, f)
        os.replace(out + ".part", out)
    return 0


def _protocol(k, threads):
    from plasticity.protocols.api import run_protocol
    pname, mname, sname, opts = PROTOCOL_CASES[k]
    result, _ = run_protocol(pname, mname, sname, dict(opts), "pynn.nest", threads=threads)
    return {"case": f"{pname} / {mname} / {sname}", "labels": [c.label for c in
                                                                 result.schedule.conditions],
            "w_final": [float(w).hex() for w in result.w_final],
            "w_trace": [[float(v).hex() for v in col] for col in
                        result.signals.get("w", [[]]).T.tolist()] if "w" in result.signals
            else []}


def _network(threads):
    """The Song network of analysis/bench_network.py through pyNN.nest, with its output spike
    trains and final weights gathered on every process."""
    import numpy as np
    import nest
    import pyNN.nest as sim
    from . import bench_network as bn
    nest.set_verbosity("M_ERROR")
    n_out, seed, duration_s = NETWORK_CASE["n_out"], NETWORK_CASE["seed"], \
        NETWORK_CASE["duration_s"]
    post, proj, inputs = bn.build_pynn(sim, "nest", n_out, seed, threads)
    sim.run(duration_s * 1000.0)
    data = post.get_data("spikes", gather=True).segments[0].spiketrains
    trains = {int(st.annotations["source_index"]): [float(t).hex() for t in
                                                     np.asarray(st.magnitude)]
              for st in data}
    w = np.asarray(proj.get("weight", format="array", gather=True), dtype=float)
    n_in = int(sum(inputs.get_spike_counts(gather=True).values()))
    sim.end()
    return {"case": f"Song network (bench_network), {bn.N_IN} inputs -> {n_out} neurons, "
                    f"{duration_s:g} s",
            "post_trains": [trains.get(i, []) for i in range(n_out)],
            "w_final": [float(x).hex() for x in w.ravel()], "input_spikes": n_in}


def _compare(a, b):
    """Differences between two workers' results ('' when identical)."""
    for key in ("labels", "w_final", "w_trace", "post_trains", "input_spikes"):
        if a.get(key) != b.get(key):
            if key == "w_final":
                x = [float.fromhex(v) for v in a[key]]
                y = [float.fromhex(v) for v in b[key]]
                if len(x) != len(y):
                    return f"{key}: {len(x)} vs {len(y)} values"
                d = max(abs(p - q) for p, q in zip(x, y)) if x else 0.0
                n = sum(p != q for p, q in zip(x, y))
                return f"{key}: {n} of {len(x)} differ (largest {d:.3g})"
            return f"{key} differ"
    return ""


def check():
    """Every case under ``mpirun -np 2`` and in 1 process x 2 threads; returns 0 when all are
    identical, prints one line per case."""
    env = environment()
    if shutil.which("mpirun") is None:
        raise ClusterError("'mpirun' not found: run 'make nest-mpi' first")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        raise ClusterError("mpi4py is not installed: run 'make nest-mpi' first") from None
    cases = [str(k) for k in range(len(PROTOCOL_CASES))] + ["network"]
    work = tempfile.mkdtemp(prefix="plasticity-test-mpi-")
    failures = 0
    rec = installed()
    print(f"NEST {rec['nest']} with MPI ({rec['mpi']}), built {rec['date']} in "
          f"{rec['build_s'] / 60:.1f} min on {rec['cores']} cores: {prefix()}")
    try:
        for case in cases:
            outs = {}
            walls = {}
            for kind, cmd in (
                    ("2 processes x 1 thread", ["mpirun", "-np", "2", sys.executable, "-m",
                                                "plasticity.analysis.cluster", "worker", case,
                                                "{out}", "1"]),
                    ("1 process x 2 threads", [sys.executable, "-m",
                                               "plasticity.analysis.cluster", "worker", case,
                                               "{out}", "2"])):
                out = os.path.join(work, f"{case}-{kind[0]}.json")
                t0 = time.perf_counter()
                p = subprocess.run([c.replace("{out}", out) for c in cmd], env=env, cwd=work,
                                   capture_output=True, text=True)
                walls[kind] = time.perf_counter() - t0
                if p.returncode != 0 or not os.path.exists(out):
                    tail = [ln for ln in (p.stderr or p.stdout).splitlines() if ln.strip()]
                    raise ClusterError(f"case {case} ({kind}) failed: "
                                       f"{tail[-1] if tail else 'no output'}")
                with open(out) as f:
                    outs[kind] = json.load(f)
            a, b = list(outs.values())[:2]
            if (a["processes"], a["threads"], b["processes"], b["threads"]) != (2, 1, 1, 2):
                raise ClusterError(f"case {case}: ran as {a['processes']}x{a['threads']} and "
                                   f"{b['processes']}x{b['threads']}, not 2x1 and 1x2 (is "
                                   "the MPI NEST the one imported?)")
            diff = _compare(a, b)
            if case != "network" and not diff:
                # the imposed-spike protocols are deterministic: the same numbers as the PyPI
                # wheel in one process and one thread (the package's usual run)
                out = os.path.join(work, f"{case}-wheel.json")
                t0 = time.perf_counter()
                wheel_env = dict(os.environ, PYNEST_QUIET="1")
                p = subprocess.run([sys.executable, "-m", "plasticity.analysis.cluster",
                                    "worker", case, out, "1"], env=wheel_env, cwd=work,
                                   capture_output=True, text=True)
                walls["wheel 1 x 1"] = time.perf_counter() - t0
                if p.returncode != 0 or not os.path.exists(out):
                    tail = [ln for ln in (p.stderr or p.stdout).splitlines() if ln.strip()]
                    raise ClusterError(f"case {case} (PyPI wheel) failed: "
                                       f"{tail[-1] if tail else 'no output'}")
                with open(out) as f:
                    diff = _compare(a, json.load(f))
                diff = f"against the PyPI wheel (1 x 1): {diff}" if diff else ""
            size = (f"{len(a['w_final'])} weights, "
                    + (f"{sum(len(t) for t in a['post_trains'])} output spikes"
                       if "post_trains" in a else f"{len(a['w_trace'])} traces"))
            timing = ", ".join(f"{k} {v:.1f} s" for k, v in walls.items())
            if diff:
                failures += 1
                print(f"DIFFERENT  {a['case']}: {diff} ({timing})")
            else:
                also = "" if case == "network" else " (and as the PyPI wheel in 1 x 1)"
                print(f"identical  {a['case']}: {size}, bit for bit{also} ({timing})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(cases) - failures} of {len(cases)} cases identical under mpirun -np 2 and "
          "1 process x 2 threads")
    return 1 if failures else 0


def main(argv):
    try:
        if argv[:1] == ["build"]:
            return build()
        if argv[:1] == ["check"]:
            return check()
        if argv[:1] == ["worker"] and len(argv) == 4:
            return worker(argv[1], argv[2], int(argv[3]))
        print("usage: python -m plasticity.analysis.cluster build | check", file=sys.stderr)
        return 2
    except ClusterError as err:
        print(f"plasticity.analysis.cluster: {err}", file=sys.stderr)
        return 1
    except Exception as err:          # PlasticityError and the simulators' own, in one line
        from plasticity.models.core import PlasticityError
        kind = "" if isinstance(err, PlasticityError) else f"{type(err).__name__}: "
        msg = str(err).splitlines()[0] if str(err) else ""
        print(f"plasticity.analysis.cluster: {kind}{msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
