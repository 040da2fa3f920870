"""Dispatch to departments: transactional outbox, deliverer, department simulator."""
