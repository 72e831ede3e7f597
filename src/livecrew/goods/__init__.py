"""Goods (貨): suppliers, the product pool, qualification documents, sample tests, lineups, live stock."""
