"""Settings for ``tests.benchmarks.live --layer``: the production settings with another channel
layer, named by its dotted path in ``BENCHMARK_CHANNEL_LAYER`` (the benchmark sets it only for
the ``default`` setup, the one without Redis)."""

import os

from participation.settings import *  # noqa: F403

CHANNEL_LAYERS = {"default": {"BACKEND": os.environ["BENCHMARK_CHANNEL_LAYER"]}}
