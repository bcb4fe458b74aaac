"""Worker processes for verification and the writer's start-up, each sent one job at a
time over a pipe. Spawned: fresh interpreters, not forks of one that eventlet may have
monkey-patched. No threads, unlike ProcessPoolExecutor, whose wake-up pipe eventlet's hub
refuses to share between them."""
import os
from multiprocessing import get_context
from multiprocessing.connection import wait


def serve(connection) -> None:
    """A worker process: run each (function, arguments) it is sent, until it is sent None. Its
    end of the pipe is made blocking: under eventlet, the parent made a non-blocking socket pair."""
    os.set_blocking(connection.fileno(), True)
    for function, arguments in iter(connection.recv, None):
        connection.send(function(*arguments))


class Workers:
    def __init__(self, count: int):
        context = get_context("spawn")
        self.processes, self.idle = [], []
        for _ in range(count):
            ours, theirs = context.Pipe()
            os.set_blocking(ours.fileno(), True)  # a result is read whole, even where eventlet made the pair non-blocking
            self.processes.append(context.Process(target=serve, args=(theirs,), daemon=True))
            self.processes[-1].start()
            theirs.close()
            self.idle.append(ours)

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
            process.join()

    def map(self, function, arguments: list[tuple]) -> list:
        """function(*arguments) for each, in the workers, as results in their order."""
        results, queue, busy = [None] * len(arguments), list(enumerate(arguments))[::-1], {}
        while queue or busy:
            while self.idle and queue:
                connection, (index, argument) = self.idle.pop(), queue.pop()
                connection.send((function, argument))
                busy[connection] = index
            for connection in wait(list(busy)):
                try:
                    results[busy.pop(connection)] = connection.recv()
                except EOFError:
                    raise RuntimeError("a verify worker process died (its error is above)") from None
                self.idle.append(connection)
        return results
