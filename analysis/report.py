"""``make reproduce`` / ``plasticity reproduce``: every protocol x model x parameter set x backend,
NIX files, figures and ``results/index.html`` with fit errors and backend differences."""
from __future__ import annotations

import html
import json
import os

from models import MODELS
from protocols import PROTOCOLS
from protocols.api import run_protocol
from protocols.base import load_datasets

from .load import load_result
from .metrics import backend_difference, compare_to_dataset, fit_window, window_curve
from .plots import plot_stp, plot_window

REPRODUCED = ("bi_poo_1998", "tsodyks_markram_1998")


def plan(backends=None):
    runs = []
    for pname in REPRODUCED:
        proto = PROTOCOLS[pname]
        for model in MODELS.values():
            if not proto.applies_to(model):
                continue
            for set_name in model.parameter_sets:
                for b in model.supported_backends():
                    if backends is None or b in backends:
                        runs.append((pname, model.name, set_name, b))
    return runs


def reproduce(out="results", backends=None):
    from tqdm import tqdm
    from models.core import BACKENDS, PlasticityError
    for b in backends or []:
        if b not in BACKENDS:
            raise PlasticityError(f"unknown backend '{b}' (known: {', '.join(BACKENDS)})")
    nix_dir, fig_dir = os.path.join(out, "nix"), os.path.join(out, "figures")
    os.makedirs(nix_dir, exist_ok=True)
    os.makedirs(fig_dir, exist_ok=True)
    files = {}
    runs = plan(backends)
    for pname, mname, sname, b in tqdm(runs, desc="reproduce", unit="run"):
        path = os.path.join(nix_dir, f"{pname}__{mname}__{sname}__{b}.nix")
        run_protocol(pname, mname, sname, {}, b, out=path)
        files[(pname, mname, sname, b)] = path
    write_report(out, files)
    print(f"wrote {os.path.join(out, 'index.html')}")


def write_report(out, files):
    datasets = load_datasets()
    loaded = {k: load_result(v) for k, v in files.items()}
    groups = {}
    for (p, m, s, b), r in loaded.items():
        groups.setdefault((p, m, s), {})[b] = r
    rows, figs, timing = [], [], []
    by_proto_model = {}
    for (p, m, s), per_b in sorted(groups.items()):
        results = list(per_b.values())
        stem = os.path.join(out, "figures", f"{p}__{m}__{s}__backends.png")
        title = f"{p}: {m} [{s}] on {', '.join(per_b)}"
        if p == "bi_poo_1998":
            plot_window(results, stem, PROTOCOLS[p].datasets, title, annotate_backend_diff=True)
        else:
            plot_stp(results, stem, title, annotate_backend_diff=True)
        figs.append((title, os.path.relpath(stem, out)))
        diff = backend_difference(results) if len(results) > 1 else None
        ref = per_b.get("brian2", results[0])
        row = {"protocol": p, "model": m, "set": s, "backends": ", ".join(per_b),
               "max_abs_dw_percent": diff and diff["max_abs_dw_percent"],
               "max_rel_w_final": diff and diff["max_rel_w_final"]}
        if p == "bi_poo_1998":
            dt, dw = window_curve(ref, "window")
            row["fit"] = fit_window(dt, dw)
            row["data"] = {name: compare_to_dataset(ref, datasets[name])
                           for name in PROTOCOLS[p].datasets}
        rows.append(row)
        by_proto_model.setdefault((p, m), []).append(ref)
        for b, r in per_b.items():
            timing.append((p, m, s, b, float(r["meta"].get("wall_time_s", float("nan")))))
    for (p, m), results in by_proto_model.items():
        stem = os.path.join(out, "figures", f"{p}__{m}__sets.png")
        title = f"{p}: {m}, all parameter sets (brian2)"
        if p == "bi_poo_1998":
            plot_window(results, stem, PROTOCOLS[p].datasets, title)
        else:
            plot_stp(results, stem, title)
        figs.insert(0, (title, os.path.relpath(stem, out)))
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump({"rows": rows, "timing": timing}, fh, indent=1, default=float)
    _write_html(out, rows, figs, timing)


def _fmt(x, spec=".3g"):
    return "–" if x is None or x != x else format(x, spec)


def _write_html(out, rows, figs, timing):
    h = ["<!doctype html><html><head><meta charset='utf-8'><title>Plasticity models: results"
         "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
         "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #bbb;"
         "padding:3px 6px}img{max-width:100%}</style></head><body>",
         "<h1>Plasticity model collection: reproduced protocols</h1>",
         "<p>Δw % = 100·(w_final/w_initial − 1). Data: Bi &amp; Poo 1998 Fig. 7, two independent "
         "digitizations without error bars, so NMSE = mean(((model − data)/sem)²) is undefined "
         "(–) and the RMSE in percentage points is given. Model values at the data Δt come from "
         "conditions at those Δt (rounded to 0.1 ms), not interpolation. Window fit: "
         "Δw = A₊e^{−Δt/τ₊} (Δt&gt;0), −A₋e^{Δt/τ₋} (Δt&lt;0) on the 41-point brian2 window.</p>",
         "<h2>Fit errors and backend differences</h2><table><tr><th>protocol</th><th>model</th>"
         "<th>set</th><th>backends</th><th>max |ΔΔw| (%-points)</th><th>max rel. diff "
         "(w_final / efficacies)</th><th>fit A₊ (%)</th><th>τ₊ (ms)</th><th>A₋ (%)</th>"
         "<th>τ₋ (ms)</th><th>NMSE A / B</th><th>RMSE A / B (%-points)</th></tr>"]
    for r in rows:
        fit = r.get("fit", {})
        data = r.get("data", {})
        vals = list(data.values())
        nm = " / ".join(_fmt(v["nmse"]) for v in vals) if vals else "–"
        rm = " / ".join(_fmt(v["rmse_percent"]) for v in vals) if vals else "–"
        h.append(f"<tr><td>{r['protocol']}</td><td>{r['model']}</td><td>{r['set']}</td>"
                 f"<td>{html.escape(r['backends'])}</td><td>{_fmt(r['max_abs_dw_percent'])}</td>"
                 f"<td>{_fmt(r['max_rel_w_final'])}</td><td>{_fmt(fit.get('A_plus'))}</td>"
                 f"<td>{_fmt(fit.get('tau_plus'))}</td><td>{_fmt(fit.get('A_minus'))}</td>"
                 f"<td>{_fmt(fit.get('tau_minus'))}</td><td>{nm}</td><td>{rm}</td></tr>")
    h.append("</table><h2>Wall time per run (s, this machine)</h2><table><tr><th>protocol</th>"
             "<th>model</th><th>set</th><th>backend</th><th>wall (s)</th></tr>")
    for p, m, s, b, t in timing:
        h.append(f"<tr><td>{p}</td><td>{m}</td><td>{s}</td><td>{b}</td><td>{t:.2f}</td></tr>")
    h.append("</table><h2>Figures</h2>")
    for title, rel in figs:
        h.append(f"<h3>{html.escape(title)}</h3><img src='{html.escape(rel)}' alt=''>")
    h.append("</body></html>")
    with open(os.path.join(out, "index.html"), "w") as fh:
        fh.write("\n".join(h))
