"""Reference M/M/c+M (Erlang-A) queues written the way the libraries' tutorials write them.

They are the yardsticks the full model is measured against: the same number of customers
through a plain queue in SimPy (one process per customer) and in ciw. Rates are per minute;
the simulated time unit does not matter for speed.
"""

from __future__ import annotations

import random


def textbook_simpy(c: int, lam: float, mu: float, theta: float, n: int, seed: int) -> tuple[int, int]:
    """``n`` customers through M/M/c+M in SimPy, textbook style; returns (served, reneged).

    A source process creates one process per customer; a customer requests one of the ``c``
    units of a ``simpy.Resource`` and waits for ``req | env.timeout(patience)``; if it got
    the server it holds it for an exponential service time, else it leaves.
    """
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    counts = [0, 0]  # served, reneged

    def customer():
        patience = rng.expovariate(theta)
        with servers.request() as req:
            result = yield req | env.timeout(patience)
            if req in result:
                yield env.timeout(rng.expovariate(mu))
                counts[0] += 1
            else:
                counts[1] += 1

    def source():
        for _ in range(n):
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run()
    return counts[0], counts[1]


def ciw_mmc_reneging(c: int, lam: float, mu: float, theta: float, n: int, seed: int):
    """M/M/c+M in ciw 3 (``reneging_time_distributions``), run until the time in which ``n``
    customers arrive on average (``n / lam``); returns the ``ciw.Simulation``."""
    import ciw

    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(lam)],
        service_distributions=[ciw.dists.Exponential(mu)],
        number_of_servers=[c],
        reneging_time_distributions=[ciw.dists.Exponential(theta)],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(n / lam)
    return sim


if __name__ == "__main__":  # a whole process for benchmarks/run.py's "whole" section
    import sys

    if sys.argv[1:2] != ["textbook"] or len(sys.argv) != 8:
        sys.exit("usage: models.py textbook C LAM MU THETA N SEED")
    c, lam, mu, theta, n, seed = sys.argv[2:]
    served, reneged = textbook_simpy(int(c), float(lam), float(mu), float(theta), int(n), int(seed))
    print(served, reneged)
