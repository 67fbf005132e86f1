"""The sliding Window view: the window, its taps and the output position they make."""
