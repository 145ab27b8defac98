"""Alembic migrations of the tonecoach store (``alembic upgrade head``, or :func:`tonecoach.store.init_db`)."""
