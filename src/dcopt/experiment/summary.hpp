#pragma once
// summary.json: the configuration as run (after --set overrides), the problem and its constants,
// and per method: label, name, codec, status, rounds, final metrics, cumulative bits (per worker,
// mean over workers), oracle calls, the initialization cost (reported separately from the
// rounds), wall time and the theory constants the method used (Method::parameters() together
// with the problem constants L_f, L_tilde, L_samples, mu). Non-finite numbers are null.
#include <string>

#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/experiment/run_result.hpp"

namespace dcopt {

/// The JSON text (pretty-printed, trailing newline).
std::string summary_json(const ExperimentConfig& config, const RunResult& result,
                         const std::string& backend);

}  // namespace dcopt
