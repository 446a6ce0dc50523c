"""One module per system, each with ``run(data, settings) -> Output``.

Each is imported only in its own worker process, so that one library's imports
never count towards another's memory.
"""

#: System key -> (module, the model it runs).
SYSTEMS: dict[str, tuple[str, str]] = {
    "grucast": ("systems.grucast_runner", "Forecaster('gru')"),
    "darts": ("systems.darts_runner", "BlockRNNModel(model='GRU')"),
    "neuralforecast": ("systems.neuralforecast_runner", "GRU (direct)"),
    "pytorch_forecasting": ("systems.pytorch_forecasting_runner", "RecurrentNetwork(cell_type='GRU')"),
}
