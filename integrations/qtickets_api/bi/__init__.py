"""The BI layer: the queries behind each panel of the dashboard (``panels``), with their filters (``filters``).

The ``bi_*`` views any BI tool reads are part of the schema: ``storage/bi_views``, installed by the migration step."""
