// TransformerConfig: the defaults of "bert" and "albert", reading a [model] table (unknown keys
// and inconsistent sizes are errors naming what is wrong), and the parameter count, checked
// against shapes counted by hand and against the flat buffer of the built encoder.
#include "dcopt/train/models/transformer_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/models/transformer_encoder.hpp"
#include "dcopt/train/text_model_catalog.hpp"

namespace dcopt::train {
namespace {

using ::testing::HasSubstr;

Settings table(std::initializer_list<std::pair<const char*, Settings::Value>> kv) {
  Settings s("[model] in test.toml");
  for (const auto& [k, v] : kv) s.set(k, v);
  return s;
}

std::string error_of(const Settings& s, int vocab = 100, int labels = 2) {
  try {
    read_transformer_config(s, vocab, labels);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "no error";
}

// V = 50, H = 16, F = 32, P = 20, T = 2, heads 2.
TransformerConfig tiny(const std::string& name, int labels) {
  TransformerConfig c = default_transformer_config(name, 50, labels);
  c.hidden = 16;
  c.embedding = name == "albert" ? 8 : 16;
  c.heads = 2;
  c.ffn = 32;
  c.max_positions = 20;
  return c;
}

TEST(TransformerConfig, DefaultsOfBertAndAlbert) {
  const TransformerConfig b = default_transformer_config("bert", 8000, 2);
  EXPECT_EQ(b.hidden, 128);
  EXPECT_EQ(b.embedding, 128);
  EXPECT_EQ(b.layers, 2);
  EXPECT_EQ(b.heads, 2);
  EXPECT_EQ(b.ffn, 512);
  EXPECT_EQ(b.max_positions, 128);
  EXPECT_EQ(b.type_vocab, 2);
  EXPECT_FALSE(b.pre_ln);
  EXPECT_FALSE(b.share_layers);
  EXPECT_FALSE(b.mlm_head);  // a fine-tuning model carries no MLM head
  EXPECT_TRUE(default_transformer_config("bert", 8000, 0).mlm_head);
  const TransformerConfig a = default_transformer_config("albert", 8000, 0);
  EXPECT_EQ(a.embedding, 64);
  EXPECT_EQ(a.layers, 4);
  EXPECT_TRUE(a.share_layers);
  EXPECT_TRUE(a.factorized());
  EXPECT_EQ(a.describe(),
            "albert(H=128,E=64,L=4,heads=2,ffn=512,P=128,V=8000,post-LN,shared,"
            "labels=0,mlm)");
}

TEST(TransformerConfig, ReadsTheTableAndRejectsUnknownKeys) {
  const TransformerConfig c = read_transformer_config(table({{"name", std::string("albert")},
                                                             {"hidden", std::int64_t{64}},
                                                             {"heads", std::int64_t{4}},
                                                             {"pre_ln", true},
                                                             {"hidden_dropout", 0.0}}),
                                                      300, 1);
  EXPECT_EQ(c.hidden, 64);
  EXPECT_EQ(c.embedding, 32);  // albert: H / 2 unless given
  EXPECT_EQ(c.heads, 4);
  EXPECT_TRUE(c.pre_ln);
  EXPECT_TRUE(c.share_layers);
  EXPECT_EQ(c.hidden_dropout, 0.0);
  EXPECT_EQ(c.attention_dropout, 0.1);
  EXPECT_EQ(c.vocab, 300);
  EXPECT_EQ(c.labels, 1);

  const std::string unknown =
      error_of(table({{"name", std::string("bert")}, {"hiden", std::int64_t{64}}}));
  EXPECT_THAT(unknown, HasSubstr("unknown key 'hiden'"));
  EXPECT_THAT(unknown, HasSubstr("hidden"));
  EXPECT_THAT(unknown, HasSubstr("share_layers"));
  EXPECT_THAT(error_of(table({{"name", std::string("gpt")}})), HasSubstr("bert, albert"));
  EXPECT_THAT(error_of(table({})), HasSubstr("name"));
}

TEST(TransformerConfig, InconsistentSizesAreClearErrors) {
  const auto bert = [](std::initializer_list<std::pair<const char*, Settings::Value>> kv) {
    Settings s = table(kv);
    s.set("name", std::string("bert"));
    return s;
  };
  EXPECT_THAT(error_of(bert({{"hidden", std::int64_t{100}}, {"heads", std::int64_t{3}}})),
              HasSubstr("hidden = 100 is not divisible by heads = 3"));
  EXPECT_THAT(error_of(bert({{"embedding", std::int64_t{256}}})),
              HasSubstr("embedding = 256 exceeds hidden = 128"));
  EXPECT_THAT(error_of(bert({{"hidden_dropout", 1.0}})), HasSubstr("hidden_dropout"));
  EXPECT_THAT(error_of(bert({{"layers", std::int64_t{0}}})), HasSubstr("layers"));
  EXPECT_THAT(error_of(bert({}), 0), HasSubstr("vocabulary is empty"));
  EXPECT_THAT(error_of(bert({{"mlm_head", false}}), 100, 0), HasSubstr("no output head"));
  EXPECT_THROW(validate(TransformerConfig{}), InvalidArgument);  // vocab 0
}

TEST(TransformerConfig, BertParameterCountByHand) {
  const TransformerConfig c = tiny("bert", 2);
  // Embeddings: word 50*16, position 20*16, segment 2*16, LayerNorm 2*16 = 1184.
  // A layer: query/key/value/output 4*(16*16+16) = 1088, two LayerNorms 64,
  //   FFN 16*32+32 + 32*16+16 = 1072: 2224; two layers 4448.
  // Pooler 16*16+16 = 272, classifier 16*2+2 = 34.
  const std::int64_t expected = 1184 + 4448 + 272 + 34;
  EXPECT_EQ(c.parameter_count(), expected);
  TransformerEncoder net(c);
  FlatParameters flat(net);
  EXPECT_EQ(flat.size(), static_cast<std::size_t>(expected));
  EXPECT_EQ(flat.layout()[0].name, "word_embeddings.weight");
  EXPECT_TRUE(flat.layout().find("layers.1.ffn_norm.bias").has_value());

  // Pre-LN adds the LayerNorm after the last layer (2*16); regression one output (16+1).
  TransformerConfig pre = c;
  pre.pre_ln = true;
  pre.labels = 1;
  EXPECT_EQ(pre.parameter_count(), 1184 + 4448 + 32 + 272 + 17);
  TransformerEncoder pre_net(pre);
  EXPECT_EQ(FlatParameters(pre_net).size(), 1184u + 4448u + 32u + 272u + 17u);
}

TEST(TransformerConfig, AlbertParameterCountByHandSharedAndUnshared) {
  TransformerConfig c = tiny("albert", 0);
  c.layers = 3;
  // Embeddings at E = 8: 50*8 + 20*8 + 2*8 + 2*8 = 592; projection 8*16+16 = 144;
  // one shared layer 2224 (as above); MLM head: transform 16*8+8 = 136, LayerNorm 16,
  // decoder bias 50 (the decoder matrix is the word embedding) = 202.
  const std::int64_t shared = 592 + 144 + 2224 + 202;
  EXPECT_EQ(c.parameter_count(), shared);
  TransformerEncoder net(c);
  FlatParameters flat(net);
  EXPECT_EQ(flat.size(), static_cast<std::size_t>(shared));
  // The layer's tensors are listed once, under shared_layer.
  std::size_t layer_tensors = 0;
  for (std::size_t i = 0; i < flat.layout().num_tensors(); ++i) {
    const std::string& name = flat.layout()[i].name;
    EXPECT_EQ(name.rfind("layers.", 0), std::string::npos) << name;
    if (name.rfind("shared_layer.", 0) == 0) ++layer_tensors;
  }
  EXPECT_EQ(layer_tensors, 16u);  // 8 modules x (weight, bias)

  c.share_layers = false;
  EXPECT_EQ(c.parameter_count(), shared + 2 * 2224);
  TransformerEncoder unshared(c);
  EXPECT_EQ(FlatParameters(unshared).size(), static_cast<std::size_t>(shared + 2 * 2224));
}

TEST(TransformerConfig, CatalogBuildsByName) {
  auto net = make_text_network(table({{"name", std::string("albert")}}), 1000, 2);
  EXPECT_EQ(net->describe(),
            "albert(H=128,E=64,L=4,heads=2,ffn=512,P=128,V=1000,post-LN,shared,labels=2)");
  EXPECT_EQ(net->vocab_size(), 1000);
  EXPECT_EQ(net->num_labels(), 2);
  const TransformerConfig c = default_transformer_config("albert", 1000, 2);
  EXPECT_EQ(FlatParameters(*net).size(), static_cast<std::size_t>(c.parameter_count()));
  EXPECT_THROW(make_text_network(table({{"name", std::string("bert")}, {"x", true}}), 10, 2),
               InvalidArgument);
}

}  // namespace
}  // namespace dcopt::train
