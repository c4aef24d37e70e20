"""Learned manipulation localization: synthetic training data, training, inference and evaluation.

Only ``inference`` and ``train`` import torch, and only when they are used.
"""
