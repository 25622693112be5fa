"""A local Yandex Direct Reports API v5: the campaigns of the QTickets simulator's account, daily statistics, the
offline report queue and the documented error answers. Never easier than the real service.

Built from the public documentation (Russian and English versions of the same pages):

- Reports service, request and format: https://yandex.ru/dev/direct/doc/reports/reports.html ,
  https://yandex.ru/dev/direct/doc/ru/spec , https://yandex.ru/dev/direct/doc/ru/report-format
- HTTP headers (``processingMode``, ``returnMoneyInMicros``, ``skipReportHeader``, ``skipColumnHeader``,
  ``skipReportSummary``; ``retryIn`` and ``reportsInQueue`` in answers, at most 5 offline reports queued per user):
  https://yandex.ru/dev/direct/doc/ru/headers
- Online and offline modes (201 queued, 202 being built, 200 the report; poll with the same parameters):
  https://yandex.ru/dev/direct/doc/ru/mode
- Response codes and the error structure (``error_code``, ``error_string``, ``error_detail``, ``request_id``):
  https://yandex.ru/dev/direct/doc/ru/codes ; error codes: https://yandex.ru/dev/direct/doc/ru/concepts/errors-list
- ``Client-Login`` for agency accounts: https://yandex.ru/dev/direct/doc/dg/concepts/headers.html#client-login

From the documentation: the endpoint and headers, TSV with an optional title line, column header and
``Total rows: N`` summary, money as integers x 1 000 000 unless ``returnMoneyInMicros: false``, ``IncludeVAT``,
the 201/202/200 sequence with ``retryIn``, the 5-report queue, the error JSON. Assumptions (not in the pages we
read): which ``error_code`` a reused ``ReportName`` with other parameters and a full queue get (we answer 8000
and 9000 with a detail line), how many polls a report takes (``offline_polls``), that rows without impressions are
left out, and the row order (not sorted).
"""

from .reports import DirectConfig, DirectFaults, DirectSimulator

__all__ = ["DirectConfig", "DirectFaults", "DirectSimulator"]
