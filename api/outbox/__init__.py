"""The transactional outbox: department events written with the task change, delivered after commit."""
