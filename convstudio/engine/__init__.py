"""Inference, execution, weights, images and explanations (NumPy, no Qt)."""
