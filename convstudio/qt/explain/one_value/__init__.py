"""The One Value view: one output value taken apart into its products and partial sums."""
