// OpenSSL 3 EVP digests behind a small RAII surface.
//
// Algorithms are fetched once (EVP_MD_fetch) and cached for the process. A MultiHasher computes
// several digests in one pass over the bytes ("read each byte once"). SHA-256 goes through EVP,
// so OpenSSL uses the CPU's SHA extensions where present.
// Threading: DigestAlgorithm helpers are thread-safe; a MultiHasher is used by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault {

enum class DigestAlgorithm : uint8_t { kMd5, kSha1, kSha256, kSha512 };

// "md5", "sha1", "sha256", "sha512" (the BagIt / OCFL spellings).
std::string_view DigestName(DigestAlgorithm a);
// Parses the names above (case-insensitive; also "sha-256" etc.). nullopt if unknown.
std::optional<DigestAlgorithm> ParseDigestName(std::string_view name);
// Length of the hex form (32, 40, 64, 128).
size_t DigestHexLength(DigestAlgorithm a);

// Drains OpenSSL's thread-local error queue into a kInternal Status naming `op`.
Status OpenSslStatus(std::string_view op);

// Computes a set of digests over a stream of bytes.
class MultiHasher {
 public:
  // Fails only if OpenSSL cannot provide an algorithm.
  static Result<MultiHasher> Create(const std::vector<DigestAlgorithm>& algorithms);
  MultiHasher(MultiHasher&&) noexcept;
  MultiHasher& operator=(MultiHasher&&) noexcept;
  ~MultiHasher();

  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Finishes and returns the lower-case hex digests, in the order of `algorithms()`.
  // The hasher is reset and can be reused.
  std::vector<std::string> Finish();
  const std::vector<DigestAlgorithm>& algorithms() const { return algorithms_; }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Impl;
  MultiHasher(std::vector<DigestAlgorithm> algorithms, std::unique_ptr<Impl> impl);
  std::vector<DigestAlgorithm> algorithms_;
  std::unique_ptr<Impl> impl_;
  uint64_t bytes_ = 0;
};

// A streaming digest of one algorithm whose OpenSSL state is kept and reused from one stream to
// the next: the EVP_MD is fetched once per process and the EVP_MD_CTX once per hasher, so
// hashing many small files costs no fetch and no context allocation per file.
// Algorithms: the OCFL digest names "sha256", "sha512", "sha1", "md5" (also the spellings
// ParseDigestName accepts) and "blake2b-512".
// Threading: one hasher is used by one thread at a time; different hashers are independent.
class ReusableHasher {
 public:
  // kInvalidArgument for an unknown algorithm name; kInternal if OpenSSL cannot provide it.
  static Result<ReusableHasher> Create(std::string_view algorithm);
  ReusableHasher(ReusableHasher&&) noexcept;
  ReusableHasher& operator=(ReusableHasher&&) noexcept;
  ReusableHasher(const ReusableHasher&) = delete;
  ReusableHasher& operator=(const ReusableHasher&) = delete;
  ~ReusableHasher();

  // Starts a new stream, discarding whatever was fed since the last FinishHex().
  void Reset();
  void Update(const void* data, size_t n);
  // Finishes the stream and returns its lower-case hex digest. The hasher is then ready for
  // the next stream (FinishHex() resets it; no Reset() call needed).
  std::string FinishHex();
  // The canonical name ("sha256", "blake2b-512"...).
  std::string_view algorithm() const { return name_; }

 private:
  struct Impl;
  ReusableHasher(std::string_view name, std::unique_ptr<Impl> impl);
  std::string_view name_;
  std::unique_ptr<Impl> impl_;
};

struct FileDigests {
  uint64_t size = 0;
  std::vector<std::string> hex;  // in the order of the algorithms asked for
};

// Reads `path` once and returns its size and digests. Uses posix_fadvise(SEQUENTIAL) and a
// 1 MiB buffer. With `drop_cache`, advises the kernel to drop the pages it read (fixity reads
// must not evict the working set).
Result<FileDigests> HashFile(const std::filesystem::path& path,
                             const std::vector<DigestAlgorithm>& algorithms,
                             bool drop_cache = false);

// One-shot SHA-256 of a byte string, lower-case hex.
std::string Sha256Hex(std::string_view data);

// ---------------------------------------------------------------------------------------------
// Ed25519 signatures (audit checkpoints, docs/RETENTION.md §6), OpenSSL 3 EVP_PKEY_ED25519.
// Key files: the private key as PKCS#8 PEM ("BEGIN PRIVATE KEY", mode 0600), the public key as
// SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY", mode 0644). Signatures are 64 bytes, written as
// 128 lower-case hex characters.

// A key pair, or a public key alone. Copies share the same immutable OpenSSL key.
// Threading: all methods are const and thread-safe.
class Ed25519Key {
 public:
  // A fresh key pair from the system's CSPRNG.
  static Result<Ed25519Key> Generate();
  // kInvalidArgument when the PEM is not an Ed25519 key of that kind.
  static Result<Ed25519Key> FromPrivatePem(std::string_view pem);
  static Result<Ed25519Key> FromPublicPem(std::string_view pem);
  // The same from files (kNotFound when absent).
  static Result<Ed25519Key> LoadPrivate(const std::filesystem::path& path);
  static Result<Ed25519Key> LoadPublic(const std::filesystem::path& path);

  bool has_private() const;
  // PKCS#8 PEM (kFailedPrecondition for a public-only key) and SPKI PEM.
  Result<std::string> PrivatePem() const;
  Result<std::string> PublicPem() const;
  // The raw 32-byte public key.
  std::string RawPublic() const;
  // Ed25519KeyId(RawPublic()).
  std::string KeyId() const;
  // Lower-case hex of the 64-byte signature of `message` (kFailedPrecondition without the
  // private key).
  Result<std::string> Sign(std::string_view message) const;
  // Whether `sig_hex` (hex, either case) is a valid signature of `message` by this key.
  bool Verify(std::string_view message, std::string_view sig_hex) const;

  struct Impl;  // opaque (OpenSSL key); defined in crypto.cc

 private:
  explicit Ed25519Key(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// First 16 lower-case hex characters of SHA-256 of a raw public key.
std::string Ed25519KeyId(std::string_view raw_public_key);

// Verify(pub, message, sig_hex): false also when `pub` is unusable.
bool Ed25519Verify(const Ed25519Key& pub, std::string_view message, std::string_view sig_hex);

// Writes `data` to a NEW file `path` with `mode`, atomically and durably: a temp file created
// with `mode` (before any byte is written) → fsync → rename without replacing → fsync of the
// directory. kAlreadyExists (and nothing changed) when `path` exists.
Status CreateFileExclusiveDurable(const std::filesystem::path& path, std::string_view data,
                                  unsigned mode);

// Generates a key pair and writes `private_path` (PKCS#8 PEM, 0600) then `public_path` (SPKI
// PEM, 0644), never overwriting: kAlreadyExists when either file exists (checked before
// anything is written).
Result<Ed25519Key> CreateEd25519KeyFiles(const std::filesystem::path& private_path,
                                         const std::filesystem::path& public_path);

}  // namespace vault
