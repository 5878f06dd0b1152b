// OcflStore: the OCFL 1.1 storage root on one Tier, with durable object writes, reads and a
// checker that reports typed findings.
//
// Layout (DESIGN.md §3): every tier is an OCFL 1.1 storage root with the storage-root extension
// 0004-hashed-n-tuple-storage-layout (sha256, 3 tuples of 3 characters, full object root):
//   0=ocfl_1.1                                          "ocfl_1.1\n"
//   ocfl_layout.json
//   extensions/0004-hashed-n-tuple-storage-layout/config.json
//   abc/def/ghi/<sha256(id)>/                           one object root (ObjectPath(id))
//     0=ocfl_object_1.1   inventory.json   inventory.json.sha256
//     v1/inventory.json   v1/inventory.json.sha256   v1/content/<logical path>
//
// Inventories written here carry, besides the sha256 manifest, a fixity block with the
// `size` algorithm of OCFL community extension 0009-digest-algorithms ("size" -> decimal byte
// count -> content paths), so that a metadata-only check can detect truncation without
// reading the content.
//
// Crash safety (DESIGN.md §3, STYLE.md §10): an object exists only once its ROOT inventory.json
// exists, and that file is written last, after everything else of the object is durable.
// A crash earlier leaves an "incomplete" object directory that ListIncomplete() reports and
// RemoveIncomplete() deletes at startup. Stored objects are sealed read-only (Tier::Seal);
// nothing here ever removes or overwrites a complete object. Only v1 is written today: adding a
// version (v2, for format migration) will need an Unseal step on the tier, the new version
// directory written the same way, and the root inventory replaced last (which the write-once
// Tier cannot do yet: it will need a versioned-root-inventory scheme or a tier-level
// replace-with-check). Not built.
//
// Threading: all methods may be called concurrently. CreateObject calls for the same id are
// serialised (the second one sees kAlreadyExists). The tier is borrowed and must outlive the
// store. One process writes a storage root at a time (the daemon holds the vault lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/ocfl/inventory.h"
#include "vault/base/status.h"
#include "vault/model/finding.h"
#include "vault/tiers/tier.h"

namespace vault::store {

// One file of a new object, staged on local disk and already hashed by the caller.
struct NewFile {
  std::string logical_path;          // NFC, '/'-separated, safe (CheckSafeRelativePath)
  std::filesystem::path staged_path;  // a regular file
  uint64_t size = 0;                  // checked against the staged file before it is put
  std::string sha256;                 // lower-case hex; trusted (not re-hashed here)
};

struct CreateRequest {
  std::string id;              // OCFL object id, e.g. "urn:uuid:…"
  std::vector<NewFile> files;  // logical paths NFC and unique; content path "v1/content/" + path
  std::string created;         // RFC 3339 time for v1
  std::string message;         // optional
  std::string user_name, user_address;  // optional; the user block is written if name is set
  bool move_staged = true;     // take the staged files (rename) instead of copying
};

class OcflStore {
 public:
  // Largest inventory or sidecar file read (inventories of huge objects are a few MiB).
  static constexpr uint64_t kMaxInventoryBytes = 256ull << 20;

  // Opens the storage root on `tier` (not owned; must outlive the store). An empty tier is
  // initialised as an OCFL 1.1 storage root ("0=ocfl_1.1" written last, so that an interrupted
  // initialisation is resumed by the next Open). A non-empty tier must already be a storage
  // root using 0004-hashed-n-tuple-storage-layout with its default parameters, else
  // kFailedPrecondition.
  static Result<std::unique_ptr<OcflStore>> Open(tiers::Tier& tier);

  OcflStore(const OcflStore&) = delete;
  OcflStore& operator=(const OcflStore&) = delete;

  // The object root of `id` relative to the storage root (ocfl::HashedNTuplePath).
  static std::string ObjectPath(std::string_view id);

  // Writes object v1. Order: content files (each PutFile, move or copy), "0=ocfl_object_1.1",
  // v1/inventory.json + sidecar, Sync(); then the root sidecar and the ROOT inventory.json LAST,
  // Sync(); then Seal the object (read-only). Returns the inventory written.
  // Errors: kAlreadyExists if the object exists; kFailedPrecondition if an incomplete object
  // directory is in the way (run recovery); kInvalidArgument for a bad request (empty id, bad,
  // non-NFC, duplicate or conflicting logical path, malformed digest); kCorruption if a staged
  // file's size differs from NewFile::size. Re-verifies no digest (the caller hashed the staged
  // files). If writing fails half way, the partial object is removed (best effort; otherwise
  // recovery removes it); with move_staged, staged files already moved are then gone, and the
  // caller re-stages from its source. A failure to seal after the commit is logged, not
  // returned: the object is stored.
  Result<ocfl::Inventory> CreateObject(const CreateRequest& req);

  // Whether the object's root inventory.json exists.
  Result<bool> Exists(std::string_view id) const;

  // The root inventory. kNotFound if the object does not exist; kCorruption if the sidecar's
  // digest disagrees with the inventory bytes, if the JSON is malformed, or if its id is not
  // `id`.
  Result<ocfl::Inventory> ReadInventory(std::string_view id) const;

  // Every complete object (root inventory present), in object-path order: fn(id, object_path);
  // fn returns false to stop. Walks the 0004 hierarchy (ignores extensions/ and root files).
  // The id comes from the root inventory, or from the newest version inventory when the root
  // one is unreadable or names an id that does not hash to the path; an object with no usable
  // inventory is logged and skipped (VerifyObject reports it through the catalog's id).
  Status ListObjects(
      const std::function<bool(const std::string& id, const std::string& object_path)>& fn) const;

  // Directories of the hierarchy that hold no complete object: object roots without a root
  // inventory.json (a write that crashed) and empty tuple directories. For startup recovery.
  // Objects being created right now by this store are not reported.
  Status ListIncomplete(const std::function<bool(const std::string& object_path)>& fn) const;

  // Removes an incomplete object directory (as reported by ListIncomplete) and the now-empty
  // tuple directories above it. kFailedPrecondition if it has a root inventory (stored objects
  // are never removed here) or is being created; kInvalidArgument if the path is not a path
  // of the hierarchy.
  Status RemoveIncomplete(const std::string& object_path);

  // Full check of the stored copy against its inventory: root inventory vs its sidecar, root vs
  // head version inventory (byte-identical), every version inventory vs its sidecar, the object
  // declaration, every manifest file present with the right size (fixity "size") and, with
  // check_digests, the right digest, and no unexpected files. Returns findings with object_id
  // and tier filled and `path` relative to the object root; one finding per damaged file (a
  // size mismatch is not also reported as a digest mismatch). An absent object gives one
  // kMissingObject finding (path = object path). When no inventory is usable at all, the
  // findings about the inventories are returned and the content is not checked. Status only
  // when the check could not run (tier unreadable, unsupported digest algorithm).
  Result<std::vector<Finding>> VerifyObject(std::string_view id, bool check_digests) const;

  // The bytes of `content_path` ("v1/content/…") of object `id`; kResourceExhausted if larger
  // than `max_bytes`, kNotFound if absent.
  Result<std::string> ReadContent(std::string_view id, std::string_view content_path,
                                  uint64_t max_bytes) const;

  tiers::Tier& tier() const { return tier_; }

 private:
  explicit OcflStore(tiers::Tier& tier) : tier_(tier) {}
  Status Initialise();
  Status CheckExistingRoot();
  bool InFlight(const std::string& object_path) const;
  Result<std::string> IdForObject(const std::string& object_path) const;

  tiers::Tier& tier_;
  mutable std::mutex mu_;
  std::set<std::string> in_flight_;  // guarded by mu_: object paths being created
};

}  // namespace vault::store
