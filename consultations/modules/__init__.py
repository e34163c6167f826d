"""The participation modules, one file each; each registers itself with
``consultations.registry`` (docs/modules.md)."""
