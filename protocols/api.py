"""Run a protocol end to end: validate everything, simulate, measure, write the NIX file."""
from __future__ import annotations

import json
import os
import sys

from plasticity.models import get_model, spinnaker
from plasticity.models.core import PlasticityError, closest, format_value

from . import get_protocol
from . import run as runners
from .run import brian2 as brian2_runner
from .run import spinnaker_emulation as emulation
from .run import spinnaker_map
from .run.common import interrupts_end_the_run
from .base import Option
from .neo_io import build_block, check_writable, dw_percent, write_nix
from .schedule import long_run_note

SPINNAKER_BACKEND = spinnaker.MAPPING_BACKEND


def split_overrides(model, protocol, pairs: dict):
    """``--set name=value``: a model parameter if the model has it, else a protocol option."""
    params, options = {}, {}
    option_names = {o.name for o in protocol.options}
    for k, v in pairs.items():
        if k in model.param_names:
            params[k] = v
        elif k in option_names:
            options[k] = v
        else:
            raise PlasticityError(
                f"--set {k}: not a parameter of model '{model.name}'"
                f"{closest(k, [*model.param_names, *option_names])} "
                f"({', '.join(model.param_names)}) nor an option of protocol '{protocol.name}'"
                + (f" ({', '.join(sorted(option_names))})" if option_names else "")
                + ("; run options: synapses, seed" if model.readout is not None else ""))
    return params, options


def _prepare(protocol_name, model_name, set_name, overrides, backend, threads, schedule_file):
    protocol = get_protocol(protocol_name)
    model = get_model(model_name)
    protocol.check_model(model)
    model.check_backend(backend)
    if threads < 1:
        raise PlasticityError(f"--threads must be >= 1, got {threads}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if threads > (cores or 1):
        raise PlasticityError(f"--threads {threads}: this process may use {cores} cores; more "
                              "threads than cores only slow NEST and OpenMP down")
    if threads > 1 and backend not in ("pynn.nest", "brian2"):
        raise PlasticityError("--threads applies to backends pynn.nest (NEST threads) and "
                              "brian2 with --device cpp_standalone (OpenMP) only")
    overrides = dict(overrides or {})
    run_opts = {}
    if model.readout is not None:        # stochastic read-out: population size and seed
        for key in ("synapses", "seed"):
            if key in overrides:
                run_opts[key] = Option(key, None, "", int, 1 if key == "synapses" else 0) \
                    .coerce(overrides.pop(key), protocol.name)
    params, opt_given = split_overrides(model, protocol, overrides)
    set_name = set_name or protocol.default_sets.get(model.name) or model.default_set
    values = model.resolve(set_name, params)
    options = protocol.resolve_options(opt_given)
    if schedule_file and not protocol.needs_schedule_file:
        raise PlasticityError("--schedule is only used by protocol 'spike_trains'")
    schedule = protocol.build(model, values, options, schedule_file)
    if "synapses" in run_opts:
        schedule.meta["synapses_per_state"] = run_opts["synapses"]
    if "seed" in run_opts:
        schedule.meta["seed"] = run_opts["seed"]
    options = {**options, **run_opts}
    schedule.meta["user_set"] = sorted(params)      # (recorded as the user's in the NIX file)
    return protocol, model, set_name, values, options, schedule


def _finish(protocol, result, options, out):
    measurements = protocol.measure(result) if protocol.measure else \
        [{} for _ in result.schedule.conditions]
    for m, extra in zip(measurements, result.extra.get("per_condition", [])):
        m.update(extra)
    summary = summarize(result, protocol.name, options, measurements, out)
    # the seed every engine was given (the runners seed Brian2 and NEST with it; a protocol's
    # ``seed`` option sets it): recorded for deterministic rules too
    seed = int(result.schedule.meta.get("seed", runners.DEFAULT_SEED))
    summary["seed"] = seed
    if out and mpi_rank() == 0:      # under MPI every process holds the whole result
        write_nix(build_block(result, protocol.name, options, measurements, seed=seed,
                              user_set=result.schedule.meta.get("user_set", ())), out)
    return summary


def mpi_rank() -> int:
    """This process's MPI rank where NEST runs under MPI (``mpirun``), else 0."""
    nest = sys.modules.get("nest")
    if nest is None:
        return 0
    try:
        return int(nest.Rank())
    except Exception:                   # NEST not initialised
        return 0


def check_protocol_device(protocol, model, backend, device):
    """Refuse a Brian2 device that cannot run this protocol and model (one line)."""
    runners.check_device(model, backend, device)
    if device != "runtime" and protocol.uses_simulate(model) and not protocol.standalone:
        raise PlasticityError(f"--device {device}: protocol '{protocol.name}' builds its own "
                              f"network for '{model.name}', which runs in runtime mode only "
                              "(see the protocol's documentation)")


def run_protocol(protocol_name, model_name, set_name=None, overrides=None, backend="brian2",
                 out=None, schedule_file=None, threads=1, progress=False, device="runtime",
                 hardware=None):
    """Returns (RunResult, summary dict).  Everything is validated before anything runs.
    ``device``: Brian2 ``runtime`` (default) or ``cpp_standalone`` (backend brian2; the
    project is built under :func:`plasticity.protocols.run.brian2.cache_dir`).  ``hardware``: ``spinnaker``
    runs the rule with the chip's arithmetic (:mod:`plasticity.protocols.run.spinnaker_emulation`; brian2, runtime)."""
    if backend == SPINNAKER_BACKEND:
        raise PlasticityError(f"backend {SPINNAKER_BACKEND} maps a protocol's network without "
                              "simulating it: use map_protocol (plasticity run --backend "
                              f"{SPINNAKER_BACKEND})")
    protocol, model, set_name, values, options, schedule = _prepare(
        protocol_name, model_name, set_name, overrides, backend, threads, schedule_file)
    check_protocol_device(protocol, model, backend, device)
    if threads > 1 and backend == "brian2" and device != "cpp_standalone":
        raise PlasticityError("--threads on backend brian2 needs --device cpp_standalone "
                              "(Brian2's OpenMP); runtime mode runs on one thread")
    if hardware is not None:
        _check_hardware(protocol, model, values, backend, device, hardware)
    if out:
        check_writable(out)
    if hardware is not None:
        with interrupts_end_the_run():
            result = emulation.run_emulated(model, set_name, values, schedule,
                                            emulation.HARDWARE[hardware], progress,
                                            label=hardware)
        summary = _finish(protocol, result, options, out)
        summary["hardware"] = result.extra["hardware"]
        return result, summary
    omp = threads if backend == "brian2" else 1
    note = "" if protocol.uses_simulate(model) else long_run_note(schedule)
    if note:
        sys.stderr.write(f"plasticity: note: {note}\n")
    if protocol.uses_simulate(model):
        schedule.meta.setdefault("threads", threads)
        with interrupts_end_the_run(), brian2_runner.openmp_threads(omp), \
                brian2_runner.brian2_device(device,
                                            brian2_runner.project_key(protocol.name, model.name)):
            result = protocol.simulate(model, set_name, values, schedule, backend, progress)
    else:
        with interrupts_end_the_run(), brian2_runner.openmp_threads(omp):
            result = runners.run(model, set_name, values, schedule, backend, threads=threads,
                                 progress=progress, device=device)
    _note_device(result, device)
    return result, _finish(protocol, result, options, out)


def _check_hardware(protocol, model, values, backend, device, hardware):
    emulation.check_hardware(hardware, backend)
    if device != "runtime":
        raise PlasticityError(f"--hardware {hardware} runs in Brian2's runtime mode only "
                              f"(got --device {device})")
    if protocol.uses_simulate(model):
        raise PlasticityError(f"--hardware {hardware}: protocol '{protocol.name}' builds its "
                              "own network; the emulation runs schedule-driven protocols "
                              "(imposed pre and post spikes)")
    emulation.emulation_rule(model, values)


def map_protocol(protocol_name, model_name, set_name=None, overrides=None, out=None,
                 schedule_file=None):
    """Backend ``pynn.spinnaker``: build the protocol's network in sPyNNaker on a virtual board
    (mapping and data generation; nothing executes) and report mapped or not (sPyNNaker's
    reason), cores, SDRAM, the weight format and the weights as the chip holds them.  Returns
    the report (a dict); ``out``: also written as JSON."""
    protocol, model, set_name, values, options, schedule = _prepare(
        protocol_name, model_name, set_name, overrides, "brian2", 1, schedule_file)
    own = protocol.uses_simulate(model)
    if own and protocol.spinnaker_network is None:
        raise PlasticityError(f"backend {SPINNAKER_BACKEND}: protocol '{protocol.name}' builds "
                              "its own network and has no SpiNNaker translation (song_2000 "
                              "has one; schedule-driven protocols map directly)")
    rule = spinnaker.rule_for(model, values)       # refusal: one line naming the nearest rule
    if out:
        check_writable(out, ".json")        # backend pynn.spinnaker writes a JSON report
    schedule.validate()
    if own:
        rule, network, w0 = protocol.spinnaker_network(rule, model, values, schedule)
        rep = spinnaker_map.run_worker(rule, network, schedule.duration_ms)
        return _write_map_report(protocol, model, set_name, rule, schedule, w0, 0, rep, out,
                                 per_condition=False)
    chip, merged = spinnaker_map.chip_schedule(schedule)
    w0 = runners.initial_weights(model, values, schedule)
    rep = spinnaker_map.map_schedule(rule, chip, w0)
    return _write_map_report(protocol, model, set_name, rule, chip, w0, merged, rep, out)


def _write_map_report(protocol, model, set_name, rule, chip, w0, merged, rep, out,
                      per_condition=True):
    """``per_condition``: one synapse per condition (schedules); else a population of synapses
    (a protocol's own network), summarised."""
    st = rep.get("synapse_type", 0)
    report = {
        "protocol": protocol.name, "model": model.name, "params": set_name,
        "backend": SPINNAKER_BACKEND, "mapped": bool(rep["mapped"]), "reason": rep["reason"],
        "sPyNNaker_rule": f"{rule.timing} + {rule.weight}"
                          + (" + Neuromodulation" if rule.neuromodulation else ""),
        "timing_params": rule.timing_params, "weight_params": rule.weight_params,
        "binary": rule.binary_hint, "versions": rep.get("versions", {}),
        "cores": rep.get("cores"), "system_cores": rep.get("system_cores"),
        "sdram_bytes": rep.get("sdram_bytes"), "vertices": rep.get("vertices", []),
        "ring_buffer_shift": (rep.get("ring_buffer_shifts") or [None] * (st + 1))[st],
        "weight_lsb": (1.0 / rep["weight_scales"][st]) if rep.get("weight_scales") else None,
        "timestep_ms": spinnaker.TIMESTEP_MS, "spikes_merged": int(merged),
        "wall_s": rep.get("wall_s"),
        "notes": rule.notes + ([spinnaker.KNOWN_FAILURES[model.name]]
                               if model.name in spinnaker.KNOWN_FAILURES else []),
        "cell": rule.cell,
    }
    if per_condition:
        report["conditions"] = [
            {"label": c.label, "w_initial": float(w),
             "w_chip": None if not rep.get("weights") else rep["weights"][k]}
            for k, (c, w) in enumerate(zip(chip.conditions, w0))]
    else:
        report["conditions"] = []
        report["synapses"] = len(w0)
        if rep.get("weights"):
            err = [abs(a - b) for a, b in zip(rep["weights"], w0)]
            report["synapses_summary"] = {
                "w_initial_mean": float(sum(w0) / len(w0)),
                "w_chip_mean": float(sum(rep["weights"]) / len(w0)),
                "max_abs_difference": float(max(err))}
    if out:
        tmp = out + ".part"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=1)
        os.replace(tmp, out)
    return report


def _note_device(result, device):
    """Provenance: the Brian2 device goes with the simulator versions (NIX annotations)."""
    if result.backend == "brian2":
        result.simulator_versions = {**result.simulator_versions, "brian2_device": device}


def run_protocol_sets(protocol_name, model_name, set_names, backend="brian2", outs=None,
                      progress=False, overrides=None, device="runtime"):
    """One protocol for several parameter sets of a model (the same ``overrides`` for every
    set): on brian2 they share one simulation (:func:`plasticity.protocols.run.run_sets`).  Returns a
    list of summaries."""
    prepared = [_prepare(protocol_name, model_name, s, overrides, backend, 1, None)
                for s in set_names]
    protocol, model, _, _, options, schedule = prepared[0]
    if protocol.uses_simulate(model):
        raise PlasticityError(f"{protocol_name}: run its parameter sets one by one")
    check_protocol_device(protocol, model, backend, device)
    for p in prepared[1:]:
        if [c.label for c in p[5].conditions] != [c.label for c in schedule.conditions]:
            raise PlasticityError(f"{protocol_name}: the sets build different schedules")
    outs = list(outs or [None] * len(set_names))
    for out in outs:
        if out:
            check_writable(out)
    with interrupts_end_the_run():
        results = runners.run_sets(model, [(p[2], p[3]) for p in prepared], schedule, backend,
                                   progress=progress, device=device)
    for r in results:
        _note_device(r, device)
    return [_finish(protocol, r, options, out) for r, out in zip(results, outs)]


def summarize(result, protocol_name, options, measurements, out):
    conds = []
    for k, c in enumerate(result.schedule.conditions):
        d = {"label": c.label, "w_initial": float(result.w_initial[k]),
             "w_final": float(result.w_final[k]),
             "dw_percent": dw_percent(result.w_initial[k], result.w_final[k])}
        d.update(c.variables)
        d.update(measurements[k])
        conds.append(d)
    return {
        "protocol": protocol_name, "model": result.model.name, "params": result.set_name,
        "backend": result.backend,
        "parameters": {k: format_value(v) for k, v in result.values.items()},
        "weight_unit": "1" if result.model.weight_unit is None else str(result.model.weight_unit),
        "options": options, "output": out, "wall_time_s": result.wall_time_s,
        "simulator_versions": result.simulator_versions, "conditions": conds,
    }
