"""The time loop of one GRU layer in one direction, with interchangeable engines.

``fused``: the C++ kernel of :mod:`grucast.nn.kernels` (CPU, float32/float64, and
bfloat16 matmuls under autocast). Each thread runs the whole loop over a block of
batch rows, each step's recurrent matmul followed at once by the gate math on the
rows it produced; the forward pass keeps a small cache; the backward pass is
hand-written backpropagation through time whose weight gradients are large
matmuls after the loop instead of one small matmul per step.

``compiled``: the Python loop below, compiled by ``torch.compile`` into one graph
(unrolled over the steps; the gate math of each step fused into one generated
kernel). Meant for CUDA, where the eager loop launches a dozen small kernels per
step. It compiles once per new shape (tens of seconds); if compiling fails (no
Triton, an unsupported platform) it warns once and runs the eager loop.

``autograd``: the same Python loop over :func:`grucast.nn.functional.gru_step`,
recorded by autograd. It runs on any device and dtype and supports higher-order
gradients.

All take the input projection :math:`W_i x_t + b_i` for all steps at once: it is
hoisted out of the loop as one ``(T*B, F) @ (F, 3H)`` matmul by the caller.
(The ``torch`` engine of :class:`grucast.nn.GRU` runs whole stacks of layers in
torch's own GRU operator and does not come through here.)
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from grucast.nn.functional import UpdateConvention, gru_step, keep_sign
from grucast.nn.kernels import bf16_native, load_kernel


class _FusedGRUSequence(torch.autograd.Function):
    """Autograd wrapper of the C++ kernel: inputs ``x_proj, h0, weight_hh, bias_hh, bias_ih``.

    ``x_proj`` is :math:`W_i x_t` without its bias: the kernel adds ``bias_ih`` in the
    gate pass and sums its gradient there, instead of a separate pass over the
    ``(T, B, 3H)`` gradient. ``x_proj`` in bfloat16 (under autocast) with a float32
    state runs the kernel's bf16 matmuls; its gradient comes back in bfloat16 too.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        x_proj: Tensor,
        h0: Tensor,
        weight_hh: Tensor,
        bias_hh: Tensor,
        bias_ih: Tensor,
        reset_after: bool,
        sign: float,
    ) -> tuple[Tensor, Tensor]:
        out, cache, states_bf16, rh_bf16 = load_kernel().forward(
            x_proj, h0, weight_hh, bias_hh, bias_ih, reset_after, sign, True
        )
        ctx.save_for_backward(h0, weight_hh, out, cache, states_bf16, rh_bf16)
        ctx.reset_after, ctx.sign = reset_after, sign
        ctx.bf16 = x_proj.dtype == torch.bfloat16
        return out, out[-1].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_out: Tensor | None, grad_last: Tensor | None):  # type: ignore[override]
        h0, weight_hh, out, cache, states_bf16, rh_bf16 = ctx.saved_tensors
        if grad_out is None:  # only the last state was used: the kernel skips d_out
            grad_out = out.new_empty(0)
        if grad_last is None:
            grad_last = torch.zeros_like(h0)
        d_x, d_h0, d_w, d_b_hh, d_b_ih = load_kernel().backward(
            grad_out, grad_last, h0, weight_hh, out, cache, [states_bf16, rh_bf16],
            ctx.reset_after, ctx.sign, ctx.bf16,
        )
        return d_x, d_h0, d_w, d_b_hh, d_b_ih, None, None


def fused_supports(state_dtype: torch.dtype, matmul_dtype: torch.dtype) -> bool:
    """Whether the fused kernel runs a layer whose state (and parameters) are
    ``state_dtype`` and whose matmuls are ``matmul_dtype`` (autocast's, or the same).

    float32 and float64 run as they are; bfloat16 matmuls with a float32 state run
    the kernel's bf16 path where the processor has bf16 matmuls, else in float32
    (with one warning).
    """
    if load_kernel() is None or state_dtype not in (torch.float32, torch.float64):
        return False
    return matmul_dtype == state_dtype or (state_dtype == torch.float32 and matmul_dtype == torch.bfloat16)


def fused_available(x_proj: Tensor, h0: Tensor | None = None) -> bool:
    """Whether the fused kernel can run on these tensors (CPU, kernel built, dtypes)."""
    state = h0.dtype if h0 is not None else (torch.float32 if x_proj.dtype == torch.bfloat16 else x_proj.dtype)
    return x_proj.device.type == "cpu" and fused_supports(state, x_proj.dtype)


_warned_bf16 = False


def _bf16_or_float(x_proj: Tensor) -> Tensor:
    """``x_proj`` as the kernel takes it: bfloat16 where the processor has bf16
    matmuls, else float32 after one warning."""
    global _warned_bf16
    if x_proj.dtype != torch.bfloat16 or bf16_native():
        return x_proj
    if not _warned_bf16:
        _warned_bf16 = True
        warnings.warn(
            "grucast: bfloat16 autocast, but this processor has no bf16 matmul instructions "
            "(avx512_bf16 or amx_bf16) or this torch build has no bf16 GEMM; the GRU's recurrence "
            "computes in float32",
            RuntimeWarning,
            stacklevel=4,
        )
    return x_proj.float()


def _loop(
    x_proj: Tensor,
    h0: Tensor,
    weight_hh: Tensor,
    bias_hh: Tensor | None,
    reset_after: bool,
    update_convention: UpdateConvention,
) -> tuple[Tensor, Tensor]:
    """The recurrence as a Python loop over :func:`gru_step` (engines autograd, compiled)."""
    states = []
    h = h0
    # unbind once: indexing x_proj[t] per step would add a full-size scatter per step
    # to the backward pass.
    for x_t in x_proj.unbind(0):
        h = gru_step(x_t, h, weight_hh, bias_hh, reset_after=reset_after, update_convention=update_convention)
        states.append(h)
    return torch.stack(states), h


#: The ``torch.compile`` backend of the ``compiled`` engine. Tests set ``"aot_eager"``
#: (the same graph capture and autograd, without generating code) to stay fast.
COMPILE_BACKEND = "inductor"
_failed_backends: set[str] = set()


@functools.cache
def _compiled(backend: str):
    return torch.compile(_loop, backend=backend, fullgraph=True)


def _compiled_loop(*args: Any) -> tuple[Tensor, Tensor]:
    backend = COMPILE_BACKEND
    if backend not in _failed_backends:
        try:
            return _compiled(backend)(*args)
        except torch._dynamo.exc.TorchDynamoException as exc:
            _failed_backends.add(backend)
            warnings.warn(
                f"grucast: torch.compile ({backend}) of the GRU loop failed ({type(exc).__name__}: "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}); running the "
                "eager loop instead, which gives the same numbers more slowly",
                RuntimeWarning,
                stacklevel=3,
            )
    return _loop(*args)


def gru_sequence(
    x_proj: Tensor,
    h0: Tensor,
    weight_hh: Tensor,
    bias_hh: Tensor | None,
    *,
    reset_after: bool = True,
    update_convention: UpdateConvention = "cho",
    engine: str = "auto",
    bias_ih: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Run the GRU recurrence over all steps.

    Args:
        x_proj: input projection :math:`W_i x_t + b_i`, shape ``(T, B, 3H)`` (without
            :math:`b_i` when ``bias_ih`` is given).
        h0: initial state, shape ``(B, H)``.
        weight_hh: :math:`W_h`, shape ``(3H, H)``.
        bias_hh: :math:`b_h`, shape ``(3H,)``, or ``None`` for no recurrent bias.
        reset_after: reset gate after (PyTorch) or before (Cho et al. 2014) the matmul.
        update_convention: ``"cho"`` or ``"chung"``.
        engine: ``"fused"``, ``"compiled"``, ``"autograd"`` or ``"auto"`` (fused where
            it can run, else autograd).
        bias_ih: :math:`b_i`, shape ``(3H,)``, when ``x_proj`` does not include it.

    Returns:
        ``(out, h_last)``: all states ``(T, B, H)`` and the last one ``(B, H)``.
    """
    if engine == "auto":
        engine = "fused" if fused_available(x_proj, h0) else "autograd"
    if engine == "fused":
        if not fused_available(x_proj, h0):
            raise RuntimeError(
                f"gru_sequence: engine='fused' needs the C++ kernel on a CPU float32/float64 "
                f"tensor (or bfloat16 under autocast), got {x_proj.dtype} with a {h0.dtype} state "
                f"on {x_proj.device} (kernel built: {load_kernel() is not None}); use engine='auto' "
                "or 'autograd'"
            )
        x_proj = _bf16_or_float(x_proj)
        zeros = h0.new_zeros(weight_hh.shape[0])
        args = (
            x_proj.contiguous(),
            h0.contiguous(),
            weight_hh.contiguous(),
            (bias_hh if bias_hh is not None else zeros).contiguous(),
            (bias_ih if bias_ih is not None else zeros).contiguous(),
        )
        sign = keep_sign(update_convention)
        if torch.is_grad_enabled() and any(a.requires_grad for a in args):
            return _FusedGRUSequence.apply(*args, reset_after, sign)
        out = load_kernel().forward(*args, reset_after, sign, False)[0]
        return out, out[-1]
    if bias_ih is not None:
        x_proj = x_proj + bias_ih
    if engine == "compiled":
        return _compiled_loop(x_proj, h0, weight_hh, bias_hh, reset_after, update_convention)
    if engine == "autograd":
        return _loop(x_proj, h0, weight_hh, bias_hh, reset_after, update_convention)
    raise ValueError(
        f"gru_sequence: engine must be 'auto', 'fused', 'compiled' or 'autograd', got {engine!r}"
    )
