"""Two people doing the same thing at the same moment: each racer is a green thread with its
own unit of work, as the services' workers are, holding its transaction open a moment so
the two overlap."""
import eventlet

from shared.errors import Conflict


def race_in(new_unit, *actions) -> list:
    """Run `action(session, emit)` at once in units from `new_unit()`; 'won', or the conflict raised."""
    def run(action):
        unit = new_unit()
        try:
            with unit.transaction() as session:
                action(session, unit.emit)
                eventlet.sleep(0.3)
            return "won"
        except Conflict as conflict:
            return conflict
        finally:
            unit.close()
    racers = [eventlet.spawn(run, action) for action in actions]
    return [racer.wait() for racer in racers]


def one_won(outcomes: list) -> Conflict:
    """Exactly one racer won; the other's conflict."""
    assert sorted(map(str, outcomes)).count("won") == 1, outcomes
    [lost] = [o for o in outcomes if o != "won"]
    return lost
