"""The team (人): roles and duties, the responsibility matrix, AB backups and KPIs."""
