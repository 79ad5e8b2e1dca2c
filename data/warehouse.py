"""``Warehouse``: the one door to the data, and row-level security per viewer.

Every reader goes through ``Warehouse.open(path)``; every page gets its tables through
``wh.for_viewer(viewer)``, which returns Ibis tables already restricted to what that viewer may
see. The policy is default-deny: an unknown role sees nothing, a table without a rule is refused.

Each ``ScopedWarehouse`` runs on its own DuckDB cursor, so concurrent sessions never share one.

``SparkWarehouse.open(folder)`` is the same door for batch jobs on Spark: the Parquet warehouse
of ``data.layout``, unrestricted (it hands out no per-viewer view). PySpark is imported only when
one is opened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir

from data import schema, store
from data.aggregates import AGGREGATES, GROUP_AGGREGATES

EVERYTHING_ROLES = frozenset({"admin", "marketing", "brand_manager"})
PRIVILEGED_ROLES = frozenset({"admin", "marketing"})

# Who may read which table. "client": rows restricted to the viewer's clients; "all": any known
# role; "privileged": admin and marketing; "admin": admin only; "self": a customer manager sees
# the own row. Tables not listed are refused (default deny).
TABLE_POLICY: dict[str, str] = {
    "clients": "client",
    **{name: "client" for name in schema.CLIENT_FACTS},
    **{name: "client" for name in AGGREGATES.values()},
    **{name: "client" for name in GROUP_AGGREGATES.values()},
    "products": "all",
    "supply_plans": "all",
    "warehouse_meta": "all",
    "import_log": "privileged",
    "managers": "self",
    "allocation_runs": "privileged",
    "allocation_grade_caps": "privileged",
    "truth_facts": "privileged",
    "users": "admin",
}


class AccessDenied(PermissionError):
    """The viewer may not read this table."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking.

    Attributes:
        username: the account (or ``demo:<role>`` in demo mode).
        role: admin | marketing | brand_manager | customer_manager.
        manager_id: for a customer manager, the manager whose territory is visible.
        display_name: shown in the sidebar.
    """

    username: str
    role: str
    manager_id: str | None = None
    display_name: str | None = None

    @property
    def scope_key(self) -> str:
        """What decides the visible rows, for cache keys: two viewers with the same key see
        the same rows."""
        if self.role in EVERYTHING_ROLES:
            return f"role:{self.role}"
        if self.role == "customer_manager" and self.manager_id:
            return f"manager:{self.manager_id}"
        return "deny"

    @property
    def sees_everything(self) -> bool:
        return self.role in EVERYTHING_ROLES


class Warehouse:
    """An open, read-only view of one generation of the warehouse file.

    Use ``Warehouse.open(path)``; check ``is_current()`` to know whether an import has swapped a
    newer file in since, and open again if so.
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, generation: store.Generation):
        self.path = path
        self._con = con
        self.generation = generation
        self.version = store.read_version(con)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> Warehouse:
        """Open the live warehouse file read-only.

        Raises:
            store.WarehouseMissing: no file at ``path``.
        """
        path = Path(path)
        con, gen = store.open_reader(path)
        return cls(path, con, gen)

    def is_current(self) -> bool:
        """False once a newer file has been swapped in."""
        return store.generation(self.path) == self.generation

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new DuckDB cursor on this generation (one per thread or session)."""
        with self._lock:
            return self._con.cursor()

    def backend(self) -> ibis.BaseBackend:
        """An Ibis backend on a fresh cursor, unrestricted: for batch jobs and admins."""
        return ibis.duckdb.from_connection(self.cursor())

    def table_names(self) -> list[str]:
        return sorted(store.table_names(self.cursor()))

    def has_table(self, name: str) -> bool:
        return name in self.table_names()

    def for_viewer(self, viewer: Viewer) -> ScopedWarehouse:
        """The tables as ``viewer`` may see them, on a cursor of their own."""
        return ScopedWarehouse(self, viewer)

    def meta(self) -> dict[str, str]:
        return store.read_meta(self.cursor())

    def close(self) -> None:
        self._con.close()


class ScopedWarehouse:
    """Ibis tables restricted to one viewer. Build one per page run; it owns a cursor."""

    def __init__(self, warehouse: Warehouse, viewer: Viewer):
        self.warehouse = warehouse
        self.viewer = viewer
        self._backend = warehouse.backend()
        self._clients: ir.Table | None = None

    @property
    def scope_key(self) -> str:
        return self.viewer.scope_key

    @property
    def version(self) -> int:
        return self.warehouse.version

    def table(self, name: str) -> ir.Table:
        """Table ``name`` with the rows this viewer may see.

        Raises:
            AccessDenied: the table is not readable for this viewer's role.
        """
        policy = TABLE_POLICY.get(name)
        role = self.viewer.role
        known = role in EVERYTHING_ROLES or role == "customer_manager"
        if policy is None or not known:
            raise AccessDenied(f"{role or 'anonymous'} may not read {name}")
        if policy == "admin" and role != "admin":
            raise AccessDenied(f"only admins may read {name}")
        if policy == "privileged" and role not in PRIVILEGED_ROLES:
            raise AccessDenied(f"{role} may not read {name}")
        t = self._backend.table(name)
        if role in EVERYTHING_ROLES or policy == "all":
            return t
        if policy == "self":
            return t.filter(t.manager_id == self.viewer.manager_id)
        if name == "clients":
            return self.clients()
        return t.semi_join(self.clients().select("client_id"), "client_id")

    def clients(self) -> ir.Table:
        """The viewer's clients. A customer manager sees the clients assigned to them, and
        clients of their own market department and territory that carry no manager code; the
        unassigned pool of a market department (no territory) is visible to no customer manager."""
        if self._clients is None:
            t = self._backend.table("clients")
            if self.viewer.sees_everything:
                self._clients = t
            elif self.viewer.scope_key == "deny":
                self._clients = t.filter(ibis.literal(False))
            else:
                mine = self.viewer.manager_id
                managers = self._backend.table("managers")
                own = managers.filter(managers.manager_id == mine).select("market_dept", "territory")
                # Territory names repeat across market departments (一片区…), so an unassigned
                # client belongs to the manager only within the manager's own market department.
                pool = t.filter(t.manager_id.isnull() & t.territory.notnull()).semi_join(
                    own, [t.market_dept == own.market_dept, t.territory == own.territory])
                self._clients = t.filter(t.manager_id == mine).union(pool)
        return self._clients

    def can_read(self, name: str) -> bool:
        try:
            self.table(name)
        except AccessDenied:
            return False
        return True


class SparkWarehouse:
    """The Parquet warehouse of a folder (``data.layout``) on Spark: the same tables as Ibis
    expressions, for the batch command lines (``--engine spark``).

    It serves unrestricted batch jobs (an administrator's): there is no per-viewer view, and
    ``for_viewer`` refuses everyone, so row-level security stays where the dashboard reads, on
    the DuckDB ``Warehouse``. Its tables are temporary views of the session named like the
    tables, so one session holds one open ``SparkWarehouse`` at a time.
    """

    def __init__(self, directory: Path, spark, manifest: dict, created: bool):
        self.directory = directory
        self.spark = spark
        self.manifest = manifest
        self._created = created
        self._views: list[str] = []
        from data.spark import ibis_backend

        self._backend = ibis_backend(spark)

    @classmethod
    def open(cls, directory: str | Path, spark=None, master: str | None = None,
             conf: dict[str, str] | None = None, require_aggregates: bool = True) -> SparkWarehouse:
        """Open the Parquet warehouse in ``directory`` on ``spark`` (default: ``data.spark.session``).

        Raises:
            layout.LayoutError: not a Parquet warehouse, a table missing a declared column, or
                (with ``require_aggregates``) no aggregates built yet.
            data.spark.SparkUnavailable: Spark cannot start.
        """
        from data import layout
        from data import spark as spark_

        directory = Path(directory)
        manifest = layout.read_manifest(directory, require_aggregates)
        created = False
        if spark is None:
            spark, created = spark_.session(master, conf)
        wh = cls(directory, spark, manifest, created)
        try:
            for name in manifest["tables"]:
                spark_.read_table(spark, directory, name).createOrReplaceTempView(name)
                wh._views.append(name)
        except BaseException:
            wh.close()
            raise
        return wh

    @property
    def version(self) -> int:
        return int(self.manifest.get("warehouse_version", 0))

    def backend(self) -> ibis.BaseBackend:
        """The Ibis backend on the session: unrestricted, for batch jobs."""
        return self._backend

    def table_names(self) -> list[str]:
        return sorted(self.manifest["tables"])

    def has_table(self, name: str) -> bool:
        return name in self.manifest["tables"]

    def for_viewer(self, viewer: Viewer) -> ScopedWarehouse:
        raise AccessDenied("the Spark engine serves unrestricted batch jobs; per-viewer access "
                           "goes through the DuckDB warehouse")

    def meta(self) -> dict[str, str]:
        if not self.has_table("warehouse_meta"):
            return {}
        frame = self._backend.table("warehouse_meta").to_pandas()
        return dict(zip(frame["key"], frame["value"]))

    def close(self) -> None:
        """Drop the views; stop the session when this warehouse started it."""
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views = []
        if self._created:
            self.spark.stop()
