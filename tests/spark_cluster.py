"""A Spark standalone cluster on 127.0.0.1 (a master and two workers) for tests/test_spark_runner.py and
benchmarks/spark_vs_local.py.

PySpark's pip package ships `bin/spark-class` but not `sbin/start-master.sh`; spark-class runs the master and
worker in the foreground, so they are children of this process and `stop` ends exactly them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


class StandaloneCluster:
    """Started by the constructor, ready once both workers registered (asked of the master's JSON page)."""

    def __init__(
        self, work: Path, worker_cores: int = 1, worker_memory: str = "1g", wait: float = 180
    ) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.port, ui = free_port(), free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.cores = WORKERS * worker_cores
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(work / "logs")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # executors import trailguard from here
        self._log: IO[bytes] = open(work / "cluster.log", "ab")  # noqa: SIM115
        self.procs: list[subprocess.Popen[bytes]] = []
        master = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
        self._start([*master, "--port", str(self.port), "--webui-port", str(ui)], env)
        for k in range(WORKERS):
            worker = ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1"]
            worker += ["--webui-port", str(free_port()), "--cores", str(worker_cores)]
            worker += ["--memory", worker_memory, "--work-dir", str(work / f"worker-{k}"), self.url]
            self._start(worker, env)
        try:
            self._wait_for_workers(f"http://127.0.0.1:{ui}/json/", wait)
        except BaseException:
            self.stop()
            raise

    def _start(self, args: list[str], env: dict[str, str]) -> None:
        self.procs.append(
            subprocess.Popen([str(spark_class()), *args], env=env, stdout=self._log, stderr=self._log)
        )

    def _wait_for_workers(self, status_url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(status_url, timeout=5) as page:  # 127.0.0.1 only
                    if json.load(page).get("aliveworkers", 0) >= WORKERS:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"the standalone cluster had not {WORKERS} workers after {seconds:.0f} s")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._log.close()
