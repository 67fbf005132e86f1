"""The open network as an undoable document (graph, weights, undo stack) and its autosave."""
