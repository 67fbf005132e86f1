"""The network as data, its undoable edit commands and their undo stack (no Qt, no arrays)."""
from .commands import (AddNode, ChangeType, Command, Connect, Disconnect, InsertOnEdge, Macro, MoveNodes,
                       RemoveNodes, Rename, SetMeta, SetParams, check_connect, id_prefix)
from .network import Change, Network, check_labels
from .node import Node, check_id, coerce_params
from .undo import UndoStack

__all__ = ["AddNode", "Change", "ChangeType", "Command", "Connect", "Disconnect", "InsertOnEdge", "Macro", "MoveNodes",
           "Network", "Node", "RemoveNodes", "Rename", "SetMeta", "SetParams", "UndoStack", "check_connect",
           "check_id", "check_labels", "coerce_params", "id_prefix"]
from .layout import layered_positions  # noqa: E402

__all__.append("layered_positions")
