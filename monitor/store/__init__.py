"""The database edge: tables, opening, the cycle lock and the queries; no decisions."""
