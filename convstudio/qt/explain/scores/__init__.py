"""The Scores view: class scores as bars, and score maps of a fully convolutional network."""
