"""NEST for rules NEST does not ship: NESTML synapse models written from the model definitions,
built once against the installed NEST wheel, cached, and loaded for pyNN.nest and plain PyNEST.

What is generated and what is written by hand
---------------------------------------------
A rule's NESTML text (:func:`nestml_text`) is assembled from its model: the ``parameters:``
block from the model's parameters (names, NESTML units, the default set's values, bounds as
NESTML guards), the ``input:`` and ``output:`` blocks from whether the rule sees postsynaptic
spikes.  The state, equations and the event statements (``onReceive``) are NESTML written in the
model's own file beside its Brian2 code (:class:`NestmlRule`): the Brian2 statements rely on
Brian2's own machinery (``lastupdate``, event-driven variables, per-step ``run_regularly`` code,
pathway order within a time step) that has no one-to-one NESTML counterpart, so each model file
says how its NESTML statements reproduce the rule and what the parity tests check.

Postsynaptic spikes
-------------------
NESTML delivers postsynaptic spikes to a synapse through a neuron generated together with it
("neuron-synapse pairs"; the post traces move into the neuron).  The package pairs every rule with
:data:`RELAY`, a NESTML relay neuron with two ports like NEST's ``parrot_neuron``: spikes at port
``imposed`` (receptor 1) are repeated, spikes at ``plastic`` (receptor 2) are not, so the
protocols impose the postsynaptic spike times exactly as with the native models.

Build (all rules and the relay in one module)
---------------------------------------------
NESTML 9.0.0 generates C++ and builds it with CMake against the NEST 3.10 wheel through a
replacement ``nest-config`` (the wheel's own names the wheel builder's paths and compiler):
``--cflags`` carry ``-D_GLIBCXX_USE_CXX11_ABI=0`` (the wheel's C++ string ABI; without it the
module compiles but ``nest.Install`` reports "file not found" for an undefined
``std::__cxx11::basic_string`` symbol), no link libraries (kernel, GSL and OpenMP symbols resolve
from the loaded ``nestkernel_api.so``).  System packages: ``cmake g++ make libboost-dev libgsl-dev
libltdl-dev`` (headers; ``make`` installs them as root).  The module is built in a temporary
folder and renamed into ``<cache>/nestml/<hash>`` when complete (hash of the NESTML texts, the
NESTML and NEST versions), so a failed build leaves nothing behind; a lock serialises builds.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sys
from dataclasses import dataclass

from .core import PlasticityError, cache_dir
from .files import intact, remove_leftovers, stamp, temporary_name

NESTML_VERSION = "9.0.0"
MODULE = "plasticitymodule"
RELAY = "plasticity_relay"
# rules declared by a user (models/user_rule.py) go into a module of their own, with its own
# relay, so that the package's module and the user's can be loaded side by side
USER_MODULE = "plasticityusermodule"
USER_RELAY = "plasticity_user_relay"
RELAYS = {MODULE: RELAY, USER_MODULE: USER_RELAY}


def relay_text(relay: str) -> str:
    return f"""model {relay}:
    input:
        imposed <- spike
        plastic <- spike

    output:
        spike

    onReceive(imposed):
        emit_spike()
"""


RELAY_TEXT = relay_text(RELAY)
# receptor numbers of the relay's ports (NESTML numbers spike ports from 1)
RECEPTORS = {"imposed": 1, "plastic": 2}
SYSTEM_PACKAGES = "cmake g++ make libboost-dev libgsl-dev libltdl-dev"


@dataclass
class NestmlParam:
    """A NESTML parameter: its name, our parameter (or a function of our values), its NESTML
    unit (``ms``, ``real`` ...) and the factor from our value in that unit."""
    nestml: str
    ours: str
    unit: str = "real"
    factor: float = 1.0
    guard: str = ""                 # NESTML guard, e.g. ">= 0 ms"

    def value(self, values) -> float:
        import brian2
        from .core import magnitude
        units = {"ms": brian2.ms, "s": brian2.second, "Hz": brian2.Hz, "mV": brian2.mV,
                 "pA": brian2.pA, "nS": brian2.nS, "real": None, "integer": None}
        if self.unit not in units:
            raise PlasticityError(f"NESTML unit '{self.unit}' has no Brian2 counterpart here")
        v = values[self.ours] if isinstance(self.ours, str) else self.ours(values)
        return magnitude(v, units[self.unit]) * self.factor


@dataclass
class NestmlRule:
    """The NESTML half of a rule that NEST does not ship (see the module docstring)."""
    name: str
    params: list
    state: str                       # NESTML state lines (the weight first)
    on_pre: str
    on_post: str | None = None
    equations: str = ""
    update: str = "integrate_odes()"
    why: str = ""                    # how the statements reproduce the Brian2 rule
    # state kept in the synapse, not moved into the paired neuron.  NESTML 9.0.0 moves the
    # post traces into the neuron and reads them there at the post spike's time from the
    # neuron's spike history, which NEST prunes once every synapse has seen an entry: a post
    # spike processed at a later pre spike then reads a trace without the pruned earlier post
    # spikes (measured: 3e-4 relative error of triplet weights against NEST's own
    # stdp_triplet_synapse).  Kept in the synapse, the traces are integrated by the synapse
    # between its own events, which needs no history.
    synaptic_state: tuple = ()
    # a state variable that counts events the rule had to drop (e.g. a full queue): the runner
    # refuses a result where it is not 0
    overflow: str = ""
    user: bool = False               # declared by a user (define_rule): the user module

    def __post_init__(self):
        if not self.name.endswith("_synapse"):      # NESTML tells synapses by the name
            raise PlasticityError(f"NESTML synapse model names end in '_synapse': {self.name}")

    @property
    def module(self) -> str:
        return USER_MODULE if self.user else MODULE

    @property
    def relay(self) -> str:
        return RELAYS[self.module]

    @property
    def synapse_model(self) -> str:
        return f"{self.name}__with_{self.relay}" if self.on_post else self.name

    @property
    def relay_model(self) -> str:
        return f"{self.relay}__with_{self.name}" if self.on_post else self.relay



def _indent(text: str, n: int) -> str:
    return "\n".join((" " * n + line) if line.strip() else "" for line in
                     text.strip("\n").splitlines())


def nestml_text(rule: NestmlRule, model) -> str:
    """The NESTML model of ``rule`` (parameters generated from ``model``'s default set)."""
    defaults = model.resolve(None)
    lines = []
    for p in rule.params:
        guard = f" [[{p.nestml} {p.guard}]]" if p.guard else ""
        lines.append(f"{p.nestml} {p.unit} = {p.value(defaults)!r} {_unit_suffix(p.unit)}"
                     f"{guard}".replace("  ", " ").rstrip())
    # d: the connection's delay (NESTML's delay_variable), for rules that compare spike times
    lines.append("d ms = 1 ms")
    blocks = [f"model {rule.name}:", "    state:", _indent(rule.state, 8), "",
              "    parameters:", _indent("\n".join(lines), 8), ""]
    if rule.equations.strip():
        blocks += ["    equations:", _indent(rule.equations, 8), ""]
    blocks += ["    input:", "        pre_spikes <- spike"]
    if rule.on_post:
        blocks += ["        post_spikes <- spike"]
    blocks += ["", "    output:", "        spike", ""]
    if rule.on_post:
        blocks += ["    onReceive(post_spikes):", _indent(rule.on_post, 8), ""]
    blocks += ["    onReceive(pre_spikes):", _indent(rule.on_pre, 8), ""]
    if rule.update.strip():
        blocks += ["    update:", _indent(rule.update, 8), ""]
    return "\n".join(blocks) + "\n"


def _unit_suffix(unit: str) -> str:
    return "" if unit in ("real", "integer", "boolean") else unit


def rules(module: str = MODULE) -> dict:
    """{rule name: (model, NestmlRule)} of every registered model's NESTML rule in ``module``."""
    from . import MODELS
    out = {}
    for model in MODELS.values():
        for mapping in (model.nest, getattr(model.nest, "variant", None)):
            rule = getattr(mapping, "nestml", None) if mapping is not None else None
            if rule is not None and rule.module == module:
                out[rule.name] = (model, rule)
    return out


def module_texts(module: str = MODULE) -> dict:
    """{file name: NESTML text} of ``module`` (its rules and its relay)."""
    texts = {f"{RELAYS[module]}.nestml": relay_text(RELAYS[module])}
    for name, (model, rule) in sorted(rules(module).items()):
        texts[f"{name}.nestml"] = nestml_text(rule, model)
    return texts


def _nest_version() -> str:
    import nest
    return str(nest.__version__)


def module_dir(module: str = MODULE, texts: dict | None = None) -> str:
    """Where ``module`` built from ``texts`` lives (keyed by their hash and the versions)."""
    texts = module_texts(module) if texts is None else texts
    h = hashlib.sha256(module.encode())
    for k in sorted(texts):
        h.update(k.encode() + b"\0" + texts[k].encode() + b"\0")
    h.update(f"nestml {NESTML_VERSION} nest {_nest_version()}".encode())
    h.update(BUILD_RECIPE.encode())             # what the build changes in generated code
    for name, (_, rule) in sorted(rules(module).items()):   # options that change the code
        h.update(f"{name} {sorted(rule.synaptic_state)}".encode())
    return os.path.join(cache_dir(), "nestml", h.hexdigest()[:16])


def library_path(module: str = MODULE, texts: dict | None = None) -> str:
    return os.path.join(module_dir(module, texts), "install", f"{module}.so")


def check_toolchain():
    """One line naming what is missing to build NESTML modules."""
    missing = [tool for tool in ("cmake", "g++", "make") if shutil.which(tool) is None]
    for header, package in (("boost/version.hpp", "libboost-dev"),
                            ("gsl/gsl_errno.h", "libgsl-dev"), ("ltdl.h", "libltdl-dev")):
        if not os.path.exists(os.path.join("/usr/include", header)):
            missing.append(package)
    try:
        import pynestml  # noqa: F401
    except ImportError:
        missing.append(f"nestml=={NESTML_VERSION} (pip)")
    if missing:
        raise PlasticityError(f"cannot build the NESTML module: missing {', '.join(missing)} "
                              f"(run: apt-get install {SYSTEM_PACKAGES}; or make install)")


def _write_nest_config(folder: str) -> str:
    """The replacement nest-config (see the module docstring); returns NESTML's nest_path."""
    import nest
    prefix = os.path.dirname(os.path.abspath(nest.__file__))
    answers = {
        "--prefix": prefix,
        "--includes": f"-I{prefix}/include/nest -I/usr/include",
        "--cflags": "-Wall -fopenmp -O2 -DNDEBUG -std=c++20 -D_GLIBCXX_USE_CXX11_ABI=0",
        "--libs": "",
        "--compiler": shutil.which("g++") or "g++",
        "--static-libraries": "OFF",
        "--version": _nest_version(),
    }
    os.makedirs(os.path.join(folder, "bin"), exist_ok=True)
    path = os.path.join(folder, "bin", "nest-config")
    cases = "\n".join(f'  {k}) echo "{v}";;' for k, v in answers.items())
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\ncase "$1" in\n{cases}\n  *) echo "";;\nesac\n')
    os.chmod(path, 0o755)
    return folder


def build(module: str = MODULE, texts: dict | None = None, quiet: bool = True) -> str:
    """Build ``module`` (if not cached intact) and return the path of its library.  A cached
    library is checked before it is used (its SHA-256 against the stamp written when it was
    built): a damaged one (deleted, truncated, overwritten) is rebuilt, with one line on stderr,
    instead of crashing NEST when it loads it."""
    import fcntl
    texts = module_texts(module) if texts is None else texts
    target = module_dir(module, texts)
    library = library_path(module, texts)
    if _usable(library):
        return library
    check_toolchain()
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _usable(library):                     # built by another process meanwhile
            return library
        if os.path.exists(target):
            sys.stderr.write(f"plasticity: the cached NESTML module {library} is damaged "
                             f"({intact(library)}); rebuilding it\n")
        remove_leftovers(parent, "build")        # what killed builds left
        tmp = temporary_name(parent, "build", directory=True)
        try:
            _generate(module, texts, tmp, quiet)
            built = os.path.join(tmp, "install", f"{module}.so")
            if not os.path.exists(built):
                raise PlasticityError("the NESTML build produced no module library")
            stamp(built)
            shutil.rmtree(os.path.join(tmp, "target"), ignore_errors=True)
            shutil.rmtree(target, ignore_errors=True)
            os.rename(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return library


def _usable(library: str) -> bool:
    """The cached ``library`` is as built.  One built before stamps existed is stamped now if
    it is a whole ELF file (its section headers, at its end, are all there)."""
    problem = intact(library)
    if problem == "it has no integrity stamp" and _elf_complete(library):
        try:
            stamp(library)
        except OSError:
            return False
        return True
    return not problem


def _elf_complete(path: str) -> bool:
    import struct
    try:
        with open(path, "rb") as f:
            head = f.read(64)
        size = os.path.getsize(path)
    except OSError:
        return False
    if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        return False                             # 64-bit little-endian, as built here
    shoff, = struct.unpack_from("<Q", head, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", head, 0x3A)
    return shnum > 0 and size >= shoff + shentsize * shnum


# The generated synapse's check_connection ends the process (``exit(1)``) when the postsynaptic
# node is not the neuron it was generated with (NESTML 9.0.0, SynapseHeader.h.jinja2): no
# Python ``try`` can catch that, and a notebook kernel dies.  The build replaces it, in the
# generated C++ before compiling, with NEST's IllegalConnection, which PyNEST raises as
# ``nest.NESTErrors.IllegalConnection`` (the package checks before connecting anyway:
# pynn_types / nest_api; this is the net under a user's own ``nest.Connect``).
BUILD_RECIPE = "check_connection throws IllegalConnection (1)"
_EXIT_ON_WRONG_NEURON = re.compile(
    r'std::cerr\s*<<\s*"wrong type of neuron connected! Synapse \'([^\']*)\' will only work with '
    r'neuron \'([^\']*)\'\.\\n";\s*exit\(\s*1\s*\);')


def _throw_on_wrong_neuron(target: str) -> int:
    """Rewrite every generated header under ``target``: exit(1) -> throw IllegalConnection.
    Returns the number of replacements (one per synapse paired with a neuron)."""
    count = 0
    for root, _, files in os.walk(target):
        for name in files:
            if not name.endswith(".h"):
                continue
            path = os.path.join(root, name)
            text = open(path).read()
            new, n = _EXIT_ON_WRONG_NEURON.subn(
                lambda m: f'throw nest::IllegalConnection( "{m.group(1)} connects only onto '
                          f'{m.group(2)} (a NESTML synapse that reads postsynaptic spikes runs '
                          f'onto the neuron it was generated with)" );', text)
            if n:
                with open(path, "w") as f:
                    f.write(new)
                count += n
    return count


@contextlib.contextmanager
def _patched_builder(expected: int):
    """During one generate_nest_target call: rewrite the generated code before NESTML's
    builder compiles it, and check that every paired synapse was rewritten."""
    from pynestml.codegeneration.nest_builder import NESTBuilder
    from pynestml.frontend.frontend_configuration import FrontendConfiguration
    original = NESTBuilder.build

    def build(self):
        found = _throw_on_wrong_neuron(FrontendConfiguration.get_target_path())
        if found != expected:
            raise PlasticityError(f"NESTML build: expected {expected} connection checks to "
                                  f"make safe in the generated code, found {found}")
        return original(self)

    NESTBuilder.build = build
    try:
        yield
    finally:
        NESTBuilder.build = original


def _generate(module, texts, folder, quiet):
    src = os.path.join(folder, "src")
    os.makedirs(src)
    for name, text in texts.items():
        with open(os.path.join(src, name), "w") as f:
            f.write(text)
    pairs = [(name, rule) for name, (_, rule) in sorted(rules(module).items()) if rule.on_post]
    pairs = [p for p in pairs if f"{p[0]}.nestml" in texts]
    opts = {"nest_path": _write_nest_config(os.path.join(folder, "nest_prefix"))}
    if pairs:
        opts["neuron_synapse_pairs"] = [
            {"neuron": RELAYS[module], "synapses": {name: {"post_ports": ["post_spikes"]}}}
            for name, _ in pairs]
    opts["weight_variable"] = {name: "w" for name, _ in rules(module).items()
                               if f"{name}.nestml" in texts}
    opts["delay_variable"] = {name: "d" for name in opts["weight_variable"]}
    opts["strictly_synaptic_vars"] = {name: list(rule.synaptic_state) for name, rule in pairs
                                      if rule.synaptic_state}
    log = os.path.join(folder, "build.log")
    from pynestml.frontend.pynestml_frontend import generate_nest_target
    saved = os.dup(1), os.dup(2)
    env_path = os.environ.get("PATH", "")
    failure = None
    f = None
    try:
        with open(log, "w") as f:                   # NESTML, cmake and make write to fds 1, 2
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(f.fileno(), 1)
            os.dup2(f.fileno(), 2)
            os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env_path
            # (and Python's own sys.stdout, which may not be fd 1, e.g. under pytest)
            with contextlib.redirect_stdout(f), contextlib.redirect_stderr(f), \
                    _patched_builder(len(pairs)):
                generate_nest_target(input_path=src, target_path=os.path.join(folder, "target"),
                                     install_path=os.path.join(folder, "install"),
                                     module_name=module, logging_level="ERROR",
                                     codegen_opts=opts)
    except Exception as err:                        # noqa: BLE001 (NESTML raises many kinds)
        failure = f"{type(err).__name__}: {err}"
    finally:
        if f is not None:
            _release_stream(f)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        os.environ["PATH"] = env_path
    if not quiet:
        print(open(log, errors="replace").read())
    # NESTML skips a model with errors and builds the rest: any error line fails the build
    detail = _first_error(log, nestml_only=True) or (failure and (_first_error(log) or failure))
    if detail:
        raise PlasticityError(f"NESTML build failed: {detail}")


def _release_stream(stream):
    """Logging handlers that NESTML (and the packages it imports) installed while ``sys.stderr``
    was the build log keep that stream after it is closed: every later warning would print
    "--- Logging error --- ValueError: I/O operation on closed file".  Point them at the real
    stderr."""
    import logging
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                       if isinstance(lg, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and \
                    getattr(handler, "stream", None) is stream:
                handler.acquire()
                try:
                    handler.stream = sys.stderr     # (setStream would flush the closed one)
                finally:
                    handler.release()


def _first_error(log: str, nestml_only: bool = False) -> str:
    try:
        lines = open(log, errors="replace").read().splitlines()
    except OSError:
        return ""
    for line in lines:                  # NESTML's own messages: "[n, model, ERROR, [pos]]: ..."
        if ", ERROR, " in line:
            return line.strip()[:300]
    if nestml_only:
        return ""
    for line in lines:                  # the compiler's
        if "error:" in line or "Error" in line:
            return line.strip()[:300]
    return ""


def install(nest, module: str = MODULE):
    """Build if needed, then load ``module`` into the running NEST kernel (once per kernel:
    ``ResetKernel`` unloads it).  Under PyNN call it after ``sim.setup()``: it also makes the
    ``_lbl`` copies pyNN.nest expects of every synapse model."""
    relay = RELAYS[module]
    if relay in nest.node_models:               # loaded in this kernel: nothing to do
        return
    if nest.network_size > 0:
        raise PlasticityError("the NESTML module must be loaded before any node is created: "
                              "call plasticity.models.nestml.install(nest) right after "
                              "sim.setup() (or nest.ResetKernel())")
    nest.Install(build(module))
    names = set(rules(module))
    for name in list(nest.synapse_models):
        if name.endswith("__with_" + relay) or name in names:
            if name + "_lbl" not in nest.synapse_models:
                nest.CopyModel(name, name + "_lbl")
