"""Help ▸ Glossary: the letters and words the app uses, each in a sentence or two."""
from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

# (term, definition): the letters follow the inspector's labels (filters (K), kernel size (F), …).
TERMS: tuple[tuple[str, str], ...] = (
    ("K — filters", "The number of filters of a convolution, which is the number of output channels: each "
     "filter produces one channel of the output. For a Dense layer, K is the number of outputs."),
    ("C — channels", "The depth of a tensor: 3 for an RGB image, K after a convolution with K filters. "
     "A shape is written C×H×W (channels × height × width)."),
    ("F — filter size", "The height × width of the window a filter covers (kernel size). Each filter is "
     "C/G × F × F weights: it spans every input channel of its group (all C of them when G = 1)."),
    ("P — padding", "The number of rows and columns added on each border of the input before the window "
     "slides (zeros for a convolution, −∞ for max pooling). P = ⌊F/2⌋ with S = 1 keeps the size."),
    ("S — stride", "The step: how many pixels the window jumps between two output positions. "
     "Output size o = ⌊(i + 2P − F) / S⌋ + 1 for an input of size i."),
    ("D — dilation", "The spacing between the taps of a filter: D = 2 leaves one pixel out between taps. "
     "The window covers F + (F − 1)(D − 1) pixels with the same F × F weights."),
    ("groups (G)", "Split the input channels and the filters into G groups; each filter sees only its "
     "group's C/G channels. G = C with K = C is a depthwise convolution."),
    ("receptive field", "The region of the input image that one output value depends on. It grows with "
     "every layer: by (F − 1) × jump per convolution or pooling layer."),
    ("jump", "The distance, in input-image pixels, between two neighbouring positions of a layer's output: "
     "the product of the strides of the layers up to it."),
    ("parameters", "The weights and biases a layer learns. A convolution has K × (C/G) × F × F weights and K "
     "biases, whatever the image size: the same filter is shared by every position."),
    ("MACs", "Multiply–accumulate operations of one forward pass (convolutions and Dense layers, biases "
     "not included); FLOPs ≈ 2 × MACs."),
    ("epoch", "One pass of training over every image of the training set."),
    ("batch", "The group of images processed together in one training step; the gradient is averaged over "
     "the batch before the weights change."),
    ("learning rate", "How far each training step moves the weights along the negative gradient: too small "
     "and training crawls, too large and the loss jumps about or grows."),
    ("loss", "One number saying how wrong the network's outputs are for a batch (cross-entropy for "
     "classification): training lowers it."),
    ("gradient", "For every weight, how much the loss would change if that weight grew a little. "
     "Training moves each weight against its gradient."),
    ("backpropagation", "Computing every gradient at once by going through the network backwards from the "
     "loss, layer by layer, with the chain rule; each layer turns the gradient of its output into the "
     "gradients of its input and of its weights."),
)


def glossary_html() -> str:
    items = "".join(f"<dt><b>{escape(term)}</b></dt><dd>{escape(text)}</dd>" for term, text in TERMS)
    return f"<h2>Glossary</h2><dl>{items}</dl>"


class GlossaryDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("glossary")
        self.setWindowTitle("Glossary — ConvStudio")
        self.browser = QTextBrowser(self)
        self.browser.setHtml(glossary_html())
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        self.resize(620, 640)
