"""Adversarial photo protection against face-swap and face-editing pipelines (see ``service``)."""
