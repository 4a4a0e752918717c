"""The .mtr encoding for the end-to-end tests' trace generators
(inspect-mtrgen.py, model-mtrgen.py), written out here independently of the
C writer (traces/traces.h is the spec), so the tests also check that the
reader follows the documented format.  Not a test of its own."""
import struct


def pack(v):
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xa0 | len(b)]) + b
        if len(b) < 256:
            return bytes([0xd9, len(b)]) + b
        return b"\xda" + struct.pack(">H", len(b)) + b
    if isinstance(v, list):
        head = bytes([0x90 | len(v)]) if len(v) < 16 else b"\xdc" + struct.pack(">H", len(v))
        return head + b"".join(pack(x) for x in v)
    if 0 <= v < 128:
        return bytes([v])
    if -32 <= v < 0:
        return struct.pack("b", v)
    return b"\xd3" + struct.pack(">q", v)


ACT = ["start_ns", "end_ns", "device", "stream", "partition", "module", "phase",
       "microbatch", "step", "correlation"]
LAUNCH = ["grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z", "registers",
          "static_smem", "dynamic_smem"]
KINDS = {
    "device": (1, ["id", "sms", "name"]),
    "stream": (2, ["device", "id", "partition", "name"]),
    "partition": (3, ["device", "id", "sms", "name"]),
    "module": (4, ["id", "name"]),
    "phase": (5, ["id", "name"]),
    "kernel": (6, ACT + LAUNCH + ["kclass", "occupancy_pct", "flops", "bytes", "name"]),
    "memcpy": (7, ACT + ["bytes", "copy_kind", "name"]),
    "memset": (8, ACT + ["bytes", "name"]),
    "collective": (9, ACT + LAUNCH + ["coll", "bytes", "group_size", "group_rank", "group",
                                      "dtype", "name"]),
    "marker": (10, ["start_ns", "end_ns", "device", "stream", "module", "phase",
                    "microbatch", "step", "name", "category"]),
}
STRINGS = {"name", "group", "dtype", "category"}


def rec(kind, **f):
    num, fields = KINDS[kind]
    vals = [f.get(n, "" if n in STRINGS else -1) for n in fields]
    for n in f:
        assert n in fields, (kind, n)
    return pack([num] + vals)


def header(producer, quota, gpu, sms):
    """The header: magic, version 1, 0, producer, source 1 (simulated), origin "e2e",
    quota_sms (0: the whole GPU), gpu_name, gpu_sms (traces/traces.h, TRACE_HEADER_FIELDS)."""
    return pack(["mosaic-trace", 1, 0, producer, 1, "e2e", quota, gpu, sms])
