"""The ecsnet bench's work in EC2 terms, against a running moto server (`moto_server`).

Seeds the store through the EC2 API (CreateNetworkInterface) up to each size in --sizes, then
at each size runs every line at every concurrency and prints one JSON object per measurement,
the same fields `ecsnet bench --json` prints (plus "server" and "size"):

  modify             ModifyNetworkInterfaceAttribute, each worker swapping its ENI's Groups
                     between two security groups
  describe-by-group  DescribeNetworkInterfaces filtered by group-id, 10 ENIs answered (moto
                     ignores MaxResults, so the filter names a group of exactly 10 members;
                     it still looks at every ENI of the store)
  describe-by-id     DescribeNetworkInterfaces of one NetworkInterfaceId, sampled over the store
  noop               DescribeRegions

Every request is signed (SigV4) by botocore; each worker thread has its own client and
keep-alive connection.
"""

import argparse
import json
import sys
import threading
import time

import boto3
from botocore.config import Config

REGION = "us-east-1"
ENIS_PER_SUBNET = 20_000


def client(endpoint):
    return boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=4),
    )


class Store:
    """What the bench created in moto, grown size by size."""

    def __init__(self, endpoint, workers):
        self.endpoint = endpoint
        ec2 = client(endpoint)
        self.ec2 = ec2
        self.subnets = []
        self.count = 0
        subnet = self._subnet()
        self.groups = [self._group("bench-a"), self._group("bench-b")]
        self.page_group = self._group("page-of-10")
        self.page_ids = [self._eni(subnet, self.page_group) for _ in range(10)]
        self.worker_enis = [self._eni(subnet, self.groups[0]) for _ in range(workers)]
        self.sample_ids = []

    def _group(self, name):
        vpc = self.vpcs[0]
        return self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)[
            "GroupId"
        ]

    def _subnet(self):
        n = len(self.subnets)
        vpc = self.ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"]
        group = self.ec2.create_security_group(
            GroupName=f"seed-{n}", Description="seed", VpcId=vpc
        )["GroupId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.0.0/16")["Subnet"][
            "SubnetId"
        ]
        self.subnets.append((subnet, group))
        self.vpcs = getattr(self, "vpcs", []) + [vpc]
        return subnet

    def _eni(self, subnet, group, ec2=None):
        self.count += 1
        return (ec2 or self.ec2).create_network_interface(SubnetId=subnet, Groups=[group])[
            "NetworkInterface"
        ]["NetworkInterfaceId"]

    def seed_to(self, size, threads=8):
        """Creates ENIs (in the VPCs' own seed groups) until the store holds `size`."""
        started, start_count = time.time(), self.count
        lock = threading.Lock()
        plan = []
        while self.count + len(plan) < size:
            total = self.count + len(plan)
            if not self.subnets or total >= ENIS_PER_SUBNET * len(self.subnets):
                self._subnet()
            take = min(size - total, ENIS_PER_SUBNET * len(self.subnets) - total)
            plan.extend([self.subnets[-1]] * take)
        jobs = iter(plan)

        def work():
            ec2 = client(self.endpoint)
            while True:
                with lock:
                    job = next(jobs, None)
                if job is None:
                    return
                eni = self._eni(job[0], job[1], ec2)
                with lock:
                    if len(self.sample_ids) < 1000 and self.count % 7 == 0:
                        self.sample_ids.append(eni)
                    if self.count % 1000 == 0:
                        rate = (self.count - start_count) / max(time.time() - started, 1e-3)
                        print(f"\rmoto: seeded {self.count}/{size} ENIs ({rate:.0f}/s)   ",
                              end="", file=sys.stderr, flush=True)

        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        seconds = time.time() - started
        print(f"\rmoto: seeded {self.count} ENIs ({(self.count - start_count) / max(seconds, 1e-3):.0f}/s)",
              file=sys.stderr)
        return seconds


def request(store, ec2, line, w, i):
    if line == "modify":
        return ec2.modify_network_interface_attribute(
            NetworkInterfaceId=store.worker_enis[w], Groups=[store.groups[i % 2]]
        )
    if line == "describe-by-group":
        answer = ec2.describe_network_interfaces(
            Filters=[{"Name": "group-id", "Values": [store.page_group]}]
        )
        assert len(answer["NetworkInterfaces"]) == 10, "the page group has 10 members"
        return answer
    if line == "describe-by-id":
        ids = store.sample_ids or store.page_ids
        eni = ids[(w * 7919 + i) % len(ids)]
        return ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])
    if line == "noop":
        return ec2.describe_regions()
    raise ValueError(line)


def measure(store, clients, line, concurrency, warmup, duration):
    measure_from = time.monotonic() + warmup
    until = measure_from + duration
    logs = [([], [0], [None]) for _ in range(concurrency)]

    def work(w):
        micros, errors, first = logs[w]
        i = 0
        while time.monotonic() < until:
            sent = time.monotonic()
            try:
                request(store, clients[w], line, w, i)
                error = None
            except Exception as e:  # noqa: BLE001 - every failure is an error of the line
                error = f"{type(e).__name__}: {e}"
            done = time.monotonic()
            i += 1
            # Counted when it completes inside the window (as `ecsnet bench` does).
            if done < measure_from or done > until:
                continue
            if error is None:
                micros.append((done - sent) * 1e6)
            else:
                errors[0] += 1
                first[0] = first[0] or error

    threads = [threading.Thread(target=work, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    micros = sorted(m for log in logs for m in log[0])
    errors = sum(log[1][0] for log in logs)
    first = next((log[2][0] for log in logs if log[2][0]), None)

    def pct(p):
        if not micros:
            return 0.0
        rank = min(max(int(-(-p * len(micros) // 1)), 1), len(micros))
        return micros[rank - 1] / 1000.0

    return {
        "line": line,
        "concurrency": concurrency,
        "requests": len(micros),
        "seconds": duration,
        "throughput": len(micros) / duration,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors,
        "first_error": first,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--lines", default="modify,describe-by-group,describe-by-id,noop")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    concurrency = [int(c) for c in args.concurrency.split(",")]
    store = Store(args.endpoint, max(concurrency))
    clients = [client(args.endpoint) for _ in range(max(concurrency))]
    for size in (int(s) for s in args.sizes.split(",")):
        seconds = store.seed_to(size)
        print(json.dumps({"server": "moto", "size": size, "line": "seed",
                          "seconds": seconds, "enis": store.count}), flush=True)
        for line in args.lines.split(","):
            for c in concurrency:
                result = measure(store, clients, line, c, args.warmup, args.duration)
                result.update(server="moto", size=size)
                print(json.dumps(result), flush=True)
                print(f"moto {size:>8} {line:<18} c={c:<3} {result['throughput']:9.1f}/s "
                      f"p50 {result['p50_ms']:8.2f} ms p99 {result['p99_ms']:8.2f} ms "
                      f"errors {result['errors']}", file=sys.stderr)


if __name__ == "__main__":
    main()
