from tests.dashboard.fixtures import readers, truth, world

__all__ = ["readers", "truth", "world"]
