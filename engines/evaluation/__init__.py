"""Evaluation metrics and commands shared by analyses and learned models."""
