// Status and Result<T>: the error currency of archive-vault.
//
// A Status is either OK (the null state: no allocation, success is free, as in leveldb) or a
// code plus a message. Result<T> holds either a T or a non-OK Status. Neither throws.
//
// One meaning per code:
//   kCorruption   bytes disagree with their digest or their format.
//   kUnavailable  a tier is offline or not yet warm: the only code a retry decorator retries.
//   kInvalidArgument  input (a package, a request, a config) breaks a rule.
// Threading: values; safe to move between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vault {

enum class Code : uint8_t {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kCorruption,
  kIoError,
  kResourceExhausted,
  kUnavailable,
  kPermissionDenied,
  kCancelled,
  kInternal,
};

// Returns a stable lower-case name for `code` ("invalid_argument", ...).
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string_view msg);
  Status(const Status& o) : rep_(o.rep_ ? std::make_unique<Rep>(*o.rep_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) rep_ = o.rep_ ? std::make_unique<Rep>(*o.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string_view m) { return {Code::kInvalidArgument, m}; }
  static Status NotFound(std::string_view m) { return {Code::kNotFound, m}; }
  static Status AlreadyExists(std::string_view m) { return {Code::kAlreadyExists, m}; }
  static Status FailedPrecondition(std::string_view m) { return {Code::kFailedPrecondition, m}; }
  static Status Corruption(std::string_view m) { return {Code::kCorruption, m}; }
  static Status IoError(std::string_view m) { return {Code::kIoError, m}; }
  static Status ResourceExhausted(std::string_view m) { return {Code::kResourceExhausted, m}; }
  static Status Unavailable(std::string_view m) { return {Code::kUnavailable, m}; }
  static Status PermissionDenied(std::string_view m) { return {Code::kPermissionDenied, m}; }
  static Status Cancelled(std::string_view m) { return {Code::kCancelled, m}; }
  static Status Internal(std::string_view m) { return {Code::kInternal, m}; }
  // errno-based I/O error: "<op> <path>: <strerror(err)>". ENOENT maps to kNotFound,
  // ENOSPC/EDQUOT to kResourceExhausted, EACCES/EPERM/EROFS to kPermissionDenied.
  static Status FromErrno(int err, std::string_view op, std::string_view path);

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->msg) : ""; }
  // "<code>: <message>", or "ok".
  std::string ToString() const;
  // Prefixes the message: "ctx: message". No-op on OK.
  Status WithContext(std::string_view ctx) &&;

 private:
  struct Rep {
    Code code;
    std::string msg;
  };
  std::unique_ptr<Rep> rep_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result constructed from OK status");
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status status() && { return ok() ? Status() : std::get<Status>(std::move(v_)); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vault

#define VAULT_CONCAT_INNER_(a, b) a##b
#define VAULT_CONCAT_(a, b) VAULT_CONCAT_INNER_(a, b)

#define VAULT_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    if (::vault::Status s_ = (expr); !s_.ok()) {    \
      return s_;                                    \
    }                                               \
  } while (0)

#define VAULT_ASSIGN_OR_RETURN_IMPL_(r, lhs, expr) \
  auto r = (expr);                                 \
  if (!r.ok()) return std::move(r).status();       \
  lhs = std::move(r).value()

#define VAULT_ASSIGN_OR_RETURN(lhs, expr) \
  VAULT_ASSIGN_OR_RETURN_IMPL_(VAULT_CONCAT_(vault_r_, __LINE__), lhs, expr)

// Invariants whose violation risks writing wrong data. Always on. Never for input.
#define VAULT_CHECK(cond)                                                      \
  do {                                                                         \
    if (!(cond)) ::vault::internal::CheckFailed(#cond, __FILE__, __LINE__);    \
  } while (0)

namespace vault::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace vault::internal
