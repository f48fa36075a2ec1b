"""The ``weights_only=True`` unpickler: runs no code that the file chooses.

A pickle is a little program; Python's unpickler will call any function the program names.
This one interprets the opcodes itself and only lets the program name the globals of an
allowlist (tensor rebuild functions, storages, dtypes, ``Size``, ``device``,
``OrderedDict``... plus what the user adds with ``add_safe_globals``), only call those, and
only set state (BUILD) on tensors, ``OrderedDict`` and allowlisted types. Every malformed
input ends in ``pickle.UnpicklingError`` (or the clear error of a rebuild function), never a
crash or a hang: the data is read from memory and every length is checked against it.
"""
import _compat_pickle
import codecs
import pickle
import pickletools
import struct
from collections import Counter, OrderedDict
from pickle import UnpicklingError

BLOCKED_MODULES = ("sys", "os", "posix", "nt")

_unpack_i = struct.Struct("<i").unpack_from
_unpack_I = struct.Struct("<I").unpack_from
_unpack_H = struct.Struct("<H").unpack_from
_unpack_Q = struct.Struct("<Q").unpack_from
_unpack_d = struct.Struct(">d").unpack_from


def _encode(obj, encoding="latin1"):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes (text codecs only)."""
    if not isinstance(obj, str) or codecs.lookup(encoding).name not in ("iso8859-1", "utf-8",
                                                                          "ascii"):
        raise UnpicklingError("_codecs.encode is only allowed to rebuild bytes")
    return codecs.encode(obj, encoding)


def _bytearray(*args):
    if len(args) > 1 or (args and not isinstance(args[0], (bytes, bytearray, str))):
        raise UnpicklingError("bytearray may only be rebuilt from bytes")
    return bytearray(*(args if not args or not isinstance(args[0], str) else
                       (args[0], "latin1")))


def base_globals():
    """Python's own safe globals, keyed by 'module.name'."""
    return {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
            "_codecs.encode": _encode, "builtins.bytearray": _bytearray,
            "builtins.set": set, "builtins.frozenset": frozenset,
            "builtins.complex": complex, "builtins.slice": slice}


def unsupported_global_message(module, name):
    """PyTorch's error text for a global that the allowlist lacks."""
    full = "%s.%s" % (module, name)
    if full.startswith("builtins."):
        full = full[len("builtins."):]
    return ("Unsupported global: GLOBAL %s was not an allowed global by default. Please use "
            "`torch.serialization.add_safe_globals([%s])` or the "
            "`torch.serialization.safe_globals([%s])` context manager to allowlist this global "
            "if you trust this class/function." % (full, full, full))


class _Mark:
    """Stack marker pushed by MARK."""


class SafeUnpickler:
    """Unpickles `data` (bytes) allowing only the globals of `allowed` ({'mod.name': obj})."""

    def __init__(self, data, allowed, persistent_load=None, build_types=(), encoding="utf-8",
                 tensor_types=(), start=0):
        self._data = bytes(data)
        self._pos = start
        self._allowed = allowed
        self._callables = {id(v): v for v in allowed.values()}
        self._persistent_load = persistent_load
        self._build_types = tuple(build_types)
        self._tensor_types = tuple(tensor_types)
        self._encoding = encoding
        self.proto = 0
        self._ops = _OPS_BY_PROTOCOL[1]     # until a PROTO opcode says otherwise

    # --- reading ------------------------------------------------------------------------------
    def _read(self, n):
        pos = self._pos
        end = pos + n
        if n < 0 or end > len(self._data):
            raise UnpicklingError("pickle data was truncated")
        self._pos = end
        return self._data[pos:end]

    def _readline(self):
        data = self._data
        i = data.find(b"\n", self._pos)
        if i < 0:
            raise UnpicklingError("pickle data was truncated")
        line = data[self._pos:i]
        self._pos = i + 1
        return line

    def _u8(self):
        return self._read(1)[0]

    # --- the machine --------------------------------------------------------------------------
    def load(self):
        self.stack = []
        self.memo = {}
        try:
            while True:
                code = self._read(1)[0]
                op = self._ops.get(code)
                if op is None:
                    raise UnpicklingError("Unsupported operand %d" % code)
                if op is _stop:
                    # the top of the stack, as PyTorch's and Python's unpicklers return it
                    if not self.stack or isinstance(self.stack[-1], _Mark):
                        raise UnpicklingError("unpickling stack is empty at STOP")
                    return self.stack.pop()
                op(self)
        except UnpicklingError:
            raise
        except (IndexError, KeyError, TypeError, ValueError, AttributeError, OverflowError,
                LookupError, struct.error, MemoryError, RecursionError, AssertionError) as e:
            # rebuild functions raise RuntimeError themselves; anything else means bad data
            raise UnpicklingError("corrupt pickle data (%s: %s)" % (type(e).__name__, e)) \
                from None

    def _pop(self):
        v = self.stack.pop()
        if isinstance(v, _Mark):
            raise UnpicklingError("unexpected MARK on the unpickling stack")
        return v

    def _pop_mark(self):
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if isinstance(stack[i], _Mark):
                items = stack[i + 1:]
                del stack[i:]
                return items
        raise UnpicklingError("could not find MARK")

    def _push(self, v):
        self.stack.append(v)

    def _top(self):
        v = self.stack[-1]
        if isinstance(v, _Mark):
            raise UnpicklingError("unexpected MARK on the unpickling stack")
        return v

    # globals and calls
    def _find(self, module, name):
        if self.proto < 3:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        full = "%s.%s" % (module, name)
        if module in BLOCKED_MODULES or module.split(".")[0] in BLOCKED_MODULES:
            raise UnpicklingError("Trying to load unsupported GLOBAL %s whose module %s is "
                                  "blocked." % (full, module))
        obj = self._allowed.get(full)
        if obj is None:
            raise UnpicklingError(unsupported_global_message(module, name))
        return obj

    def _call(self, func, args):
        """``func(*args)`` for an allowlisted `func`; like PyTorch, `args` may be any iterable
        (an empty dict calls ``OrderedDict()`` as an empty tuple would)."""
        if id(func) not in self._callables:
            raise UnpicklingError("Trying to call reduce for unrecognized function %r" % (func,))
        return func(*args)

    def op_global(self):
        module = self._readline().decode("utf-8")
        name = self._readline().decode("utf-8")
        self._push(self._find(module, name))

    def op_stack_global(self):
        name = self._pop()
        module = self._pop()
        if type(name) is not str or type(module) is not str:
            raise UnpicklingError("STACK_GLOBAL requires str")
        self._push(self._find(module, name))

    def op_reduce(self):
        args = self._pop()
        func = self._pop()
        self._push(self._call(func, args))

    def op_newobj(self):
        args = self._pop()
        cls = self._pop()
        self._push(self._new(cls, args, {}))

    def op_newobj_ex(self):
        kwargs = self._pop()
        args = self._pop()
        cls = self._pop()
        if type(kwargs) is not dict:
            raise UnpicklingError("NEWOBJ_EX expects keyword arguments")
        self._push(self._new(cls, args, kwargs))

    def _new(self, cls, args, kwargs):
        if not isinstance(cls, type) or id(cls) not in self._callables:
            raise UnpicklingError("Can only create new object for nn.Parameter or classes "
                                  "allowlisted via `add_safe_globals` but got %r" % (cls,))
        if issubclass(cls, self._tensor_types):
            return cls(*args, **kwargs)
        return cls.__new__(cls, *args, **kwargs)

    def op_build(self):
        state = self._pop()
        inst = self._top()
        t = type(inst)
        if t is OrderedDict:
            if state:
                if not isinstance(state, dict):
                    raise UnpicklingError("bad OrderedDict state")
                inst.__dict__.update(state)
            return
        if isinstance(inst, self._tensor_types):
            from .rebuild import set_obj_state
            set_obj_state(inst, state)
            return
        if t not in self._build_types and id(t) not in self._callables:
            raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types "
                                  "allowlisted via `add_safe_globals`, but got %r" % (t,))
        setstate = getattr(inst, "__setstate__", None)
        if setstate is not None:
            setstate(state)
            return
        slots = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        if state:
            inst.__dict__.update(state)
        if slots:
            for k, v in slots.items():
                setattr(inst, k, v)

    def op_persid(self):
        pid = self._readline().decode("ascii")
        self._push(self._persistent(pid))

    def op_binpersid(self):
        self._push(self._persistent(self._pop()))

    def _persistent(self, pid):
        if self._persistent_load is None:
            raise UnpicklingError("A load persistent id instruction was encountered, but no "
                                  "persistent_load function was specified.")
        if type(pid) is not tuple and type(pid) is not int:
            raise UnpicklingError("persistent_load id must be tuple or int, but got %s"
                                  % type(pid))
        if type(pid) is tuple and (not pid or pid[0] not in ("storage", b"storage")):
            raise UnpicklingError("Only persistent_load of storage is allowed, but got %r"
                                  % (pid[0] if pid else pid,))
        return self._persistent_load(pid)

    # containers
    def op_mark(self):
        self.stack.append(_Mark())

    def op_pop(self):
        if self.stack and isinstance(self.stack[-1], _Mark):
            self.stack.pop()
        else:
            self._pop()

    def op_pop_mark(self):
        self._pop_mark()

    def op_dup(self):
        self._push(self._top())

    def op_empty_list(self):
        self._push([])

    def op_list(self):
        self._push(self._pop_mark())

    def op_append(self):
        v = self._pop()
        lst = self._top()
        if type(lst) is not list:
            raise UnpicklingError("Can only append to lists, but got %s" % type(lst))
        lst.append(v)

    def op_appends(self):
        items = self._pop_mark()
        lst = self._top()
        if type(lst) is not list:
            raise UnpicklingError("Can only extend lists, but got %s" % type(lst))
        lst.extend(items)

    def op_empty_tuple(self):
        self._push(())

    def op_tuple(self):
        self._push(tuple(self._pop_mark()))

    def op_tuple1(self):
        self._push((self._pop(),))

    def op_tuple2(self):
        b = self._pop()
        self._push((self._pop(), b))

    def op_tuple3(self):
        c = self._pop()
        b = self._pop()
        self._push((self._pop(), b, c))

    def op_empty_dict(self):
        self._push({})

    def op_dict(self):
        items = self._pop_mark()
        if len(items) % 2:
            raise UnpicklingError("odd number of items for DICT")
        self._push({items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)})

    def _dict_target(self, opname):
        d = self._top()
        if type(d) not in (dict, OrderedDict, Counter):
            raise UnpicklingError("Can only %s for dict, collections.OrderedDict, "
                                  "collections.Counter, but got %s" % (opname, type(d)))
        return d

    def op_setitem(self):
        v = self._pop()
        k = self._pop()
        self._dict_target("SETITEM")[k] = v

    def op_setitems(self):
        items = self._pop_mark()
        d = self._dict_target("SETITEMS")
        if len(items) % 2:
            raise UnpicklingError("odd number of items for SETITEMS")
        for i in range(0, len(items), 2):
            d[items[i]] = items[i + 1]

    def op_empty_set(self):
        self._push(set())

    def op_additems(self):
        items = self._pop_mark()
        s = self._top()
        if type(s) is not set:
            raise UnpicklingError("Can only add items to sets, but got %s" % type(s))
        s.update(items)

    def op_frozenset(self):
        self._push(frozenset(self._pop_mark()))

    # memo
    def _get(self, i):
        try:
            self._push(self.memo[i])
        except KeyError:
            raise UnpicklingError("Memo value not found at index %d" % i) from None

    def op_get(self):
        self._get(int(self._readline()))

    def op_binget(self):
        self._get(self._u8())

    def op_long_binget(self):
        self._get(_unpack_I(self._read(4))[0])

    def op_put(self):
        i = int(self._readline())
        if i < 0:
            raise UnpicklingError("negative PUT argument")
        self.memo[i] = self._top()

    def op_binput(self):
        self.memo[self._u8()] = self._top()

    def op_long_binput(self):
        self.memo[_unpack_I(self._read(4))[0]] = self._top()

    def op_memoize(self):
        self.memo[len(self.memo)] = self._top()

    # scalars
    def op_none(self):
        self._push(None)

    def op_true(self):
        self._push(True)

    def op_false(self):
        self._push(False)

    def op_int(self):
        line = self._readline()
        if line == b"00":
            self._push(False)
        elif line == b"01":
            self._push(True)
        else:
            self._push(int(line))

    def op_binint(self):
        self._push(_unpack_i(self._read(4))[0])

    def op_binint1(self):
        self._push(self._u8())

    def op_binint2(self):
        self._push(_unpack_H(self._read(2))[0])

    def op_long(self):
        line = self._readline()
        self._push(int(line[:-1] if line.endswith(b"L") else line))

    def op_long1(self):
        self._push(pickle.decode_long(self._read(self._u8())))

    def op_long4(self):
        n = _unpack_i(self._read(4))[0]
        if n < 0:
            raise UnpicklingError("LONG pickle has negative byte count")
        self._push(pickle.decode_long(self._read(n)))

    def op_float(self):
        self._push(float(self._readline()))

    def op_binfloat(self):
        self._push(_unpack_d(self._read(8))[0])

    # strings and bytes
    def _py2_string(self, data):
        if self._encoding == "bytes":
            return data
        return data.decode(self._encoding, "strict")

    def op_string(self):
        data = self._readline()
        if len(data) < 2 or data[0] != data[-1] or data[0] not in b"\"'":
            raise UnpicklingError("the STRING opcode argument must be quoted")
        self._push(self._py2_string(codecs.escape_decode(data[1:-1])[0]))

    def op_binstring(self):
        n = _unpack_i(self._read(4))[0]
        self._push(self._py2_string(self._read(n)))

    def op_short_binstring(self):
        self._push(self._py2_string(self._read(self._u8())))

    def op_binbytes(self):
        self._push(self._read(_unpack_I(self._read(4))[0]))

    def op_short_binbytes(self):
        self._push(self._read(self._u8()))

    def op_binbytes8(self):
        self._push(self._read(_unpack_Q(self._read(8))[0]))

    def op_bytearray8(self):
        self._push(bytearray(self._read(_unpack_Q(self._read(8))[0])))

    def op_unicode(self):
        self._push(self._readline().decode("raw-unicode-escape"))

    def op_binunicode(self):
        self._push(str(self._read(_unpack_I(self._read(4))[0]), "utf-8", "surrogatepass"))

    def op_short_binunicode(self):
        self._push(str(self._read(self._u8()), "utf-8", "surrogatepass"))

    def op_binunicode8(self):
        self._push(str(self._read(_unpack_Q(self._read(8))[0]), "utf-8", "surrogatepass"))

    # framing
    def op_proto(self):
        proto = self._u8()       # any number, as PyTorch's weights-only unpickler takes it
        self.proto = proto
        if self._ops is not _TORCH_OPS:     # once protocol 2 is declared, it stays
            self._ops = _OPS_BY_PROTOCOL[min(proto, pickle.HIGHEST_PROTOCOL)]

    def op_frame(self):
        self._read(8)   # frames only group opcodes; the data is already in memory


def _stop(self):   # marker: load() handles STOP itself
    raise AssertionError


_OPCODES = {
    pickle.GLOBAL: SafeUnpickler.op_global, pickle.STACK_GLOBAL: SafeUnpickler.op_stack_global,
    pickle.REDUCE: SafeUnpickler.op_reduce, pickle.NEWOBJ: SafeUnpickler.op_newobj,
    pickle.NEWOBJ_EX: SafeUnpickler.op_newobj_ex, pickle.BUILD: SafeUnpickler.op_build,
    pickle.PERSID: SafeUnpickler.op_persid, pickle.BINPERSID: SafeUnpickler.op_binpersid,
    pickle.MARK: SafeUnpickler.op_mark, pickle.POP: SafeUnpickler.op_pop,
    pickle.POP_MARK: SafeUnpickler.op_pop_mark, pickle.DUP: SafeUnpickler.op_dup,
    pickle.EMPTY_LIST: SafeUnpickler.op_empty_list, pickle.LIST: SafeUnpickler.op_list,
    pickle.APPEND: SafeUnpickler.op_append, pickle.APPENDS: SafeUnpickler.op_appends,
    pickle.EMPTY_TUPLE: SafeUnpickler.op_empty_tuple, pickle.TUPLE: SafeUnpickler.op_tuple,
    pickle.TUPLE1: SafeUnpickler.op_tuple1, pickle.TUPLE2: SafeUnpickler.op_tuple2,
    pickle.TUPLE3: SafeUnpickler.op_tuple3, pickle.EMPTY_DICT: SafeUnpickler.op_empty_dict,
    pickle.DICT: SafeUnpickler.op_dict, pickle.SETITEM: SafeUnpickler.op_setitem,
    pickle.SETITEMS: SafeUnpickler.op_setitems, pickle.EMPTY_SET: SafeUnpickler.op_empty_set,
    pickle.ADDITEMS: SafeUnpickler.op_additems, pickle.FROZENSET: SafeUnpickler.op_frozenset,
    pickle.GET: SafeUnpickler.op_get, pickle.BINGET: SafeUnpickler.op_binget,
    pickle.LONG_BINGET: SafeUnpickler.op_long_binget, pickle.PUT: SafeUnpickler.op_put,
    pickle.BINPUT: SafeUnpickler.op_binput, pickle.LONG_BINPUT: SafeUnpickler.op_long_binput,
    pickle.MEMOIZE: SafeUnpickler.op_memoize, pickle.NONE: SafeUnpickler.op_none,
    pickle.NEWTRUE: SafeUnpickler.op_true, pickle.NEWFALSE: SafeUnpickler.op_false,
    pickle.INT: SafeUnpickler.op_int, pickle.BININT: SafeUnpickler.op_binint,
    pickle.BININT1: SafeUnpickler.op_binint1, pickle.BININT2: SafeUnpickler.op_binint2,
    pickle.LONG: SafeUnpickler.op_long, pickle.LONG1: SafeUnpickler.op_long1,
    pickle.LONG4: SafeUnpickler.op_long4, pickle.FLOAT: SafeUnpickler.op_float,
    pickle.BINFLOAT: SafeUnpickler.op_binfloat, pickle.STRING: SafeUnpickler.op_string,
    pickle.BINSTRING: SafeUnpickler.op_binstring,
    pickle.SHORT_BINSTRING: SafeUnpickler.op_short_binstring,
    pickle.BINBYTES: SafeUnpickler.op_binbytes,
    pickle.SHORT_BINBYTES: SafeUnpickler.op_short_binbytes,
    pickle.BINBYTES8: SafeUnpickler.op_binbytes8, pickle.BYTEARRAY8: SafeUnpickler.op_bytearray8,
    pickle.UNICODE: SafeUnpickler.op_unicode, pickle.BINUNICODE: SafeUnpickler.op_binunicode,
    pickle.SHORT_BINUNICODE: SafeUnpickler.op_short_binunicode,
    pickle.BINUNICODE8: SafeUnpickler.op_binunicode8, pickle.PROTO: SafeUnpickler.op_proto,
    pickle.FRAME: SafeUnpickler.op_frame, pickle.STOP: _stop,
}
_ALL_OPS = {code[0]: fn for code, fn in _OPCODES.items()}
# The opcodes of PyTorch's weights-only unpickler: all that ``torch.save`` (protocol 2) writes
_TORCH_OPS = {code[0]: _ALL_OPS[code[0]] for code in (
    pickle.GLOBAL, pickle.NEWOBJ, pickle.REDUCE, pickle.BUILD, pickle.APPEND, pickle.APPENDS,
    pickle.SETITEM, pickle.SETITEMS, pickle.MARK, pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2,
    pickle.TUPLE3, pickle.NONE, pickle.NEWFALSE, pickle.NEWTRUE, pickle.EMPTY_TUPLE,
    pickle.EMPTY_LIST, pickle.EMPTY_DICT, pickle.EMPTY_SET, pickle.BININT, pickle.BININT1,
    pickle.BININT2, pickle.BINFLOAT, pickle.BINUNICODE, pickle.SHORT_BINSTRING,
    pickle.BINPERSID, pickle.BINGET, pickle.LONG_BINGET, pickle.BINPUT, pickle.LONG_BINPUT,
    pickle.LONG1, pickle.PROTO, pickle.STOP)}
_OP_PROTOCOL = {ord(op.code): op.proto for op in pickletools.opcodes}


def _ops_for(protocol):
    """The opcode table of a pickle declaring `protocol`. Protocol 2 (what ``torch.save``
    writes) gets exactly PyTorch's opcodes, so such a file loads in ember only if it loads in
    PyTorch (a MEMOIZE or a DUP there is damage). Ember-specific: pickles of the other
    protocols, which PyTorch's weights-only loader mostly refuses, may use every opcode their
    protocol defines, and PyTorch's."""
    if protocol == 2:
        return _TORCH_OPS
    return {code: fn for code, fn in _ALL_OPS.items()
            if code in _TORCH_OPS or _OP_PROTOCOL[code] <= protocol}


_OPS_BY_PROTOCOL = {p: _ops_for(p) for p in range(pickle.HIGHEST_PROTOCOL + 1)}
