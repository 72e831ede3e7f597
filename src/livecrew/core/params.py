"""Shared types of request parameters (path, query, body fields).

Row ids are 64-bit integers in every database; a larger number in a URL or a body must be answered as a
request that is not valid (422), never reach the driver (SQLite raises OverflowError while binding it).
"""

from __future__ import annotations

from typing import Annotated

import annotated_types

MAX_DB_INT = 2**63 - 1

# A row id (positive, 64-bit), in a path, a query or a body field.
DbId = Annotated[int, annotated_types.Interval(ge=1, le=MAX_DB_INT)]
# Any integer the database keeps (64-bit signed).
DbInt = Annotated[int, annotated_types.Interval(ge=-MAX_DB_INT - 1, le=MAX_DB_INT)]
