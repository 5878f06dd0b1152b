// vaultctl identify PATH... [--json] [--signature-dir DIR] [--binary-only] [--threads N]: offline PRONOM
// identification (formats/pronom/identify.h) of files, recursing into directories (symlinks
// are reported, never followed). Text output: one line per file
//   path  PUID  name  version  basis
// (UNKNOWN / - / none when unidentified, ERROR and the reason when unreadable). --json prints
// one document {"signature_version", "files": [{path, size, puid, name, version, mime, basis,
// matches, warning, extension_mismatch[, error]}]}.
// Exit 0 all identified, 1 some unidentified or unreadable, 2 usage (including signature
// files not found).
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/pronom/identify.h"
#include "tools/vaultctl/commands.h"

namespace vault::ctl {
namespace {

namespace fs = std::filesystem;

struct IdentifyArgs {
  std::vector<std::string> paths;
  std::string signature_dir;
  bool json = false;
  bool binary_only = false;
  unsigned threads = 1;
};

// Files under `p` in sorted order (a file or symlink is itself); directories are not followed
// through symlinks.
void Collect(const fs::path& p, std::vector<fs::path>* out) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(p, ec);
  if (!ec && fs::is_directory(st)) {
    std::vector<fs::path> children;
    for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
      children.push_back(it->path());
    }
    if (ec) {
      out->push_back(p);  // reported as unreadable below
      return;
    }
    std::sort(children.begin(), children.end());
    for (const fs::path& c : children) Collect(c, out);
    return;
  }
  out->push_back(p);
}

int Run(const IdentifyArgs& a) {
  auto found = pronom::FindSignatureFiles(a.signature_dir);
  if (!found.ok()) {
    std::cerr << "vaultctl identify: " << found.status().message()
              << " (use --signature-dir DIR or set VAULT_PRONOM_DIR)\n";
    return kExitUsage;
  }
  std::error_code dir_ec;
  if (!a.signature_dir.empty() &&
      !fs::equivalent(found->first.parent_path(), a.signature_dir, dir_ec)) {
    // An explicit directory must hold the files itself (no silent fallback).
    std::cerr << "vaultctl identify: no DROID_SignatureFile_V*.xml in " << a.signature_dir << "\n";
    return kExitUsage;
  }
  pronom::IdentifierOptions opts;
  opts.binary_only = a.binary_only;
  auto id = pronom::Identifier::Load(found->first, found->second, opts);
  if (!id.ok()) {
    std::cerr << "vaultctl identify: " << id.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<fs::path> files;
  for (const std::string& p : a.paths) Collect(p, &files);

  nlohmann::json doc = {{"signature_version", (*id)->version()},
                        {"files", nlohmann::json::array()}};
  // Identify (in parallel when asked: the Identifier is const and thread-safe), then print in
  // path order.
  std::vector<std::optional<Result<pronom::Identification>>> results(files.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < files.size(); i = next++) results[i] = (*id)->IdentifyFile(files[i]);
  };
  const unsigned n = std::max(1u, std::min<unsigned>(a.threads, 64));
  if (n == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }
  bool all = true;
  for (size_t i = 0; i < files.size(); ++i) {
    const fs::path& f = files[i];
    const Result<pronom::Identification>& r = *results[i];
    std::error_code ec;
    const uint64_t size = fs::is_regular_file(fs::symlink_status(f, ec)) ? fs::file_size(f, ec) : 0;
    if (!r.ok()) {
      all = false;
      if (a.json) {
        doc["files"].push_back({{"path", f.string()},
                                {"size", size},
                                {"puid", ""},
                                {"basis", "none"},
                                {"matches", nlohmann::json::array()},
                                {"error", std::string(r.status().message())}});
      } else {
        std::cout << f.string() << "  ERROR  " << r.status().message() << "\n";
      }
      continue;
    }
    const pronom::FormatMatch* best = r->best();
    if (best == nullptr) all = false;
    if (a.json) {
      nlohmann::json matches = nlohmann::json::array();
      for (const pronom::FormatMatch& m : r->matches) {
        matches.push_back({{"puid", m.puid},
                           {"name", m.name},
                           {"version", m.version},
                           {"mime", m.mime},
                           {"basis", std::string(pronom::BasisName(m.basis))}});
      }
      doc["files"].push_back(
          {{"path", f.string()},
           {"size", size},
           {"puid", best ? best->puid : ""},
           {"name", best ? best->name : ""},
           {"version", best ? best->version : ""},
           {"mime", best ? best->mime : ""},
           {"basis", std::string(pronom::BasisName(best ? best->basis : pronom::Basis::kNone))},
           {"matches", std::move(matches)},
           {"extension_mismatch", r->extension_mismatch},
           {"warning", r->warning}});
    } else if (best != nullptr) {
      std::cout << f.string() << "  " << best->puid << "  " << best->name << "  "
                << (best->version.empty() ? "-" : best->version) << "  "
                << pronom::BasisName(best->basis) << "\n";
    } else {
      std::cout << f.string() << "  UNKNOWN  -  -  none\n";
    }
  }
  if (a.json) {
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return all ? kExitOk : kExitNegative;
}

}  // namespace

void AddIdentifyCommands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<IdentifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "identify",
      "identify file formats (PRONOM PUIDs, DROID signatures) offline; exit 0 all identified, "
      "1 some unidentified, 2 usage");
  cmd->add_option("PATH", args->paths, "files or directories (recursed)")->required();
  cmd->add_flag("--json", args->json, "print one JSON document");
  cmd->add_option("--signature-dir", args->signature_dir,
                  "directory with DROID_SignatureFile_V*.xml and container-signature-*.xml "
                  "(default: $VAULT_PRONOM_DIR, then the corpora)");
  cmd->add_flag("--binary-only", args->binary_only, "binary signatures only (no containers)");
  cmd->add_option("--threads", args->threads, "identify with N threads (output order unchanged)")
      ->check(CLI::Range(1, 64));
  cmd->callback([args, &ctx] { ctx.exit_code = Run(*args); });
}

}  // namespace vault::ctl
