"""Neo output: one NIX file per run, readable with plain ``neo`` (no need for this package),
and beside it a small JSON summary of the same numbers (what the report reads).

Layout of the ``neo.Block`` (``layout`` annotation ``plasticity-nix/2``):

* block annotations: ``model``, ``parameter_set``, ``protocol``, ``backend``, ``simulator_versions``
  (JSON), ``package_version``, ``seed``, ``dt_ms``, ``duration_ms``, ``threads``, one
  ``param:<name>`` string per parameter (value with unit, e.g. ``'20.0 ms'``), ``parameters_json``
  (name -> value with unit) and ``parameter_sources_json`` (name -> source; a value the user
  set says so, with the set's value and its source), ``user_values_json`` (the values the user
  set, name -> value), ``options_json``,
  ``signal_semantics``, ``signal_sampling_ms`` and ``signal_sampling`` (how the state was
  sampled), ``condition_labels_json`` and ``conditions_json``: one entry per condition, in
  order, with ``label``, ``w_initial``, ``w_final``, ``dw_percent``, ``weight_unit``, the protocol
  variables (``var:dt_ms`` ...) and measurements (``measure:amplitude_ratios`` ...);
* one segment ``run`` holding two ``SpikeTrain``\ s, ``pre`` and ``post`` (ms, at the synapse):
  the spikes of every condition, condition by condition, with the array annotation
  ``condition_index`` (position in ``conditions_json``); and one ``AnalogSignal`` per recorded
  variable (``w`` for plastic rules; ``u`` and ``x`` for short-term plasticity) with one channel
  per condition (array annotation ``condition``: its label), sampled every
  ``signal_sampling_ms``.

Version 1 of this layout (one ``neo.Group`` per condition with its own spike trains and
signals) cost 12.5 MB for a 116-condition window, almost all of it HDF5 bookkeeping of 5 500
small objects; this one costs under 1 MB (HDF5 1.10 file format, which h5py and nixio read).

Files are written to a temporary name in the target folder and renamed when complete; the
summary (``<name>.summary.json``) is written after the NIX file and records its SHA-1, so a
reader can tell a stale summary from a current one (:func:`read_summary`).
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings

import numpy as np

from plasticity.models.core import PlasticityError, ResourceError, format_value, unit_string

from plasticity.models import __version__ as PACKAGE_VERSION
from plasticity.models.files import digest, remove_leftovers, temporary_name


def _signal_units(model, name):
    if name == "w" and model.weight_unit is not None:
        return str(model.weight_unit)
    return "dimensionless"


def build_block(result, protocol_name: str, options: dict, measurements: list, seed=None,
                user_set=()):
    """``user_set``: the names of the parameters the user set (``--set``, overrides)."""
    import neo
    import quantities as pq

    model, sched = result.model, result.schedule
    hw = result.extra.get("hardware") or {}
    block = neo.Block(name=f"{protocol_name}/{model.name}/{result.set_name}/{result.backend}"
                      + (f"/{hw['hardware']}" if hw else ""))
    params = {k: format_value(v) for k, v in result.values.items()}
    sources, user_values = parameter_sources(model, result.set_name, params, user_set)
    ann = {
        "model": model.name, "parameter_set": result.set_name, "protocol": protocol_name,
        "backend": result.backend, "simulator_versions": json.dumps(result.simulator_versions),
        "package_version": PACKAGE_VERSION, "seed": -1 if seed is None else int(seed),
        "dt_ms": float(sched.dt_ms), "duration_ms": float(sched.duration_ms),
        "threads": int(result.threads), "parameters_json": json.dumps(params),
        "parameter_sources_json": json.dumps(sources),
        "user_values_json": json.dumps(user_values),
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
    labels = [c.label for c in sched.conditions]
    conditions = []
    for k, c in enumerate(sched.conditions):
        gann = {"label": c.label, "w_initial": float(result.w_initial[k]),
                "w_final": float(result.w_final[k]),
                "dw_percent": dw_percent(result.w_initial[k], result.w_final[k]),
                "weight_unit": unit_string(model.weight_unit)}
        for vk, vv in c.variables.items():
            gann[f"var:{vk}"] = vv
        for mk, mv in (measurements[k] if measurements else {}).items():
            gann[f"measure:{mk}"] = mv
        conditions.append(_plain(gann))
    block.annotate(conditions_json=json.dumps(conditions),
                   condition_labels_json=json.dumps(labels),
                   signal_sampling_ms=float(rec_dt),
                   signal_sampling=sched.meta.get("record_note") or
                   f"every {float(rec_dt):g} ms of simulated time",
                   layout=LAYOUT)
    for role in ("pre", "post"):
        trains = [np.asarray(getattr(c, role), dtype=float) for c in sched.conditions]
        times = np.concatenate(trains) if trains else np.zeros(0)
        index = np.concatenate([np.full(len(t), k, dtype=np.int64)
                                for k, t in enumerate(trains)]) if trains else np.zeros(0, int)
        st = neo.SpikeTrain(times * pq.ms, t_stop=t_stop, t_start=0 * pq.ms, name=role,
                            array_annotations={"condition_index": index})
        st.annotate(role=role)
        seg.spiketrains.append(st)
    for name, values in result.signals.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(labels) or values.shape[0] == 0:
            continue
        sig = neo.AnalogSignal(values, units=_signal_units(model, name),
                               sampling_period=rec_dt * pq.ms,
                               t_start=float(result.signal_times_ms[0]) * pq.ms, name=name,
                               array_annotations={"condition": np.asarray(labels)})
        sig.annotate(variable=name)
        seg.analogsignals.append(sig)
    return block


def parameter_sources(model, set_name: str, params: dict, user_set=()):
    """Each parameter's source, and the values the user set (name -> value as run): the source
    of a value the user set says so, with the parameter set's value and its source."""
    published = {k: format_value(v) for k, v in model.resolve(set_name).items()}
    sources, user = dict(model.provenance(set_name)), {}
    for name in user_set:
        if name not in params:
            continue
        user[name] = params[name]
        sources[name] = (f"set by the user ({params[name]}); parameter set '{set_name}' has "
                         f"{published.get(name, '?')}: {sources.get(name, 'no source')}")
    return sources, user


LAYOUT = "plasticity-nix/2"


def _plain(obj):
    """JSON-ready copy: numpy scalars and arrays to Python numbers and lists."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def summary_path(path: str) -> str:
    """``results/x.nix`` -> ``results/x.summary.json``."""
    return (path[:-4] if path.endswith(".nix") else path) + ".summary.json"


def block_summary(block) -> dict:
    """The numbers of a result without its spike trains and traces: the block annotations
    (``conditions_json`` decoded into ``conditions``)."""
    ann = _plain(dict(block.annotations))
    ann["conditions"] = json.loads(ann.pop("conditions_json", "[]"))
    return ann


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
    for name in (path, summary_path(path)) if suffix == ".nix" else (path,):
        if os.path.isdir(name):
            raise PlasticityError(f"cannot write '{name}': it is a folder")
        if os.path.exists(name) and not os.access(name, os.W_OK):
            raise PlasticityError(f"cannot write '{name}': it is read-only")


def _nix_image(block, name: str) -> bytes:
    """The NIX file of ``block`` as bytes, built in memory (HDF5's core driver, no backing
    store): a full disk or an interrupt can then only meet the plain write that follows, never
    HDF5 half-way through a file (which ends the process: h5py's deallocators fail on every
    object and the interpreter segfaults).  The HDF5 1.10 file format (compact groups instead of
    a B-tree and a heap for each) halves the size of a file of many small objects."""
    import h5py
    import neo
    import nixio.file as nf
    orig = nf.make_fapl

    def fapl():
        p = orig()
        p.set_libver_bounds(h5py.h5f.LIBVER_V110, h5py.h5f.LIBVER_LATEST)
        p.set_fapl_core(1 << 20, False)
        return p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nf.make_fapl = fapl
        try:
            io = neo.NixIO(name, mode="ow")
        finally:
            nf.make_fapl = orig
        try:
            io.write_block(block)
            h5 = io.nix_file._h5file
            h5.flush()
            return h5.id.get_file_image()
        finally:
            io.close()


def _write_bytes(path: str, data: bytes, shown: str):
    """Write ``data`` to the new file ``path`` (which must not exist); on any failure remove it
    and raise one line naming ``shown`` (a full disk: :class:`ResourceError`)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as err:
        raise ResourceError(f"cannot write '{shown}': {err.strerror.lower()}") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException as err:
        os.close(fd)
        os.unlink(path)
        if isinstance(err, OSError):
            raise ResourceError(f"cannot write '{shown}': {err.strerror.lower()}") from None
        raise
    os.close(fd)


def write_nix(block, path: str):
    """Write atomically: the file is built in memory, written to a temporary name in the same
    folder and renamed when complete; then the summary beside it (also renamed into place when
    complete).  A failure leaves neither file, nor any temporary one."""
    check_writable(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_leftovers(folder, "tmp")
    tmp = temporary_name(folder, "tmp", ".nix")
    image = _nix_image(block, tmp)
    _write_bytes(tmp, image, path)
    summary = block_summary(block)
    summary["nix_sha1"] = hashlib.sha1(image).hexdigest()
    spath = summary_path(path)
    stmp = temporary_name(folder, "tmp", ".json")
    try:
        _write_bytes(stmp, json.dumps(summary).encode(), spath)
        os.replace(tmp, path)
        os.replace(stmp, spath)
    except BaseException:
        for name in (tmp, stmp):
            if os.path.exists(name):
                os.unlink(name)
        raise


def read_summary(path: str):
    """The summary written beside the NIX file ``path``, or None when it is missing,
    unreadable or does not belong to the file as it is now (the SHA-1 of the NIX file it
    recorded differs)."""
    try:
        with open(summary_path(path)) as f:
            summary = json.load(f)
        if summary.get("nix_sha1") != digest(path, "sha1"):
            return None
        return summary
    except (OSError, ValueError, AttributeError):
        return None


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
