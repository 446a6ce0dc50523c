"""Input checks shared by the recurrent layers, with messages that name the layer."""

from __future__ import annotations

from torch import Tensor
from torch.nn.utils.rnn import PackedSequence


def check_state(owner: str, hx: Tensor, input: Tensor, expected: tuple[int, ...], layers: str) -> None:
    """``hx`` must be a tensor of shape ``expected`` on the input's dtype and device.

    ``layers`` names the first dimension in the message (e.g. ``"num_layers"``).
    """
    if not isinstance(hx, Tensor):
        raise TypeError(f"{owner}: hx must be a Tensor or None, got {type(hx).__name__}")
    if tuple(hx.shape) != expected:
        legend = ", ".join([layers] + (["N"] if len(expected) == 3 else []) + ["hidden_size"])
        raise ValueError(f"{owner}: expected hx of shape {expected} ({legend}), got {tuple(hx.shape)}")
    if hx.dtype != input.dtype or hx.device != input.device:
        raise ValueError(
            f"{owner}: hx ({hx.dtype}, {hx.device}) must match input ({input.dtype}, {input.device}); "
            "move or cast one of them"
        )


def check_sequence(
    owner: str,
    input: Tensor,
    hx: Tensor | None,
    *,
    input_size: int,
    hidden_size: int,
    state_layers: int,
    batch_first: bool,
    layers: str = "num_layers",
) -> bool:
    """Check a recurrent layer's ``(input, hx)``; returns whether the input is batched.

    Args:
        owner: the layer's class name, for the messages.
        input: ``(L, F)``, ``(L, N, F)`` or ``(N, L, F)`` with ``batch_first``.
        hx: ``None``, ``(state_layers, H)`` or ``(state_layers, N, H)``.
        input_size, hidden_size: ``F`` and ``H``.
        state_layers: first dimension of ``hx`` (layers times directions).
        layers: how the messages name that dimension.
        batch_first: the layer's layout.
    """
    if isinstance(input, PackedSequence):
        raise TypeError(
            f"{owner}: PackedSequence input is not supported; pass a padded tensor and take "
            "each sequence's output at its own last step"
        )
    if not isinstance(input, Tensor):
        raise TypeError(f"{owner}: input must be a Tensor, got {type(input).__name__}")
    if input.dim() not in (2, 3):
        raise ValueError(
            f"{owner}: expected input to be 2-D (unbatched) or 3-D (batched), got {input.dim()}-D "
            f"with shape {tuple(input.shape)}"
        )
    if input.shape[-1] != input_size:
        raise ValueError(
            f"{owner}: input has {input.shape[-1]} features in its last dimension but the layer "
            f"was built with input_size={input_size}"
        )
    batched = input.dim() == 3
    if input.shape[1 if (batched and batch_first) else 0] == 0:
        raise ValueError(f"{owner}: the input sequence is empty (length 0); give at least one step")
    if hx is not None:
        batch = (input.shape[0 if batch_first else 1],) if batched else ()
        check_state(owner, hx, input, (state_layers, *batch, hidden_size), layers)
    return batched
