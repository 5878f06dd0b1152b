#include "vault/audit/audit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "formats/ocfl/inventory.h"
#include "vault/base/clock.h"
#include "vault/base/fs.h"
#include "vault/catalog/catalog.h"
#include "vault/clib/crypto.h"
#include "vault/daemon/config.h"
#include "vault/fixity/hash_pool.h"
#include "vault/log/checkpoint.h"
#include "vault/store/ocfl_store.h"
#include "vault/tiers/tier.h"

namespace vault::audit {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kSegPrefix = "events-";
constexpr std::string_view kSegSuffix = ".jsonl";

std::optional<uint64_t> SegmentNumber(std::string_view name) {
  if (name.size() <= kSegPrefix.size() + kSegSuffix.size() ||
      name.substr(0, kSegPrefix.size()) != kSegPrefix ||
      name.substr(name.size() - kSegSuffix.size()) != kSegSuffix) {
    return std::nullopt;
  }
  std::string_view digits =
      name.substr(kSegPrefix.size(), name.size() - kSegPrefix.size() - kSegSuffix.size());
  if (digits.size() < 6 || digits.size() > 18) return std::nullopt;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n == 0 ? std::nullopt : std::optional<uint64_t>(n);
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The local calendar date ("YYYY-MM-DD") of an ISO 8601 time at UTC+offset_hours.
std::string LocalDay(std::string_view time, int offset_hours) {
  auto ms = ParseIso8601Millis(time);
  if (!ms) return "";
  return LocalDateOf(TimePoint(std::chrono::milliseconds(*ms)), offset_hours).Iso();
}

// One object's stored entries: logical path → digest (sorted by path, byte order).
using Entries = std::map<std::string, std::string>;

// A fixed-size summary of one object's entries: SHA-256 over its sorted (path, digest) list.
// Two entry lists are equal exactly when their summaries are (up to SHA-256 collisions), so the
// audit keeps summaries instead of whole lists and re-reads an object's entries only to name a
// difference.
std::string EntriesSummary(const Entries& e) {
  std::string buf;
  for (const auto& [p, d] : e) {
    buf += std::to_string(p.size());
    buf += ':';
    buf += p;
    buf += '\0';
    buf += d;
    buf += '\n';
  }
  return Sha256Hex(buf);
}

int CheckRank(const std::string& check) {
  static const char* kOrder[] = {"chain",          "checkpoint.parse", "checkpoint.key",
                                 "checkpoint.key_id", "checkpoint.signature", "checkpoint.head",
                                 "checkpoint.order", "checkpoint.merkle", "storage",
                                 "content",         "catalog",          "disposal"};
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    if (check == kOrder[i]) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

struct ObjFacts {
  uint64_t ingest_seq = 0;
  std::string ingest_tier, inventory_sha256;
  // The version the log last acknowledged (ingestion: v1; each migration: its version) and the
  // event that logged its root inventory digest.
  std::string head = "v1";
  uint64_t inventory_seq = 0;
  std::map<std::string, uint64_t> tiers;       // tier → seq of the event that put the copy there
  std::map<std::string, uint64_t> moved_from;  // tier → seq of the transfer away from it
  uint64_t deaccession_seq = 0;
  std::string deaccession_batch;
  json tombstone;
  uint64_t deletion_seq = 0;
  std::string deletion_batch;
  // Where the latest checkpoint's Merkle entries of this object came from (see MerkleSource).
  uint8_t merkle_src = 0;

  bool ingested() const { return ingest_seq != 0; }
  bool live() const { return ingested() && deletion_seq == 0; }
  bool LiveAt(uint64_t s) const {
    return ingested() && ingest_seq <= s && (deletion_seq == 0 || deletion_seq > s);
  }
};

struct BatchFacts {
  uint64_t propose_seq = 0, approve_seq = 0, cancel_seq = 0;
  std::string proposer, approver, decision, decision_date, deadline;
  std::set<std::string> objects;
};

struct HoldFacts {
  std::string object;
  uint64_t place_seq = 0, release_seq = 0;
};

struct DeletionFact {
  uint64_t seq = 0, line = 0;
  std::string object, batch, time, segment;
};

// One tier opened read only.
struct TierView {
  std::string name;
  std::unique_ptr<tiers::Tier> tier;
  std::unique_ptr<store::OcflStore> store;
  bool ok = false;
  std::map<std::string, std::string> listed;  // object id → object path
};

// What one tier holds of one object (read one object at a time).
struct StoredCopy {
  bool readable = false;
  std::string inventory_sha256, head, error;
  Entries entries;
};

// What the audit keeps of a stored copy once its object was scanned.
struct CopyInfo {
  bool readable = false;
  std::string head;
  std::string inventory_sha256;
};

// The reference entries of an object: the tier they were read from, and their summary.
struct RefInfo {
  std::string tier, summary;
};

// MerkleSource values (ObjFacts::merkle_src).
constexpr uint8_t kMerkleNotLive = 0, kMerkleTombstone = 1, kMerkleStored = 2, kMerkleUnknown = 3;

class Auditor {
 public:
  Auditor(fs::path home, AuditOptions o) : home_(std::move(home)), opt_(std::move(o)) {
    if (opt_.public_key_path.empty()) {
      opt_.public_key_path = home_ / "keys" / checkpoint::kPublicKeyFile;
    }
  }

  Result<AuditReport> Run() {
    std::error_code ec;
    if (!fs::exists(home_ / "vault.toml", ec)) {
      return Status::NotFound("no vault at " + home_.string() + " (vault.toml missing)");
    }
    VAULT_ASSIGN_OR_RETURN(config_, daemon::LoadConfig(home_));
    VAULT_RETURN_IF_ERROR(CheckChain());
    VAULT_RETURN_IF_ERROR(ReadCheckpointFile());
    VAULT_RETURN_IF_ERROR(ReplayLog());
    CheckCheckpointSignaturesAndHeads();
    OpenTiers();
    ReadStoredCopies();
    CheckStorage();
    OpenCatalog();
    CheckCatalog();
    CheckMerkle();
    CheckDisposal();
    std::stable_sort(report_.breaks.begin(), report_.breaks.end(),
                     [](const AuditBreak& a, const AuditBreak& b) {
                       return CheckRank(a.check) < CheckRank(b.check);
                     });
    report_.intact = report_.breaks.empty();
    for (const auto& [id, f] : objects_) report_.checked.objects += f.live() ? 1 : 0;
    return std::move(report_);
  }

 private:
  AuditBreak& Add(std::string check, std::string message) {
    AuditBreak b;
    b.check = std::move(check);
    b.message = std::move(message);
    report_.breaks.push_back(std::move(b));
    return report_.breaks.back();
  }

  fs::path LogDir() const { return home_ / "log"; }

  // 1. The hash chain.
  Status CheckChain() {
    VAULT_ASSIGN_OR_RETURN(auto breaks, eventlog::EventLog::VerifyChain(LogDir()));
    for (const auto& cb : breaks) {
      AuditBreak& b = Add("chain", cb.problem + (cb.detail.empty() ? "" : ": " + cb.detail));
      b.segment = cb.segment;
      b.line = cb.line;
      b.seq = cb.seq;
    }
    return Status::Ok();
  }

  // 2a. The checkpoint lines.
  Status ReadCheckpointFile() {
    VAULT_ASSIGN_OR_RETURN(cp_lines_, checkpoint::ReadCheckpointLines(LogDir()));
    report_.checked.checkpoints = cp_lines_.size();
    for (const auto& l : cp_lines_) {
      if (l.checkpoint) {
        wanted_seqs_.insert(l.checkpoint->seq);
        continue;
      }
      AuditBreak& b = Add("checkpoint.parse", "line is not a checkpoint: " + l.error);
      b.segment = checkpoint::kCheckpointsFile;
      b.line = l.line;
    }
    return Status::Ok();
  }

  // 3. Replay: the log's facts about objects, copies, holds, batches and disposals.
  Status ReplayLog() {
    return ReadLogOffline(LogDir(), [&](const eventlog::Event& e, const std::string& seg,
                                        uint64_t line) {
      ++report_.checked.events;
      head_seq_ = std::max(head_seq_, e.seq);
      if (wanted_seqs_.count(e.seq) && !seq_hash_.count(e.seq)) seq_hash_[e.seq] = e.hash;
      Apply(e, seg, line);
      return true;
    });
  }

  // A running daemon keeps appending while the audit reads storage and the catalog, and it
  // writes content BEFORE logging it: before calling something unexplained by the log, the
  // events appended since the replay are read too. (Best effort: a failure to read leaves the
  // facts as they were.)
  void CatchUp() {
    const uint64_t from = head_seq_;
    (void)ReadLogOffline(LogDir(), [&](const eventlog::Event& e, const std::string& seg,
                                       uint64_t line) {
      if (e.seq <= from) return true;
      ++report_.checked.events;
      head_seq_ = std::max(head_seq_, e.seq);
      Apply(e, seg, line);
      return true;
    });
  }

  void Apply(const eventlog::Event& e, const std::string& seg, uint64_t line) {
    const json& d = e.detail;
    const bool success = e.outcome == "success";
    if (!success) return;  // refused attempts and failed ingests change nothing
    if (e.type == "ingestion" && !e.object.empty()) {
      ObjFacts& f = objects_[e.object];
      if (f.ingested()) return;  // a duplicated line: the chain check reports it
      f.ingest_seq = e.seq;
      f.ingest_tier = Str(d, "tier");
      f.inventory_sha256 = Str(d, "inventory_sha256");
      f.inventory_seq = e.seq;
      if (!f.ingest_tier.empty()) f.tiers[f.ingest_tier] = e.seq;
    } else if (e.type == "migration" && !e.object.empty()) {
      // A new version on every copy (docs/MIGRATION.md): its root inventory is the reference now.
      ObjFacts& f = objects_[e.object];
      const std::string v = Str(d, "version");
      if (!v.empty()) {
        f.head = v;
        f.inventory_sha256 = Str(d, "inventory_sha256");
        f.inventory_seq = e.seq;
      }
    } else if ((e.type == "replication" || e.type == "recovery") && !e.object.empty()) {
      std::string t = Str(d, "tier");
      if (!t.empty()) objects_[e.object].tiers.emplace(t, e.seq);
    } else if (e.type == "transfer" && !e.object.empty()) {
      ObjFacts& f = objects_[e.object];
      std::string from = Str(d, "from"), to = Str(d, "to");
      if (!from.empty()) {
        f.tiers.erase(from);
        f.moved_from[from] = e.seq;
      }
      if (!to.empty()) f.tiers.emplace(to, e.seq);
    } else if (e.type == "deaccession" && !e.object.empty()) {
      ObjFacts& f = objects_[e.object];
      if (f.deaccession_seq == 0) {
        f.deaccession_seq = e.seq;
        f.deaccession_batch = Str(d, "batch");
        if (d.is_object() && d.contains("tombstone")) f.tombstone = d["tombstone"];
      }
    } else if (e.type == "deletion" && !e.object.empty()) {
      ObjFacts& f = objects_[e.object];
      if (f.deletion_seq == 0) {
        f.deletion_seq = e.seq;
        f.deletion_batch = Str(d, "batch");
        f.tiers.clear();
      }
      deletions_.push_back({e.seq, line, e.object, Str(d, "batch"), e.time, seg});
    } else if (e.type == "policy assignment" && !e.object.empty()) {
      std::string action = Str(d, "action");
      std::string hold = Str(d, "hold");
      if (action == "hold" && !hold.empty()) {
        HoldFacts& h = holds_[hold];
        h.object = e.object;
        if (h.place_seq == 0) h.place_seq = e.seq;
      } else if (action == "release" && !hold.empty()) {
        HoldFacts& h = holds_[hold];
        if (h.object.empty()) h.object = e.object;
        if (h.release_seq == 0) h.release_seq = e.seq;
      }
    } else if (e.type == "appraisal") {
      std::string action = Str(d, "action");
      std::string batch = Str(d, "batch");
      if (batch.empty()) return;
      BatchFacts& b = batches_[batch];
      if (action == "propose" && b.propose_seq == 0) {
        b.propose_seq = e.seq;
        b.proposer = e.agent;
        if (d.contains("objects") && d["objects"].is_array()) {
          for (const auto& o : d["objects"]) {
            if (o.is_string()) b.objects.insert(o.get<std::string>());
            std::string id = Str(o, "id");
            if (!id.empty()) b.objects.insert(id);
          }
        }
      } else if (action == "approve" && b.approve_seq == 0) {
        b.approve_seq = e.seq;
        b.approver = e.agent;
        b.decision = Str(d, "decision");
        b.decision_date = Str(d, "decision_date");
        b.deadline = Str(d, "deadline");
      } else if (action == "cancel" && b.cancel_seq == 0) {
        b.cancel_seq = e.seq;
      }
    }
  }

  // 2b. Signatures, key ids, heads and order of every checkpoint.
  void CheckCheckpointSignaturesAndHeads() {
    bool any = false;
    for (const auto& l : cp_lines_) any = any || l.checkpoint.has_value();
    if (!any) return;
    auto key = Ed25519Key::LoadPublic(opt_.public_key_path);
    if (!key.ok()) {
      AuditBreak& b = Add("checkpoint.key", "cannot read the audit public key " +
                                                opt_.public_key_path.string() + ": " +
                                                key.status().ToString());
      b.path = opt_.public_key_path.string();
    }
    uint64_t prev_seq = 0;
    for (const auto& l : cp_lines_) {
      if (!l.checkpoint) continue;
      const checkpoint::Checkpoint& c = *l.checkpoint;
      auto place = [&](AuditBreak& b) {
        b.segment = checkpoint::kCheckpointsFile;
        b.line = l.line;
        b.seq = c.seq;
      };
      if (key.ok()) {
        if (c.key_id != key->KeyId()) {
          place(Add("checkpoint.key_id", "key_id " + c.key_id + " is not the audit key's (" +
                                             key->KeyId() + ")"));
        }
        if (!checkpoint::VerifyCheckpointSignature(c, *key)) {
          place(Add("checkpoint.signature",
                    "the signature does not verify with " + opt_.public_key_path.string()));
        }
      }
      auto it = seq_hash_.find(c.seq);
      if (c.seq == 0) {
        if (c.head_hash != "" && c.head_hash != eventlog::ZeroHash()) {
          place(Add("checkpoint.head", "checkpoint at seq 0 names head " + c.head_hash));
        }
      } else if (it == seq_hash_.end()) {
        place(Add("checkpoint.head", "the log has no event at seq " + std::to_string(c.seq) +
                                         " (log truncated or rewritten)"));
      } else if (it->second != c.head_hash) {
        place(Add("checkpoint.head", "the event at seq " + std::to_string(c.seq) +
                                         " has hash " + it->second + ", the checkpoint signed " +
                                         c.head_hash + ": the log was rewritten at or before seq " +
                                         std::to_string(c.seq)));
      }
      if (c.seq < prev_seq) {
        place(Add("checkpoint.order", "seq " + std::to_string(c.seq) +
                                          " is smaller than the previous checkpoint's " +
                                          std::to_string(prev_seq)));
      }
      prev_seq = std::max(prev_seq, c.seq);
    }
  }

  // 4a. Every configured tier, read only.
  void OpenTiers() {
    listed_head_ = head_seq_;
    for (const auto& tc : config_.tiers) {
      TierView v;
      v.name = tc.name;
      std::error_code ec;
      auto bad = [&](const std::string& why) {
        AuditBreak& b = Add("storage", "tier " + tc.name + " at " + tc.path.string() + " " + why);
        b.tier = tc.name;
        b.path = tc.path.string();
      };
      if (tc.kind != "local") {
        bad("is of kind '" + tc.kind + "', which audit cannot read");
      } else if (!fs::is_directory(tc.path, ec) || !fs::exists(tc.path / "0=ocfl_1.1", ec)) {
        bad("is not an OCFL storage root (missing or not mounted?)");
      } else {
        auto tier = tiers::OpenLocalTier(tc.name, tc.path);
        if (!tier.ok()) {
          bad("cannot be opened: " + tier.status().ToString());
        } else {
          v.tier = std::move(*tier);
          auto st = store::OcflStore::Open(*v.tier);
          if (!st.ok()) {
            bad("is not a usable storage root: " + st.status().ToString());
          } else {
            v.store = std::move(*st);
            Status s = v.store->ListObjects([&](const std::string& id, const std::string& path) {
              v.listed.emplace(id, path);
              return true;
            });
            if (!s.ok()) {
              bad("cannot be listed: " + s.ToString());
            } else {
              v.ok = true;
            }
          }
        }
      }
      tiers_.push_back(std::move(v));
    }
  }

  TierView* FindTier(const std::string& name) {
    for (auto& t : tiers_) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }

  StoredCopy ReadCopy(const TierView& t, const std::string& id) {
    StoredCopy c;
    auto bytes =
        t.tier->ReadAll(store::OcflStore::ObjectPath(id) + "/inventory.json",
                        store::OcflStore::kMaxInventoryBytes);
    if (!bytes.ok()) {
      c.error = bytes.status().ToString();
      return c;
    }
    c.inventory_sha256 = Sha256Hex(*bytes);
    auto inv = ocfl::ParseInventory(*bytes);
    if (!inv.ok()) {
      c.error = inv.status().ToString();
      return c;
    }
    c.head = inv->head;
    auto head = inv->versions.rbegin();
    if (head == inv->versions.rend()) {
      c.error = "inventory has no versions";
      return c;
    }
    for (const auto& [digest, paths] : head->second.state) {
      for (const auto& p : paths) c.entries[p] = digest;
    }
    c.readable = true;
    return c;
  }

  // 4b. The root inventory of every stored object on every tier; the reference entries of each
  // object come from the first tier (configuration order) where its inventory reads.
  // Streaming: objects are visited one at a time in byte order of ids (the union of the log's
  // objects and every tier's listing), every tier's copy of the object is read, compared and
  // reduced to a CopyInfo and a summary, and the object's Merkle entries at the latest
  // checkpoint are fed to the builder right away (CheckMerkle recomputes them only when the
  // log's facts changed since). Only one object's entries are in memory at a time.
  void ReadStoredCopies() {
    const checkpoint::Checkpoint* cp = LatestCheckpoint();
    std::vector<std::vector<AuditBreak>> disagree(tiers_.size());  // per tier, in id order
    using ListIt = std::map<std::string, std::string>::const_iterator;
    std::vector<std::pair<ListIt, ListIt>> lists;
    std::vector<size_t> list_tier;
    for (size_t i = 0; i < tiers_.size(); ++i) {
      if (!tiers_[i].ok) continue;
      lists.emplace_back(tiers_[i].listed.cbegin(), tiers_[i].listed.cend());
      list_tier.push_back(i);
    }
    auto obj = objects_.begin();
    while (true) {
      const std::string* next = nullptr;
      if (obj != objects_.end()) next = &obj->first;
      for (const auto& [it, end] : lists) {
        if (it != end && (next == nullptr || it->first < *next)) next = &it->first;
      }
      if (next == nullptr) break;
      const std::string id = *next;
      std::optional<Entries> ref;
      std::string ref_tier;
      for (size_t k = 0; k < lists.size(); ++k) {
        auto& [it, end] = lists[k];
        if (it == end || it->first != id) continue;
        ++it;
        const TierView& t = tiers_[list_tier[k]];
        StoredCopy c = ReadCopy(t, id);
        if (c.readable && !ref) {
          ref = std::move(c.entries);
          ref_tier = t.name;
        } else if (c.readable) {
          if (*ref != c.entries) {
            AuditBreak b;
            b.check = "storage";
            b.message = "the inventories of object " + id + " on tiers " + ref_tier + " and " +
                        t.name + " disagree (" + FirstDifference(*ref, c.entries) + ")";
            b.object = id;
            b.tier = t.name;
            disagree[list_tier[k]].push_back(std::move(b));
          }
        }
        CopyInfo& info = copies_[{t.name, id}];
        info.readable = c.readable;
        info.head = c.head;
        info.inventory_sha256 = std::move(c.inventory_sha256);
      }
      if (ref) reference_[id] = {ref_tier, EntriesSummary(*ref)};
      if (obj != objects_.end() && obj->first == id) {
        ObjFacts& f = obj->second;
        if (cp != nullptr && f.LiveAt(cp->seq)) {
          f.merkle_src = MerkleSource(id, f);
          if (f.merkle_src == kMerkleTombstone) {
            for (const auto& [p, d] : TombstoneEntries(f)) merkle_pre_.Add(id, p, d);
          } else if (f.merkle_src == kMerkleStored) {
            for (const auto& [p, d] : *ref) merkle_pre_.Add(id, p, d);
          }
        } else {
          f.merkle_src = kMerkleNotLive;
        }
        ++obj;
      }
    }
    for (auto& bucket : disagree) {
      for (auto& b : bucket) report_.breaks.push_back(std::move(b));
    }
  }

  // The entries of `id` on its reference tier, read again; nullopt when they no longer read.
  std::optional<Entries> ReadReference(const std::string& id) {
    auto it = reference_.find(id);
    if (it == reference_.end()) return std::nullopt;
    TierView* t = FindTier(it->second.tier);
    if (t == nullptr || !t->ok) return std::nullopt;
    StoredCopy c = ReadCopy(*t, id);
    if (!c.readable) return std::nullopt;
    return std::move(c.entries);
  }

  static std::string FirstDifference(const Entries& a, const Entries& b) {
    for (const auto& [p, d] : a) {
      auto it = b.find(p);
      if (it == b.end()) return "path " + p + " only in the first";
      if (it->second != d) return "path " + p + ": " + d + " vs " + it->second;
    }
    for (const auto& [p, d] : b) {
      if (!a.count(p)) return "path " + p + " only in the second";
    }
    return "no difference";
  }

  // 4c/4d. Storage against the log; content of every copy the log expects.
  // Whether the log explains a copy of `id` on `tier` (it places one there).
  bool Placed(const std::string& id, const std::string& tier) const {
    auto it = objects_.find(id);
    return it != objects_.end() && it->second.ingested() && it->second.deletion_seq == 0 &&
           it->second.tiers.count(tier) > 0;
  }

  void CheckStorage() {
    bool unexplained = false;
    for (const auto& t : tiers_) {
      for (const auto& [id, path] : t.listed) unexplained = unexplained || !Placed(id, t.name);
    }
    if (unexplained) CatchUp();
    for (auto& t : tiers_) {
      if (!t.ok) continue;
      for (const auto& [id, path] : t.listed) {
        auto place = [&](AuditBreak& b) {
          b.object = id;
          b.tier = t.name;
          b.path = path;
        };
        auto it = objects_.find(id);
        if (it == objects_.end() || !it->second.ingested()) {
          place(Add("storage", "object " + id + " on tier " + t.name + " has no ingestion event"));
          continue;
        }
        const ObjFacts& f = it->second;
        if (f.deletion_seq != 0) {
          AuditBreak& b = Add("storage", "object " + id + " was destroyed by batch " +
                                             f.deletion_batch + " at seq " +
                                             std::to_string(f.deletion_seq) +
                                             " but is still stored on tier " + t.name);
          place(b);
          b.seq = f.deletion_seq;
          continue;
        }
        if (!f.tiers.count(t.name)) {
          auto mv = f.moved_from.find(t.name);
          AuditBreak& b =
              Add("storage", mv != f.moved_from.end()
                                 ? "object " + id + " is still on tier " + t.name +
                                       " after its move away at seq " + std::to_string(mv->second) +
                                       " (removal pending?)"
                                 : "object " + id + " is stored on tier " + t.name +
                                       ", where the log places no copy");
          place(b);
          if (mv != f.moved_from.end()) b.seq = mv->second;
        }
        const CopyInfo& c = copies_[{t.name, id}];
        if (!f.inventory_sha256.empty() && c.readable && c.head != f.head) {
          AuditBreak& b = Add("storage", "object " + id + " on tier " + t.name + " is at " +
                                             c.head + ", but the log's last version is " + f.head +
                                             " (seq " + std::to_string(f.inventory_seq) + ")");
          place(b);
          b.path = path + "/inventory.json";
          b.seq = f.inventory_seq;
        } else if (!f.inventory_sha256.empty() && c.readable &&
                   c.inventory_sha256 != f.inventory_sha256) {
          AuditBreak& b = Add("storage", "inventory of object " + id + " on tier " + t.name +
                                             " differs from the one logged for " + f.head +
                                             " (seq " + std::to_string(f.inventory_seq) +
                                             "): sha256 " + c.inventory_sha256 + ", logged " +
                                             f.inventory_sha256);
          place(b);
          b.path = path + "/inventory.json";
          b.seq = f.inventory_seq;
        }
      }
    }
    for (const auto& [id, f] : objects_) {
      if (!f.live() || f.deaccession_seq != 0) continue;  // destruction under way: copies go
      for (const auto& [tier_name, seq] : f.tiers) {
        TierView* t = FindTier(tier_name);
        if (t == nullptr) {
          AuditBreak& b = Add("storage", "the log places object " + id + " on tier " + tier_name +
                                             ", which is not configured");
          b.object = id;
          b.tier = tier_name;
          b.seq = seq;
          continue;
        }
        if (!t->ok) continue;  // reported once for the tier
        if (!t->listed.count(id)) {
          if (seq > listed_head_) continue;  // logged after the tier was listed (daemon running)
          AuditBreak& b = Add("storage", "object " + id + " missing from tier " + tier_name);
          b.object = id;
          b.tier = tier_name;
          b.path = store::OcflStore::ObjectPath(id);
          b.seq = seq;
          continue;
        }
        VerifyCopy(*t, id);
      }
    }
  }

  void VerifyCopy(const TierView& t, const std::string& id) {
    store::VerifyOptions vo;
    vo.mode = opt_.check_content ? store::CheckMode::kFull : store::CheckMode::kSizeOnly;
    if (opt_.check_content) {
      // The object's files are hashed on every core by the fixity HashPool (per-thread buffers
      // and hashers, page cache left as it was found), as `vaultctl verify --all` does.
      if (!pool_) {
        fixity::HashPool::Options po;
        po.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        pool_ = std::make_unique<fixity::HashPool>(po);
        hasher_ = pool_->AsContentHasher(nullptr);
      }
      vo.hasher = &hasher_;
    }
    store::VerifyStats stats;
    auto findings = t.store->VerifyObject(id, vo, &stats);
    ++report_.checked.copies;
    report_.checked.files += stats.files_checked;
    if (!findings.ok()) {
      AuditBreak& b = Add("content", "copy of object " + id + " on tier " + t.name +
                                         " could not be checked: " +
                                         findings.status().ToString());
      b.object = id;
      b.tier = t.name;
      return;
    }
    for (const auto& fd : *findings) {
      std::string msg = std::string(FindingKindName(fd.kind)) + " in object " + id + " on tier " +
                        t.name + ": " + fd.path;
      if (!fd.expected.empty() || !fd.actual.empty()) {
        msg += " (expected " + (fd.expected.empty() ? "-" : fd.expected) + ", found " +
               (fd.actual.empty() ? "-" : fd.actual) + ")";
      }
      AuditBreak& b = Add("content", msg);
      b.object = id;
      b.tier = t.name;
      b.path = fd.path;
    }
  }

  // 5. The catalog.
  void OpenCatalog() {
    std::error_code ec;
    fs::path dir = home_ / "catalog";
    if (!fs::exists(dir / "data.mdb", ec)) {
      AuditBreak& b = Add("catalog", "catalog unreadable: no LMDB environment in " + dir.string());
      b.path = dir.string();
      return;
    }
    auto cat = catalog::Catalog::Open(dir);
    if (!cat.ok()) {
      AuditBreak& b = Add("catalog", "catalog unreadable: " + cat.status().ToString());
      b.path = dir.string();
      return;
    }
    catalog_ = std::move(*cat);
  }

  void CheckCatalog() {
    if (!catalog_) return;
    bool caught_up = false;
    auto catch_up_once = [&] {
      if (!caught_up) CatchUp();
      caught_up = true;
    };
    auto unreadable = [&](const Status& s) {
      AuditBreak& b = Add("catalog", "catalog unreadable: " + s.ToString());
      b.path = (home_ / "catalog").string();
    };
    auto last_or = catalog_->LastAppliedSeq();
    if (!last_or.ok()) return unreadable(last_or.status());
    const uint64_t last = *last_or;
    if (last > head_seq_) catch_up_once();
    if (last > head_seq_) {
      AuditBreak& b = Add("catalog", "the catalog has applied the log up to seq " +
                                         std::to_string(last) + ", beyond its last event " +
                                         std::to_string(head_seq_) + " (log truncated?)");
      b.seq = last;
    }
    // The catalog's objects, a page at a time (only their ids are kept).
    std::set<std::string> in_catalog;
    std::string after;
    constexpr size_t kPage = 512;
    while (true) {
      auto page = catalog_->ListObjects(after, kPage);
      if (!page.ok()) return unreadable(page.status());
      for (const auto& o : *page) {
        if (!CheckCatalogObject(o, last, catch_up_once, unreadable)) return;
        in_catalog.insert(o.id);
      }
      if (page->size() < kPage) break;
      after = page->back().id;
    }
    for (const auto& [id, f] : objects_) {
      if (f.LiveAt(last) && !in_catalog.count(id)) {
        AuditBreak& b = Add("catalog", "object " + id + " (ingested at seq " +
                                           std::to_string(f.ingest_seq) +
                                           ") is missing from the catalog");
        b.object = id;
        b.seq = f.ingest_seq;
      }
    }
  }

  // One catalog object against the log and its stored inventory; false when the catalog became
  // unreadable (reported).
  template <typename CatchUpFn, typename UnreadableFn>
  bool CheckCatalogObject(const catalog::ObjectRecord& o, uint64_t last, CatchUpFn& catch_up_once,
                          UnreadableFn& unreadable) {
    {
      auto it = objects_.find(o.id);
      if (it == objects_.end() || !it->second.ingested()) {
        catch_up_once();
        it = objects_.find(o.id);
      }
      if (it == objects_.end() || !it->second.ingested()) {
        AuditBreak& b =
            Add("catalog", "catalog object " + o.id + " has no ingestion event in the log");
        b.object = o.id;
        return true;
      }
      const ObjFacts& f = it->second;
      if (f.deletion_seq != 0 && f.deletion_seq <= last) {
        AuditBreak& b = Add("catalog", "catalog still holds object " + o.id +
                                           ", destroyed at seq " + std::to_string(f.deletion_seq));
        b.object = o.id;
        b.seq = f.deletion_seq;
        return true;
      }
      auto files = catalog_->ListFiles(o.id);
      if (!files.ok()) {
        unreadable(files.status());
        return false;
      }
      Entries cat_entries;
      for (const auto& fr : *files) cat_entries[fr.path] = fr.sha256;
      const std::string cat_summary = EntriesSummary(cat_entries);
      catalog_summary_[o.id] = cat_summary;
      auto ref = reference_.find(o.id);
      if (ref == reference_.end()) return true;  // not stored anywhere readable: storage says so
      if (ref->second.summary == cat_summary) return true;
      const std::string& tier = ref->second.tier;
      auto stored_or = ReadReference(o.id);
      if (!stored_or) return true;  // no longer readable: nothing to compare
      const Entries& stored = *stored_or;
      for (const auto& [p, d] : cat_entries) {
        auto s = stored.find(p);
        AuditBreak* b = nullptr;
        if (s == stored.end()) {
          b = &Add("catalog", "the catalog lists " + p + " in object " + o.id +
                                  ", which its inventory on tier " + tier + " does not");
        } else if (s->second != d) {
          b = &Add("catalog", "the catalog records sha256 " + d + " for " + p + " in object " +
                                  o.id + ", the inventory on tier " + tier + " has " + s->second);
        }
        if (b) {
          b->object = o.id;
          b->tier = tier;
          b->path = p;
        }
      }
      for (const auto& [p, d] : stored) {
        if (cat_entries.count(p)) continue;
        AuditBreak& b = Add("catalog", "the inventory of object " + o.id + " on tier " + tier +
                                           " lists " + p + ", which the catalog does not");
        b.object = o.id;
        b.tier = tier;
        b.path = p;
      }
    }
    return true;
  }

  const checkpoint::Checkpoint* LatestCheckpoint() const {
    const checkpoint::Checkpoint* latest = nullptr;
    for (const auto& l : cp_lines_) {
      if (l.checkpoint) latest = &*l.checkpoint;
    }
    return latest;
  }

  static bool HasTombstoneFiles(const ObjFacts& f) {
    return f.deaccession_seq != 0 && f.tombstone.is_object() && f.tombstone.contains("files") &&
           f.tombstone["files"].is_array();
  }

  static Entries TombstoneEntries(const ObjFacts& f) {
    Entries e;
    for (const auto& file : f.tombstone["files"]) e[Str(file, "path")] = Str(file, "sha256");
    return e;
  }

  // Where the entries an object had at the checkpoint come from: its tombstone once destroyed
  // (or being destroyed), else its stored (reference) inventory, else unknown.
  uint8_t MerkleSource(const std::string& id, const ObjFacts& f) const {
    if (HasTombstoneFiles(f)) return kMerkleTombstone;
    if (reference_.count(id)) return kMerkleStored;
    return kMerkleUnknown;
  }

  // The entries used for `id` (source kMerkleTombstone or kMerkleStored), read again.
  std::optional<Entries> MerkleEntries(const std::string& id, const ObjFacts& f) {
    if (f.merkle_src == kMerkleTombstone) return TombstoneEntries(f);
    if (f.merkle_src == kMerkleStored) return ReadReference(id);
    return std::nullopt;
  }

  // 2c. The latest checkpoint's Merkle root, recomputed from the storage at its seq.
  void CheckMerkle() {
    const checkpoint::CheckpointLineRead* latest = nullptr;
    for (const auto& l : cp_lines_) {
      if (l.checkpoint) latest = &l;
    }
    if (latest == nullptr) return;
    const checkpoint::Checkpoint& c = *latest->checkpoint;
    auto place = [&](AuditBreak& b) {
      b.segment = checkpoint::kCheckpointsFile;
      b.line = latest->line;
      b.seq = c.seq;
    };
    // The builder fed while the tiers were scanned holds the right entries unless the log's
    // facts changed since (events read by CatchUp): then the entries are read again.
    bool current = true;
    for (const auto& [id, f] : objects_) {
      const uint8_t src = f.LiveAt(c.seq) ? MerkleSource(id, f) : kMerkleNotLive;
      if (src != f.merkle_src) {
        current = false;
        break;
      }
    }
    if (!current) {
      merkle_pre_ = checkpoint::MerkleBuilder();
      for (auto& [id, f] : objects_) {  // std::map: byte order of ids
        f.merkle_src = f.LiveAt(c.seq) ? MerkleSource(id, f) : kMerkleNotLive;
        if (f.merkle_src == kMerkleNotLive || f.merkle_src == kMerkleUnknown) continue;
        auto e = MerkleEntries(id, f);
        if (!e) {
          f.merkle_src = kMerkleUnknown;
          continue;
        }
        for (const auto& [p, d] : *e) merkle_pre_.Add(id, p, d);
      }
    }
    const checkpoint::MerkleBuilder& builder = merkle_pre_;
    uint64_t objects = 0;
    bool unknown = false;
    for (const auto& [id, f] : objects_) {  // std::map: byte order of ids
      if (f.merkle_src == kMerkleNotLive) continue;
      ++objects;
      if (f.merkle_src == kMerkleUnknown) {
        unknown = true;
        AuditBreak& b = Add("checkpoint.merkle",
                            "cannot recompute the entries of object " + id +
                                ": no readable inventory on any tier and no tombstone");
        place(b);
        b.object = id;
      }
    }
    const std::string root = builder.Root();
    if (root == c.merkle_root && builder.entries() == c.entries && objects == c.objects) return;
    if (!unknown || root != c.merkle_root) {
      AuditBreak& b = Add(
          "checkpoint.merkle",
          "the checkpoint at seq " + std::to_string(c.seq) + " has merkle_root " + c.merkle_root +
              " (" + std::to_string(c.entries) + " entries, " + std::to_string(c.objects) +
              " objects); recomputed from storage: " + root + " (" +
              std::to_string(builder.entries()) + " entries, " + std::to_string(objects) +
              " objects)");
      place(b);
    }
    if (!catalog_) return;
    // Name the objects whose stored entries differ from the catalog's.
    for (const auto& [id, f] : objects_) {
      if (f.merkle_src != kMerkleTombstone && f.merkle_src != kMerkleStored) continue;
      auto ce = catalog_summary_.find(id);
      if (ce == catalog_summary_.end()) continue;  // destroyed since, or the catalog lacks it
      const std::string used_summary = f.merkle_src == kMerkleTombstone
                                           ? EntriesSummary(TombstoneEntries(f))
                                           : reference_.at(id).summary;
      if (used_summary == ce->second) continue;
      auto stored = MerkleEntries(id, f);
      auto files = catalog_->ListFiles(id);
      if (!stored || !files.ok()) continue;  // no longer readable: nothing to name
      Entries cat_entries;
      for (const auto& fr : *files) cat_entries[fr.path] = fr.sha256;
      AuditBreak& b = Add("checkpoint.merkle", "the stored entries of object " + id +
                                                   " differ from the catalog's (" +
                                                   FirstDifference(cat_entries, *stored) + ")");
      place(b);
      b.object = id;
    }
  }

  // 6. Every deletion went through an approved disposal batch.
  void CheckDisposal() {
    const int offset = config_.fixity.utc_offset_hours;
    for (const auto& del : deletions_) {
      auto fail = [&](const std::string& why) {
        AuditBreak& b = Add("disposal", "deletion of object " + del.object + " at seq " +
                                            std::to_string(del.seq) + ": " + why);
        b.object = del.object;
        b.seq = del.seq;
        b.segment = del.segment;
        b.line = del.line;
      };
      auto bit = del.batch.empty() ? batches_.end() : batches_.find(del.batch);
      if (bit == batches_.end() || bit->second.propose_seq == 0 ||
          bit->second.propose_seq > del.seq) {
        fail(del.batch.empty() ? "names no disposal batch"
                               : "batch " + del.batch + " was never proposed before it");
      } else {
        const BatchFacts& b = bit->second;
        if (!b.objects.count(del.object)) {
          fail("the object is not in batch " + del.batch);
        }
        if (b.approve_seq == 0 || b.approve_seq > del.seq) {
          fail("batch " + del.batch + " was not approved before it");
        } else {
          if (b.approver == b.proposer) {
            fail("batch " + del.batch + " was approved by its proposer " + b.proposer);
          }
          if (b.decision.empty()) fail("the approval of batch " + del.batch + " has no decision");
          if (b.deadline.empty()) {
            fail("the approval of batch " + del.batch + " has no deadline");
          } else {
            std::string date = LocalDay(del.time, offset);
            if (date.empty() || date > b.deadline) {
              fail("done on " + (date.empty() ? "an unreadable date" : date) +
                   ", after the deadline " + b.deadline + " of batch " + del.batch);
            }
          }
        }
        if (b.cancel_seq != 0 && b.cancel_seq < del.seq) {
          fail("batch " + del.batch + " was cancelled at seq " + std::to_string(b.cancel_seq));
        }
      }
      for (const auto& [hold, h] : holds_) {
        if (h.object == del.object && h.place_seq != 0 && h.place_seq < del.seq &&
            (h.release_seq == 0 || h.release_seq > del.seq)) {
          fail("the object was on hold " + hold + " (placed at seq " +
               std::to_string(h.place_seq) + ")");
        }
      }
      auto oit = objects_.find(del.object);
      if (oit == objects_.end() || oit->second.deaccession_seq == 0 ||
          oit->second.deaccession_seq > del.seq) {
        fail("no deaccession event precedes it");
      }
      if (oit == objects_.end() || !oit->second.ingested()) {
        fail("the object has no ingestion event");
      }
    }
  }

  fs::path home_;
  AuditOptions opt_;
  daemon::Config config_;
  AuditReport report_;

  std::vector<checkpoint::CheckpointLineRead> cp_lines_;
  std::set<uint64_t> wanted_seqs_;
  std::map<uint64_t, std::string> seq_hash_;
  uint64_t head_seq_ = 0;
  uint64_t listed_head_ = 0;  // head_seq_ when the tiers were listed

  std::map<std::string, ObjFacts> objects_;
  std::map<std::string, BatchFacts> batches_;
  std::map<std::string, HoldFacts> holds_;
  std::vector<DeletionFact> deletions_;

  std::vector<TierView> tiers_;
  std::map<std::pair<std::string, std::string>, CopyInfo> copies_;  // (tier, id)
  std::map<std::string, RefInfo> reference_;  // id → reference tier and entries' summary
  checkpoint::MerkleBuilder merkle_pre_;      // the latest checkpoint's entries, fed while scanning

  std::unique_ptr<catalog::Catalog> catalog_;
  std::map<std::string, std::string> catalog_summary_;  // id → summary of the catalog's entries

  std::unique_ptr<fixity::HashPool> pool_;  // content hashing (created on first use)
  ContentHasher hasher_;
};

}  // namespace

Status ReadLogOffline(const fs::path& dir,
                      const std::function<bool(const eventlog::Event&, const std::string&,
                                               uint64_t)>& fn) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no event log at " + dir.string());
  std::vector<std::pair<uint64_t, fs::path>> segments;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto n = SegmentNumber(it->path().filename().string())) {
      segments.emplace_back(*n, it->path());
    }
  }
  if (ec) return Status::FromErrno(ec.value(), "list", dir.string());
  std::sort(segments.begin(), segments.end());
  for (const auto& [n, path] : segments) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IoError("cannot read " + path.string());
    const std::string seg = path.filename().string();
    std::string line;
    uint64_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (in.eof()) break;  // no '\n': a torn tail, not part of the log (VerifyChain says so)
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) continue;
      auto e = eventlog::EventFromJson(j);
      if (!e.ok()) continue;
      if (!fn(*e, seg, line_no)) return Status::Ok();
    }
    if (in.bad()) return Status::IoError("error reading " + path.string());
  }
  return Status::Ok();
}

Result<AuditReport> AuditVault(const fs::path& home, const AuditOptions& options) {
  std::error_code ec;
  fs::path abs = fs::absolute(home, ec);
  if (ec) abs = home;
  Auditor a(abs, options);
  return a.Run();
}

json ReportToJson(const AuditReport& r) {
  json breaks = json::array();
  for (const auto& b : r.breaks) {
    breaks.push_back({{"check", b.check},
                      {"object", b.object},
                      {"tier", b.tier},
                      {"path", b.path},
                      {"segment", b.segment},
                      {"seq", b.seq},
                      {"line", b.line},
                      {"message", b.message}});
  }
  return {{"intact", r.intact},
          {"breaks", breaks},
          {"checked",
           {{"events", r.checked.events},
            {"checkpoints", r.checked.checkpoints},
            {"objects", r.checked.objects},
            {"copies", r.checked.copies},
            {"files", r.checked.files}}}};
}

std::string FormatBreak(const AuditBreak& b) {
  std::string s = b.check;
  if (b.seq != 0) s += " seq " + std::to_string(b.seq);
  if (!b.segment.empty()) {
    s += " " + b.segment;
    if (b.line != 0) s += ":" + std::to_string(b.line);
  }
  if (!b.object.empty()) s += " object " + b.object;
  if (!b.tier.empty()) s += " tier " + b.tier;
  if (!b.path.empty()) s += " path " + b.path;
  return s + ": " + b.message;
}

}  // namespace vault::audit
