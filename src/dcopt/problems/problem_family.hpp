#pragma once
// The two kinds of problems dcopt solves: minimization (an Objective per worker) and
// variational inequalities (an Operator per device). Methods, problem kinds and stopping rules
// are tagged with it.
namespace dcopt {

enum class ProblemFamily { minimization, variational_inequality };

inline const char* to_string(ProblemFamily f) {
  return f == ProblemFamily::minimization ? "minimization" : "variational_inequality";
}

}  // namespace dcopt
