"""Exceptions shared by every layer of ConvStudio (no Qt, no NumPy).

They live in one leaf module so that the CLI and the app can catch a user's mistake
as one family and show its message, never a traceback.
"""


class ConvStudioError(Exception):
    """A problem the user can cause and fix; its message is shown as is."""


class FormatError(ConvStudioError):
    """A network or weights file that cannot be read; the message names the JSON path."""


class GraphError(ConvStudioError):
    """An edit that would make the network invalid (cycle, arity, unknown id)."""


class RunCancelled(ConvStudioError):
    """A forward pass stopped by its cancel callback; no partial result is kept."""


class ResourceLimitError(ConvStudioError):
    """Work refused up front because it would need more memory than allowed."""
