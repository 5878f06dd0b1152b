// The running daemon around an open Vault: ingest job workers, the inbox watcher, and the HTTP
// API on loopback (DESIGN.md §5).
//
// Jobs: every ingest (an inbox entry or an API request) is a job with an id; its state
// (queued → running → accepted | rejected | failed) is kept in memory and, once final, in the
// catalog's jobs table. Workers run `ingest.workers` jobs at a time.
// Inbox: inotify wakes a scanner; an entry moved in (rename) is taken at once, an entry written
// in place once unchanged for `ingest.settle_seconds`. Names starting with '.' are ignored
// (upload to ".name", then rename). A failed (I/O) entry is retried only when it changes.
// Shutdown (SIGTERM): stop taking work, finish the jobs in flight, then stop the API.
// Threading: Start/Stop from one thread; everything else internal.
#pragma once

#include <memory>
#include <string>

#include "vault/base/status.h"
#include "vault/daemon/vault.h"

namespace vault::daemon {

class Server {
 public:
  struct Options {
    std::string listen;  // "host:port"; empty = config's api.listen
  };
  static Result<std::unique_ptr<Server>> Create(Vault& vault, Options o);
  ~Server();
  // Binds the API, writes run/api, starts workers and the inbox watcher.
  Status Start();
  // The bound address ("http://127.0.0.1:PORT").
  std::string address() const;
  // Graceful stop; idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::daemon
