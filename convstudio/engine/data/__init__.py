"""Dataset sources (shapes, digits, folders) and the Dataset they become; `engine.datasets` is the entry point."""
