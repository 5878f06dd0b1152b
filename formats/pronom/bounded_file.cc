#include "formats/pronom/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace vault::pronom {

Status ReaderError(std::string_view prefix, std::string_view rule, uint64_t offset, Code code) {
  return {code, std::string(prefix) + ": " + std::string(rule) + " at offset " +
                    std::to_string(offset)};
}

Result<BoundedFile> BoundedFile::Open(const std::filesystem::path& file, uint64_t byte_budget,
                                      std::string_view prefix) {
  BoundedFile f;
  f.prefix_ = prefix;
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) {
      return Status::InvalidArgument(std::string(prefix) + ": " + file.string() + " is a symlink");
    }
    return Status::FromErrno(err, "open", file.string());
  }
  f.fd_ = ScopedFd(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Status::FromErrno(errno, "fstat", file.string());
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(std::string(prefix) + ": " + file.string() +
                                   " is not a regular file");
  }
  f.size_ = static_cast<uint64_t>(st.st_size);
  f.budget_ = byte_budget;
  return f;
}

Status BoundedFile::ReadAt(uint64_t offset, uint64_t len, std::string& out,
                           bool allow_short) const {
  if (offset > size_ || len > size_ - offset) {
    if (!allow_short) {
      return ReaderError(prefix_, "short read", offset);
    }
    len = offset > size_ ? 0 : size_ - offset;
  }
  if (len > budget_ - bytes_read_) {
    return ReaderError(prefix_, "byte budget exhausted", offset, Code::kResourceExhausted);
  }
  bytes_read_ += len;
  const size_t old = out.size();
  out.resize(old + len);
  uint64_t done = 0;
  while (done < len) {
    ssize_t n =
        ::pread(fd_.get(), out.data() + old + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Status::FromErrno(errno, "pread", std::string(prefix_) + " file");
    }
    if (n == 0) {
      out.resize(old + done);
      return ReaderError(prefix_, "short read", offset + done);  // the file shrank since Open
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

}  // namespace vault::pronom
