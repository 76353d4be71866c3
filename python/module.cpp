// The extension module dcopt._dcopt; the package dcopt (python/dcopt/__init__.py) re-exports it.
#include "bindings.hpp"

PYBIND11_MODULE(_dcopt, m) {
  m.doc() =
      "dcopt's C++ core: codecs with real wire formats and the experiment runner (see the "
      "package dcopt).";
  m.attr("__version__") = DCOPT_VERSION;
  dcopt::python::bind_errors(m);
  dcopt::python::bind_codecs(m);
  dcopt::python::bind_run(m);
}
