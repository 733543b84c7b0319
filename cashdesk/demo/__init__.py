"""A realistic demo district for training, screenshots and benchmarks."""
