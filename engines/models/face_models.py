"""Importing this module registers every face-forgery classifier (``face_amten``, ``face_gocnet``,
``face_grnet``, ``face_dpnet``) with the model registry."""

from engines.models import face_amten, face_dpnet, face_gocnet, face_grnet

FACE_MODELS = ("face_amten", "face_dpnet", "face_gocnet", "face_grnet")

__all__ = ["FACE_MODELS", "face_amten", "face_dpnet", "face_gocnet", "face_grnet"]
