"""Developer tools that are not part of the product: the demo and the soak drivers (run from the repository root)."""
