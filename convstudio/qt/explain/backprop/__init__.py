"""The Backprop view: where each layer sends the gradient, on the user's own network and image."""
