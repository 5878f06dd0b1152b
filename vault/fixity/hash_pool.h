// HashPool: the fixity hashing engine. Re-hashes stored files as fast as the machine allows,
// on every core, without evicting the page cache and within a read-rate cap.
//
// What it does for each HashRequest {key, algorithm}:
//   - Local fast path (tier.LocalPath(key) is set): open(O_RDONLY|O_CLOEXEC|O_NOFOLLOW, and
//     O_NOATIME when the process may use it), posix_fadvise(SEQUENTIAL) for files larger than
//     one buffer, read() into a per-thread reusable buffer, hash with a per-thread reusable
//     OpenSSL context, and with Options::drop_cache posix_fadvise(DONTNEED) over what was read
//     (every 8 MiB for large files, so the vault's pages never pile up in the cache) — except
//     for files that were entirely cached before the read (Options::keep_warm_files): the
//     cache is left as it was found, neither filled by the verifier nor robbed of others' pages.
//   - Otherwise: Tier::ReadAt in buffer-sized chunks (MemTier, object stores).
//   - With a RateLimiter: before every read, Acquire() the bytes that read is expected to
//     return (from HashRequest::expected_size, at most one buffer); after it, Acquire() any
//     surplus. So every byte read is paid for, mostly in advance; a file shorter than
//     expected_size is charged its expected size.
// Outcomes (HashOutcome): OK with the lower-case hex digest and the bytes read; kNotFound when
// the key does not exist (ENOENT/ENOTDIR); kInvalidArgument for an unknown algorithm (the file
// is not opened); kCancelled when the limiter was cancelled before the file was finished;
// kIoError for everything else (a symlink, a directory, EACCES, EIO...), with a message naming
// the tier and the key. No error aborts the batch: every request gets its own outcome.
//
// Scheduling: each HashAll call becomes a job split into batches — a file of 4 MiB or more is a
// batch of its own, smaller files are grouped (up to 64 files or a few MiB), large batches
// first. Threads claim whole batches with one atomic increment, so small files pay no
// hand-off per file. The calling thread hashes its own job too; the pool's workers serve every
// running job in turn, so concurrent callers share them.
//
// Memory: per hashing thread one buffer of Options::buffer_bytes plus one OpenSSL context per
// algorithm used; per call the outcomes. Nothing is allocated per file besides its outcome.
//
// Threading: HashAll, AsContentHasher's function and the counters may be used from any number
// of threads at once. The tier and the limiter must outlive the calls that use them. Do not
// destroy the pool while a HashAll call is running (the destructor joins the workers).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "vault/fixity/rate_limiter.h"
#include "vault/model/hashing.h"

namespace vault::fixity {

class HashPool {
 public:
  struct Options {
    // Threads hashing one HashAll call: the pool starts threads - 1 workers and the calling
    // thread is the last one. 0 = std::thread::hardware_concurrency().
    int threads = 0;
    // Read size and per-thread buffer (at least 4 KiB).
    size_t buffer_bytes = 1 << 20;
    // Drop the pages read from the page cache (local tiers only): posix_fadvise(DONTNEED).
    bool drop_cache = true;
    // With drop_cache: leave alone files that were entirely in the page cache before they were
    // read (someone else is using them; dropping would evict their working set). Needs
    // cachestat(2), Linux 6.5+; on older kernels (or under a seccomp filter that forbids it)
    // every file is dropped. False: drop every file, as DONTNEED alone does.
    bool keep_warm_files = true;
  };

  explicit HashPool(Options options);
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;
  HashPool(HashPool&&) = delete;
  HashPool& operator=(HashPool&&) = delete;
  ~HashPool();  // joins the workers

  // Hashes every request of `reqs` on `tier` and returns one outcome per request, in request
  // order. Blocking; thread-safe (see above). `limiter` (may be null) caps the read rate; once
  // it is cancelled, the files not yet finished get kCancelled outcomes and the call returns
  // quickly.
  std::vector<HashOutcome> HashAll(const tiers::Tier& tier, const std::vector<HashRequest>& reqs,
                                   RateLimiter* limiter = nullptr);

  // A ContentHasher calling HashAll with `limiter`. The pool (and the limiter) must outlive it.
  ContentHasher AsContentHasher(RateLimiter* limiter = nullptr);

  // Totals over the pool's life: bytes read and hashed, files hashed successfully.
  uint64_t bytes_hashed() const { return bytes_hashed_.load(std::memory_order_relaxed); }
  uint64_t files_hashed() const { return files_hashed_.load(std::memory_order_relaxed); }
  // Threads hashing one call (workers + the caller).
  int threads() const { return threads_; }

 private:
  struct Job;
  struct ThreadState;

  void WorkerLoop();
  // Claims and runs batches of `job` until none is left.
  void RunJob(Job& job, ThreadState& ts);
  void RunBatch(Job& job, size_t batch, ThreadState& ts);
  void RemoveJob(const Job* job);

  const Options options_;
  const int threads_;

  // Lock order: mu_ is a leaf lock (never held while hashing or while taking a Job's lock).
  std::mutex mu_;
  std::condition_variable work_cv_;        // workers wait here for jobs
  std::deque<std::shared_ptr<Job>> jobs_;  // guarded by mu_: jobs with unclaimed batches
  size_t next_job_ = 0;                    // guarded by mu_: round-robin over jobs_
  bool stop_ = false;                      // guarded by mu_
  // Buffers and hashers lent to calling threads (one per concurrent caller, kept for reuse).
  std::vector<std::unique_ptr<ThreadState>> spare_states_;  // guarded by mu_
  std::vector<std::thread> workers_;

  std::atomic<uint64_t> bytes_hashed_{0};
  std::atomic<uint64_t> files_hashed_{0};
};

}  // namespace vault::fixity
