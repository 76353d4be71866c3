#pragma once
// The parts of the extension module dcopt._dcopt, one function per concept (each in the .cpp
// file of its name). module.cpp calls them in this order.
#include <pybind11/pybind11.h>

namespace dcopt::python {

/// dcopt.Error and its subclasses, and the translation of the C++ errors into them.
void bind_errors(pybind11::module_& m);
/// dcopt.compressor(), Compressor, Message, compressors(), compressor_stats().
void bind_codecs(pybind11::module_& m);
/// dcopt._run() (dcopt.run in __init__.py wraps it).
void bind_run(pybind11::module_& m);

}  // namespace dcopt::python
