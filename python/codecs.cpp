// Codecs on NumPy arrays (compress/compressor.hpp, registry.hpp, compressor_stats.hpp).
//
// Copies: encode() reads a C-contiguous float32 or float64 array in place (any other array or
// sequence is converted to float64 once); decode(..., out=a) and decode_add() write into the
// caller's array; the only copies are the message bytes into a Python bytes object (what a
// user sends) and, without out=, the new result array. The GIL is released while a codec runs.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <span>
#include <string>

#include "bindings.hpp"
#include "dcopt/compress/compressor_stats.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace dcopt::python {
namespace {

// The stream a sender's encode() starts from, and that decode() regenerates (compressor.hpp).
Rng codec_rng(std::uint64_t seed, std::uint64_t sender, std::uint64_t round) {
  return Rng(seed, Purpose::compressor, sender, round);
}

bool is_dtype(const py::array& a, const py::dtype& t) { return a.dtype().is(t); }

std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    if (i) s += ", ";
    s += std::to_string(a.shape(i));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

void require_vector(const py::array& a, const char* what) {
  if (a.ndim() != 1) {
    throw py::value_error(std::string(what) + " must be a one-dimensional array, got shape " +
                          shape_of(a));
  }
}

// A float32/float64 C-contiguous array as is, anything else converted to float64.
py::array as_input_vector(const py::handle& x) {
  py::array a = py::array::ensure(x);
  if (!a) throw py::type_error("x must be an array of numbers (a NumPy array or a sequence)");
  const bool contiguous = (a.flags() & py::array::c_style) != 0;
  if (contiguous && (is_dtype(a, py::dtype::of<float>()) || is_dtype(a, py::dtype::of<double>()))) {
    require_vector(a, "x");
    return a;
  }
  py::array converted = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!converted) throw py::error_already_set();
  require_vector(converted, "x");
  return converted;
}

// A writable C-contiguous float32/float64 vector the codec writes into.
void require_output_vector(const py::array& a, const char* what) {
  require_vector(a, what);
  const bool ok_type = is_dtype(a, py::dtype::of<float>()) || is_dtype(a, py::dtype::of<double>());
  if (!ok_type || (a.flags() & py::array::c_style) == 0 || !a.writeable()) {
    throw py::type_error(std::string(what) +
                         " must be a writable C-contiguous float32 or float64 array");
  }
}

// The message bytes of a Message, bytes, bytearray, memoryview or uint8 array (not copied;
// `keep` holds the buffer while the span is used).
std::span<const std::uint8_t> message_bytes(const py::handle& msg, py::buffer_info& keep) {
  if (py::isinstance<Message>(msg)) {
    const Message& m = msg.cast<const Message&>();
    return {m.bytes.data(), m.bytes.size()};
  }
  if (!PyObject_CheckBuffer(msg.ptr())) {
    throw py::type_error(
        "msg must be a dcopt.Message or bytes-like (bytes, bytearray, "
        "memoryview, uint8 array)");
  }
  keep = py::reinterpret_borrow<py::buffer>(msg).request();
  if (keep.itemsize != 1 || keep.ndim > 1 ||
      (keep.ndim == 1 && keep.strides[0] != 1 && keep.size > 1)) {
    throw py::type_error("msg must be contiguous bytes (item size 1, one dimension)");
  }
  return {static_cast<const std::uint8_t*>(keep.ptr), static_cast<std::size_t>(keep.size)};
}

void decode_add_into(const Compressor& c, std::span<const std::uint8_t> bytes, double scale,
                     py::array& acc, Rng shared) {
  const auto n = static_cast<std::size_t>(acc.shape(0));
  if (is_dtype(acc, py::dtype::of<float>())) {
    std::span<float> out(static_cast<float*>(acc.mutable_data()), n);
    py::gil_scoped_release nogil;
    c.decode_add(bytes, scale, out, shared);
  } else {
    std::span<double> out(static_cast<double*>(acc.mutable_data()), n);
    py::gil_scoped_release nogil;
    c.decode_add(bytes, scale, out, shared);
  }
}

py::dict properties_dict(const CompressorProperties& p) {
  return py::dict("unbiased"_a = p.unbiased, "omega"_a = p.omega, "delta"_a = p.delta,
                  "density"_a = p.expected_density, "deterministic"_a = p.deterministic);
}

py::list catalog_list() {
  py::list out;
  for (const CodecInfo& info : codec_catalog()) {
    py::list params;
    for (const CodecParam& p : info.params) {
      params.append(py::dict(
          "name"_a = p.name,
          "default"_a = p.default_value.empty() ? py::none() : py::object(py::str(p.default_value)),
          "description"_a = p.description));
    }
    out.append(py::dict("name"_a = info.name, "summary"_a = info.summary, "theory"_a = info.theory,
                        "wire_bits"_a = info.wire_bits, "params"_a = params,
                        "examples"_a = info.examples));
  }
  return out;
}

py::dict stats_dict(const CompressorStats& s) {
  return py::dict("spec"_a = s.spec, "dim"_a = s.dim, "trials"_a = s.trials,
                  "unbiased"_a = s.unbiased, "omega_declared"_a = s.omega_declared,
                  "delta_declared"_a = s.delta_declared, "density_declared"_a = s.density_declared,
                  "omega_measured"_a = s.omega_measured, "bias_measured"_a = s.bias_measured,
                  "bias_noise_floor"_a = s.bias_noise_floor,
                  "density_measured"_a = s.density_measured, "bits_mean"_a = s.bits_mean,
                  "payload_bits_mean"_a = s.payload_bits_mean, "consistent"_a = s.consistent);
}

// The Python object of a codec: pybind11 holders cannot be shared_ptr<const T>.
struct PyCompressor {
  CompressorPtr codec;
  const Compressor& operator*() const { return *codec; }
};

}  // namespace

void bind_codecs(py::module_& m) {
  py::class_<Message>(m, "Message", R"doc(
A compressed message: the real bytes that travel and the exact number of bits they carry.

bytes        the wire payload (a new bytes object on each access); the last byte may be
             zero-padded, so 8 * len(bytes) - 7 <= bits <= 8 * len(bytes)
bits         exact size of the encoding in bits, header included
header_bits  of `bits`, the header (8 bits codec id + the dimension as a varint)
payload_bits bits - header_bits (the paper-style count)
)doc")
      .def_property_readonly(
          "bytes",
          [](const Message& msg) {
            return py::bytes(reinterpret_cast<const char*>(msg.bytes.data()), msg.bytes.size());
          },
          "The wire payload (a copy, as bytes).")
      .def_readonly("bits", &Message::bits, "Exact size in bits, header included.")
      .def_readonly("header_bits", &Message::header_bits, "Header bits (codec id, dimension).")
      .def_property_readonly("payload_bits", &Message::payload_bits, "bits - header_bits.")
      .def(
          "__len__", [](const Message& msg) { return msg.bytes.size(); }, "len(bytes).")
      .def("__bytes__",
           [](const Message& msg) {
             return py::bytes(reinterpret_cast<const char*>(msg.bytes.data()), msg.bytes.size());
           })
      .def("__repr__", [](const Message& msg) {
        return "<dcopt.Message " + std::to_string(msg.bytes.size()) + " bytes, " +
               std::to_string(msg.bits) + " bits (" + std::to_string(msg.header_bits) + " header)>";
      });

  py::class_<PyCompressor>(m, "Compressor", R"doc(
A codec (built by dcopt.compressor(spec)): stateless, immutable and thread-safe; it carries its
theory constants and produces real wire payloads.

Randomness: encode() draws only from the stream Rng(seed, compressor, sender, round), which the
receiver can regenerate: decode() with the same (seed, sender, round) is the exact inverse
(codecs whose receiver must regenerate the sender's choices, e.g. randk_shared, need it; the
others ignore it). A float32 vector is encoded by the same arithmetic as its float64 copy:
same bytes. One wire format serves both element types.
)doc")
      .def_property_readonly(
          "name", [](const PyCompressor& c) { return c.codec->name(); },
          "Registry name, e.g. 'topk'.")
      .def_property_readonly(
          "spec", [](const PyCompressor& c) { return c.codec->spec(); },
          "Canonical spec that rebuilds this codec, e.g. 'topk:k=10,precision=32'.")
      .def_property_readonly(
          "codec_id", [](const PyCompressor& c) { return static_cast<int>(c.codec->id()); },
          "The codec id written in the first byte of every message.")
      .def(
          "properties",
          [](const PyCompressor& c, std::size_t d) {
            return properties_dict(c.codec->properties(d));
          },
          "d"_a, R"doc(
Theory constants at dimension d (ALGORITHMS.md §1.1), as a dict:
  unbiased       E[Q(x)] = x for every x
  omega          E||Q(x)-x||^2 <= omega ||x||^2; inf if not unbiased
  delta          E||C(x)-x||^2 <= (1 - 1/delta) ||x||^2 (delta >= 1); inf if not contractive
  density        expected number of non-zeros of Q(x), at most d
  deterministic  the same input always gives the same output
)doc")
      .def(
          "encode",
          [](const PyCompressor& pc, const py::handle& x, std::uint64_t seed, std::uint64_t round,
             std::uint64_t sender) {
            const Compressor& c = *pc;
            py::array a = as_input_vector(x);
            const auto n = static_cast<std::size_t>(a.shape(0));
            Rng rng = codec_rng(seed, sender, round);
            Message msg;
            if (is_dtype(a, py::dtype::of<float>())) {
              std::span<const float> v(static_cast<const float*>(a.data()), n);
              py::gil_scoped_release nogil;
              c.encode(v, rng, msg);
            } else {
              std::span<const double> v(static_cast<const double*>(a.data()), n);
              py::gil_scoped_release nogil;
              c.encode(v, rng, msg);
            }
            return msg;
          },
          "x"_a, py::kw_only(), "seed"_a = 0, "round"_a = 0, "sender"_a = 0, R"doc(
Encodes the vector x (one-dimensional; float32 or float64 C-contiguous arrays are read in place,
anything else is converted to float64) into a new dcopt.Message. Deterministic given
(x, seed, round, sender): the stream is Rng(seed, compressor, sender, round).
)doc")
      .def(
          "decode",
          [](const PyCompressor& pc, const py::handle& msg, std::optional<std::size_t> d,
             std::optional<py::array> out, const py::object& dtype, std::uint64_t seed,
             std::uint64_t round, std::uint64_t sender) {
            const Compressor& c = *pc;
            py::buffer_info keep;
            std::span<const std::uint8_t> bytes = message_bytes(msg, keep);
            py::array acc;
            if (out) {
              acc = *out;
              require_output_vector(acc, "out");
              if (d && *d != static_cast<std::size_t>(acc.shape(0))) {
                throw py::value_error("d = " + std::to_string(*d) + " but out has length " +
                                      std::to_string(acc.shape(0)));
              }
            } else {
              if (!d) throw py::type_error("decode() needs the dimension d (or out=)");
              py::dtype t = py::dtype::from_args(dtype);
              if (!t.is(py::dtype::of<float>()) && !t.is(py::dtype::of<double>())) {
                throw py::type_error("dtype must be float32 or float64");
              }
              acc = py::array(t, std::vector<py::ssize_t>{static_cast<py::ssize_t>(*d)});
            }
            // decode = fill with 0, then decode_add (compressor.cpp): in place for out=.
            if (is_dtype(acc, py::dtype::of<float>())) {
              std::fill_n(static_cast<float*>(acc.mutable_data()), acc.shape(0), 0.0f);
            } else {
              std::fill_n(static_cast<double*>(acc.mutable_data()), acc.shape(0), 0.0);
            }
            decode_add_into(c, bytes, 1.0, acc, codec_rng(seed, sender, round));
            return acc;
          },
          "msg"_a, "d"_a = py::none(), py::kw_only(), "out"_a = py::none(),
          "dtype"_a = py::module_::import("numpy").attr("float64"), "seed"_a = 0, "round"_a = 0,
          "sender"_a = 0, R"doc(
Decodes msg (a dcopt.Message or its bytes) for dimension d into Q(x): a new array of `dtype`
(float64 or float32), or, with out=, into that writable C-contiguous float32/float64 array
(no allocation; returned). seed, round and sender must be those of encode(). The bytes are
validated (codec id, dimension, counts, indices, lengths, trailing bytes): malformed input
raises dcopt.DecodeError and never reads or writes out of bounds; a float32 output holds the
float32 rounding of the float64 decode.
)doc")
      .def(
          "decode_add",
          [](const PyCompressor& pc, const py::handle& msg, py::array acc, double scale,
             std::uint64_t seed, std::uint64_t round, std::uint64_t sender) {
            const Compressor& c = *pc;
            py::buffer_info keep;
            std::span<const std::uint8_t> bytes = message_bytes(msg, keep);
            require_output_vector(acc, "acc");
            decode_add_into(c, bytes, scale, acc, codec_rng(seed, sender, round));
          },
          "msg"_a, "acc"_a, "scale"_a = 1.0, py::kw_only(), "seed"_a = 0, "round"_a = 0,
          "sender"_a = 0, R"doc(
acc += scale * Q(x) in place (acc: a writable C-contiguous float32/float64 array whose length
is the dimension the receiver expects; a message for another dimension raises DecodeError,
and a truncated one leaves acc unchanged). Each update is computed in float64.
)doc")
      .def("__repr__",
           [](const PyCompressor& c) { return "dcopt.compressor('" + c.codec->spec() + "')"; });

  m.def(
      "compressor", [](const std::string& spec) { return PyCompressor{make_compressor(spec)}; },
      "spec"_a,
      R"doc(
Builds a codec from "name[:key=value,...]", e.g. "topk:ratio=0.01", "randk:k=5",
"qsgd:s=4,precision=64" (dcopt.compressors() lists every codec and its parameters).
Unknown codec or parameter, or an invalid value: dcopt.InvalidArgument naming it and listing
what is valid. The returned dcopt.Compressor is immutable and may be shared between threads.
)doc");
  m.def("compressors", &catalog_list, R"doc(
The codec catalog, in a fixed order: a list of dicts with name, summary, theory (constants in
words), wire_bits (payload bits as a formula; the header adds 8 bits + varint(d)), params
(name, default or None if required, description with the valid range) and examples (specs;
the first uses the defaults). The same as `dcopt compressors`.
)doc");
  m.def(
      "compressor_stats",
      [](const std::string& spec, std::size_t dim, int trials, std::uint64_t seed) {
        if (dim < 1) throw InvalidArgument("compressor_stats: dim must be >= 1");
        if (trials < 1) throw InvalidArgument("compressor_stats: trials must be >= 1");
        CompressorPtr codec = make_compressor(spec);
        CompressorStats s;
        {
          py::gil_scoped_release nogil;
          s = measure_compressor(*codec, dim, trials, seed);
        }
        return stats_dict(s);
      },
      "spec"_a, "dim"_a, "trials"_a = 2000, "seed"_a = 1, R"doc(
Monte-Carlo measurement of a codec's constants next to the declared ones (what
`dcopt compressor-stats SPEC --dim D --trials T --seed S --json` prints, with inf where the
JSON has null): `trials` encodings of one fixed Gaussian vector of dimension `dim`, decoded
and measured. Keys: spec, dim, trials, unbiased, omega_declared, delta_declared,
density_declared, omega_measured (mean ||Q(x)-x||^2/||x||^2), bias_measured
(||mean Q(x) - x||/||x||), bias_noise_floor (its standard error), density_measured, bits_mean,
payload_bits_mean (bits per message), consistent (the declared constants hold).
)doc");
}

}  // namespace dcopt::python
