"""claimwatch: watch news feeds for what named people and governments say."""

__version__ = "0.1.0"
