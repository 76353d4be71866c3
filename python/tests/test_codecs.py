"""Codecs from Python: round trips on fp32 and fp64 arrays, the exact bit counts, the theory
constants, the catalog and the measured statistics against the `dcopt` program, and errors as
Python exceptions with the C++ messages."""
import math

import numpy as np
import pytest

import dcopt
from conftest import cli_error

D = 200


def gaussian(d, seed, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(d).astype(dtype)


def all_example_specs():
    return [spec for info in dcopt.compressors() for spec in info["examples"]]


def varint_bits(d):
    n = 1
    while d >= 128:
        d >>= 7
        n += 1
    return 8 * n


def test_identity_fp64_round_trip_is_exact():
    c = dcopt.compressor("identity:precision=64")
    x = gaussian(D, 1)
    msg = c.encode(x)
    y = c.decode(msg, D)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, x)
    # 64 bits per value after the header (codec id + varint(d))
    assert msg.header_bits == 8 + varint_bits(D)
    assert msg.bits == msg.header_bits + 64 * D


def test_identity_fp32_round_trip_is_exact():
    c = dcopt.compressor("identity")
    x = gaussian(D, 2, np.float32)
    y = c.decode(c.encode(x), D, dtype=np.float32)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, x)
    # fp64 input at precision 32 comes back rounded to float32
    x64 = gaussian(D, 3)
    np.testing.assert_array_equal(c.decode(c.encode(x64), D), x64.astype(np.float32))


@pytest.mark.parametrize("spec", all_example_specs())
def test_every_codec_round_trips_fp32_and_fp64(spec):
    c = dcopt.compressor(spec)
    x64 = gaussian(D, 4)
    x32 = x64.astype(np.float32)
    m64 = c.encode(x64, seed=7, round=3, sender=2)
    m32 = c.encode(x32, seed=7, round=3, sender=2)
    # the exact size: bits fill all bytes but the padding of the last one
    for m in (m64, m32):
        assert len(m.bytes) == len(m) == (m.bits + 7) // 8
        assert m.bits <= 8 * len(m.bytes) < m.bits + 8
        assert m.payload_bits == m.bits - m.header_bits
        assert m.bytes[0] == c.codec_id
    # decoding with the sender's (seed, sender, round) is deterministic and equals decode_add
    y = c.decode(m64, D, seed=7, round=3, sender=2)
    again = c.decode(m64.bytes, D, seed=7, round=3, sender=2)
    np.testing.assert_array_equal(y, again)
    acc = np.ones(D)
    c.decode_add(m64, acc, 2.0, seed=7, round=3, sender=2)
    np.testing.assert_array_equal(acc, 1.0 + 2.0 * y)
    # a float32 vector is encoded by the same arithmetic as its float64 copy (one wire format)
    assert m32.bytes == c.encode(x32.astype(np.float64), seed=7, round=3, sender=2).bytes
    # a float32 output holds the float32 rounding of the float64 decode
    y32 = c.decode(m32, D, dtype=np.float32, seed=7, round=3, sender=2)
    y64 = c.decode(m32, D, seed=7, round=3, sender=2)
    np.testing.assert_array_equal(y32, y64.astype(np.float32))
    # the decode is not trivially zero, and its density stays within the declared bound
    assert np.count_nonzero(y64) <= D


def test_topk_keeps_the_largest_entries_exactly_at_fp64():
    c = dcopt.compressor("topk:k=10,precision=64")
    x = gaussian(D, 5)
    y = c.decode(c.encode(x), D)
    top = np.argsort(-np.abs(x))[:10]
    expected = np.zeros(D)
    expected[top] = x[top]
    np.testing.assert_array_equal(y, expected)


def test_randk_depends_on_the_seed_and_is_reproducible():
    c = dcopt.compressor("randk:k=5")
    x = gaussian(D, 6)
    a = c.encode(x, seed=1, round=0).bytes
    assert c.encode(x, seed=1, round=0).bytes == a
    assert c.encode(x, seed=2, round=0).bytes != a
    assert c.encode(x, seed=1, round=1).bytes != a


def test_randk_shared_needs_the_senders_stream():
    c = dcopt.compressor("randk_shared:k=5,precision=64")
    x = gaussian(D, 7)
    msg = c.encode(x, seed=3, round=4, sender=1)
    right = c.decode(msg, D, seed=3, round=4, sender=1)
    wrong = c.decode(msg, D, seed=3, round=4, sender=0)
    assert np.count_nonzero(right) == 5
    nz = np.nonzero(right)[0]
    np.testing.assert_allclose(right[nz], x[nz] * D / 5, rtol=1e-15)
    assert not np.array_equal(right, wrong)


def test_decode_into_out_writes_in_place():
    c = dcopt.compressor("qsgd:s=4")
    x = gaussian(D, 8)
    msg = c.encode(x, seed=9)
    out = np.full(D, 5.0, dtype=np.float32)
    r = c.decode(msg, out=out, seed=9)
    assert r is out
    np.testing.assert_array_equal(out, c.decode(msg, D, seed=9).astype(np.float32))


def test_inputs_are_converted_when_needed():
    c = dcopt.compressor("identity:precision=64")
    x = gaussian(2 * D, 9)
    strided = x[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(c.decode(c.encode(strided), D), strided)
    ints = list(range(D))
    np.testing.assert_array_equal(c.decode(c.encode(ints), D), np.arange(D, dtype=float))
    with pytest.raises(ValueError, match=r"one-dimensional array, got shape \(2, 3\)"):
        c.encode(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="writable C-contiguous float32 or float64"):
        c.decode(c.encode(x[:D]), out=np.zeros(D, dtype=np.int64))
    with pytest.raises(TypeError, match="needs the dimension d"):
        c.decode(c.encode(x[:D]))


def test_properties():
    p = dcopt.compressor("randk:k=5").properties(100)
    assert p == {"unbiased": True, "omega": 100 / 5 - 1, "delta": math.inf, "density": 5.0,
                 "deterministic": False}
    p = dcopt.compressor("topk:k=10").properties(100)
    assert p["unbiased"] is False and p["omega"] == math.inf
    assert p["delta"] == 100 / 10 and p["density"] == 10 and p["deterministic"] is True
    c = dcopt.compressor("topk:ratio=0.01")
    assert c.name == "topk" and c.spec == "topk:ratio=0.01,precision=32"
    assert repr(c) == "dcopt.compressor('topk:ratio=0.01,precision=32')"


def test_catalog_is_the_programs(cli_json):
    ours = dcopt.compressors()
    theirs = cli_json("compressors", "--json")
    assert [c["name"] for c in ours] == [c["name"] for c in theirs]
    for a, b in zip(ours, theirs):
        for key in ("summary", "theory", "wire_bits", "examples"):
            assert a[key] == b[key]
        assert [p["name"] for p in a["params"]] == [p["name"] for p in b["params"]]
        assert [p["default"] or "" for p in a["params"]] == [p["default"] for p in b["params"]]
        # the catalog's properties at the CLI's default dimension
        at = b["at_dim"]
        pr = dcopt.compressor(a["examples"][0]).properties(at["dim"])
        assert pr["unbiased"] == at["unbiased"]
        assert pr["density"] == at["expected_density"]
        assert (pr["omega"] if math.isfinite(pr["omega"]) else None) == at["omega"]


@pytest.mark.parametrize("spec", ["randk:k=3", "topk:ratio=0.1", "natural", "qsgd:s=2"])
def test_compressor_stats_equal_the_programs(cli_json, spec):
    ours = dcopt.compressor_stats(spec, 40, trials=300, seed=5)
    theirs = cli_json("compressor-stats", spec, "--dim", 40, "--trials", 300, "--seed", 5, "--json")
    assert set(ours) == set(theirs)
    for k, v in theirs.items():
        assert ours[k] == (math.inf if v is None else v), k
    assert ours["consistent"] is True


def test_invalid_spec_raises_invalid_argument_with_the_programs_message(cli):
    for spec in ("topk:foo=1", "nosuchcodec", "randk:k=0", "topk:k"):
        with pytest.raises(dcopt.InvalidArgument) as e:
            dcopt.compressor(spec)
        assert isinstance(e.value, ValueError) and isinstance(e.value, dcopt.Error)
        assert str(e.value) == cli_error(cli("compressor-stats", spec, "--dim", 10))


def test_malformed_messages_raise_decode_error():
    c = dcopt.compressor("topk:k=5")
    x = gaussian(D, 10)
    msg = c.encode(x).bytes
    with pytest.raises(dcopt.DecodeError):
        c.decode(msg[:-2], D)
    with pytest.raises(dcopt.DecodeError, match="dimension"):
        c.decode(msg, D + 1)
    with pytest.raises(dcopt.DecodeError):
        dcopt.compressor("randk:k=5").decode(msg, D)  # another codec's id
    acc = np.ones(D)
    with pytest.raises(dcopt.DecodeError):
        c.decode_add(msg[:-1], acc)
    np.testing.assert_array_equal(acc, np.ones(D))  # a truncated message changes nothing
    with pytest.raises(dcopt.DecodeError):
        c.decode(b"", D)
    with pytest.raises(TypeError, match="bytes-like"):
        c.decode(12, D)
