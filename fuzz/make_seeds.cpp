// Writes the binary seed corpora of the fuzz targets into DIR/<target>/ (valid examples in each
// target's input format; the text corpora, LibSVM and TOML, are written by hand). Run after a
// wire-format change: build-fuzz/fuzz_make_seeds fuzz/corpus
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dcopt/compress/layered_compressor.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/experiment/checkpoint.hpp"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

void put(const fs::path& dir, const std::string& name, const Bytes& bytes) {
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void codec_seeds(const fs::path& dir) {
  // The same order as codec_decode_fuzz.cpp: every catalog example, then the layered codec.
  std::vector<dcopt::CompressorPtr> codecs;
  for (const auto& info : dcopt::codec_catalog()) {
    for (const auto& spec : info.examples) codecs.push_back(dcopt::make_compressor(spec));
  }
  auto layout = dcopt::ParamLayout::packed({{"w", {4, 5}}, {"b", {5}}, {"s", {1}}});
  std::vector<dcopt::TensorCodec> per_tensor = {{dcopt::make_compressor("topk:k=4"), "w"},
                                                {dcopt::make_compressor("int8"), "b"},
                                                {dcopt::make_compressor("identity"), "s"}};
  codecs.push_back(
      std::make_shared<dcopt::LayeredCompressor>(std::move(layout), std::move(per_tensor)));
  for (std::size_t i = 0; i < codecs.size(); ++i) {
    const bool layered = i + 1 == codecs.size();
    for (std::size_t d : {std::size_t{16}, std::size_t{100}}) {
      if (layered) d = 26;
      std::vector<double> x(d);
      dcopt::Rng values(i, dcopt::Purpose::data, d);
      for (auto& v : x) v = std::ldexp(static_cast<double>(values() % 2001) - 1000.0, -7);
      const std::uint8_t seed = static_cast<std::uint8_t>(7 * i + d);
      dcopt::Rng rng(seed, dcopt::Purpose::shared_codec, 1, 2);  // what the target decodes with
      dcopt::Message m;
      try {
        m = codecs[i]->encode(x, rng);
      } catch (const std::exception&) {
        continue;  // e.g. topk:k=32 at d=16
      }
      Bytes b = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>((d - 1) & 0xFF),
                 static_cast<std::uint8_t>((d - 1) >> 8), 4, seed};
      b.insert(b.end(), m.bytes.begin(), m.bytes.end());
      std::string name = "codec";
      name += std::to_string(i);
      name += "_d";
      name += std::to_string(d);
      put(dir, name, b);
      if (layered) break;
    }
  }
}

dcopt::MetricRow row(std::size_t method, std::uint64_t round, double x) {
  dcopt::MetricRow r;
  r.method = method;
  r.round = round;
  r.metrics = {x, std::nan(""), 2 * x};
  r.cost = {1.5 * x, 2.0, 3.0, 4.0};
  r.wall_s = 0.125;
  return r;
}

void checkpoint_seeds(const fs::path& dir) {
  dcopt::Checkpoint c;
  c.config_hash = "0123456789abcdef";
  c.workers = 2;
  c.method_count = 2;
  c.metric_count = 3;
  c.problem = "quadratic d=10";
  c.problem_constants = {{"L_f", 2.5}, {"mu", 0.5}};
  dcopt::MethodResult m;
  m.status = dcopt::RunStatus::max_rounds;
  m.rounds = 7;
  m.final_row = row(0, 7, 0.1);
  m.init_cost = {1, 2, 3, 4};
  m.parameters = {{"gamma", 0.3}};
  c.finished = {m};
  c.rows = {row(0, 0, 1.0), row(0, 7, 0.1), row(1, 0, 3.0)};
  c.running = {1, 5, 10.0, 2.0, 0.75, 3.0};
  c.worker_states = {std::string("\0\1\2", 3), "worker one"};
  const Bytes file = dcopt::encode_checkpoint(c);
  Bytes whole = {0};
  whole.insert(whole.end(), file.begin(), file.end());
  put(dir, "whole_file", whole);
  // The body alone (mode 1: the target wraps it).
  dcopt::StateReader r(std::span<const std::uint8_t>(file).subspan(16), "seed");
  r.u64("format_version");
  r.text("dcopt_version");
  const std::string body = r.text("body", std::size_t{1} << 30);
  Bytes wrapped = {1};
  wrapped.insert(wrapped.end(), body.begin(), body.end());
  put(dir, "body", wrapped);
  c.finished.clear();
  c.rows = {row(0, 0, 1.0)};
  c.running = {0, 1, 1.0, 0.0, 0.5, 1.0};
  const Bytes first = dcopt::encode_checkpoint(c);
  Bytes first_whole = {0};
  first_whole.insert(first_whole.end(), first.begin(), first.end());
  put(dir, "first_method", first_whole);
}

void state_seeds(const fs::path& dir) {
  auto seed = [&](std::uint8_t which, const dcopt::StateWriter& w, const char* name) {
    Bytes b = {which};
    b.insert(b.end(), w.bytes().begin(), w.bytes().end());
    put(dir, name, b);
  };
  {
    dcopt::StateWriter w;
    w.u64("round", 12);
    w.f64("gamma", 0.25);
    const double x[] = {1.0, -2.0, 1e-300};
    w.f64s("x", x);
    seed(0, w, "schedule0");
  }
  {
    dcopt::StateWriter w;
    const std::uint32_t idx[] = {3, 1, 4, 1, 5};
    w.u32s("indices", idx);
    const float g[] = {0.5f, -0.25f};
    w.f32s("g", g);
    seed(1, w, "schedule1");
  }
  {
    dcopt::StateWriter w;
    w.text("name", "marina");
    w.boolean("flag", true);
    seed(2, w, "schedule2");
  }
  {
    dcopt::StateWriter w;
    w.u64("count", 2);
    w.text("item", "a");
    w.f64("value", 1.0);
    w.text("item", "bb");
    w.f64("value", -1.0);
    seed(3, w, "schedule3");
  }
}

Bytes idx_file(std::uint8_t rank, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes b = {0, 0, 0x08, rank};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(d >> s));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes gzip(const Bytes& plain) {
  uLongf n = compressBound(plain.size()) + 32;
  Bytes out(n);
  z_stream s{};
  deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // gzip wrapper
  s.next_in = const_cast<Bytef*>(plain.data());
  s.avail_in = static_cast<uInt>(plain.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

void idx_seeds(const fs::path& dir) {
  Bytes pixels(2 * 3 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 14);
  const Bytes images = idx_file(3, {2, 3, 3}, pixels);
  const Bytes labels = idx_file(1, {4}, {3, 1, 4, 1});
  auto with = [](std::uint8_t what, const Bytes& file) {
    Bytes b = {what};
    b.insert(b.end(), file.begin(), file.end());
    return b;
  };
  put(dir, "images", with(0, images));
  put(dir, "images_gz", with(0, gzip(images)));
  put(dir, "labels", with(1, labels));
  put(dir, "labels_gz", with(1, gzip(labels)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  codec_seeds(root / "codec_decode");
  checkpoint_seeds(root / "checkpoint");
  state_seeds(root / "state_reader");
  idx_seeds(root / "idx_reader");
  return 0;
}
