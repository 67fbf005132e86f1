"""The FC → Conv view and action: a Dense layer as the convolution that computes the same numbers."""
