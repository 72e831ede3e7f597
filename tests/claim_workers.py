"""A worker process for the claim concurrency tests and the claims benchmark: claims one SKU from many threads.

python tests/claim_workers.py URL SHOW_ID PREFIX COUNT [THREADS]   -> prints {"confirmed": n, "waitlisted": n}
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.goods import claims
from livecrew.shows.models import Show


def hammer(url: str, show_id: str, buyers: list[str], threads: int = 16, sku: str = "HOT") -> list[str]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()

    def one(buyer: str) -> str:
        with sessions() as db:
            show = db.get(Show, show_id)
            assert show is not None
            result = claims.claim(db, clock, show, buyer=buyer, qty=1, sku=sku)
            db.commit()
            return result.status

    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(one, buyers))
    engine.dispose()
    return statuses


if __name__ == "__main__":
    url, show_id, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    done = hammer(url, show_id, [f"{prefix}{i}" for i in range(count)], threads)
    print(json.dumps({"confirmed": done.count("confirmed"), "waitlisted": done.count("waitlisted")}))
