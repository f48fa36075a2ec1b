"""Data types: PyTorch's dtype objects over NumPy dtypes, and PyTorch's type promotion.

`bfloat16` has no NumPy type; ember stores it in float32 arrays whose values are rounded
to bfloat16's 8-bit mantissa, so it computes like PyTorch's bfloat16 at float32 speed.
"""
import numpy as np


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32``)."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_legacy", "_rank")

    def __init__(self, name, np_type, itemsize, legacy, rank):
        self.name = name
        self.np = np.dtype(np_type)
        self.itemsize = itemsize
        self.is_floating_point = name in ("float16", "bfloat16", "float32", "float64")
        self.is_complex = name.startswith("complex")
        self.is_signed = name not in ("bool", "uint8")
        self._legacy = legacy          # the legacy tensor type name, 'FloatTensor'
        self._rank = rank              # position in the promotion lattice of its category

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self):
        return {"float32": complex64, "float64": complex128, "float16": complex64,
                "bfloat16": complex64}.get(self.name, self)


bool_ = dtype("bool", np.bool_, 1, "BoolTensor", 0)
uint8 = dtype("uint8", np.uint8, 1, "ByteTensor", 1)
int8 = dtype("int8", np.int8, 1, "CharTensor", 1)
int16 = dtype("int16", np.int16, 2, "ShortTensor", 2)
int32 = dtype("int32", np.int32, 4, "IntTensor", 3)
int64 = dtype("int64", np.int64, 8, "LongTensor", 4)
float16 = dtype("float16", np.float16, 2, "HalfTensor", 1)
bfloat16 = dtype("bfloat16", np.float32, 2, "BFloat16Tensor", 1)
float32 = dtype("float32", np.float32, 4, "FloatTensor", 2)
float64 = dtype("float64", np.float64, 8, "DoubleTensor", 3)
complex64 = dtype("complex64", np.complex64, 8, "ComplexFloatTensor", 1)
complex128 = dtype("complex128", np.complex128, 16, "ComplexDoubleTensor", 2)
uint16 = dtype("uint16", np.uint16, 2, "UInt16Tensor", 2)
uint32 = dtype("uint32", np.uint32, 4, "UInt32Tensor", 3)
uint64 = dtype("uint64", np.uint64, 8, "UInt64Tensor", 4)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128, uint16, uint32, uint64)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL if d is not bfloat16}
_BY_LEGACY = {d._legacy: d for d in ALL}

# PyTorch's aliases: torch.float, torch.long, ...
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "cfloat": complex64, "cdouble": complex128, "bool": bool_,
           "bfloat16": bfloat16, "uint8": uint8, "int8": int8, "complex32": complex64}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy(np_dtype):
    """The ember dtype of a NumPy dtype; TypeError for types PyTorch has no tensor of."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            "can't convert np.ndarray of type %s. The only supported types are: float64, float32, "
            "float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
            "uint8, and bool." % np.dtype(np_dtype)) from None


def category(d):
    """0 bool, 1 integer, 2 floating, 3 complex."""
    if d is bool_:
        return 0
    if d.is_complex:
        return 3
    if d.is_floating_point:
        return 2
    return 1


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def default_complex():
    return complex128 if _default[0] is float64 else complex64


def promote_types(a, b):
    """The smallest dtype both `a` and `b` convert to without losing their category."""
    if a is b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if category(hi) == 3 and category(lo) == 2:
            return complex128 if (lo is float64 or hi is complex128) else complex64
        return hi
    if ca == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    if ca == 3:
        return complex128 if complex128 in (a, b) else complex64
    # integers: NumPy's rules agree with PyTorch's for every pair PyTorch supports
    if a.name.startswith("uint") and a is not uint8 or b.name.startswith("uint") and b is not uint8:
        raise TypeError("Promotion for uint16, uint32, uint64 types is not supported, attempted "
                        "to promote %s and %s" % (a.name.capitalize(), b.name.capitalize()))
    return from_numpy(np.promote_types(a.np, b.np))


def scalar_dtype(x):
    """The dtype PyTorch gives a Python scalar operand (a 'wrapped number')."""
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, complex):
        return default_complex()
    return _default[0]


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = category(higher), category(lower)
    if ch == 3:
        return higher
    if cl == 3:
        return higher.to_complex() if ch == 2 else lower
    if ch == 2:
        return higher
    if higher is bool_ or cl == 2:
        return promote_types(higher, lower)
    return higher


def result_type_of(dims, zero_dims, scalars):
    """PyTorch's result type from the dtypes of dimensioned tensors, 0-d tensors and Python
    scalars (the three priority groups of ``torch.result_type``)."""
    res = [None, None, None]
    for i, group in enumerate((dims, zero_dims, scalars)):
        for d in group:
            res[i] = d if res[i] is None else promote_types(res[i], d)
    return _combine(_combine(res[0], res[1]), res[2])


def can_cast(from_, to):
    """Whether PyTorch's in-place ops allow casting `from_` into `to` (no category drop)."""
    return category(from_) <= category(to)


def to_dtype(x):
    """Accepts an ember dtype, a NumPy dtype or type, or a Python type (float, int, bool)."""
    if isinstance(x, dtype):
        return x
    if x is float:
        return float64
    if x is int:
        return int64
    if x is bool:
        return bool_
    if x is complex:
        return complex128
    if isinstance(x, str):
        name = x[len("torch."):] if x.startswith("torch.") else x
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in ALIASES:
            return ALIASES[name]
    return from_numpy(x)


def finfo_of(d):
    return np.finfo(np.float32 if d is bfloat16 else d.np)
