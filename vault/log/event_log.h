// The event log: append-only, hash-chained history of everything the vault does (PREMIS
// events). It is the vault's history AND its write-ahead log (DESIGN.md §3): content is written
// first, then events are appended here (durable on return), then the LMDB catalog commits and
// records the last applied sequence number. On start the daemon replays events beyond it.
//
// On-disk format (stable; other tools read it):
//   <dir>/events-000001.jsonl, events-000002.jsonl, ...   segments, numbered from 1, 6+ digits
//   Each segment is JSON Lines: one event per line, '\n'-terminated, UTF-8. A line is the event
//   as a compact JSON object with keys sorted:
//     {"agent":…,"detail":…,"hash":…,"object":…,"outcome":…,"prev":…,"seq":N,"time":…,"type":…}
//   seq starts at 1 and increases by exactly 1 across segments. A batch never spans segments.
//   hash = lower-case hex SHA-256 of CanonicalForm(event): the same object WITHOUT "hash",
//   keys sorted, compact, not ASCII-escaped (nlohmann dump(), ensure_ascii=false).
//   prev = hash of the previous event; 64 '0' for seq 1.
//   <dir>/LOCK   flock()ed by the one open EventLog (one writer per log).
//
// Crash behaviour: Append writes a whole batch with one write(2) and fdatasync()s before
// returning; nothing is acknowledged before that. A crash mid-append can leave a torn last
// line; Open() truncates it (logging a warning with the bytes dropped). A last line that is
// complete JSON is never removed, even if its hash is wrong: that is tampering or corruption,
// and Open() then fails with kCorruption rather than silently destroying evidence.
// After an I/O error on write or fsync the log refuses further appends (kIoError) until it is
// reopened (after fsync failure the page cache can no longer be trusted).
//
// Threading: EventLog is thread-safe. Append calls are serialised; ReadFrom may run
// concurrently with Append and sees events up to the head at the time it was called.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vault/base/clock.h"
#include "vault/base/fs.h"
#include "vault/base/status.h"

namespace vault::eventlog {

// What a caller wants recorded. type = PREMIS event type ("ingestion", "deletion", "fixity
// check", ...); object = object id or "" for vault-wide events; agent = who/what did it;
// outcome = "success" | "failure"; detail = free JSON (must be valid UTF-8).
struct EventDraft {
  std::string type;
  std::string object;
  std::string agent;
  std::string outcome;
  nlohmann::json detail;
};

struct Event {
  uint64_t seq = 0;
  std::string time;  // FormatIso8601 of the append
  std::string type;
  std::string object;
  std::string agent;
  std::string outcome;
  nlohmann::json detail;
  std::string prev;  // previous event's hash; 64 zeros for seq 1
  std::string hash;  // Sha256Hex(CanonicalForm(*this))
};

// 64 '0' characters: the prev of the first event.
const std::string& ZeroHash();

// The bytes that are hashed (see the file comment). Never throws: invalid UTF-8 in a string is
// replaced by U+FFFD (Append rejects such drafts before they get here).
std::string CanonicalForm(const Event& e);
// Sha256Hex(CanonicalForm(e)).
std::string ComputeHash(const Event& e);
nlohmann::json EventToJson(const Event& e);
// kCorruption when a field is missing or has the wrong type.
Result<Event> EventFromJson(const nlohmann::json& j);

// One problem found by VerifyChain. seq is the event's seq (for an unparseable line: the seq
// that was expected there). line is 1-based within `segment` (a file name).
// problem is one of:
//   "unparseable line"       not a JSON event object
//   "torn tail"              the last line of the last segment has no '\n' (crash mid-append)
//   "hash mismatch"          stored hash != sha256(canonical form): the event was edited
//   "sequence gap"           seq is larger than expected: events are missing before it
//   "sequence out of order"  seq is smaller than expected: duplicated or reordered line
//   "prev does not link"     seq is in order but prev != the previous event's hash
// Only one of the sequence/prev problems is reported per line (a sequence problem implies the
// link is broken too); an out-of-order line does not become the new link target.
struct ChainBreak {
  uint64_t seq = 0;
  std::string segment;
  uint64_t line = 0;
  std::string problem;
  std::string detail;  // human-readable specifics ("expected seq 4, found 6")
};

class EventLog {
 public:
  // Opens (creating `dir` and the first segment if needed) the log in `dir`. Rolls to a new
  // segment when the current one is non-empty and the next batch would take it past
  // `segment_bytes` (default 64 MiB). Finds the head by reading only the last non-empty
  // segment; truncates a torn last line (see the file comment). `clock` must outlive the log.
  // Errors: kPermissionDenied/kIoError from the file system; kUnavailable if another EventLog
  // holds the LOCK; kCorruption when the tail is complete but not a valid event.
  static Result<std::unique_ptr<EventLog>> Open(const std::filesystem::path& dir, Clock& clock,
                                                uint64_t segment_bytes = 64ull << 20);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  EventLog(EventLog&&) = delete;
  EventLog& operator=(EventLog&&) = delete;

  // Assigns seq, time (one FormatIso8601(clock.Now()) per batch), prev and hash; appends all
  // drafts with one write and fdatasync before returning: durable on return. Returns the
  // events as written. An empty batch is a no-op. kInvalidArgument for a draft with invalid
  // UTF-8 or an empty type. Thread-safe.
  Result<std::vector<Event>> Append(std::vector<EventDraft> drafts);

  // seq/hash of the last appended event; 0 and "" for an empty log.
  uint64_t head_seq() const;
  std::string head_hash() const;

  // Calls fn for each event with seq > after, in order, up to the head at the time of the
  // call; fn returns false to stop. Locates the start segment by its first line, so replay
  // from near the head reads little. kCorruption on an unparseable line or a sequence gap.
  Status ReadFrom(uint64_t after, const std::function<bool(const Event&)>& fn) const;

  // Checks the whole chain from the first segment: seq continuity, prev links, each hash.
  // For offline use (audit verify, no daemon); takes no lock and writes nothing. Returns the
  // breaks found (empty = intact); a Status error only when the log can't be read at all
  // (kNotFound when `dir` does not exist).
  static Result<std::vector<ChainBreak>> VerifyChain(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  EventLog(std::filesystem::path dir, Clock& clock, uint64_t segment_bytes);
  Status RollSegmentLocked();

  const std::filesystem::path dir_;
  Clock& clock_;
  const uint64_t segment_bytes_;
  ScopedFd lock_fd_;  // flock()ed LOCK file

  mutable std::mutex mu_;  // guards everything below
  ScopedFd seg_fd_;        // current (last) segment, O_APPEND
  uint64_t seg_number_ = 0;
  uint64_t seg_size_ = 0;
  uint64_t head_seq_ = 0;
  std::string head_hash_;
  Status broken_;  // non-OK after a failed write/fsync: appends refused
};

// "events-000001.jsonl" for 1.
std::string SegmentFileName(uint64_t number);

}  // namespace vault::eventlog
