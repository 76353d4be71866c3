#pragma once
// Error types. Every user-facing error names what it is about (file/line/key/field) and what
// would be valid; the `dcopt` command maps them to exit codes (usage/config errors: 2).
#include <stdexcept>
#include <string>

namespace dcopt {

/// Base of every error dcopt throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A value given by the user (spec string, command-line value, config key) is invalid.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// Bytes received from another party (a compressed message) are malformed.
class DecodeError : public Error {
 public:
  using Error::Error;
};

/// An input file (dataset) is malformed or unreadable.
class DataError : public Error {
 public:
  using Error::Error;
};

/// A collective failed, or another worker failed and the collective was abandoned.
class CommError : public Error {
 public:
  using Error::Error;
};

}  // namespace dcopt
