"""Read result NIX files (from any backend) into plain Python structures."""
from __future__ import annotations

import json

import numpy as np

from plasticity.protocols.neo_io import LAYOUT, block_summary, read_nix, read_summary


def _condition(a: dict) -> dict:
    """One condition's numbers from its annotations (``var:`` and ``measure:`` prefixes
    dropped; list measures as arrays)."""
    c = {"label": a["label"], "w_initial": float(a["w_initial"]),
         "w_final": float(a["w_final"]), "dw_percent": float(a["dw_percent"])}
    for k, v in a.items():
        if k.startswith("var:"):
            c[k[4:]] = v
        elif k.startswith("measure:"):
            c[k[8:]] = np.asarray(v, dtype=float) if isinstance(v, (list, np.ndarray)) else v
    return c


def _from_summary(summary: dict, path: str) -> dict:
    meta = {k: v for k, v in summary.items() if k not in ("conditions", "nix_sha1")}
    meta["path"] = path
    return {"meta": meta, "conditions": [_condition(a) for a in summary["conditions"]],
            "parameters": json.loads(meta.get("parameters_json", "{}"))}


def load_summary(path: str) -> dict:
    """The numbers of a result file (no spike trains, no traces), from the summary written
    beside it when it is current (milliseconds), else from the NIX file itself; the same
    structure as :func:`load_result` without ``pre``, ``post`` and ``signals``."""
    summary = read_summary(path)
    if summary is not None:
        return _from_summary(summary, path)
    r = load_result(path)
    for c in r["conditions"]:
        for k in ("pre", "post", "signals"):
            c.pop(k, None)
    return r


def load_result(path: str) -> dict:
    """{'meta': block annotations, 'conditions': [ {label, w_initial, w_final, dw_percent,
    vars..., measures..., 'pre', 'post', 'signals': {name: (t_ms, values)}} ]}"""
    block = read_nix(path)
    if block.annotations.get("layout") == LAYOUT:
        r = _from_summary(block_summary(block), path)
        seg = block.segments[0]
        for c in r["conditions"]:
            c["signals"] = {}
        for st in seg.spiketrains:
            idx = np.asarray(st.array_annotations["condition_index"], dtype=int)
            t = np.asarray(st.rescale("ms").magnitude)
            for k, c in enumerate(r["conditions"]):
                c[st.annotations.get("role", st.name)] = t[idx == k]
        for sig in seg.analogsignals:
            t = np.asarray(sig.times.rescale("ms").magnitude)
            values = np.asarray(sig.magnitude)
            for k, c in enumerate(r["conditions"]):
                c["signals"][sig.annotations.get("variable", sig.name)] = (t, values[:, k])
        return r
    # layout 1 (files written before the summary existed): one group per condition
    meta = dict(block.annotations)
    meta["path"] = path
    conditions = []
    for g in block.groups:
        c = _condition(dict(g.annotations))
        c["signals"] = {}
        for sig in g.analogsignals:
            c["signals"][sig.annotations.get("variable", sig.name)] = (
                np.asarray(sig.times.rescale("ms").magnitude), np.asarray(sig.magnitude)[:, 0])
        for st in g.spiketrains:
            c[st.annotations.get("role", st.name)] = np.asarray(st.rescale("ms").magnitude)
        conditions.append(c)
    return {"meta": meta, "conditions": conditions,
            "parameters": json.loads(meta.get("parameters_json", "{}"))}


def label_of(result: dict) -> str:
    m = result["meta"]
    where = m["backend"]
    if m.get("hardware", "none") not in ("none", None, ""):
        where = f"SpiNNaker (emulated on {m['backend']})" if m["hardware"] == "spinnaker" \
            else f"{m['backend']} + {m['hardware']}"
    return f"{m['model']}[{m['parameter_set']}] on {where}"
