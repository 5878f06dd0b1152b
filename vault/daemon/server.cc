#include "vault/daemon/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "vault/base/fs.h"
#include "vault/base/ids.h"
#include "vault/base/logging.h"
#include "vault/base/unicode.h"
#include "vault/daemon/http_util.h"
#include "vault/daemon/integrity.h"
#include "vault/daemon/migration_api.h"
#include "vault/daemon/retention_api.h"
#include "vault/daemon/users.h"

namespace vault::daemon {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

#ifndef VAULT_VERSION
#define VAULT_VERSION "0.0.0"
#endif
#ifndef VAULT_GIT_COMMIT
#define VAULT_GIT_COMMIT "unknown"
#endif
constexpr char kVersion[] = VAULT_VERSION;

// All metrics of the daemon's ingest and catalog, declared in one place (STYLE.md §1.6).
struct Metrics {
  explicit Metrics(prometheus::Registry& r)
      : packages(prometheus::BuildCounter()
                     .Name("vault_ingest_packages_total")
                     .Help("Packages ingested, by outcome (accepted, rejected, failed)")
                     .Register(r)),
        accepted(packages.Add({{"outcome", "accepted"}})),
        rejected(packages.Add({{"outcome", "rejected"}})),
        failed(packages.Add({{"outcome", "failed"}})),
        bytes(prometheus::BuildCounter()
                  .Name("vault_ingest_bytes_total")
                  .Help("Payload bytes of accepted packages")
                  .Register(r)
                  .Add({})),
        duration(prometheus::BuildHistogram()
                     .Name("vault_ingest_duration_seconds")
                     .Help("Time from claim to receipt or quarantine")
                     .Register(r)
                     .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 15, 60, 300,
                                                                      1800, 7200})),
        objects(prometheus::BuildGauge()
                    .Name("vault_objects")
                    .Help("Objects in the catalog")
                    .Register(r)
                    .Add({})),
        stored_bytes(prometheus::BuildGauge()
                         .Name("vault_stored_bytes")
                         .Help("Bytes of all objects in the catalog (one copy)")
                         .Register(r)
                         .Add({})),
        queue(prometheus::BuildGauge()
                  .Name("vault_ingest_jobs")
                  .Help("Ingest jobs by state")
                  .Register(r)),
        queued(queue.Add({{"state", "queued"}})),
        running(queue.Add({{"state", "running"}})),
        build(prometheus::BuildGauge()
                  .Name("vault_build_info")
                  .Help("Build information")
                  .Register(r)
                  .Add({{"version", kVersion}, {"commit", VAULT_GIT_COMMIT}})),
        halted(prometheus::BuildGauge()
                   .Name("vault_ingest_halted")
                   .Help("1 when ingest is halted after a failed commit (restart to recover)")
                   .Register(r)
                   .Add({})) {
    build.Set(1);
  }
  prometheus::Family<prometheus::Counter>& packages;
  prometheus::Counter& accepted;
  prometheus::Counter& rejected;
  prometheus::Counter& failed;
  prometheus::Counter& bytes;
  prometheus::Histogram& duration;
  prometheus::Gauge& objects;
  prometheus::Gauge& stored_bytes;
  prometheus::Family<prometheus::Gauge>& queue;
  prometheus::Gauge& queued;
  prometheus::Gauge& running;
  prometheus::Gauge& build;
  prometheus::Gauge& halted;
};

struct Task {
  std::string id;
  std::string kind;  // "inbox" | "external"
  std::string name;  // inbox entry
  fs::path path;     // external path
  std::string agent;
};

// Change signature of an inbox entry: size, mtime and (for directories) entry count of the tree.
std::string Signature(const fs::path& p) {
  struct stat st{};
  if (::lstat(p.c_str(), &st) != 0) return "";
  std::string sig = std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                    std::to_string(st.st_mtim.tv_nsec);
  if (S_ISDIR(st.st_mode)) {
    uint64_t n = 0, bytes = 0;
    int64_t newest = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(p, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      struct stat s2{};
      if (::lstat(it->path().c_str(), &s2) != 0) continue;
      ++n;
      bytes += static_cast<uint64_t>(s2.st_size);
      newest = std::max<int64_t>(newest, s2.st_mtim.tv_sec * 1000000000LL + s2.st_mtim.tv_nsec);
    }
    sig += "/" + std::to_string(n) + "/" + std::to_string(bytes) + "/" + std::to_string(newest);
  }
  return sig;
}

json Error(std::string_view rule, std::string_view message) { return ApiError(rule, message); }

}  // namespace

struct Server::Impl {
  Vault& vault;
  Options options;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  Metrics metrics{*registry};
  std::unique_ptr<Integrity> integrity;
  std::unique_ptr<RetentionApi> retention;
  std::unique_ptr<MigrationApi> migration;
  std::unique_ptr<UserStore> users;
  std::string address;
  httplib::Server http;
  std::thread http_thread;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};

  // Jobs.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Task> queue;           // GUARDED_BY(mu)
  std::map<std::string, json> jobs;  // GUARDED_BY(mu): id -> state (recent jobs)
  std::set<std::string> inbox_busy;  // GUARDED_BY(mu): inbox names queued or running
  bool stopping = false;             // GUARDED_BY(mu)
  int running_jobs = 0;              // GUARDED_BY(mu)
  std::vector<std::thread> workers;

  // Inbox watcher.
  std::thread watcher;
  int inotify_fd = -1;
  int wake_fd = -1;  // eventfd: Stop() wakes the watcher at once
  struct Tracked {
    std::string signature;
    std::chrono::steady_clock::time_point stable_since;
    bool moved_in = false;
    std::string failed_signature;  // do not retry until it changes
  };
  std::map<std::string, Tracked> tracked;  // watcher thread only

  Impl(Vault& v, Options o) : vault(v), options(std::move(o)) {}

  // Returns "" when the daemon is stopping (checked under the same lock the workers use).
  std::string Enqueue(Task t) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) return "";
    t.id = "job-" + RandomHex(8);
    jobs[t.id] = {{"id", t.id}, {"state", "queued"}, {"kind", t.kind},
                  {"package", EscapeInvalidUtf8(t.kind == "inbox" ? t.name : t.path.string())}};
    if (t.kind == "inbox") inbox_busy.insert(t.name);
    std::string id = t.id;
    queue.push_back(std::move(t));
    metrics.queued.Set(static_cast<double>(queue.size()));
    cv.notify_one();
    return id;
  }

  void Worker() {
    while (true) {
      Task t;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and nothing left to start
        if (stopping) {
          // Queued but not started: nothing was claimed, the package stays where it is.
          Task dropped = std::move(queue.front());
          queue.pop_front();
          jobs[dropped.id]["state"] = "cancelled";
          if (dropped.kind == "inbox") inbox_busy.erase(dropped.name);
          continue;
        }
        t = std::move(queue.front());
        queue.pop_front();
        jobs[t.id]["state"] = "running";
        ++running_jobs;
        metrics.queued.Set(static_cast<double>(queue.size()));
        metrics.running.Set(running_jobs);
      }
      // No input may take the daemon down: an exception escaping the pipeline fails the job.
      Result<ingest::Outcome> r = Status::Internal("not run");
      try {
        r = t.kind == "inbox" ? vault.ingester().IngestInboxEntry(t.name, t.id, t.agent)
                              : vault.ingester().IngestExternal(t.path, t.id, t.agent);
      } catch (const std::exception& e) {
        r = Status::Internal(std::string("unexpected exception: ") + e.what());
      }
      json state;
      bool failed = false;
      if (r.ok()) {
        state = ingest::OutcomeToJson(*r);
        state["state"] = r->accepted ? "accepted" : "rejected";
        (r->accepted ? metrics.accepted : metrics.rejected).Increment();
        if (r->accepted && !r->object_id.empty()) integrity->OnIngested(r->object_id);
        if (r->accepted) metrics.bytes.Increment(static_cast<double>(r->bytes));
        metrics.duration.Observe(r->seconds);
      } else {
        failed = true;
        state = {{"job_id", t.id}, {"state", "failed"}, {"status", "failed"},
                 {"reason", {{"rule", "ingest.environment"}, {"path", ""},
                             {"message", r.status().ToString()}}}};
        metrics.failed.Increment();
      }
      state["id"] = t.id;
      state["kind"] = t.kind;
      state["package"] = EscapeInvalidUtf8(t.kind == "inbox" ? t.name : t.path.string());
      catalog::WriteBatch b;
      b.PutJob(t.id, state);
      if (Status s = vault.catalog().Apply(b); !s.ok()) {
        LogError("jobs", "cannot record job " + t.id + ": " + s.ToString());
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        jobs[t.id] = state;
        --running_jobs;
        metrics.running.Set(running_jobs);
        if (t.kind == "inbox") {
          inbox_busy.erase(t.name);
          if (failed) failed_inbox.insert(t.name);
        }
        finished_order.push_back(t.id);
        if (finished_order.size() > 10000) {  // forget the oldest finished jobs only
          jobs.erase(finished_order.front());
          finished_order.pop_front();
        }
      }
    }
  }
  std::set<std::string> failed_inbox;  // GUARDED_BY(mu): names whose last attempt failed
  std::deque<std::string> finished_order;  // GUARDED_BY(mu): finished job ids, oldest first

  void Watch() {
    const double settle = vault.config().ingest.settle_seconds;
    const fs::path inbox = vault.home().inbox();
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopping) return;
      }
      struct pollfd pfds[2] = {{inotify_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      int pr = ::poll(pfds, 2, 500);
      if (pr > 0 && (pfds[1].revents & POLLIN)) return;  // stopping
      struct pollfd& pfd = pfds[0];
      if (pr > 0 && (pfd.revents & POLLIN)) {
        alignas(struct inotify_event) char buf[64 * 1024];
        ssize_t n = ::read(inotify_fd, buf, sizeof(buf));
        for (ssize_t off = 0; n > 0 && off < n;) {
          auto* ev = reinterpret_cast<struct inotify_event*>(buf + off);
          if (ev->len > 0 && (ev->mask & IN_MOVED_TO)) tracked[ev->name].moved_in = true;
          off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
        }
      }
      Scan(inbox, settle);
    }
  }

  void Scan(const fs::path& inbox, double settle) {
    auto now = std::chrono::steady_clock::now();
    std::set<std::string> present;
    std::error_code ec;
    for (auto it = fs::directory_iterator(inbox, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;  // uploads in progress
      present.insert(name);
      {
        std::lock_guard<std::mutex> lock(mu);
        if (inbox_busy.count(name)) continue;
      }
      Tracked& t = tracked[name];
      std::string sig = Signature(it->path());
      if (sig != t.signature) {
        t.signature = sig;
        t.stable_since = now;
      }
      bool failed_before;
      {
        std::lock_guard<std::mutex> lock(mu);
        failed_before = failed_inbox.count(name) > 0;
        if (failed_before && t.failed_signature.empty()) t.failed_signature = sig;
        if (failed_before && sig != t.failed_signature) {
          failed_inbox.erase(name);
          failed_before = false;
          t.failed_signature.clear();
        }
      }
      if (failed_before) continue;
      double stable = std::chrono::duration<double>(now - t.stable_since).count();
      if (t.moved_in || stable >= settle) {
        Task task;
        task.kind = "inbox";
        task.name = name;
        task.agent = "inbox";
        std::string id = Enqueue(std::move(task));
        if (id.empty()) return;
        LogInfo("inbox", "queued '" + EscapeInvalidUtf8(name) + "' as " + id);
        tracked.erase(name);
      }
    }
    for (auto it = tracked.begin(); it != tracked.end();) {
      it = present.count(it->first) ? std::next(it) : tracked.erase(it);
    }
  }

  static void Reply(httplib::Response& res, int status, const json& body) {
    ReplyJson(res, status, body);
  }

  json ObjectJson(const catalog::ObjectRecord& o) {
    json copies = json::array();
    auto cs = vault.catalog().ListCopies(o.id);
    if (cs.ok()) {
      for (const auto& c : *cs) {
        copies.push_back({{"tier", c.tier}, {"state", c.state}, {"version", c.version},
                          {"last_verified_ms", c.last_verified_ms}});
      }
    }
    return {{"id", o.id}, {"file_code", o.file_code}, {"title", o.title},
            {"retention", o.retention}, {"state", o.state}, {"created", o.created},
            {"package", o.package}, {"version", o.head_version}, {"bytes", o.bytes},
            {"files", o.files}, {"copies", copies}, {"retention_info", o.retention_info},
            {"review", o.review}, {"batch", o.batch}};
  }

  void Routes() {
    http.set_payload_max_length(1 << 20);
    http.set_read_timeout(30, 0);
    // Every /api/ request needs an enabled user's token (401 here); that is all a GET needs.
    // Other routes check their roles with Authorize() (403 auth.role).
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/api/", 0) == 0 && !Authorize(*users, req, res, {})) {
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    UserRoutes(http, *users, vault);
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    http.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      bool ready = started.load() && !stopped.load() && !vault.ingester().halted();
      res.status = ready ? 200 : 503;
      res.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      if (auto st = vault.catalog().GetStats(); st.ok()) {
        metrics.objects.Set(static_cast<double>(st->objects));
        metrics.stored_bytes.Set(static_cast<double>(st->bytes));
      }
      metrics.halted.Set(vault.ingester().halted() ? 1 : 0);
      integrity->RefreshMetrics();
      retention->RefreshMetrics();
      migration->RefreshMetrics();
      prometheus::TextSerializer ser;
      res.set_content(ser.Serialize(registry->Collect()), "text/plain; version=0.0.4");
    });
    http.Get("/api/v1/status", [this](const httplib::Request&, httplib::Response& res) {
      auto st = vault.catalog().GetStats();
      if (!st.ok()) return Reply(res, 500, Error("catalog", st.status().ToString()));
      json tiers = json::array();
      for (const auto& t : vault.config().tiers) {
        tiers.push_back({{"name", t.name}, {"kind", t.kind}, {"medium", t.medium},
                         {"path", t.path.string()}});
      }
      std::lock_guard<std::mutex> lock(mu);
      Reply(res, 200,
            {{"version", kVersion}, {"root", vault.home().root.string()},
             {"objects", st->objects}, {"bytes", st->bytes}, {"files", st->files},
             {"last_event_seq", vault.log().head_seq()}, {"tiers", tiers},
             {"jobs", {{"queued", queue.size()}, {"running", running_jobs}}},
             {"ready", started.load() && !stopping && !vault.ingester().halted()},
             {"halted", vault.ingester().halted() ? json(vault.ingester().halt_reason()) : json(nullptr)},
             {"integrity", integrity->StatusJson()},
             {"retention", retention->StatusJson()},
             {"migration", migration->StatusJson()}});
    });
    http.Post("/api/v1/ingest", [this](const httplib::Request& req, httplib::Response& res) {
      auto user = Authorize(*users, req, res, {Role::kOperator});
      if (!user) return;
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("path") || !body["path"].is_string()) {
        return Reply(res, 400, Error("api.bad_request", "body must be {\"path\": \"/absolute/path\"}"));
      }
      fs::path p = body["path"].get<std::string>();
      if (!p.is_absolute() || p.string().find('\0') != std::string::npos) {
        return Reply(res, 400, Error("api.bad_request", "path must be absolute"));
      }
      // The vault's own directories are never a package (staging would copy into itself).
      std::error_code ec;
      fs::path canon = fs::weakly_canonical(p, ec);
      fs::path root = fs::weakly_canonical(vault.home().root, ec);
      auto [ri, pi] = std::mismatch(root.begin(), root.end(), canon.begin(), canon.end());
      if (ri == root.end()) {
        return Reply(res, 400, Error("api.path_inside_vault",
                                     "a package cannot be inside the vault home " + root.string()));
      }
      if (vault.ingester().halted()) {
        return Reply(res, 503, Error("ingest.halted", vault.ingester().halt_reason()));
      }
      Task t;
      t.kind = "external";
      t.path = p;
      t.agent = user->name;
      std::string id = Enqueue(std::move(t));
      if (id.empty()) return Reply(res, 503, Error("api.stopping", "the daemon is shutting down"));
      Reply(res, 202, {{"job_id", id}, {"state", "queued"}});
    });
    http.Get(R"(/api/v1/jobs/([A-Za-z0-9-]+))", [this](const httplib::Request& req,
                                                      httplib::Response& res) {
      std::string id = req.matches[1];
      {
        std::lock_guard<std::mutex> lock(mu);
        if (auto it = jobs.find(id); it != jobs.end()) return Reply(res, 200, it->second);
      }
      auto j = vault.catalog().GetJob(id);
      if (j.ok() && *j) return Reply(res, 200, **j);
      Reply(res, 404, Error("api.not_found", "no job " + id));
    });
    http.Get("/api/v1/objects", [this](const httplib::Request& req, httplib::Response& res) {
      std::string after = req.get_param_value("after");
      size_t limit = 1000;
      if (req.has_param("limit")) {
        try {
          limit = std::min<size_t>(std::stoul(req.get_param_value("limit")), 10000);
        } catch (...) {
          return Reply(res, 400, Error("api.bad_request", "limit must be a number"));
        }
      }
      auto list = vault.catalog().ListObjects(after, limit);
      if (!list.ok()) return Reply(res, 500, Error("catalog", list.status().ToString()));
      json arr = json::array();
      for (const auto& o : *list) arr.push_back(ObjectJson(o));
      json out = {{"objects", arr}};
      if (list->size() == limit && !list->empty()) out["next"] = list->back().id;
      Reply(res, 200, out);
    });
    http.Get(R"(/api/v1/objects/([^/]+))", [this](const httplib::Request& req,
                                                  httplib::Response& res) {
      std::string id = req.matches[1];
      auto o = vault.catalog().GetObject(id);
      if (!o.ok()) return Reply(res, 500, Error("catalog", o.status().ToString()));
      if (!*o) return Reply(res, 404, Error("api.not_found", "no object " + id));
      json j = ObjectJson(**o);
      j["fingerprint"] = (*o)->fingerprint;
      j["files_list"] = json::array();
      if (auto fl = vault.catalog().ListFiles(id); fl.ok()) {
        for (const auto& f : *fl) {
          j["files_list"].push_back({{"path", f.path}, {"content_path", f.content_path},
                                     {"original_name", f.original_name}, {"size", f.size},
                                     {"sha256", f.sha256}, {"puid", f.puid},
                                     {"format_name", f.format_name},
                                     {"format_version", f.format_version},
                                     {"format_basis", f.format_basis},
                                     {"format_signatures", f.format_signatures}});
        }
      }
      Reply(res, 200, j);
    });
    integrity->Routes(http, *users);
    retention->Routes(http, *users);
    migration->Routes(http, *users);
    // Attribution: every API call that may change something is logged with its user and answer.
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (req.method == "GET" || req.path.rfind("/api/", 0) != 0) return;
      std::string who = "(unauthenticated)";
      const std::string h = req.get_header_value("Authorization");
      if (h.rfind("Bearer ", 0) == 0) {
        if (auto u = users->Authenticate(std::string_view(h).substr(7))) who = u->name;
      }
      LogInfo("api", req.method + " " + EscapeInvalidUtf8(req.path) + " by " + who + " -> " +
                         std::to_string(res.status));
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) {
      Reply(res, 500, Error("api.internal", "internal error"));
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Create(Vault& vault, Options o) {
  auto impl = std::make_unique<Impl>(vault, std::move(o));
  VAULT_ASSIGN_OR_RETURN(impl->users, UserStore::Open(vault.home().secrets(), vault.clock()));
  VAULT_ASSIGN_OR_RETURN(impl->integrity, Integrity::Create(vault, *impl->registry));
  VAULT_ASSIGN_OR_RETURN(impl->retention,
                         RetentionApi::Create(vault, impl->integrity->fixity(), *impl->registry));
  VAULT_ASSIGN_OR_RETURN(impl->migration,
                         MigrationApi::Create(vault, impl->integrity->fixity(), *impl->registry));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::Start() {
  Impl& m = *impl_;
  std::string listen = m.options.listen.empty() ? m.vault.config().listen : m.options.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("listen must be host:port: " + listen);
  std::string host = listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return Status::InvalidArgument("bad port in " + listen);
  }
  m.Routes();
  if (port == 0) {
    port = m.http.bind_to_any_port(host);
    if (port <= 0) return Status::Unavailable("cannot bind " + listen);
  } else if (!m.http.bind_to_port(host, port)) {
    return Status::Unavailable("cannot bind " + listen + " (in use?)");
  }
  m.address = "http://" + host + ":" + std::to_string(port);
  m.http_thread = std::thread([&m] { m.http.listen_after_bind(); });

  m.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m.wake_fd < 0) return Status::FromErrno(errno, "eventfd", "");
  m.inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m.inotify_fd < 0) return Status::FromErrno(errno, "inotify_init1", "");
  if (::inotify_add_watch(m.inotify_fd, m.vault.home().inbox().c_str(),
                          IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE) < 0) {
    return Status::FromErrno(errno, "inotify_add_watch", m.vault.home().inbox().string());
  }
  for (int i = 0; i < m.vault.config().ingest.workers; ++i) {
    m.workers.emplace_back([&m] { m.Worker(); });
  }
  m.watcher = std::thread([&m] { m.Watch(); });
  // Destructions a crash interrupted are finished before fixity or placement look at them.
  VAULT_RETURN_IF_ERROR(m.retention->Recover().WithContext("finishing interrupted disposals"));
  // Versions a crash left on some tiers without their migration event are undone first too.
  VAULT_RETURN_IF_ERROR(m.migration->Recover().WithContext("undoing unlogged migration versions"));
  m.integrity->Start();
  m.retention->Start();
  VAULT_RETURN_IF_ERROR(WriteFileDurable(m.vault.home().run() / "api", m.address + "\n"));
  m.started = true;
  LogInfo("api", "listening on " + m.address);
  return Status::Ok();
}

std::string Server::address() const { return impl_->address; }

void Server::Stop() {
  Impl& m = *impl_;
  if (m.stopped.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.stopping = true;
  }
  m.cv.notify_all();
  if (m.wake_fd >= 0) {
    uint64_t one = 1;
    ssize_t unused = ::write(m.wake_fd, &one, sizeof(one));
    (void)unused;
  }
  if (m.watcher.joinable()) m.watcher.join();
  for (auto& w : m.workers) {
    if (w.joinable()) w.join();  // jobs in flight finish
  }
  m.migration->Stop();  // a running migration finishes its current objects
  m.integrity->Stop();
  m.retention->Stop();  // a last signed checkpoint covers everything logged
  m.http.stop();
  if (m.http_thread.joinable()) m.http_thread.join();
  if (m.inotify_fd >= 0) ::close(m.inotify_fd);
  if (m.wake_fd >= 0) ::close(m.wake_fd);
  std::error_code ec;
  fs::remove(m.vault.home().run() / "api", ec);
  LogInfo("vaultd", "stopped");
}

}  // namespace vault::daemon
