"""Forecasting many windows without gradients, in batches sized to stay lean."""

from __future__ import annotations

import torch

from grucast.data.errors import DataError
from grucast.data.windows import WindowDataset
from grucast.settings import Settings
from grucast.training.module import ForecastModule


def forecast_dataset(
    module: ForecastModule, dataset: WindowDataset, settings: Settings, index: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    """Model-unit forecasts and targets of the windows ``index`` (all if omitted).

    Returns:
        ``(forecasts, targets, fields)``: ``(W, H, 1)`` each, and the batch fields
        that place and unscale them (``series``, ``start``, ``offset``, ``scale``).
    """
    if len(dataset) == 0:
        raise DataError("there are no windows in this part of the data: the series are too short for its size")
    if index is None:
        index = torch.arange(len(dataset))
    device = next(module.parameters()).device
    module.eval()
    batch_size = inference_batch_size(settings.lookback, settings.hidden_size, training_batch=settings.batch_size)
    # Results go into tensors allocated once: small tensors kept from every batch
    # get carved out of the big buffers the batch before freed, and the heap then
    # grew by about one batch's activations per batch.
    results: dict[str, torch.Tensor] = {}
    done = 0
    with torch.no_grad():
        for chunk in index.split(batch_size):
            batch = dataset.batch(chunk)
            pred = module({k: v.to(device) for k, v in batch.items()})
            fields = {"pred": pred, **{k: batch[k] for k in ("y", "series", "start", "offset", "scale")}}
            if not results:
                results = {k: v.new_empty((len(index), *v.shape[1:]), device="cpu") for k, v in fields.items()}
            for key, value in fields.items():
                results[key][done : done + len(chunk)] = value
            done += len(chunk)
    pred, true = results.pop("pred"), results.pop("y")
    return pred, true, results


def inference_batch_size(
    lookback: int, hidden_size: int, training_batch: int | None = None, budget_bytes: int = 24 << 20
) -> int:
    """Windows per forward pass without gradients: a power of two in [32, 4096].

    The largest buffer of a recurrent layer is its input projection for all steps,
    ``lookback * 3 * hidden_size`` float32 values per window (4 gate blocks for an
    LSTM, the same order). Batches are kept to ``budget_bytes`` of it: below
    glibc's largest automatic mmap threshold (32 MiB), freed buffers are reused by
    the next batch instead of being mapped and page-faulted afresh (at lookback 168,
    hidden 64, batches of 256 windows were slower than batches of 128). They are
    also no larger than the training batch (or 128 windows, if that is smaller), so
    forecasting never needs more memory than training did.
    """
    per_window = 4 * lookback * 3 * hidden_size
    limit = 4096 if training_batch is None else max(training_batch, 128)
    size = 4096
    while size > 32 and (size * per_window > budget_bytes or size > limit):
        size //= 2
    return size
