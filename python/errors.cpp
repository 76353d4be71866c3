// The C++ error types (core/error.hpp) as Python exceptions, with the C++ message unchanged (the
// `dcopt` program prints the same text after "dcopt: error: "):
//   dcopt.Error(RuntimeError)             every error dcopt raises on purpose
//   dcopt.InvalidArgument(Error, ValueError)  a spec, setting or config value is invalid
//   dcopt.DecodeError(Error, ValueError)  message bytes are malformed
//   dcopt.DataError(Error)                a data file is missing or malformed
//   dcopt.CommError(Error)                a collective failed
// ValueError as a second base lets code that catches ValueError keep working.
#include <Python.h>

#include "bindings.hpp"
#include "dcopt/core/error.hpp"

namespace py = pybind11;

namespace dcopt::python {
namespace {

PyObject* new_exception(py::module_& m, const char* name, PyObject* bases, const char* doc) {
  std::string qualified = "dcopt.";
  qualified += name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;  // the module keeps a reference for the life of the process
}

}  // namespace

void bind_errors(py::module_& m) {
  static PyObject* error = nullptr;
  static PyObject* invalid = nullptr;
  static PyObject* decode = nullptr;
  static PyObject* data = nullptr;
  static PyObject* comm = nullptr;
  error = new_exception(m, "Error", PyExc_RuntimeError, "Base of every error dcopt raises.");
  py::tuple value_bases = py::make_tuple(py::handle(error), py::handle(PyExc_ValueError));
  invalid = new_exception(m, "InvalidArgument", value_bases.ptr(),
                          "A value given by the user (spec string, setting, config key) is "
                          "invalid; the message names it and what would be valid.");
  decode = new_exception(m, "DecodeError", value_bases.ptr(),
                         "Bytes given to decode() are not a valid message for this codec and "
                         "dimension.");
  data =
      new_exception(m, "DataError", error, "An input file (dataset) is malformed or unreadable.");
  comm = new_exception(m, "CommError", error,
                       "A collective failed, or another worker failed and the run was abandoned.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidArgument& e) {
      PyErr_SetString(invalid, e.what());
    } catch (const DecodeError& e) {
      PyErr_SetString(decode, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(data, e.what());
    } catch (const CommError& e) {
      PyErr_SetString(comm, e.what());
    } catch (const Error& e) {
      PyErr_SetString(error, e.what());
    }
  });
}

}  // namespace dcopt::python
