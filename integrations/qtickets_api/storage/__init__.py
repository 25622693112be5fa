"""ClickHouse, embedded or a server: the connection, the schema and its migrations, staging writes, the fact
rebuild, the loader's state and its run records. Imports nothing of ours above ``domain``."""

from . import facts, job_runs, migrations, schema
from .connection import Storage, Target, connect, connect_reader
from .lease import Holder, Lease, who
from .staging import OrderLines, StagingWriter
from .state import get_state, set_state

__all__ = [
    "Holder",
    "Lease",
    "OrderLines",
    "StagingWriter",
    "Storage",
    "Target",
    "connect",
    "connect_reader",
    "facts",
    "get_state",
    "job_runs",
    "migrations",
    "schema",
    "set_state",
    "who",
]
