"""The `grucast` command."""

from __future__ import annotations

import click

from grucast import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grucast")
def cli() -> None:
    """grucast: GRU time-series forecasting from the command line."""


@cli.command()
@click.option("--epochs", default=30, show_default=True, help="Training epochs.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
def demo(epochs: int, seed: int) -> None:
    """Train grucast's own GRU on a noisy sine wave and compare it with the naive forecast.

    Example: grucast demo --epochs 30
    """
    from grucast.cli.sine_demo import run_sine_demo

    run_sine_demo(epochs=epochs, seed=seed, echo=click.echo)


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="grucast", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        return 1
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return 2
    return 0
