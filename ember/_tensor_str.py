"""Tensor printing: ``repr(tensor)`` and ``str(tensor)``, character for character as PyTorch.

PyTorch prints every element of a tensor with one shared format chosen from the values
(integers, fixed point with ``precision`` digits, or scientific notation), right-aligned
to one width, wrapped at ``linewidth`` and, beyond ``threshold`` elements, summarised to
``edgeitems`` items at each end of every dimension. Suffixes such as ``dtype=torch.int32``
or ``grad_fn=<MulBackward0>`` follow the values.

Specific to ember: the values come from the NumPy array ``t._data``. That array may be a
huge broadcast view (``expand``), so a summarised tensor is only ever sliced: the elements
that are not shown are never read or copied.
"""
import numpy as np

from ._dtype import default_complex, get_default_dtype

_INF = float("inf")

# The option values of each profile of `set_printoptions`.
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": _INF, "edgeitems": 3, "linewidth": 80},
}


class _PrintOptions:
    """The current print options (PyTorch's ``torch._tensor_str.PRINT_OPTS``)."""

    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        for name, value in _PROFILES["default"].items():
            setattr(self, name, value)
        self.sci_mode = None

    def as_dict(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self):
        return "_PrintOptions(%s)" % ", ".join("%s=%r" % kv for kv in self.as_dict().items())


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing (PyTorch: "Items shamelessly taken from NumPy").

    ``profile`` ('default', 'short' or 'full') sets all four numeric options first; the
    other arguments then override it. As in PyTorch, an unknown profile is ignored and
    ``sci_mode`` is always set, so any call without ``sci_mode`` resets it to None
    (automatic choice).
    """
    if profile is not None:
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """Gets the current options for printing, as a dictionary that can be passed as
    ``**kwargs`` to set_printoptions()."""
    return PRINT_OPTS.as_dict()


class printoptions:
    """Context manager that temporarily changes the print options; accepts the arguments
    of :func:`set_printoptions`.

    PyTorch builds it with ``contextlib.contextmanager``; this class behaves the same:
    the options change on entering, are restored on leaving, and it also works as a
    function decorator.
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._saved = []

    def __enter__(self):
        self._saved.append(get_printoptions())
        set_printoptions(**self._kwargs)
        return None

    def __exit__(self, *exc_info):
        set_printoptions(**self._saved.pop())
        return False

    def __call__(self, func):
        def wrapper(*args, **kwargs):
            with printoptions(**self._kwargs):
                return func(*args, **kwargs)
        wrapper.__name__ = getattr(func, "__name__", "wrapper")
        wrapper.__doc__ = getattr(func, "__doc__", None)
        return wrapper


def _is_finite(x):
    """Whether the Python number `x` is neither infinite nor nan (nan fails both tests)."""
    return -_INF < x < _INF


class _Formatter:
    """One shared notation and width for the elements of a tensor (PyTorch's _Formatter).

    Integers and bools are printed with ``str``. Floating values, judged on the nonzero
    finite ones only, use:

    * scientific notation (``1.2346e+05``) when ``sci_mode`` is set, or when it is None
      and the largest magnitude exceeds 1e8, or the smallest is below 1e-4, or their
      ratio exceeds 1000;
    * otherwise, when every value is a whole number, "int mode": ``3.`` (the dot marks
      the tensor as floating);
    * otherwise fixed point with ``precision`` decimals.

    The width is the longest text among the nonzero finite values (at least 1); zeros,
    nans and infs are padded to it but do not widen it.
    """

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        values = np.asarray(values).reshape(-1)
        if values.size == 0:
            return
        if not floating:
            # The longest text belongs to the smallest or the largest value.
            ends = (values.min().item(), values.max().item())
            self.width = max(len(str(x)) for x in ends)
            return
        values = values.astype(np.float64)  # exact for float16, bfloat16 and float32
        values = values[np.isfinite(values) & (values != 0)]
        if values.size == 0:
            return  # nothing to measure: int mode, no scientific notation, width 1
        magnitudes = np.abs(values)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(values == np.ceil(values)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        self.width = max(len(self._text(x)) for x in values.tolist())

    def _text(self, value):
        """`value` (a Python number) in this formatter's notation, without padding."""
        if not self.floating:
            return str(value)
        if self.sci_mode:
            return format(value, ".%de" % PRINT_OPTS.precision)
        if self.int_mode:
            text = format(value, ".0f")
            return text + "." if _is_finite(value) else text
        return format(value, ".%df" % PRINT_OPTS.precision)

    def format(self, value):
        """`value` right-aligned to the shared width."""
        return self._text(value).rjust(self.width)


def _element_str(value, formatter, imag_formatter):
    """One element; a complex one is ``real+imagj`` with a formatter for each part."""
    if imag_formatter is None:
        return formatter.format(value)
    real = formatter.format(value.real)
    imag = (imag_formatter.format(value.imag) + "j").lstrip()
    # A negative imaginary part (or -0.) brings its own sign; otherwise add "+".
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(a, indent, summarize, formatter, imag_formatter):
    """A 1-D array: elements joined by ', ', as many per line as fit in `linewidth`."""
    edge = PRINT_OPTS.edgeitems
    element_width = formatter.width + 2  # the element plus ', '
    if imag_formatter is not None:
        element_width += imag_formatter.width + 1  # the imaginary part plus 'j'
    per_line = max(1, int((PRINT_OPTS.linewidth - indent) // element_width))

    def texts(part):
        return [_element_str(x, formatter, imag_formatter) for x in part.tolist()]

    if summarize and not edge:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        items = texts(a[:edge]) + [" ..."] + texts(a[-edge:])
    else:
        items = texts(a)
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a, indent, summarize, formatter, imag_formatter=None):
    """The bracketed text of `a`: sub-arrays of an n-d array are separated by a comma,
    n - 1 newlines and the indentation of the next bracket level."""
    if a.ndim == 0:
        return _element_str(a.item(), formatter, imag_formatter)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, formatter, imag_formatter)
    edge, n = PRINT_OPTS.edgeitems, a.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = range(n)
    parts = ["..." if i is None else _nested_str(a[i], indent + 1, summarize, formatter,
                                                 imag_formatter)
             for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _shown_values(a):
    """The elements that a summarised print shows, as one flat array, found by slicing
    only (so a broadcast view of 10**13 elements costs a few dozen reads)."""
    edge = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a.reshape(1)
    if not edge:
        return a.reshape(-1)[:0]  # only '...' is printed
    n = a.shape[0]
    if a.ndim == 1:
        return np.concatenate((a[:edge], a[-edge:])) if n > 2 * edge else a
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.concatenate([_shown_values(a[i]) for i in rows])


def _tensor_str(a, dtype, indent):
    """The bracketed values of a non-empty array of the given ember dtype."""
    summarize = a.size > PRINT_OPTS.threshold
    shown = _shown_values(a) if summarize else a
    if dtype.is_complex:
        return _nested_str(a, indent, summarize, _Formatter(shown.real, True),
                           _Formatter(shown.imag, True))
    return _nested_str(a, indent, summarize, _Formatter(shown, dtype.is_floating_point))


def _add_suffixes(text, suffixes, indent):
    """Append ', suffix' for each suffix, or ',\\n' and the indentation where the line
    would pass `linewidth`; then the closing parenthesis."""
    pieces = [text]
    # PyTorch counts the last line two characters longer than it is; kept for equality.
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def tensor_repr(t, prefix="tensor("):
    """``repr(t)`` and ``str(t)``, e.g. ``tensor([1, 2], dtype=torch.int32)``.

    PyTorch prints the dtype only when it is not the default of its kind (the default
    dtype, the matching complex dtype, int64, bool) and, for an empty tensor, whenever
    it is not the default dtype. `prefix` replaces ``tensor(``; the values are indented
    to the width of its last line, so ``'Parameter containing:\\ntensor('`` also works.
    """
    a = t._data
    dtype = t.dtype
    indent = len(prefix) - prefix.rfind("\n") - 1
    shape = tuple(int(n) for n in t.shape)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append("device='%s'" % t.device)
    if a.size == 0:
        # NumPy-like: the shape is shown unless it is (0,); the dtype cannot be
        # guessed from the (absent) values, so it is shown unless it is the default.
        if len(shape) != 1:
            suffixes.append("size=%s" % (shape,))
        if dtype.name != get_default_dtype().name:
            suffixes.append("dtype=%r" % (dtype,))
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=%s" % (shape,))
        defaults = (get_default_dtype().name, default_complex().name, "int64", "bool")
        if dtype.name not in defaults:
            suffixes.append("dtype=%r" % (dtype,))
        body = _tensor_str(a, dtype, indent)
    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        name = grad_fn.name() if hasattr(grad_fn, "name") else type(grad_fn).__name__
        suffixes.append("grad_fn=<%s>" % name.rsplit("::", 1)[-1])
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
