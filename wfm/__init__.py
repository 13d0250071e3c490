"""wfm: shared domain model, configuration, storage, importers, pipeline and CLI."""

__version__ = "0.1.0"
