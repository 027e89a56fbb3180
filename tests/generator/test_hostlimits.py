"""Host-wide slots: heavy work admitted a few at a time across threads and
processes, and a dead process's slot given back by the kernel."""

import subprocess
import sys
import threading
import time

import pytest

from generator.hostlimits import HostSlots


@pytest.fixture(autouse=True)
def _lock_dir(settings, tmp_path):
    settings.HOST_LOCK_DIR = tmp_path / "locks"


def test_threads_never_hold_more_slots_than_there_are():
    slots = HostSlots("decode", 2)
    inside, most = 0, 0
    count_lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with slots:
            with count_lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with count_lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2


def test_a_slot_held_by_another_process_waits_and_is_freed_when_it_is_killed(settings):
    settings.HOST_LOCK_DIR.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            str(settings.HOST_LOCK_DIR / "render-0.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        got = threading.Event()

        def take() -> None:
            with HostSlots("render", 1):
                got.set()

        taker = threading.Thread(target=take, daemon=True)
        taker.start()
        assert not got.wait(0.5), "the slot was taken while another process held it"
        holder.kill()
        assert got.wait(5), "the slot of a killed process was never given back"
    finally:
        holder.kill()
        holder.wait()
