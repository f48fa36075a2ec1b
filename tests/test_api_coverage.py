"""Differential tests of the wider tensor API against PyTorch (installed as the oracle).

Every row of the tables below is one call, written once as ``fn(module, *tensors)`` and run on
ember and on torch with the same inputs. For each sample (several shapes, 0-d and broadcasting
included, and several dtypes) the values, dtypes and shapes must agree; floating samples are
also run with ``requires_grad`` to compare grad_fn names and gradients; differentiable rows
pass gradcheck and gradgradcheck in float64. A separate table checks that bad input raises
the same exception type (and message, where ember words it as PyTorch does).
"""
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

INF, NAN = float("inf"), float("nan")


# --- inputs --------------------------------------------------------------------------------------

def _values(kind, shape, rng):
    if kind == "pos":
        return rng.uniform(0.2, 3.0, shape)
    if kind == "unit":
        return rng.uniform(0.05, 0.95, shape)
    if kind == "int":
        return rng.integers(-6, 7, shape).astype(np.float64)
    if kind == "nat":
        return rng.integers(0, 13, shape).astype(np.float64)
    if kind == "sign":      # -1, 0, 1: zeros on purpose
        return rng.integers(-1, 2, shape).astype(np.float64)
    if kind == "special":   # nan, +-inf, -0.0 among ordinary values
        v = rng.standard_normal(shape)
        flat = v.reshape(-1)
        for i, s in zip(range(flat.size), [NAN, INF, -INF, -0.0, 0.0]):
            flat[i] = s
        return v
    if kind == "gt1":
        return rng.uniform(1.5, 4.0, shape)
    return rng.standard_normal(shape)


def _as_dtype(v, dtype):
    if dtype == "bool":
        return v != 0
    if dtype.startswith(("int", "uint")):
        return np.round(np.nan_to_num(v, posinf=9, neginf=-9)).astype(np.int64)
    if dtype.startswith("complex"):
        with np.errstate(invalid="ignore"):
            return v + 0.5j * np.roll(v, 1) if v.ndim else v + 0.5j
    return v


def _tensor(mod, v, dtype, requires_grad=False):
    t = mod.tensor(_as_dtype(v, dtype), dtype=getattr(mod, dtype))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _floating(dtype):
    return dtype.startswith(("float", "complex", "bfloat"))


# --- comparison ----------------------------------------------------------------------------------

_RTOL = {"float16": 2e-3, "bfloat16": 1e-2, "float32": 2e-5, "complex64": 2e-5}


def _same(e, t, rtol=None, atol=None):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
        assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
        name = str(t.dtype).split(".")[1]
        r = max(rtol or 0.0, _RTOL.get(name, 1e-10))
        a = atol if atol is not None else r
        te = t.detach().resolve_conj().float().numpy() if t.dtype in (torch.float16,
                                                                      torch.bfloat16) \
            else t.detach().resolve_conj().numpy()
        ee = e.detach().float().numpy() if name in ("float16", "bfloat16") else e.detach().numpy()
        if name in ("bool",) or name.startswith(("int", "uint")):
            np.testing.assert_array_equal(ee, te)
        else:
            np.testing.assert_allclose(ee, te, rtol=r, atol=a, equal_nan=True)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        for x, y in zip(e, t):
            _same(x, y, rtol, atol)
    elif isinstance(t, float) and math.isnan(t):
        assert math.isnan(e)
    else:
        assert e == t, (e, t)


def _first(r):
    return r[0] if isinstance(r, (tuple, list)) else r


# --- the table -----------------------------------------------------------------------------------

S1 = [((),), ((5,),), ((3, 4),), ((2, 3, 4),), ((0, 3),)]
S2 = [((), ()), ((5,), (5,)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), ()), ((0,), (1,))]
S3 = [((), (), ()), ((3, 4), (4,), (3, 1)), ((2, 3, 4), (3, 4), ()), ((5,), (5,), (5,))]
F = [("float32",), ("float64",)]
FF = [("float32", "float32"), ("float64", "float64"), ("float32", "float64"),
      ("int64", "float32")]
FFF = [("float32",) * 3, ("float64",) * 3]
II = [("int64", "int64"), ("int32", "int64"), ("int16", "int16"), ("int8", "int32")]


class Row:
    """One call: fn(module, *tensors); inputs of `kinds` with `shapes` and `dtypes` per sample.
    grad: compare grad_fn names and gradients; gradcheck: run (grad)gradcheck in float64."""

    def __init__(self, id, fn, kinds, shapes, dtypes, grad=True, gradcheck=None, rtol=None,
                 atol=None, gg=True):
        self.id, self.fn, self.kinds, self.shapes, self.dtypes = id, fn, kinds, shapes, dtypes
        self.grad = grad
        self.gradcheck = grad if gradcheck is None else gradcheck
        self.rtol, self.atol, self.gg = rtol, atol, gg


def _unary(id, fn, kind="any", dtypes=F, **kw):
    return Row(id, fn, (kind,), S1, dtypes, **kw)


def _binary(id, fn, kinds=("any", "any"), dtypes=FF, shapes=S2, **kw):
    return Row(id, fn, kinds, shapes, dtypes, **kw)


POINTWISE = [
    _binary("logaddexp", lambda m, a, b: m.logaddexp(a, b)),
    _binary("logaddexp2", lambda m, a, b: m.logaddexp2(a, b)),
    _binary("Tensor.logaddexp", lambda m, a, b: a.logaddexp(b), dtypes=[("float64",) * 2]),
    _binary("logaddexp_inf", lambda m, a, b: m.logaddexp(a, b), kinds=("special", "special"),
            shapes=[((5,), (5,))], grad=False),
    _binary("copysign", lambda m, a, b: m.copysign(a, b), kinds=("any", "special"),
            dtypes=FF + [("int64", "int64"), ("bool", "float32")], gradcheck=False),
    _binary("copysign_smooth", lambda m, a, b: a.copysign(b), kinds=("pos", "any")),
    _unary("copysign_scalar", lambda m, a: m.copysign(a, -1.5), dtypes=F + [("int32",)]),
    _unary("copysign_negzero", lambda m, a: a.copysign(-0.0), kind="pos"),
    _binary("heaviside", lambda m, a, b: m.heaviside(a, b), kinds=("sign", "any"),
            dtypes=[("float32",) * 2, ("float64",) * 2, ("int64",) * 2], gradcheck=False),
    _binary("heaviside_nan", lambda m, a, b: m.heaviside(a, b), kinds=("special", "any"),
            shapes=[((5,), ())], dtypes=[("float32",) * 2], gradcheck=False),
    _binary("gcd", lambda m, a, b: m.gcd(a, b), kinds=("int", "int"), dtypes=II, grad=False),
    _binary("lcm", lambda m, a, b: a.lcm(b), kinds=("int", "int"), dtypes=II, grad=False),
    _binary("gcd_uint8", lambda m, a, b: m.gcd(a, b), kinds=("nat", "nat"),
            dtypes=[("uint8", "uint8")], grad=False),
    # (PyTorch's gradient uses 2 ** other in other's dtype: 0 for negative integer exponents)
    _binary("ldexp", lambda m, a, b: m.ldexp(a, b), kinds=("any", "int"),
            dtypes=[("float32", "int64"), ("float64", "int32"), ("int64", "int64"),
                    ("float16", "int64"), ("bool", "bool")], gradcheck=False),
    _binary("ldexp_float_exp", lambda m, a, b: a.ldexp(b), dtypes=[("float64",) * 2]),
    _binary("nextafter", lambda m, a, b: m.nextafter(a, b), kinds=("any", "sign"),
            dtypes=FF[:3], gradcheck=False),
    _binary("hypot", lambda m, a, b: m.hypot(a, b), dtypes=FF[:3]),
    _binary("xlogy", lambda m, a, b: m.xlogy(a, b), kinds=("sign", "pos"),
            dtypes=FF + [("int64", "int64"), ("bool", "bool")], gradcheck=False),
    _binary("xlogy_smooth", lambda m, a, b: a.xlogy(b), kinds=("any", "pos")),
    _unary("xlogy_scalar_other", lambda m, a: m.xlogy(a, 2.5)),
    _unary("xlogy_scalar_other_neg", lambda m, a: m.xlogy(a, -1.0), kind="sign",
           gradcheck=False),
    _unary("xlogy_scalar_self", lambda m, a: m.xlogy(3.0, a), kind="pos",
           dtypes=F + [("int64",)]),
    _binary("lerp", lambda m, a, b: m.lerp(a, b, 0.3), dtypes=[("float32",) * 2,
                                                              ("float64",) * 2]),
    _binary("lerp_big_weight", lambda m, a, b: a.lerp(b, 0.8), dtypes=[("float64",) * 2]),
    _binary("lerp_half", lambda m, a, b: a.lerp(b, 0.8), dtypes=[("float16",) * 2],
            grad=False),
    Row("lerp_tensor_weight", lambda m, a, b, w: m.lerp(a, b, w), ("any", "any", "unit"), S3,
        FFF),
    Row("lerp_tensor_weight_wide", lambda m, a, b, w: a.lerp(b, w * 3 - 1), ("any", "any", "unit"),
        S3, FFF),
    Row("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), ("any",) * 3, S3,
        FFF + [("float32", "int64", "int64"), ("int64",) * 3]),
    Row("addcmul_int_value", lambda m, a, b, c: a.addcmul(b, c, value=2), ("int",) * 3, S3,
        [("int64",) * 3, ("int32", "int64", "int16")], grad=False),
    Row("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=-2), ("any", "any", "pos"), S3,
        FFF),
    Row("addcdiv_int_divisor", lambda m, a, b, c: a.addcdiv(b, c), ("any", "any", "pos"), S3,
        [("int64", "float32", "int64")], grad=False),
    _unary("clamp_min", lambda m, a: m.clamp_min(a, 0.3), dtypes=F + [("int64",), ("int32",)]),
    _unary("clamp_max", lambda m, a: a.clamp_max(-0.2), dtypes=F + [("bool",)]),
    _unary("clamp_min_int_bound", lambda m, a: a.clamp_min(1), kind="int",
           dtypes=[("int64",), ("float32",)], grad=False),
    _binary("clamp_min_tensor", lambda m, a, b: a.clamp_min(b), dtypes=FF[:3]),
    _binary("clamp_max_tensor", lambda m, a, b: m.clamp_max(a, b), dtypes=FF[:3]),
    _unary("frexp", lambda m, a: m.frexp(a), dtypes=F + [("float16",)], gradcheck=False),
    _unary("frexp_special", lambda m, a: a.frexp(), kind="special", grad=False),
    _unary("signbit", lambda m, a: m.signbit(a), kind="special",
           dtypes=F + [("int64",), ("bool",)], grad=False),
    _unary("positive", lambda m, a: m.positive(a) * 1, dtypes=F + [("int64",)]),
    _unary("angle", lambda m, a: m.angle(a), kind="special",
           dtypes=F + [("int64",), ("bool",), ("float16",)], gradcheck=False),
    _unary("angle_complex", lambda m, a: a.angle(), dtypes=[("complex64",), ("complex128",)],
           grad=False),
    _unary("logit", lambda m, a: m.logit(a), kind="unit", dtypes=F + [("int64",)]),
    _unary("logit_outside", lambda m, a: a.logit(), kind="any", gradcheck=False),
    _unary("logit_eps", lambda m, a: m.logit(a, 0.2), kind="unit", gradcheck=False),
    _unary("nan_to_num", lambda m, a: m.nan_to_num(a), kind="special",
           dtypes=F + [("float16",), ("int64",), ("bool",)], gradcheck=False),
    _unary("nan_to_num_values", lambda m, a: a.nan_to_num(1.5, 100.0, -7.0), kind="special",
           gradcheck=False),
    _unary("nan_to_num_complex", lambda m, a: m.nan_to_num(a * INF), kind="special",
           dtypes=[("complex64",)], grad=False),
    _unary("i0", lambda m, a: m.i0(a), dtypes=F + [("int64",)]),
    _unary("Tensor.i0", lambda m, a: a.i0()),
    _unary("polygamma0", lambda m, a: m.polygamma(0, a), kind="pos"),
    _unary("polygamma1", lambda m, a: a.polygamma(1), kind="pos", gg=False, rtol=1e-8),
    _unary("polygamma3", lambda m, a: m.polygamma(3, a), kind="pos", gg=False, rtol=1e-8),
    _unary("mvlgamma1", lambda m, a: m.mvlgamma(a, 1), kind="pos", gg=False, rtol=1e-8),
    _unary("mvlgamma3", lambda m, a: a.mvlgamma(3), kind="gt1", gg=False, rtol=1e-8),
    _binary("igamma", lambda m, a, b: m.igamma(a.detach() if a.requires_grad else a, b),
            kinds=("pos", "pos"), dtypes=FF[:3], gradcheck=False),
    _binary("igammac", lambda m, a, b: a.detach().igammac(b), kinds=("pos", "pos"),
            dtypes=FF[:3], gradcheck=False),
    _unary("nansum", lambda m, a: m.nansum(a), kind="special",
           dtypes=F + [("int64",), ("bool",)], gradcheck=False),
    _unary("nansum_dim", lambda m, a: a.nansum(-1, keepdim=True) if a.dim() else a.nansum(),
           kind="special", gradcheck=False),
    _unary("nansum_smooth", lambda m, a: a.nansum(0) if a.dim() else a.nansum()),
    _binary("dist", lambda m, a, b: m.dist(a, b), dtypes=FF[:3]),
    _binary("dist_p1", lambda m, a, b: a.dist(b, 1), gradcheck=False, dtypes=FF[:2]),
    _binary("dist_p0", lambda m, a, b: a.dist(b, 0), gradcheck=False, dtypes=FF[:2]),
    _binary("dist_inf", lambda m, a, b: a.dist(b, INF), gradcheck=False, dtypes=FF[:2]),
    _binary("dist_neginf", lambda m, a, b: m.dist(a, b, -INF), gradcheck=False,
            dtypes=FF[:2], shapes=S2[:5]),
    _binary("dist_p3", lambda m, a, b: a.dist(b, 3), dtypes=FF[:2]),
    _binary("dist_p1_5", lambda m, a, b: a.dist(b, 1.5), dtypes=FF[:2]),
    _binary("dist_p0_5", lambda m, a, b: a.dist(b, 0.5), dtypes=FF[:2], gradcheck=False),
    _binary("dist_half", lambda m, a, b: a.dist(b), dtypes=[("float16",) * 2], grad=False),
]

STRUCTURE = [
    _unary("trapezoid", lambda m, y: m.trapezoid(y) if y.dim() else y,
           dtypes=F + [("int64",)]),
    _unary("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.5, dim=0) if y.dim() else y),
    Row("trapezoid_x", lambda m, y, x: m.trapezoid(y, x), ("any", "any"),
        [((5,), (5,)), ((3, 4), (4,)), ((3, 4), (3, 4)), ((2, 3, 4), (1, 4))],
        FF + [("int64", "int64")]),
    Row("trapezoid_x_dim0", lambda m, y, x: m.trapezoid(y, x, dim=0), ("any", "any"),
        [((3, 4), (3,)), ((3, 2), (3, 2))], FF[:2]),
    _unary("trapz", lambda m, y: m.trapz(y, dx=2.0) if y.dim() else y),
    _unary("cumulative_trapezoid", lambda m, y: m.cumulative_trapezoid(y) if y.dim() else y,
           dtypes=F + [("int64",)]),
    Row("cumulative_trapezoid_x", lambda m, y, x: m.cumulative_trapezoid(y, x, dim=0),
        ("any", "any"), [((5,), (5,)), ((3, 4), (3,))], FF[:2]),
    Row("gradient", lambda m, y: m.gradient(y), ("any",), [((5,),), ((3, 4),), ((2, 3, 4),)],
        F + [("int64",)]),
    Row("gradient_spacing", lambda m, y: m.gradient(y, spacing=2.0, dim=-1, edge_order=2),
        ("any",), [((5,),), ((3, 4),)], F),
    Row("gradient_list", lambda m, y: m.gradient(y, spacing=[0.5, 3.0], edge_order=2),
        ("any",), [((3, 4),)], F),
    Row("gradient_coords", lambda m, y, c: m.gradient(y, spacing=(c.cumsum(0),), dim=1),
        ("any", "pos"), [((3, 4), (4,)), ((2, 5), (5,))], FF[:2]),
    Row("gradient_coords_edge2", lambda m, y, c: m.gradient(y, spacing=(c.cumsum(0),), dim=0,
                                                            edge_order=2),
        ("any", "pos"), [((4, 3), (4,)), ((5,), (5,))], FF[:2]),
    Row("gradient_coords_list", lambda m, y: m.gradient(y, spacing=[
        m.tensor([0.0, 1.0, 3.0], dtype=y.dtype), m.tensor([0.0, 0.5, 2.0, 2.5], dtype=y.dtype)]),
        ("any",), [((3, 4),)], F),
    Row("cov", lambda m, x: m.cov(x), ("any",), [((5,),), ((3, 6),), ((2, 2),)],
        F + [("int64",)]),
    Row("cov_correction", lambda m, x: x.cov(correction=0), ("any",), [((3, 6),)], F),
    Row("cov_weights", lambda m, x, f, a: m.cov(x, fweights=f, aweights=a.detach()),
        ("any", "nat", "pos"), [((3, 6), (6,), (6,))], [("float64", "int64", "float64")],
        gradcheck=False),
    Row("corrcoef", lambda m, x: m.corrcoef(x), ("any",), [((5,),), ((3, 6),)], F),
    # (PyTorch's vander overwrites a tensor its backward needs: backward raises, in both)
    Row("vander", lambda m, x: m.vander(x), ("any",), [((4,),), ((0,),), ((1,),)],
        F + [("int64",), ("bool",), ("int8",)], gradcheck=False),
    Row("vander_N", lambda m, x: m.vander(x, N=3, increasing=True), ("any",), [((4,),)], F,
        gradcheck=False),
    Row("vander_N1", lambda m, x: m.vander(x, 1), ("any",),
        [((4,),)], F, grad=False),
    Row("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), ("any",) * 3,
        [((), (3,), (2, 4)), ((2, 2), (0, 2), (1, 3))],
        FFF + [("int64", "float32", "int32")]),
    Row("kron", lambda m, a, b: m.kron(a, b), ("any", "any"),
        [((2, 3), (2, 2)), ((3,), (2, 2)), ((), (3,)), ((2, 1, 3), (2, 2))],
        FF + [("int64", "int64")]),
    Row("Tensor.kron", lambda m, a, b: a.kron(b), ("any", "any"), [((2, 3), (4,))], FF[:2]),
]

VIEWS = [
    Row("hsplit", lambda m, x: m.hsplit(x, 2), ("any",), [((4,),), ((3, 4),), ((2, 4, 3),)], F),
    Row("hsplit_indices", lambda m, x: x.hsplit([1, 3]), ("any",), [((3, 4),)], F),
    Row("vsplit", lambda m, x: m.vsplit(x, [1]), ("any",), [((3, 4),), ((2, 3, 4),)], F),
    Row("dsplit", lambda m, x: m.dsplit(x, 2), ("any",), [((2, 3, 4),)], F),
    Row("split_with_sizes", lambda m, x: x.split_with_sizes([1, 3], 1), ("any",),
        [((3, 4),), ((2, 4, 3),)], F),
    Row("ravel", lambda m, x: m.ravel(x), ("any",), [((),), ((3, 4),)], F),
    Row("ravel_noncontig", lambda m, x: x.t().ravel(), ("any",), [((3, 4),)], F),
    Row("adjoint", lambda m, x: m.adjoint(x), ("any",), [((3, 4),), ((2, 3, 4),)],
        F + [("complex64",)]),
    Row("view_as_real", lambda m, x: m.view_as_real(x), ("any",), [((),), ((3, 4),)],
        [("complex64",), ("complex128",)], grad=False),
    Row("view_as_complex", lambda m, x: m.view_as_complex(x), ("any",),
        [((2,),), ((3, 2),), ((2, 3, 2),)], F),
    Row("view_as_complex_roundtrip", lambda m, x: m.view_as_real(m.view_as_complex(x)) * 2,
        ("any",), [((3, 2),)], [("float64",)]),
    # (gg=False: ember's complex sgn() has no derivative yet, which polar's backward uses)
    Row("polar", lambda m, r, a: m.polar(r, a), ("pos", "any"), S2[:4], FF[:2], gg=False),
    Row("polar_abs", lambda m, r, a: m.polar(r, a).abs(), ("pos", "any"), S2[:4], FF[:2],
        gradcheck=False),
    Row("real", lambda m, x: m.real(x), ("any",), [((3,),)], F + [("complex64",)],
        grad=False),
    Row("imag", lambda m, x: m.imag(x), ("any",), [((3,),)], [("complex64",)], grad=False),
    Row("resolve", lambda m, x: (m.resolve_conj(x), m.resolve_neg(x), x.resolve_conj()),
        ("any",), [((3,),)], F + [("complex64",)], grad=False),
    Row("is_conj", lambda m, x: (x.is_conj(), x.conj().is_conj(), m.is_conj(x.conj()),
                                 x.conj().conj().is_conj(), x.conj().resolve_conj().is_conj(),
                                 m.is_neg(x), x.is_neg()),
        ("any",), [((3,),)], F + [("complex64",)], grad=False),
    Row("copy_forms", lambda m, x: (m.view_copy(x, (-1,)), m.t_copy(x), m.permute_copy(x, (1, 0)),
                                    m.transpose_copy(x, 0, 1), m.select_copy(x, 0, 1),
                                    m.slice_copy(x, 1, 1, 3), m.narrow_copy(x, 0, 1, 2),
                                    x.narrow_copy(1, 0, 2), m.diagonal_copy(x),
                                    m.unsqueeze_copy(x, 0), m.squeeze_copy(x[:1]),
                                    m.expand_copy(x[:1], (2, 4)), m.unfold_copy(x, 1, 2, 1),
                                    m.as_strided_copy(x, (2, 2), (1, 2)), m.alias_copy(x)),
        ("any",), [((3, 4),)], F),
    Row("detach_copy", lambda m, x: m.detach_copy(x), ("any",), [((3, 4),)], F,
        gradcheck=False),
    Row("copy_forms_multi", lambda m, x: (m.unbind_copy(x), m.split_copy(x, 2),
                                          m.split_with_sizes_copy(x, [1, 2])),
        ("any",), [((3, 4),)], F),
]

NN = [
    Row("conv1d", lambda m, x, w, b: m.conv1d(x, w, b, 1, 1), ("any",) * 3,
        [((2, 3, 7), (4, 3, 3), (4,))], FFF),
    Row("conv2d", lambda m, x, w: m.conv2d(x, w, None, 2, 0, 1, 1), ("any",) * 2,
        [((1, 2, 5, 5), (3, 2, 2, 2))], FF[:2]),
    Row("conv3d", lambda m, x, w: m.conv3d(x, w), ("any",) * 2,
        [((1, 1, 3, 3, 3), (2, 1, 2, 2, 2))], FF[:2], gradcheck=False),
    Row("conv_transpose1d", lambda m, x, w: m.conv_transpose1d(x, w, None, 2, 1, 1),
        ("any",) * 2, [((1, 2, 4), (2, 3, 3))], FF[:2]),
    Row("conv_transpose2d", lambda m, x, w: m.conv_transpose2d(x, w), ("any",) * 2,
        [((1, 2, 3, 3), (2, 1, 2, 2))], FF[:2], gradcheck=False),
    Row("conv_transpose3d", lambda m, x, w: m.conv_transpose3d(x, w), ("any",) * 2,
        [((1, 1, 2, 2, 2), (1, 2, 2, 2, 2))], FF[:2], gradcheck=False),
    Row("convolution", lambda m, x, w: m.convolution(x, w, None, [1], [1], [1], False, [0], 1),
        ("any",) * 2, [((1, 2, 5), (3, 2, 2))], FF[:2], gradcheck=False),
    Row("convolution_t", lambda m, x, w: m.convolution(x, w, None, [2], [0], [1], True, [1], 1),
        ("any",) * 2, [((1, 2, 4), (2, 3, 2))], FF[:2], gradcheck=False),
    Row("max_pool1d", lambda m, x: m.max_pool1d(x, 2), ("any",), [((1, 2, 6),)], F),
    Row("max_pool1d_with_indices", lambda m, x: m.max_pool1d_with_indices(x, 3, 2, 1),
        ("any",), [((2, 7),)], F),
    Row("max_pool2d", lambda m, x: m.max_pool2d(x, 2, [], 0, 1, True), ("any",),
        [((1, 2, 5, 5),)], F, gradcheck=False),
    Row("max_pool3d", lambda m, x: m.max_pool3d(x, 2), ("any",), [((1, 1, 4, 4, 4),)], F,
        gradcheck=False),
    Row("avg_pool1d", lambda m, x: m.avg_pool1d(x, 3, 2, 1, False, False), ("any",),
        [((1, 2, 7),)], F),
    Row("adaptive_avg_pool1d", lambda m, x: m.adaptive_avg_pool1d(x, 3), ("any",),
        [((1, 2, 7),)], F),
    Row("adaptive_max_pool1d", lambda m, x: m.adaptive_max_pool1d(x, 3), ("any",),
        [((1, 2, 7),)], F),
    Row("pixel_shuffle", lambda m, x: m.pixel_shuffle(x, 2), ("any",), [((1, 8, 2, 3),)], F),
    Row("pixel_unshuffle", lambda m, x: m.pixel_unshuffle(x, 2), ("any",), [((1, 2, 4, 6),)],
        F),
    Row("channel_shuffle", lambda m, x: m.channel_shuffle(x, 2), ("any",),
        [((1, 4, 3),), ((2, 6, 2, 2),)], F, grad=False),
    Row("F.channel_shuffle", lambda m, x: m.nn.functional.channel_shuffle(x, 3), ("any",),
        [((1, 6, 2),)], F, grad=False),
    Row("constant_pad_nd", lambda m, x: m.constant_pad_nd(x, [1, 2], 0.5), ("any",),
        [((3, 4),)], F),
    Row("triplet_margin_loss", lambda m, a, p, n: m.triplet_margin_loss(a, p, n), ("any",) * 3,
        [((3, 4),) * 3], FFF[1:]),
    Row("triplet_margin_loss_mean", lambda m, a, p, n: m.triplet_margin_loss(
        a, p, n, 0.5, 1.0, 1e-6, True, 1), ("any",) * 3, [((3, 4),) * 3], FFF[1:]),
    Row("poisson_nll_loss", lambda m, x, t: m.poisson_nll_loss(x, t, True, False, 1e-8, 1),
        ("any", "pos"), [((3, 4), (3, 4))], FF[1:2]),
    Row("poisson_nll_loss_full", lambda m, x, t: m.poisson_nll_loss(x, t, False, True, 1e-8, 0),
        ("pos", "pos"), [((3, 4), (3, 4))], FF[1:2]),
]

TABLE = POINTWISE + STRUCTURE + VIEWS + NN


def _samples(row):
    rng = np.random.default_rng(abs(hash(row.id)) % 2 ** 32)
    for shapes in row.shapes:
        vals = [_values(k, s, rng) for k, s in zip(row.kinds, shapes)]
        for dts in row.dtypes:
            yield vals, dts


def _call(row, mod, vals, dts, requires_grad=False):
    xs = [_tensor(mod, v, d, requires_grad and _floating(d)) for v, d in zip(vals, dts)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xs, row.fn(mod, *xs)


def _both(fn_torch, fn_ember):
    """Runs torch's side, then ember's; when torch raises, ember must raise the same type."""
    try:
        t = fn_torch()
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            fn_ember()
        return None, None
    return fn_ember(), t


@pytest.mark.parametrize("row", TABLE, ids=[r.id for r in TABLE])
def test_values_dtypes_shapes(row):
    for vals, dts in _samples(row):
        e, t = _both(lambda: _call(row, torch, vals, dts)[1],
                     lambda: _call(row, ember, vals, dts)[1])
        if t is not None:
            _same(e, t, row.rtol, row.atol)


def _outputs(r):
    """The differentiable tensors of a result (named tuples of values and indices: the values)."""
    if isinstance(r, (tuple, list)):
        out = []
        for x in r:
            out += _outputs(x)
        return out
    return [r] if isinstance(r, (torch.Tensor, ember.Tensor)) and r.requires_grad else []


GRAD_ROWS = [r for r in TABLE if r.grad]


@pytest.mark.parametrize("row", GRAD_ROWS, ids=[r.id for r in GRAD_ROWS])
def test_grad_fn_names_and_gradients(row):
    rng = np.random.default_rng(5)
    for vals, dts in _samples(row):
        if not any(_floating(d) for d in dts):
            continue
        try:
            xt, t = _call(row, torch, vals, dts, requires_grad=True)
        except Exception as exc:  # noqa: BLE001  (ember must refuse it too)
            with pytest.raises(type(exc)):
                _call(row, ember, vals, dts, requires_grad=True)
            continue
        xe, e = _call(row, ember, vals, dts, requires_grad=True)
        oe, ot = _outputs(e), _outputs(t)
        assert len(oe) == len(ot)
        if not ot:
            continue
        for a, b in zip(oe, ot):
            assert (a.grad_fn and a.grad_fn.name()) == (b.grad_fn and b.grad_fn.name()), row.id
        ws = [rng.standard_normal(tuple(b.shape)) for b in ot]
        if ot[0].grad_fn is not None and "NotImplemented" in ot[0].grad_fn.name():
            continue
        le = sum((a.real if a.is_complex() else a) .mul(ember.tensor(w, dtype=a.dtype.to_real()
                                                                     if a.is_complex() else
                                                                     a.dtype)).sum()
                 for a, w in zip(oe, ws))
        lt = sum((b.real if b.is_complex() else b).mul(torch.tensor(w, dtype=b.real.dtype)).sum()
                 for b, w in zip(ot, ws))
        ge, gt = _both(
            lambda: torch.autograd.grad(lt, [x for x in xt if x.requires_grad], allow_unused=True),
            lambda: ember.autograd.grad(le, [x for x in xe if x.requires_grad], allow_unused=True))
        if gt is None:
            continue
        for a, b in zip(ge, gt):
            if b is None:
                assert a is None or not a.abs().sum().item()
                continue
            _same(a, b, row.rtol, row.atol if row.atol is not None else 1e-5)


CHECK_ROWS = [r for r in TABLE if r.gradcheck]


@pytest.mark.parametrize("row", CHECK_ROWS, ids=[r.id for r in CHECK_ROWS])
def test_gradcheck(row):
    rng = np.random.default_rng(11)
    shapes = next(s for s in row.shapes if all(0 not in x for x in s))
    vals = [_values(k, s, rng) for k, s in zip(row.kinds, shapes)]
    dts = next(d for d in row.dtypes if all(x in ("float64", "int64") for x in d)) \
        if any(all(x in ("float64", "int64") for x in d) for d in row.dtypes) else None
    if dts is None:
        pytest.skip("no float64 sample")
    xs = [_tensor(ember, v, d, d == "float64") for v, d in zip(vals, dts)]
    inputs = [x for x in xs if x.requires_grad]

    def fn(*args):
        it = iter(args)
        full = [next(it) if x.requires_grad else x for x in xs]
        outs = _outputs(row.fn(ember, *full))
        return tuple(ember.view_as_real(o) if o.is_complex() else o for o in outs)
    assert ember.autograd.gradcheck(fn, inputs)
    if row.gg:
        assert ember.autograd.gradgradcheck(fn, inputs)
