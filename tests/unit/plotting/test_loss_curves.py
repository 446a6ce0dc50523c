from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pytest
from matplotlib.axes import Axes

from grucast.plotting import plot_loss_curves


def _history(epochs=6, val=True, lr=None):
    rows = []
    for epoch in range(epochs):
        row = {"epoch": float(epoch), "train_loss": 1.0 / (epoch + 1)}
        if val:
            # Lowest at epoch 3: 0.25 + (e - 3)^2 / 100.
            row["val_loss"] = 0.25 + (epoch - 3) ** 2 / 100
        if lr is not None:
            row["lr"] = lr(epoch)
        rows.append(row)
    return rows


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _annotation(ax):
    notes = [child for child in ax.texts if child.get_text().startswith("best")]
    assert len(notes) == 1
    return notes[0]


def test_train_and_validation_lines_with_labels():
    ax = plot_loss_curves(_history())
    assert isinstance(ax, Axes)
    assert _legend_texts(ax) == ["training", "validation"]
    by_label = {line.get_label(): line for line in ax.get_lines()}
    assert list(by_label["training"].get_xdata()) == [0, 1, 2, 3, 4, 5]
    assert by_label["validation"].get_ydata()[3] == pytest.approx(0.25)
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"
    assert ax.get_title() == "Loss per epoch"


def test_best_validation_epoch_has_a_dot_and_a_note():
    ax = plot_loss_curves(_history())
    dots = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
    assert len(dots) == 1
    assert (dots[0].get_xdata()[0], dots[0].get_ydata()[0]) == (3.0, pytest.approx(0.25))
    note = _annotation(ax)
    assert note.get_text() == "best validation loss 0.25\n(epoch 3)"
    assert note.xy == (3.0, pytest.approx(0.25))


def test_without_validation_the_best_training_epoch_is_marked():
    ax = plot_loss_curves(_history(val=False))
    assert _legend_texts(ax) == ["training"]
    assert _annotation(ax).get_text() == "best training loss 0.1667\n(epoch 5)"


def test_rows_missing_a_key_leave_that_point_out():
    history = _history()
    del history[1]["val_loss"]
    history[2]["val_loss"] = None
    ax = plot_loss_curves(history)
    validation = next(line for line in ax.get_lines() if line.get_label() == "validation")
    assert list(validation.get_xdata()) == [0, 3, 4, 5]


def test_log_scale_only_when_losses_span_more_than_two_decades():
    wide = [{"epoch": e, "train_loss": 10.0 ** -e} for e in range(4)]  # 1 .. 0.001
    narrow = [{"epoch": e, "train_loss": 1.0 / (e + 1)} for e in range(50)]  # 1 .. 0.02
    assert plot_loss_curves(wide).get_yscale() == "log"
    assert plot_loss_curves(narrow).get_yscale() == "linear"


def test_a_changing_learning_rate_gets_its_own_axis():
    ax = plot_loss_curves(_history(lr=lambda e: 1e-3 if e < 3 else 5e-4))
    assert len(ax.figure.axes) == 2
    twin = next(other for other in ax.figure.axes if other is not ax)
    assert twin.get_ylabel() == "learning rate"
    assert twin.get_yscale() == "log"
    assert [label.get_text() for label in twin.get_yticklabels()] == ["0.0005", "0.001"]
    assert _legend_texts(ax) == ["training", "validation", "learning rate"]


def test_a_constant_learning_rate_is_not_drawn():
    ax = plot_loss_curves(_history(lr=lambda e: 1e-3))
    assert ax.figure.axes == [ax]
    assert "learning rate" not in _legend_texts(ax)


def test_draws_on_the_axes_given():
    _, given = plt.subplots()
    assert plot_loss_curves(_history(), ax=given) is given
    assert len(plt.get_fignums()) == 1


@pytest.mark.parametrize(
    ("history", "error", "message"),
    [
        ([], ValueError, "plot_loss_curves: history is empty; there is no epoch to plot."),
        ({"epoch": 0}, TypeError, "plot_loss_curves: history must be a list of dicts (one per epoch), got dict"),
        ([{"train_loss": 1.0}], ValueError, "plot_loss_curves: history[0] has no 'epoch' key (keys: ['train_loss'])"),
        ([{"epoch": 0, "lr": 0.1}], ValueError, "no row of history has a 'train_loss' or 'val_loss' value"),
    ],
)
def test_bad_history_is_refused(history, error, message):
    with pytest.raises(error, match=re.escape(message)):
        plot_loss_curves(history)
