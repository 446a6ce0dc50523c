r"""Training losses on scaled values, by name.

For targets :math:`y` and forecasts :math:`\hat y` over a batch of windows and
horizon steps (means over every element):

* ``"mae"``: :math:`\operatorname{mean}|y - \hat y|`; its minimiser is the median
  forecast, which is what MAE and MASE reward, and it is robust to spikes.
* ``"mse"``: :math:`\operatorname{mean}(y - \hat y)^2`; the mean forecast.
* ``"huber"``: squared below 1, absolute above (:func:`torch.nn.functional.huber_loss`
  with ``delta=1``), between the two.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor
from torch.nn import functional

LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "mae": functional.l1_loss,
    "mse": functional.mse_loss,
    "huber": functional.huber_loss,
}
