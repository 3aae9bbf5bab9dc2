"""What :func:`plasticity.models.define_rule` checks at declaration, one line per refusal: the
parameters and traces as declared, names that Brian2, NESTML, C++ or Python reserve, and
statements whose units do not add up (a weight plus a plain number means a weight amount
written as a literal, which engines that count weights in different units would read
differently)."""
from __future__ import annotations

import ast
import keyword

import re
from dataclasses import replace

from brian2 import Quantity, get_dimensions, ms

from .core import Param, PlasticityError, Value, parse_quantity

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = {"w", "t", "dt", "d", "i", "j", "lastupdate", "w_init", "x_tr", "weight", "delay",
             "exp", "clip", "min", "max", "int", "resolution", "w_n", "w_unit"}

# C++ keywords (the generated NEST module is C++), NESTML's keywords and predefined names, and
# Brian2's: its functions and constants, its per-object names, and the suffixes it gives meaning
_CPP = set("""alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
char16_t char32_t class compl concept const consteval constexpr constinit const_cast continue
co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit
export extern false float for friend goto if inline int long mutable namespace new noexcept not
not_eq nullptr operator or or_eq private protected public register reinterpret_cast requires
return short signed sizeof static static_assert static_cast struct switch template this
thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq std nest size_t""".split())
_NESTML = set("""model neuron synapse state parameters internals equations input output update
function inline recordable return if elif else for while in step and or not spike continuous
real integer boolean string void true false inf e pi t resolution steps emit_spike
integrate_odes onReceive onCondition convolve delta random_normal random_uniform info warning
print println ln log10 max min abs exp expm1 cosh sinh tanh erf erfc ceil floor round""".split())
_BRIAN2 = set("""t dt xi N i j lastspike lastupdate not_refractory t_in_timesteps N_incoming
N_outgoing rand randn poisson timestep exprel clip int e pi inf v""".split())


def reserved_reason(name: str) -> str:
    """'' if ``name`` may name a parameter, trace or local; else which language reserves it."""
    from brian2.core.functions import DEFAULT_FUNCTIONS
    import brian2.units.allunits as allunits
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "a Python keyword"
    if name in _CPP:
        return "a C++ keyword (the NEST module is C++)"
    if name in _NESTML:
        return "a NESTML keyword or predefined name"
    if name in _BRIAN2 or name in DEFAULT_FUNCTIONS or name.startswith("xi_"):
        return "a Brian2 name (a function, constant or per-object variable)"
    if name.endswith(("_pre", "_post")):
        return "a Brian2 suffix (_pre/_post name the neurons' variables)"
    if name.startswith("_"):
        return "reserved for generated code (a leading underscore)"
    if hasattr(allunits, name) or name in ("ms", "mV", "pA", "nS", "nA", "uS", "Hz", "s"):
        return "a unit name"
    return ""


def _check_name(name, what):
    if not isinstance(name, str) or not _NAME.match(name) or name in _RESERVED:
        raise PlasticityError(f"define_rule: {what} name {name!r} is not allowed (a letter, then "
                              f"letters, digits, _; not one of {', '.join(sorted(_RESERVED))})")
    why = reserved_reason(name)
    if why:
        raise PlasticityError(f"define_rule: {what} name '{name}' is {why}")


def declared_params(params: dict, w_init) -> tuple:
    """The declared parameters and ``w_init``, checked: ([Param], {name: Value}, [the names of
    weight parameters])."""
    values, plist, weight_params = {}, [], []
    for pname, spec in params.items():
        _check_name(pname, "parameter")
        if not isinstance(spec, dict) or set(spec) != {"value", "doc", "source", "weight"}:
            raise PlasticityError(f"define_rule: parameter '{pname}' must be rule_param(...)")
        if not isinstance(spec["value"], str):
            raise PlasticityError(f"define_rule: parameter '{pname}': the value must be a string "
                                  f"such as '20 ms' or '0.01', got {spec['value']!r}")
        q = parse_quantity(spec["value"], f"parameter '{pname}'")
        unit = None
        if isinstance(q, Quantity) and get_dimensions(q) != get_dimensions(1):
            if get_dimensions(q) != get_dimensions(ms):
                raise PlasticityError(f"define_rule: parameter '{pname}' has a unit other than "
                                      "a time; give it as a number (and weight=True if it is "
                                      "in weight units)")
            if spec["weight"]:
                raise PlasticityError(f"define_rule: parameter '{pname}' is a time "
                                      f"({spec['value']}) and weight=True: a weight amount is a "
                                      "plain number in the weight's unit")
            unit = ms
        plist.append(Param(pname, unit, spec["doc"], weight=spec["weight"]))
        values[pname] = Value(q, spec["source"])
        if spec["weight"]:
            weight_params.append(pname)
    if not isinstance(w_init, dict):
        raise PlasticityError("define_rule: w_init must be rule_param(...)")
    plist.append(Param("w_init", None, w_init["doc"], weight=True))
    values["w_init"] = Value(parse_quantity(w_init["value"], "w_init"), w_init["source"])
    return plist, values, weight_params


def declared_traces(traces: dict, params: dict, plist: list) -> tuple:
    """The declared traces, checked: ({name: (tau, side, kind)}, ``plist`` with each trace's
    time constant bounded > 0: 0 ms gives NaN weights, a negative one makes the trace grow;
    Param bounds also hold for values set later)."""
    trace_specs = {}
    for tname, spec in traces.items():
        _check_name(tname, "trace")
        if tname in params:
            raise PlasticityError(f"define_rule: trace name '{tname}' is also a parameter")
        if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
            raise PlasticityError(f"define_rule: trace '{tname}' must be (time-constant "
                                  f"parameter, 'pre' or 'post'[, 'add' or 'set']), got {spec!r}")
        tau, side, *kind = spec
        kind = kind[0] if kind else "add"
        if tau not in params or side not in ("pre", "post") or kind not in ("add", "set"):
            raise PlasticityError(f"define_rule: trace '{tname}' must be (time-constant "
                                  "parameter, 'pre' or 'post'[, 'add' or 'set'])")
        if next(q for q in plist if q.name == tau).unit is None:
            raise PlasticityError(f"define_rule: trace '{tname}': '{tau}' is not a time")
        trace_specs[tname] = (tau, side, kind)
    taus = {tau for tau, _, _ in trace_specs.values()}
    plist = [replace(p, low=0.0, low_open=True) if p.name in taus else p for p in plist]
    return trace_specs, plist


# ---------------------------------------------------------------------------------------------
# units of statements: (weight exponent, time exponent); a literal 0 fits any unit
# ---------------------------------------------------------------------------------------------
WEIGHT, TIME, NUMBER = (1, 0), (0, 1), (0, 0)


def _describe(d) -> str:
    return {WEIGHT: "a weight", TIME: "a time", NUMBER: "a plain number"}.get(
        d, f"weight^{d[0]} time^{d[1]}")


class _Units:
    def __init__(self, env: dict, line: str, side: str):
        self.env, self.line, self.side = env, line, side

    def fail(self, what: str):
        raise PlasticityError(f"on_{self.side}: {self.line!r}: {what}")

    def of(self, node):
        """(dims, is the literal 0) of an expression."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(f"{node.value!r} is not a number (statements hold numbers only)")
            return NUMBER, node.value == 0
        if isinstance(node, ast.Name):
            return self.env[node.id], False
        if isinstance(node, ast.UnaryOp):
            return self.of(node.operand)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        self.fail("unsupported expression")

    def call(self, node):
        args = [self.of(a) for a in node.args]
        if node.func.id == "exp":
            if len(args) != 1 or (args[0][0] != NUMBER and not args[0][1]):
                self.fail(f"exp takes a plain number, got {_describe(args[0][0])} in "
                          f"{ast.unparse(node)}")
            return NUMBER, False
        return self.same(args, node.args, "clip's value and bounds")   # clip(x, lo, hi)

    def same(self, args, nodes, what):
        dims = {d for d, zero in args if not zero}
        if len(dims) > 1:
            parts = ", ".join(f"{ast.unparse(n)} is {_describe(d)}" for (d, zero), n in
                              zip(args, nodes) if not zero)
            self.fail(f"{what} must have one unit ({parts}): a weight amount (a bound, a step) "
                      "must be a parameter with weight=True, because engines count weights "
                      "in different units")
        return (dims.pop() if dims else NUMBER), all(zero for _, zero in args)

    def binop(self, node):
        a, b = self.of(node.left), self.of(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mod)):
            return self.same([a, b], [node.left, node.right],
                             f"both sides of {ast.unparse(node)}")
        if isinstance(node.op, (ast.Mult, ast.Div)):
            sign = 1 if isinstance(node.op, ast.Mult) else -1
            return (a[0][0] + sign * b[0][0], a[0][1] + sign * b[0][1]), a[1]
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub):
                exponent = exponent.operand
            if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int)) \
                    and a[0] != NUMBER:
                self.fail(f"{ast.unparse(node)}: a quantity with a unit takes only integer "
                          "powers")
            if a[0] != NUMBER:
                k = node.right.value if isinstance(node.right, ast.Constant) else \
                    -exponent.value
                return (a[0][0] * k, a[0][1] * k), a[1]
            return NUMBER, a[1]
        self.fail(f"unsupported operator in {ast.unparse(node)}")


def check_units(statements, env: dict, side: str, lines: list) -> dict:
    """Check each ``(target, op, expr)``: w is assigned a weight, a local keeps one unit.
    ``env``: name -> dims of the parameters, traces and w; returns it with the locals."""
    env = dict(env)
    for (name, op, expr), line in zip(statements, lines):
        units = _Units(env, line, side)
        dims, zero = units.of(ast.parse(expr, mode="eval").body)
        if name == "w" or (op != "=" and name in env):
            want = WEIGHT if name == "w" else env[name]
            if dims != want and not zero:
                units.fail(f"{name} is {_describe(want)} but {expr} is {_describe(dims)}: a "
                           "weight amount must be a parameter with weight=True, because "
                           "engines count weights in different units")
        elif name in env and env[name] != dims and not zero:
            units.fail(f"local '{name}' was {_describe(env[name])}, now {_describe(dims)}")
        else:
            env[name] = dims
    return env
