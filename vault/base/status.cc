#include "vault/base/status.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vault {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kFailedPrecondition: return "failed_precondition";
    case Code::kCorruption: return "corruption";
    case Code::kIoError: return "io_error";
    case Code::kResourceExhausted: return "resource_exhausted";
    case Code::kUnavailable: return "unavailable";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kCancelled: return "cancelled";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

Status::Status(Code code, std::string_view msg) {
  if (code != Code::kOk) rep_ = std::make_unique<Rep>(Rep{code, std::string(msg)});
}

Status Status::FromErrno(int err, std::string_view op, std::string_view path) {
  std::string msg;
  msg.reserve(op.size() + path.size() + 40);
  msg.append(op).append(" ").append(path).append(": ").append(std::strerror(err));
  switch (err) {
    case ENOENT: return NotFound(msg);
    case ENOSPC:
    case EDQUOT: return ResourceExhausted(msg);
    case EACCES:
    case EPERM:
    case EROFS: return PermissionDenied(msg);
    case EEXIST: return AlreadyExists(msg);
    default: return IoError(msg);
  }
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(rep_->code));
  s.append(": ").append(rep_->msg);
  return s;
}

Status Status::WithContext(std::string_view ctx) && {
  if (ok()) return std::move(*this);
  std::string m(ctx);
  m.append(": ").append(rep_->msg);
  rep_->msg = std::move(m);
  return std::move(*this);
}

namespace internal {
void CheckFailed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "<2>FATAL %s:%d: check failed: %s\n", file, line, cond);
  std::fflush(stderr);
  std::abort();
}
}  // namespace internal

}  // namespace vault
