"""A local VK Ads API v2: client-credentials OAuth with the live-token limit, token refresh and deletion, the
ad plans (campaigns) list and their daily statistics. Never easier than the real service.

Built from the public documentation:

- Authorization (Client Credentials Grant, ``refresh_token`` grant, ``expires_in`` 86400, tokens deleted with
  ``POST /api/v2/oauth2/token/delete.json``): https://ads.vk.com/doc/api/info/Authorization
  (the same text for myTarget: https://target.my.com/help/advertisers/api_authorization/ru)
- The limit of live tokens: at most 5 per client_id and user, and ``token/delete.json`` deletes all of them
  (the Authorization page above; also quoted by tools built on the API, e.g.
  https://glama.ai/mcp/servers/askads/mcp-vk-ads/tools/finish_login)
- Statistics v2 (``GET /api/v2/statistics/{objects}/day.json`` with ``id``, ``date_from``, ``date_to``,
  ``metrics=base``; ``base`` holds ``shows``, ``clicks``, ``spent``; items with ``rows`` and ``total``; at most
  92 days and 200 objects a request): https://ads.vk.com/doc/api/info/Statistics and the partner statistics page
  that states the limits: https://ads.vk.com/en/help/partner/partner_api/partner_statistics_api
- Lists with ``limit``/``offset``/``fields`` (``ad_plans.json``): https://ads.vk.com/doc/api/resource/AdPlans

Assumptions (not in the pages we read): the error bodies' exact codes (``token_limit_exceeded`` with HTTP 403 for
the token limit, ``invalid_token``/``expired_token`` with 401, ``{"error": {"code", "message"}}`` for a refused
statistics call), the rate limit (``rate_per_s`` requests a second, then 429), the list page cap (250), and that
``spent`` is in roubles without VAT as a string with two decimals.
"""

from .api import VkConfig, VkFaults, VkSimulator

__all__ = ["VkConfig", "VkFaults", "VkSimulator"]
