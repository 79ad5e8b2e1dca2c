"""The warehouse schema: the one place that says what a valid table is.

Everything else derives from here: the DuckDB DDL, the importer's header aliases and coded-value
labels, the validation rules, and the docs. Column names are the canonical import format of
``03-data-model.md``; ``aliases`` are the Chinese headers real exports arrive with.

Units: quantities in 条 (cartons), money in 元, dates are calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DType = Literal["text", "int", "float", "date", "timestamp", "bool"]

DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}

CARTONS_PER_CASE = 250  # 1 箱 = 250 条 = 50,000 sticks

# Coded values: canonical code -> the labels real exports use for it (matched case-insensitively
# after trimming). The canonical code itself is always accepted.
BUSINESS_FORMATS: dict[str, tuple[str, ...]] = {
    "grocery": ("食杂店", "食杂", "食品杂货店", "杂货店"),
    "convenience": ("便利店", "便利"),
    "supermarket": ("超市", "超级市场"),
    "mall": ("商场", "购物中心", "百货商场"),
    "tobacco_liquor": ("烟酒商店", "烟酒店", "烟草专业店", "烟酒专卖店", "名烟名酒店"),
    "entertainment": ("娱乐服务类", "娱乐服务", "娱乐场所", "娱乐"),
    "other": ("其他", "其它"),
}
MARKET_TYPES: dict[str, tuple[str, ...]] = {
    "urban": ("城网", "城镇", "城市", "城区"),
    "rural": ("农网", "农村", "乡村"),
}
SNAPSHOT_SOURCES: dict[str, tuple[str, ...]] = {
    "visit": ("拜访", "走访", "人工", "人工采集"),
    "pos": ("POS", "扫码", "终端", "系统"),
}
ROLES = ("admin", "marketing", "brand_manager", "customer_manager")

UNKNOWN = "unknown"  # what an empty classification value loads as


@dataclass(frozen=True)
class Column:
    """One column of a warehouse table.

    Attributes:
        name: canonical (English) column name.
        dtype: logical type, mapped to DuckDB by ``DUCKDB_TYPES``.
        required: the value must be present on import.
        key: part of the table's natural key (upsert key on import).
        aliases: other headers accepted on import (Chinese headers of real exports).
        codes: for coded columns, canonical code -> accepted labels.
        min, max: inclusive bounds for numbers.
        min_exclusive: the lower bound is exclusive (prices must be > 0).
        unknown_if_empty: an empty value loads as ``unknown`` with a warning, not an error
            (the classification columns of clients).
        doc: what the column means, for error messages and docs.
    """

    name: str
    dtype: DType
    required: bool = False
    key: bool = False
    aliases: tuple[str, ...] = ()
    codes: dict[str, tuple[str, ...]] | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    unknown_if_empty: bool = False
    doc: str = ""

    @property
    def sql_type(self) -> str:
        return DUCKDB_TYPES[self.dtype]


@dataclass(frozen=True)
class Reference:
    """A foreign key checked on import: ``column`` must exist in ``table.target_column``."""

    column: str
    table: str
    target_column: str


@dataclass(frozen=True)
class Table:
    """A warehouse table.

    Attributes:
        name: table name in DuckDB.
        columns: the columns, in storage order.
        importable: accepted by ``python -m data load``.
        references: foreign keys validated on import.
        doc: the grain, in one line.
    """

    name: str
    columns: tuple[Column, ...]
    importable: bool = True
    references: tuple[Reference, ...] = ()
    doc: str = ""
    extra_checks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> list[str]:
        return [c.name for c in self.columns if c.key]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def ddl(self) -> str:
        cols = ",\n  ".join(f"{c.name} {c.sql_type}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"


def _c(name: str, dtype: DType, *aliases: str, **kw) -> Column:
    return Column(name=name, dtype=dtype, aliases=tuple(aliases), **kw)


_CLIENT_ID = ("客户编码", "客户代码", "零售客户编码", "许可证号", "专卖许可证号")
_PRODUCT_ID = ("卷烟代码", "卷烟编码", "商品编码", "商品代码", "品规代码")

CLIENTS = Table(
    "clients",
    (
        _c("client_id", "text", *_CLIENT_ID, required=True, key=True, doc="licence-based client code"),
        _c("name", "text", "客户名称", "零售户名称", "店名"),
        _c("city", "text", "地市", "城市名称", "市", required=True),
        _c("district", "text", "区县", "县区", "区县名称", required=True),
        _c("market_dept", "text", "市场部", "营销部", "市场部名称", required=True),
        _c("territory", "text", "片区", "营销片区", "片区名称"),
        _c("manager_id", "text", "客户经理编码", "客户经理代码", "客户经理工号", "客户经理"),
        _c("business_format", "text", "业态", "经营业态", "业态类型", codes=BUSINESS_FORMATS,
           unknown_if_empty=True),
        _c("grade", "int", "档位", "客户档位", "档位值", min=1, max=30, unknown_if_empty=True,
           doc="client size class 1..30, 30 highest"),
        _c("market_type", "text", "市场类型", "城乡类型", "城网农网", codes=MARKET_TYPES,
           unknown_if_empty=True),
        _c("business_district", "text", "商圈", "商圈类型"),
        _c("credit_level", "text", "信用等级", "诚信等级"),
        _c("order_cycle", "text", "订货周期", "订货日", "访销周期"),
        _c("opened_on", "date", "开业日期", "开户日期", "建户日期"),
        _c("closed_on", "date", "停业日期", "销户日期", "注销日期"),
        _c("lon", "float", "经度", min=-180, max=180),
        _c("lat", "float", "纬度", min=-90, max=90),
    ),
    doc="one row per licensed retail client",
)

PRODUCTS = Table(
    "products",
    (
        _c("product_id", "text", *_PRODUCT_ID, required=True, key=True),
        _c("name", "text", "卷烟名称", "品规名称", "商品名称", required=True),
        _c("brand", "text", "品牌", "品牌名称", required=True),
        _c("manufacturer", "text", "生产厂家", "工业企业", "厂家"),
        _c("price_class", "int", "价类", "价格类别", "价位段", min=1, max=5, required=True,
           doc="一类 (1) … 五类 (5)"),
        _c("wholesale_price", "float", "批发价", "批发价格", "调拨价", min=0, min_exclusive=True,
           required=True, doc="元/条"),
        _c("retail_price", "float", "零售指导价", "建议零售价", "零售价", min=0, min_exclusive=True,
           required=True, doc="元/条, guided retail price"),
        _c("launched_on", "date", "上市日期", "投放日期"),
        _c("discontinued_on", "date", "退市日期", "停产日期"),
    ),
    doc="one row per cigarette specification (品规)",
)

MANAGERS = Table(
    "managers",
    (
        _c("manager_id", "text", "客户经理编码", "客户经理代码", "工号", required=True, key=True),
        _c("name", "text", "客户经理", "姓名", "客户经理姓名"),
        _c("territory", "text", "片区", "营销片区", required=True),
        _c("market_dept", "text", "市场部"),
    ),
    doc="one row per customer manager",
)

USERS = Table(
    "users",
    (
        _c("username", "text", required=True, key=True),
        _c("display_name", "text"),
        _c("password_hash", "text"),
        _c("role", "text", required=True, codes={r: () for r in ROLES}),
        _c("manager_id", "text", doc="for customer managers: whose territory they see"),
        _c("brand", "text", doc="for brand managers: the brand they look after first"),
        _c("disabled", "bool"),
        _c("created_at", "timestamp"),
    ),
    importable=False,
    doc="one row per dashboard account",
)

ORDERS = Table(
    "orders",
    (
        _c("order_date", "date", "订货日期", "订单日期", "日期", required=True, key=True),
        _c("client_id", "text", *_CLIENT_ID, required=True, key=True),
        _c("product_id", "text", *_PRODUCT_ID, required=True, key=True),
        _c("qty_demand", "int", "需求量", "要货量", "需求数量", required=True, min=0, max=100_000,
           doc="条 the client asked for"),
        _c("qty_cap", "int", "限量", "合理定量", "限量数", min=0, max=100_000),
        _c("qty_ordered", "int", "订购量", "订货量", "订购数量", "供货量", required=True, min=0,
           max=100_000, doc="条 supplied"),
        _c("amount", "float", "金额", "订购金额", "销售额", min=0),
    ),
    references=(Reference("client_id", "clients", "client_id"),
                Reference("product_id", "products", "product_id")),
    extra_checks=("ordered_le_demand", "ordered_le_cap"),
    doc="one row per client x product x order date",
)

INVENTORY_SNAPSHOTS = Table(
    "inventory_snapshots",
    (
        _c("snapshot_date", "date", "采集日期", "盘点日期", "库存日期", "日期", required=True, key=True),
        _c("client_id", "text", *_CLIENT_ID, required=True, key=True),
        _c("product_id", "text", *_PRODUCT_ID, required=True, key=True),
        _c("qty_on_hand", "int", "库存量", "库存", "库存数量", "终端库存", required=True, min=0,
           max=1_000_000),
        _c("source", "text", "来源", "采集方式", codes=SNAPSHOT_SOURCES),
    ),
    references=(Reference("client_id", "clients", "client_id"),
                Reference("product_id", "products", "product_id")),
    doc="one row per client x product x snapshot date (stock at the end of the day)",
)

PRICE_SNAPSHOTS = Table(
    "price_snapshots",
    (
        _c("snapshot_date", "date", "采集日期", "日期", required=True, key=True),
        _c("client_id", "text", *_CLIENT_ID, required=True, key=True),
        _c("product_id", "text", *_PRODUCT_ID, required=True, key=True),
        _c("retail_price", "float", "零售价", "实际零售价", "零售价格", "价格", required=True, min=0,
           min_exclusive=True, max=100_000, doc="元/条 observed"),
    ),
    references=(Reference("client_id", "clients", "client_id"),
                Reference("product_id", "products", "product_id")),
    doc="one row per client x product x snapshot date",
)

MANAGER_FORECASTS = Table(
    "manager_forecasts",
    (
        _c("month", "date", "月份", "预测月份", required=True, key=True, doc="first day of the month"),
        _c("client_id", "text", *_CLIENT_ID, required=True, key=True),
        _c("product_id", "text", *_PRODUCT_ID, key=True,
           doc="empty = the client's total over all products"),
        _c("qty_forecast", "int", "预测量", "需求预测", "商定总量", "预测数量", required=True, min=0,
           max=1_000_000),
    ),
    references=(Reference("client_id", "clients", "client_id"),
                Reference("product_id", "products", "product_id")),
    doc="one row per month x client x product (or client total)",
)

SUPPLY_PLANS = Table(
    "supply_plans",
    (
        _c("period_start", "date", "开始日期", "投放开始日期", required=True, key=True),
        _c("period_end", "date", "结束日期", "投放结束日期", required=True),
        _c("product_id", "text", *_PRODUCT_ID, required=True, key=True),
        _c("qty_available", "int", "可供量", "投放量", "货源量", required=True, min=0,
           min_exclusive=True),
        _c("method", "text", "投放方式", "投放方法"),
    ),
    references=(Reference("product_id", "products", "product_id"),),
    extra_checks=("period_end_ge_start",),
    doc="one row per product x release period",
)

ALLOCATION_RUNS = Table(
    "allocation_runs",
    (
        _c("run_id", "text", required=True, key=True),
        _c("created_at", "timestamp", required=True),
        _c("created_by", "text", required=True),
        _c("product_id", "text", required=True),
        _c("period_start", "date", required=True),
        _c("period_end", "date"),
        _c("supply", "int", required=True),
        _c("method", "text", required=True),
        _c("params_json", "text"),
        _c("note", "text"),
    ),
    importable=False,
    doc="one row per saved allocation run",
)

ALLOCATIONS = Table(
    "allocations",
    (
        _c("run_id", "text", required=True, key=True),
        _c("client_id", "text", required=True, key=True),
        _c("grade", "int"),
        _c("demand_estimate", "float"),
        _c("qty_alloc", "int", required=True),
        _c("cap_grade", "int"),
        _c("reason", "text"),
    ),
    importable=False,
    doc="one row per run x client",
)

ALLOCATION_GRADE_CAPS = Table(
    "allocation_grade_caps",
    (
        _c("run_id", "text", required=True, key=True),
        _c("grade", "int", required=True, key=True),
        _c("clients", "int"),
        _c("cap", "int"),
        _c("qty_total", "int"),
    ),
    importable=False,
    doc="one row per run x grade",
)

IMPORT_LOG = Table(
    "import_log",
    (
        _c("version", "int", required=True),
        _c("loaded_at", "timestamp", required=True),
        _c("table_name", "text", required=True),
        _c("file_name", "text"),
        _c("file_sha256", "text"),
        _c("rows_in_file", "int"),
        _c("rows_loaded", "int"),
        _c("rows_rejected", "int"),
        _c("loaded_by", "text"),
    ),
    importable=False,
    doc="one row per imported file",
)

META = Table(
    "warehouse_meta",
    (_c("key", "text", required=True, key=True), _c("value", "text")),
    importable=False,
    doc="key/value facts about the warehouse: version, schema version, source",
)

# Ground truth recorded by the demo-city generator (absent from real warehouses).
TRUTH_DEMAND = Table(
    "truth_consumer_demand",
    (
        _c("week_start", "date", required=True, key=True),
        _c("client_id", "text", required=True, key=True),
        _c("product_id", "text", required=True, key=True),
        _c("qty_consumer_demand", "float", doc="true consumer demand at the client, 条"),
        _c("qty_sold", "int", doc="units actually sold to consumers (demand met from stock)"),
        _c("qty_lost", "float", doc="demand lost to stock-outs"),
        _c("qty_on_hand_end", "int", doc="true stock at the end of the week"),
    ),
    importable=False,
    doc="one row per week x client x product carried (generator ground truth)",
)

TRUTH_FACTS = Table(
    "truth_facts",
    (
        _c("kind", "text", required=True, key=True,
           doc="scarce_product | oversupplied_product | inflating_client | optimistic_manager | "
               "planted_stockout | planted_overstock | new_client | closed_client | "
               "launched_product | discontinued_product"),
        _c("entity_id", "text", required=True, key=True,
           doc="client_id, product_id, manager_id or client_id|product_id"),
        _c("start_date", "date"),
        _c("end_date", "date"),
        _c("value", "float", doc="magnitude, e.g. inflation factor or optimism bias"),
        _c("note", "text"),
    ),
    importable=False,
    doc="one row per planted fact of the demo city",
)

def _facts_table(name: str, period_doc: str) -> Table:
    return Table(
        name,
        (
            _c("period_start", "date", required=True, key=True, doc=period_doc),
            _c("client_id", "text", required=True, key=True),
            _c("product_id", "text", required=True, key=True),
            _c("qty_demand", "int", doc="Σ qty_demand, 0 without orders"),
            _c("qty_ordered", "int", doc="Σ qty_ordered, 0 without orders"),
            _c("amount", "float", doc="Σ amount, 0 without orders"),
            _c("order_lines", "int"),
            _c("snapshots", "int", doc="stock counts in the period, 0 when none"),
            _c("first_snapshot_date", "date", doc="NULL when no stock count"),
            _c("first_qty_on_hand", "int"),
            _c("last_snapshot_date", "date"),
            _c("last_qty_on_hand", "int"),
            _c("price_observations", "int"),
            _c("price_sum", "float"),
            _c("last_order_date", "date", doc="latest order with qty_ordered > 0; NULL when none"),
            _c("max_qty_on_hand", "int", doc="largest stock counted in the period; NULL when none"),
            _c("inferred_sales", "int",
               doc="Σ over the period's stock counts of (previous count + deliveries since − count); "
                   "NULL when no stock count"),
            _c("sale_intervals", "int", doc="stock counts in the period that have an earlier count"),
            _c("ordered_56d", "bool",
               doc="qty_ordered > 0 in the 56 days up to the period's last day; NULL when no stock count"),
        ),
        importable=False,
        doc="derived: one row per period x client x product with an order, stock or price count",
    )


AGG_WEEK = _facts_table("agg_client_product_week", "Monday of the week")
AGG_MONTH = _facts_table("agg_client_product_month", "first day of the month")

# Product groups a client's facts are also summed to (the KPI levels above the specification).
PRODUCT_GROUPS = ("brand", "price_class", "all")


def _client_group_table(name: str, period_doc: str) -> Table:  # months only: data.aggregates
    return Table(
        name,
        (
            _c("period_start", "date", required=True, key=True, doc=period_doc),
            _c("client_id", "text", required=True, key=True),
            _c("level", "text", required=True, key=True, doc="brand | price_class | all"),
            _c("level_key", "text", required=True, key=True,
               doc="the brand, the price class as text, or 'all' ('unknown' when missing)"),
            _c("qty_demand", "int"),
            _c("qty_ordered", "int"),
            _c("amount", "float"),
            _c("snapshots", "int", doc="stock counts of the group's products in the period"),
            _c("last_qty_on_hand", "int", doc="Σ of each product's last count; NULL when none counted"),
            _c("max_qty_on_hand", "int", doc="largest count of any of its products; NULL when none"),
            _c("inferred_sales", "int", doc="Σ inferred sales; NULL when none counted"),
            _c("ordered_56d", "bool", doc="any of its products ordered in the 56 days up to the period end"),
        ),
        importable=False,
        doc="derived: one row per period x client x product group (brand, price class, all) with "
            "a fact; the per-client roll-up the group KPIs count clients on. Built by the refresh, "
            "not by create_tables: a warehouse without it is read through the product rows.",
    )


AGG_GROUP_MONTH = _client_group_table("agg_client_group_month", "first day of the month")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CLIENTS, PRODUCTS, MANAGERS, USERS, ORDERS, INVENTORY_SNAPSHOTS, PRICE_SNAPSHOTS,
        MANAGER_FORECASTS, SUPPLY_PLANS, ALLOCATION_RUNS, ALLOCATIONS, ALLOCATION_GRADE_CAPS,
        IMPORT_LOG, META, TRUTH_DEMAND, TRUTH_FACTS, AGG_WEEK, AGG_MONTH,
    )
}

IMPORTABLE = tuple(name for name, t in TABLES.items() if t.importable)


def declared(name: str) -> Table:
    """The declared table ``name``: one of ``TABLES``, or the client x group table the refresh
    creates (not in ``TABLES``, which ``create_tables`` makes).

    Raises:
        KeyError: no such table.
    """
    if name in TABLES:
        return TABLES[name]
    if name == AGG_GROUP_MONTH.name:
        return AGG_GROUP_MONTH
    raise KeyError(f"{name} is not a declared table")

# Facts keyed by client: restricted per viewer by the client's territory.
CLIENT_FACTS = ("orders", "inventory_snapshots", "price_snapshots", "manager_forecasts",
                "allocations", "truth_consumer_demand")

SCHEMA_VERSION = "1"


def grade_band(grade: int | None, width: int = 5) -> str:
    """The grade band label of a grade, e.g. 7 -> '6-10' (width 5); None -> 'unknown'."""
    if grade is None:
        return UNKNOWN
    lo = (int(grade) - 1) // width * width + 1
    return f"{lo}-{lo + width - 1}"
