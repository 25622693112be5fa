"""The /orders probe: the organiser's runbook for "QTickets /orders returns no sales" as one safe command
that ends in a diagnosis. ``python -m integrations.qtickets_api.probe --help``; see docs/probe.md."""

from ..errors import ProbeError
from .diagnosis import EXIT_COULD_NOT_RUN, EXIT_FOUND, EXIT_NONE, Diagnosis
from .runner import ProbeOptions, ProbeResult, plan_text, run_probe

__all__ = [
    "EXIT_COULD_NOT_RUN",
    "EXIT_FOUND",
    "EXIT_NONE",
    "Diagnosis",
    "ProbeError",
    "ProbeOptions",
    "ProbeResult",
    "plan_text",
    "run_probe",
]
