"""The elementwise ops of the op table, shared by tests/test_ops_table.py (against torch) and
tests/test_device_seam.py (on the stand-in GPU): (name, domain of the inputs, arity)."""

UNARY = ["exp", "exp2", "expm1", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "asinh",
         "sigmoid", "abs", "neg", "floor", "ceil", "trunc", "frac", "round", "square", "sign",
         "erf", "erfc", "deg2rad", "rad2deg", "reciprocal"]
POSITIVE = ["log", "log2", "log10", "log1p", "sqrt", "rsqrt", "lgamma", "digamma"]
UNIT = ["asin", "acos", "atanh", "erfinv"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "fmax", "fmin", "atan2",
          "remainder", "fmod", "pow", "hypot", "xlogy"]
COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]

ROWS = ([(n, "any", 1) for n in UNARY] + [(n, "pos", 1) for n in POSITIVE]
        + [(n, "unit", 1) for n in UNIT] + [("acosh", "gt1", 1)]
        + [(n, "pos" if n in ("pow", "xlogy") else "any", 2) for n in BINARY]
        + [(n, "any", 2) for n in COMPARE])
