#include "vault/fixity/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "vault/base/ids.h"
#include "vault/base/logging.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::fixity {
namespace {

using nlohmann::json;

constexpr std::string_view kComponent = "fixity";
constexpr size_t kMaxFindingsInEvent = 50;
constexpr size_t kMaxProblemsInPass = 1000;
// Bytes charged for a copy whose check read (almost) nothing (size-only): metadata reads.
constexpr uint64_t kMinChargeBytes = 64 * 1024;

int64_t NowMs(Clock& c) { return ToUnixMillis(c.Now()); }

std::string UtcStamp(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm_utc {};
  gmtime_r(&secs, &tm_utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02dZ", tm_utc.tm_year + 1900,
                tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec);
  return buf;
}

// Paths come from whatever is found on disk: escaped, so that a hostile name can never make the
// event log (strict UTF-8) refuse the record.
json FindingJson(const Finding& f) {
  json j{{"kind", FindingKindName(f.kind)}, {"path", EscapeInvalidUtf8(f.path)}};
  if (!f.expected.empty())
    j["expected"] = f.expected;
  if (!f.actual.empty())
    j["actual"] = f.actual;
  return j;
}

json FindingsJson(const std::vector<Finding>& fs) {
  json a = json::array();
  for (size_t i = 0; i < fs.size() && i < kMaxFindingsInEvent; ++i)
    a.push_back(FindingJson(fs[i]));
  return a;
}

uint64_t U64(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}
int64_t I64(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

json PassProgress::ToJson() const {
  json f = json::object();
  uint64_t total = 0;
  for (const auto& [k, n] : findings) {
    f[k] = n;
    total += n;
  }
  json j{{"id", id},
         {"state", state},
         {"started_ms", started_ms},
         {"finished_ms", finished_ms},
         {"copies_total", copies_total},
         {"copies_done", copies_done},
         {"bytes_total", bytes_total},
         {"bytes_done", bytes_done},
         {"files_done", files_done},
         {"findings_total", total},
         {"findings", f},
         {"damaged_copies", damaged_copies},
         {"repaired_copies", repaired_copies},
         {"unrepaired_copies", unrepaired_copies},
         {"problems", problems}};
  if (!error.empty())
    j["error"] = error;
  return j;
}

// Per-tier scheduler state. slice_mu serialises slices of the tier; cycle_mu guards `cycle`
// (also updated by passes) and makes each persisted snapshot the latest one.
struct Fixity::TierState {
  std::mutex slice_mu;
  double tokens = 0;
  int64_t plan_ms = 0;
  std::mutex cycle_mu;
  json cycle;  // persisted as catalog state "fixity/<tier>"; null until loaded
  std::unique_ptr<RateLimiter> cap;  // the tier's max_read_mb_s; null = none
  // Snapshot for Status(), guarded by Fixity::mu_.
  policies::RateEstimator::Plan plan;
  bool in_window = true;
};

struct Fixity::Pass {
  mutable std::mutex mu;
  PassProgress p;
};

Fixity::ObjectLock::ObjectLock(Fixity& f, std::string id) : f_(f), id_(std::move(id)) {
  std::unique_lock lk(f_.mu_);
  f_.busy_cv_.wait(lk, [&] { return f_.busy_.count(id_) == 0; });
  f_.busy_.insert(id_);
}

Fixity::ObjectLock::~ObjectLock() {
  {
    std::lock_guard lk(f_.mu_);
    f_.busy_.erase(id_);
  }
  f_.busy_cv_.notify_all();
}

bool Fixity::stopping() {
  std::lock_guard lk(bg_mu_);
  return stop_;
}

Fixity::Fixity(Env env) : env_(std::move(env)) {
  int threads = env_.pool ? env_.pool->threads() : 1;
  concurrency_ = env_.object_concurrency > 0 ? env_.object_concurrency : std::max(2, 2 * threads);
  for (const auto& t : env_.tiers) {
    auto st = std::make_unique<TierState>();
    if (t.policy.max_read_bytes_s > 0 && env_.realtime_limits) {
      st->cap = std::make_unique<RateLimiter>(t.policy.max_read_bytes_s);
    }
    states_.emplace(t.name, std::move(st));
  }
}

Fixity::~Fixity() { Stop(); }

const TierSetup* Fixity::FindTier(const std::string& name) const {
  for (const auto& t : env_.tiers) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

Fixity::TierState& Fixity::State(const std::string& tier) {
  std::lock_guard lk(mu_);
  return *states_.at(tier);
}

Status Fixity::Record(std::vector<eventlog::EventDraft> drafts) {
  auto r = env_.commit(std::move(drafts));
  if (!r.ok()) {
    LogError(kComponent, "cannot record: " + r.status().ToString());
    return r.status();
  }
  return Status::Ok();
}

Result<CopyResult> Fixity::CheckCopy(const std::string& tier, const std::string& object_id,
                                     RateLimiter* limiter, bool lock_held) {
  const TierSetup* t = FindTier(tier);
  if (t == nullptr)
    return Status::NotFound("no tier '" + tier + "'");
  std::optional<ObjectLock> lock;
  if (!lock_held)
    lock.emplace(*this, object_id);
  catalog::WriteBatch routine;
  VAULT_ASSIGN_OR_RETURN(CopyResult r, CheckCopyLocked(*t, object_id, limiter, 0, &routine));
  // Applied while the object is still held: nothing can move or re-record it in between.
  VAULT_RETURN_IF_ERROR(env_.catalog->Apply(routine));
  return r;
}

Result<CopyResult> Fixity::CheckCopyLocked(const TierSetup& t, const std::string& object_id,
                                           RateLimiter* limiter, int depth,
                                           catalog::WriteBatch* routine) {
  VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(object_id));
  std::optional<catalog::CopyRecord> copy;
  for (auto& c : copies) {
    if (c.tier == t.name)
      copy = c;
  }
  if (!copy)
    return Status::NotFound("object " + object_id + " has no copy on tier " + t.name);
  CopyResult r;
  r.object_id = object_id;
  r.tier = t.name;
  r.state_before = copy->state;
  r.last_verified_before = copy->last_verified_ms;
  ContentHasher hasher;
  store::VerifyOptions vo;
  vo.mode = t.mode;
  if (env_.pool) {
    hasher = env_.pool->AsContentHasher(limiter);
    vo.hasher = &hasher;
  }
  store::VerifyStats vs;
  VAULT_ASSIGN_OR_RETURN(std::vector<Finding> findings, t.store->VerifyObject(object_id, vo, &vs));
  r.files = vs.files_checked;
  r.bytes = vs.bytes_hashed;
  for (const auto& f : findings) {
    if (f.kind != FindingKind::kMissingObject)
      continue;
    // A whole object missing is believable only on a tier that is there: an unmounted disk
    // shows an empty directory, and "repairing" every object onto the bare mount point would
    // fill the wrong file system.
    auto root = t.store->tier().Stat(std::string(ocfl::kRootNamaste));
    if (!root.ok()) {
      return Status::Unavailable("tier " + t.name + " looks unmounted or gone (" +
                                 std::string(ocfl::kRootNamaste) +
                                 " missing): not checking or repairing on it");
    }
  }
  if (env_.observer)
    env_.observer->OnCopyVerified(t.name, r.files, r.bytes);

  auto detail = [&](const std::string& state) {
    return json{{"tier", t.name},
                {"state", state},
                {"version", copy->version},
                {"bytes", copy->bytes},
                {"previous", copy->state}};
  };
  if (findings.empty()) {
    r.state_after = "ok";
    if (copy->state != "ok") {
      // Found good again (repaired by hand, or a transient read error): a state change.
      VAULT_RETURN_IF_ERROR(
          Record({{"fixity check", object_id, env_.agent, "success", detail("ok")}}));
    } else {
      routine->TouchCopy(object_id, t.name, "ok", NowMs(*env_.clock));
    }
    return r;
  }

  // An approved destruction under way (possibly stopped by an error): its copies are being
  // purged; what is missing must not be recorded or repaired back. Only damaged copies are
  // looked up: a healthy copy costs no catalog read.
  if (auto obj = env_.catalog->GetObject(object_id);
      obj.ok() && *obj && (*obj)->review == "destroying") {
    r.state_after = copy->state;
    return r;
  }
  for (const auto& f : findings) {
    if (env_.observer)
      env_.observer->OnFinding(t.name, f.kind);
  }
  r.findings = findings;
  if (copy->state == "ok") {
    json d = detail("damaged");
    d["findings"] = FindingsJson(findings);
    d["findings_total"] = findings.size();
    LogWarning(kComponent,
               "copy of " + object_id + " on " + t.name +
                   " is damaged: " + std::to_string(findings.size()) + " finding(s), first: " +
                   std::string(FindingKindName(findings[0].kind)) + " " + findings[0].path);
    VAULT_RETURN_IF_ERROR(Record({{"fixity check", object_id, env_.agent, "failure", d}}));
  }
  Status rs = Repair(t, object_id, findings, r, depth);
  if (!rs.ok())
    r.repair_error = rs.ToString();
  r.state_after = r.repaired ? "ok" : "damaged";
  if (!r.repaired && copy->state != "ok") {
    // Still damaged, as it was: no state change, no event; the copy was checked now.
    routine->TouchCopy(object_id, t.name, copy->state, NowMs(*env_.clock));
  }
  return r;
}

Status Fixity::Repair(const TierSetup& t, const std::string& object_id,
                      std::vector<Finding> findings, CopyResult& r, int depth) {
  VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(object_id));
  // Sources: copies in state ok first, then damaged ones — a damaged copy may still hold good
  // bytes of exactly the files this one lost, and RepairFrom checks every byte it takes
  // against the expected digest, so a bad source can never make things worse.
  std::vector<std::pair<const TierSetup*, bool /*ok*/>> sources;
  for (const char* want : {"ok", "damaged"}) {
    for (const auto& cand : env_.tiers) {
      if (cand.name == t.name)
        continue;
      for (const auto& c : copies) {
        if (c.tier == cand.name && c.state == want)
          sources.emplace_back(&cand, c.state == "ok");
      }
    }
  }
  if (sources.empty()) {
    r.repair_error = "no good copy on another tier";
    LogError(kComponent, "object " + object_id + ": copy on " + t.name +
                             " is damaged and no other tier holds a good copy");
    if (env_.observer)
      env_.observer->OnRepair(t.name, "no_good_copy");
    return Status::Ok();
  }
  const int64_t now = NowMs(*env_.clock);
  for (const auto& [src, src_ok] : sources) {
    std::filesystem::path attic =
        env_.attic / t.name / (UtcStamp(now) + "-" + Sha256Hex(object_id).substr(0, 16));
    std::error_code ec;
    for (int n = 2; std::filesystem::exists(attic, ec); ++n) {
      attic = env_.attic / t.name /
              (UtcStamp(now) + "-" + Sha256Hex(object_id).substr(0, 16) + "-" + std::to_string(n));
    }
    auto rep = t.store->RepairFrom(*src->store, object_id, findings, attic, env_.work);
    if (!rep.ok()) {
      r.repair_error = rep.status().ToString();
      LogWarning(kComponent, "repair of " + object_id + " on " + t.name + " from " + src->name +
                                 " failed: " + rep.status().ToString());
      if (rep.status().code() == Code::kCorruption && depth == 0 && src_ok) {
        // The source is bad too: check it now, so that its state is recorded (and it gets
        // repaired from a third copy if there is one).
        catalog::WriteBatch routine;
        auto sr = CheckCopyLocked(*src, object_id, nullptr, depth + 1, &routine);
        if (sr.ok())
          (void)env_.catalog->Apply(routine);
      }
      continue;
    }
    store::VerifyOptions vo;
    ContentHasher hasher;
    if (env_.pool) {
      hasher = env_.pool->AsContentHasher(nullptr);
      vo.hasher = &hasher;
    }
    VAULT_ASSIGN_OR_RETURN(std::vector<Finding> again, t.store->VerifyObject(object_id, vo));
    if (!again.empty()) {
      r.repair_error = "still damaged after repair from " + src->name + ": " +
                       std::string(FindingKindName(again[0].kind)) + " " + again[0].path;
      LogError(kComponent, "object " + object_id + " on " + t.name + ": " + r.repair_error);
      findings = std::move(again);
      continue;
    }
    json moved = json::array(), restored = json::array();
    for (const auto& p : rep->moved_aside)
      moved.push_back(EscapeInvalidUtf8(p));
    for (const auto& p : rep->restored)
      restored.push_back(EscapeInvalidUtf8(p));
    json d{
        {"tier", t.name},       {"state", "ok"},           {"source", src->name},
        {"version", ""},        {"bytes", uint64_t{0}},    {"moved_aside", moved},
        {"restored", restored}, {"attic", attic.string()}, {"findings", FindingsJson(r.findings)}};
    for (const auto& c : copies) {
      if (c.tier == t.name) {
        d["version"] = c.version;
        d["bytes"] = c.bytes;
      }
    }
    VAULT_RETURN_IF_ERROR(Record({{"recovery", object_id, env_.agent, "success", d}}));
    LogInfo(kComponent, "repaired " + object_id + " on " + t.name + " from " + src->name + " (" +
                            std::to_string(rep->restored.size()) + " restored, " +
                            std::to_string(rep->moved_aside.size()) + " moved aside to " +
                            attic.string() + ")");
    r.repaired = true;
    r.repair_source = src->name;
    if (env_.observer)
      env_.observer->OnRepair(t.name, "repaired");
    return Status::Ok();
  }
  if (env_.observer)
    env_.observer->OnRepair(t.name, "failed");
  return Status::Ok();
}

std::vector<Result<CopyResult>> Fixity::CheckMany(const TierSetup& t,
                                                  const std::vector<std::string>& ids,
                                                  RateLimiter* limiter,
                                                  catalog::WriteBatch* routine) {
  std::vector<Result<CopyResult>> out(ids.size(), Result<CopyResult>(Status::Internal("not run")));
  std::vector<catalog::WriteBatch> routines(ids.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < ids.size(); i = next++) {
      ObjectLock lock(*this, ids[i]);
      try {
        out[i] = CheckCopyLocked(t, ids[i], limiter, 0, &routines[i]);
      } catch (const std::exception& e) {
        out[i] = Status::Internal(std::string("exception: ") + e.what());
      }
    }
  };
  size_t n = std::min<size_t>(ids.size(), static_cast<size_t>(concurrency_));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i)
    threads.emplace_back(work);
  work();
  for (auto& th : threads)
    th.join();
  for (auto& b : routines)
    routine->Append(b);
  return out;
}

Result<json> Fixity::LoadCycle(const std::string& tier) {
  VAULT_ASSIGN_OR_RETURN(auto v, env_.catalog->GetState("fixity/" + tier));
  if (v && v->is_object())
    return *v;
  return json{{"cycle", 0}, {"started_ms", 0}};
}

namespace {
// Starts cycle n+1 at `now` over every copy the tier holds.
json NewCycle(const json& prev, int64_t now, const catalog::TierStats& ts) {
  return json{{"cycle", U64(prev, "cycle") + 1},
              {"started_ms", now},
              {"copies_total", ts.copies()},
              {"bytes_total", ts.bytes},
              {"copies_done", 0},
              {"bytes_done", 0},
              {"findings", json::object()},
              {"damaged", 0},
              {"repaired", 0},
              {"last_end_ms", I64(prev, "last_end_ms")}};
}

// Counts a checked copy into the cycle (when it belonged to the cycle: last verified before the
// cycle started).
void CountIntoCycle(json& cycle, int64_t last_verified_before, const CopyResult& r) {
  if (last_verified_before >= I64(cycle, "started_ms"))
    return;
  cycle["copies_done"] = U64(cycle, "copies_done") + 1;
  cycle["bytes_done"] = U64(cycle, "bytes_done") + r.bytes;
  if (!r.findings.empty()) {
    cycle["damaged"] = U64(cycle, "damaged") + 1;
    if (r.repaired)
      cycle["repaired"] = U64(cycle, "repaired") + 1;
    json& f = cycle["findings"];
    if (!f.is_object())
      f = json::object();
    for (const auto& fd : r.findings) {
      std::string k(FindingKindName(fd.kind));
      f[k] = U64(f, k.c_str()) + 1;
    }
  }
}
}  // namespace

Result<policies::RateEstimator::Plan> Fixity::PlanRate(const std::string& tier) {
  const TierSetup* t = FindTier(tier);
  if (t == nullptr)
    return Status::NotFound("no tier '" + tier + "'");
  const int64_t now = NowMs(*env_.clock);
  policies::RateEstimator est(t->policy, now);
  std::optional<catalog::QueuedCopy> after;
  for (;;) {
    VAULT_ASSIGN_OR_RETURN(
        auto page, env_.catalog->ListVerifyQueue(tier, INT64_MAX, 4096, after ? &*after : nullptr));
    // A copy costs at least its metadata reads: an empty object still needs checking.
    for (const auto& q : page)
      est.Add(q.last_verified_ms, std::max(q.bytes, kMinChargeBytes));
    if (page.size() < 4096)
      break;
    after = page.back();
  }
  return est.Finish();
}

Result<Fixity::SliceReport> Fixity::RunSlice(const std::string& tier, double seconds) {
  const TierSetup* t = FindTier(tier);
  if (t == nullptr)
    return Status::NotFound("no tier '" + tier + "'");
  TierState& st = State(tier);
  std::lock_guard slice(st.slice_mu);
  SliceReport rep;
  const int64_t now = NowMs(*env_.clock);
  // Re-plan every replan interval (a streaming pass over the tier's queue), else reuse.
  policies::RateEstimator::Plan plan;
  if (st.plan_ms == 0 || now - st.plan_ms >= replan_ms_ || now < st.plan_ms) {
    VAULT_ASSIGN_OR_RETURN(plan, PlanRate(tier));
    st.plan_ms = now;
  } else {
    std::lock_guard lk(mu_);
    plan = st.plan;
  }
  const bool in_window = policies::InWindow(t->policy, now);
  {
    std::lock_guard lk(mu_);
    st.plan = plan;
    st.in_window = in_window;
  }
  rep.rate = plan.bytes_per_s;
  if (passes_running_.load() > 0 || !in_window)
    return rep;

  // Budget: the planned rate over the slice; unused budget is kept for at most one minute of
  // reading (idle time does not turn into a burst).
  const double add = plan.bytes_per_s * seconds;
  st.tokens = std::min(st.tokens + add, std::max(add, plan.bytes_per_s * 60.0));

  int64_t cycle_start = 0;
  {
    std::lock_guard lk(st.cycle_mu);
    if (st.cycle.is_null()) {
      VAULT_ASSIGN_OR_RETURN(st.cycle, LoadCycle(tier));
    }
    if (I64(st.cycle, "started_ms") == 0) {
      VAULT_ASSIGN_OR_RETURN(auto ts, env_.catalog->GetTierStats());
      st.cycle = NewCycle(st.cycle, now, ts[tier]);
      catalog::WriteBatch b;
      b.PutState("fixity/" + tier, st.cycle);
      VAULT_RETURN_IF_ERROR(env_.catalog->Apply(b));
    }
    cycle_start = I64(st.cycle, "started_ms");
  }

  std::optional<catalog::QueuedCopy> after;
  while (st.tokens > 0 && !stopping()) {
    VAULT_ASSIGN_OR_RETURN(auto queue, env_.catalog->ListVerifyQueue(
                                           tier, cycle_start, static_cast<size_t>(concurrency_),
                                           after ? &*after : nullptr));
    if (queue.empty() && after) {
      // Every copy after the last one checked is done. Copies before it that are still in
      // the cycle failed to check in this slice: leave them for the next one.
      VAULT_ASSIGN_OR_RETURN(auto left, env_.catalog->ListVerifyQueue(tier, cycle_start, 1));
      if (!left.empty())
        break;
    }
    if (queue.empty()) {
      // Cycle complete: one summary event when it verified anything, then the next cycle —
      // only once the summary is in the log (else the next slice tries again).
      std::lock_guard lk(st.cycle_mu);
      json done = st.cycle;
      if (U64(done, "copies_done") > 0) {
        json d = done;
        d["tier"] = tier;
        d["ended_ms"] = now;
        d["started"] = FormatIso8601(TimePoint(std::chrono::milliseconds(I64(done, "started_ms"))));
        d.erase("last_end_ms");
        const bool clean = U64(done, "damaged") == U64(done, "repaired");
        VAULT_RETURN_IF_ERROR(
            Record({{"fixity check", "", env_.agent, clean ? "success" : "failure", d}}));
        LogInfo(kComponent, "cycle " + std::to_string(U64(done, "cycle")) + " of tier " + tier +
                                " complete: " + std::to_string(U64(done, "copies_done")) +
                                " copies, " + std::to_string(U64(done, "damaged")) + " damaged, " +
                                std::to_string(U64(done, "repaired")) + " repaired");
        if (env_.observer)
          env_.observer->OnCycleCompleted(tier);
      }
      VAULT_ASSIGN_OR_RETURN(auto ts, env_.catalog->GetTierStats());
      json next = NewCycle(done, now, ts[tier]);
      if (U64(done, "copies_done") > 0)
        next["last_end_ms"] = now;
      catalog::WriteBatch b;
      b.PutState("fixity/" + tier, next);
      VAULT_RETURN_IF_ERROR(env_.catalog->Apply(b));
      st.cycle = next;
      rep.cycle_completed = true;
      break;
    }
    // As many as the budget covers (at least one).
    std::vector<std::string> ids;
    std::vector<uint64_t> queued_bytes;
    double planned = 0;
    for (const auto& q : queue) {
      if (!ids.empty() && planned + static_cast<double>(q.bytes) > st.tokens)
        break;
      ids.push_back(q.object_id);
      queued_bytes.push_back(q.bytes);
      planned += static_cast<double>(q.bytes);
    }
    after = queue[ids.size() - 1];
    catalog::WriteBatch routine;
    auto results = CheckMany(*t, ids, st.cap.get(), &routine);
    std::lock_guard lk(st.cycle_mu);
    for (size_t i = 0; i < results.size(); ++i) {
      // Every copy costs at least its queued size, checked or not (a size-only check reads
      // little but still counts as the copy's verification; a failed one must not spin).
      uint64_t charge = std::max<uint64_t>(queued_bytes[i], kMinChargeBytes);
      if (!results[i].ok()) {
        LogError(kComponent,
                 "cannot check " + ids[i] + " on " + tier + ": " + results[i].status().ToString());
        st.tokens -= static_cast<double>(charge);
        continue;
      }
      const CopyResult& r = *results[i];
      st.tokens -= static_cast<double>(std::max(r.bytes, charge));
      rep.copies += 1;
      rep.bytes += r.bytes;
      CountIntoCycle(st.cycle, r.last_verified_before, r);
    }
    // The new timestamps and the cycle's progress in one transaction.
    routine.PutState("fixity/" + tier, st.cycle);
    VAULT_RETURN_IF_ERROR(env_.catalog->Apply(routine));
    bool any_unavailable = false;
    for (const auto& r : results)
      any_unavailable = any_unavailable || (!r.ok() && r.status().code() == Code::kUnavailable);
    if (any_unavailable)
      break;  // an unmounted tier: wait for the next tick
  }
  return rep;
}

void Fixity::Start(double tick_seconds, double replan_seconds) {
  std::lock_guard lk(bg_mu_);
  if (bg_.joinable())
    return;
  replan_ms_ = static_cast<int64_t>(replan_seconds * 1000);
  stop_ = false;
  bg_ = std::thread(
      [this, tick_seconds, replan_seconds] { BackgroundLoop(tick_seconds, replan_seconds); });
}

void Fixity::Stop() {
  {
    std::lock_guard lk(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  {
    std::lock_guard lk(mu_);
    for (auto& [name, st] : states_) {
      if (st->cap)
        st->cap->Cancel();
    }
  }
  if (bg_.joinable())
    bg_.join();
  std::vector<std::thread> passes;
  {
    std::lock_guard lk(bg_mu_);
    passes.swap(pass_threads_);
  }
  for (auto& th : passes)
    th.join();
}

void Fixity::BackgroundLoop(double tick_seconds, double /*replan_seconds*/) {
  auto last = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lk(bg_mu_);
      bg_cv_.wait_for(lk, std::chrono::duration<double>(tick_seconds), [&] { return stop_; });
      if (stop_)
        return;
    }
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - last).count();
    last = now;
    for (const auto& t : env_.tiers) {
      {
        std::lock_guard lk(bg_mu_);
        if (stop_)
          return;
      }
      try {
        auto r = RunSlice(t.name, elapsed);
        if (!r.ok())
          LogError(kComponent, "scheduler on " + t.name + ": " + r.status().ToString());
      } catch (const std::exception& e) {
        LogError(kComponent, "scheduler on " + t.name + ": unexpected exception: " + e.what());
      }
    }
  }
}

Result<std::string> Fixity::StartPass(std::vector<std::string> object_ids) {
  auto pass = std::make_shared<Pass>();
  pass->p.id = "fx-" + RandomHex(8);
  pass->p.started_ms = NowMs(*env_.clock);
  std::lock_guard lk(bg_mu_);
  if (stop_)
    return Status::Unavailable("the daemon is stopping");
  {
    std::lock_guard lk2(mu_);
    passes_[pass->p.id] = pass;
  }
  ++passes_running_;
  pass_threads_.emplace_back([this, pass, ids = std::move(object_ids)]() mutable {
    try {
      RunPass(pass, std::move(ids));
    } catch (const std::exception& e) {
      LogError(kComponent, "pass " + pass->p.id + ": unexpected exception: " + e.what());
      std::lock_guard plk(pass->mu);
      pass->p.state = "failed";
      pass->p.error = std::string("unexpected exception: ") + e.what();
      --passes_running_;
    }
  });
  return pass->p.id;
}

std::optional<PassProgress> Fixity::GetPass(const std::string& id) const {
  std::shared_ptr<Pass> pass;
  {
    std::lock_guard lk(mu_);
    auto it = passes_.find(id);
    if (it == passes_.end())
      return std::nullopt;
    pass = it->second;
  }
  std::lock_guard lk(pass->mu);
  return pass->p;
}

void Fixity::RunPass(std::shared_ptr<Pass> pass, std::vector<std::string> object_ids) {
  const int64_t snapshot = pass->p.started_ms + 1;  // copies verified up to the start
  // Totals first, so that progress has a denominator.
  std::map<std::string, std::vector<std::string>> explicit_ids;  // tier → objects
  uint64_t copies_total = 0, bytes_total = 0;
  Status failure;
  for (const auto& t : env_.tiers)
    explicit_ids[t.name];  // every key exists before threads start
  if (!object_ids.empty()) {
    for (const auto& id : object_ids) {
      auto copies = env_.catalog->ListCopies(id);
      if (!copies.ok()) {
        failure = copies.status();
        break;
      }
      for (const auto& c : *copies) {
        if (!FindTier(c.tier))
          continue;
        explicit_ids[c.tier].push_back(id);
        ++copies_total;
        bytes_total += c.bytes;
      }
    }
  } else {
    for (const auto& t : env_.tiers) {
      auto n = env_.catalog->CountVerifyQueueBefore(t.name, snapshot);
      if (n.ok())
        copies_total += *n;
    }
    if (auto ts = env_.catalog->GetTierStats(); ts.ok()) {
      for (const auto& [name, s] : *ts)
        bytes_total += s.bytes;
    }
  }
  {
    std::lock_guard lk(pass->mu);
    pass->p.copies_total = copies_total;
    pass->p.bytes_total = bytes_total;
  }

  auto account = [&](const TierSetup& t, const std::vector<std::string>& ids,
                     std::vector<Result<CopyResult>>& results, catalog::WriteBatch& routine) {
    TierState& st = State(t.name);
    {
      // The new timestamps, and the tier's cycle progress (a pass checks copies of the cycle
      // too), in one transaction.
      std::lock_guard lk(st.cycle_mu);
      if (!st.cycle.is_null()) {
        for (size_t i = 0; i < results.size(); ++i) {
          if (results[i].ok())
            CountIntoCycle(st.cycle, results[i]->last_verified_before, *results[i]);
        }
        routine.PutState("fixity/" + t.name, st.cycle);
      }
      if (Status s = env_.catalog->Apply(routine); !s.ok()) {
        LogError(kComponent, "cannot record verification times: " + s.ToString());
      }
    }
    std::lock_guard lk(pass->mu);
    PassProgress& p = pass->p;
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok()) {
        if (p.error.empty())
          p.error = ids[i] + " on " + t.name + ": " + results[i].status().ToString();
        continue;
      }
      const CopyResult& r = *results[i];
      p.copies_done += 1;
      p.bytes_done += r.bytes;
      p.files_done += r.files;
      if (r.findings.empty())
        continue;
      p.damaged_copies += 1;
      if (r.repaired) {
        p.repaired_copies += 1;
      } else {
        p.unrepaired_copies += 1;
      }
      for (const auto& f : r.findings)
        p.findings[std::string(FindingKindName(f.kind))] += 1;
      if (p.problems.size() < kMaxProblemsInPass) {
        json fj = json::array();
        for (size_t k = 0; k < r.findings.size() && k < 20; ++k)
          fj.push_back(FindingJson(r.findings[k]));
        json prob{{"object_id", r.object_id}, {"tier", r.tier},
                  {"findings", fj},           {"findings_total", r.findings.size()},
                  {"repaired", r.repaired},   {"state", r.state_after}};
        if (r.repaired)
          prob["repair_source"] = r.repair_source;
        if (!r.repair_error.empty() && !r.repaired)
          prob["repair_error"] = r.repair_error;
        p.problems.push_back(std::move(prob));
      }
    }
  };

  // Tiers run side by side (independent media), sharing the hashing threads.
  std::vector<std::thread> per_tier;
  for (const auto& t : env_.tiers) {
    if (!failure.ok())
      break;
    per_tier.emplace_back([&, tp = &t] {
      const TierSetup& tier = *tp;
      RateLimiter* cap = State(tier.name).cap.get();
      if (!object_ids.empty()) {
        const auto& ids = explicit_ids[tier.name];
        for (size_t off = 0; off < ids.size(); off += static_cast<size_t>(concurrency_)) {
          std::vector<std::string> chunk(
              ids.begin() + static_cast<ptrdiff_t>(off),
              ids.begin() + static_cast<ptrdiff_t>(
                                std::min(ids.size(), off + static_cast<size_t>(concurrency_))));
          catalog::WriteBatch routine;
          auto results = CheckMany(tier, chunk, cap, &routine);
          account(tier, chunk, results, routine);
        }
        return;
      }
      std::optional<catalog::QueuedCopy> after;
      for (;;) {
        {
          std::lock_guard lk(bg_mu_);
          if (stop_)
            return;
        }
        auto queue = env_.catalog->ListVerifyQueue(
            tier.name, snapshot, static_cast<size_t>(concurrency_) * 4, after ? &*after : nullptr);
        if (!queue.ok()) {
          std::lock_guard lk(pass->mu);
          pass->p.error = queue.status().ToString();
          return;
        }
        if (queue->empty())
          return;
        after = queue->back();
        std::vector<std::string> ids;
        for (const auto& q : *queue)
          ids.push_back(q.object_id);
        catalog::WriteBatch routine;
        auto results = CheckMany(tier, ids, cap, &routine);
        account(tier, ids, results, routine);
      }
    });
  }
  for (auto& th : per_tier)
    th.join();
  {
    std::lock_guard lk(pass->mu);
    pass->p.finished_ms = NowMs(*env_.clock);
    if (!failure.ok()) {
      pass->p.state = "failed";
      pass->p.error = failure.ToString();
    } else {
      bool stopped = false;
      {
        std::lock_guard lk2(bg_mu_);
        stopped = stop_;
      }
      // "done" only when every copy was checked; a copy that could not be (tier unreadable)
      // makes the pass "failed", with the first such error.
      pass->p.state = stopped || !pass->p.error.empty() ? "failed" : "done";
      if (stopped && pass->p.error.empty())
        pass->p.error = "the daemon stopped during the pass";
    }
    LogInfo(kComponent, "pass " + pass->p.id + " " + pass->p.state + ": " +
                            std::to_string(pass->p.copies_done) + " copies, " +
                            std::to_string(pass->p.bytes_done) + " bytes, " +
                            std::to_string(pass->p.damaged_copies) + " damaged, " +
                            std::to_string(pass->p.repaired_copies) + " repaired");
  }
  --passes_running_;
}

std::vector<TierStatus> Fixity::TierStatuses() const {
  std::vector<TierStatus> out;
  for (const auto& t : env_.tiers) {
    TierStatus s;
    s.tier = t.name;
    s.period_s = t.policy.period_s;
    TierState* st = nullptr;
    {
      std::lock_guard lk(mu_);
      st = states_.at(t.name).get();
      s.plan = st->plan;
      s.in_window = st->in_window;
    }
    std::lock_guard lk(st->cycle_mu);
    if (st->cycle.is_object()) {
      s.cycle = U64(st->cycle, "cycle");
      s.cycle_started_ms = I64(st->cycle, "started_ms");
      s.last_cycle_end_ms = I64(st->cycle, "last_end_ms");
      s.cycle_copies_total = U64(st->cycle, "copies_total");
      s.cycle_copies_done = U64(st->cycle, "copies_done");
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vault::fixity
