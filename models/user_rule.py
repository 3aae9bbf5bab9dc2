"""A new event-driven rule, declared once, on every engine: brian2, pyNN.brian2 and pyNN.nest.

    from plasticity.models import define_rule, rule_param
    define_rule(
        "hebb_symmetric",
        "Symmetric Hebbian STDP: potentiation for either order, decaying with |dt|",
        params={"tau": rule_param("20 ms", "window time constant", "my lab notebook, p. 12"),
                "A": rule_param("0.005", "amplitude", "my lab notebook, p. 12", weight=True),
                "w_max": rule_param("1", "upper bound", "my choice", weight=True)},
        traces={"x": ("tau", "pre"), "y": ("tau", "post")},
        on_pre="w = clip(w + A * y, 0, w_max)",
        on_post="w = clip(w + A * x, 0, w_max)",
        w_init=rule_param("0.5", "initial weight", "my choice", weight=True))

After that, ``get_model("hebb_symmetric")`` works everywhere a package model does:
``make_synapses`` (plain Brian2), ``synapse_type`` on pyNN.brian2, the protocols and the CLI in
that process (``plasticity.protocols.api.run_protocol("spike_trains", ...)``), and pyNN.nest
through a NESTML module written from the same declaration, built on first use (about 30 s,
cached under the package's cache folder).  :func:`plasticity.protocols.parity.compare_backends`
checks the engines against each other on the same spike trains.

The declaration
---------------
* ``params``: name -> :func:`rule_param` (value with its unit as a string, meaning, source;
  ``weight=True`` for a quantity in weight units: PyNN scales those with the weight).
* ``traces``: name -> (time-constant parameter, "pre" or "post"[, "add" or "set"]): the trace
  decays exponentially and jumps at each spike of its side, by 1 ("add": all-to-all) or to 1
  ("set": nearest spike).
* ``on_pre`` / ``on_post``: statements run at a pre / post spike, one per line, ``name = expr``
  or ``name += expr`` / ``-=``; ``w`` is the weight, other names are locals.  Expressions use
  + - * / **, parentheses, numbers, the parameters, the traces, ``exp`` and ``clip(x, lo, hi)``.
  A statement sees the traces *before* its own spike's jump.  Numbers in statements are
  plain numbers: a weight amount (a bound, a step) must be a parameter with ``weight=True``,
  because engines count weights in different units (PyNN's nA or µS, NEST's pA or nS).
* Coincident pre and post spikes (the same time at the synapse): the post spike is processed
  first (its statements see the pre traces without the coincident pre spike), then the pre
  spike (its statements see the post traces with the coincident post spike).  That is NEST's
  order for NESTML synapses; Brian2 gets it by running the post pathway first.
* Delays: the synapse sees a pre spike at its emission time and a post spike one dendritic
  delay late on NEST; the package's runners place spikes so that every engine sees the
  schedule's times; a user's own PyNN script gets the same through ``synapse_type``.
"""
from __future__ import annotations

import ast
import re

from brian2 import ms

from .core import (Brian2Equations, Model, NestMapping, ParameterSet, PlasticityError,
                   translations)
from .nestml import NestmlParam, NestmlRule
from .user_rule_checks import (NUMBER, TIME, WEIGHT, check_units, declared_params,
                               declared_traces, reserved_reason)

_FUNCTIONS = {"exp", "clip"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def rule_param(value: str, doc: str, source: str, weight: bool = False) -> dict:
    """A parameter of :func:`define_rule`: ``value`` with its unit ("20 ms", "0.01"), what it
    means, where the number comes from, and whether it carries the weight unit."""
    return {"value": value, "doc": doc, "source": source, "weight": weight}


def _check_statements(code: str, known: set, side: str) -> list:
    """Parse the statements; return [(target, op, expr)] or raise one line naming the problem."""
    out = []
    for raw in code.strip().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            tree = ast.parse(line, mode="exec")
        except SyntaxError:
            raise PlasticityError(f"on_{side}: cannot parse {line!r}") from None
        if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Assign, ast.AugAssign)):
            raise PlasticityError(f"on_{side}: {line!r} is not an assignment (name = expr)")
        stmt = tree.body[0]
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        if not isinstance(target, ast.Name) or (isinstance(stmt, ast.Assign) and
                                                len(stmt.targets) != 1):
            raise PlasticityError(f"on_{side}: {line!r} must assign one name")
        if isinstance(stmt, ast.AugAssign) and not isinstance(stmt.op, (ast.Add, ast.Sub)):
            raise PlasticityError(f"on_{side}: only = += -= are allowed: {line!r}")
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                    raise PlasticityError(f"on_{side}: unknown function in {line!r} (allowed: "
                                          f"{', '.join(sorted(_FUNCTIONS))})")
                if node.func.id == "clip" and len(node.args) != 3:
                    raise PlasticityError(f"on_{side}: clip takes (x, low, high): {line!r}")
            elif isinstance(node, ast.Name) and node.id not in known | _FUNCTIONS:
                raise PlasticityError(f"on_{side}: unknown name '{node.id}' in {line!r}")
            elif not isinstance(node, (ast.Name, ast.Call, ast.BinOp, ast.UnaryOp, ast.Constant,
                                       ast.Load, ast.operator, ast.unaryop)):
                raise PlasticityError(f"on_{side}: unsupported expression in {line!r}")
        name = target.id
        if name != "w" and name not in known and reserved_reason(name):
            raise PlasticityError(f"on_{side}: local name '{name}' is {reserved_reason(name)}")
        if name != "w" and name in known - {"w"} and name not in {n for n, _, _ in out}:
            raise PlasticityError(f"on_{side}: '{name}' is a parameter or trace: statements "
                                  "assign w or new local names")
        op = "=" if isinstance(stmt, ast.Assign) else ("+=" if isinstance(stmt.op, ast.Add)
                                                       else "-=")
        out.append((name, op, ast.unparse(stmt.value)))
        known = known | {name}
    return out


def _nestml_expr(expr: str) -> str:
    """clip(x, lo, hi) -> min(max(x, lo), hi); the rest is NESTML already."""
    tree = ast.parse(expr, mode="eval")

    class Clip(ast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if isinstance(node.func, ast.Name) and node.func.id == "clip":
                x, lo, hi = node.args
                inner = ast.Call(ast.Name("max", ast.Load()), [x, lo], [])
                return ast.Call(ast.Name("min", ast.Load()), [inner, hi], [])
            return node

    out = ast.unparse(Clip().visit(tree))
    # NESTML reals: integer literals become floats (1 -> 1.) where they stand alone
    return re.sub(r"(?<![\w.])(\d+)(?![\w.])", r"\1.", out)


def _brian2_lines(statements) -> list:
    return [f"{name} {op} {expr}" for name, op, expr in statements]


def _nestml_lines(statements) -> list:
    lines, declared = [], set()
    for name, op, expr in statements:
        e = _nestml_expr(expr)
        if name != "w" and name not in declared and op == "=":
            lines.append(f"{name} real = {e}")
            declared.add(name)
        else:
            lines.append(f"{name} {op} {e}")
    return lines


def define_rule(name, title, *, params, traces, on_pre, on_post, w_init, doc="",
                register=True) -> Model:
    """Declare an event-driven rule (module docstring) and register it as model ``name``."""
    from . import MODELS
    if not _NAME.match(name or "") or name in MODELS:
        raise PlasticityError(f"define_rule: '{name}' is not a new model name (a letter, then "
                              "letters, digits, _)")
    plist, values, weight_params = declared_params(params, w_init)
    trace_specs, plist = declared_traces(traces, params, plist)
    known = set(params) | set(trace_specs) | {"w"}
    pre = _check_statements(on_pre, known, "pre")
    post = _check_statements(on_post, known, "post")
    env = {"w": WEIGHT, **{t: NUMBER for t in trace_specs}}
    env.update({p.name: WEIGHT if p.weight else (TIME if p.unit is not None else NUMBER)
                for p in plist if p.name != "w_init"})
    for side, statements in (("pre", pre), ("post", post)):
        check_units(statements, env, side, [f"{n} {op} {e}" for n, op, e in statements])

    # each side's trace jumps, after its statements (a statement sees the trace before them)
    jumps = {side: [f"{t} = 1" if kind == "set" else f"{t} += 1"
                    for t, (_, s, kind) in trace_specs.items() if s == side]
             for side in ("pre", "post")}

    # Brian2: per-synapse constants, event-driven traces
    decl = ["{w} : {wunit}"]
    for p in plist:
        if p.name == "w_init":
            continue
        u = "{wunit}" if p.weight else ("1" if p.unit is None else "second")
        decl.append(f"{p.name} : {u} (constant)")
    for tname, (tau, _, _) in trace_specs.items():
        decl.append(f"d{tname}/dt = -{tname} / {tau} : 1 (event-driven)")
    # statements in numbers: w_n = w / w_unit, weight parameters divided by w_unit (Brian2
    # checks units: under PyNN the weight is in nA or uS, and "clip(w, 0, w_max)" must hold)
    def dimensionless(lines):
        out = []
        for line in lines:
            line = re.sub(r"\bw\b", "w_n", line)
            for p in weight_params:
                line = re.sub(rf"\b{p}\b", f"({p} / w_unit)", line)
            out.append(line)
        return ["w_n = {w} / w_unit", *out, "{w} = w_n * w_unit"]

    decl.append("w_unit : {wunit} (constant)")
    b2_pre = dimensionless(_brian2_lines(pre)) + jumps["pre"] + ["{transmit}"]
    b2_post = dimensionless(_brian2_lines(post)) + jumps["post"]
    brian2 = Brian2Equations(
        model="\n".join(decl) + "\n", on_pre="\n".join(b2_pre) + "\n",
        on_post="\n".join(b2_post) + "\n",
        initial={t: 0.0 for t in trace_specs}, efficacy="{w}", post_pathway_first=True)

    # NESTML: the same statements; traces stay in the synapse (NestmlRule.synaptic_state)
    nparams = []
    for p in plist:
        if p.name == "w_init":
            continue
        unit = "ms" if p.unit is not None else "real"
        nparams.append(NestmlParam(p.name, p.name, unit))
    rule = NestmlRule(
        name=f"{name}_nestml_synapse",
        params=nparams,
        state="\n".join(["w real = 1."] + [f"{t} real = 0." for t in trace_specs]),
        equations="\n".join(f"{t}' = -{t} / {tau}" for t, (tau, _, _) in trace_specs.items()),
        on_post="\n".join(_nestml_lines(post) + jumps["post"]),
        on_pre="\n".join(_nestml_lines(pre) + jumps["pre"] + ["emit_spike(w)"]),
        synaptic_state=tuple(trace_specs), user=True,
        why="declared with define_rule: the same statements on every engine")
    table = [("weight", "weight", 1000.0)]          # PyNN nA/uS -> NEST pA/nS
    for p in plist:
        if p.name != "w_init":
            table.append((p.name, p.name, 1000.0) if p.weight else (p.name, p.name))
    taus = [tau for tau, _, _ in trace_specs.values()]

    def flush_gap(v):
        """NEST applies post-spike updates at the next pre spike: a flush pre spike 50 of the
        longest trace time constants after the schedule (its own statements then see traces
        below exp(-50))."""
        return 50.0 * max((float(v[t] / ms) for t in taus), default=0)

    nest = NestMapping(synapse_model=rule.synapse_model, table=translations(*table),
                       flush_gap=flush_gap, note="NESTML", nestml=rule)
    model = Model(
        name=name, family="user", title=title,
        doc=doc or f"{title}\n\nDeclared with define_rule (models/user_rule.py).\n\n"
                   f"on_pre:\n{on_pre}\non_post:\n{on_post}",
        params=plist,
        parameter_sets={"default": ParameterSet("default", "declared with define_rule",
                                                values)},
        default_set="default", weight_unit=None, plastic=True, brian2=brian2, nest=nest,
        derived=lambda v: {"w_unit": 1.0}, derived_weight=("w_unit",),
        coincidence_rule="post spike first (its statements see pre traces without the "
                         "coincident pre spike), then the pre spike")
    model.resolve(None)                              # validates the declared values
    if register:
        MODELS[name] = model
    return model
