"""What the ad sources share: their settings, the spend table and its mapping to cities, events and shows, the
organiser's rules file, and the record of each run. Imports only the lower layers of ``integrations.qtickets_api``
(storage, config, cli, errors, domain, logs); the sources are ``integrations.yandex_direct`` and
``integrations.vk_ads``."""
