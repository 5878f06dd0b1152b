#include "vault/log/event_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <system_error>
#include <utility>

#include "vault/base/logging.h"
#include "vault/clib/crypto.h"

namespace vault::eventlog {
namespace {

using nlohmann::json;
namespace stdfs = std::filesystem;

constexpr std::string_view kComponent = "eventlog";
constexpr std::string_view kPrefix = "events-";
constexpr std::string_view kSuffix = ".jsonl";
constexpr size_t kReadChunk = 1 << 20;

std::optional<uint64_t> ParseSegmentNumber(std::string_view name) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() < 6 || digits.size() > 18) {
    return std::nullopt;
  }
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n == 0) {
    return std::nullopt;
  }
  return n;
}

struct Segment {
  uint64_t number;
  stdfs::path path;
};

// Segments in `dir`, ascending by number.
Result<std::vector<Segment>> ListSegments(const stdfs::path& dir) {
  std::vector<Segment> out;
  std::error_code ec;
  stdfs::directory_iterator it(dir, ec);
  if (ec) {
    return Status::FromErrno(ec.value(), "list", dir.string());
  }
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (auto n = ParseSegmentNumber(name)) {
      out.push_back(Segment{*n, entry.path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Segment& a, const Segment& b) { return a.number < b.number; });
  return out;
}

// Reads '\n'-terminated lines from a file in 1 MiB chunks (segments can be large).
class LineReader {
 public:
  static Result<LineReader> Open(const stdfs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::FromErrno(errno, "open", path.string());
    }
    return LineReader(ScopedFd(fd), path.string());
  }

  // Next line without its '\n'. Returns false at EOF. *terminated is false for a final line
  // that has no '\n' (a torn append, or one still being written).
  Result<bool> Next(std::string* line, bool* terminated) {
    for (;;) {
      size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        line_start_ = base_ + pos_;
        line->assign(buf_, pos_, nl - pos_);
        pos_ = nl + 1;
        *terminated = true;
        return true;
      }
      if (eof_) {
        if (pos_ >= buf_.size()) {
          return false;
        }
        line_start_ = base_ + pos_;
        line->assign(buf_, pos_, std::string::npos);
        pos_ = buf_.size();
        *terminated = false;
        return true;
      }
      base_ += pos_;
      buf_.erase(0, pos_);
      pos_ = 0;
      size_t old = buf_.size();
      buf_.resize(old + kReadChunk);
      ssize_t n;
      do {
        n = ::read(fd_.get(), buf_.data() + old, kReadChunk);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        return Status::FromErrno(errno, "read", path_);
      }
      buf_.resize(old + static_cast<size_t>(n));
      if (n == 0) {
        eof_ = true;
      }
    }
  }
  // Byte offset of the line last returned by Next.
  uint64_t line_start() const { return line_start_; }

 private:
  LineReader(ScopedFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  ScopedFd fd_;
  std::string path_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t base_ = 0;  // file offset of buf_[0]
  uint64_t line_start_ = 0;
  bool eof_ = false;
};

// Strict serialisation (throws on invalid UTF-8) turned into a Status.
Result<std::string> DumpStrict(const json& j) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("event is not valid UTF-8 JSON: ") + e.what());
  }
}

Result<std::string> CanonicalStrict(const Event& e) {
  json j = EventToJson(e);
  j.erase("hash");
  return DumpStrict(j);
}

// Parses one line into an Event; kCorruption when it is not a JSON event object.
Result<Event> ParseLine(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption("not JSON");
  }
  return EventFromJson(j);
}

std::string Preview(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 120)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (bytes.size() > 120) {
    out += "...";
  }
  return out;
}

Status TruncateDurable(const stdfs::path& path, uint64_t size) {
  ScopedFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return Status::FromErrno(errno, "open", path.string());
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    return Status::FromErrno(errno, "ftruncate", path.string());
  }
  CrashPoint("eventlog.open.truncated");
  if (::fsync(fd.get()) != 0) {
    return Status::FromErrno(errno, "fsync", path.string());
  }
  return fd.Close(path.string());
}

struct Tail {
  bool empty = true;
  Event last;
};

// Finds the last event of a segment, truncating a torn last line (no '\n', or not JSON) when
// `allow_truncate`. Only the final segment can hold a torn append: earlier segments were
// complete and fsynced before the log rolled past them, so a torn end there is corruption.
Result<Tail> RecoverTail(const stdfs::path& path, bool allow_truncate) {
  VAULT_ASSIGN_OR_RETURN(LineReader reader, LineReader::Open(path));
  // The last two complete lines and where they start; the torn remainder, if any.
  std::string line, last, before_last;
  uint64_t last_start = 0, before_last_start = 0, complete_end = 0;
  bool have_last = false, have_before_last = false;
  std::optional<uint64_t> torn_start;
  std::string torn;
  bool terminated = false;
  for (;;) {
    VAULT_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &terminated));
    if (!more) {
      break;
    }
    if (!terminated) {
      torn_start = reader.line_start();
      torn = line;
      break;
    }
    before_last = std::move(last);
    before_last_start = last_start;
    have_before_last = have_last;
    last = line;
    last_start = reader.line_start();
    have_last = true;
    complete_end = last_start + line.size() + 1;
  }

  uint64_t keep = torn_start ? *torn_start : complete_end;
  std::string dropped = torn;
  if (have_last) {
    json j = json::parse(last, nullptr, false);
    if (j.is_discarded()) {
      // A complete but unparseable last line: a torn write whose '\n' made it to disk.
      dropped = last + "\n" + torn;
      keep = last_start;
      last = std::move(before_last);
      last_start = before_last_start;
      have_last = have_before_last;
    }
  }
  if (keep != complete_end || torn_start) {
    if (!allow_truncate) {
      return Status::Corruption("event log " + path.string() +
                                " ends in an incomplete line at byte " + std::to_string(keep) +
                                " but is not the last segment; run `vaultctl audit verify`");
    }
    LogWarning(kComponent, "truncating torn tail of " + path.string() + " at byte " +
                               std::to_string(keep) + " (" + std::to_string(dropped.size()) +
                               " bytes never acknowledged): \"" + Preview(dropped) + "\"");
    VAULT_RETURN_IF_ERROR(TruncateDurable(path, keep));
  }
  Tail tail;
  if (!have_last) {
    return tail;
  }
  Result<Event> e = ParseLine(last);
  if (!e.ok()) {
    return Status::Corruption("event log " + path.string() + ": last event at byte " +
                              std::to_string(last_start) + " is not a valid event: " +
                              std::string(e.status().message()) + "; run `vaultctl audit verify`");
  }
  if (ComputeHash(*e) != e->hash) {
    return Status::Corruption("event log " + path.string() + ": last event (seq " +
                              std::to_string(e->seq) +
                              ") does not match its hash; run `vaultctl audit verify`");
  }
  tail.empty = false;
  tail.last = std::move(e).value();
  return tail;
}

Result<uint64_t> FirstSeq(const stdfs::path& path, bool* empty) {
  VAULT_ASSIGN_OR_RETURN(LineReader reader, LineReader::Open(path));
  std::string line;
  bool terminated = false;
  VAULT_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &terminated));
  *empty = !more || !terminated;
  if (*empty) {
    return uint64_t{0};
  }
  Result<Event> e = ParseLine(line);
  if (!e.ok()) {
    return Status::Corruption("event log " + path.string() +
                              " line 1: " + std::string(e.status().message()));
  }
  return e->seq;
}

Status GetStr(const json& j, const char* name, std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Status::Corruption(std::string("event field ") + name + " missing or not a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

std::string SegmentFileName(uint64_t number) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "events-%06llu.jsonl", static_cast<unsigned long long>(number));
  return buf;
}

const std::string& ZeroHash() {
  static const std::string kZero(64, '0');
  return kZero;
}

json EventToJson(const Event& e) {
  return json{{"seq", e.seq},       {"time", e.time},   {"type", e.type},
              {"object", e.object}, {"agent", e.agent}, {"outcome", e.outcome},
              {"detail", e.detail}, {"prev", e.prev},   {"hash", e.hash}};
}

std::string CanonicalForm(const Event& e) {
  json j = EventToJson(e);
  j.erase("hash");
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ComputeHash(const Event& e) { return Sha256Hex(CanonicalForm(e)); }

Result<Event> EventFromJson(const json& j) {
  if (!j.is_object()) {
    return Status::Corruption("event is not a JSON object");
  }
  Event e;
  auto seq = j.find("seq");
  if (seq == j.end() || !seq->is_number_unsigned()) {
    return Status::Corruption("event field seq missing or not an unsigned integer");
  }
  e.seq = seq->get<uint64_t>();
  VAULT_RETURN_IF_ERROR(GetStr(j, "time", &e.time));
  VAULT_RETURN_IF_ERROR(GetStr(j, "type", &e.type));
  VAULT_RETURN_IF_ERROR(GetStr(j, "object", &e.object));
  VAULT_RETURN_IF_ERROR(GetStr(j, "agent", &e.agent));
  VAULT_RETURN_IF_ERROR(GetStr(j, "outcome", &e.outcome));
  VAULT_RETURN_IF_ERROR(GetStr(j, "prev", &e.prev));
  VAULT_RETURN_IF_ERROR(GetStr(j, "hash", &e.hash));
  auto detail = j.find("detail");
  if (detail == j.end()) {
    return Status::Corruption("event field detail missing");
  }
  e.detail = *detail;
  return e;
}

EventLog::EventLog(stdfs::path dir, Clock& clock, uint64_t segment_bytes)
    : dir_(std::move(dir)), clock_(clock), segment_bytes_(segment_bytes) {}

EventLog::~EventLog() = default;

Result<std::unique_ptr<EventLog>> EventLog::Open(const stdfs::path& dir, Clock& clock,
                                                 uint64_t segment_bytes) {
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(dir));
  std::unique_ptr<EventLog> log(new EventLog(dir, clock, std::max<uint64_t>(segment_bytes, 1)));

  // One writer per log: a second EventLog (or process) on the same dir is refused.
  stdfs::path lock_path = dir / "LOCK";
  log->lock_fd_ = ScopedFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (!log->lock_fd_.valid()) {
    return Status::FromErrno(errno, "open", lock_path.string());
  }
  if (::flock(log->lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::Unavailable("event log " + dir.string() + " is already open (LOCK held)");
    }
    return Status::FromErrno(errno, "flock", lock_path.string());
  }

  VAULT_ASSIGN_OR_RETURN(std::vector<Segment> segments, ListSegments(dir));
  // The head is the last event of the last non-empty segment (segments after it can only be
  // empty: a batch is written after its segment was created).
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    VAULT_ASSIGN_OR_RETURN(Tail tail, RecoverTail(it->path, it == segments.rbegin()));
    if (!tail.empty) {
      log->head_seq_ = tail.last.seq;
      log->head_hash_ = tail.last.hash;
      break;
    }
  }

  stdfs::path seg_path;
  if (segments.empty()) {
    log->seg_number_ = 1;
    seg_path = dir / SegmentFileName(1);
  } else {
    log->seg_number_ = segments.back().number;
    seg_path = segments.back().path;
  }
  log->seg_fd_ =
      ScopedFd(::open(seg_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!log->seg_fd_.valid()) {
    return Status::FromErrno(errno, "open", seg_path.string());
  }
  if (segments.empty()) {
    CrashPoint("eventlog.segment.created");
    VAULT_RETURN_IF_ERROR(FsyncDir(dir));
  }
  struct stat st {};
  if (::fstat(log->seg_fd_.get(), &st) != 0) {
    return Status::FromErrno(errno, "fstat", seg_path.string());
  }
  log->seg_size_ = static_cast<uint64_t>(st.st_size);
  return log;
}

Status EventLog::RollSegmentLocked() {
  uint64_t next = seg_number_ + 1;
  stdfs::path path = dir_ / SegmentFileName(next);
  ScopedFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    return Status::FromErrno(errno, "create segment", path.string());
  }
  CrashPoint("eventlog.segment.created");
  VAULT_RETURN_IF_ERROR(FsyncDir(dir_));
  CrashPoint("eventlog.segment.dir_synced");
  seg_fd_ = std::move(fd);
  seg_number_ = next;
  seg_size_ = 0;
  return Status::Ok();
}

Result<std::vector<Event>> EventLog::Append(std::vector<EventDraft> drafts) {
  std::vector<Event> events;
  if (drafts.empty()) {
    return events;
  }
  for (const EventDraft& d : drafts) {
    if (d.type.empty()) {
      return Status::InvalidArgument("event type is empty");
    }
  }
  std::lock_guard lock(mu_);
  if (!broken_.ok()) {
    return Status(broken_).WithContext("event log refuses appends after an I/O error");
  }

  const std::string time = FormatIso8601(clock_.Now());
  uint64_t seq = head_seq_;
  std::string prev = head_hash_.empty() ? ZeroHash() : head_hash_;
  std::string buf;
  events.reserve(drafts.size());
  for (EventDraft& d : drafts) {
    Event e;
    e.seq = ++seq;
    e.time = time;
    e.type = std::move(d.type);
    e.object = std::move(d.object);
    e.agent = std::move(d.agent);
    e.outcome = std::move(d.outcome);
    e.detail = std::move(d.detail);
    e.prev = prev;
    VAULT_ASSIGN_OR_RETURN(std::string canonical, CanonicalStrict(e));
    e.hash = Sha256Hex(canonical);
    VAULT_ASSIGN_OR_RETURN(std::string line, DumpStrict(EventToJson(e)));
    buf += line;
    buf.push_back('\n');
    prev = e.hash;
    events.push_back(std::move(e));
  }

  // A batch never spans segments, so one write(2) carries it whole.
  if (seg_size_ > 0 && seg_size_ + buf.size() > segment_bytes_) {
    VAULT_RETURN_IF_ERROR(RollSegmentLocked());
  }
  const std::string seg_name = (dir_ / SegmentFileName(seg_number_)).string();
  CrashPoint("eventlog.append.before_write");
  if (Status s = WriteAll(seg_fd_.get(), buf, seg_name); !s.ok()) {
    // Undo a partial write so the file ends on a line boundary; if that fails, stop appending.
    if (::ftruncate(seg_fd_.get(), static_cast<off_t>(seg_size_)) != 0) {
      broken_ = s;
    }
    return s;
  }
  CrashPoint("eventlog.append.before_fsync");
  if (::fdatasync(seg_fd_.get()) != 0) {
    // After a failed fsync the kernel may have dropped the dirty pages: nothing about the
    // file can be trusted any more until it is reopened (and its tail re-read).
    broken_ = Status::FromErrno(errno, "fdatasync", seg_name);
    return broken_;
  }
  CrashPoint("eventlog.append.after_fsync");
  seg_size_ += buf.size();
  head_seq_ = events.back().seq;
  head_hash_ = events.back().hash;
  return events;
}

uint64_t EventLog::head_seq() const {
  std::lock_guard lock(mu_);
  return head_seq_;
}

std::string EventLog::head_hash() const {
  std::lock_guard lock(mu_);
  return head_hash_;
}

Status EventLog::ReadFrom(uint64_t after, const std::function<bool(const Event&)>& fn) const {
  uint64_t head = head_seq();
  if (after >= head) {
    return Status::Ok();
  }
  VAULT_ASSIGN_OR_RETURN(std::vector<Segment> segments, ListSegments(dir_));
  // Start at the last segment whose first event is <= after + 1.
  size_t start = 0;
  for (size_t i = segments.size(); i-- > 0;) {
    bool empty = false;
    VAULT_ASSIGN_OR_RETURN(uint64_t first, FirstSeq(segments[i].path, &empty));
    if (!empty && first <= after + 1) {
      start = i;
      break;
    }
  }
  uint64_t expected = after + 1;
  std::string line;
  bool terminated = false;
  for (size_t i = start; i < segments.size(); ++i) {
    VAULT_ASSIGN_OR_RETURN(LineReader reader, LineReader::Open(segments[i].path));
    uint64_t line_no = 0;
    for (;;) {
      VAULT_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &terminated));
      if (!more || !terminated) {
        break;  // an unterminated line is an append in progress
      }
      ++line_no;
      const std::string where =
          segments[i].path.filename().string() + ":" + std::to_string(line_no);
      Result<Event> e = ParseLine(line);
      if (!e.ok()) {
        return std::move(e).status().WithContext("event log " + where);
      }
      if (e->seq < expected) {
        continue;
      }
      if (e->seq > expected) {
        return Status::Corruption("event log " + where + ": sequence gap: expected seq " +
                                  std::to_string(expected) + ", found " + std::to_string(e->seq));
      }
      if (ComputeHash(*e) != e->hash) {
        return Status::Corruption("event log " + where + ": hash mismatch at seq " +
                                  std::to_string(e->seq));
      }
      if (!fn(*e)) {
        return Status::Ok();
      }
      if (e->seq == head) {
        return Status::Ok();
      }
      ++expected;
    }
  }
  return Status::Corruption("event log ended at seq " + std::to_string(expected - 1) +
                            " before its head " + std::to_string(head));
}

Result<std::vector<ChainBreak>> EventLog::VerifyChain(const stdfs::path& dir) {
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) {
    return Status::NotFound("event log directory " + dir.string());
  }
  VAULT_ASSIGN_OR_RETURN(std::vector<Segment> segments, ListSegments(dir));
  std::vector<ChainBreak> breaks;
  uint64_t expected = 1;
  std::string prev_hash = ZeroHash();  // "" = unknown (after an unparseable line)
  std::string line;
  bool terminated = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string seg = segments[i].path.filename().string();
    VAULT_ASSIGN_OR_RETURN(LineReader reader, LineReader::Open(segments[i].path));
    uint64_t line_no = 0;
    for (;;) {
      VAULT_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &terminated));
      if (!more) {
        break;
      }
      ++line_no;
      if (!terminated) {
        breaks.push_back({expected, seg, line_no, "torn tail",
                          std::to_string(line.size()) + " bytes without a final newline"});
        break;
      }
      Result<Event> parsed = ParseLine(line);
      if (!parsed.ok()) {
        breaks.push_back(
            {expected, seg, line_no, "unparseable line", std::string(parsed.status().message())});
        ++expected;
        prev_hash.clear();
        continue;
      }
      const Event& e = *parsed;
      if (std::string h = ComputeHash(e); h != e.hash) {
        breaks.push_back(
            {e.seq, seg, line_no, "hash mismatch", "stored " + e.hash + ", computed " + h});
      }
      if (e.seq > expected) {
        breaks.push_back(
            {e.seq, seg, line_no, "sequence gap",
             "expected seq " + std::to_string(expected) + ", found " + std::to_string(e.seq)});
        expected = e.seq + 1;
        prev_hash = e.hash;
      } else if (e.seq < expected) {
        breaks.push_back(
            {e.seq, seg, line_no, "sequence out of order",
             "expected seq " + std::to_string(expected) + ", found " + std::to_string(e.seq)});
      } else {
        if (!prev_hash.empty() && e.prev != prev_hash) {
          breaks.push_back({e.seq, seg, line_no, "prev does not link",
                            "prev " + e.prev + ", previous event's hash " + prev_hash});
        }
        ++expected;
        prev_hash = e.hash;
      }
    }
  }
  return breaks;
}

}  // namespace vault::eventlog
