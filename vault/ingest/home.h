// The layout of a vault home directory (DESIGN.md §3). Pure path arithmetic, no I/O.
#pragma once

#include <filesystem>

namespace vault::ingest {

struct HomePaths {
  std::filesystem::path root;
  std::filesystem::path config() const { return root / "vault.toml"; }
  std::filesystem::path catalog() const { return root / "catalog"; }
  std::filesystem::path log() const { return root / "log"; }
  std::filesystem::path inbox() const { return root / "inbox"; }
  std::filesystem::path staging() const { return root / "staging"; }
  std::filesystem::path quarantine() const { return root / "quarantine"; }
  std::filesystem::path receipts() const { return root / "receipts"; }
  std::filesystem::path run() const { return root / "run"; }
  std::filesystem::path keys() const { return root / "keys"; }
  std::filesystem::path secrets() const { return root / "secrets"; }
};

}  // namespace vault::ingest
