"""The composition root: the service, the refetch policy, the CLI and the demo.

Layering: the only package allowed to import both ``crawler`` and ``archive``.
"""
