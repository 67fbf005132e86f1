"""The Sharing view: a convolution written out as the dense matrix whose weights it shares."""
