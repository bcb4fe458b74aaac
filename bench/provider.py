"""Benchmark: the simulated payment provider takes 100 batches of 1,000 payments and delivers
every result by signed bulk callbacks. The provider runs as `ddrr serve provider` in a child
process (as in `make run`), with no callback delay, its default failure and reversal rates
and a float topped up to pay everything; this process sends the batches from two threads and
receives the callbacks, checking each signature. Clock: first batch sent → last result received."""
import argparse
import logging
import tempfile
import threading
import time
import uuid

import requests

from services.provider.process import spawn
from services.provider.receiver import CallbackReceiver
from shared.config import load

SENDERS = 2


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def batches(count: int, size: int) -> list[list[dict]]:
    return [[{"reference_id": f"bench-{batch}-{number}", "msisdn": f"2567{(batch * size + number) % 10**8:08d}",
              "amount": f"{10 + number % 90}.{number % 100:02d}", "currency": "USD", "payee_note": "allowance"}
             for number in range(size)] for batch in range(count)]


def send_all(url: str, token: str, callback_url: str, work: list[list[dict]]) -> float:
    """Send every batch from SENDERS threads; the time at which the last 202 came back."""
    queue, lock, finished = list(work), threading.Lock(), []

    def sender():
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        while True:
            with lock:
                if not queue:
                    return
                payments = queue.pop()
            answer = session.post(f"{url}/v1/batches", json={"callback_url": callback_url, "payments": payments},
                                  headers={"X-Reference-Id": str(uuid.uuid4())}, timeout=60)
            assert answer.status_code == 202 and answer.json()["accepted"] == len(payments), answer.text[:200]
            finished.append(time.monotonic())

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(finished)


def main(payments: int = 100_000, batch_size: int = 1000, database_url: str | None = None) -> dict:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per callback request otherwise
    config = load()
    settings = config["PROVIDER"]
    work = batches(payments // batch_size, batch_size)
    with tempfile.TemporaryDirectory() as folder, CallbackReceiver(settings["callback_secret"]) as receiver:
        database = {"PROVIDER_DATABASE_URL": database_url} if database_url else {}
        child, url = spawn(folder, PROVIDER_CALLBACK_DELAY="0", **database)
        try:
            top_up = {"reference_id": "bench-float", "amount": "10000000.00", "currency": settings["currency"]}
            requests.post(f"{url}/v1/float/topups", json=top_up, timeout=10,
                          headers={"Authorization": f"Bearer {settings['token']}"}).raise_for_status()
            started = time.monotonic()
            accepted_at = send_all(url, settings["token"], receiver.url, work)
            complete = receiver.wait_for(payments, timeout=600)
            delivered_at = time.monotonic()
            rss = peak_rss_mib(child.pid)
        finally:
            child.terminate()
            child.wait(timeout=30)
    results = receiver.results
    figures = {"payments": payments, "batches": len(work), "accept_s": accepted_at - started,
               "deliver_s": delivered_at - started, "callbacks": len(receiver.callbacks),
               "refused_signatures": receiver.refused, "results": len(results),
               "failed": sum(result["status"] == "FAILED" for result in results),
               "provider_peak_rss_mib": rss, "complete": complete}
    print(f"provider: {payments:,} payments in {len(work)} batches accepted in {figures['accept_s']:.2f} s "
          f"({payments / figures['accept_s']:,.0f}/s); every result delivered in {figures['deliver_s']:.2f} s "
          f"= {payments / figures['deliver_s']:,.0f} payments/s; {figures['callbacks']} signed callbacks "
          f"({figures['refused_signatures']} refused), {figures['failed']:,} failed or reversed; "
          f"provider peak RSS {rss:.0f} MiB")
    return figures


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--payments", type=int, default=100_000)
    arguments.add_argument("--batch-size", type=int, default=1000)
    arguments.add_argument("--database-url", help="the provider's database (default: SQLite in a scratch folder)")
    options = arguments.parse_args()
    main(options.payments, options.batch_size, options.database_url)
