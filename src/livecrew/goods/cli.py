"""``livecrew product ...`` and ``livecrew lineup ...``: the pool, imports, lineups, stock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

product_app = typer.Typer(help="Products (貨): import, export, list, readiness.", no_args_is_help=True)
lineup_app = typer.Typer(help="A show's lineup (貨盤), stock and claims.", no_args_is_help=True)


@product_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help=".xlsx or .csv (template headers or English keys).", exists=True, dir_okay=False)
    ],
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    valid_only: Annotated[bool, typer.Option("--valid-only", help="Import the valid rows, skip the bad ones.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only check the file.")] = False,
) -> None:
    """Import products: every row is checked first; nothing is written while a row is bad."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.goods import sheets

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        checked = sheets.check(sheets.read_table(file.name, file.read_bytes()), ws.currency)
        for column in checked.money_columns:
            unit = "cents" if column["unit"] == "cents" else f"{ws.currency} (ordinary unit)"
            cli.out.print(f"  {column['header']}: read in {unit}", highlight=False, markup=False)
        for error in checked.errors:
            cli.err.print(f"  row {error.row}, {error.column}: {error.reason}", highlight=False, markup=False)
        for warning in checked.warnings:
            cli.err.print(
                f"  check row {warning.row}, {warning.column}: {warning.reason}", highlight=False, markup=False
            )
        cli.out.print(f"{checked.total} rows: {len(checked.valid_rows)} valid, {len(checked.bad_rows)} with problems")
        if checked.unknown_headers:
            cli.err.print(f"  ignored columns: {', '.join(checked.unknown_headers)}", highlight=False, markup=False)
        if dry_run:
            return
        if checked.errors and not valid_only:
            cli.err.print("nothing imported: fix the rows above, or add --valid-only to import the valid rows")
            raise typer.Exit(1)
        applied = sheets.apply(db, cli.CLOCK, ws, checked, valid_only=valid_only)
        cli.out.print(f"imported: {applied.created} new, {applied.updated} updated")
        if applied.suppliers_created:
            cli.out.print(f"new suppliers: {', '.join(applied.suppliers_created)}", markup=False)


@product_app.command("list")
def list_(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    tier: Annotated[str | None, typer.Option("--tier", help="traffic, profit or image.")] = None,
) -> None:
    """List the product pool with stock and readiness."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.goods import service

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        today = cli.CLOCK.now().date()
        table = Table(title=f"{ws.name}: products")
        for column in ("SKU", "tier", "live price", "stock", "ready", "title"):
            table.add_column(column)
        for p in service.list_products(db, ws, tier=tier):
            state = service.readiness(db, p, today)
            table.add_row(
                p.sku,
                p.tier,
                f"{p.live_price / 100:.2f}",
                str(p.stock),
                "yes" if state.ready else "no: " + "; ".join(state.messages()),
                p.title,
            )
    cli.out.print(table)


@product_app.command("export")
def export(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the .xlsx.")] = Path("products.xlsx"),
) -> None:
    """Export the product pool to .xlsx (Chinese headers)."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.goods import service, sheets

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        out.write_bytes(sheets.export_pool(db, service.list_products(db, ws), currency=ws.currency))
    cli.out.print(f"wrote {out}")


@lineup_app.command("add")
def add(
    show: Annotated[str, typer.Option("--show", help="The show's id.")],
    sku: Annotated[str, typer.Option("--sku", help="The product's SKU.")],
    quota: Annotated[
        int | None, typer.Option("--quota", min=0, help="Units for this show (default: the stock).")
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Claim code, e.g. A1 (default: the next free one).")
    ] = None,
) -> None:
    """Add a product to a show's lineup; an unready product is refused with the reasons."""
    from livecrew.core import cli
    from livecrew.core.auth.models import Workspace
    from livecrew.core.errors import Conflict, NotFound
    from livecrew.goods import service
    from livecrew.shows.public import Show

    with cli.database() as db:
        found = db.get(Show, show)
        if found is None:
            raise NotFound(f'no show with id "{show}"', key="err.no_show", params={"id": show})
        ws = db.get(Workspace, found.workspace_id)
        assert ws is not None
        product = service.require_sku(db, ws, sku)
        try:
            item = service.add_to_lineup(db, cli.CLOCK, found, product, quota=quota, code=code)
        except Conflict as exc:
            for reason in exc.details if isinstance(exc.details, list) else []:
                cli.err.print(f"  - {reason['message']}", highlight=False, markup=False)
            raise
        quota_text = str(item.quota) if item.quota is not None else "the stock"
        line = f"{item.code} {product.sku} added to {found.title} (quota {quota_text})"
    cli.out.print(line, markup=False)


@lineup_app.command("show")
def show_lineup(show: Annotated[str, typer.Argument(help="The show's id.")]) -> None:
    """A show's lineup with live stock, confirmed and waitlisted claims."""
    from livecrew.core import cli
    from livecrew.core.errors import NotFound
    from livecrew.goods import claims, service
    from livecrew.shows.public import Show

    with cli.database() as db:
        found = db.get(Show, show)
        if found is None:
            raise NotFound(f'no show with id "{show}"', key="err.no_show", params={"id": show})
        view = claims.stock_view(db, found)
        table = Table(title=f"{found.title}: lineup")
        for column in ("code", "SKU", "tier", "quota", "stock", "confirmed", "waitlisted", "title"):
            table.add_column(column)
        for item, product in service.lineup(db, found.id):
            row = view[product.sku]
            table.add_row(
                item.code,
                product.sku,
                product.tier,
                str(item.quota) if item.quota is not None else "-",
                str(row["stock"]),
                str(row["confirmed"]),
                str(row["waitlisted"]),
                product.title,
            )
    cli.out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(product_app, name="product")
    app.add_typer(lineup_app, name="lineup")
