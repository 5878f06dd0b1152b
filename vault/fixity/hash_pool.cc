#include "vault/fixity/hash_pool.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "vault/base/fs.h"
#include "vault/clib/crypto.h"
#include "vault/tiers/tier.h"

namespace vault::fixity {
namespace {

// A file this large is a batch of its own; smaller files are grouped.
constexpr uint64_t kLargeFile = 4U << 20;
// Limits of a batch of small files: enough work to make claiming it cheap, small enough that
// the threads finish a job at nearly the same time.
constexpr size_t kMaxBatchFiles = 64;
constexpr uint64_t kMinBatchBytes = 256U << 10;
constexpr uint64_t kMaxBatchBytes = 4U << 20;
// Large files drop what they read from the page cache every this many bytes.
constexpr uint64_t kDropEvery = 8U << 20;
constexpr size_t kPage = 4096;
// cachestat(2) is 451 on every architecture (the generic table); Debian 12's headers predate it.
constexpr long kSysCachestat = 451;

struct FreeDeleter {
  void operator()(char* p) const noexcept { std::free(p); }
};

std::string Where(const tiers::Tier& tier, std::string_view key) {
  std::string s = "hash ";
  s.append(tier.name()).append(":").append(key);
  return s;
}

}  // namespace

// What one hashing thread keeps from file to file: the read buffer and one OpenSSL context per
// algorithm it has met. Owned by a worker, or lent to a calling thread for one HashAll.
struct HashPool::ThreadState {
  explicit ThreadState(size_t n)
      : buffer(static_cast<char*>(std::aligned_alloc(kPage, (n + kPage - 1) / kPage * kPage))),
        size(n) {
    VAULT_CHECK(buffer != nullptr);
  }

  // The hasher for `algorithm`, created on first use.
  Result<ReusableHasher*> HasherFor(const std::string& algorithm) {
    for (auto& [name, h] : hashers) {
      if (name == algorithm) {
        return &h;
      }
    }
    VAULT_ASSIGN_OR_RETURN(ReusableHasher h, ReusableHasher::Create(algorithm));
    hashers.emplace_back(algorithm, std::move(h));
    return &hashers.back().second;
  }

  std::unique_ptr<char, FreeDeleter> buffer;
  size_t size;
  std::vector<std::pair<std::string, ReusableHasher>> hashers;
  bool try_noatime = true;  // cleared after the first EPERM (not the file's owner)
};

// One HashAll call. Batch b is the requests order[batch_begin[b] .. batch_begin[b + 1]).
// Threads claim batches with next_batch; each outcome is written by exactly one thread, and
// the caller reads them only after done_batches reached the number of batches (under done_mu,
// which orders the writes before the read).
struct HashPool::Job {
  const tiers::Tier* tier = nullptr;
  const std::vector<HashRequest>* reqs = nullptr;
  RateLimiter* limiter = nullptr;
  std::vector<size_t> order;
  std::vector<size_t> batch_begin;  // size = batches + 1
  std::vector<HashOutcome> outcomes;

  std::atomic<size_t> next_batch{0};
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t done_batches = 0;  // guarded by done_mu

  size_t batches() const { return batch_begin.size() - 1; }
};

namespace {

// Splits the requests into batches: files of kLargeFile or more alone, largest first (they
// take longest), then the small files in request order, grouped.
void PlanBatches(const std::vector<HashRequest>& reqs, int threads, std::vector<size_t>* order,
                 std::vector<size_t>* batch_begin) {
  order->clear();
  batch_begin->clear();
  order->reserve(reqs.size());
  uint64_t small_bytes = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].expected_size >= kLargeFile) {
      order->push_back(i);
    } else {
      small_bytes += reqs[i].expected_size;
    }
  }
  std::stable_sort(order->begin(), order->end(), [&](size_t a, size_t b) {
    return reqs[a].expected_size > reqs[b].expected_size;
  });
  for (size_t k = 0; k < order->size(); ++k) {
    batch_begin->push_back(k);
  }

  // About four batches per thread, within [kMinBatchBytes, kMaxBatchBytes].
  const uint64_t target = std::clamp<uint64_t>(small_bytes / (static_cast<uint64_t>(threads) * 4),
                                               kMinBatchBytes, kMaxBatchBytes);
  size_t files = 0;
  uint64_t bytes = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].expected_size >= kLargeFile) {
      continue;
    }
    if (files == 0) {
      batch_begin->push_back(order->size());
    }
    order->push_back(i);
    ++files;
    bytes += reqs[i].expected_size;
    if (files == kMaxBatchFiles || bytes >= target) {
      files = 0;
      bytes = 0;
    }
  }
  batch_begin->push_back(order->size());
}

// Opens a stored file for hashing. O_NOFOLLOW: a symlink where a stored file should be is an
// error (ELOOP), never followed. O_NOATIME saves an inode write per file when we own the file.
int OpenForHashing(const char* path, bool* try_noatime) {
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
  while (true) {
    int fd = ::open(path, *try_noatime ? kFlags | O_NOATIME : kFlags);
    if (fd >= 0) {
      return fd;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EPERM && *try_noatime) {
      *try_noatime = false;
      continue;
    }
    return -1;
  }
}

Status LocalError(int err, std::string_view op, const std::string& path) {
  if (err == ENOENT || err == ENOTDIR) {
    return Status::NotFound(std::string(op) + " " + path + ": no such file");
  }
  if (err == ELOOP) {
    return Status::IoError(std::string(op) + " " + path + ": is a symlink");
  }
  Status s = Status::FromErrno(err, op, path);
  return Status::IoError(s.message());
}

// Pages of `fd`'s file in the page cache (cachestat(2), Linux 6.5+), or -1 when the kernel
// cannot tell: ENOSYS on older kernels, EPERM under seccomp filters that do not know it. After
// the first failure it is not tried again.
int64_t CachedPages(int fd) {
  static std::atomic<bool> unavailable{false};
  if (unavailable.load(std::memory_order_relaxed)) {
    return -1;
  }
  struct {
    uint64_t off = 0, len = 0;  // len 0: to the end of the file
  } range;
  struct {
    uint64_t nr_cache = 0, nr_dirty = 0, nr_writeback = 0, nr_evicted = 0, nr_recently_evicted = 0;
  } stat;
  if (::syscall(kSysCachestat, fd, &range, &stat, 0) != 0) {
    unavailable.store(true, std::memory_order_relaxed);
    return -1;
  }
  return static_cast<int64_t>(stat.nr_cache);
}

int64_t PagesFor(uint64_t bytes) {
  static const auto kPageSize = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return static_cast<int64_t>((bytes + kPageSize - 1) / kPageSize);
}

struct LocalReadOptions {
  bool drop_cache = true;
  bool keep_warm_files = true;
};

// Hashes the local file `path` into `h`; sets *bytes_read. On error `h` is left mid-stream (the
// caller resets it).
// Pays the limiter (if any) for the next read before it happens: up to `cap` bytes of what
// is still expected after `done`. False once the limiter is cancelled.
bool PayAhead(RateLimiter* limiter, uint64_t expected, uint64_t done, size_t cap, uint64_t* paid) {
  *paid = 0;
  if (limiter == nullptr) return true;
  if (limiter->cancelled()) return false;
  *paid = expected > done ? std::min<uint64_t>(cap, expected - done) : 0;
  if (*paid > 0) limiter->Acquire(*paid);
  return true;
}

Status HashLocalFile(const std::string& path, uint64_t expected_size, LocalReadOptions opt,
                     RateLimiter* limiter, char* buf, size_t cap, bool* try_noatime,
                     ReusableHasher& h, uint64_t* bytes_read) {
  ScopedFd fd(OpenForHashing(path.c_str(), try_noatime));
  if (!fd.valid()) {
    return LocalError(errno, "open", path);
  }
  // A file entirely in the cache before we read it belongs to someone's working set: dropping
  // it would evict exactly what drop_cache is meant to protect. Decided before the first read
  // (our own read-ahead must not count). Partly cached files are dropped whole.
  int64_t cached_before = -1;
  bool drop_as_we_go = opt.drop_cache;
  if (opt.drop_cache && opt.keep_warm_files && expected_size > 0) {
    cached_before = CachedPages(fd.get());
    if (cached_before >= PagesFor(expected_size)) {
      drop_as_we_go = false;
    }
  }
  // Small files are read in one call: read-ahead advice would be a wasted syscall.
  if (expected_size > cap) {
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  uint64_t total = 0;
  uint64_t dropped = 0;  // [0, dropped) already advised DONTNEED
  Status status;
  while (true) {
    // Pay the limiter for the bytes we expect before reading them; pay any surprise after.
    uint64_t paid = 0;
    if (!PayAhead(limiter, expected_size, total, cap, &paid)) {
      status = Status::Cancelled("fixity hashing cancelled");
      break;
    }
    ssize_t n = 0;
    do {
      n = ::read(fd.get(), buf, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      status = LocalError(errno, "read", path);
      break;
    }
    if (n == 0) {
      break;
    }
    const auto got = static_cast<size_t>(n);
    if (limiter != nullptr && got > paid) {
      limiter->Acquire(got - paid);
    }
    h.Update(buf, got);
    total += got;
    if (drop_as_we_go && total - dropped >= kDropEvery) {
      ::posix_fadvise(fd.get(), static_cast<off_t>(dropped), static_cast<off_t>(total - dropped),
                      POSIX_FADV_DONTNEED);
      dropped = total;
    }
    // A short read of a regular file is its end. When it ends exactly where the catalog said
    // it would, skip the read() that would return 0 (one syscall per small file).
    if (got < cap && total == expected_size) {
      break;
    }
  }
  if (drop_as_we_go) {
    if (total > dropped) {
      ::posix_fadvise(fd.get(), static_cast<off_t>(dropped), 0, POSIX_FADV_DONTNEED);
    }
  } else if (opt.drop_cache && PagesFor(total) > cached_before) {
    // Longer than expected_size said: not all of it was cached before after all.
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  }
  *bytes_read = total;
  return status;
}

// The portable path: Tier::ReadAt in buffer-sized chunks.
Status HashViaTier(const tiers::Tier& tier, const HashRequest& req, RateLimiter* limiter, char* buf,
                   size_t cap, ReusableHasher& h, uint64_t* bytes_read) {
  uint64_t offset = 0;
  Status status;
  while (true) {
    uint64_t paid = 0;
    if (!PayAhead(limiter, req.expected_size, offset, cap, &paid)) {
      status = Status::Cancelled("fixity hashing cancelled");
      break;
    }
    Result<size_t> r = tier.ReadAt(req.key, offset, buf, cap);
    if (!r.ok()) {
      status = std::move(r).status();
      break;
    }
    const size_t got = *r;
    if (limiter != nullptr && got > paid) {
      limiter->Acquire(got - paid);
    }
    h.Update(buf, got);
    offset += got;
    if (got < cap) {
      break;  // ReadAt is short only at the end
    }
  }
  *bytes_read = offset;
  return status;
}

}  // namespace

HashPool::HashPool(Options options)
    : options_{options.threads, std::max<size_t>(options.buffer_bytes, kPage), options.drop_cache,
               options.keep_warm_files},
      threads_(options.threads > 0
                   ? options.threads
                   : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int i = 0; i + 1 < threads_; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

HashPool::~HashPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) {
    t.join();
  }
}

void HashPool::WorkerLoop() {
  ThreadState ts(options_.buffer_bytes);
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        return;  // stopping
      }
      job = jobs_[next_job_++ % jobs_.size()];
    }
    // One batch, then back to the round-robin so that concurrent jobs share the workers.
    size_t b = job->next_batch.fetch_add(1, std::memory_order_relaxed);
    if (b >= job->batches()) {
      RemoveJob(job.get());
      continue;
    }
    RunBatch(*job, b, ts);
  }
}

void HashPool::RemoveJob(const Job* job) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(jobs_.begin(), jobs_.end(),
                         [job](const std::shared_ptr<Job>& j) { return j.get() == job; });
  if (it != jobs_.end()) {
    jobs_.erase(it);
  }
}

void HashPool::RunJob(Job& job, ThreadState& ts) {
  while (true) {
    size_t b = job.next_batch.fetch_add(1, std::memory_order_relaxed);
    if (b >= job.batches()) {
      return;
    }
    RunBatch(job, b, ts);
  }
}

void HashPool::RunBatch(Job& job, size_t batch, ThreadState& ts) {
  const tiers::Tier& tier = *job.tier;
  uint64_t bytes = 0;
  uint64_t files = 0;
  for (size_t k = job.batch_begin[batch]; k < job.batch_begin[batch + 1]; ++k) {
    const size_t i = job.order[k];
    const HashRequest& req = (*job.reqs)[i];
    HashOutcome& out = job.outcomes[i];
    if (job.limiter != nullptr && job.limiter->cancelled()) {
      out.status = Status::Cancelled(Where(tier, req.key) + ": fixity hashing cancelled");
      continue;
    }
    Result<ReusableHasher*> hr = ts.HasherFor(req.algorithm);
    if (!hr.ok()) {
      out.status = std::move(hr).status().WithContext(Where(tier, req.key));
      if (out.status.code() != Code::kInvalidArgument) {
        out.status = Status::Internal(out.status.message());
      }
      continue;
    }
    ReusableHasher& h = **hr;
    Status s;
    if (std::optional<std::filesystem::path> path = tier.LocalPath(req.key)) {
      s = HashLocalFile(
          path->native(), req.expected_size,
          {.drop_cache = options_.drop_cache, .keep_warm_files = options_.keep_warm_files},
          job.limiter, ts.buffer.get(), ts.size, &ts.try_noatime, h, &out.bytes);
    } else {
      s = HashViaTier(tier, req, job.limiter, ts.buffer.get(), ts.size, h, &out.bytes);
    }
    bytes += out.bytes;
    if (s.ok()) {
      out.digest = h.FinishHex();
      ++files;
    } else {
      h.Reset();
      out.status = std::move(s).WithContext(Where(tier, req.key));
    }
  }
  bytes_hashed_.fetch_add(bytes, std::memory_order_relaxed);
  files_hashed_.fetch_add(files, std::memory_order_relaxed);

  std::lock_guard lock(job.done_mu);
  if (++job.done_batches == job.batches()) {
    job.done_cv.notify_all();
  }
}

std::vector<HashOutcome> HashPool::HashAll(const tiers::Tier& tier,
                                           const std::vector<HashRequest>& reqs,
                                           RateLimiter* limiter) {
  auto job = std::make_shared<Job>();
  job->tier = &tier;
  job->reqs = &reqs;
  job->limiter = limiter;
  job->outcomes.resize(reqs.size());
  PlanBatches(reqs, threads_, &job->order, &job->batch_begin);
  if (job->batches() == 0) {
    return {};
  }

  const bool share = job->batches() > 1 && !workers_.empty();
  if (share) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(job);
    }
    work_cv_.notify_all();
  }

  // The caller hashes too, with a thread state borrowed from the pool's spares.
  std::unique_ptr<ThreadState> ts;
  {
    std::lock_guard lock(mu_);
    if (!spare_states_.empty()) {
      ts = std::move(spare_states_.back());
      spare_states_.pop_back();
    }
  }
  if (!ts) {
    ts = std::make_unique<ThreadState>(options_.buffer_bytes);
  }
  RunJob(*job, *ts);
  {
    std::lock_guard lock(mu_);
    spare_states_.push_back(std::move(ts));
  }
  if (share) {
    RemoveJob(job.get());
  }

  std::unique_lock lock(job->done_mu);
  job->done_cv.wait(lock, [&] { return job->done_batches == job->batches(); });
  return std::move(job->outcomes);
}

ContentHasher HashPool::AsContentHasher(RateLimiter* limiter) {
  return [this, limiter](const tiers::Tier& tier, const std::vector<HashRequest>& reqs) {
    return HashAll(tier, reqs, limiter);
  };
}

}  // namespace vault::fixity
