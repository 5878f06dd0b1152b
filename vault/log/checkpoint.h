// Signed checkpoints of the event log and the Merkle root of the vault's content
// (docs/RETENTION.md §6).
//
// A checkpoint binds, under the vault's Ed25519 audit key, the log head at some seq (its hash,
// which by the hash chain commits to every earlier event) to the Merkle root of every current
// (object id, logical path, sha256) entry at that seq. An auditor holding only the public key
// can then tell a rewritten log (the event at the checkpoint's seq no longer has head_hash, even
// when the rewritten chain is internally consistent) and altered stored digests (the root
// recomputed from the stored inventories differs).
//
// On-disk format (stable; `vaultctl audit verify` and outside tools read it):
//   <log dir>/checkpoints.jsonl   one checkpoint per line, '\n'-terminated, compact JSON with
//   sorted keys: {"entries","head_hash","key_id","merkle_root","objects","seq","signature","time"}
//   signature = hex Ed25519 over the compact sorted-key JSON of the other seven fields
//   (CheckpointSigningBytes); key_id = first 16 hex of SHA-256 of the raw public key.
//   <home>/keys/audit.key (PKCS#8 PEM, 0600), <home>/keys/audit.pub (SPKI PEM, 0644).
//
// Merkle tree (RFC 6962 shape): leaves in byte order of `object \0 path`;
//   leaf = SHA-256(0x00 ‖ object ‖ 0x00 ‖ path ‖ 0x00 ‖ digest hex)
//   node = SHA-256(0x01 ‖ left ‖ right)        (left, right: the raw 32-byte child hashes)
//   MTH(n leaves) splits at k = the largest power of two < n; MTH(1) = the leaf;
//   the root of no entries is SHA-256("").  Every hash is shown as lower-case hex.
//
// Threading: the functions are stateless; a MerkleBuilder is used by one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"
#include "vault/catalog/catalog.h"
#include "vault/clib/crypto.h"

namespace vault::checkpoint {

inline constexpr char kCheckpointsFile[] = "checkpoints.jsonl";
inline constexpr char kPrivateKeyFile[] = "audit.key";
inline constexpr char kPublicKeyFile[] = "audit.pub";

// The hex leaf hash of one entry.
std::string MerkleLeaf(std::string_view object, std::string_view path, std::string_view digest_hex);
// The hex root over hex leaf hashes, in the order given (callers sort the entries).
std::string MerkleRoot(const std::vector<std::string>& leaf_hashes);

// Incremental MTH: entries added in sorted order (by `object \0 path`), O(log n) memory
// (a stack of the roots of perfect subtrees, merged as they complete; Root() folds the stack
// right to left, which is exactly RFC 6962's split at the largest power of two).
class MerkleBuilder {
 public:
  void Add(std::string_view object, std::string_view path, std::string_view digest_hex);
  // Adds a leaf hash (hex) directly.
  void AddLeafHash(std::string_view leaf_hex);
  // The root over everything added so far (the builder can keep going afterwards).
  std::string Root() const;
  uint64_t entries() const { return entries_; }
  // False once an entry was added out of order (then Root() is not the vault's root).
  bool in_order() const { return in_order_; }

 private:
  struct Node {
    unsigned height;  // the subtree holds 2^height leaves
    std::string hash;  // raw 32 bytes
  };
  std::vector<Node> stack_;
  uint64_t entries_ = 0;
  bool in_order_ = true;
  std::string last_key_;  // object \0 path of the last Add
};

struct Checkpoint {
  uint64_t seq = 0;      // the log head it covers
  uint64_t entries = 0;  // Merkle leaves (files)
  uint64_t objects = 0;  // objects covered
  std::string head_hash, merkle_root, time, key_id, signature;
};

// The JSON forms: all eight fields; the seven signed ones (no "signature").
nlohmann::json CheckpointToJson(const Checkpoint& c);
// kCorruption naming the field when one is missing or of the wrong type.
Result<Checkpoint> CheckpointFromJson(const nlohmann::json& j);
// The bytes the signature covers: compact sorted-key JSON without "signature".
std::string CheckpointSigningBytes(const Checkpoint& c);
// The line written to checkpoints.jsonl (without the '\n').
std::string CheckpointLine(const Checkpoint& c);

// Sets key_id and signature with `key` (needs the private key).
Status SignCheckpoint(Checkpoint& c, const Ed25519Key& key);
// Whether c.signature is `key`'s signature of CheckpointSigningBytes(c). (key_id is checked
// separately by callers: a different key_id with a valid signature cannot happen by accident.)
bool VerifyCheckpointSignature(const Checkpoint& c, const Ed25519Key& key);

// Creates keys_dir (if missing) and the audit key pair in it if absent; never overwrites.
// An existing audit.key is loaded (kInvalidArgument if it is not an Ed25519 PKCS#8 key); a
// missing audit.pub is then written from it; an audit.pub that does not match audit.key, or an
// audit.pub without audit.key, is kFailedPrecondition (someone must look: never replaced here).
Status EnsureAuditKey(const std::filesystem::path& keys_dir);

// The Merkle root and counts over the catalog's current files: every object in id order
// (ListObjects paging), its files in path order, leaf = (object id, FileRecord.path,
// FileRecord.sha256). kCorruption if the catalog's order is not the leaves' byte order.
struct MerkleSummary {
  std::string root;
  uint64_t entries = 0, objects = 0;
};
Result<MerkleSummary> CatalogMerkle(const catalog::Catalog& cat);

// A signed checkpoint of the catalog at `seq` (the caller holds the commit lock, so the log
// head and the catalog agree): kFailedPrecondition if the catalog's LastAppliedSeq != seq.
// Signs with keys_dir/audit.key (kNotFound if absent: call EnsureAuditKey first).
Result<Checkpoint> BuildCheckpoint(const catalog::Catalog& cat, uint64_t seq,
                                   std::string head_hash, std::string time,
                                   const std::filesystem::path& keys_dir);

// Appends one line to log_dir/checkpoints.jsonl: one write(2), then fdatasync; a new file is
// created 0644 and the directory fsynced. A torn last line (a crash mid-append: no '\n') is
// truncated first, with a warning.
Status AppendCheckpoint(const std::filesystem::path& log_dir, const Checkpoint& c);

// Every checkpoint in log_dir/checkpoints.jsonl, in file order (missing file = none; a torn
// last line is skipped). kCorruption naming the line on the first line that is not a
// checkpoint.
Result<std::vector<Checkpoint>> ReadCheckpoints(const std::filesystem::path& log_dir);

// The tolerant form for auditors: every line with its number and either the checkpoint or
// what is wrong with it ("torn last line" for a final line without '\n').
struct CheckpointLineRead {
  uint64_t line = 0;  // 1-based
  std::optional<Checkpoint> checkpoint;
  std::string error;
  bool torn = false;  // the final line, without '\n' (AppendCheckpoint drops it)
};
Result<std::vector<CheckpointLineRead>> ReadCheckpointLines(const std::filesystem::path& log_dir);

}  // namespace vault::checkpoint
