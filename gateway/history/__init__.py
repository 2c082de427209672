"""Sensor history: numeric and boolean sensor state values over time, in SQLite.

`samples` picks the points out of published deCONZ messages, `storage` keeps them in
`history.db`, `query` reads and checks the query parameters, and `recorder` ties them
together: batches in memory, one worker thread for the database, retention.
"""
