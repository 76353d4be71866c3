#include "dcopt/train/model_catalog.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/train/models/cnn.hpp"
#include "dcopt/train/models/mlp.hpp"
#include "dcopt/train/models/resnet18.hpp"

namespace dcopt::train {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"mlp", "cnn", "resnet18"};
  return names;
}

std::shared_ptr<Network> make_network(const Settings& s, InputShape input, int classes) {
  const std::string name = s.choice("name", "", model_names());
  std::shared_ptr<Network> net;
  if (name == "mlp") {
    std::vector<int> hidden;
    for (auto w : s.optional_integer_list("hidden", 1, 1 << 20)
                      .value_or(std::vector<std::int64_t>{256, 128})) {
      hidden.push_back(static_cast<int>(w));
    }
    net = std::make_shared<Mlp>(input, hidden, classes);
  } else if (name == "cnn") {
    net = std::make_shared<Cnn>(input, classes);
  } else {
    net = std::make_shared<ResNet18>(input, classes);
  }
  s.reject_unused();
  return net;
}

}  // namespace dcopt::train
