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
//     v2/...                                            later versions (AddVersion)
//
// Inventories written here carry, besides the sha256 manifest, a fixity block with the
// `size` algorithm of OCFL community extension 0009-digest-algorithms ("size" -> decimal byte
// count -> content paths), so that a metadata-only check can detect truncation without
// reading the content.
//
// Crash safety (DESIGN.md §3, STYLE.md §10): an object exists only once its ROOT inventory.json
// exists, and that file is written last, after everything else of the object is durable.
// A crash earlier leaves an "incomplete" object directory that ListIncomplete() reports and
// RemoveIncomplete() deletes at startup. Nothing here ever deletes bytes of a complete object,
// except PurgeObject with a PurgeWarrant (approved disposal, docs/RETENTION.md §5) and
// RollbackVersion (a version the event log never acknowledged, see below): RepairFrom moves
// damaged files aside to an attic directory.
//
// Adding a version (AddVersion; format migration writes v<N+1> to every copy, verifies each,
// and only then logs the event, so the log decides which head is acknowledged):
//   claim; root inventory read and checked (head == N); Unseal the object; v<N+1>/content
//   files put; Sync; v<N+1>/inventory.json + sidecar put; Sync; Seal v<N+1>/; then the ROOT
//   SWAP: the old root sidecar removed, the old root inventory.json removed, Sync, the new
//   root inventory.json put (THE COMMIT), the new root sidecar put, Sync; Seal the object.
//   Tiers are write-once (a Put never replaces a key) and have no rename, so the root
//   inventory cannot be replaced in one atomic step: the swap has a short window in which the
//   object has no root inventory. Every byte of v1..v<N+1> is durable before that window
//   opens, so the window's state is fully determined and is settled from the version
//   inventories (below).
// Crash windows of AddVersion and what each leaves (all recoverable, none loses v1..vN):
//   (a) before the swap: root at vN, complete and valid, plus an uncommitted v<N+1>/ (maybe
//       partial; maybe with ".vault-tmp-*" leftovers). VerifyObject reports its files as
//       kUnexpectedFile (an unexpected file is all they are until committed); ListIncomplete
//       does not report the object. RollbackVersion(id, N) removes the directory; an
//       AddVersion retry removes it too before writing v<N+1> again.
//   (b) old root sidecar removed: root inventory at vN, sidecar missing (HeadVersion and
//       ReadInventory: kCorruption; VerifyObject: the sidecar missing).
//   (c) root inventory removed, new one not yet put: NO root inventory (Exists() false;
//       ListIncomplete reports the directory: recovery must not remove directories of
//       objects the catalog knows; VerifyObject: the root inventory missing).
//   (d) new root inventory put, new sidecar not yet: root at v<N+1>, sidecar missing.
//   (e) after the commit and before the seal: at v<N+1>, complete; only the object root may
//       be left writable (sealed by the next touch, as for CreateObject).
//   Startup recovery, for every object with a migration in flight, calls on every copy
//   RollbackVersion(id, <head the log acknowledges>): it is a no-op on a copy already there,
//   and settles (b)..(d) ("finish the commit": a root inventory byte-identical to vM's gets
//   vM's sidecar; a missing one is put back from v<keep_head>) before it removes versions above
//   the acknowledged head. An AddVersion retry instead settles (b) and (d) by the same rule,
//   and (c) on v<N+1> when that holds exactly the retried request's state, else on vN.
//   RollbackVersion itself swaps the root first (same order, same windows) and removes the
//   directories above keep_head only after that is durable, so a crash inside it is
//   finished by calling it again. RepairFrom refuses to mix heads: a copy in (b)..(d) whose
//   version directories go beyond the source's head is "not the same object state".
//
// Write once (Tier::Seal; local tiers: files 0444, directories 0555): every file the store
// writes into an object ends read-only, and the object's directories (object root, vN,
// vN/content and below) too, once the object (or copy, or repair) is complete. The storage
// root's own files (0=ocfl_1.1, ocfl_layout.json, extensions/) are sealed as well; the storage
// root directory and the 0004 tuple directories stay writable (objects are added there).
// Sealing is defence in depth (root ignores permission bits; the digests detect change), so a
// failure to seal is logged, never returned. Crash between commit and seal: the version
// directories and the declaration are sealed BEFORE the root inventory is put, so only the root
// inventory, its sidecar and the object root directory can be left writable by a crash; they
// are sealed again by the next touch of the object: a CreateObject/CopyObjectFrom that finds it
// (the retry after the crash), a RepairFrom, or a VerifyObject that finds it clean (fixity
// verifies every object periodically). Open() re-seals the storage root's files.
// Where the store must write into a sealed object (RepairFrom, PurgeObject) it unseals the
// object's directories first and seals again when done. Removing a copy with Tier::Remove works
// on a sealed object as it is (the local tier makes the directory writable for the unlink).
//
// Replication and repair (the vault keeps every object on >= 2 tiers, one OcflStore each):
//   - CopyObjectFrom(source, id) writes a complete copy of an object from another store, in the
//     same order and with the same all-or-nothing rule as CreateObject, checking every content
//     digest against the source's inventory on the way and reading the copy back afterwards.
//   - RepairFrom(source, id, findings) fixes this copy from a good one: damaged or stray files
//     are moved aside into an attic directory, the right bytes are put back from the source
//     (checked against the source's inventory or sidecars before anything here changes), the
//     root inventory last. The caller verifies again afterwards.
//
// Threading: all methods may be called concurrently. CreateObject, AddVersion,
// RollbackVersion, CopyObjectFrom, RepairFrom and PurgeObject calls for the same id are
// serialised (the second one is refused while the first runs; a clean VerifyObject does not
// seal an object while one runs). The
// tier is borrowed and must outlive the store. One process writes a storage root at a time (the
// daemon holds the vault lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/ocfl/inventory.h"
#include "vault/base/status.h"
#include "vault/model/finding.h"
#include "vault/model/hashing.h"
#include "vault/tiers/tier.h"

namespace vault::store {

// One file of a new object, staged on local disk and already hashed by the caller.
struct NewFile {
  std::string logical_path;          // NFC, '/'-separated, safe (CheckSafeRelativePath)
  std::filesystem::path staged_path;  // a regular file
  uint64_t size = 0;                  // checked against the staged file before it is put
  std::string sha256;                 // lower-case hex; trusted (not re-hashed here)
};

// A new version of an existing object (AddVersion).
struct AddVersionRequest {
  std::string id;
  // The head version number the caller built on (1 for an object holding only v1). The new
  // version is v<expected_head + 1>.
  int expected_head = 0;
  // Files to add, or to replace at the same logical path, in the new version's state (NFC,
  // safe, unique). Content path "v<N+1>/content/" + logical path, unless the digest is already
  // in the manifest: then nothing is written for it (OCFL de-duplication).
  std::vector<NewFile> files;
  // Logical paths of the head state to drop from the new state (each must be in the head state
  // and not also in `files`).
  std::vector<std::string> remove;
  std::string created;                  // RFC 3339 time of the new version
  std::string message;                  // optional
  std::string user_name, user_address;  // optional; the user block is written if name is set
  bool move_staged = true;  // take the staged files (rename) instead of copying
};

struct CreateRequest {
  std::string id;              // OCFL object id, e.g. "urn:uuid:…"
  std::vector<NewFile> files;  // logical paths NFC and unique; content path "v1/content/" + path
  std::string created;         // RFC 3339 time for v1
  std::string message;         // optional
  std::string user_name, user_address;  // optional; the user block is written if name is set
  bool move_staged = true;     // take the staged files (rename) instead of copying
};

// How much of an object VerifyObject reads.
enum class CheckMode {
  kFull,      // everything kSizeOnly checks, plus the digest of every content file
  kSizeOnly,  // inventories, sidecars, declaration, presence and size of every content file
              // (fixity "size") and unexpected files; reads no content bytes
};

struct VerifyOptions {
  CheckMode mode = CheckMode::kFull;
  // kFull only: answers every content digest of the object in ONE call (it may hash the files
  // in parallel). Null: the built-in serial hashing (local tiers: HashFile with drop_cache;
  // others: ReadAt in 1 MiB chunks). Borrowed for the duration of the call.
  const ContentHasher* hasher = nullptr;
};

struct VerifyStats {
  uint64_t files_checked = 0;  // manifest content files examined + inventory files read
  uint64_t bytes_hashed = 0;   // content bytes read for digests + inventory bytes read
};

struct CopyStats {
  uint64_t files = 0;  // files written to the destination (content, declaration, inventories,
                       // sidecars)
  uint64_t bytes = 0;  // their bytes
};

struct RepairReport {
  std::vector<std::string> moved_aside;  // relative to the object root; now in the attic
  std::vector<std::string> restored;     // relative to the object root; put back from the source
};

}  // namespace vault::store

// Authority to destroy one object: only the disposal executor can make one.
namespace vault::lifecycle {
class DisposalExecutor;
}  // namespace vault::lifecycle

namespace vault::store {

// A warrant to purge one object (docs/RETENTION.md §5): made only by the disposal executor,
// after the batch's approval, deadline, hold and retention checks, for one object id of that
// batch. The store takes it as the only authority to delete a complete object.
class PurgeWarrant {
 public:
  const std::string& object_id() const { return object_id_; }
  const std::string& batch() const { return batch_; }

 private:
  PurgeWarrant(std::string object_id, std::string batch)
      : object_id_(std::move(object_id)), batch_(std::move(batch)) {}
  friend class vault::lifecycle::DisposalExecutor;

  std::string object_id_, batch_;
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
  // v1/inventory.json + sidecar, Sync(); Seal v1/ and the declaration; then the root sidecar and
  // the ROOT inventory.json LAST, Sync(); then Seal the object (read-only: root inventory,
  // sidecar, object root directory). Returns the inventory written.
  // Errors: kAlreadyExists if the object exists (it is then sealed again, in case a crash came
  // between its commit and its seal); kFailedPrecondition if an incomplete object
  // directory is in the way (run recovery); kInvalidArgument for a bad request (empty id, bad,
  // non-NFC, duplicate or conflicting logical path, malformed digest); kCorruption if a staged
  // file's size differs from NewFile::size. Re-verifies no digest (the caller hashed the staged
  // files). If writing fails half way, the partial object is removed (best effort; otherwise
  // recovery removes it); with move_staged, staged files already moved are then gone, and the
  // caller re-stages from its source. A failure to seal after the commit is logged, not
  // returned: the object is stored.
  Result<ocfl::Inventory> CreateObject(const CreateRequest& req);

  // Adds version v<N+1> (N = req.expected_head) to the stored object `req.id` and returns the
  // new inventory. The new state is the head state minus `remove`, plus `files` (a file at a
  // logical path the head has replaces it). Manifest: the existing entries plus one content
  // path "v<N+1>/content/<logical path>" per new file whose digest the manifest does not hold
  // yet; fixity "size" extended likewise. Everything else of the inventory is carried over, so
  // the same request on byte-identical copies (other tiers) gives byte-identical inventories.
  // Order (see "Adding a version" in the header comment): claim; root inventory read and
  // checked (head == N); object unsealed; content put; Sync; v<N+1>/inventory.json + sidecar;
  // Sync; v<N+1>/ sealed; root sidecar removed, root inventory.json removed, Sync; new root
  // inventory.json put (THE COMMIT), new root sidecar put; Sync; object sealed.
  // Recovery on entry (the retry after a crash): a root sidecar that disagrees with a root
  // inventory equal to some vM/inventory.json (which agrees with its own sidecar) is rewritten
  // ("finish the commit"); a missing root inventory is put back from the newest version
  // inventory when that is v<N> or v<N+1> and agrees with its sidecar ("finish the swap");
  // version directories above the head (an uncommitted v<N+1>/ left by a crash before the
  // commit, or a failed rollback) are removed before v<N+1> is written.
  // Idempotent: when the head is already v<N+1> and its state equals the state this request
  // produces (same logical paths, same digests), the stored inventory is returned (a retry
  // after a crash behind the commit); `created`, message and user are not compared.
  // Errors: kInvalidArgument for a bad request (as CreateObject; also expected_head < 1, a
  // `remove` path not in the head state or also in `files`, a new path conflicting with a
  // directory of the new state); kNotFound if the object does not exist; kFailedPrecondition
  // "head is vM" when the head is not N (and not an idempotent retry), while another write of
  // the object by this store runs, or when there is no root inventory and no v<N>/v<N+1>
  // inventory to settle it on (repair the copy); kCorruption if a staged file's size differs
  // from NewFile::size, if the root inventory is damaged (and equal to no version inventory:
  // repair the copy), or if a digest already in the manifest is recorded with another size. On a failure before the commit, the moved staged files are
  // given back (where the tier can) and v<N+1>/ is removed (RollbackVersion(id, N), best
  // effort; else the next AddVersion or RollbackVersion removes it); after the commit the
  // error is returned but the version stands (the caller rolls it back with RollbackVersion
  // if it cannot acknowledge it). With move_staged, a staged file whose digest was already in
  // the manifest is left where it is (nothing was taken from it).
  Result<ocfl::Inventory> AddVersion(const AddVersionRequest& req);

  // The head version number of the object (from the root inventory, checked as by
  // ReadInventory). kNotFound if the object does not exist (no root inventory: also in the
  // swap window of a crashed AddVersion or RollbackVersion, see the header); kCorruption as
  // ReadInventory, or if the head is not a version name.
  Result<int> HeadVersion(std::string_view id) const;

  // Undoes every version above `keep_head` (versions never acknowledged by the event log) and
  // settles the root inventory on v<keep_head>. Idempotent; OK and no change (except sealing
  // again) when the copy is already exactly at v<keep_head> with nothing above it.
  //   - v<keep_head>/inventory.json must agree with its sidecar, name `id` and have head
  //     v<keep_head> (else kFailedPrecondition): it becomes the root inventory.
  //   - The root inventory may be absent (crash in a swap), at v<keep_head> with a missing or
  //     wrong sidecar (crash in a swap: the sidecar is rewritten), or at a higher head (the
  //     unacknowledged version). A root inventory at a LOWER head, or one that claims head
  //     v<keep_head> but differs from v<keep_head>/inventory.json, or one that does not parse,
  //     is refused (kFailedPrecondition / kCorruption): the copy is behind or damaged, which
  //     repair handles, not rollback.
  //   - Order: claim, unseal; the root sidecar then the root inventory.json are removed (when
  //     they differ from v<keep_head>'s), Sync; v<keep_head>'s inventory.json then its sidecar
  //     are put at the root, Sync (from here the copy is at v<keep_head>); leftover temp files
  //     of interrupted puts in the object root are removed; then every file of v<keep_head+1>/
  //     and above, deepest first (empty directories going with their last file); Sync; seal.
  //     v1..v<keep_head> are never touched. A crash anywhere leaves a state that calling
  //     RollbackVersion again finishes (see "Crash windows" in the header comment).
  // Errors: kInvalidArgument for an empty id; kFailedPrecondition if keep_head < 1, for the
  // refusals above, if there is no v<keep_head>/inventory.json, or while another write of the
  // object by this store runs; kNotFound if nothing of the object is on the tier.
  Status RollbackVersion(std::string_view id, int keep_head);

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
  // when the check could not run (tier unreadable, unsupported digest algorithm, a hasher
  // outcome other than OK or kNotFound; a kNotFound outcome is a kMissingFile finding).
  // `o.mode` picks kFull (digests) or kSizeOnly; `o.hasher` is called at most once, with the
  // requests of every content file that is present with the right size (none: not called).
  // `stats` (optional) is filled even when findings are returned.
  // The one change a verify makes: an object that verifies clean is sealed again (Tier::Seal,
  // which leaves what is already sealed alone), unless a write of that object by this store is
  // running; so a crash between an object's commit and its seal is mended by the next fixity
  // pass. Best effort: a failure to seal is logged.
  Result<std::vector<Finding>> VerifyObject(std::string_view id, const VerifyOptions& o,
                                            VerifyStats* stats = nullptr) const;
  // The same with check_digests ? kFull : kSizeOnly and the built-in hashing.
  Result<std::vector<Finding>> VerifyObject(std::string_view id, bool check_digests) const;

  // Replicates object `id` from `source` (another store, on another tier) into this store.
  //   - The source's root inventory must read cleanly (sidecar agrees, id matches), every
  //     version inventory must agree with its sidecar, the head version's must equal the root
  //     one byte for byte, the declaration must be right and every manifest content file must
  //     be present with its recorded size: else kCorruption, before anything is written here.
  //     Files in the source object that its inventory does not list are not copied.
  //   - Each content file is streamed from the source tier (1 MiB buffers) into a temp file in
  //     `staging_dir` (created if missing; should be on this tier's file system so that the
  //     put is a rename) while its digest is computed with the inventory's algorithm; a digest
  //     or size that disagrees with the source inventory is kCorruption naming the path and
  //     the source tier, and nothing of the object counts.
  //   - Write order as CreateObject: content, declaration, version inventories + sidecars,
  //     Sync, Seal of the versions and the declaration, root sidecar, root inventory.json
  //     LAST, Sync, Seal of the rest. Inventories are copied byte
  //     for byte. On any failure before the root inventory is in place, the partial object is
  //     removed (best effort; otherwise recovery removes it): it was never complete.
  //   - Then the copy is read back (page cache dropped first where the tier is local, so that
  //     the media are read) and fully verified. Any finding is kCorruption "copy of <id> on
  //     <tier> failed verification after writing: <first finding>". That copy STAYS: it is a
  //     complete object and nothing here deletes one; the caller decides (repair it, or raise
  //     the alarm).
  // Errors: kAlreadyExists if the object exists here; kFailedPrecondition if an incomplete
  // object directory is in the way (run recovery); kNotFound if the source has no such
  // object; kInvalidArgument if `source` is this store's tier; tier errors as they come.
  // `stats` (optional) counts what was written, as far as it got.
  Status CopyObjectFrom(const OcflStore& source, std::string_view id,
                        const std::filesystem::path& staging_dir, CopyStats* stats = nullptr);

  // Repairs this copy of `id` from a good copy on `source`. `findings` are what VerifyObject
  // on THIS store reported (every finding must name `id` and this tier, else
  // kInvalidArgument; none: nothing to do).
  //   - kMissingObject: the object is copied afresh (CopyObjectFrom; `restored` lists all of
  //     its files, `moved_aside` is empty).
  //   - Otherwise, first, without changing anything: the source's root inventory must read
  //     cleanly, and both copies must hold the same object state: this copy's root inventory,
  //     when it reads cleanly, must be byte-identical to the source's; when it does not, every
  //     version inventory here that agrees with its sidecar must be one the source has, byte for
  //     byte (else kFailedPrecondition: the copies differ, e.g. different heads). Then every
  //     file to be put back is fetched from the source and checked: content files are streamed
  //     into `staging_dir` and their digest and size checked against the source's inventory;
  //     inventories against the source's sidecars (kCorruption, naming the source tier and
  //     path, if the source is damaged too: nothing here has changed then).
  //   - Then the object directory is unsealed, and for each finding's path: a file present at
  //     that path is MOVED aside to `attic_dir/<path>` (never deleted; "<path>.1", ".2"... if
  //     an earlier repair left a file there): renamed when the tier file is on the attic's file
  //     system, otherwise copied and fsynced first and only then removed from the tier; the
  //     attic file and its directory are durable before the tier file goes. Unless the finding
  //     is kUnexpectedFile (or names a path the source object does not have), the file is then
  //     put back from the source. An inventory finding (kInventoryMismatch, or any finding on
  //     an inventory or sidecar path) makes ALL inventory files and sidecars of the object
  //     byte-identical to the source's: those that differ are moved aside and put back, the
  //     root inventory.json moved aside last and put back LAST, after a Sync. Then Sync, empty
  //     directories pruned, and the object sealed again.
  //     When nothing here differs from the source any more, the object is only sealed again.
  //   - Returns what was moved aside and what was put back. The caller then verifies again:
  //     when no inventory was usable, VerifyObject could not check the content, so a second
  //     round may find (and repair) more.
  // On an error after the first change, RepairFrom stops, seals what is there and returns
  // the error; every file moved so far is in the attic (and logged), none is lost.
  //
  // Crash safety: a crash at any point leaves a copy that VerifyObject reports as damaged and
  // that a later RepairFrom (with the same or another attic) fixes:
  //   - before the object is unsealed nothing has changed (staged temp files "vault-copy-*" may
  //     stay in `staging_dir`; the daemon sweeps staging);
  //   - a moved file is, at every instant, in the tier, in the attic, or (copy case) in both;
  //     never in neither. Gone from the tier, it is reported missing and put back next time;
  //     still in the tier, it is reported damaged again; in both, the next repair moves it to
  //     "<path>.1" (the attic may hold a ".vault-attic-tmp-*" partial copy too: harmless);
  //   - puts are atomic: a file is back or missing (a ".vault-tmp-*" leftover is an unexpected
  //     file, moved to the attic next time);
  //   - the root inventory.json is put back last: a crash before leaves the object directory
  //     WITHOUT a root inventory. VerifyObject then checks against the version inventory and
  //     reports the root one missing, and RepairFrom restores it. Such a directory looks like
  //     an incomplete object to ListIncomplete(): recovery must not remove directories of
  //     objects the catalog knows (it must repair them);
  //   - a crash leaves the object unsealed (directories 0755, put-back files 0644) until a
  //     later RepairFrom seals it, or, after a crash behind the last Sync (the copy verifies
  //     clean), until the next clean VerifyObject does. Sealing is defence in depth only; the
  //     digests are what detect change.
  // Threading: refused with kFailedPrecondition while a CreateObject, CopyObjectFrom,
  // RepairFrom or PurgeObject of the same id runs on this store. The caller must not repair the
  // same object on `source` at the same time (it is read as the trusted copy).
  Result<RepairReport> RepairFrom(const OcflStore& source, std::string_view id,
                                  const std::vector<Finding>& findings,
                                  const std::filesystem::path& attic_dir,
                                  const std::filesystem::path& staging_dir);

  // Destroys this copy of the object the warrant names (OCFL purge; the storage root stays
  // valid). Order: the object's directories are unsealed; the root inventory.json, then its
  // sidecar, are removed and that is made durable (from then on the object no longer exists
  // for OCFL, Exists() is false); then every other file, deepest first, each directory going
  // when it becomes empty; then the empty 0004 tuple directories above it up to (not including)
  // the storage root; the parent directories are fsynced (Tier::Sync). Ends with
  // VerifyAbsent(). Idempotent: an absent object is OK (leftover empty directories are still
  // pruned). A crash part way leaves a directory without a root inventory (never a complete
  // object with files missing): calling PurgeObject again finishes it. Until then that
  // directory looks like an incomplete object to ListIncomplete(), and the daemon's recovery
  // keeps directories of objects the catalog knows ("left for fixity to repair"): the disposal
  // executor must finish the purge before anything repairs an object it is destroying.
  // Errors: kInvalidArgument for an empty id; kFailedPrecondition if `id` is not the warrant's
  // object, if an inventory in the object directory names another id, or while a write of the
  // object by this store (create, copy, repair) runs; tier errors as they come.
  Status PurgeObject(const PurgeWarrant& w);
  Status PurgeObject(std::string_view id, const PurgeWarrant& w);

  // OK when no trace of the object `id` remains on the tier: no key at or below its object
  // path, no object directory, and no empty 0004 tuple directory on its path (tuple directories
  // shared with other objects stay, holding those). kFailedPrecondition naming what is left
  // otherwise; tier errors as they come.
  Status VerifyAbsent(std::string_view id) const;

  // The bytes of `content_path` ("v1/content/…", "v2/content/…") of object `id`; kResourceExhausted if larger
  // than `max_bytes`, kNotFound if absent.
  Result<std::string> ReadContent(std::string_view id, std::string_view content_path,
                                  uint64_t max_bytes) const;

  tiers::Tier& tier() const { return tier_; }

 private:
  explicit OcflStore(tiers::Tier& tier) : tier_(tier) {}
  Status Initialise();
  Status CheckExistingRoot();
  // Seals the storage root's files (declaration, layout, extensions/); a failure is logged.
  void SealStorageRootFiles();
  // Tier::Seal(key); a failure is logged (sealing is defence in depth), naming `what`.
  void SealLogged(const std::string& key, std::string_view what) const;
  bool InFlight(const std::string& object_path) const;
  // Marks `object_path` as being written (in_flight_); false if it already is. Unclaim() ends it.
  bool Claim(const std::string& object_path);
  void Unclaim(const std::string& object_path);
  // OK if nothing of the object is here; kAlreadyExists if it is complete (and then seals it
  // again: the caller holds the claim); kFailedPrecondition if an incomplete object directory
  // is in the way.
  Status CheckAbsent(const std::string& object_path);
  // The write steps after the content (CreateObject, CopyObjectFrom): declaration, then
  // `inventory_files` (relative path, bytes) in order, the last two being the root sidecar and
  // the root inventory.json, with a Sync before those two and after them; the version
  // directories and the declaration are sealed before the root sidecar is put, the rest after
  // the last Sync (a failure to seal is logged). *committed tells whether the root inventory
  // was put (from then on the object exists and must not be removed).
  Status WriteObjectTail(const std::string& object_path,
                         const std::vector<std::pair<std::string, std::string>>& inventory_files,
                         bool* committed);
  // Best-effort removal of a partial object that never got its root inventory.
  void RemovePartial(const std::string& object_path);
  // CopyObjectFrom, also listing the relative paths written.
  Status CopyObject(const OcflStore& source, std::string_view id,
                    const std::filesystem::path& staging_dir, CopyStats* stats,
                    std::vector<std::string>* written);
  // RepairFrom's check that both copies hold the same object state (see there).
  Status CheckSameState(const OcflStore& source, const std::string& object_path,
                        std::string_view id, const std::string& source_root_bytes,
                        const ocfl::Inventory& source_root) const;
  Result<std::string> IdForObject(const std::string& object_path) const;
  // RollbackVersion's work, under a claim the caller holds. `why` names the caller in the log.
  Status RollbackLocked(const std::string& object_path, std::string_view id, int keep_head,
                        std::string_view why);

  tiers::Tier& tier_;
  mutable std::mutex mu_;
  // Guarded by mu_: object paths being written (created, copied, repaired, purged).
  std::set<std::string> in_flight_;
};

}  // namespace vault::store
