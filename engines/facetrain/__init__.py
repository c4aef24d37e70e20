"""Training and evaluation of the face-forgery classifier: real-face pools with identity splits,
self-blended pseudo-fakes, cross-identity face swaps for evaluation, the training loop and export.

Research data (``../shared/data``) is read here only for training and evaluation; nothing from it ships.
"""
