#include "vault/lifecycle/retention_executor.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "formats/reports/reports.h"
#include "vault/base/fs.h"
#include "vault/base/ids.h"
#include "vault/base/logging.h"
#include "vault/base/unicode.h"
#include "vault/clib/crypto.h"

namespace vault::lifecycle {

using nlohmann::json;

namespace {

constexpr char kComponent[] = "retention";
constexpr size_t kMaxBatchObjects = 10000;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int Int(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// The policies::Retention an object's recorded retention_info describes.
std::optional<policies::Retention> RetentionOf(const json& info) {
  if (!info.is_object() || !info.contains("kind")) return std::nullopt;
  policies::Retention r;
  r.rule = Str(info, "rule");
  std::string kind = Str(info, "kind");
  if (kind == "permanent") {
    r.kind = policies::RetentionKind::kPermanent;
  } else if (kind == "event") {
    r.kind = policies::RetentionKind::kEvent;
  } else if (kind == "years") {
    r.kind = policies::RetentionKind::kYears;
  } else {
    return std::nullopt;
  }
  r.years = Int(info, "years");
  r.end_year = Int(info, "end_year");
  r.maintenance = Str(info, "maintenance");
  return r;
}

// The retention as a rule, for LongerThan comparisons.
policies::RetentionRule AsRule(const policies::Retention& r) {
  policies::RetentionRule rule;
  rule.id = r.rule;
  rule.kind = r.kind;
  rule.years = r.years;
  rule.maintenance = r.maintenance;
  return rule;
}

// The ids of an object's active holds, as a JSON array.
json HoldIds(const std::map<std::string, std::vector<json>>& holds, const std::string& id) {
  json ids = json::array();
  if (auto it = holds.find(id); it != holds.end()) {
    for (const auto& h : it->second) ids.push_back(Str(h, "hold"));
  }
  return ids;
}

Verdict BadRequest(const std::string& msg) {
  return Verdict::Refuse(Status::InvalidArgument(msg), "api.bad_request");
}
Verdict NotFound(const std::string& msg) {
  return Verdict::Refuse(Status::NotFound(msg), "api.not_found");
}
Verdict Conflict(const std::string& rule, const std::string& msg) {
  return Verdict::Refuse(Status::FailedPrecondition(msg), rule);
}
Verdict Failed(const Status& s) { return Verdict::Refuse(s, "internal"); }

bool ValidText(const std::string& s, size_t max = 4096) {
  return !s.empty() && s.size() <= max && IsValidUtf8(s);
}

}  // namespace

RetentionExecutor::RetentionExecutor(RetentionEnv env) : env_(std::move(env)) {}

LocalDate RetentionExecutor::Today() const {
  return LocalDateOf(env_.clock->Now(), env_.utc_offset_hours);
}

Verdict RetentionExecutor::LogRefusal(const std::string& type, const std::string& object,
                                      json detail, const std::string& agent, Verdict v) {
  detail["rule"] = v.rule;
  detail["reason"] = std::string(v.status.message());
  auto r = env_.commit({{type, object, agent, "failure", std::move(detail)}});
  if (!r.ok()) LogError(kComponent, "could not log a refusal: " + r.status().ToString());
  LogWarning(kComponent, "refused (" + v.rule + ") for " + agent + ": " + std::string(v.status.message()));
  return v;
}

void RetentionExecutor::RefuseWrite(const std::string& object_id, const std::string& via,
                                    const std::string& agent) {
  Verdict v = Verdict::Refuse(
      Status::PermissionDenied(
          "Lưu trữ chỉ ghi một lần: không thể xoá hay ghi đè tài liệu ngoài quy trình hủy đã được "
          "duyệt / write once: stored objects are never deleted or overwritten outside an "
          "approved disposal"),
      "write_once.refused");
  // Ids from a request may be anything: only a plausible one is recorded as the object.
  std::string obj = object_id.size() <= 256 && IsValidUtf8(object_id) ? object_id : "";
  json detail = {{"via", IsValidUtf8(via) ? via : std::string("(invalid UTF-8)")}, {"target", obj}};
  // A stored object's own history shows the attempt.
  bool known = false;
  if (!obj.empty()) {
    auto o = env_.catalog->GetObject(obj);
    known = o.ok() && o->has_value();
  }
  LogRefusal("deletion", known ? obj : "", std::move(detail), agent, v);
}

Result<RetentionExecutor::HoldMap> RetentionExecutor::HoldsByObject() const {
  VAULT_ASSIGN_OR_RETURN(auto holds, env_.catalog->ListRecords("hold/"));
  HoldMap out;
  for (auto& [k, h] : holds) out[Str(h, "object")].push_back(std::move(h));
  return out;
}

Verdict RetentionExecutor::Sweep(const std::string& agent) {
  std::lock_guard lock(mu_);
  const LocalDate today = Today();
  uint64_t newly = 0;
  std::vector<eventlog::EventDraft> drafts;
  auto flush = [&]() -> Status {
    if (drafts.empty()) return Status::Ok();
    VAULT_RETURN_IF_ERROR(env_.commit(std::move(drafts)).status());
    drafts.clear();
    return Status::Ok();
  };
  std::string after;
  for (;;) {
    auto page = env_.catalog->ListObjects(after, 1000);
    if (!page.ok()) return Failed(page.status());
    if (page->empty()) break;
    after = page->back().id;
    for (const auto& o : *page) {
      if (!o.review.empty()) continue;
      auto r = RetentionOf(o.retention_info);
      if (!r || !policies::IsDue(*r, today.year, today.month, today.day)) continue;
      drafts.push_back({"appraisal", o.id, agent, "success",
                        {{"action", "due"}, {"rule", r->rule}, {"expiry", r->Expiry()}}});
      ++newly;
      if (drafts.size() >= 256) {
        if (Status s = flush(); !s.ok()) return Failed(s);
      }
    }
  }
  if (Status s = flush(); !s.ok()) return Failed(s);
  auto due = env_.catalog->CountRecords("review/");
  if (!due.ok()) return Failed(due.status());
  if (newly > 0) LogInfo(kComponent, std::to_string(newly) + " objects are now due for review");
  return Verdict::Ok({{"newly_due", newly}, {"due", *due}, {"date", today.Iso()}});
}

Result<json> RetentionExecutor::DueList(const std::string& rule, const std::string& expired_before,
                                        const std::string& q) const {
  VAULT_ASSIGN_OR_RETURN(auto review, env_.catalog->ListRecords("review/"));
  VAULT_ASSIGN_OR_RETURN(HoldMap holds, HoldsByObject());
  json out = json::array();
  for (const auto& [key, rv] : review) {
    std::string id = key.substr(7);
    VAULT_ASSIGN_OR_RETURN(auto o, env_.catalog->GetObject(id));
    if (!o) continue;
    const json& info = o->retention_info;
    std::string expiry = info.contains("expiry") && info["expiry"].is_string()
                             ? info["expiry"].get<std::string>() : std::string();
    if (!rule.empty() && Str(info, "rule") != rule) continue;
    if (!expired_before.empty() && !(expiry < expired_before)) continue;
    if (!q.empty() && o->file_code.find(q) == std::string::npos &&
        o->title.find(q) == std::string::npos && id.find(q) == std::string::npos) {
      continue;
    }
    out.push_back({{"id", id}, {"file_code", o->file_code}, {"title", o->title},
                   {"retention", o->retention}, {"rule", Str(info, "rule")},
                   {"end_year", Int(info, "end_year")}, {"expiry", expiry},
                   {"state", o->review}, {"batch", o->batch},
                   {"holds", HoldIds(holds, id)},
                   {"bytes", o->bytes}, {"files", o->files}});
  }
  return json{{"objects", out}};
}

Verdict RetentionExecutor::ChangeRetention(const std::string& object_id,
                                           const policies::RetentionRule& rule,
                                           const std::string& action, const std::string& reason,
                                           const std::string& agent) {
  auto o = env_.catalog->GetObject(object_id);
  if (!o.ok()) return Failed(o.status());
  if (!*o) return NotFound("không có tài liệu / no object " + object_id);
  if ((*o)->review == "destroying") {
    return Conflict("disposal.state", "tài liệu đang được hủy / the object is being destroyed");
  }
  const json& prev = (*o)->retention_info;
  auto cur = RetentionOf(prev);
  int end_year = cur ? cur->end_year : 0;
  policies::Retention next = policies::RetentionFromRule(rule, end_year);
  if (next.kind == policies::RetentionKind::kYears && end_year == 0) {
    return Verdict::Refuse(
        Status::InvalidArgument("không biết năm kết thúc của hồ sơ / the record's end year is "
                                "unknown, so a period in years cannot be counted"),
        "retention.invalid");
  }
  if (cur && !policies::LongerThan(AsRule(next), AsRule(*cur))) {
    return Verdict::Refuse(
        Status::FailedPrecondition("thời hạn mới không dài hơn thời hạn hiện tại (" +
                                   (*o)->retention + ") / the new period (" + next.ClassName() +
                                   ") is not longer than the current one (" + (*o)->retention + ")"),
        "retention.shorter");
  }
  json info = prev.is_object() ? prev : json::object();
  info["rule"] = next.rule;
  info["kind"] = std::string(policies::RetentionKindName(next.kind));
  info["years"] = next.years;
  info["maintenance"] = next.maintenance;
  info["end_year"] = end_year;
  info["expiry"] = next.Expiry().empty() ? json(nullptr) : json(next.Expiry());
  info["schedule"] = {{"id", env_.schedule->id}, {"version", env_.schedule->version},
                      {"sha256", env_.schedule->sha256}};
  info["source"] = action;
  auto r = env_.commit({{"policy assignment", object_id, agent, "success",
                         {{"action", action}, {"retention", info}, {"previous", prev},
                          {"reason", reason}}}});
  if (!r.ok()) return Failed(r.status());
  return Verdict::Ok({{"object", object_id}, {"retention", info}, {"class", next.ClassName()}});
}

Verdict RetentionExecutor::Extend(const std::string& object_id, const std::string& rule_id,
                                  const std::string& reason, const std::string& agent) {
  if (!ValidText(reason)) return BadRequest("cần lý do / a reason is required");
  const policies::RetentionRule* rule = env_.schedule->Find(rule_id);
  if (rule == nullptr) {
    return Verdict::Refuse(Status::InvalidArgument("quy tắc không có trong bảng thời hạn / rule '" +
                                                   rule_id + "' is not in schedule " +
                                                   env_.schedule->id + " " + env_.schedule->version),
                           "retention.unknown_rule");
  }
  std::lock_guard lock(mu_);
  return ChangeRetention(object_id, *rule, "extend", reason, agent);
}

Verdict RetentionExecutor::MakePermanent(const std::string& object_id, const std::string& reason,
                                         const std::string& agent) {
  if (!ValidText(reason)) return BadRequest("cần lý do / a reason is required");
  const policies::RetentionRule* rule = env_.schedule->ForMaintenance("01");
  if (rule == nullptr) {
    return Verdict::Refuse(Status::FailedPrecondition(
                               "bảng thời hạn không có quy tắc vĩnh viễn (01) / the schedule has no "
                               "permanent (maintenance 01) rule"),
                           "retention.unknown_rule");
  }
  std::lock_guard lock(mu_);
  return ChangeRetention(object_id, *rule, "permanent", reason, agent);
}

Verdict RetentionExecutor::PlaceHold(const std::string& object_id, const std::string& reason,
                                     const std::string& mandate, const std::string& agent) {
  if (!ValidText(reason) || !ValidText(mandate)) {
    return BadRequest("cần lý do và căn cứ / a reason and a mandate are required");
  }
  std::lock_guard lock(mu_);
  auto o = env_.catalog->GetObject(object_id);
  if (!o.ok()) return Failed(o.status());
  if (!*o) return NotFound("không có tài liệu / no object " + object_id);
  if ((*o)->review == "destroying") {
    return Conflict("disposal.state", "tài liệu đang được hủy / the object is being destroyed");
  }
  std::string hold = "hold-" + RandomHex(8);
  auto r = env_.commit({{"policy assignment", object_id, agent, "success",
                         {{"action", "hold"}, {"hold", hold}, {"reason", reason}, {"mandate", mandate}}}});
  if (!r.ok()) return Failed(r.status());
  return Verdict::Ok({{"hold", hold}, {"object", object_id}, {"reason", reason}, {"mandate", mandate},
                      {"placed_by", agent}, {"placed", r->front().time}});
}

Verdict RetentionExecutor::ReleaseHold(const std::string& hold_id, const std::string& reason,
                                       const std::string& agent) {
  if (!ValidText(reason)) return BadRequest("cần lý do / a reason is required");
  std::lock_guard lock(mu_);
  auto h = env_.catalog->GetRecord("hold/" + hold_id);
  if (!h.ok()) return Failed(h.status());
  if (!*h) return NotFound("không có lệnh phong tỏa / no active hold " + hold_id);
  std::string object = Str(**h, "object");
  auto r = env_.commit({{"policy assignment", object, agent, "success",
                         {{"action", "release"}, {"hold", hold_id}, {"reason", reason}}}});
  if (!r.ok()) return Failed(r.status());
  return Verdict::Ok({{"hold", hold_id}, {"object", object}, {"released", true}});
}

Result<json> RetentionExecutor::Holds() const {
  VAULT_ASSIGN_OR_RETURN(auto holds, env_.catalog->ListRecords("hold/"));
  json out = json::array();
  for (auto& [k, h] : holds) out.push_back(h);
  return json{{"holds", out}};
}

Verdict RetentionExecutor::Propose(const std::vector<std::string>& object_ids,
                                   const std::string& reason, const std::string& agent) {
  if (!ValidText(reason)) return BadRequest("cần lý do hủy / a reason for destruction is required");
  if (object_ids.empty() || object_ids.size() > kMaxBatchObjects) {
    return BadRequest("một danh mục có từ 1 đến 10000 tài liệu / a batch holds 1 to 10000 objects");
  }
  std::set<std::string> seen;
  std::lock_guard lock(mu_);
  auto holds = HoldsByObject();
  if (!holds.ok()) return Failed(holds.status());
  json objects = json::array();
  for (const auto& id : object_ids) {
    if (!seen.insert(id).second) return BadRequest("object listed twice: " + id);
    auto o = env_.catalog->GetObject(id);
    if (!o.ok()) return Failed(o.status());
    if (!*o) return NotFound("không có tài liệu / no object " + id);
    if (!(*o)->batch.empty()) {
      return Conflict("disposal.in_batch", "tài liệu đã thuộc danh mục " + (*o)->batch +
                                               " / object " + id + " is already in batch " +
                                               (*o)->batch);
    }
    if ((*o)->review != "due") {
      return Conflict("disposal.not_due", "tài liệu chưa đến hạn xem xét hủy / object " + id +
                                              " is not due for review (retention " +
                                              (*o)->retention + ")");
    }
    if (auto h = holds->find(id); h != holds->end()) {
      return Conflict("disposal.on_hold", "tài liệu đang bị phong tỏa (" +
                                              Str(h->second.front(), "hold") + ") / object " + id +
                                              " is under legal hold " + Str(h->second.front(), "hold"));
    }
    const json& info = (*o)->retention_info;
    objects.push_back({{"id", id}, {"file_code", (*o)->file_code}, {"title", (*o)->title},
                       {"rule", Str(info, "rule")},
                       {"expiry", info.contains("expiry") ? info["expiry"] : json(nullptr)},
                       {"bytes", (*o)->bytes}, {"files", (*o)->files}});
  }
  const LocalDate today = Today();
  char stamp[16];
  std::snprintf(stamp, sizeof(stamp), "%04d%02d%02d", today.year, today.month, today.day);
  std::string batch = std::string("batch-") + stamp + "-" + RandomHex(4);
  auto r = env_.commit({{"appraisal", "", agent, "success",
                         {{"action", "propose"}, {"batch", batch}, {"reason", reason},
                          {"objects", objects}}}});
  if (!r.ok()) return Failed(r.status());
  auto b = env_.catalog->GetRecord("batch/" + batch);
  if (!b.ok()) return Failed(b.status());
  return Verdict::Ok(b->value_or(json{{"batch", batch}}));
}

namespace {
std::vector<std::string> BatchObjectIds(const json& b) {
  std::vector<std::string> ids;
  if (b.contains("objects") && b["objects"].is_array()) {
    for (const auto& o : b["objects"]) ids.push_back(Str(o, "id"));
  }
  return ids;
}
}  // namespace

Verdict RetentionExecutor::Approve(const std::string& batch, const std::string& decision,
                                   const std::string& decision_date, const std::string& agent) {
  std::lock_guard lock(mu_);
  auto b = env_.catalog->GetRecord("batch/" + batch);
  if (!b.ok()) return Failed(b.status());
  if (!*b) return NotFound("không có danh mục / no batch " + batch);
  const json& rec = **b;
  json ctx = {{"action", "approve"}, {"batch", batch}};
  if (Str(rec, "state") != "proposed") {
    return LogRefusal("appraisal", "", ctx, agent,
                      Conflict("disposal.state", "danh mục đang ở trạng thái " + Str(rec, "state") +
                                                     " / batch " + batch + " is " +
                                                     Str(rec, "state") + ", not proposed"));
  }
  if (Str(rec, "proposer") == agent) {
    return LogRefusal("appraisal", "", ctx, agent,
                      Verdict::Refuse(Status::PermissionDenied(
                                          "người lập danh mục không được tự duyệt / the proposer (" +
                                          agent + ") cannot approve their own batch"),
                                      "disposal.self_approval"));
  }
  if (!ValidText(decision, 512)) {
    return BadRequest("cần số quyết định hủy / the decision reference (Quyết định hủy số …) is required");
  }
  auto dd = ParseIsoDate(decision_date);
  const LocalDate today = Today();
  if (!dd) return BadRequest("decision_date must be YYYY-MM-DD: " + decision_date);
  if (today < *dd) return BadRequest("ngày quyết định ở tương lai / the decision date is in the future");
  LocalDate deadline = AddDays(*dd, env_.config.disposal_deadline_days);
  if (deadline < today) {
    return LogRefusal("appraisal", "", ctx, agent,
                      Conflict("disposal.deadline_passed",
                               "đã quá " + std::to_string(env_.config.disposal_deadline_days) +
                                   " ngày kể từ quyết định / more than " +
                                   std::to_string(env_.config.disposal_deadline_days) +
                                   " days since the decision (deadline " + deadline.Iso() + ")"));
  }
  auto r = env_.commit({{"appraisal", "", agent, "success",
                         {{"action", "approve"}, {"batch", batch}, {"decision", decision},
                          {"decision_date", dd->Iso()}, {"deadline", deadline.Iso()},
                          {"objects", BatchObjectIds(rec)}}}});
  if (!r.ok()) return Failed(r.status());
  auto nb = env_.catalog->GetRecord("batch/" + batch);
  if (!nb.ok()) return Failed(nb.status());
  return Verdict::Ok(nb->value_or(json::object()));
}

Verdict RetentionExecutor::Cancel(const std::string& batch, const std::string& reason,
                                  const std::string& agent) {
  if (!ValidText(reason)) return BadRequest("cần lý do / a reason is required");
  std::lock_guard lock(mu_);
  auto b = env_.catalog->GetRecord("batch/" + batch);
  if (!b.ok()) return Failed(b.status());
  if (!*b) return NotFound("không có danh mục / no batch " + batch);
  std::string state = Str(**b, "state");
  if (state != "proposed" && state != "approved") {
    return Conflict("disposal.state", "batch " + batch + " is " + state + "; only a proposed or "
                                      "approved batch can be cancelled");
  }
  auto r = env_.commit({{"appraisal", "", agent, "success",
                         {{"action", "cancel"}, {"batch", batch}, {"reason", reason},
                          {"objects", BatchObjectIds(**b)}}}});
  if (!r.ok()) return Failed(r.status());
  auto nb = env_.catalog->GetRecord("batch/" + batch);
  if (!nb.ok()) return Failed(nb.status());
  return Verdict::Ok(nb->value_or(json::object()));
}

Verdict RetentionExecutor::Execute(const std::string& batch, const std::string& agent) {
  std::unique_lock lock(mu_);
  auto b = env_.catalog->GetRecord("batch/" + batch);
  if (!b.ok()) return Failed(b.status());
  if (!*b) return NotFound("không có danh mục / no batch " + batch);
  const json rec = **b;
  const std::string state = Str(rec, "state");
  json ctx = {{"batch", batch}, {"via", "execute"}};
  const LocalDate today = Today();
  if (state == "proposed") {
    return LogRefusal("deletion", "", ctx, agent,
                      Verdict::Refuse(Status::PermissionDenied(
                                          "danh mục chưa được duyệt / batch " + batch +
                                          " has not been approved (Quyết định hủy)"),
                                      "disposal.not_approved"));
  }
  if (state != "approved" && state != "executing") {
    return LogRefusal("deletion", "", ctx, agent,
                      Conflict("disposal.state", "batch " + batch + " is " + state));
  }
  std::vector<std::string> ids = BatchObjectIds(rec);
  std::vector<eventlog::EventDraft> drafts;
  if (state == "approved") {
    auto deadline = ParseIsoDate(Str(rec, "deadline"));
    if (!deadline || *deadline < today) {
      return LogRefusal("deletion", "", ctx, agent,
                        Conflict("disposal.deadline_passed",
                                 "đã quá thời hạn thi hành (" + Str(rec, "deadline") +
                                     ") / the execution deadline " + Str(rec, "deadline") +
                                     " has passed; a new decision is needed"));
    }
    std::map<std::string, json> listed;
    for (const auto& o : rec["objects"]) listed[Str(o, "id")] = o;
    auto holds = HoldsByObject();
    if (!holds.ok()) return Failed(holds.status());
    for (const auto& id : ids) {
      auto o = env_.catalog->GetObject(id);
      if (!o.ok()) return Failed(o.status());
      if (!*o) return Conflict("disposal.state", "object " + id + " of the batch no longer exists");
      json octx = ctx;
      octx["target"] = id;
      if (auto h = holds->find(id); h != holds->end()) {
        const json& hold = h->second.front();
        return LogRefusal("deletion", "", octx, agent,
                          Conflict("disposal.on_hold",
                                   "tài liệu đang bị phong tỏa / object " + id +
                                       " is under legal hold " + Str(hold, "hold") + " (" +
                                       Str(hold, "mandate") + ")"));
      }
      auto r = RetentionOf((*o)->retention_info);
      if (!r || !policies::IsDue(*r, today.year, today.month, today.day)) {
        return LogRefusal("deletion", "", octx, agent,
                          Conflict("disposal.not_expired",
                                   "tài liệu chưa hết thời hạn bảo quản / object " + id +
                                       " has not expired (retention " + (*o)->retention +
                                       (r && !r->Expiry().empty() ? ", expiry " + r->Expiry() : "") + ")"));
      }
      if ((*o)->batch != batch || (*o)->review != "approved" ||
          Str((*o)->retention_info, "rule") != Str(listed[id], "rule")) {
        return LogRefusal("deletion", "", octx, agent,
                          Conflict("disposal.retention_changed",
                                   "thời hạn bảo quản đã thay đổi sau khi lập danh mục / the "
                                   "retention of object " + id + " changed after the proposal (now " +
                                   (*o)->retention + ")"));
      }
      auto files = env_.catalog->ListFiles(id);
      if (!files.ok()) return Failed(files.status());
      json fl = json::array();
      for (const auto& f : *files) fl.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
      json tomb = {{"id", id}, {"file_code", (*o)->file_code}, {"title", (*o)->title},
                   {"retention", (*o)->retention_info}, {"class", (*o)->retention},
                   {"ingested", (*o)->created}, {"package", (*o)->package},
                   {"fingerprint", (*o)->fingerprint}, {"bytes", (*o)->bytes}, {"files", fl},
                   {"batch", batch}, {"reason", Str(rec, "reason")},
                   {"decision", Str(rec, "decision")}, {"decision_date", Str(rec, "decision_date")},
                   {"proposer", Str(rec, "proposer")}, {"approver", Str(rec, "approver")}};
      drafts.push_back({"deaccession", id, agent, "success", {{"batch", batch}, {"tombstone", tomb}}});
    }
    // The point of no return: from here Recover() finishes the destruction.
    auto r = env_.commit(std::move(drafts));
    if (!r.ok()) return Failed(r.status());
    CrashPoint("disposal:deaccessioned");
  }
  DisposalExecutor d(env_);
  for (const auto& id : ids) {
    auto o = env_.catalog->GetObject(id);
    if (!o.ok()) return Failed(o.status());
    if (!*o) continue;  // already destroyed (a resumed execution)
    if (Status s = d.Destroy(id, batch, agent); !s.ok()) {
      LogError(kComponent, "destruction of " + id + " (batch " + batch + ") stopped: " + s.ToString());
      return Failed(std::move(s).WithContext("destroying " + id + "; run execute again to finish"));
    }
  }
  if (Status s = FinishBatch(batch, agent); !s.ok()) return Failed(s);
  auto nb = env_.catalog->GetRecord("batch/" + batch);
  if (!nb.ok()) return Failed(nb.status());
  return Verdict::Ok(nb->value_or(json::object()));
}

Status RetentionExecutor::FinishBatch(const std::string& batch, const std::string& agent) {
  VAULT_ASSIGN_OR_RETURN(auto b, env_.catalog->GetRecord("batch/" + batch));
  if (!b) return Status::NotFound("no batch " + batch);
  if (Str(*b, "state") == "executed") return Status::Ok();
  VAULT_ASSIGN_OR_RETURN(std::string xml, DestructionRecord(batch, "xml"));
  VAULT_ASSIGN_OR_RETURN(std::string html, DestructionRecord(batch, "html"));
  VAULT_ASSIGN_OR_RETURN(std::string list, BatchReport(batch, "html"));
  if (!env_.records_dir.empty()) {
    // The destruction dossier (hồ sơ hủy tài liệu) is kept: the record and the list.
    auto dir = env_.records_dir / batch;
    VAULT_RETURN_IF_ERROR(CreateDirsDurable(dir));
    VAULT_RETURN_IF_ERROR(WriteFileDurable(dir / "bien-ban-huy.xml", xml));
    VAULT_RETURN_IF_ERROR(WriteFileDurable(dir / "bien-ban-huy.html", html));
    VAULT_RETURN_IF_ERROR(WriteFileDurable(dir / "danh-muc.html", list));
    CrashPoint("disposal:record-written");
  }
  VAULT_RETURN_IF_ERROR(env_.commit({{"appraisal", "", agent, "success",
                                      {{"action", "executed"}, {"batch", batch},
                                       {"objects", BatchObjectIds(*b)},
                                       {"record_sha256", Sha256Hex(xml)}}}})
                            .status());
  LogInfo(kComponent, "disposal batch " + batch + " executed: " +
                          std::to_string(BatchObjectIds(*b).size()) + " objects destroyed");
  return Status::Ok();
}

Result<json> RetentionExecutor::Batches() const {
  VAULT_ASSIGN_OR_RETURN(auto all, env_.catalog->ListRecords("batch/"));
  json out = json::array();
  for (auto& [k, b] : all) out.push_back(b);
  return json{{"batches", out}};
}

Result<std::optional<json>> RetentionExecutor::Batch(const std::string& batch) const {
  return env_.catalog->GetRecord("batch/" + batch);
}

namespace {
reports::ReportMeta Meta(const RetentionEnv& env, const std::string& agent) {
  reports::ReportMeta m;
  m.vault_name = env.agency;
  m.generated = FormatIso8601(env.clock->Now());
  m.generated_by = agent;
  m.schedule = env.schedule->id + " " + env.schedule->version;
  return m;
}
}  // namespace

Result<std::string> RetentionExecutor::BatchReport(const std::string& batch,
                                                   const std::string& format) const {
  VAULT_ASSIGN_OR_RETURN(auto b, env_.catalog->GetRecord("batch/" + batch));
  if (!b) return Status::NotFound("no batch " + batch);
  reports::DisposalBatch rb;
  rb.batch = batch;
  rb.state = Str(*b, "state");
  rb.reason = Str(*b, "reason");
  rb.proposer = Str(*b, "proposer");
  rb.proposed = Str(*b, "proposed");
  rb.approver = Str(*b, "approver");
  rb.approved = Str(*b, "approved");
  rb.decision = Str(*b, "decision");
  rb.decision_date = Str(*b, "decision_date");
  rb.deadline = Str(*b, "deadline");
  rb.executor = Str(*b, "executor");
  rb.executed = Str(*b, "executed");
  rb.agency = env_.agency;
  int n = 0;
  for (const auto& o : (*b)["objects"]) {
    reports::DisposalItem it;
    it.object_id = Str(o, "id");
    it.volume = std::to_string(++n);
    it.file_code = Str(o, "file_code");
    it.title = Str(o, "title");
    it.rule = Str(o, "rule");
    it.expiry = Str(o, "expiry");
    it.note = "Hết hạn / expired " + it.expiry + " (" + it.rule + ")";
    if (o.contains("bytes") && o["bytes"].is_number_unsigned()) it.bytes = o["bytes"].get<uint64_t>();
    if (o.contains("files") && o["files"].is_number_unsigned()) it.files = o["files"].get<uint64_t>();
    rb.items.push_back(std::move(it));
  }
  if (format == "csv") return reports::DisposalListCsv(rb);
  if (format == "html") return reports::DisposalListHtml(rb, Meta(env_, rb.proposer));
  return Status::InvalidArgument("format must be json, csv or html");
}

Result<std::string> RetentionExecutor::DestructionRecord(const std::string& batch,
                                                         const std::string& format) const {
  VAULT_ASSIGN_OR_RETURN(auto b, env_.catalog->GetRecord("batch/" + batch));
  if (!b) return Status::NotFound("no batch " + batch);
  const std::string state = Str(*b, "state");
  if (state != "executing" && state != "executed") {
    return Status::FailedPrecondition("batch " + batch + " has not been executed (" + state + ")");
  }
  reports::DestructionRecord rec;
  rec.batch = batch;
  rec.agency = env_.agency;
  rec.decision = Str(*b, "decision");
  rec.decision_date = Str(*b, "decision_date");
  rec.proposer = Str(*b, "proposer");
  rec.approver = Str(*b, "approver");
  rec.executor = Str(*b, "executor");
  rec.method =
      "Xoá vĩnh viễn mọi bản sao trên mọi tầng lưu trữ, đã kiểm tra không còn; giữ lại bản ghi "
      "tóm tắt (mã định danh, siêu dữ liệu, mã băm) / every copy on every storage tier erased, "
      "absence verified; a tombstone (identifiers, metadata, digests) is kept";
  if (env_.log_head) {
    auto [seq, hash] = env_.log_head();
    rec.log_head_seq = std::to_string(seq);
    rec.log_head_hash = hash;
  }
  for (const auto& id : BatchObjectIds(*b)) {
    VAULT_ASSIGN_OR_RETURN(auto t, env_.catalog->GetRecord("tombstone/" + id));
    if (!t) continue;
    reports::DestroyedObject d;
    d.object_id = id;
    d.file_code = Str(*t, "file_code");
    d.title = Str(*t, "title");
    d.retention = Str(*t, "class");
    d.rule = Str((*t)["retention"], "rule");
    d.expiry = Str((*t)["retention"], "expiry");
    d.ingested = Str(*t, "ingested");
    d.destroyed = Str(*t, "destroyed");
    if (rec.started.empty() || Str(*t, "started") < rec.started) rec.started = Str(*t, "started");
    if (d.destroyed > rec.finished) rec.finished = d.destroyed;
    if (t->contains("bytes") && (*t)["bytes"].is_number_unsigned()) d.bytes = (*t)["bytes"].get<uint64_t>();
    if (t->contains("files") && (*t)["files"].is_array()) {
      for (const auto& f : (*t)["files"]) {
        reports::DestroyedFile df;
        df.path = Str(f, "path");
        df.sha256 = Str(f, "sha256");
        if (f.contains("size") && f["size"].is_number_unsigned()) df.size = f["size"].get<uint64_t>();
        d.files.push_back(std::move(df));
      }
    }
    if (t->contains("tiers") && (*t)["tiers"].is_array()) {
      for (const auto& tn : (*t)["tiers"]) {
        if (tn.is_string()) d.tiers.push_back(tn.get<std::string>());
      }
    }
    rec.objects.push_back(std::move(d));
  }
  if (format == "xml") return reports::DestructionRecordXml(rec);
  if (format == "html") return reports::DestructionRecordHtml(rec, Meta(env_, rec.executor));
  return Status::InvalidArgument("format must be xml or html");
}

Result<std::string> RetentionExecutor::DueReport(const json& due_list, const std::string& format,
                                                 const std::string& agent) const {
  std::vector<reports::ReviewRow> rows;
  for (const auto& o : due_list["objects"]) {
    reports::ReviewRow r;
    r.object_id = Str(o, "id");
    r.file_code = Str(o, "file_code");
    r.title = Str(o, "title");
    r.retention = Str(o, "retention");
    r.rule = Str(o, "rule");
    if (const auto* rule = env_.schedule->Find(r.rule)) r.rule_title = rule->title;
    r.end_year = Int(o, "end_year");
    r.expiry = Str(o, "expiry");
    r.state = Str(o, "state");
    r.batch = Str(o, "batch");
    for (const auto& h : o["holds"]) {
      if (!r.holds.empty()) r.holds += ", ";
      r.holds += h.get<std::string>();
    }
    rows.push_back(std::move(r));
  }
  if (format == "csv") return reports::ReviewCsv(rows);
  if (format == "html") return reports::ReviewHtml(rows, Meta(env_, agent));
  return Status::InvalidArgument("format must be json, csv or html");
}

Status RetentionExecutor::Recover() {
  std::lock_guard lock(mu_);
  VAULT_ASSIGN_OR_RETURN(auto review, env_.catalog->ListRecords("review/"));
  DisposalExecutor d(env_);
  std::set<std::string> batches;
  for (const auto& [key, rv] : review) {
    if (Str(rv, "review") != "destroying") continue;
    std::string id = key.substr(7);
    std::string batch = Str(rv, "batch");
    LogWarning(kComponent, "finishing the interrupted destruction of " + id + " (batch " + batch + ")");
    VAULT_RETURN_IF_ERROR(d.Destroy(id, batch, "vaultd"));
    batches.insert(batch);
  }
  VAULT_ASSIGN_OR_RETURN(auto all, env_.catalog->ListRecords("batch/"));
  for (const auto& [k, b] : all) {
    if (Str(b, "state") == "executing") batches.insert(Str(b, "batch"));
  }
  for (const auto& batch : batches) {
    if (batch.empty()) continue;
    VAULT_ASSIGN_OR_RETURN(auto b, env_.catalog->GetRecord("batch/" + batch));
    if (!b || Str(*b, "state") != "executing") continue;
    bool all_gone = true;
    for (const auto& id : BatchObjectIds(*b)) {
      VAULT_ASSIGN_OR_RETURN(auto o, env_.catalog->GetObject(id));
      if (o) all_gone = false;
    }
    // Objects not yet deaccessioned stay: the executor re-runs `execute` to continue.
    if (all_gone) VAULT_RETURN_IF_ERROR(FinishBatch(batch, "vaultd"));
  }
  return Status::Ok();
}

Result<RetentionExecutor::Counts> RetentionExecutor::GetCounts() const {
  Counts c;
  VAULT_ASSIGN_OR_RETURN(c.due, env_.catalog->CountRecords("review/"));
  VAULT_ASSIGN_OR_RETURN(c.holds, env_.catalog->CountRecords("hold/"));
  VAULT_ASSIGN_OR_RETURN(c.tombstones, env_.catalog->CountRecords("tombstone/"));
  VAULT_ASSIGN_OR_RETURN(auto all, env_.catalog->ListRecords("batch/"));
  const int64_t now_ms = ToUnixMillis(env_.clock->Now());
  const LocalDate today = Today();
  for (const auto& [k, b] : all) {
    std::string state = Str(b, "state");
    if (state == "proposed") {
      ++c.proposed;
      int64_t t = ParseIso8601Millis(Str(b, "proposed")).value_or(now_ms);
      c.oldest_proposed_s = std::max(c.oldest_proposed_s, (now_ms - t) / 1000.0);
    } else if (state == "approved") {
      ++c.approved;
      int64_t t = ParseIso8601Millis(Str(b, "approved")).value_or(now_ms);
      c.oldest_approved_s = std::max(c.oldest_approved_s, (now_ms - t) / 1000.0);
      auto deadline = ParseIsoDate(Str(b, "deadline"));
      if (deadline && *deadline < today) ++c.overdue;
    }
  }
  return c;
}

Status DisposalExecutor::Destroy(const std::string& object_id, const std::string& batch,
                                 const std::string& agent) {
  std::optional<fixity::Fixity::ObjectLock> lock;
  if (env_.fixity) lock.emplace(*env_.fixity, object_id);
  store::PurgeWarrant warrant(object_id, batch);
  json tiers = json::array();
  VAULT_ASSIGN_OR_RETURN(auto copies, env_.catalog->ListCopies(object_id));
  for (const auto& [name, store] : env_.tiers) {
    VAULT_ASSIGN_OR_RETURN(bool had, store->Exists(object_id));
    for (const auto& c : copies) had = had || c.tier == name;
    VAULT_RETURN_IF_ERROR(store->PurgeObject(warrant).WithContext("tier " + name));
    if (had) tiers.push_back(name);
    CrashPoint("disposal:tier-purged");
  }
  // Absence is checked on every tier after all of them were purged.
  for (const auto& [name, store] : env_.tiers) {
    VAULT_RETURN_IF_ERROR(store->VerifyAbsent(object_id).WithContext("tier " + name));
  }
  VAULT_RETURN_IF_ERROR(env_.commit({{"deletion", object_id, agent, "success",
                                      {{"batch", batch}, {"tiers", tiers}, {"verified_absent", true}}}})
                            .status());
  CrashPoint("disposal:deleted");
  LogInfo(kComponent, "destroyed " + object_id + " (batch " + batch + ") on " + tiers.dump());
  return Status::Ok();
}

}  // namespace vault::lifecycle
