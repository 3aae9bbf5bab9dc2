"""Command line: ``plasticity list | run | compare | reproduce``.

Bad input exits 2 with one line on stderr and leaves no output file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from plasticity.analysis.figures import compare_files
from plasticity.analysis.console import route_logs
from plasticity.analysis.reproduce import reproduce
from plasticity.models import MODELS, get_model
from plasticity.models import spinnaker
from plasticity.protocols.run.spinnaker_emulation import HARDWARE
from plasticity.models.core import BACKENDS, format_value, unit_string, with_unit
from plasticity.models.core import PlasticityError
from plasticity.protocols import PROTOCOLS
from plasticity.protocols.api import SPINNAKER_BACKEND, map_protocol, run_protocol

os.environ.setdefault("PYNEST_QUIET", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write(f"plasticity: error: {message}\n")
        sys.exit(2)


def _parse_sets(items):
    out = {}
    for item in items or []:
        if "=" not in item:
            raise PlasticityError(f"--set expects name=value, got '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def cmd_list(args):
    width = max(len(m) for m in MODELS) + 1
    print("Models (parameter sets):")
    for m in MODELS.values():
        print(f"  {m.name:{width}s} {m.title}")
        for s in m.parameter_sets:
            mark = " (default)" if s == m.default_set else ""
            print(f"      {s}{mark}")
    print("\nProtocols:")
    for p in PROTOCOLS.values():
        print(f"  {p.name:22s} {p.title}  [models: {', '.join(p.families)}]")
    print("\nBackends: " + ", ".join(BACKENDS) + f", {spinnaker.MAPPING_BACKEND} (mapping on a "
          f"virtual board; --hardware {spinnaker.FAMILY} emulates the chip's arithmetic on "
          "brian2)")
    print("\nModel x backend:")
    header = ["model", *BACKENDS, spinnaker.MAPPING_BACKEND]
    rows = []
    for m in MODELS.values():
        cells = []
        for b in BACKENDS:
            if b not in m.supported_backends():
                cells.append("no")
            elif b == "pynn.nest" and m.nest is None:
                cells.append("native types (own runner)")
            elif b == "pynn.nest":
                if m.nest.nestml is not None:       # built here from the model (NESTML)
                    cells.append(f"NESTML {m.nest.nestml.name}")
                else:
                    cells.append(m.nest.synapse_model +
                                 (f" ({m.nest.note})" if m.nest.note else ""))
            else:
                cells.append("yes")
        rows.append([m.name, *cells, spinnaker.support_cell(m)])
    print(_columns(header, rows))
    return 0


def _columns(header, rows, cap=48) -> str:
    """Rows as aligned columns, each as wide as its widest cell (at most ``cap`` characters: a
    longer cell wraps at spaces onto continuation lines, aligned in its column)."""
    widths = [min(cap, max(len(str(r[k])) for r in [header, *rows])) for k in range(len(header))]

    def lines(row):
        parts = [textwrap.wrap(str(c), w) or [""] for c, w in zip(row, widths)]
        for k in range(max(len(p) for p in parts)):
            yield "  " + " ".join(f"{(p[k] if k < len(p) else ''):{w}s}"
                                  for p, w in zip(parts, widths)).rstrip()
    return "\n".join(line for row in [header, *rows] for line in lines(row))


def cmd_show(args):
    """``plasticity show MODEL``: every parameter with its unit, bounds and meaning, and its
    value and source in each parameter set."""
    model = get_model(args.model)
    print(f"{model.name}: {model.title}")
    print(f"  backends: {', '.join(model.supported_backends())}"
          + (f"; NEST {model.nest.synapse_model}" if model.nest else "")
          + (" (NESTML, built here)" if model.nest and model.nest.nestml else "")
          + f"; weight unit: {unit_string(model.weight_unit)}")
    for name, ps in model.parameter_sets.items():
        mark = " (default)" if name == model.default_set else ""
        print(f"  set {name}{mark}: {ps.paper}"
              + (f" [{ps.verification}]" if ps.verification else ""))
    print("\nParameters:")
    for p in model.params:
        if p.choices is not None:
            bounds = "one of " + ", ".join(p.choices)
        else:
            lo = None if p.low is None else ((">" if p.low_open else ">=") + " "
                                              + with_unit(p.low, p.unit))
            hi = None if p.high is None else (("<" if p.high_open else "<=") + " "
                                               + with_unit(p.high, p.unit))
            bounds = ", ".join(b for b in (lo, hi) if b) or "any value"
        unit = "mode" if p.choices is not None else unit_string(
            model.weight_unit if p.weight else p.unit)
        print(f"  {p.name} [{unit}] ({bounds}): {p.doc}")
        for name, ps in model.parameter_sets.items():
            v = ps.values.get(p.name)
            if v is None:
                continue
            print(f"      {name}: {format_value(v.value)}  — {v.source}")
    return 0


def _print_map_report(rep):
    print(f"{rep['protocol']} / {rep['model']} [{rep['params']}] on {rep['backend']} "
          f"(sPyNNaker {rep['versions'].get('sPyNNaker', '?')}, virtual board): "
          + ("mapped" if rep["mapped"] else f"NOT mapped: {rep['reason']}"))
    print(f"  rule: {rep['sPyNNaker_rule']} ({rep['binary']})")
    if rep["mapped"]:
        print(f"  cores: {rep['cores']} (+{rep['system_cores']} system), SDRAM: "
              f"{rep['sdram_bytes']} bytes, ring-buffer shift {rep['ring_buffer_shift']}, "
              f"weight LSB {rep['weight_lsb']:.6g}")
        for c in rep["conditions"]:
            print(f"  {c['label']:22s} w {c['w_initial']:.6g} -> on chip {c['w_chip']:.10g}")
        if "synapses_summary" in rep:
            g = rep["synapses_summary"]
            print(f"  {rep['synapses']} plastic synapses: mean w {g['w_initial_mean']:.6g} -> "
                  f"on chip {g['w_chip_mean']:.6g} (largest change {g['max_abs_difference']:.3g})")
        for note in rep["notes"]:
            print(f"  note: {note}")


def cmd_run(args):
    if args.backend == SPINNAKER_BACKEND:
        if args.hardware or args.device != "runtime" or args.threads != 1:
            raise PlasticityError(f"backend {SPINNAKER_BACKEND} takes none of --hardware, "
                                  "--device, --threads")
        rep = map_protocol(args.protocol, args.model, args.params, _parse_sets(args.set),
                           args.out, args.schedule)
        if args.json:
            print(json.dumps(rep))
        else:
            _print_map_report(rep)
            if args.out:
                print(f"wrote {args.out}")
        return 0 if rep["mapped"] else 3
    result, summary = run_protocol(args.protocol, args.model, args.params,
                                   _parse_sets(args.set), args.backend, args.out, args.schedule,
                                   threads=args.threads, progress=not args.json,
                                   device=args.device, hardware=args.hardware)
    if args.json:
        print(json.dumps(summary))
    else:
        hw = summary.get("hardware")
        print(f"{summary['protocol']} / {summary['model']} [{summary['params']}] on "
              f"{summary['backend']}"
              + (f" with SpiNNaker arithmetic (weight LSB {hw['weight_lsb']:.6g})"
                 if hw and "weight_lsb" in hw else "")
              + f": {len(summary['conditions'])} conditions, "
              f"{summary['wall_time_s']:.2f} s")
        protocol = PROTOCOLS[args.protocol]
        if protocol.uses_simulate(get_model(args.model)) and protocol.report.key_numbers:
            # a network protocol: its own numbers (one weight per run says little)
            for row in protocol.report.key_numbers(summary["model"], summary["params"],
                                                   {summary["backend"]: summary}):
                print("  " + _key_number_text(row))
            if args.out:
                print(f"wrote {args.out}")
            return 0
        for c in summary["conditions"]:
            if "mean_released" in c:       # stochastic release: what each spike released
                print(f"  {c['label']:22s} quanta released per spike, mean over "
                      f"{c['trials']} trials (predicted for a rested synapse): "
                      + ", ".join(f"{m:.3g} ({p:.3g})" for m, p in
                                  zip(c["mean_released"], c["predicted_mean"])))
                continue
            print(f"  {c['label']:22s} w {c['w_initial']:.6g} -> {c['w_final']:.6g} "
                  f"({c['dw_percent']:+.3f} %)")
        if args.out:
            print(f"wrote {args.out}")
    return 0


def _key_number_text(row) -> str:
    text = f"{row['quantity']}: {row['measured']:.4g}"
    if row["expected"] is not None:
        text += f" (expected {row['expected']:.4g}"
        if row["tolerance"] is not None:
            text += f" +- {row['tolerance']:.3g}"
        text += ")"
    if row["note"]:
        text += f"  [{row['note']}]"
    return text


def cmd_compare(args):
    text = compare_files(args.files, args.out)
    print(text)
    return 0


def cmd_reproduce(args):
    reproduce(args.out, backends=args.backend or None, resume=args.resume, device=args.device,
              workers=args.workers)
    return 0


def build_parser():
    p = _Parser(prog="plasticity", description="Synaptic plasticity model collection")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="also show the simulators' messages (Brian2, PyNN, NEST) on the "
                             "console; they always go to the log file it names")
    sub = p.add_subparsers(dest="cmd", parser_class=_Parser)
    sub.required = True
    sub.add_parser("list", parents=[common], help="models, parameter sets, protocols, backends")
    sh = sub.add_parser("show", parents=[common], help="a model's parameters: unit, bounds, "
                                                      "value and source in each parameter set")
    sh.add_argument("model")
    r = sub.add_parser("run", parents=[common], help="run a protocol")
    r.add_argument("protocol")
    r.add_argument("--model", required=True)
    r.add_argument("--params", default=None, help="parameter set name")
    r.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="override a parameter (units allowed: tau_plus=20ms) or protocol option")
    r.add_argument("--schedule", default=None, help="JSON schedule (protocol spike_trains)")
    r.add_argument("--backend", default="brian2",
                   help="brian2, pynn.brian2, pynn.nest, or pynn.spinnaker (map the network on "
                        "a virtual board and report; --out then names a .json report; exit 3 "
                        "if sPyNNaker does not map it)")
    r.add_argument("--hardware", default=None, choices=tuple(HARDWARE),
                   help="run on brian2 with the chip's arithmetic (spinnaker: 1 ms steps, "
                        "fixed-point weights and traces, look-up-table decays; spinnaker-ideal: "
                        "the same code with every constraint off)")
    r.add_argument("--threads", type=int, default=1,
                   help="NEST threads (pynn.nest); OpenMP threads (brian2 with --device "
                        "cpp_standalone)")
    r.add_argument("--device", default="runtime", choices=("runtime", "cpp_standalone"),
                   help="Brian2 device (backend brian2): runtime (default) or cpp_standalone "
                        "(compiled; built under ~/.cache/plasticity_models or "
                        "$PLASTICITY_CACHE_DIR)")
    r.add_argument("--out", default=None, help="output NIX file")
    r.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c = sub.add_parser("compare", parents=[common], help="plot NIX results together")
    c.add_argument("files", nargs="+")
    c.add_argument("--out", required=True, help="figure file (.png or .svg)")
    rp = sub.add_parser("reproduce", parents=[common],
                        help="run every protocol x model x set x backend")
    rp.add_argument("--backend", action="append", help="restrict to these backends")
    rp.add_argument("--out", default="results")
    rp.add_argument("--resume", action="store_true",
                    help="keep the NIX files of jobs an interrupted run completed")
    rp.add_argument("--device", default="cpp_standalone", choices=("runtime", "cpp_standalone"),
                    help="Brian2 device of the brian2 jobs that support it (default "
                         "cpp_standalone: same results as runtime, faster); the others run in "
                         "runtime mode")
    rp.add_argument("--workers", type=int, default=None,
                    help="jobs run at once, each in its own process (default: one per core)")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "verbose", False):
        os.environ["PLASTICITY_VERBOSE"] = "1"      # (reproduce's worker processes too)
    log = route_logs()
    if os.environ.get("PLASTICITY_VERBOSE"):
        sys.stderr.write(f"plasticity: simulator messages also go to {log}\n")
    try:
        handler = {"list": cmd_list, "show": cmd_show, "run": cmd_run, "compare": cmd_compare,
                   "reproduce": cmd_reproduce}[args.cmd]
        return handler(args)
    except PlasticityError as err:
        sys.stderr.write(f"plasticity: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("plasticity: interrupted\n")
        return 130
    except Exception as err:   # never a traceback for the user; PLASTICITY_DEBUG=1 shows it
        if os.environ.get("PLASTICITY_DEBUG"):
            raise
        msg = str(err).splitlines()[0] if str(err) else ""
        sys.stderr.write(f"plasticity: internal error: {type(err).__name__}: {msg}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
