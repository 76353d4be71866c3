#include "dcopt/train/text_model_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt::train {
namespace {

constexpr const char* kMagic = "dcopt-text-model";
constexpr std::size_t kMaxBody = std::size_t{1} << 33;

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void write_config(StateWriter& w, const TransformerConfig& c) {
  w.text("name", c.name);
  const std::uint64_t ints[9] = {
      static_cast<std::uint64_t>(c.vocab),         static_cast<std::uint64_t>(c.hidden),
      static_cast<std::uint64_t>(c.embedding),     static_cast<std::uint64_t>(c.layers),
      static_cast<std::uint64_t>(c.heads),         static_cast<std::uint64_t>(c.ffn),
      static_cast<std::uint64_t>(c.max_positions), static_cast<std::uint64_t>(c.type_vocab),
      static_cast<std::uint64_t>(c.labels)};
  for (std::uint64_t v : ints) w.u64("shape", v);
  w.f64("hidden_dropout", c.hidden_dropout);
  w.f64("attention_dropout", c.attention_dropout);
  w.f64("layer_norm_eps", c.layer_norm_eps);
  w.boolean("pre_ln", c.pre_ln);
  w.boolean("share_layers", c.share_layers);
  w.boolean("mlm_head", c.mlm_head);
}

TransformerConfig read_config(StateReader& r, const std::string& what) {
  TransformerConfig c;
  c.name = r.text("name");
  int* ints[9] = {&c.vocab, &c.hidden,        &c.embedding,  &c.layers, &c.heads,
                  &c.ffn,   &c.max_positions, &c.type_vocab, &c.labels};
  for (int* p : ints) {
    const std::uint64_t v = r.u64("shape");
    if (v > (1u << 30)) throw DataError(what + ": implausible model size " + std::to_string(v));
    *p = static_cast<int>(v);
  }
  c.hidden_dropout = r.f64("hidden_dropout");
  c.attention_dropout = r.f64("attention_dropout");
  c.layer_norm_eps = r.f64("layer_norm_eps");
  c.pre_ln = r.boolean("pre_ln");
  c.share_layers = r.boolean("share_layers");
  c.mlm_head = r.boolean("mlm_head");
  try {
    validate(c);
  } catch (const InvalidArgument& e) {
    throw DataError(what + ": the model's configuration is invalid: " + e.what());
  }
  return c;
}

}  // namespace

std::string encode_text_model(const TextModelFile& m) {
  StateWriter body;
  write_config(body, m.config);
  body.u64("tokenizer_fingerprint", m.tokenizer_fingerprint);
  m.layout.write_state(body);
  body.f32s("params", m.params);
  const std::vector<std::uint8_t>& b = body.bytes();
  const std::string text(b.begin(), b.end());
  StateWriter w;
  w.text("magic", kMagic);
  w.u64("format_version", kTextModelVersion);
  w.text("dcopt_version", DCOPT_VERSION);
  w.text("body", text);
  w.u64("fnv1a64", fnv1a64(text));
  const std::vector<std::uint8_t> out = w.take();
  return std::string(out.begin(), out.end());
}

TextModelFile decode_text_model(std::string_view bytes, const std::string& file) {
  std::string body;
  try {
    StateReader r(as_bytes(bytes), file);
    if (r.text("magic") != kMagic) {
      throw DataError(file + ": not a dcopt text model (model.bin of pretrain or finetune)");
    }
    const std::uint64_t v = r.u64("format_version");
    if (v != kTextModelVersion) {
      throw DataError(file + ": text model format version " + std::to_string(v) +
                      "; this dcopt reads version " + std::to_string(kTextModelVersion));
    }
    r.text("dcopt_version");
    body = r.text("body", kMaxBody);
    if (r.u64("fnv1a64") != fnv1a64(body)) {
      throw DataError(file + ": damaged text model (its hash does not match its contents)");
    }
    r.expect_end();
  } catch (const DataError& e) {
    const std::string m = e.what();
    if (m.rfind(file + ": ", 0) == 0) throw;
    throw DataError(file + ": not a readable dcopt text model: " + m);
  }
  StateReader r(as_bytes(body), file);
  TextModelFile m;
  m.config = read_config(r, file);
  m.tokenizer_fingerprint = r.u64("tokenizer_fingerprint");
  m.layout = ParamLayout::read_state(r);
  m.params.resize(m.layout.size());
  r.f32s("params", m.params);
  r.expect_end();
  return m;
}

TextModelFile read_text_model(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw DataError(file.string() +
                    ": cannot read the model (a pretrain or finetune output directory holds "
                    "model.bin)");
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_text_model(bytes, file.string());
}

std::size_t load_pretrained_weights(const TextModelFile& m, const std::string& file,
                                    std::uint64_t tokenizer_fingerprint, FlatParameters& flat) {
  if (m.tokenizer_fingerprint != tokenizer_fingerprint) {
    throw DataError(file + ": trained with another tokenizer (fingerprint " +
                    hex64(m.tokenizer_fingerprint) + ", this run's tokenizer has " +
                    hex64(tokenizer_fingerprint) +
                    "); fine-tune with the tokenizer.model of the same pre-trained run");
  }
  std::size_t copied = 0;
  const ParamLayout& mine = flat.layout();
  for (std::size_t i = 0; i < mine.num_tensors(); ++i) {
    const ParamTensor& t = mine[i];
    const std::optional<std::size_t> j = m.layout.find(t.name);
    // The task head: the pooler and the classifier. Pre-training here has no next-sentence
    // objective, so an MLM model has no pooler to give.
    const bool head = t.name.rfind("classifier.", 0) == 0 || t.name.rfind("pooler.", 0) == 0;
    if (!j) {
      if (head) continue;
      throw DataError(file + ": a model of another architecture: it has no tensor '" + t.name +
                      "' (" + t.shape_text() + ") that this network (" + m.config.describe() +
                      " in the file) needs");
    }
    const ParamTensor& s = m.layout[*j];
    if (s.shape != t.shape) {
      if (head) continue;  // a head for another number of labels: fresh
      throw DataError(file + ": a model of another architecture: tensor '" + t.name + "' is " +
                      s.shape_text() + " in the file, " + t.shape_text() + " in this network");
    }
    std::copy(m.params.begin() + static_cast<std::ptrdiff_t>(s.offset),
              m.params.begin() + static_cast<std::ptrdiff_t>(s.end()),
              flat.params().begin() + static_cast<std::ptrdiff_t>(t.offset));
    ++copied;
  }
  return copied;
}

}  // namespace dcopt::train
