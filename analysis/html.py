"""``results/index.html``: an index by protocol and by model, then one section per protocol with
its figures first and its key numbers beside them (long tables folded), then the rate-rule
demonstrations, SpiNNaker and the wall times.  Everything comes from ``summary.json``'s content
and the figure list of :func:`plasticity.analysis.report.write_report`."""
from __future__ import annotations

import html
import os

from plasticity.models import MODELS
from plasticity.protocols import PROTOCOLS

FOLD_ROWS = 8            # a table longer than this is folded (<details>)

STYLE = """
body{font-family:sans-serif;max-width:1400px;margin:auto;padding:0 1em;color:#222}
nav{display:flex;flex-wrap:wrap;gap:2em;background:#f6f6f6;padding:.5em 1em;
border:1px solid #ddd}nav div{flex:1 1 300px}
nav h3{margin:.3em 0}nav ul{margin:0 0 .5em;padding-left:1.2em}
section{border-top:2px solid #888;margin-top:1.5em}
.story{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.figs{flex:3 1 560px;min-width:0}.numbers{flex:2 1 380px;min-width:0;font-size:13px;overflow-x:auto}
.many figure{display:inline-block;width:calc(50% - .6em);margin-right:.5em;vertical-align:top}
figure{margin:0 0 1em}figcaption{font-size:13px;color:#444}img{max-width:100%}
table{border-collapse:collapse;font-size:12px;margin:.3em 0 .8em}
td,th{border:1px solid #bbb;padding:2px 5px;vertical-align:top}th{background:#eee}
summary{cursor:pointer;color:#135;margin:.3em 0}.no{color:#b00;font-weight:bold}
"""

INTRO = (
    "<p>Δw % = 100·(w_final/w_initial − 1). NMSE = mean(((model − data)/sem)²) over the "
    "data points named; Bi &amp; Poo 1998 has no error bars (NMSE –, RMSE in "
    "percentage points). Model values at data points come from conditions built at those "
    "points, not interpolation. Sjöström 2001 runs 60 pairings per condition (the Pfister "
    "&amp; Gerstner convention; <code>--set pairs=75</code> gives the experiment's trains), "
    "75 for clopath (the authors' code) and Graupner–Brunel cortical_slices (the authors' "
    "Fig. 4B script). Graupner–Brunel values are population read-outs (mean ± SEM over "
    "synapses starting DOWN and UP; synapses per state in the file's options). "
    "Wang 2005 quadruplets: T = centre(pre-post pair) − centre(post-pre pair). The model "
    "values are from brian2 where it ran, else from the backend named.</p>")


def fmt(x, spec=".3g"):
    return "–" if x is None or x != x else format(x, spec)


def _esc(x):
    return html.escape(str(x))


def _table(title, header, rows, fold=None):
    """A titled table; folded when it has more than FOLD_ROWS rows (or ``fold``)."""
    if not rows:
        return ""
    body = ("<table><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>")
    folded = len(rows) > FOLD_ROWS if fold is None else fold
    if folded:
        return f"<details><summary>{title} ({len(rows)} rows)</summary>{body}</details>"
    return f"<h4>{title}</h4>{body}"


def _yes(within):
    return "–" if within is None else ("yes" if within else "<span class='no'>NO</span>")


def _protocol_numbers(p, summary):
    lit = [r for r in summary["literature"] if r["protocol"] == p]
    rows = [r for r in summary["rows"] if r["protocol"] == p]
    exp = [r for r in summary["experiments"] if r["protocol"] == p]
    hw = [r for r in summary["spinnaker"] if r["protocol"] == p]
    parts = [_table(t["title"], [_esc(h) for h in t["header"]],
                    [[fmt(v, ".4g") if isinstance(v, (int, float)) or v is None else _esc(v)
                      for v in row] for row in t["rows"]], fold=False)
             for t in summary.get("tables", []) if t["protocol"] == p]
    parts += [_table(
        "Literature fit", ["model", "set", "backend", "dataset", "points", "n", "NMSE",
                           "RMSE (%-points)"],
        [[r["model"], r["set"], r["backend"], _esc(r["dataset"]), _esc(r["subset"]), r["n"],
          fmt(r["nmse"]), fmt(r["rmse_percent"])] for r in lit])]
    parts.append(_table(
        "Key numbers", ["model", "set", "backend", "quantity", "measured", "expected",
                        "tolerance", "within", "note"],
        [[r["model"], r["set"], _esc(r["backend"]), _esc(r["quantity"]),
          fmt(r["measured"], ".4g"), fmt(r["expected"], ".4g"), fmt(r["tolerance"]),
          _yes(r["within"]), _esc(r["note"])] for r in exp]))
    tables = {}
    for r in rows:
        for key, value in r.items():
            if isinstance(value, dict) and key != "fit":
                tables.setdefault(key, []).append((r, value))
    for key, items in tables.items():
        names = list(items[0][1])
        parts.append(_table(f"{p}: {key}", ["model", "set"] + [_esc(n) for n in names],
                            [[r["model"], r["set"]] + [fmt(v.get(n)) for n in names]
                             for r, v in items]))
    diff = [r for r in rows if r["max_abs_dw_percent"] is not None or "fit" in r]
    parts.append(_table(
        "Backend differences and window fits",
        ["model", "set", "backends", "max |ΔΔw| (%-points)", "max rel. diff (w_final / "
         "efficacies)", "fit A₊ (%)", "τ₊ (ms)", "A₋ (%)", "τ₋ (ms)"],
        [[r["model"], r["set"], _esc(r["backends"]), fmt(r["max_abs_dw_percent"]),
          fmt(r["max_rel_w_final"])] + [fmt(r.get("fit", {}).get(k)) for k in
                                         ("A_plus", "tau_plus", "A_minus", "tau_minus")]
         for r in diff]))
    parts.append(_table(
        "Ideal vs on SpiNNaker (Δw on the chip − Δw ideal, %-points)",
        ["model", "set", "conditions", "max |ΔΔw|", "mean |ΔΔw|", "worst", "weight LSB",
         "A₊, A₋ (S16.15 LSBs)", "data", "NMSE ideal / chip", "RMSE ideal / chip"],
        [[r["model"], r["set"], r["n"], fmt(r["max_abs"]), fmt(r["mean_abs"]),
          _esc(r["worst"]), fmt(r["weight_lsb"]),
          f"{r['constants_s1615'].get('a_plus_q', '–')}, "
          f"{r['constants_s1615'].get('a_minus_q', '–')}", _esc(r.get("dataset", "–")),
          f"{fmt(r.get('nmse_ideal'))} / {fmt(r.get('nmse_chip'))}",
          f"{fmt(r.get('rmse_ideal'))} / {fmt(r.get('rmse_chip'))}"] for r in hw]))
    models = sorted({r["model"] for r in rows})
    return "".join(parts), models


def _figures(items):
    """Each figure links to its full-size file (and the SVG beside it)."""
    return "".join(f"<figure><a href='{_esc(f['path'])}'><img src='{_esc(f['path'])}' "
                   f"alt='{_esc(f['title'])}' loading='lazy'></a><figcaption>"
                   f"{_esc(f['title'])} (<a href='{_esc(f['path'][:-4])}.svg'>svg</a>)"
                   "</figcaption></figure>" for f in items)


FOLDED = {"backends": "The same model and set on every backend",
          "spinnaker": "Ideal vs on SpiNNaker (emulated sPyNNaker 7.4.1 arithmetic)"}


def _protocol_figures(items):
    """Overview figures shown (else the first two others); the rest folded by role."""
    shown = [f for f in items if f["role"] == "overview"] or items[:2]
    html_ = _figures(shown)
    if len(shown) >= 3:                  # many figures: two per row
        html_ = f"<div class='many'>{html_}</div>"
    for role, title in FOLDED.items():
        rest = [f for f in items if f["role"] == role and f not in shown]
        if rest:
            html_ += (f"<details><summary>{title}: {len(rest)} figure"
                      f"{'s' if len(rest) > 1 else ''}</summary>{_figures(rest)}</details>")
    return html_


def _mapping(mapping):
    return _table(
        "Every model and parameter set on a virtual board",
        ["model", "set", "status", "sPyNNaker rule / reason", "cores", "SDRAM (bytes)",
         "ring-buffer shift", "weight LSB", "w_init → on chip", "emulated"],
        [[r["model"], r["set"], r["status"],
          _esc(r.get("rule", "") + (f" — {r['reason']}" if r.get("reason") else "")),
          r.get("cores", "–"), r.get("sdram_bytes", "–"), r.get("ring_buffer_shift", "–"),
          fmt(r.get("weight_lsb")),
          (fmt(r["w_init"], ".6g") + " → " + fmt(r["w_chip"], ".10g"))
          if r["status"] == "mapped" else "–", "yes" if r.get("emulated") else "–"]
         for r in mapping], fold=True)


def write(out, summary, figures, demo_fig=None):
    """Write ``out``/index.html from the report's ``summary`` and ``figures`` (dicts with
    protocol, title, models, path)."""
    protocols = [p for p in PROTOCOLS if any(r["protocol"] == p for r in summary["rows"])]
    sections, model_links = [], {}
    for p in protocols:
        numbers, models = _protocol_numbers(p, summary)
        for m in models:
            model_links.setdefault(m, []).append(p)
        figs = [f for f in figures if f["protocol"] == p]
        sections.append(
            f"<section id='protocol-{p}'><h2>{p}: {_esc(PROTOCOLS[p].title)}</h2>"
            f"<p>Models: {', '.join(f'<a href=#model-{m}>{m}</a>' for m in models)}</p>"
            f"<div class='story'><div class='figs'>{_protocol_figures(figs)}</div>"
            f"<div class='numbers'>{numbers or '<p>(no key numbers)</p>'}</div></div>"
            "</section>")
    nav_p = "".join(f"<li><a href='#protocol-{p}'>{p}</a> — {_esc(PROTOCOLS[p].title)}</li>"
                    for p in protocols)
    nav_m = "".join(
        f"<li id='model-{m}'><b>{m}</b>: "
        + ", ".join(f"<a href='#protocol-{p}'>{p}</a>" for p in model_links[m]) + "</li>"
        for m in MODELS if m in model_links)
    extra = []
    if summary["rate_demos"]:
        rows = [[_esc(r["demo"]), fmt(r["measured"], ".4g"), fmt(r["expected"], ".4g"),
                 fmt(r["tolerance"]),
                 _yes(abs(r["measured"] - r["expected"]) < r["tolerance"])]
                for r in summary["rate_demos"]]
        figs = _figures([demo_fig]) if demo_fig else ""
        extra.append(
            "<section id='rate-demos'><h2>Rate-rule demonstrations (brian2)</h2>"
            f"<div class='story'><div class='figs'>{figs}</div><div class='numbers'>"
            + _table("Measured against theory (tolerances derived from the learning rate, "
                     "protocols/rate_demos.py)", ["demo", "measured", "expected", "tolerance",
                                                  "within"], rows, fold=False)
            + "</div></div></section>")
    if summary["spinnaker_mapping"]:
        extra.append(
            "<section id='spinnaker'><h2>SpiNNaker: what each rule becomes (sPyNNaker 7.4.1, "
            "virtual board)</h2><p>Each model and parameter set mapped with one synapse and 60 "
            "pairings at 1 Hz (<code>plasticity.protocols.run.spinnaker_map.mapping_table"
            "</code>). A virtual board does not execute: mapped means placed, routed and its "
            "data generated. Cores and SDRAM exclude sPyNNaker's system cores. The ideal vs "
            "SpiNNaker comparisons are in each protocol's section. <code>plasticity run P "
            "--model M --backend pynn.spinnaker</code> maps a protocol's own network.</p>"
            + _mapping(summary["spinnaker_mapping"]) + "</section>")
    extra.append(
        "<section id='timing'><h2>Wall time per run</h2>"
        + _table("Seconds on this machine (runs sharing one brian2 simulation show their share)",
                 ["protocol", "model", "set", "backend", "wall (s)"],
                 [[p, m, s, b, f"{t:.2f}"] for p, m, s, b, t in summary["timing"]], fold=True)
        + "</section>")
    nav_x = "".join(f"<li><a href='#{a}'>{t}</a></li>" for a, t in (
        ("rate-demos", "Rate-rule demonstrations"), ("spinnaker", "SpiNNaker mapping"),
        ("timing", "Wall times")) if f"id='{a}'" in "".join(extra))
    page = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Plasticity models: results"
        f"</title><style>{STYLE}</style></head><body>",
        "<h1>Plasticity model collection: reproduced protocols</h1>",
        "<p><a href='bench.md'>Benchmarks</a> (<code>make bench</code>: bench.md, bench.json; "
        "written when the benchmark has run). Numbers: <a href='summary.json'>summary.json"
        "</a>; every run's NIX file is in <code>nix/</code>.</p>",
        INTRO,
        f"<nav><div><h3>Protocols</h3><ul>{nav_p}</ul><h3>Also</h3><ul>{nav_x}</ul></div>"
        f"<div><h3>Models</h3><ul>{nav_m}</ul></div></nav>",
        *sections, *extra, "</body></html>"]
    tmp = os.path.join(out, "index.html.part")
    with open(tmp, "w") as fh:
        fh.write("\n".join(page))
    os.replace(tmp, os.path.join(out, "index.html"))
