"""The fact tables the panels read (migration 0002 of the loader's lane; names as in the contract).

Kept here until ``storage.schema`` lists them, so that the panels name each table once.
"""

SALES_DETAIL = "fact_qtickets_sales_detail"
REFUNDS_DAILY = "fact_qtickets_refunds_daily"
