"""The demo town of Musterstadt: the data (``musterstadt.toml``) and its loader (``loader``)."""
