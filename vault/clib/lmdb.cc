#include "vault/clib/lmdb.h"

#include <cerrno>
#include <string>

namespace vault {

Status LmdbStatus(int rc, std::string_view op) {
  if (rc == MDB_SUCCESS) {
    return Status::Ok();
  }
  // mdb_strerror gives "MDB_MAP_FULL: Environment mapsize limit reached" for LMDB codes and
  // strerror() text for errno values; IsLmdbMapFull relies on the "MDB_MAP_FULL" prefix.
  std::string msg = std::string(op) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(msg);
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_DBS_FULL:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL:
      return Status::ResourceExhausted(msg);
    case MDB_MAP_RESIZED:
      return Status::Unavailable(msg);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::Corruption(msg);
    case MDB_KEYEXIST:
      return Status::AlreadyExists(msg);
    default:
      break;
  }
  if (rc > 0) {
    return Status::FromErrno(rc, op, "");
  }
  return Status::Internal(msg);
}

bool IsLmdbMapFull(const Status& s) {
  return s.code() == Code::kResourceExhausted &&
         s.message().find("MDB_MAP_FULL") != std::string_view::npos;
}

namespace lmdb {

Result<Env> Env::Open(const std::filesystem::path& dir, const Options& options) {
  MDB_env* raw = nullptr;
  VAULT_RETURN_IF_ERROR(LmdbStatus(mdb_env_create(&raw), "mdb_env_create"));
  Env env(raw);  // closes on every error path below
  VAULT_RETURN_IF_ERROR(LmdbStatus(mdb_env_set_maxdbs(raw, options.max_dbs), "mdb_env_set_maxdbs"));
  VAULT_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_maxreaders(raw, options.max_readers), "mdb_env_set_maxreaders"));
  VAULT_RETURN_IF_ERROR(
      LmdbStatus(mdb_env_set_mapsize(raw, options.map_bytes), "mdb_env_set_mapsize"));
  int rc = mdb_env_open(raw, dir.c_str(), options.flags, options.mode);
  if (rc != MDB_SUCCESS) {
    return LmdbStatus(rc, "mdb_env_open " + dir.string());
  }
  return env;
}

uint64_t Env::MapSize() const {
  MDB_envinfo info{};
  if (mdb_env_info(env_, &info) != MDB_SUCCESS) {
    return 0;
  }
  return info.me_mapsize;
}

Status Env::SetMapSize(uint64_t bytes) {
  return LmdbStatus(mdb_env_set_mapsize(env_, bytes), "mdb_env_set_mapsize");
}

Result<Txn> Txn::Begin(MDB_env* env, unsigned flags) {
  MDB_txn* t = nullptr;
  VAULT_RETURN_IF_ERROR(LmdbStatus(mdb_txn_begin(env, nullptr, flags, &t), "mdb_txn_begin"));
  return Txn(t);
}

Result<MDB_dbi> Txn::OpenDbi(const char* name, unsigned flags) const {
  MDB_dbi dbi = 0;
  VAULT_RETURN_IF_ERROR(
      LmdbStatus(mdb_dbi_open(txn_, name, flags, &dbi), std::string("mdb_dbi_open ") + name));
  return dbi;
}

Result<std::optional<std::string>> Txn::Get(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = ToVal(key);
  MDB_val v{};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) {
    return std::optional<std::string>();
  }
  VAULT_RETURN_IF_ERROR(LmdbStatus(rc, "mdb_get"));
  return std::optional<std::string>(std::string(ToView(v)));
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) const {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return LmdbStatus(mdb_put(txn_, dbi, &k, &v, flags), "mdb_put");
}

Result<bool> Txn::Del(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) {
    return false;
  }
  VAULT_RETURN_IF_ERROR(LmdbStatus(rc, "mdb_del"));
  return true;
}

Result<Cursor> Cursor::Open(const Txn& txn, MDB_dbi dbi) {
  MDB_cursor* c = nullptr;
  VAULT_RETURN_IF_ERROR(LmdbStatus(mdb_cursor_open(txn.get(), dbi, &c), "mdb_cursor_open"));
  return Cursor(c);
}

Result<bool> Cursor::Get(MDB_cursor_op op, std::string_view* key, std::string_view* value) {
  MDB_val k = ToVal(key ? *key : std::string_view());
  MDB_val v{};
  int rc = mdb_cursor_get(cur_, &k, &v, op);
  if (rc == MDB_NOTFOUND) {
    return false;
  }
  VAULT_RETURN_IF_ERROR(LmdbStatus(rc, "mdb_cursor_get"));
  if (key) {
    *key = ToView(k);
  }
  if (value) {
    *value = ToView(v);
  }
  return true;
}

}  // namespace lmdb
}  // namespace vault
