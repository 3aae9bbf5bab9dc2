"""Model core: parameter specifications, named parameter sets with provenance, validation.

A plasticity model is declared once (one module per rule family, see ``stdp_pair.py``) as a
:class:`Model`: the rule in math, its parameters with Brian2 units and bounds, named parameter
sets whose every value names its source, the Brian2 synapse equations, and one translation
table per PyNN backend.  Units are real inside the model (Brian2 quantities); conversion to bare
PyNN floats (ms, nA, uS) happens in exactly one place, :func:`to_pynn_value`.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import replace, dataclass, field
from typing import Callable, Mapping



def _import_brian2():
    """Import Brian2 without its import-time console note on the size of its Cython cache
    ("Cache size for target 'cython': ... MB", logged at INFO once the cache passes 1 GB): on
    the console it would be a second line on every one-line error of the command line.  Anything
    else Brian2 prints while importing is passed on; its console handler writes to stderr after."""
    import contextlib
    import io
    import sys
    if "brian2" in sys.modules:
        return
    captured = io.StringIO()
    hook = sys.excepthook
    with contextlib.redirect_stderr(captured):
        import brian2  # noqa: F401
    # Brian2 replaces sys.excepthook at import: any uncaught error (a PlasticityError in a pure
    # PyNEST script) would then print "Brian 2 encountered an unexpected error ... please
    # report" and keep brian_debug_*.log files.  Importing this package changes no process-wide
    # behaviour: the hook the process had stays (a script that imported Brian2 itself first
    # keeps Brian2's, as it had it already).
    sys.excepthook = hook
    from brian2.utils.logger import BrianLogger
    if BrianLogger.console_handler is not None:
        BrianLogger.console_handler.setStream(sys.stderr)   # it took the captured stream
    sys.stderr.write(re.sub(r"INFO\s+Cache size for target .*?\[brian2\]\n?", "",
                            captured.getvalue(), flags=re.S))


_import_brian2()
import brian2  # noqa: E402
import numpy as np  # noqa: E402
from brian2 import Quantity, Unit, get_dimensions  # noqa: E402
from brian2.units.fundamentalunits import DIMENSIONLESS  # noqa: E402

# Brian2 code generation for every run: "cython" (Brian2's default: compiled once per code object,
# ~25 s each, then cached) or "numpy" (no compilation; as fast or faster for short runs, slower
# for long ones).  The test suite sets numpy; ``make reproduce`` uses Brian2's default.
BRIAN2_TARGET = os.environ.get("PLASTICITY_BRIAN2_TARGET", "").strip().lower()
if BRIAN2_TARGET in ("numpy", "cython"):
    brian2.prefs.codegen.target = BRIAN2_TARGET


class PlasticityError(Exception):
    """A user-facing error: its message is one line naming the problem.  ``exit_code``: what the
    command line exits with (2: the input is wrong)."""
    exit_code = 2


def closest(name, known) -> str:
    """"; closest: a, b" naming the known names nearest to a mistyped ``name``, or ''."""
    import difflib
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=3, cutoff=0.6)
    return f"; closest: {', '.join(close)}" if close else ""


class ResourceError(PlasticityError):
    """The input is fine but the machine is not (a full disk, an unreadable cache): one line,
    exit 1."""
    exit_code = 1


# ----------------------------------------------------------------------------------------------
# units
# ----------------------------------------------------------------------------------------------
_UNIT_ALIASES = {"s": "second", "us": "usecond", "µs": "usecond", "sec": "second", "mohm": "Mohm",
                 "MOhm": "Mohm", "GOhm": "Gohm", "µS": "uS", "µA": "uA"}


def lookup_unit(text: str) -> Unit:
    """Return the Brian2 unit named ``text`` (``ms``, ``second``, ``pA``, ``Hz`` ...)."""
    name = _UNIT_ALIASES.get(text, text)
    obj = getattr(brian2.units.allunits, name, None)
    if obj is None:
        obj = getattr(brian2, name, None)
    if not isinstance(obj, Unit):
        raise PlasticityError(f"unknown unit '{text}'")
    return obj


_NUMBER_UNIT = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)\s*\*?\s*([A-Za-zµ]+)?\s*$")


_NUMBER_REST = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)\s*(.*?)\s*$")


def parse_quantity(text: str, what: str = "value"):
    """Parse ``'20ms'``, ``'20 ms'``, ``'0.02*second'``, ``'0.01'`` or a compound unit
    (``'8e-6/mV**2'``, ``'3600 mV^2'``, ``'1.4e-4 mV^-2'``, ``'0.5 nS/mV'``) into a
    Quantity/float."""
    m = _NUMBER_UNIT.match(str(text))
    if m:
        number = float(m.group(1))
        if m.group(2) is None:
            return number
        try:
            return number * lookup_unit(m.group(2))
        except PlasticityError as err:
            raise PlasticityError(f"{what}: {err}") from None
    m = _NUMBER_REST.match(str(text))
    unit = None
    if m and m.group(2):
        rest = m.group(2)
        rest = rest[1:].lstrip() if rest.startswith("*") else ("1" + rest if
                                                               rest.startswith("/") else rest)
        try:
            unit = _unit_expression(rest.replace("^", "**"))
        except PlasticityError as err:
            raise PlasticityError(f"{what}: {err}") from None
    if unit is None:
        raise PlasticityError(f"cannot parse {what} '{text}' (expected a number with an optional "
                              f"unit, e.g. 20ms, 0.01 or 8e-6/mV**2)")
    return float(m.group(1)) * unit


def _unit_expression(text: str):
    """A unit written as names, ``*``, ``/``, ``**`` with integer powers and parentheses
    (``mV**2``, ``1/mV**2``, ``nS/mV``), as a Brian2 quantity; None if it is not one."""
    import ast
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None

    def value(node):
        if isinstance(node, ast.Name):
            return lookup_unit(node.id)
        if isinstance(node, ast.Constant) and node.value == 1:
            return 1
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            a, b = value(node.left), value(node.right)
            return None if a is None or b is None else (a * b if isinstance(node.op, ast.Mult)
                                                        else a / b)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exp = node.right
            sign = 1
            if isinstance(exp, ast.UnaryOp) and isinstance(exp.op, (ast.USub, ast.UAdd)):
                sign, exp = (-1 if isinstance(exp.op, ast.USub) else 1), exp.operand
            base = value(node.left)
            if base is None or not (isinstance(exp, ast.Constant) and type(exp.value) is int):
                return None
            return base ** (sign * exp.value)
        return None

    unit = value(tree)
    return None if unit is None or isinstance(unit, int) else unit


def unit_string(unit) -> str:
    return "1" if unit is None or get_dimensions(unit) is DIMENSIONLESS else str(unit)


def with_unit(number: float, unit) -> str:
    """A bound for a message: ``20 ms``, or the bare number where the unit is dimensionless."""
    text = unit_string(unit)
    return f"{number:g}" if text == "1" else f"{number:g} {text}"


def magnitude(value, unit) -> float:
    """Value expressed as a float in ``unit`` (``unit`` None = dimensionless)."""
    if unit is None or get_dimensions(unit) is DIMENSIONLESS:
        return float(value)
    return float(value / unit)


# ----------------------------------------------------------------------------------------------
# parameter specification
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One model parameter: name, unit, bounds, meaning.

    ``unit`` is a Brian2 unit (the display unit; e.g. ``ms``) or None for dimensionless.
    Bounds are in that unit; ``low_open``/``high_open`` make a bound exclusive.
    """
    name: str
    unit: Unit | None
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    weight: bool = False        # carries the weight unit (w_init, w_max): PyNN nA / uS
    choices: tuple | None = None    # a named option (a string among these), not a number

    @property
    def dimensions(self):
        return DIMENSIONLESS if self.unit is None else get_dimensions(self.unit)

    def coerce(self, value, model_name: str):
        """Accept a string, a Quantity or a number; return a checked Quantity (or float).
        An option (``choices``) accepts one of its strings and returns it."""
        if self.choices is not None:
            if not isinstance(value, str) or value not in self.choices:
                raise PlasticityError(f"{model_name}: option '{self.name}' must be one of "
                                      f"{', '.join(self.choices)}, got {value!r}")
            return value
        if isinstance(value, str):
            value = parse_quantity(value, f"parameter '{self.name}'")
        if isinstance(value, bool) or value is None:
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be a number, got "
                                  f"{value!r}")
        try:
            dims = get_dimensions(value)
            number = float(np.asarray(value))       # (the SI magnitude)
        except (TypeError, ValueError):
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be a number"
                                  + ("" if self.unit is None else f" in {self.unit}")
                                  + f", got {value!r}") from None
        if not math.isfinite(number):       # (before the units: 'nan' is not "dimensionless")
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be finite, got "
                                  f"{number}")
        if dims is not self.dimensions:
            expected = "dimensionless" if self.unit is None else f"a quantity in {self.unit} " \
                f"(dimension {self.dimensions})"
            got = "a dimensionless number" if dims is DIMENSIONLESS else f"dimension {dims}"
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be {expected}, "
                                  f"got {got}")
        number = magnitude(value, self.unit)
        if not math.isfinite(number):
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be finite, got "
                                  f"{number}")
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            rel = ">" if self.low_open else ">="
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be {rel} "
                                  f"{with_unit(self.low, self.unit)}, got {format_value(value)}")
        if self.high is not None and (number > self.high or (self.high_open and number == self.high)):
            rel = "<" if self.high_open else "<="
            raise PlasticityError(f"{model_name}: parameter '{self.name}' must be {rel} "
                                  f"{with_unit(self.high, self.unit)}, got {format_value(value)}")
        return number if self.unit is None else number * self.unit


def format_value(value) -> str:
    """A value with its unit, e.g. ``'20. ms'`` or ``'0.005'``, exactly representable back."""
    if isinstance(value, str):
        return value
    if isinstance(value, Quantity) and get_dimensions(value) is not DIMENSIONLESS:
        return _fmt_quantity(value)
    return repr(float(value))


def _fmt_quantity(q: Quantity) -> str:
    unit = q.get_best_unit()
    return f"{float(q / unit)!r} {unit}"


@dataclass(frozen=True)
class Value:
    """A parameter value in a named set, with the source it was taken from."""
    value: object
    source: str


@dataclass(frozen=True)
class ParameterSet:
    """A named parameter set: every value names its source (paper, table/row, public file)."""
    name: str
    paper: str
    values: Mapping[str, Value]
    notes: str = ""
    verification: str = ""


# ----------------------------------------------------------------------------------------------
# translation tables (PyNN's idea: a table per backend; 2-tuple rename, 3-tuple scale,
# 4-tuple forward / reverse functions)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Translation:
    name: str               # our (PyNN-style) name, value in PyNN units (ms, nA, uS, 1)
    native: str             # simulator name
    forward: Callable[[dict], float]
    reverse: Callable[[dict], float]


def translations(*items) -> list[Translation]:
    out = []
    for item in items:
        if len(item) == 2:
            a, b = item
            out.append(Translation(a, b, lambda p, a=a: p[a], lambda p, b=b: p[b]))
        elif len(item) == 3:
            a, b, s = item
            out.append(Translation(a, b, lambda p, a=a, s=s: p[a] * s,
                                   lambda p, b=b, s=s: p[b] / s))
        elif len(item) == 4:
            a, b, f, g = item
            out.append(Translation(a, b, f, g))
        else:
            raise ValueError(f"translation tuple must have 2 to 4 items: {item}")
    return out


def forward_translate(table: list[Translation], pynn_params: dict) -> dict:
    return {t.native: t.forward(pynn_params) for t in table if t.name in pynn_params}


def reverse_translate(table: list[Translation], native_params: dict) -> dict:
    return {t.name: t.reverse(native_params) for t in table if t.native in native_params}


# ----------------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------------
BACKENDS = ("brian2", "pynn.brian2", "pynn.nest")


@dataclass
class Brian2Equations:
    """Brian2 synapse code.  ``{w}`` is the weight variable, ``{wunit}`` its unit, and
    ``{transmit}`` the line that delivers the (plastic) efficacy to the target; the PyNN
    wrapper fills them with PyNN's names (``weight``, ``%(syn_var)s``)."""
    model: str
    on_pre: str
    on_post: str | None
    initial: dict = field(default_factory=dict)     # state variable -> initial value
    efficacy: str = "{w}"                            # expression transmitted per pre spike
    # extra presynaptic pathways: name -> (code, delay parameter): run that long after the
    # synapse sees the pre spike (e.g. a delayed calcium jump)
    pathways: dict = field(default_factory=dict)
    # integrate the synapse's clock-driven equations after the step's spikes were applied
    update_after_synapses: bool = False
    # code run once per step after the state update (e.g. an exact exponential decay)
    per_step: str | None = None
    # neuromodulated rules: code of a pathway from a modulator group onto every synapse
    # (Brian2 synapses on synapses; the synapse's variables carry the suffix ``_post``).
    # Source 0 fires at the schedule's reward times, source 1 once at its end (read-out)
    on_modulator: str | None = None
    # dimensionless constants that shared-constant code (``render_shared``) writes as literals,
    # so that Brian2 can simplify them (e.g. the weight-dependence exponents: x**0 -> 1)
    literal: tuple = ()
    # the same rule written for the other order of Brian2's pathways within a time step, the
    # post pathway before the pre pathway: (model, on_pre, on_post).  Used where this package
    # creates the Synapses itself (``render(post_first=True)``; the Synapses must carry
    # ``_plasticity_post_first = True`` so that ``finalize`` sets that order).  PyNN creates
    # its own Synapses and keeps Brian2's order (pre first): it gets the main code.
    post_first: tuple | None = None
    # state kept only at events, brought to the current time ``t`` (exact): code that
    # ``current_value`` runs on copies of the synapses' state (the event-driven traces need
    # none: Brian2's own exact solution of their equations is used); ``not_current``: state
    # that cannot be brought forward (e.g. a stochastic recovery, drawn at the next spike)
    current: str | None = None
    not_current: tuple = ()
    # the code assumes the post pathway runs before the pre pathway within a time step, wherever
    # the Synapses come from (a user's rule: NEST's order at coincident spikes)
    post_pathway_first: bool = False

    def render(self, w="w", wunit="1", transmit="", post_first=False):
        """(model, on_pre, on_post); ``on_pre`` is a dict {pathway: code} with pathways.
        ``post_first``: the post-before-pre code where the model has one."""
        fmt = lambda s: None if s is None else s.format(w=w, wunit=wunit, transmit=transmit)
        model, pre, post = self.post_first if (post_first and self.post_first) else \
            (self.model, self.on_pre, self.on_post)
        on_pre = fmt(pre)
        if self.pathways:
            on_pre = {"pre": on_pre, **{k: fmt(code) for k, (code, _) in self.pathways.items()}}
        return fmt(model), on_pre, fmt(post)

    def render_shared(self, constants: dict, w="w", wunit="1", transmit="", post_first=False):
        """(model, on_pre, on_post, namespace) with ``constants`` ({name: Brian2 value}, the
        same for every synapse) taken out of the per-synapse variables: their ``(constant)``
        declarations are dropped, the names in ``literal`` are written into the code as numbers
        and the others go to the returned namespace.  Brian2's own STDP example works this way:
        fewer arrays per synapse (memory and bandwidth of the synaptic updates), and
        loop-invariant terms are hoisted out of the per-synapse loops."""
        import re
        model, on_pre, on_post = self.render(w=w, wunit=wunit, transmit=transmit,
                                             post_first=post_first)
        names = set(constants)
        lines = [ln for ln in model.splitlines()
                 if not (ln.split(":")[0].strip() in names and "(constant)" in ln)]
        model = "\n".join(lines)
        literal = {n: (repr(int(v)) if float(v).is_integer() else repr(float(v)))
                   for n, v in ((n, constants[n]) for n in self.literal if n in names)}

        def sub(code):
            if code is None:
                return None
            if isinstance(code, dict):
                return {k: sub(v) for k, v in code.items()}
            for n, v in literal.items():
                code = re.sub(rf"\b{n}\b", f"({v})", code)
            # Brian2 parses without evaluating: simplify (base)**0 -> 1 and **1 -> nothing
            # here (bases without nested parentheses, as the models write them)
            code = re.sub(r"\([^()]*\)\s*\*\*\s*\(0\)", "1", code)
            return re.sub(r"\s*\*\*\s*\(1\)", "", code)
        namespace = {n: v for n, v in constants.items() if n not in literal}
        return sub(model), sub(on_pre), sub(on_post), namespace

    def render_modulator(self, w="w", wunit="1"):
        return None if self.on_modulator is None else \
            self.on_modulator.format(w=w, wunit=wunit)

    def finalize(self, syn, w="w"):
        """After ``connect`` and parameter setting: pathway delays, update order, per-step code
        (``{w}`` in it becomes ``w``, PyNN's ``weight``).  Idempotent: call it again after
        changing per-synapse constants (delays are re-read)."""
        if getattr(syn, "_plasticity_post_first", False) and self.post_first or \
                self.post_pathway_first:
            syn.post.order = syn.pre.order - 1      # the post pathway runs first
        from brian2.devices.device import RuntimeDevice, get_device
        standalone = not isinstance(get_device(), RuntimeDevice)
        for name, (_, delay) in self.pathways.items():
            # relative to the transmission pathway: the synapse sees a pre spike at t + delay.
            # cpp_standalone cannot read values back before the run: there the expression is
            # evaluated in the generated code, and the transmission pathway has no delay (this
            # package's Brian2 engine and make_synapses never give it one)
            if standalone:
                getattr(syn, name).delay = delay
            elif delay in syn.variables:
                getattr(syn, name).delay = syn.pre.delay[:] + getattr(syn, delay)[:]
            else:                                   # a shared constant (make_synapses shared)
                getattr(syn, name).delay = syn.pre.delay[:] + syn.namespace[delay]
        if self.update_after_synapses:
            syn.state_updater.when = "after_synapses"
        if self.per_step and not any(o.name == f"{syn.name}_per_step"
                                     for o in syn.contained_objects):
            syn.run_regularly(self.per_step.format(w=w), when="after_resets",
                              name=f"{syn.name}_per_step")


@dataclass
class NestMapping:
    """How a model maps to a native NEST synapse model through pyNN.nest."""
    synapse_model: str
    table: list[Translation]             # PyNN-unit values -> NEST connection parameters
    initial: dict = field(default_factory=dict)   # extra NEST connection state, from PyNN params
    post_cell_params: tuple = ()          # PyNN names that NEST keeps on the postsynaptic neuron
    check: Callable[[dict], None] | None = None   # raises PlasticityError if not representable
    # NEST applies some updates lazily (at the next pre spike): gap (ms) after the schedule at
    # which the runner adds one flush pre spike so that reported weights include every event
    # (at least one step: 0 puts it at the end of the brian2 run, one step after the schedule)
    flush_gap: Callable[[dict], float] | None = None
    # quiet time (ms) before the schedule starts in NEST: models whose t_lastspike starts at
    # simulator time 0 pair post spikes before the first pre spike with a phantom pre spike at
    # t = 0; a lead-in of 50 tau_plus makes that pairing exp(-50) small (see stdp_nn)
    lead_in: Callable[[dict], float] | None = None
    note: str = ""          # restriction shown in the model x backend table
    # NEST connection parameters set to 0 just before the flush spike (a rule whose pre spike
    # changes the weight by a constant, e.g. Vogels' -alpha*eta: the flush must not)
    flush_zero: tuple = ()
    # neuromodulated synapse: the runner creates a volume_transmitter fed by the reward spikes
    volume_transmitter: bool = False
    # integer NEST connection state that pyNN passes as a float (NEST refuses it): set after
    # connecting, {NEST name: our parameter}
    integer_state: dict = field(default_factory=dict)
    # a rule that needs its own NEST neuron model (clopath): its name and values -> its params
    neuron: str = ""
    neuron_params: Callable[[dict], dict] | None = None
    # NEST parameters common to all connections of the synapse model (a "_hom" model, the
    # dopamine synapse): set per model (CopyModel / SetDefaults), not per connection
    common: tuple = ()
    # a recorded variable NEST does not store (e.g. the quanta released by a spike): per
    # presynaptic spike it is the weight NEST transmitted (weight_recorder) over w, 0 if none
    event_state: str = ""
    # a rule NEST does not ship: its NESTML half (models/nestml.py); synapse_model is then the
    # generated model's name, and the postsynaptic cell is the NESTML relay neuron paired with it
    nestml: object | None = None
    # another mapping for some parameter sets (e.g. a NESTML rule for the sets the native model
    # cannot run): used where ``use_variant(values)`` is true
    variant: "NestMapping | None" = None
    use_variant: Callable[[dict], bool] | None = None

    def post_cell_items(self):
        """(our name, NEST neuron name) for the parameters NEST keeps on the post neuron."""
        return [(p, p) if isinstance(p, str) else tuple(p) for p in self.post_cell_params]


@dataclass
class Readout:
    """Stochastic or population read-out (Graupner–Brunel): every condition runs
    ``replicas(values)`` synapses from each start state in ``starts(values)``; ``combine(values,
    {start: final states})`` returns (w_after/w_before, its standard error, extra measures)."""
    starts: Callable[[dict], list]
    replicas: Callable[[dict], int]
    combine: Callable[[dict, dict], tuple]
    doc: str = ""
    # optional closed-form read-out of one condition: analytic(values, pre_ms, post_ms,
    # duration_ms, dt_ms) -> (ratio, extra measures); reported beside the population's
    analytic: Callable | None = None
    # parameters only the read-out uses (a connection has no place for them)
    params: tuple = ()


@dataclass(frozen=True)
class Alias:
    """Another name a PyNN (or NEST) user writes for a parameter with the same meaning:
    ``target`` gets the value (through ``convert(values, value)`` where the parameterisation
    differs, e.g. PyNN's target rate rho for Vogels' alpha = 2 tau rho); ``only``: the rule
    supports this one value (e.g. PyNN's w_min = 0 of a rule whose lower bound is 0), any
    other is refused in one line."""
    target: str = ""
    convert: Callable | None = None
    only: float | None = None
    why: str = ""


@dataclass
class Model:
    name: str
    family: str
    title: str
    doc: str                       # the rule in math, every symbol defined
    params: list[Param]
    parameter_sets: dict[str, ParameterSet]
    default_set: str
    weight_unit: Unit | None        # unit of w_init / w_max (None = dimensionless)
    plastic: bool                   # long-term weight changes (False: STP only)
    brian2: Brian2Equations
    nest: NestMapping | None
    recorded: tuple = ("w",)        # synaptic state variables recorded over time
    coincidence_rule: str = ""
    cross_check: Callable[[dict, str], None] | None = None
    # options (Param.choices) become numeric Brian2/PyNN constants through this function
    derived: Callable[[dict], dict] | None = None
    derived_weight: tuple = ()       # derived constants that carry the weight unit
    readout: Readout | None = None   # population read-out instead of w_final / w_initial
    no_nest_reason: str = ""         # why pynn.nest is unavailable (error message)
    backends: tuple = ()             # restrict the backends (default: by the NEST mapping)
    # a rule that reads its own neuron's state (e.g. Clopath's filtered membrane potential):
    # which neuron; such a rule runs through its protocols, not make_synapses / synapse_type
    needs_neuron: str = ""
    # its Brian2 neuron: (values, n, dt) -> (NeuronGroup, ...) (see models/clopath.py)
    brian2_neuron: Callable | None = None
    # and its synapse onto that neuron: (source, neuron, dt, synapses_class) -> Synapses
    brian2_synapses: Callable | None = None
    # the model on SpiNNaker (plasticity.models.spinnaker): values -> SpinnakerRule, or raises
    # a one-line PlasticityError naming the nearest supported rule; None: no mapping defined
    spinnaker: Callable[[dict], object] | None = None
    # other names users write for a parameter (PyNN's p, n, w_min ...): name -> Alias
    aliases: dict = field(default_factory=dict)

    def numeric_params(self):
        """Names of the per-synapse numeric constants (no options, with derived flags)."""
        names = [p.name for p in self.params if p.choices is None]
        if self.derived is not None:
            names += list(self.derived(self.resolve()).keys())
        return names

    def numeric_values(self, values: dict) -> dict:
        """Resolved values without options, plus the numeric constants derived from them."""
        out = {p.name: values[p.name] for p in self.params if p.choices is None}
        if self.derived is not None:
            out.update(self.derived(values))
        return out

    # -- parameters ----------------------------------------------------------------------------
    @property
    def param_names(self):
        return [p.name for p in self.params]

    def param(self, name) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        aka = f"; also: {', '.join(self.aliases)}" if self.aliases else ""
        raise PlasticityError(f"{self.name}: unknown parameter '{name}' "
                              f"(known: {', '.join(self.param_names)}{aka})")

    def resolve(self, set_name: str | None = None, overrides: Mapping | None = None) -> dict:
        """Parameter values of a named set with overrides applied, validated.

        Returns ``{name: Quantity or float}`` in Brian2 units.  Raises :class:`PlasticityError`
        with a one-line message on an unknown set or name, wrong dimension, impossible value.
        """
        set_name = set_name or self.default_set
        if set_name not in self.parameter_sets:
            raise PlasticityError(f"{self.name}: unknown parameter set '{set_name}'"
                                  f"{closest(set_name, self.parameter_sets)} (known: "
                                  f"{', '.join(self.parameter_sets)})")
        pset = self.parameter_sets[set_name]
        values = {}
        for p in self.params:
            if p.name not in pset.values:
                raise PlasticityError(f"{self.name}: parameter set '{set_name}' lacks '{p.name}'")
            values[p.name] = p.coerce(pset.values[p.name].value, self.name)
        overrides = dict(overrides or {})
        later = {}
        for name in [n for n in overrides if n in self.aliases and n not in self.param_names]:
            alias, value = self.aliases[name], overrides.pop(name)
            if alias.only is not None:
                if isinstance(value, str):
                    value = parse_quantity(value, f"parameter '{name}'")
                if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                        float(value) != alias.only:
                    raise PlasticityError(f"{self.name}: '{name}' can only be {alias.only:g} "
                                          f"({alias.why}), got {value!r}")
                continue
            if alias.target in overrides:
                raise PlasticityError(f"{self.name}: give '{alias.target}' or its other name "
                                      f"'{name}', not both")
            (later if alias.convert else overrides)[name if alias.convert else
                                                    alias.target] = value
        for name, value in overrides.items():
            values[name] = self.param(name).coerce(value, self.name)
        for name, value in later.items():
            alias = self.aliases[name]
            values[alias.target] = self.param(alias.target).coerce(
                alias.convert(values, value), self.name)
        if self.cross_check:
            self.cross_check(values, self.name)
        return values

    def provenance(self, set_name: str) -> dict:
        pset = self.parameter_sets[set_name]
        return {k: v.source for k, v in pset.values.items()}

    # -- backends ------------------------------------------------------------------------------
    def supported_backends(self):
        if self.backends:
            return list(self.backends)
        out = ["brian2", "pynn.brian2"]
        if self.nest is not None:
            out.append("pynn.nest")
        return out

    def for_nest(self, values) -> "Model":
        """This model with the NEST mapping that runs the parameter values ``values`` (a
        mapping's ``variant`` where it applies)."""
        m = self.nest
        if m is not None and m.variant is not None and m.use_variant(values):
            return replace(self, nest=m.variant)
        return self

    def connection_overrides(self, overrides) -> dict:
        """``overrides`` for a connection made by a user's script (make_synapses,
        synapse_type, nest_synapse): refuses, in one line, parameters that only a protocol's
        read-out uses (they would be accepted and do nothing)."""
        only = [n for n in overrides if self.readout is not None and n in self.readout.params]
        if only:
            raise PlasticityError(
                f"{self.name}: {', '.join(only)} are parameters of the population read-out "
                f"({self.readout.doc}), used by the protocols, not by a connection; set a "
                "connection's start state with its weight")
        return dict(overrides)

    def weight_and_delay(self, overrides) -> tuple[dict, object]:
        """(``overrides`` with ``weight`` as ``w_init``, the ``delay`` taken out or None): the
        names every PyNN synapse type and a NEST ``syn_spec`` take."""
        overrides = dict(overrides)
        delay = overrides.pop("delay", None)
        if "weight" in overrides:
            if "w_init" in overrides:
                raise PlasticityError(f"{self.name}: give the initial weight as weight or "
                                      "w_init, not both")
            overrides["w_init"] = overrides.pop("weight")
        return overrides, delay

    def nest_rule(self, synapse_model: str):
        """The NESTML rule (models/nestml.py) behind NEST synapse model ``synapse_model``."""
        for m in (self.nest, getattr(self.nest, "variant", None)):
            if m is not None and m.nestml is not None and m.synapse_model == synapse_model:
                return m.nestml
        raise PlasticityError(f"{self.name}: no NESTML rule named {synapse_model}")

    def check_backend(self, backend: str):
        if backend not in BACKENDS:
            raise PlasticityError(f"unknown backend '{backend}' (known: {', '.join(BACKENDS)})")
        if backend not in self.supported_backends():
            why = f": {self.no_nest_reason}" if backend.startswith("pynn") and \
                self.no_nest_reason else ""
            raise PlasticityError(f"model '{self.name}' is not available on backend '{backend}' "
                                  f"(supported: {', '.join(self.supported_backends())}){why}")


def to_pynn_value(value) -> float:
    """The one place where Brian2 quantities become bare PyNN floats (ms, nA, uS, mV, Hz).
    Options (strings) pass through unchanged."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Quantity) or get_dimensions(value) is DIMENSIONLESS:
        return float(value)
    dims = get_dimensions(value)
    for unit in (brian2.ms, brian2.nA, brian2.uS, brian2.mV, brian2.Hz):
        if dims is get_dimensions(unit):
            return float(value / unit)
    raise PlasticityError(f"no PyNN unit for a quantity of dimension {dims}")


def to_pynn(values: dict) -> dict:
    return {k: to_pynn_value(v) for k, v in values.items()}


def time_constant(name, doc):
    return Param(name, brian2.ms, doc, low=0.0, low_open=True)


def cache_dir() -> str:
    """Folder for generated code and built modules (``PLASTICITY_CACHE_DIR``, else
    ``$XDG_CACHE_HOME`` or ``~/.cache``, then ``plasticity_models``): never the working
    directory."""
    import os
    given = os.environ.get("PLASTICITY_CACHE_DIR")
    if given:
        return given
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "plasticity_models")
