"""The inspector: the selected layer's parameters, shapes and the arithmetic behind them."""
