"""Analysis of result NIX files: Δw, window fits, errors against data, comparison plots, report."""
