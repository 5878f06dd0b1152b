// hash_bench: runs the fixity hashing engine (HashPool) over every file under a directory,
// opened as a LocalTier, and reports files/s and MB/s (MB = 10^6 bytes). Only the HashAll
// calls are timed (listing the directory is not).
//
// usage: hash_bench DIR [--threads N] [--buffer BYTES] [--no-drop-cache] [--drop-warm]
//                       [--algorithm NAME] [--calls-of N] [--print]
//   --drop-warm   drop also files that were entirely cached before (keep_warm_files = false):
//                 what reading cold files costs in DONTNEED, measured on a warm cache
//   --calls-of N  hash in sequential HashAll calls of N requests (default: one call for all)
//   --print       print "digest  DIR/key" lines (for checking against sha256sum)
// Last line: "RESULT tool=hash_bench files=F bytes=B seconds=S ..." for scripts.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "vault/fixity/hash_pool.h"
#include "vault/tiers/tier.h"

namespace {

// CPU seconds (user + system) of the whole process so far.
double CpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s DIR [--threads N] [--buffer BYTES] [--no-drop-cache] [--drop-warm] "
               "[--algorithm NAME] [--calls-of N] [--print]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return Usage(argv[0]);
  }
  std::string dir = argv[1];
  vault::fixity::HashPool::Options options;
  std::string algorithm = "sha256";
  size_t calls_of = 0;
  bool print = false;
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--threads") {
      const char* v = next();
      if (v == nullptr) {
        return Usage(argv[0]);
      }
      options.threads = std::atoi(v);
    } else if (a == "--buffer") {
      const char* v = next();
      if (v == nullptr) {
        return Usage(argv[0]);
      }
      options.buffer_bytes = std::strtoull(v, nullptr, 10);
    } else if (a == "--no-drop-cache") {
      options.drop_cache = false;
    } else if (a == "--drop-warm") {
      options.keep_warm_files = false;
    } else if (a == "--algorithm") {
      const char* v = next();
      if (v == nullptr) {
        return Usage(argv[0]);
      }
      algorithm = v;
    } else if (a == "--calls-of") {
      const char* v = next();
      if (v == nullptr) {
        return Usage(argv[0]);
      }
      calls_of = std::strtoull(v, nullptr, 10);
    } else if (a == "--print") {
      print = true;
    } else {
      return Usage(argv[0]);
    }
  }

  auto tier = vault::tiers::OpenLocalTier("bench", dir);
  if (!tier.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), tier.status().ToString().c_str());
    return 1;
  }
  std::vector<vault::HashRequest> reqs;
  vault::Status listed =
      (*tier)->List("", [&](std::string_view key, const vault::tiers::ObjectInfo& info) {
        reqs.push_back({std::string(key), algorithm, info.size});
        return true;
      });
  if (!listed.ok()) {
    std::fprintf(stderr, "list %s: %s\n", dir.c_str(), listed.ToString().c_str());
    return 1;
  }
  if (calls_of == 0) {
    calls_of = reqs.size();
  }

  vault::fixity::HashPool pool(options);
  std::vector<vault::HashOutcome> out;
  out.reserve(reqs.size());
  const double cpu_start = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < reqs.size(); i += calls_of) {
    std::vector<vault::HashRequest> part(
        reqs.begin() + static_cast<std::ptrdiff_t>(i),
        reqs.begin() + static_cast<std::ptrdiff_t>(std::min(reqs.size(), i + calls_of)));
    auto got = pool.HashAll(**tier, part);
    for (auto& o : got) {
      out.push_back(std::move(o));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;

  size_t errors = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].status.ok()) {
      if (++errors <= 5) {
        std::fprintf(stderr, "%s\n", out[i].status.ToString().c_str());
      }
    } else if (print) {
      std::printf("%s  %s/%s\n", out[i].digest.c_str(), dir.c_str(), reqs[i].key.c_str());
    }
  }
  FILE* report = print ? stderr : stdout;
  const double mb = static_cast<double>(pool.bytes_hashed()) / 1e6;
  std::fprintf(
      report,
      "hash_bench: %zu files, %.1f MB in %.3f s: %.0f files/s, %.1f MB/s "
      "(cpu %.3f s; threads %d, buffer %zu, drop_cache %d, keep_warm_files %d, %zu errors)\n",
      out.size(), mb, seconds, static_cast<double>(out.size()) / seconds, mb / seconds, cpu,
      pool.threads(), options.buffer_bytes, options.drop_cache ? 1 : 0,
      options.keep_warm_files ? 1 : 0, errors);
  std::fprintf(report,
               "RESULT tool=hash_bench files=%llu bytes=%llu seconds=%.6f cpu=%.3f errors=%zu\n",
               static_cast<unsigned long long>(pool.files_hashed()),
               static_cast<unsigned long long>(pool.bytes_hashed()), seconds, cpu, errors);
  return errors == 0 ? 0 : 1;
}
