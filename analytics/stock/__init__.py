"""Terminal stock warnings 终端库存预警 (07-warnings-prices.md): the customer manager's weekly list,
the client card, and the region view of 社会库存 and 存销比.

Modules, one concern each:

    thresholds   ``Thresholds``, the configurable knobs, and the status names
    positions    the Ibis core: each client x product's latest count, rate and orders
    cycle        the next order day from a client's order cycle
    warnings     ``stock_warnings`` (the list), ``status_counts``
    region       ``social_stock`` (社会库存, 存销比 per region x product)
    card         ``client_card`` (one client's histories and current warnings)
"""

from analytics.stock.card import ClientCard, client_card
from analytics.stock.region import social_stock
from analytics.stock.thresholds import STATUSES, Thresholds
from analytics.stock.warnings import CONTRACT, latest_snapshot_date, status_counts, stock_warnings

__all__ = ["CONTRACT", "STATUSES", "ClientCard", "Thresholds", "client_card", "latest_snapshot_date",
           "social_stock", "status_counts", "stock_warnings"]
