#pragma once
// The part of a Method that every method file used to write again: its registry name, the
// canonical spec of its workers' codec and the parameters it reports, all fixed when the method
// is built. A method derives from it and describes itself once, at the end of its constructor.
#include <map>
#include <string>

#include "dcopt/methods/method.hpp"

namespace dcopt {

class MethodShell : public Method {
 public:
  std::string name() const final { return name_; }
  std::string codec() const final { return codec_; }
  std::map<std::string, double> parameters() const final { return parameters_; }

 protected:
  explicit MethodShell(std::string name) : name_(std::move(name)) {}
  /// `codec`: canonical spec of what the workers send; `parameters`: what was used (gamma,
  /// gamma_theory, p, omega, ...), for summaries.
  void describe(std::string codec, std::map<std::string, double> parameters) {
    codec_ = std::move(codec);
    parameters_ = std::move(parameters);
  }

 private:
  std::string name_;
  std::string codec_;
  std::map<std::string, double> parameters_;
};

}  // namespace dcopt
