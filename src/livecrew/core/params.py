"""Shared types of request parameters (path, query, body fields).

Row ids are INTEGER columns (32-bit on PostgreSQL, which refuses a larger value with "integer out of
range"; SQLite raises OverflowError binding anything past 64 bits): a larger number in a URL or a body is a
request that is not valid (422) and never reaches the database.
"""

from __future__ import annotations

from typing import Annotated

import annotated_types

MAX_DB_INT = 2**63 - 1
MAX_DB_ID = 2**31 - 1

# A row id (positive, an INTEGER column), in a path, a query or a body field.
DbId = Annotated[int, annotated_types.Interval(ge=1, le=MAX_DB_ID)]
# Any integer a BIGINT column keeps (64-bit signed).
DbInt = Annotated[int, annotated_types.Interval(ge=-MAX_DB_INT - 1, le=MAX_DB_INT)]
