#pragma once
// Error types of the core. The core throws; the C ABI and the CLI catch and turn them into a status
// code plus a message. Every message is written for the user who will read it.
#include <stdexcept>
#include <string>

namespace zg {

// Base of every error the core raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Malformed untrusted input: hex, JSON, ABI data, RLP, RPC replies, files.
class ParseError : public Error {
 public:
  using Error::Error;
};

// Bad arguments or configuration from the user (flags, key files, amounts).
class UsageError : public Error {
 public:
  using Error::Error;
};

// A network or process failure talking to something outside (RPC node, provider, anvil).
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace zg
