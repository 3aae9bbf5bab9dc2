"""Neo output: one NIX file per run, readable with plain ``neo`` (no need for this package).

Layout of the ``neo.Block``:

* block annotations: ``model``, ``parameter_set``, ``protocol``, ``backend``, ``simulator_versions``
  (JSON), ``package_version``, ``seed``, ``dt_ms``, ``duration_ms``, ``threads``, one
  ``param:<name>`` string per parameter (value with unit, e.g. ``'20.0 ms'``), ``parameters_json``
  (name -> value with unit) and ``parameter_sources_json`` (name -> source), ``options_json``,
  ``signal_semantics``;
* one segment; for every condition a ``neo.Group`` named by the condition label, annotated with
  ``label``, ``w_initial``, ``w_final``, ``dw_percent``, ``weight_unit``, the protocol variables
  (``var:dt_ms`` ...) and measurements (``measure:amplitude_ratios`` ...), holding the pre and
  post ``SpikeTrain`` (ms, at the synapse) and the recorded state as ``AnalogSignal``\\ s
  (``w`` for plastic rules; ``u`` and ``x`` for short-term plasticity).

Files are written to a temporary name in the target folder and renamed when complete.
"""
from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np

from plasticity.models.core import PlasticityError, format_value, unit_string

from plasticity.models import __version__ as PACKAGE_VERSION


def _signal_units(model, name):
    if name == "w" and model.weight_unit is not None:
        return str(model.weight_unit)
    return "dimensionless"


def build_block(result, protocol_name: str, options: dict, measurements: list, seed=None):
    import neo
    import quantities as pq

    model, sched = result.model, result.schedule
    hw = result.extra.get("hardware") or {}
    block = neo.Block(name=f"{protocol_name}/{model.name}/{result.set_name}/{result.backend}"
                      + (f"/{hw['hardware']}" if hw else ""))
    params = {k: format_value(v) for k, v in result.values.items()}
    ann = {
        "model": model.name, "parameter_set": result.set_name, "protocol": protocol_name,
        "backend": result.backend, "simulator_versions": json.dumps(result.simulator_versions),
        "package_version": PACKAGE_VERSION, "seed": -1 if seed is None else int(seed),
        "dt_ms": float(sched.dt_ms), "duration_ms": float(sched.duration_ms),
        "threads": int(result.threads), "parameters_json": json.dumps(params),
        "parameter_sources_json": json.dumps(model.provenance(result.set_name)),
        "options_json": json.dumps(options), "signal_semantics": result.signal_semantics,
        "weight_unit": unit_string(model.weight_unit), "wall_time_s": float(result.wall_time_s),
        "coincidence_rule": model.coincidence_rule,
        # --hardware emulation (run.spinnaker_emulation): 'none' or 'spinnaker', and its facts
        "hardware": hw.get("hardware", "none"), "hardware_json": json.dumps(hw),
    }
    for k, v in params.items():
        ann[f"param:{k}"] = v
    block.annotate(**ann)
    seg = neo.Segment(name="run")
    block.segments.append(seg)
    t_stop = sched.duration_ms * pq.ms
    rec_dt = (result.signal_times_ms[1] - result.signal_times_ms[0]) \
        if len(result.signal_times_ms) > 1 else sched.dt_ms
    for k, c in enumerate(sched.conditions):
        group = neo.Group(name=c.label)
        dw = dw_percent(result.w_initial[k], result.w_final[k])
        gann = {"label": c.label, "w_initial": float(result.w_initial[k]),
                "w_final": float(result.w_final[k]), "dw_percent": dw,
                "weight_unit": unit_string(model.weight_unit)}
        for vk, vv in c.variables.items():
            gann[f"var:{vk}"] = vv
        for mk, mv in (measurements[k] if measurements else {}).items():
            gann[f"measure:{mk}"] = list(map(float, mv)) if isinstance(mv, list) else mv
        group.annotate(**gann)
        for role in ("pre", "post"):
            st = neo.SpikeTrain(np.asarray(getattr(c, role), dtype=float) * pq.ms, t_stop=t_stop,
                                t_start=0 * pq.ms, name=f"{role}:{c.label}")
            st.annotate(condition=c.label, role=role)
            seg.spiketrains.append(st)
            group.add(st)
        for name, values in result.signals.items():
            sig = neo.AnalogSignal(np.asarray(values[:, k], dtype=float)[:, None],
                                   units=_signal_units(model, name),
                                   sampling_period=rec_dt * pq.ms,
                                   t_start=float(result.signal_times_ms[0]) * pq.ms,
                                   name=f"{name}:{c.label}")
            sig.annotate(condition=c.label, variable=name)
            seg.analogsignals.append(sig)
            group.add(sig)
        block.groups.append(group)
    return block


def dw_percent(w0, w1):
    return float(100.0 * (w1 / w0 - 1.0)) if w0 != 0 else float("nan")


def check_writable(path: str, suffix: str = ".nix"):
    """Fail early (before simulating) if ``path`` cannot be written."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not path.endswith(suffix):
        raise PlasticityError(f"output file '{path}' must end in {suffix}")
    if not os.path.isdir(folder):
        raise PlasticityError(f"cannot write '{path}': folder '{folder}' does not exist")
    if not os.access(folder, os.W_OK):
        raise PlasticityError(f"cannot write '{path}': folder '{folder}' is not writable")
    if os.path.isdir(path):
        raise PlasticityError(f"cannot write '{path}': it is a folder")


def write_nix(block, path: str):
    """Write atomically: a temporary file in the same folder, renamed when complete."""
    import neo
    check_writable(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".nix", dir=folder)
    os.close(fd)
    os.unlink(tmp)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            io = neo.NixIO(tmp, mode="ow")
            io.write_block(block)
            io.close()
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_nix(path: str):
    """Read a NIX file written by any backend with plain neo; returns the Block."""
    import neo
    if not os.path.isfile(path):
        raise PlasticityError(f"'{path}' does not exist")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            io = neo.NixIO(path, mode="ro")
            block = io.read_block()
            io.close()
    except Exception as err:   # nixio/h5py raise many types for a malformed file
        raise PlasticityError(f"'{path}' is not a readable NIX file ({type(err).__name__})") \
            from None
    if "model" not in block.annotations or "protocol" not in block.annotations:
        raise PlasticityError(f"'{path}' is a NIX file but not a plasticity result "
                              "(no model/protocol annotations)")
    return block
