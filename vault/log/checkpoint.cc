#include "vault/log/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "vault/base/fs.h"
#include "vault/base/hex.h"
#include "vault/base/logging.h"

namespace vault::checkpoint {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kComponent[] = "checkpoint";

std::string RawSha256(std::string_view data) { return *HexDecode(Sha256Hex(data)); }

std::string NodeRaw(std::string_view left_raw, std::string_view right_raw) {
  std::string buf;
  buf.reserve(1 + left_raw.size() + right_raw.size());
  buf.push_back('\x01');
  buf.append(left_raw);
  buf.append(right_raw);
  return RawSha256(buf);
}

std::string LeafRaw(std::string_view object, std::string_view path, std::string_view digest) {
  std::string buf;
  buf.reserve(3 + object.size() + path.size() + digest.size());
  buf.push_back('\x00');
  buf.append(object);
  buf.push_back('\x00');
  buf.append(path);
  buf.push_back('\x00');
  buf.append(digest);
  return RawSha256(buf);
}

// RFC 6962 MTH over raw leaf hashes [begin, end).
std::string RootRaw(const std::vector<std::string>& raw, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 1) return raw[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeRaw(RootRaw(raw, begin, begin + k), RootRaw(raw, begin + k, end));
}

}  // namespace

std::string MerkleLeaf(std::string_view object, std::string_view path,
                       std::string_view digest_hex) {
  return HexEncode(LeafRaw(object, path, digest_hex));
}

std::string MerkleRoot(const std::vector<std::string>& leaf_hashes) {
  if (leaf_hashes.empty()) return Sha256Hex("");
  std::vector<std::string> raw;
  raw.reserve(leaf_hashes.size());
  for (const auto& h : leaf_hashes) raw.push_back(HexDecode(h).value_or(std::string()));
  return HexEncode(RootRaw(raw, 0, raw.size()));
}

void MerkleBuilder::Add(std::string_view object, std::string_view path,
                        std::string_view digest_hex) {
  std::string key;
  key.reserve(object.size() + 1 + path.size());
  key.append(object);
  key.push_back('\0');
  key.append(path);
  if (entries_ > 0 && !(last_key_ < key)) in_order_ = false;
  last_key_ = std::move(key);
  AddLeafHash(HexEncode(LeafRaw(object, path, digest_hex)));
}

void MerkleBuilder::AddLeafHash(std::string_view leaf_hex) {
  Node node{0, HexDecode(leaf_hex).value_or(std::string())};
  // Merge completed perfect subtrees of equal size: the stack's heights strictly decrease.
  while (!stack_.empty() && stack_.back().height == node.height) {
    node.hash = NodeRaw(stack_.back().hash, node.hash);
    node.height += 1;
    stack_.pop_back();
  }
  stack_.push_back(std::move(node));
  ++entries_;
}

std::string MerkleBuilder::Root() const {
  if (stack_.empty()) return Sha256Hex("");
  // n = sum of 2^height over the stack (binary digits, largest first): folding right to left
  // gives MTH with the split at the largest power of two below n at every level.
  std::string h = stack_.back().hash;
  for (size_t i = stack_.size() - 1; i-- > 0;) h = NodeRaw(stack_[i].hash, h);
  return HexEncode(h);
}

// ---------------------------------------------------------------------------------------------

json CheckpointToJson(const Checkpoint& c) {
  return json{{"entries", c.entries},         {"head_hash", c.head_hash}, {"key_id", c.key_id},
              {"merkle_root", c.merkle_root}, {"objects", c.objects},     {"seq", c.seq},
              {"signature", c.signature},     {"time", c.time}};
}

Result<Checkpoint> CheckpointFromJson(const json& j) {
  if (!j.is_object()) return Status::Corruption("checkpoint is not a JSON object");
  Checkpoint c;
  auto u64 = [&](const char* key, uint64_t& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) {
      return Status::Corruption(std::string("checkpoint field \"") + key +
                                "\" missing or not an unsigned integer");
    }
    out = it->get<uint64_t>();
    return Status::Ok();
  };
  auto str = [&](const char* key, std::string& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return Status::Corruption(std::string("checkpoint field \"") + key +
                                "\" missing or not a string");
    }
    out = it->get<std::string>();
    return Status::Ok();
  };
  VAULT_RETURN_IF_ERROR(u64("seq", c.seq));
  VAULT_RETURN_IF_ERROR(u64("entries", c.entries));
  VAULT_RETURN_IF_ERROR(u64("objects", c.objects));
  VAULT_RETURN_IF_ERROR(str("head_hash", c.head_hash));
  VAULT_RETURN_IF_ERROR(str("merkle_root", c.merkle_root));
  VAULT_RETURN_IF_ERROR(str("time", c.time));
  VAULT_RETURN_IF_ERROR(str("key_id", c.key_id));
  VAULT_RETURN_IF_ERROR(str("signature", c.signature));
  return c;
}

std::string CheckpointSigningBytes(const Checkpoint& c) {
  json j = CheckpointToJson(c);
  j.erase("signature");
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string CheckpointLine(const Checkpoint& c) {
  return CheckpointToJson(c).dump(-1, ' ', false, json::error_handler_t::replace);
}

Status SignCheckpoint(Checkpoint& c, const Ed25519Key& key) {
  c.key_id = key.KeyId();
  VAULT_ASSIGN_OR_RETURN(c.signature, key.Sign(CheckpointSigningBytes(c)));
  return Status::Ok();
}

bool VerifyCheckpointSignature(const Checkpoint& c, const Ed25519Key& key) {
  return key.Verify(CheckpointSigningBytes(c), c.signature);
}

// ---------------------------------------------------------------------------------------------

Status EnsureAuditKey(const fs::path& keys_dir) {
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(keys_dir));
  const fs::path priv = keys_dir / kPrivateKeyFile;
  const fs::path pub = keys_dir / kPublicKeyFile;
  std::error_code ec;
  bool have_priv = fs::exists(priv, ec);
  bool have_pub = fs::exists(pub, ec);
  if (!have_priv && have_pub) {
    return Status::FailedPrecondition(pub.string() + " exists without " + priv.string() +
                                      ": the audit key is lost; not replacing it");
  }
  if (!have_priv) {
    auto created = CreateEd25519KeyFiles(priv, pub);
    if (created.ok()) {
      LogInfo(kComponent, "created the audit signing key " + priv.string() + " (key id " +
                              created->KeyId() + ")");
      return Status::Ok();
    }
    if (created.status().code() != Code::kAlreadyExists) return std::move(created).status();
    // Created concurrently by someone else: check what is there.
  }
  VAULT_ASSIGN_OR_RETURN(Ed25519Key key, Ed25519Key::LoadPrivate(priv));
  if (!fs::exists(pub, ec)) {
    VAULT_ASSIGN_OR_RETURN(std::string pem, key.PublicPem());
    Status s = CreateFileExclusiveDurable(pub, pem, 0644);
    if (!s.ok() && s.code() != Code::kAlreadyExists) return s;
  }
  VAULT_ASSIGN_OR_RETURN(Ed25519Key pub_key, Ed25519Key::LoadPublic(pub));
  if (pub_key.RawPublic() != key.RawPublic()) {
    return Status::FailedPrecondition(pub.string() + " is not the public key of " +
                                      priv.string());
  }
  return Status::Ok();
}

Result<MerkleSummary> CatalogMerkle(const catalog::Catalog& cat) {
  MerkleBuilder b;
  MerkleSummary out;
  std::string after;
  constexpr size_t kPage = 512;
  while (true) {
    VAULT_ASSIGN_OR_RETURN(auto page, cat.ListObjects(after, kPage));
    for (const auto& o : page) {
      VAULT_ASSIGN_OR_RETURN(auto files, cat.ListFiles(o.id));
      for (const auto& f : files) b.Add(o.id, f.path, f.sha256);
      ++out.objects;
    }
    if (page.size() < kPage) break;
    after = page.back().id;
  }
  if (!b.in_order()) return Status::Corruption("catalog files are not in (object, path) order");
  out.root = b.Root();
  out.entries = b.entries();
  return out;
}

Result<Checkpoint> BuildCheckpoint(const catalog::Catalog& cat, uint64_t seq,
                                   std::string head_hash, std::string time,
                                   const fs::path& keys_dir) {
  VAULT_ASSIGN_OR_RETURN(uint64_t applied, cat.LastAppliedSeq());
  if (applied != seq) {
    return Status::FailedPrecondition("checkpoint at seq " + std::to_string(seq) +
                                      ": the catalog has applied the log up to seq " +
                                      std::to_string(applied));
  }
  VAULT_ASSIGN_OR_RETURN(Ed25519Key key, Ed25519Key::LoadPrivate(keys_dir / kPrivateKeyFile));
  VAULT_ASSIGN_OR_RETURN(MerkleSummary m, CatalogMerkle(cat));
  Checkpoint c;
  c.seq = seq;
  c.entries = m.entries;
  c.objects = m.objects;
  c.head_hash = std::move(head_hash);
  c.merkle_root = std::move(m.root);
  c.time = std::move(time);
  VAULT_RETURN_IF_ERROR(SignCheckpoint(c, key));
  return c;
}

Status AppendCheckpoint(const fs::path& log_dir, const Checkpoint& c) {
  const fs::path path = log_dir / kCheckpointsFile;
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  ScopedFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd.valid()) return Status::FromErrno(errno, "open", path.string());
  if (!existed) VAULT_RETURN_IF_ERROR(FsyncDir(log_dir));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat", path.string());
  if (st.st_size > 0) {
    // A crash mid-append can leave a torn last line: cut it back to the last '\n'.
    char last = 0;
    if (::pread(fd.get(), &last, 1, st.st_size - 1) != 1) {
      return Status::FromErrno(errno, "read", path.string());
    }
    if (last != '\n') {
      off_t keep = st.st_size - 1;
      constexpr off_t kChunk = 4096;
      bool found = false;
      std::string buf;
      while (keep > 0 && !found) {
        off_t start = keep > kChunk ? keep - kChunk : 0;
        buf.resize(static_cast<size_t>(keep - start));
        if (::pread(fd.get(), buf.data(), buf.size(), start) != static_cast<ssize_t>(buf.size())) {
          return Status::FromErrno(errno, "read", path.string());
        }
        auto pos = buf.rfind('\n');
        if (pos != std::string::npos) {
          keep = start + static_cast<off_t>(pos) + 1;
          found = true;
        } else {
          keep = start;
        }
      }
      LogWarning(kComponent, path.string() + ": dropping a torn last line (" +
                                 std::to_string(st.st_size - keep) + " bytes)");
      if (::ftruncate(fd.get(), keep) != 0) {
        return Status::FromErrno(errno, "truncate", path.string());
      }
    }
  }
  VAULT_RETURN_IF_ERROR(WriteAll(fd.get(), CheckpointLine(c) + "\n", path.string()));
  if (::fdatasync(fd.get()) != 0) return Status::FromErrno(errno, "fdatasync", path.string());
  return fd.Close(path.string());
}

Result<std::vector<CheckpointLineRead>> ReadCheckpointLines(const fs::path& log_dir) {
  std::vector<CheckpointLineRead> out;
  const fs::path path = log_dir / kCheckpointsFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 1ull << 36));
  size_t pos = 0;
  uint64_t line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const bool torn = nl == std::string::npos;
    std::string_view line(text.data() + pos, (torn ? text.size() : nl) - pos);
    pos = torn ? text.size() : nl + 1;
    CheckpointLineRead r;
    r.line = ++line_no;
    if (torn) {
      r.torn = true;
      r.error = "torn last line (no newline: a crash while appending?)";
    } else {
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) {
        r.error = "not JSON";
      } else {
        auto c = CheckpointFromJson(j);
        if (c.ok()) {
          r.checkpoint = std::move(*c);
        } else {
          r.error = std::string(c.status().message());
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<Checkpoint>> ReadCheckpoints(const fs::path& log_dir) {
  VAULT_ASSIGN_OR_RETURN(auto lines, ReadCheckpointLines(log_dir));
  std::vector<Checkpoint> out;
  out.reserve(lines.size());
  for (auto& l : lines) {
    if (!l.checkpoint) {
      if (l.torn) continue;
      return Status::Corruption((log_dir / kCheckpointsFile).string() + ":" +
                                std::to_string(l.line) + ": " + l.error);
    }
    out.push_back(std::move(*l.checkpoint));
  }
  return out;
}

}  // namespace vault::checkpoint
