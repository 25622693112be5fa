"""One loader run, step by step: schema → events → orders → facts → inventory → run record.

Each step is a method named for what it does; ``run_loader`` calls them in order and records the run
as failed (with the error) if any step raises, before letting the error reach its caller. It is a library
call: a long-running service calls it again and again in one process, so everything a run opens (the HTTP
client, page generators, thread pools, a storage it opened itself) is closed on every way out of it.
"""

from __future__ import annotations

import logging
import resource
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .._version import __version__
from ..api.client import QTicketsClient
from ..api.paging import iter_pages
from ..api.retry import RetryPolicy
from ..config import Settings
from ..domain.moscow import api_datetime
from ..domain.records import Event, PromoCode, Show
from ..domain.sales import SalesRow
from ..domain.seats import inventory
from ..errors import (
    ApiHttpError,
    DataDirLockedError,
    LeaseLostError,
    RunLockedError,
    StorageError,
    StorageQueryError,
    ZakazError,
)
from ..storage import facts, job_runs, last_run, migrations, repair, schema
from ..storage.connection import Storage, connect
from ..storage.lease import Holder, Lease, who
from ..storage.staging import StagingWriter
from ..storage.state import get_state
from .encode import EncodedOrders, encode_orders
from .rows import event_rows, promo_code_rows, show_rows, transform_events, transform_promo_codes

log = logging.getLogger("integrations.qtickets_api")

MAX_MISSING_EVENT_LOOKUPS = 200
# Orders buffered before an insert: few large inserts make few ClickHouse parts; a run killed before a
# flush loses nothing, the next run fetches the same window again.
FLUSH_ORDERS = 5_000
SEATS_CONCURRENCY = 4  # parallel GET /shows/{id}/seats requests
ENGINE_POLL_S = 2.0
# What the loader reads of an event (domain/records.py: Event, City, Show), as dotted paths for ``select``.
EVENT_SELECT = [
    "id", "name", "is_active", "deleted_at", "place_name", "city_id", "city.id", "city.name", "city.timezone",
    "shows.id", "shows.is_active", "shows.start_date", "shows.finish_date", "shows.deleted_at",
]  # fmt: skip


@dataclass(frozen=True)
class RunOptions:
    since: datetime
    until: datetime
    dry_run: bool = False
    skip_inventory: bool = False
    concurrency: int = 1
    per_page: int = 500
    lease_wait_s: float = 0.0  # how long to wait for the run lease another run holds; 0: skip at once
    trigger: str = "library"  # what started the run, shown to a run that finds the lease taken


@dataclass
class DryRunPreview:
    rows: dict[str, int] = field(default_factory=dict)
    sales: dict[tuple[Any, int, int], SalesRow] = field(default_factory=dict)
    inventory: list[list[Any]] = field(default_factory=list)
    event_names: dict[int, str] = field(default_factory=dict)


@dataclass
class RunResult:
    record: job_runs.RunRecord
    preview: DryRunPreview | None = None
    timings: dict[str, float] = field(default_factory=dict)


class LoaderRun:
    def __init__(
        self,
        settings: Settings,
        options: RunOptions,
        *,
        transport: httpx.BaseTransport | None = None,
        storage: Storage | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.run_id = uuid.uuid4().hex
        self.started_at = datetime.now(UTC)
        self.loaded_at = self.started_at
        self.record = job_runs.RunRecord(
            run_id=self.run_id,
            started_at=self.started_at,
            window_since=options.since,
            window_until=options.until,
            org_name=settings.org_name,
            loader_version=__version__,
        )
        self.client = QTicketsClient(
            settings.api_base_url,
            settings.api_token,
            timeout_s=settings.api_timeout_s,
            retry=RetryPolicy(
                max_attempts=settings.api_max_attempts,
                budget_s=settings.api_retry_budget_s,
                initial_s=settings.api_backoff_s,
            ),
            transport=transport,
            max_connections=max(4, options.concurrency * 2),
        )
        self.storage = storage
        self._own_storage = storage is None
        self.writer: StagingWriter | None = None
        self.reader: StagingWriter | None = None  # a dry run's read-only look at the store
        self.lease: Lease | None = None
        self.preview = DryRunPreview() if options.dry_run else None
        self.events: dict[int, Event] = {}
        self.promo_codes: list[PromoCode] = []
        self.order_event_ids: set[int] = set()
        self.timings: dict[str, float] = {}
        self.peak_rss_mb: dict[str, int] = {}  # the process's peak RSS after each step
        self.seats_at = self.started_at
        self.live_shows: list[tuple[Event, Show]] = []
        self._seat_pool: ThreadPoolExecutor | None = None
        self._seat_reads: list[Future[Any]] = []

    # --- steps ----------------------------------------------------------------------------------------

    def open_storage(self) -> None:
        if self.options.dry_run:
            self._open_for_reading()
            return
        if self.storage is None:
            self.storage = self._connect_waiting()
        if not self.storage.schema_ready:  # a service making run after run on one connection applies them once
            migrations.migrate(self.storage, self.settings.tz)
            self.storage.schema_ready = True
        self._take_lease(self.storage)
        self.writer = StagingWriter(self.storage)
        # The fact rebuild finds its work by _loaded_at > watermark: if the wall clock stepped back since the
        # last build, stamp this run's rows just after the watermark so they are not mistaken for old ones.
        watermark = get_state(self.storage, facts.WATERMARK)
        if watermark:
            floor = datetime.fromisoformat(watermark).replace(tzinfo=UTC) + timedelta(milliseconds=1)
            self.loaded_at = max(self.loaded_at, floor)

    def _connect_waiting(self) -> Storage:
        """On the embedded engine another process holding the data directory is another run (or the service):
        wait for it as for the lease, or skip."""
        deadline = time.monotonic() + self.options.lease_wait_s
        told = False
        while True:
            try:
                return connect(self.settings)
            except DataDirLockedError as exc:
                if time.monotonic() >= deadline:
                    raise RunLockedError(str(exc), "this run is skipped; the next one runs normally") from None
                if not told:
                    log.info("Waiting up to %.0f min for the embedded engine: %s", self.options.lease_wait_s / 60, exc)
                    told = True
                time.sleep(min(ENGINE_POLL_S, max(0.0, deadline - time.monotonic())))

    def _take_lease(self, storage: Storage) -> None:
        lease = Lease(storage, trigger=self.options.trigger)
        wait_s = self.options.lease_wait_s

        def waiting(holder: Holder) -> None:
            log.info(
                "Waiting up to %.0f min for the run lease: another loader run holds it (%s)",
                wait_s / 60,
                holder.describe(),
            )

        if not lease.acquire(wait_s, on_wait=waiting):
            holder = who(storage)
            raise RunLockedError(
                f"another loader run holds the run lease ({holder.describe() if holder else 'just released'})",
                "this run is skipped; the next one runs normally (a run by hand waits: --wait-lease MINUTES)",
            )
        self.lease = lease

    def _open_for_reading(self) -> None:
        """A dry run reads the store, if there is one, only to count what a real run would write."""
        if self.storage is None:
            if self.settings.uses_embedded_clickhouse and not self.settings.clickhouse_data_dir.exists():
                return
            try:
                self.storage = connect(self.settings)
            except StorageError as exc:
                log.warning("Dry run without the store (%s): every fetched order counts as new", exc)
                return
        self.reader = StagingWriter(self.storage)

    def fetch_events(self) -> None:
        """Every event with its shows, only the fields the loader reads (``select``): a seated event in full is
        hundreds of KB, most of it the seat scheme. Where the answer ignores ``select`` it is used as it is (the
        full form carries the same fields); where the API refuses it, the full form is asked for."""
        try:
            rejects, honoured = self._read_events(EVENT_SELECT)
        except ApiHttpError as exc:
            if not self._answers_without_select():
                raise  # an outage, not a refusal of the field list
            log.warning("GET /events refused the field list (HTTP %s): reading the events in full", exc.status)
            self.events.clear()
            rejects, honoured = self._read_events(None)
        if not honoured:
            log.info("GET /events ignored the field list: the events came in full")
        self.record.rows["events_select_honoured"] = int(honoured)
        batch_rejects = rejects
        shows = sum(len(e.shows) for e in self.events.values())
        log.info(
            "Fetched events/orders: %d events with %d shows (%d rejected)",
            len(self.events),
            shows,
            len(batch_rejects),
        )
        self._reject(batch_rejects)

    def _answers_without_select(self) -> bool:
        """One small request, not retried: does /events answer when asked without the field list?"""
        try:
            self.client.list_page("events", {"page": 1, "perPage": 1}, once=True)
        except ZakazError:
            return False
        return True

    def _read_events(self, select: list[str] | None) -> tuple[list[list[Any]], bool]:
        rejects: list[list[Any]] = []
        honoured = select is not None
        source = iter_pages(self.client, "events", [], per_page=self.options.per_page, select=select)
        with closing(source) as pages:
            for page in pages:
                batch = transform_events(page, run_id=self.run_id, loaded_at=self.loaded_at)
                honoured = honoured and batch.within(EVENT_SELECT)
                self.events.update(batch.events)
                rejects.extend(batch.rejects)
        return rejects, honoured

    def fetch_promo_codes(self) -> None:
        """Promo codes name what the sales detail shows; an account that cannot list them still loads."""
        codes: list[PromoCode] = []
        try:
            with closing(iter_pages(self.client, "promo-codes", [], per_page=self.options.per_page)) as pages:
                for page in pages:
                    batch = transform_promo_codes(page, run_id=self.run_id, loaded_at=self.loaded_at)
                    codes.extend(batch.codes)
                    self._reject(batch.rejects)
        except ApiHttpError as exc:
            log.warning("Promo codes not read (%s); sales keep their promo code ids", exc)
            return
        self.promo_codes = codes

    def fetch_orders(self) -> None:
        where = [
            {"column": "updated_at", "operator": ">=", "value": api_datetime(self.options.since)},
            {"column": "updated_at", "operator": "<", "value": api_datetime(self.options.until)},
        ]
        fetched = pages = paid_tickets = dropped = 0
        pending = EncodedOrders()
        written = [0, 0]

        def write(batch: EncodedOrders) -> None:
            started = time.perf_counter()
            self._check_renewed()
            if self.writer is None:
                new = self._new_in_store(batch)
                raw, baskets = len(new), sum(batch.lines.basket_counts[n] for n in new)
            else:
                raw, baskets = self.writer.write_orders(batch.lines)
                self.writer.write_rejects(batch.rejects)
            written[0] += raw
            written[1] += baskets
            self.timings["orders_write"] = self.timings.get("orders_write", 0.0) + time.perf_counter() - started

        sales_tz = self.settings.tz if self.preview is not None else None
        encoding = 0.0
        source = iter_pages(
            self.client, "orders", where, per_page=self.options.per_page, concurrency=self.options.concurrency
        )
        waited = time.perf_counter()
        with closing(source) as pages_in:
            for page in pages_in:
                self._add_time("orders_wait_for_pages", waited)
                started = time.perf_counter()
                batch = encode_orders(page, run_id=self.run_id, loaded_at=self.loaded_at, sales_tz=sales_tz)
                encoding += time.perf_counter() - started
                pages += 1
                fetched += batch.records
                paid_tickets += batch.paid_tickets
                dropped += batch.fields_dropped
                self.order_event_ids |= batch.event_ids
                if self.preview is not None:
                    self._preview_sales(batch.sales)
                self._note_rejects(batch.rejects)
                pending.extend(batch)
                if len(pending) >= FLUSH_ORDERS:
                    write(pending)
                    pending = EncodedOrders()
                log.debug("Page %d: %d orders, %d rejected", pages, batch.records, len(batch.rejects))
                waited = time.perf_counter()
            write(pending)
        self.timings["orders_encode"] = encoding
        raw_written, baskets_written = written
        log.info(
            "Fetched events/orders: %d orders changed in the window (%d pages, %d rejected)",
            fetched,
            pages,
            self.record.rejected,
        )
        log.info(
            "Transformed orders into sales rows: %d new order versions, %d basket rows, %d paid tickets in the window",
            raw_written,
            baskets_written,
            paid_tickets,
        )
        self.record.rows["stg_qtickets_api_orders_raw"] = raw_written
        self.record.rows["stg_qtickets_api_baskets"] = baskets_written
        self.record.rows["orders_fetched"] = fetched
        self.record.rows["payload_fields_dropped"] = dropped

    def fetch_missing_events(self) -> None:
        known = set(self.events)
        if self.writer is not None:
            known |= self.writer.known_event_ids()
        missing = sorted(self.order_event_ids - known)[:MAX_MISSING_EVENT_LOOKUPS]
        for event_id in missing:
            try:
                item = self.client.get_event(event_id)
            except ApiHttpError as exc:
                if exc.status == 404:
                    log.warning(
                        "Event %d of some orders is not in /events and GET /events/%d is 404", event_id, event_id
                    )
                    continue
                raise
            batch = transform_events(
                [item] if isinstance(item, dict) else [], run_id=self.run_id, loaded_at=self.loaded_at
            )
            self.events.update(batch.events)
            self._reject(batch.rejects)
        if missing:
            log.info("Looked up %d events referenced by orders but absent from /events", len(missing))

    def write_dimensions(self) -> None:
        version = int(self.loaded_at.timestamp() * 1000)
        ev_rows = event_rows(self.events.values(), version=version, loaded_at=self.loaded_at)
        sh_rows = show_rows(self.events.values(), version=version, loaded_at=self.loaded_at)
        pc_rows = promo_code_rows(self.promo_codes, version=version, loaded_at=self.loaded_at)
        self._check_renewed()
        if self.writer is None:
            self._count(schema.EVENTS.name, len(ev_rows))
            self._count(schema.SHOWS.name, len(sh_rows))
            self._count(schema.PROMO_CODES.name, len(pc_rows))
            return
        self._count(schema.EVENTS.name, len(self.writer.write_dimension(schema.EVENTS, ev_rows)))
        self._count(schema.SHOWS.name, len(self.writer.write_dimension(schema.SHOWS, sh_rows)))
        self._count(schema.PROMO_CODES.name, len(self.writer.write_dimension(schema.PROMO_CODES, pc_rows)))

    def build_sales_facts(self) -> None:
        if self.preview is not None or self.storage is None:
            assert self.preview is not None
            self._count("fact_qtickets_sales_daily", len(self.preview.sales))
            return
        build = facts.rebuild_sales(self.storage, self.settings.tz, fence=self._fence)
        self._count("fact_qtickets_sales_daily", build.rows)
        self._count("fact_months_rebuilt", len(build.months))
        log.info("Rebuilt daily sales facts for %d months (%d rows)", len(build.months), build.rows)

    def read_seats(self) -> None:
        """The seat map of every live show, a few at a time: against the real API each is a request's latency
        (49 maps at 100 ms: 1.7-1.9 s 4 at a time, 5.6-5.8 s one by one; ``bench/run.py`` measures the 15-minute run
        with and without at that latency). Reading them during the fact rebuild was 17 % slower on 2 cores."""
        if self.options.skip_inventory:
            return
        self.seats_at = datetime.now(UTC)
        self.live_shows = [
            (event, show)
            for event in self.events.values()
            if event.deleted_at is None
            for show in event.shows
            if show.deleted_at is None and not show.is_over(self.seats_at)
        ]

        def read(show_id: int) -> Any:
            try:
                return self.client.get_seats(show_id)
            except ZakazError as exc:
                return exc

        workers = max(SEATS_CONCURRENCY, self.options.concurrency)
        self._seat_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qtickets-seats")
        self._seat_reads = [self._seat_pool.submit(read, show.id) for _, show in self.live_shows]

    def snapshot_inventory(self) -> None:
        if self.options.skip_inventory:
            log.info("Inventory snapshot skipped: --skip-inventory was given")
            return
        now, live = self.seats_at, self.live_shows
        if not live:
            log.info("Inventory snapshot skipped: /events lists no show that is not deleted and not over")
        snapshots: list[facts.ShowSnapshot] = []
        keep: list[int] = []
        tz = self.settings.zone
        for (event, show), read in zip(live, self._seat_reads, strict=True):
            data = read.result()
            if isinstance(data, ZakazError):
                log.warning(
                    "Inventory snapshot skipped for show %d (%s): %s; keeping its previous snapshot",
                    show.id,
                    event.name,
                    data,
                )
                keep.append(show.id)
                continue
            inv = inventory(data)
            if inv.records == 0:
                log.warning(
                    "Inventory snapshot skipped for show %d (%s): no seat records; keeping its previous snapshot",
                    show.id,
                    event.name,
                )
                keep.append(show.id)
                continue
            row = [
                now, event.city_name, event.id, event.name, show.id,
                show.start_date.astimezone(tz) if show.start_date else None,
                inv.tickets_total, inv.tickets_left, inv.tickets_paid, inv.tickets_reserved, int(inv.capacity_known),
                inv.records, self.run_id,
            ]  # fmt: skip
            zones = [
                [now, show.id, name, z.capacity, z.left, z.paid, z.reserved, self.run_id]
                for name, z in sorted(inv.zones.items())
            ]
            snapshots.append(facts.ShowSnapshot(row, zones))
        rows = [s.row for s in snapshots]
        if self.preview is not None or self.storage is None:
            assert self.preview is not None
            self.preview.inventory = rows
            self._count("fact_qtickets_inventory_latest", len(rows))
            return
        count = facts.replace_inventory(self.storage, snapshots, keep, fence=self._fence)
        self._count("fact_qtickets_inventory_latest", count)
        self._count("inventory_shows_skipped", len(keep))
        log.info("Inventory snapshot: %d shows read, %d kept from the previous snapshot", len(rows), len(keep))

    def record_run(self, status: str, error: str = "") -> None:
        self.record.status = status
        self.record.error = error
        self.record.finished_at = datetime.now(UTC)
        self.record.api_requests = self.client.stats.requests
        self.record.retries = self.client.stats.retries
        self.record.rows["api_bytes"] = self.client.stats.bytes_received
        if self.options.dry_run or self.storage is None:
            return
        job_runs.record(self.storage, self.record)
        if self.storage.embedded:
            try:
                last_run.write(
                    self.settings.clickhouse_data_dir.resolve(), self.run_id, status, self.record.finished_at
                )
            except OSError as exc:  # freshness then reads meta_job_runs only
                log.warning("Could not write the last run's status file: %s", exc)

    def record_lease_lost(self, exc: LeaseLostError) -> None:
        """Nothing more was published: leave what this run staged to the next rebuild, and say so in one line."""
        log.error("Loader run %s stopped before publishing: %s", self.run_id, exc.one_line())
        if self.storage is None:
            return
        repair.request(self.storage, self.run_id, self.loaded_at)
        self.record_run("lease_lost", str(exc))

    # --- helpers --------------------------------------------------------------------------------------

    def _fence(self) -> None:
        """Before every publishing step: this run still holds the newest generation of the run lease."""
        if self.lease is None:
            raise LeaseLostError("this run does not hold the run lease", "nothing was published")
        self.lease.check()

    def _check_renewed(self) -> None:
        """Before a staging write: stop early once a renewal found the lease lost (no query)."""
        if self.lease is not None:
            self.lease.check_renewed()

    def _new_in_store(self, batch: EncodedOrders) -> list[int]:
        """Dry run: which of these order versions a real run would write (all of them without a store)."""
        if self.reader is not None:
            try:
                return self.reader.new_versions(batch.lines)
            except StorageQueryError as exc:
                if exc.code not in ("UNKNOWN_TABLE", "UNKNOWN_DATABASE"):
                    raise
        return list(range(len(batch)))

    def _reject(self, rows: list[list[Any]]) -> None:
        self._note_rejects(rows)
        if self.writer is not None:
            self.writer.write_rejects(rows)

    def _note_rejects(self, rows: list[list[Any]]) -> None:
        if not rows:
            return
        self.record.rejected += len(rows)
        for row in rows:
            log.warning("Rejected %s %s: %s", row[2], row[3] or "<no id>", row[4])
        self._count("stg_qtickets_api_rejects", len(rows))

    def _count(self, key: str, n: int) -> None:
        self.record.rows[key] = self.record.rows.get(key, 0) + n

    def _preview_sales(self, rows: list[SalesRow]) -> None:
        assert self.preview is not None
        for row in rows:
            key = (row.sales_date, row.event_id, row.show_id)
            acc = self.preview.sales.setdefault(key, SalesRow(*key))
            acc.tickets_sold += row.tickets_sold
            acc.revenue += row.revenue
            acc.sale_ts = max(filter(None, (acc.sale_ts, row.sale_ts)), default=None)

    def close(self) -> None:
        try:
            if self.lease is not None:
                self.lease.release()
            if self._seat_pool is not None:  # after a failure, seat reads still queued are dropped
                self._seat_pool.shutdown(wait=True, cancel_futures=True)
                self._seat_pool = None
        finally:
            self.client.close()
            if self._own_storage and self.storage is not None:
                self.storage.close()

    def _add_time(self, name: str, since: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - since

    def _timed(self, name: str, step: Any) -> None:
        started = time.perf_counter()
        step()
        self.timings[name] = time.perf_counter() - started
        self.peak_rss_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def run_loader(
    settings: Settings,
    options: RunOptions,
    *,
    transport: httpx.BaseTransport | None = None,
    storage: Storage | None = None,
) -> RunResult:
    run = LoaderRun(settings, options, transport=transport, storage=storage)
    log.info(
        "Starting QTickets API ingestion run %s: window %s .. %s (UTC), org %r, token %s, ClickHouse %s%s",
        run.run_id,
        options.since.strftime("%Y-%m-%d %H:%M:%S"),
        options.until.strftime("%Y-%m-%d %H:%M:%S"),
        settings.org_name,
        settings.token_fingerprint,
        f"embedded at {settings.clickhouse_data_dir}"
        if settings.uses_embedded_clickhouse
        else settings.clickhouse_host,
        ", dry run: nothing will be written" if options.dry_run else "",
    )
    try:
        run._timed("open_storage", run.open_storage)
        run._timed("fetch_events", run.fetch_events)
        run._timed("fetch_promo_codes", run.fetch_promo_codes)
        run._timed("fetch_orders", run.fetch_orders)
        run._timed("fetch_missing_events", run.fetch_missing_events)
        run._timed("write_dimensions", run.write_dimensions)
        run._timed("build_sales_facts", run.build_sales_facts)
        run._timed("read_seats", run.read_seats)
        run._timed("snapshot_inventory", run.snapshot_inventory)
        run.record_run("dry_run" if options.dry_run else "success")
        if run.preview is not None:
            run.preview.rows = dict(run.record.rows)
            run.preview.event_names = {e.id: e.name for e in run.events.values()}
        log.info(
            "Finished QTickets API ingestion run %s: %s in %.1f s, %d API requests, %d retries, rows %s",
            run.run_id,
            run.record.status,
            (datetime.now(UTC) - run.started_at).total_seconds(),
            run.record.api_requests,
            run.record.retries,
            dict(run.record.rows),
        )
        log.debug("Timings (s): %s", {k: round(v, 3) for k, v in run.timings.items()})
        log.debug("Peak RSS after each step (MB): %s", run.peak_rss_mb)
        return RunResult(record=run.record, preview=run.preview, timings=run.timings)
    except BaseException as exc:
        message = exc.one_line() if isinstance(exc, ZakazError) else f"{exc.__class__.__name__}: {exc}"
        if isinstance(exc, KeyboardInterrupt):
            message = "interrupted"
        try:
            if isinstance(exc, LeaseLostError):
                run.record_lease_lost(exc)
            elif run.storage is not None and not isinstance(exc, RunLockedError):  # a skipped run is no run
                run.record_run("failed", message)
        except Exception as record_exc:  # the store itself may be what failed
            log.error("Could not record the failed run in meta_job_runs: %s", record_exc)
        raise
    finally:
        run.close()


def default_window(since_hours: float, now: datetime | None = None) -> tuple[datetime, datetime]:
    until = (now or datetime.now(UTC)).replace(microsecond=0)
    return until - timedelta(hours=since_hours), until
