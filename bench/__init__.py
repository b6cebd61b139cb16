"""The benchmarks of Frontline Board, outside the app package: python -m bench dashboards | suggestions."""
