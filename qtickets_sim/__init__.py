"""A local QTickets REST API v1: deterministic data, live activity, and the faults of the real thing.

It stands in for QTickets only, and is never easier than the real API: its answers follow what a live account
really sent (``/work/shared/real_answers.md``: integer prices, 0/1 flags, every timestamp in +03:00 with the venue's
zone only in ``city.timezone``, default page sizes per list, 404 ``RESOURCE_NOT_FOUND``, an HTML page for unknown
routes), and its account looks like the real organiser's in proportion: Siberian cities, exhibitions sold by tariff
zones of unknown capacity and seated shows whose events weigh hundreds of kilobytes.

In-process::

    from qtickets_sim import Simulator, SimulatorConfig, FaultConfig

    sim = Simulator(SimulatorConfig(seed=1, orders=2000, token="t0k"), faults=FaultConfig())
    with sim.serve() as server:
        ...  # server.base_url == "http://127.0.0.1:PORT/api/rest/v1"

As a process: ``python -m qtickets_sim --help``; it prints its base URL and can be driven
through ``/_sim/advance``, ``/_sim/faults``, ``/_sim/orders``, ``/_sim/events``, ``/_sim/stats``, ``/_sim/now`` and
``/_sim/webhooks``. The expected sales and inventory to compare a loader with are in :mod:`.truth`. It can send its
activity as QTickets webhooks (``sim.send_webhooks(WebhookConfig(url, secret))``, :mod:`.webhooks`).
"""

from .allocation import OrderRejected
from .faults import FaultConfig
from .server import SimServer
from .simulator import Simulator, SimulatorConfig

__all__ = ["FaultConfig", "OrderRejected", "SimServer", "Simulator", "SimulatorConfig"]
