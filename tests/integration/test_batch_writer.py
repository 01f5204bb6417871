"""The writer thread behind large exports: order, one transaction per item, errors surfaced."""
import pytest
from sqlalchemy import text

from surveys.batch_writer import BatchWriter


@pytest.fixture
def engine(app):
    engine = app.extensions["surveys.engine"]
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (n INTEGER NOT NULL)"))
    return engine


def insert(connection, numbers):
    for n in numbers:
        connection.execute(text("INSERT INTO scratch (n) VALUES (:n)"), {"n": n})


def stored(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT n FROM scratch ORDER BY n")).scalars().all()


def test_items_are_written_in_the_order_given(engine):
    writer = BatchWriter(engine, insert)
    for start in range(0, 50, 5):
        writer.put(list(range(start, start + 5)))
    writer.close()
    assert stored(engine) == list(range(50))


def test_a_failed_item_is_rolled_back_whole_and_raised_and_later_ones_are_not_written(engine):
    def fail_on_seven(connection, numbers):
        insert(connection, numbers)
        if 7 in numbers:
            raise RuntimeError("the disk is full")

    writer = BatchWriter(engine, fail_on_seven)
    writer.put([1, 2])
    writer.put([6, 7])
    with pytest.raises(RuntimeError, match="the disk is full"):
        for start in range(10, 100, 2):  # the producer learns at its next put, or at close
            writer.put([start, start + 1])
        writer.close()
    assert stored(engine) == [1, 2]
    assert not writer._thread.is_alive()
