#include "vault/clib/crypto.h"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "vault/base/fs.h"
#include "vault/base/hex.h"
#include "vault/base/ids.h"

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

// ---------------------------------------------------------------------------------------------
// Ed25519

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

constexpr size_t kEd25519SigBytes = 64;
constexpr size_t kEd25519KeyBytes = 32;
constexpr uint64_t kMaxPemBytes = 64 * 1024;

std::string BioContents(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace

struct Ed25519Key::Impl {
  PkeyPtr pkey;
  bool has_private = false;
  std::string raw_public;
};

namespace {

Result<std::shared_ptr<const Ed25519Key::Impl>> MakeImpl(PkeyPtr pkey, bool has_private) {
  if (!pkey) return Status::InvalidArgument("not a key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return Status::InvalidArgument("not an Ed25519 key");
  }
  unsigned char raw[kEd25519KeyBytes];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(pkey.get(), raw, &len) != 1 || len != kEd25519KeyBytes) {
    return OpenSslStatus("EVP_PKEY_get_raw_public_key");
  }
  auto impl = std::make_shared<Ed25519Key::Impl>();
  impl->pkey = std::move(pkey);
  impl->has_private = has_private;
  impl->raw_public.assign(reinterpret_cast<const char*>(raw), len);
  return std::shared_ptr<const Ed25519Key::Impl>(std::move(impl));
}

}  // namespace

Result<Ed25519Key> Ed25519Key::Generate() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "ED25519", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return OpenSslStatus("Ed25519 keygen init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return OpenSslStatus("Ed25519 keygen");
  VAULT_ASSIGN_OR_RETURN(auto impl, MakeImpl(PkeyPtr(raw), true));
  return Ed25519Key(std::move(impl));
}

Result<Ed25519Key> Ed25519Key::FromPrivatePem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslStatus("BIO_new_mem_buf");
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!pkey) return Status::InvalidArgument("not a PEM private key");
  VAULT_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(pkey), true));
  return Ed25519Key(std::move(impl));
}

Result<Ed25519Key> Ed25519Key::FromPublicPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslStatus("BIO_new_mem_buf");
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!pkey) return Status::InvalidArgument("not a PEM public key (SubjectPublicKeyInfo)");
  VAULT_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(pkey), false));
  return Ed25519Key(std::move(impl));
}

Result<Ed25519Key> Ed25519Key::LoadPrivate(const std::filesystem::path& path) {
  VAULT_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(path, kMaxPemBytes));
  auto k = FromPrivatePem(pem);
  if (!k.ok()) return std::move(k).status().WithContext(path.string());
  return k;
}

Result<Ed25519Key> Ed25519Key::LoadPublic(const std::filesystem::path& path) {
  VAULT_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(path, kMaxPemBytes));
  auto k = FromPublicPem(pem);
  if (!k.ok()) return std::move(k).status().WithContext(path.string());
  return k;
}

bool Ed25519Key::has_private() const { return impl_->has_private; }

Result<std::string> Ed25519Key::PrivatePem() const {
  if (!impl_->has_private) return Status::FailedPrecondition("public key only");
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY").
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
    return OpenSslStatus("PEM_write_bio_PrivateKey");
  }
  return BioContents(bio.get());
}

Result<std::string> Ed25519Key::PublicPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
    return OpenSslStatus("PEM_write_bio_PUBKEY");
  }
  return BioContents(bio.get());
}

std::string Ed25519Key::RawPublic() const { return impl_->raw_public; }

std::string Ed25519Key::KeyId() const { return Ed25519KeyId(impl_->raw_public); }

Result<std::string> Ed25519Key::Sign(std::string_view message) const {
  if (!impl_->has_private) return Status::FailedPrecondition("cannot sign with a public key");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1) {
    return OpenSslStatus("EVP_DigestSignInit");
  }
  unsigned char sig[kEd25519SigBytes];
  size_t len = sizeof(sig);
  if (EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != kEd25519SigBytes) {
    return OpenSslStatus("EVP_DigestSign");
  }
  return HexEncode(sig, len);
}

bool Ed25519Key::Verify(std::string_view message, std::string_view sig_hex) const {
  if (!impl_ || sig_hex.size() != 2 * kEd25519SigBytes) return false;
  std::string lower(sig_hex);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  auto sig = HexDecode(lower);
  if (!sig || sig->size() != kEd25519SigBytes) return false;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                            sig->size(), reinterpret_cast<const unsigned char*>(message.data()),
                            message.size());
  ERR_clear_error();
  return rc == 1;
}

std::string Ed25519KeyId(std::string_view raw_public_key) {
  return Sha256Hex(raw_public_key).substr(0, 16);
}

bool Ed25519Verify(const Ed25519Key& pub, std::string_view message, std::string_view sig_hex) {
  return pub.Verify(message, sig_hex);
}

Status CreateFileExclusiveDurable(const std::filesystem::path& path, std::string_view data,
                                  unsigned mode) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return Status::AlreadyExists(path.string() + " exists");
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + RandomHex(6);
  ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     static_cast<mode_t>(mode)));
  if (!fd.valid()) return Status::FromErrno(errno, "create", tmp.string());
  // The umask may have taken bits away (never added any): set exactly `mode`.
  Status s;
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
    s = Status::FromErrno(errno, "chmod", tmp.string());
  }
  if (s.ok()) s = WriteAll(fd.get(), data, tmp.string());
  if (s.ok() && ::fsync(fd.get()) != 0) s = Status::FromErrno(errno, "fsync", tmp.string());
  if (s.ok()) s = fd.Close(tmp.string());
  if (s.ok()) {
    if (int err = RenameNoReplace(tmp, path); err != 0) {
      s = err == EEXIST ? Status::AlreadyExists(path.string() + " exists")
                        : Status::FromErrno(err, "rename", path.string());
    }
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(path.parent_path());
}

Result<Ed25519Key> CreateEd25519KeyFiles(const std::filesystem::path& private_path,
                                         const std::filesystem::path& public_path) {
  std::error_code ec;
  for (const auto& p : {private_path, public_path}) {
    if (std::filesystem::exists(p, ec)) return Status::AlreadyExists(p.string() + " exists");
  }
  VAULT_ASSIGN_OR_RETURN(Ed25519Key key, Ed25519Key::Generate());
  VAULT_ASSIGN_OR_RETURN(std::string priv, key.PrivatePem());
  VAULT_ASSIGN_OR_RETURN(std::string pub, key.PublicPem());
  VAULT_RETURN_IF_ERROR(CreateFileExclusiveDurable(private_path, priv, 0600));
  VAULT_RETURN_IF_ERROR(CreateFileExclusiveDurable(public_path, pub, 0644));
  return key;
}

}  // namespace vault
