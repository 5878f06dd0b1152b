#include "vault/clib/crypto.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "vault/base/fs.h"
#include "vault/base/hex.h"

namespace vault {
namespace {

const EVP_MD* FetchCached(DigestAlgorithm a) {
  static std::once_flag once;
  static std::array<EVP_MD*, 4> mds{};
  std::call_once(once, [] {
    mds[0] = EVP_MD_fetch(nullptr, "MD5", nullptr);
    mds[1] = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    mds[2] = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    mds[3] = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  });
  return mds[static_cast<size_t>(a)];
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, CtxFree>;

}  // namespace

std::string_view DigestName(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return "md5";
    case DigestAlgorithm::kSha1: return "sha1";
    case DigestAlgorithm::kSha256: return "sha256";
    case DigestAlgorithm::kSha512: return "sha512";
  }
  return "unknown";
}

std::optional<DigestAlgorithm> ParseDigestName(std::string_view name) {
  std::string n;
  for (char c : name) {
    if (c == '-') continue;
    n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  if (n == "md5") return DigestAlgorithm::kMd5;
  if (n == "sha1") return DigestAlgorithm::kSha1;
  if (n == "sha256") return DigestAlgorithm::kSha256;
  if (n == "sha512") return DigestAlgorithm::kSha512;
  return std::nullopt;
}

size_t DigestHexLength(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return 32;
    case DigestAlgorithm::kSha1: return 40;
    case DigestAlgorithm::kSha256: return 64;
    case DigestAlgorithm::kSha512: return 128;
  }
  return 0;
}

Status OpenSslStatus(std::string_view op) {
  std::string msg(op);
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    msg.append(": ").append(buf);
  }
  return Status::Internal(msg);
}

struct MultiHasher::Impl {
  std::vector<EvpMdCtxPtr> ctxs;
};

MultiHasher::MultiHasher(std::vector<DigestAlgorithm> algorithms, std::unique_ptr<Impl> impl)
    : algorithms_(std::move(algorithms)), impl_(std::move(impl)) {}
MultiHasher::MultiHasher(MultiHasher&&) noexcept = default;
MultiHasher& MultiHasher::operator=(MultiHasher&&) noexcept = default;
MultiHasher::~MultiHasher() = default;

Result<MultiHasher> MultiHasher::Create(const std::vector<DigestAlgorithm>& algorithms) {
  auto impl = std::make_unique<Impl>();
  for (DigestAlgorithm a : algorithms) {
    const EVP_MD* md = FetchCached(a);
    if (md == nullptr) return OpenSslStatus("EVP_MD_fetch " + std::string(DigestName(a)));
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
      return OpenSslStatus("EVP_DigestInit_ex2");
    }
    impl->ctxs.push_back(std::move(ctx));
  }
  return MultiHasher(algorithms, std::move(impl));
}

void MultiHasher::Update(const void* data, size_t n) {
  bytes_ += n;
  for (auto& c : impl_->ctxs) EVP_DigestUpdate(c.get(), data, n);
}

std::vector<std::string> MultiHasher::Finish() {
  std::vector<std::string> out;
  out.reserve(impl_->ctxs.size());
  for (size_t i = 0; i < impl_->ctxs.size(); ++i) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(impl_->ctxs[i].get(), md, &len);
    out.push_back(HexEncode(md, len));
    EVP_DigestInit_ex2(impl_->ctxs[i].get(), FetchCached(algorithms_[i]), nullptr);
  }
  bytes_ = 0;
  return out;
}

namespace {

// The EVP_MD behind a ReusableHasher algorithm name, fetched once per process (nullptr if
// OpenSSL cannot provide it). `canonical` receives the OCFL spelling.
const EVP_MD* FetchByOcflName(std::string_view algorithm, std::string_view* canonical) {
  if (auto a = ParseDigestName(algorithm)) {
    *canonical = DigestName(*a);
    return FetchCached(*a);
  }
  std::string n;
  for (char c : algorithm) n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (n == "blake2b-512" || n == "blake2b512") {
    static EVP_MD* const kBlake2b512 = EVP_MD_fetch(nullptr, "BLAKE2B-512", nullptr);
    *canonical = "blake2b-512";
    return kBlake2b512;
  }
  *canonical = {};
  return nullptr;
}

}  // namespace

struct ReusableHasher::Impl {
  const EVP_MD* md = nullptr;
  EvpMdCtxPtr ctx;
};

ReusableHasher::ReusableHasher(std::string_view name, std::unique_ptr<Impl> impl)
    : name_(name), impl_(std::move(impl)) {}
ReusableHasher::ReusableHasher(ReusableHasher&&) noexcept = default;
ReusableHasher& ReusableHasher::operator=(ReusableHasher&&) noexcept = default;
ReusableHasher::~ReusableHasher() = default;

Result<ReusableHasher> ReusableHasher::Create(std::string_view algorithm) {
  std::string_view canonical;
  const EVP_MD* md = FetchByOcflName(algorithm, &canonical);
  if (canonical.empty()) {
    return Status::InvalidArgument("unknown digest algorithm \"" + std::string(algorithm) + "\"");
  }
  if (md == nullptr) return OpenSslStatus("EVP_MD_fetch " + std::string(canonical));
  auto impl = std::make_unique<Impl>();
  impl->md = md;
  impl->ctx.reset(EVP_MD_CTX_new());
  if (!impl->ctx || EVP_DigestInit_ex2(impl->ctx.get(), md, nullptr) != 1) {
    return OpenSslStatus("EVP_DigestInit_ex2 " + std::string(canonical));
  }
  return ReusableHasher(canonical, std::move(impl));
}

void ReusableHasher::Reset() { EVP_DigestInit_ex2(impl_->ctx.get(), impl_->md, nullptr); }

void ReusableHasher::Update(const void* data, size_t n) {
  EVP_DigestUpdate(impl_->ctx.get(), data, n);
}

std::string ReusableHasher::FinishHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), md, &len);
  // Ready for the next stream (the EVP_MD stays fetched; the context is reused).
  EVP_DigestInit_ex2(impl_->ctx.get(), impl_->md, nullptr);
  return HexEncode(md, len);
}

Result<FileDigests> HashFile(const std::filesystem::path& path,
                             const std::vector<DigestAlgorithm>& algorithms, bool drop_cache) {
  VAULT_ASSIGN_OR_RETURN(MultiHasher hasher, MultiHasher::Create(algorithms));
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return Status::FromErrno(errno, "open", path.string());
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr size_t kBuf = 1 << 20;
  std::unique_ptr<char[]> buf(new char[kBuf]);
  uint64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd.get(), buf.get(), kBuf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read", path.string());
    }
    if (n == 0) break;
    hasher.Update(buf.get(), static_cast<size_t>(n));
    if (drop_cache) {
      ::posix_fadvise(fd.get(), static_cast<off_t>(total), n, POSIX_FADV_DONTNEED);
    }
    total += static_cast<uint64_t>(n);
  }
  FileDigests d;
  d.size = total;
  d.hex = hasher.Finish();
  return d;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, FetchCached(DigestAlgorithm::kSha256), nullptr);
  return HexEncode(md, len);
}

}  // namespace vault
