"""Read result NIX files (from any backend) into plain Python structures."""
from __future__ import annotations

import json

import numpy as np

from plasticity.protocols.neo_io import read_nix


def load_result(path: str) -> dict:
    """{'meta': block annotations, 'conditions': [ {label, w_initial, w_final, dw_percent,
    vars..., measures..., 'pre', 'post', 'signals': {name: (t_ms, values)}} ]}"""
    block = read_nix(path)
    meta = dict(block.annotations)
    meta["path"] = path
    conditions = []
    for g in block.groups:
        a = dict(g.annotations)
        c = {"label": a["label"], "w_initial": float(a["w_initial"]),
             "w_final": float(a["w_final"]), "dw_percent": float(a["dw_percent"])}
        for k, v in a.items():
            if k.startswith("var:"):
                c[k[4:]] = v
            elif k.startswith("measure:"):
                c[k[8:]] = np.asarray(v, dtype=float) if isinstance(v, (list, np.ndarray)) else v
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
