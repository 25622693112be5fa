"""What goes on the wire: events and shows as the real API writes them, and orders expanded from their stored form.

Shapes follow ``/work/shared/real_answers.md``: prices are integers, flags ``is_active`` are 0/1 integers, every
timestamp (shows included) carries ``+03:00`` and the venue's zone is only in ``city.timezone``; shows inside an
event have no ``event_id``; an empty ``utm`` is ``[]``, an empty ``custom`` is ``""``. Fields the loader has no
use for are present all the same, credentials and personal data among them (``cancel_url``, ``pdf_url``,
``payment_card_number``, the company buyer's ``inn``...) — all invented, so that a leak of them is caught by the
tests that look for leaks, not by a real person.

Orders are stored without what follows from other fields (the URLs, the masked card number, the empty lists);
:func:`served_order` adds it on the way out, so a big account costs little more memory than before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .catalog import COMPANIES, PAYMENTS, WORK_POSITIONS
from .dates import iso_msk
from .model import Event, Show
from .orders import Order
from .rand import mix

EXHIBITION_TYPE, SHOW_TYPE = 4, 1
# The empty lists of a served order, shared by every answer on the wire (they are only serialized there, never
# changed): a page of 500 orders then allocates a few thousand containers fewer, and the cyclic collector that
# they would wake up stays asleep. Callers that may mutate get fresh ones (``deep``).
_EMPTY: list[Any] = []
CARD_PREFIXES = ("220000", "400000", "510000")  # masked PANs: invented prefixes, first 6 + last 4 digits
MAIL_BODY = (
    "<p>Здравствуйте!</p><p>Спасибо за покупку. Во вложении ваши электронные билеты на «{name}». Билет можно "
    "распечатать или показать на экране телефона; штрихкод сканируется на входе один раз.</p><p>Адрес: {address}. "
    "Вход открывается за {before} до начала. Дети до трёх лет проходят бесплатно без отдельного билета, если иное "
    "не указано в описании мероприятия.</p>"
)
TICKET_TEXT = (
    "<p>Билет действителен для одного посещения. Сохраните билет до конца мероприятия. Копирование штрихкода "
    "запрещено: при повторном проходе билет недействителен. Организатор вправе отказать в проходе при нарушении "
    "правил посещения площадки.</p>"
)


# -- events and shows ----------------------------------------------------------------------------------------


def _price_entry(position: int, price_id: int, roubles: int) -> dict[str, Any]:
    return {"id": price_id, "default_price": roubles, "color_theme": str(position + 1), "modifiers": []}


def show_api(show: Show) -> dict[str, Any]:
    prices = [_price_entry(position, price_id, roubles) for position, (price_id, roubles) in enumerate(show.prices)]
    live = show.deleted_ts is None
    updated = show.created_ts if show.deleted_ts is None else max(show.created_ts, show.deleted_ts)
    return {
        "id": show.id,
        "name": "",
        "is_active": int(show.is_active),
        "sale_start_date": iso_msk(show.sale_start_ts) if show.sale_start_public else None,
        "sale_finish_date": iso_msk(show.sale_finish_ts),
        "open_date": iso_msk(show.open_ts),
        "start_date": iso_msk(show.start_ts),
        "finish_date": iso_msk(show.finish_ts),
        "created_at": iso_msk(show.created_ts),
        "updated_at": iso_msk(updated),
        "deleted_at": None if live else iso_msk(show.deleted_ts or 0),
        "prices": prices,
        "min_price": min(prices, key=lambda entry: entry["default_price"]) if live and prices else None,
        "max_price": max(prices, key=lambda entry: entry["default_price"]) if live and prices else None,
        "scheme_properties": show.layout.scheme,
    }


def event_api(event: Event, host: str) -> dict[str, Any]:
    venue, city = event.venue, event.venue.city
    exhibition = event.kind == "exhibition"
    payments = [
        {"id": pid, "is_active": 1, "name": name, "handler": handler, "agree_url": f"https://{host}/offer"}
        for pid, name, handler in PAYMENTS[: 1 + event.id % len(PAYMENTS)]
    ]
    return {
        "id": event.id,
        "name": event.name,
        "slug": event.slug,
        "url": f"https://{host}/event/{event.slug}",
        "site_url": f"https://{host}/event/{event.id}",
        "is_active": int(event.is_active),
        "event_type_id": EXHIBITION_TYPE if exhibition else SHOW_TYPE,
        "age": event.age,
        "currency_id": "RUB",
        "city_id": city.id,
        "city": city.api(),
        "place_name": venue.name,
        "place_address": venue.address,
        "place_coordinates": [venue.coordinates[0], venue.coordinates[1]],
        "external_id": None,
        "created_at": iso_msk(event.created_ts),
        "updated_at": iso_msk(event.updated_ts),
        "deleted_at": iso_msk(event.deleted_ts) if event.deleted_ts is not None else None,
        "poster": {
            "id": event.id * 3 + 1,
            "url": f"https://{host}/storage/posters/{event.id}.jpg",
            "preview_url": f"https://{host}/storage/posters/{event.id}_preview.jpg",
            "width": 600,
            "height": 850,
        },
        "ticket": {"id": 10 + event.id % 3, "name": "Электронный билет", "show_qr": "1", "text": TICKET_TEXT},
        "mail_template": {
            "id": 20 + event.id % 2,
            "subject": f"Ваши билеты: {event.name}",
            "body": MAIL_BODY.format(
                name=event.name, address=venue.address, before="30 минут" if exhibition else "один час"
            ),
        },
        "payments": payments,
        "shows": [show_api(show) for show in event.shows],
    }


# -- orders --------------------------------------------------------------------------------------------------


class OrderWire:
    """Expands stored orders to the real API's form; the links' secret parts are derived from a per-seed key."""

    def __init__(self, seed: int) -> None:
        self._key = hashlib.blake2b(f"qtickets-sim:{seed}:links".encode(), digest_size=32).digest()

    def _token(self, kind: int, ident: int) -> str:
        """32 hex digits, the secret part of a link (of an order: kind 0, of a basket's ticket: kind 1)."""
        return hashlib.blake2b((ident * 4 + kind).to_bytes(8, "big"), key=self._key, digest_size=16).hexdigest()

    def order(self, order: Order, deep: bool = False) -> dict[str, Any]:
        """The order as the API serves it. ``deep``: nothing shared with the store (for callers that may mutate)."""
        order_id = order["id"]
        draw = mix(order_id)
        site = order["site"]
        host = site["host"]
        uniqid = order["uniqid"]
        payed = order["payed"]
        card = None
        if payed and order["payment_type_id"] == "card":
            card = f"{CARD_PREFIXES[draw % 3]}******{(draw >> 8) % 10_000:04d}"
        company = draw % 211 == 0
        client = order["client"]
        utm = order["utm"]
        refunds = order["refunds"]  # replaced, never changed in place, by every mutation
        if deep:
            client = {**client, "details": dict(client["details"])}
            site = dict(site)
            utm = None if utm is None else dict(utm)
            refunds = [{**item, "basket_ids": list(item["basket_ids"])} for item in refunds]
        empty = [] if deep else _EMPTY
        return {
            "id": order_id,
            "uniqid": uniqid,
            "event_id": order["event_id"],
            "client_id": order["client_id"],
            "site_id": site["id"],
            "payment_type_id": order["payment_type_id"],
            "payment_id": 9_000_000 + order_id * 3 + draw % 3 if payed else None,
            "discount_id": order["discount_id"],
            "promo_code_id": order["promo_code_id"],
            "access_code_id": None,
            "basket_user_id": None if draw % 10 == 0 else 2_000_000 + (draw >> 4) % 900_000,
            "backend_user_id": None,
            "currency_id": order["currency_id"],
            "price": order["price"],
            "original_price": order["original_price"],
            "payed": payed,
            "payed_at": order["payed_at"],
            "reserved": order["reserved"],
            "reserve_extended": False,
            "reserved_to": order["reserved_to"],
            "created_at": order["created_at"],
            "updated_at": order["updated_at"],
            "deleted_at": order["deleted_at"],
            "payment_url": f"https://{host}/order/{uniqid}/pay",
            "cancel_url": f"https://{host}/order/{uniqid}/cancel/{self._token(0, order_id)}",
            "payment_card_number": card,
            "utm": ([] if deep else _EMPTY) if utm is None else utm,
            "custom": "",
            "fields": empty,
            "integrations": [] if deep else _EMPTY,
            "client": client,
            "site": site,
            "refunds": refunds,
            "baskets": [self._basket(basket, host, draw if company else None, deep) for basket in order["baskets"]],
        }

    def _basket(self, basket: dict[str, Any], host: str, company: int | None, deep: bool) -> dict[str, Any]:
        basket_id = basket["id"]
        quantity = basket["quantity"]
        if basket["deleted_at"] is None:
            token = self._token(1, basket_id)
            pdf_url: str | None = f"https://{host}/ticket/{basket_id}/{token}.pdf"
            passbook_url: str | None = f"https://{host}/ticket/{basket_id}/{token}.pkpass"
        else:
            pdf_url = passbook_url = None
        organization = legal = position = inn = kpp = None
        if company is not None:
            organization, legal = COMPANIES[company % len(COMPANIES)]
            position = WORK_POSITIONS[(company >> 3) % len(WORK_POSITIONS)]
            inn = f"00{(company >> 5) % 100_000_000:08d}"
            kpp = f"000{(company >> 9) % 1_000_000:06d}"
        return {
            "id": basket_id,
            "show_id": basket["show_id"],
            "seat_id": basket["seat_id"],
            "seat_name": basket["seat_name"],
            "series": basket["series"],
            "multiprice_code": None,
            "quantity": quantity,
            "price": basket["price"],
            "original_price": basket["original_price"],
            "discount_value": basket["discount_value"],
            "ticket_original_price": basket["original_price"] // quantity,
            "ticket_amount": basket["price"] // quantity,
            "service_fee_amount": 0,
            "barcode": basket["barcode"],
            "pdf_url": pdf_url,
            "passbook_url": passbook_url,
            "checked_at": basket["checked_at"],
            "created_at": basket["created_at"],
            "updated_at": basket["updated_at"],
            "deleted_at": basket["deleted_at"],
            "refunded_at": basket["refunded_at"],
            "refunded_amount": basket["refunded_amount"],
            "refunded_deduction_amount": basket["refunded_deduction_amount"],
            "client_name": basket["client_name"],
            "client_surname": basket["client_surname"],
            "client_email": basket["client_email"],
            "client_phone": basket["client_phone"],
            "organization_name": organization,
            "legal_name": legal,
            "work_position": position,
            "inn": inn,
            "kpp": kpp,
            "comment": "Оплата по счёту" if company is not None else None,
            "related_baskets": [] if deep else _EMPTY,
            "services": [] if deep else _EMPTY,
            "refunds": [] if deep else _EMPTY,
        }
