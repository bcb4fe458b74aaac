"""The services' processes set the collector once started: what was loaded is frozen out of
every collection, and young collections come every 50,000 allocations, not every 700."""
import json
import subprocess
import sys

PROBE = ("import gc, json; before = gc.get_threshold(); from shared import garbage_collection; "
         "garbage_collection.tune(); print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))")


def test_tune_freezes_what_is_loaded_and_spaces_young_collections():
    before, after, frozen = json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True,
                                                      text=True, check=True).stdout)
    assert before[0] == 700 and after == [50_000, *before[1:]]
    assert frozen > 1000  # the modules and objects loaded before the call
