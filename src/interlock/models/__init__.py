"""Model clients: the embedded baseline and adapters for hosted models."""
