"""The numbers behind the app's "Convolution explained" views: windows, sums, sharing, heads, scores."""
from .breakdown import Breakdown, ChannelTerm, output_breakdown
from .dense_matrix import SharingMatrix, conv_difference, sharing_matrix, transpose_difference
from .field import Box, receptive_box
from .heads import HeadComparison, HeadLayer, compare_heads, network_head
from .scores import ClassScore, ScoreMaps, score_maps
from .sharing import (DENSE_LIMIT, ConvConfig, SharingCounts, conv_config, node_config, sharing_counts, tap_uses,
                      too_big)
from .window import AxisSlide, SlidingWindow, describe_window, formula_lines, node_window

__all__ = ["AxisSlide", "Box", "Breakdown", "ChannelTerm", "ClassScore", "ConvConfig", "DENSE_LIMIT",
           "HeadComparison", "HeadLayer", "ScoreMaps", "SharingCounts", "SharingMatrix", "SlidingWindow",
           "compare_heads", "conv_config", "conv_difference", "describe_window", "formula_lines",
           "network_head", "node_config", "node_window", "output_breakdown", "receptive_box", "score_maps",
           "sharing_counts", "sharing_matrix", "tap_uses", "too_big", "transpose_difference"]
