#include "formats/bagit/bagit.h"

#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include <openssl/evp.h>

#include "vault/base/fs.h"
#include "vault/base/hex.h"
#include "vault/base/unicode.h"

namespace vault::bagit {
namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers.

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsWs(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsWs(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && IsWs(s.back()))
    s.remove_suffix(1);
  return s;
}

bool IsHex(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  if (s.empty())
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Nfc(std::string_view s) {
  std::optional<std::string> n = ToNfc(s);
  return n ? *n : std::string(s);
}

// Decodes the three escapes RFC 8493 defines for file paths: %0A, %0D and %25 (any case).
// Other '%' sequences are left as they are (0.96/0.97 bags contain literal "%7E").
std::string PercentDecode(std::string_view s, bool* other_percent) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      std::string code = Lower(s.substr(i + 1, 2));
      if (code == "0a") {
        out.push_back('\n');
        i += 2;
        continue;
      }
      if (code == "0d") {
        out.push_back('\r');
        i += 2;
        continue;
      }
      if (code == "25") {
        out.push_back('%');
        i += 2;
        continue;
      }
      *other_percent = true;
    } else if (s[i] == '%') {
      *other_percent = true;
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\n')
      out += "%0A";
    else if (c == '\r')
      out += "%0D";
    else
      out.push_back(c);
  }
  return out;
}

// Rule for a path named in a manifest or fetch.txt (before the "data/" check): returns the
// reason it could reach outside the bag, or nullopt. CR/LF are legal (percent-encoded) here.
std::optional<std::string> UnsafePathReason(std::string_view p) {
  if (p.empty())
    return "empty path";
  if (p.front() == '/')
    return "absolute path";
  if (p.front() == '~')
    return "home-directory shortcut";
  if (p.find('\0') != std::string_view::npos)
    return "NUL byte";
  if (p.find('\\') != std::string_view::npos)
    return "backslash";
  if (p.size() >= 2 && p[1] == ':' && std::isalpha(static_cast<unsigned char>(p[0]))) {
    return "drive letter";
  }
  if (!IsValidUtf8(p))
    return "invalid UTF-8";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos)
      end = p.size();
    std::string_view comp = p.substr(start, end - start);
    if (comp.empty())
      return "empty path component";
    if (comp == "." || comp == "..")
      return "'" + std::string(comp) + "' component";
    start = end + 1;
  }
  return std::nullopt;
}

bool IsSystemJunk(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::string b = Lower(base);
  return b == ".ds_store" || b == "thumbs.db" || b == "desktop.ini" || b == "ehthumbs.db" ||
         base.substr(0, 2) == "._" || b == ".spotlight-v100" || b == ".trashes" || b == "icon\r";
}

// ---------------------------------------------------------------------------------------------
// Digest algorithms: the four of vault::crypto plus sha224/sha384 through EVP directly.

struct AlgoInfo {
  std::string name;
  size_t hex_len;
  std::optional<DigestAlgorithm> std_algo;
  const char* evp_name;
};

std::optional<AlgoInfo> LookupAlgo(std::string_view name) {
  if (name == "md5")
    return AlgoInfo{"md5", 32, DigestAlgorithm::kMd5, nullptr};
  if (name == "sha1")
    return AlgoInfo{"sha1", 40, DigestAlgorithm::kSha1, nullptr};
  if (name == "sha256")
    return AlgoInfo{"sha256", 64, DigestAlgorithm::kSha256, nullptr};
  if (name == "sha512")
    return AlgoInfo{"sha512", 128, DigestAlgorithm::kSha512, nullptr};
  if (name == "sha224")
    return AlgoInfo{"sha224", 56, std::nullopt, "SHA224"};
  if (name == "sha384")
    return AlgoInfo{"sha384", 96, std::nullopt, "SHA384"};
  return std::nullopt;
}

struct EvpCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct EvpMdFree {
  void operator()(EVP_MD* m) const noexcept { EVP_MD_free(m); }
};

// Hashes `path` once with every algorithm in `names` (all supported). Returns name -> hex.
Result<std::pair<uint64_t, std::map<std::string, std::string>>> HashAll(
    const fs::path& path, const std::set<std::string>& names) {
  std::vector<DigestAlgorithm> std_algos;
  std::vector<std::string> std_names;
  std::vector<std::pair<std::string, std::unique_ptr<EVP_MD_CTX, EvpCtxFree>>> extra;
  std::vector<std::unique_ptr<EVP_MD, EvpMdFree>> mds;
  for (const std::string& n : names) {
    std::optional<AlgoInfo> a = LookupAlgo(n);
    if (!a)
      continue;
    if (a->std_algo) {
      std_algos.push_back(*a->std_algo);
      std_names.push_back(n);
    } else {
      std::unique_ptr<EVP_MD, EvpMdFree> md(EVP_MD_fetch(nullptr, a->evp_name, nullptr));
      std::unique_ptr<EVP_MD_CTX, EvpCtxFree> ctx(EVP_MD_CTX_new());
      if (!md || !ctx || EVP_DigestInit_ex(ctx.get(), md.get(), nullptr) != 1) {
        return OpenSslStatus(std::string("init ") + a->evp_name);
      }
      mds.push_back(std::move(md));
      extra.emplace_back(n, std::move(ctx));
    }
  }
  std::optional<MultiHasher> mh;
  if (!std_algos.empty()) {
    VAULT_ASSIGN_OR_RETURN(MultiHasher h, MultiHasher::Create(std_algos));
    mh.emplace(std::move(h));
  }
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid())
    return Status::FromErrno(errno, "open", path.string());
  std::vector<char> buf(1 << 20);
  uint64_t size = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return Status::FromErrno(errno, "read", path.string());
    }
    if (n == 0)
      break;
    size += static_cast<uint64_t>(n);
    if (mh)
      mh->Update(buf.data(), static_cast<size_t>(n));
    for (auto& [name, ctx] : extra)
      EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  std::map<std::string, std::string> out;
  if (mh) {
    std::vector<std::string> hex = mh->Finish();
    for (size_t i = 0; i < hex.size(); ++i)
      out[std_names[i]] = hex[i];
  }
  for (auto& [name, ctx] : extra) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
      return OpenSslStatus("final " + name);
    out[name] = HexEncode(md, len);
  }
  return std::make_pair(size, std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Reading tag files line by line with a bounded line length.

// Yields lines split at LF, CR or CRLF from a byte source. A line longer than `max` stops the
// reader (TooLong). Memory use is bounded by `max` plus one buffer.
class LineReader {
 public:
  using Source = std::function<Result<size_t>(char*, size_t)>;
  LineReader(Source src, size_t max) : src_(std::move(src)), max_(max), buf_(64 * 1024) {}

  enum class Got { kLine, kEof, kTooLong };
  Result<Got> Next(std::string* line) {
    line->clear();
    bool any = false;
    for (;;) {
      if (pos_ == len_) {
        if (eof_)
          return any ? Got::kLine : Got::kEof;
        VAULT_ASSIGN_OR_RETURN(len_, src_(buf_.data(), buf_.size()));
        pos_ = 0;
        if (len_ == 0) {
          eof_ = true;
          continue;
        }
      }
      char c = buf_[pos_++];
      if (skip_lf_) {
        skip_lf_ = false;
        if (c == '\n')
          continue;
      }
      if (c == '\n')
        return Got::kLine;
      if (c == '\r') {
        skip_lf_ = true;
        return Got::kLine;
      }
      any = true;
      if (line->size() >= max_)
        return Got::kTooLong;
      line->push_back(c);
    }
  }

 private:
  Source src_;
  size_t max_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  bool skip_lf_ = false;
};

bool IsUtf8Name(std::string_view enc) {
  std::string e = Lower(enc);
  return e == "utf-8" || e == "utf8";
}

// ---------------------------------------------------------------------------------------------
// The validator.

struct ManifestEntry {
  std::string path;    // decoded
  std::string digest;  // lower-case
  uint64_t line = 0;
};

struct Manifest {
  std::string file;  // "manifest-md5.txt"
  std::string algo;
  bool supported = false;
  std::vector<ManifestEntry> entries;
};

class Validator {
 public:
  Validator(fs::path root, const Options& opt, const std::map<std::string, std::string>* pre)
      : root_(std::move(root)), opt_(opt), pre_(pre) {}

  Result<Report> Run() {
    VAULT_RETURN_IF_ERROR(Walk("", 0));
    if (!ReadDeclaration())
      return Finish();
    if (!dirs_.count("data")) {
      Error("bagit.payload.missing_data_dir", "the payload directory data/ is missing", "data");
    }
    CheckDiskCollisions();
    VAULT_RETURN_IF_ERROR(ReadBagInfo());
    VAULT_RETURN_IF_ERROR(ReadManifests());
    VAULT_RETURN_IF_ERROR(ReadFetch());
    VAULT_RETURN_IF_ERROR(CheckPayload());
    CheckOxum();
    VAULT_RETURN_IF_ERROR(CheckTagManifests());
    return Finish();
  }

 private:
  void Error(std::string code, std::string msg, std::string path) {
    report_.errors.push_back(Issue{std::move(code), std::move(msg), std::move(path)});
  }
  void Warn(std::string code, std::string msg, std::string path) {
    report_.warnings.push_back(Issue{std::move(code), std::move(msg), std::move(path)});
  }

  Report Finish() {
    std::sort(report_.tag_files.begin(), report_.tag_files.end());
    report_.valid = report_.errors.empty();
    return std::move(report_);
  }

  bool V10() const { return version_major_ >= 1; }

  // Lists the bag without following symlinks.
  Status Walk(const std::string& rel, int depth) {
    fs::path dir = rel.empty() ? root_ : root_ / rel;
    VAULT_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirSorted(dir));
    for (const std::string& n : names) {
      std::string child = rel.empty() ? n : rel + "/" + n;
      struct stat st;
      fs::path p = root_ / child;
      if (::lstat(p.c_str(), &st) != 0)
        return Status::FromErrno(errno, "lstat", p.string());
      if (S_ISLNK(st.st_mode)) {
        Error("bagit.payload.symlink", "symbolic link in the bag (never followed): " + child,
              child);
      } else if (S_ISDIR(st.st_mode)) {
        dirs_.insert(child);
        if (depth > 256)
          return Status::InvalidArgument("directory tree too deep: " + p.string());
        VAULT_RETURN_IF_ERROR(Walk(child, depth + 1));
      } else if (S_ISREG(st.st_mode)) {
        uint64_t size = static_cast<uint64_t>(st.st_size);
        if (child.rfind("data/", 0) == 0) {
          payload_disk_[child] = size;
        } else {
          tag_disk_[child] = size;
          report_.tag_files.push_back(child);
        }
      } else {
        Error("bagit.payload.special_file", "special file (device, FIFO or socket): " + child,
              child);
      }
    }
    return Status::Ok();
  }

  void CheckDiskCollisions() {
    for (const auto& [path, size] : payload_disk_) {
      nfc_disk_[Nfc(path)].push_back(path);
    }
    for (const auto& [nfc, paths] : nfc_disk_) {
      if (paths.size() > 1) {
        std::string all;
        for (const auto& p : paths)
          all += (all.empty() ? "'" : ", '") + p + "'";
        Error("bagit.payload.normalization_collision",
              "payload files whose names are equal after Unicode normalisation: " + all,
              paths.front());
      }
    }
  }

  // Reads a whole tag file (bounded) and returns its text as UTF-8.
  std::optional<std::string> ReadWholeTagFile(const std::string& rel, bool declared_utf8,
                                              Status* env) {
    Result<std::string> raw = ReadFileToString(root_ / rel, opt_.max_tag_file_bytes);
    if (!raw.ok()) {
      if (raw.status().code() == Code::kResourceExhausted) {
        Error("bagit.tagfile.too_large",
              rel + ": larger than " + std::to_string(opt_.max_tag_file_bytes) + " bytes", rel);
      } else if (raw.status().code() == Code::kIoError) {
        *env = raw.status();
      } else {
        Error("bagit.tagfile.unreadable", rel + ": " + std::string(raw.status().message()), rel);
      }
      return std::nullopt;
    }
    return Decode(rel, *raw, declared_utf8);
  }

  std::optional<std::string> Decode(const std::string& rel, std::string raw, bool utf8) {
    if (utf8) {
      if (raw.rfind("\xEF\xBB\xBF", 0) == 0) {
        Warn("bagit.tagfile.bom", rel + ": starts with a byte-order mark", rel);
        raw.erase(0, 3);
      }
      if (!IsValidUtf8(raw)) {
        Error("bagit.tagfile.encoding", rel + ": not valid UTF-8", rel);
        return std::nullopt;
      }
      return raw;
    }
    iconv_t cd = iconv_open("UTF-8", encoding_.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) {
      Error("bagit.tagfile.encoding",
            rel + ": unsupported Tag-File-Character-Encoding '" + encoding_ + "'", rel);
      return std::nullopt;
    }
    std::string out(raw.size() * 4 + 16, '\0');
    char* in_p = raw.data();
    size_t in_left = raw.size();
    char* out_p = out.data();
    size_t out_left = out.size();
    size_t r = iconv(cd, &in_p, &in_left, &out_p, &out_left);
    iconv_close(cd);
    if (r == static_cast<size_t>(-1)) {
      Error("bagit.tagfile.encoding", rel + ": not valid " + encoding_ + " text", rel);
      return std::nullopt;
    }
    out.resize(out.size() - out_left);
    if (out.rfind("\xEF\xBB\xBF", 0) == 0)
      out.erase(0, 3);  // BOM of UTF-16/32 input
    return out;
  }

  // Calls `fn(line, line_no)` for each line of tag file `rel`. UTF-8 files are streamed.
  // Returns false (after recording an issue) when the file could not be read to the end.
  Result<bool> ForEachLine(const std::string& rel,
                           const std::function<void(const std::string&, uint64_t)>& fn) {
    std::unique_ptr<LineReader> reader;
    std::string text;
    ScopedFd fd;
    if (IsUtf8Name(encoding_)) {
      fs::path p = root_ / rel;
      fd = ScopedFd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid()) {
        Error("bagit.tagfile.unreadable", rel + ": cannot open: " + std::strerror(errno), rel);
        return false;
      }
      int raw_fd = fd.get();
      std::string ps = p.string();
      reader = std::make_unique<LineReader>(
          [raw_fd, ps](char* buf, size_t cap) -> Result<size_t> {
            for (;;) {
              ssize_t n = ::read(raw_fd, buf, cap);
              if (n >= 0)
                return static_cast<size_t>(n);
              if (errno != EINTR)
                return Status::FromErrno(errno, "read", ps);
            }
          },
          opt_.max_line_bytes);
    } else {
      Status env;
      std::optional<std::string> t = ReadWholeTagFile(rel, false, &env);
      VAULT_RETURN_IF_ERROR(env);
      if (!t)
        return false;
      text = std::move(*t);
      size_t off = 0;
      reader = std::make_unique<LineReader>(
          [&text, off](char* buf, size_t cap) mutable -> Result<size_t> {
            size_t n = std::min(cap, text.size() - off);
            std::memcpy(buf, text.data() + off, n);
            off += n;
            return n;
          },
          opt_.max_line_bytes);
    }
    std::string line;
    uint64_t no = 0;
    for (;;) {
      VAULT_ASSIGN_OR_RETURN(LineReader::Got got, reader->Next(&line));
      if (got == LineReader::Got::kEof)
        break;
      ++no;
      if (got == LineReader::Got::kTooLong) {
        Error("bagit.manifest.line_too_long",
              rel + " line " + std::to_string(no) + ": longer than " +
                  std::to_string(opt_.max_line_bytes) + " bytes; the rest of the file is ignored",
              rel);
        return false;
      }
      if (no == 1 && IsUtf8Name(encoding_) && line.rfind("\xEF\xBB\xBF", 0) == 0) {
        Warn("bagit.tagfile.bom", rel + ": starts with a byte-order mark", rel);
        line.erase(0, 3);
      }
      if (IsUtf8Name(encoding_) && !IsValidUtf8(line)) {
        Error("bagit.tagfile.encoding", rel + " line " + std::to_string(no) + ": not valid UTF-8",
              rel);
        continue;
      }
      fn(line, no);
    }
    return true;
  }

  bool ReadDeclaration() {
    if (!tag_disk_.count("bagit.txt")) {
      Error("bagit.declaration.missing", "bagit.txt is missing", "bagit.txt");
      return false;
    }
    Result<std::string> raw = ReadFileToString(root_ / "bagit.txt", 4096);
    if (!raw.ok()) {
      Error("bagit.declaration.malformed", "bagit.txt: " + std::string(raw.status().message()),
            "bagit.txt");
      return false;
    }
    std::string_view text = *raw;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) {
      Error("bagit.declaration.bom", "bagit.txt starts with a byte-order mark (not allowed)",
            "bagit.txt");
      return false;
    }
    if (!IsValidUtf8(text)) {
      Error("bagit.declaration.malformed", "bagit.txt is not valid UTF-8", "bagit.txt");
      return false;
    }
    std::vector<std::string> lines;
    std::string cur;
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '\r' || c == '\n') {
        lines.push_back(cur);
        cur.clear();
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
          ++i;
      } else {
        cur.push_back(c);
      }
    }
    if (!cur.empty())
      lines.push_back(cur);
    while (!lines.empty() && lines.back().empty())
      lines.pop_back();
    // Exact form first; a lenient reading (whitespace around label or value) is an error too but
    // lets validation go on so that every other issue is reported as well.
    auto field = [&](size_t idx, std::string_view label) -> std::optional<std::string> {
      if (idx >= lines.size())
        return std::nullopt;
      const std::string& l = lines[idx];
      std::string prefix = std::string(label) + ": ";
      if (l.rfind(prefix, 0) == 0) {
        std::string v = l.substr(prefix.size());
        if (!v.empty() && !IsWs(v.front()) && !IsWs(v.back()))
          return v;
      }
      size_t colon = l.find(':');
      if (colon == std::string::npos || Trim(std::string_view(l).substr(0, colon)) != label) {
        return std::nullopt;
      }
      std::string v(Trim(std::string_view(l).substr(colon + 1)));
      if (v.empty())
        return std::nullopt;
      Error("bagit.declaration.malformed",
            "bagit.txt line " + std::to_string(idx + 1) + ": expected exactly '" +
                std::string(label) + ": " + v + "', found '" + l + "' (stray whitespace)",
            "bagit.txt");
      return v;
    };
    std::optional<std::string> version = field(0, "BagIt-Version");
    if (!version) {
      Error("bagit.declaration.malformed",
            "bagit.txt line 1: expected 'BagIt-Version: M.N', found '" +
                (lines.empty() ? std::string() : lines[0]) + "'",
            "bagit.txt");
      return false;
    }
    size_t dot = version->find('.');
    if (dot == std::string::npos || !IsDigits(version->substr(0, dot)) ||
        !IsDigits(version->substr(dot + 1))) {
      Error("bagit.declaration.version_invalid",
            "bagit.txt line 1: version '" + *version + "' is not of the form M.N", "bagit.txt");
      return false;
    }
    static const std::set<std::string> kKnown = {"0.93", "0.94", "0.95", "0.96", "0.97", "1.0"};
    if (!kKnown.count(*version)) {
      Error("bagit.declaration.version_unsupported",
            "bagit.txt line 1: unsupported BagIt version '" + *version + "'", "bagit.txt");
      return false;
    }
    report_.version = *version;
    version_major_ = std::stoi(version->substr(0, dot));
    version_minor_ = std::stoi(version->substr(dot + 1));
    std::optional<std::string> enc = field(1, "Tag-File-Character-Encoding");
    if (!enc) {
      Error(lines.size() < 2 ? "bagit.declaration.encoding_missing" : "bagit.declaration.malformed",
            "bagit.txt line 2: expected exactly 'Tag-File-Character-Encoding: ENCODING'",
            "bagit.txt");
      return false;
    }
    encoding_ = *enc;
    if (lines.size() > 2) {
      Warn("bagit.declaration.malformed", "bagit.txt has lines after line 2 (ignored)",
           "bagit.txt");
    }
    if (!IsUtf8Name(encoding_)) {
      iconv_t cd = iconv_open("UTF-8", encoding_.c_str());
      if (cd == reinterpret_cast<iconv_t>(-1)) {
        Error("bagit.tagfile.encoding",
              "bagit.txt line 2: unsupported Tag-File-Character-Encoding '" + encoding_ + "'",
              "bagit.txt");
        return false;
      }
      iconv_close(cd);
    }
    return true;
  }

  Status ReadBagInfo() {
    std::string file = "bag-info.txt";
    if (!tag_disk_.count(file) && !V10() && version_minor_ < 96 &&
        tag_disk_.count("package-info.txt")) {
      file = "package-info.txt";
    }
    if (!tag_disk_.count(file))
      return Status::Ok();
    Status env;
    std::optional<std::string> text = ReadWholeTagFile(file, IsUtf8Name(encoding_), &env);
    VAULT_RETURN_IF_ERROR(env);
    if (!text)
      return Status::Ok();
    std::vector<std::pair<std::string, std::string>>& info = report_.info;
    uint64_t no = 0;
    size_t start = 0;
    std::string_view t = *text;
    while (start < t.size()) {
      size_t end = t.find_first_of("\r\n", start);
      if (end == std::string_view::npos)
        end = t.size();
      std::string_view line = t.substr(start, end - start);
      start = end + 1;
      if (end < t.size() && t[end] == '\r' && start < t.size() && t[start] == '\n')
        ++start;
      ++no;
      std::string where = file + " line " + std::to_string(no);
      if (line.size() > opt_.max_line_bytes) {
        Error("bagit.manifest.line_too_long",
              where + ": longer than " + std::to_string(opt_.max_line_bytes) + " bytes", file);
        break;
      }
      if (Trim(line).empty())
        continue;
      if (IsWs(line.front())) {
        if (info.empty()) {
          Error("bagit.baginfo.malformed", where + ": continuation line without a label", file);
        } else {
          info.back().second += " " + std::string(Trim(line));
        }
        continue;
      }
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        Error("bagit.baginfo.malformed", where + ": no ':' between label and value", file);
        continue;
      }
      std::string_view label = line.substr(0, colon);
      if (V10() && Trim(label) != label) {
        Warn("bagit.baginfo.label_whitespace",
             where + ": whitespace around label '" + std::string(Trim(label)) + "'", file);
      }
      label = Trim(label);
      if (label.empty()) {
        Error("bagit.baginfo.malformed", where + ": empty label", file);
        continue;
      }
      info.emplace_back(std::string(label), std::string(Trim(line.substr(colon + 1))));
    }
    static const std::set<std::string> kOnce = {"bagging-date", "bag-size", "payload-oxum",
                                                "bag-group-identifier", "bag-count"};
    std::map<std::string, int> seen;
    for (const auto& [label, value] : info) {
      std::string l = Lower(label);
      if (kOnce.count(l) && ++seen[l] == 2) {
        Warn("bagit.baginfo.repeated_reserved",
             file + ": reserved element '" + label + "' appears more than once", file);
      }
    }
    return Status::Ok();
  }

  // Parses one manifest (payload or tag). `payload` selects the data/ rule.
  Status ParseManifest(const std::string& file, const std::string& algo, bool payload,
                       Manifest* m) {
    m->file = file;
    m->algo = algo;
    std::optional<AlgoInfo> info = LookupAlgo(algo);
    m->supported = info.has_value();
    VAULT_ASSIGN_OR_RETURN(
        bool complete, ForEachLine(file, [&](const std::string& raw_line, uint64_t no) {
          std::string where = file + " line " + std::to_string(no);
          std::string_view line = raw_line;
          if (Trim(line).empty())
            return;
          size_t ws = line.find_first_of(" \t");
          if (ws == std::string_view::npos) {
            Error("bagit.manifest.malformed_line", where + ": expected 'checksum filepath'", file);
            return;
          }
          std::string_view digest = line.substr(0, ws);
          std::string_view rest = line.substr(ws);
          while (!rest.empty() && IsWs(rest.front()))
            rest.remove_prefix(1);
          if (rest.empty()) {
            Error("bagit.manifest.malformed_line", where + ": no file path after the checksum",
                  file);
            return;
          }
          if (!IsHex(digest) || (info && digest.size() != info->hex_len)) {
            Error("bagit.manifest.malformed_digest",
                  where + ": '" + std::string(digest) + "' is not a " + algo + " hex digest", file);
            return;
          }
          std::string raw_path(rest);
          if (raw_path.front() == '*') {
            Warn("bagit.manifest.binary_marker",
                 where + ": md5sum-style '*' before the path (ignored)", file);
            raw_path.erase(0, 1);
          }
          bool other_percent = false;
          std::string path = PercentDecode(raw_path, &other_percent);
          if (other_percent && V10()) {
            Warn("bagit.manifest.unencoded_percent",
                 where + ": '%' not followed by 0A, 0D or 25 (RFC 8493 requires %25)", path);
          }
          if (path.rfind("./", 0) == 0) {
            Warn("bagit.manifest.dot_slash", where + ": path starts with './'", path);
            while (path.rfind("./", 0) == 0)
              path.erase(0, 2);
          }
          if (std::optional<std::string> why = UnsafePathReason(path)) {
            Error(payload ? "bagit.manifest.unsafe_path" : "bagit.tagmanifest.unsafe_path",
                  where + ": path '" + path + "' is refused (" + *why + "); it is not opened",
                  path);
            return;
          }
          if (payload && path.rfind("data/", 0) != 0) {
            Error("bagit.manifest.path_outside_payload",
                  where + ": path '" + path + "' is outside the payload directory data/", path);
            return;
          }
          m->entries.push_back(ManifestEntry{path, Lower(digest), no});
        }));
    (void)complete;
    return Status::Ok();
  }

  Status ReadManifests() {
    for (const auto& [file, size] : tag_disk_) {
      if (file.find('/') != std::string::npos)
        continue;
      bool tag = file.rfind("tagmanifest-", 0) == 0;
      bool pay = file.rfind("manifest-", 0) == 0;
      if ((!tag && !pay) || file.size() < 5 || file.substr(file.size() - 4) != ".txt")
        continue;
      std::string algo = file.substr(tag ? 12 : 9, file.size() - 4 - (tag ? 12 : 9));
      Manifest m;
      VAULT_RETURN_IF_ERROR(ParseManifest(file, algo, pay, &m));
      if (!m.supported) {
        Warn("bagit.manifest.unsupported_algorithm",
             file + ": digest algorithm '" + algo +
                 "' is not supported; its digests are not checked",
             file);
      }
      (tag ? tag_manifests_ : manifests_).push_back(std::move(m));
    }
    if (manifests_.empty()) {
      Error("bagit.manifest.missing", "no payload manifest (manifest-<algorithm>.txt)", "");
    } else if (opt_.check_digests && std::none_of(manifests_.begin(), manifests_.end(),
                                                  [](const Manifest& m) { return m.supported; })) {
      Error("bagit.manifest.none_verifiable",
            "no payload manifest uses a supported algorithm; the payload cannot be verified", "");
    }
    return Status::Ok();
  }

  Status ReadFetch() {
    if (!tag_disk_.count("fetch.txt"))
      return Status::Ok();
    VAULT_ASSIGN_OR_RETURN(
        bool complete, ForEachLine("fetch.txt", [&](const std::string& raw, uint64_t no) {
          std::string where = "fetch.txt line " + std::to_string(no);
          std::string_view line = raw;
          if (Trim(line).empty())
            return;
          size_t a = line.find_first_of(" \t");
          if (a == std::string_view::npos) {
            Error("bagit.fetch.malformed", where + ": expected 'url length filepath'", "fetch.txt");
            return;
          }
          std::string_view rest = line.substr(a);
          while (!rest.empty() && IsWs(rest.front()))
            rest.remove_prefix(1);
          size_t b = rest.find_first_of(" \t");
          if (b == std::string_view::npos) {
            Error("bagit.fetch.malformed", where + ": expected 'url length filepath'", "fetch.txt");
            return;
          }
          std::string_view length = rest.substr(0, b);
          rest = rest.substr(b);
          while (!rest.empty() && IsWs(rest.front()))
            rest.remove_prefix(1);
          if ((length != "-" && !IsDigits(length)) || rest.empty()) {
            Error("bagit.fetch.malformed", where + ": expected 'url length filepath'", "fetch.txt");
            return;
          }
          bool other = false;
          std::string path = PercentDecode(rest, &other);
          if (std::optional<std::string> why = UnsafePathReason(path)) {
            Error("bagit.fetch.unsafe_path",
                  where + ": path '" + path + "' is refused (" + *why + "); it is not opened",
                  path);
            return;
          }
          if (path.rfind("data/", 0) != 0) {
            Error("bagit.fetch.path_outside_payload",
                  where + ": path '" + path + "' is outside the payload directory data/", path);
            return;
          }
          fetch_[Nfc(path)] = where;
        }));
    (void)complete;
    return Status::Ok();
  }

  // Disk path for a manifest path: exact, else the single disk name equal under NFC.
  std::optional<std::string> Resolve(const std::string& path) const {
    if (payload_disk_.count(path))
      return path;
    auto it = nfc_disk_.find(Nfc(path));
    if (it != nfc_disk_.end() && it->second.size() == 1)
      return it->second.front();
    return std::nullopt;
  }

  Status CheckPayload() {
    // key: NFC of the manifest path.
    struct Agg {
      std::string path;
      std::map<std::string, std::string> digests;  // algo -> digest (supported algos)
      std::set<std::string> in_manifests;
      std::string first_where;
    };
    std::map<std::string, Agg> agg;
    for (const Manifest& m : manifests_) {
      std::map<std::string, const ManifestEntry*> seen;  // NFC key -> first entry
      for (const ManifestEntry& e : m.entries) {
        std::string key = Nfc(e.path);
        std::string where = m.file + " line " + std::to_string(e.line);
        auto [it, inserted] = seen.emplace(key, &e);
        if (!inserted) {
          const ManifestEntry& first = *it->second;
          std::string same = first.path == e.path ? "listed again"
                                                  : "listed again in another Unicode normalisation";
          if (first.digest != e.digest) {
            Error("bagit.manifest.conflicting_entries",
                  where + ": '" + e.path + "' " + same + " (first on line " +
                      std::to_string(first.line) + ") with a different digest",
                  e.path);
          } else if (V10()) {
            Error("bagit.manifest.duplicate_entry",
                  where + ": '" + e.path + "' " + same + " (first on line " +
                      std::to_string(first.line) + "); RFC 8493 lists each file once",
                  e.path);
          } else {
            Warn("bagit.manifest.duplicate_entry",
                 where + ": '" + e.path + "' " + same + " (first on line " +
                     std::to_string(first.line) + ") with the same digest",
                 e.path);
          }
          continue;
        }
        Agg& a = agg[key];
        if (a.path.empty()) {
          a.path = e.path;
          a.first_where = where;
        }
        a.in_manifests.insert(m.file);
        if (m.supported)
          a.digests[m.algo] = e.digest;
      }
    }
    // Every manifest lists every payload entry.
    for (const auto& [key, a] : agg) {
      for (const Manifest& m : manifests_) {
        if (!a.in_manifests.count(m.file)) {
          Error("bagit.manifest.incomplete",
                m.file + ": does not list '" + a.path + "' (listed in " + a.first_where + ")",
                a.path);
        }
      }
    }
    // Case-insensitive index of entries that exist on disk (bags made on case-insensitive file
    // systems list "a.txt" and "A.txt" for one file).
    std::map<std::string, std::vector<const Agg*>> by_fold;
    for (const auto& [key, a] : agg)
      by_fold[Lower(key)].push_back(&a);

    std::set<std::string> listed_disk;
    std::map<std::string, std::set<std::string>> need;  // disk path -> algorithms
    std::vector<std::pair<const Agg*, std::string>> present;
    for (const auto& [key, a] : agg) {
      std::optional<std::string> disk = Resolve(a.path);
      if (!disk) {
        bool case_dup = false;
        for (const Agg* other : by_fold[Lower(key)]) {
          if (other != &a && Resolve(other->path) && other->digests == a.digests)
            case_dup = true;
        }
        if (case_dup) {
          Warn("bagit.manifest.case_duplicate",
               a.first_where + ": '" + a.path +
                   "' is missing but differs only in case from a listed file with the same digest",
               a.path);
        } else if (IsSystemJunk(a.path)) {
          Warn("bagit.payload.system_file_missing",
               a.first_where + ": operating-system file '" + a.path +
                   "' is listed but missing (commonly stripped in transfer)",
               a.path);
          ++tolerated_missing_;
        } else if (fetch_.count(key)) {
          Error("bagit.fetch.unfetched",
                fetch_[key] + ": '" + a.path +
                    "' is to be fetched but is not present; the bag is incomplete (nothing is "
                    "fetched)",
                a.path);
        } else {
          Error("bagit.manifest.missing_file",
                a.first_where + ": '" + a.path + "' is listed but not present", a.path);
        }
        PayloadEntry pe;
        pe.path = a.path;
        pe.digests = a.digests;
        report_.payload.push_back(std::move(pe));
        continue;
      }
      if (IsSystemJunk(a.path)) {
        Warn("bagit.payload.system_file",
             "payload contains the operating-system file '" + a.path + "'", a.path);
      }
      listed_disk.insert(*disk);
      for (const auto& [algo, d] : a.digests)
        need[*disk].insert(algo);
      present.emplace_back(&a, *disk);
    }
    for (const auto& [path, size] : payload_disk_) {
      if (!listed_disk.count(path)) {
        Error("bagit.payload.unlisted_file",
              "'" + path + "' is in data/ but not listed in any payload manifest", path);
      }
    }
    for (const auto& [key, where] : fetch_) {
      if (!agg.count(key)) {
        Error("bagit.fetch.not_in_manifest",
              where + ": the fetched file is not listed in the payload manifests", key);
      }
    }
    // Digests: each file read once with all the algorithms it needs.
    std::map<std::string, std::map<std::string, std::string>> computed;
    if (opt_.check_digests) {
      for (const auto& [disk, algos] : need) {
        if (pre_ && algos.size() == 1 && *algos.begin() == "sha256") {
          auto it = pre_->find(disk);
          if (it != pre_->end()) {
            computed[disk]["sha256"] = it->second;
            continue;
          }
        }
        VAULT_ASSIGN_OR_RETURN(auto hashed, HashAll(root_ / disk, algos));
        computed[disk] = std::move(hashed.second);
      }
    }
    for (const auto& [a, disk] : present) {
      PayloadEntry pe;
      pe.path = a->path;
      pe.disk_path = disk;
      pe.size = payload_disk_[disk];
      pe.digests = a->digests;
      if (opt_.check_digests) {
        for (const auto& [algo, expected] : a->digests) {
          const std::string& got = computed[disk][algo];
          if (got != expected) {
            Error("bagit.manifest.digest_mismatch",
                  "manifest-" + algo + ".txt: '" + a->path + "' has " + algo + " " + got +
                      ", the manifest says " + expected,
                  a->path);
          }
        }
      }
      report_.payload.push_back(std::move(pe));
    }
    std::sort(report_.payload.begin(), report_.payload.end(),
              [](const PayloadEntry& x, const PayloadEntry& y) { return x.path < y.path; });
    return Status::Ok();
  }

  void CheckOxum() {
    for (const auto& [label, value] : report_.info) {
      if (Lower(label) != "payload-oxum")
        continue;
      size_t dot = value.find('.');
      if (dot == std::string::npos || !IsDigits(value.substr(0, dot)) ||
          !IsDigits(value.substr(dot + 1)) || value.size() > 40) {
        Error("bagit.oxum.malformed",
              "bag-info.txt: Payload-Oxum '" + value + "' is not OctetCount.StreamCount",
              "bag-info.txt");
        continue;
      }
      uint64_t octets = std::stoull(value.substr(0, dot));
      uint64_t count = std::stoull(value.substr(dot + 1));
      uint64_t actual_octets = 0;
      for (const auto& [p, s] : payload_disk_)
        actual_octets += s;
      uint64_t actual_count = payload_disk_.size();
      if (octets == actual_octets && count == actual_count)
        continue;
      std::string msg = "bag-info.txt: Payload-Oxum is " + value + " but the payload has " +
                        std::to_string(actual_octets) + " bytes in " +
                        std::to_string(actual_count) + " files";
      if (tolerated_missing_ > 0 && count == actual_count + tolerated_missing_ &&
          octets >= actual_octets) {
        Warn("bagit.oxum.unverifiable", msg + " (explained by missing operating-system files)",
             "bag-info.txt");
      } else {
        Error("bagit.oxum.mismatch", msg, "bag-info.txt");
      }
    }
  }

  Status CheckTagManifests() {
    for (const Manifest& m : tag_manifests_) {
      std::set<std::string> seen;
      for (const ManifestEntry& e : m.entries) {
        std::string where = m.file + " line " + std::to_string(e.line);
        if (!seen.insert(e.path).second) {
          Warn("bagit.manifest.duplicate_entry", where + ": '" + e.path + "' listed again", e.path);
          continue;
        }
        bool exists = tag_disk_.count(e.path) || payload_disk_.count(e.path);
        if (!exists) {
          Error("bagit.tagmanifest.missing_file",
                where + ": '" + e.path + "' is listed but not present", e.path);
          continue;
        }
        if (!m.supported || !opt_.check_digests)
          continue;
        VAULT_ASSIGN_OR_RETURN(auto hashed, HashAll(root_ / e.path, {m.algo}));
        const std::string& got = hashed.second[m.algo];
        if (got != e.digest) {
          Error("bagit.tagmanifest.digest_mismatch",
                where + ": '" + e.path + "' has " + m.algo + " " + got + ", the manifest says " +
                    e.digest,
                e.path);
        }
      }
    }
    return Status::Ok();
  }

  fs::path root_;
  Options opt_;
  const std::map<std::string, std::string>* pre_;
  Report report_;
  std::string encoding_ = "UTF-8";
  int version_major_ = 1;
  int version_minor_ = 0;
  std::set<std::string> dirs_;
  std::map<std::string, uint64_t> payload_disk_;              // "data/..." -> size
  std::map<std::string, uint64_t> tag_disk_;                  // other files -> size
  std::map<std::string, std::vector<std::string>> nfc_disk_;  // NFC -> disk payload paths
  std::vector<Manifest> manifests_, tag_manifests_;
  std::map<std::string, std::string> fetch_;  // NFC path -> "fetch.txt line N"
  uint64_t tolerated_missing_ = 0;
};

}  // namespace

Result<std::filesystem::path> FindBagRoot(const std::filesystem::path& dir) {
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(dir / "bagit.txt", ec)))
    return dir;
  std::vector<fs::path> subdirs;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code st_ec;
    if (fs::is_directory(fs::symlink_status(it->path(), st_ec)))
      subdirs.push_back(it->path());
  }
  if (ec)
    return Status::FromErrno(ec.value(), "list", dir.string());
  std::error_code st_ec;
  if (subdirs.size() == 1 &&
      fs::is_regular_file(fs::symlink_status(subdirs[0] / "bagit.txt", st_ec))) {
    return subdirs[0];
  }
  return Status::InvalidArgument("no bagit.txt in " + dir.string() +
                                 " nor in a single subdirectory");
}

Result<Report> ValidateBag(const std::filesystem::path& bag_root, const Options& options,
                           const std::map<std::string, std::string>* precomputed_sha256) {
  struct stat st;
  if (::stat(bag_root.c_str(), &st) != 0)
    return Status::FromErrno(errno, "stat", bag_root.string());
  if (!S_ISDIR(st.st_mode))
    return Status::InvalidArgument("not a directory: " + bag_root.string());
  Validator v(bag_root, options, precomputed_sha256);
  return v.Run();
}

Result<Report> ValidateBagAtPath(const std::filesystem::path& path, const Options& options,
                                 const archive::ExtractLimits& limits) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::FromErrno(errno, "stat", path.string());
  auto single_error = [](std::string code, std::string msg, std::string p) {
    Report r;
    r.errors.push_back(Issue{std::move(code), std::move(msg), std::move(p)});
    return r;
  };
  if (S_ISDIR(st.st_mode)) {
    Result<fs::path> root = FindBagRoot(path);
    if (!root.ok()) {
      if (root.status().code() != Code::kInvalidArgument)
        return std::move(root).status();
      return single_error("bagit.package.no_bag_root", std::string(root.status().message()), "");
    }
    return ValidateBag(*root, options);
  }
  if (!S_ISREG(st.st_mode) || !archive::LooksLikeArchive(path)) {
    return single_error("bagit.package.unrecognized",
                        path.string() + " is neither a bag directory nor a zip/tar archive", "");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/vault-bag-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return Status::FromErrno(errno, "mkdtemp", tmpl);
  fs::path work = tmpl;
  struct Cleanup {
    fs::path p;
    ~Cleanup() { (void)RemoveTree(p); }
  } cleanup{work};
  VAULT_ASSIGN_OR_RETURN(archive::ExtractOutcome out,
                         archive::ExtractArchive(path, work, limits, /*fsync_files=*/false));
  if (out.violation) {
    return single_error(out.violation->rule,
                        path.filename().string() + ": " + out.violation->message,
                        out.violation->path);
  }
  Result<fs::path> root = FindBagRoot(work);
  if (!root.ok()) {
    return single_error("bagit.package.no_bag_root",
                        path.filename().string() +
                            ": no bagit.txt at the top of the archive or "
                            "in its single top-level directory",
                        "");
  }
  std::string prefix = fs::relative(*root, work).string();
  prefix = (prefix == "." || prefix.empty()) ? "" : prefix + "/";
  std::map<std::string, std::string> pre;
  for (const archive::ExtractedFile& f : out.files) {
    if (f.path.rfind(prefix, 0) == 0)
      pre[f.path.substr(prefix.size())] = f.sha256;
  }
  return ValidateBag(*root, options, &pre);
}

namespace {

// Names come from hostile packages: escape invalid UTF-8 so that JSON output never throws.
std::string SafeUtf8(const std::string& s) {
  if (IsValidUtf8(s))
    return s;
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x" + HexEncode(&c, 1);
    }
  }
  return out;
}

}  // namespace

nlohmann::json ReportToJson(const Report& r) {
  auto issues = [](const std::vector<Issue>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const Issue& i : v) {
      a.push_back({{"code", i.code}, {"message", SafeUtf8(i.message)}, {"path", SafeUtf8(i.path)}});
    }
    return a;
  };
  uint64_t bytes = 0;
  uint64_t files = 0;
  for (const PayloadEntry& p : r.payload) {
    if (p.disk_path.empty())
      continue;
    bytes += p.size;
    ++files;
  }
  nlohmann::json j = {
      {"valid", r.valid},     {"errors", issues(r.errors)}, {"warnings", issues(r.warnings)},
      {"version", r.version}, {"payload_files", files},     {"payload_bytes", bytes}};
  return j;
}

namespace {

Status ListPayload(const fs::path& root, const std::string& rel, std::vector<std::string>* out) {
  fs::path dir = root / rel;
  VAULT_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirSorted(dir));
  for (const std::string& n : names) {
    std::string child = rel + "/" + n;
    struct stat st;
    fs::path p = root / child;
    if (::lstat(p.c_str(), &st) != 0)
      return Status::FromErrno(errno, "lstat", p.string());
    if (S_ISDIR(st.st_mode)) {
      VAULT_RETURN_IF_ERROR(ListPayload(root, child, out));
    } else if (S_ISREG(st.st_mode)) {
      out->push_back(child);
    } else {
      return Status::InvalidArgument("not a regular file or directory: " + p.string());
    }
  }
  return Status::Ok();
}

}  // namespace

Status WriteBag(const std::filesystem::path& dir, const std::vector<DigestAlgorithm>& algorithms,
                const std::vector<std::pair<std::string, std::string>>& info) {
  if (algorithms.empty())
    return Status::InvalidArgument("WriteBag: no digest algorithm");
  std::vector<std::string> files;
  VAULT_RETURN_IF_ERROR(CreateDirsDurable(dir / "data"));
  VAULT_RETURN_IF_ERROR(ListPayload(dir, "data", &files));
  std::vector<std::string> manifests(algorithms.size());
  uint64_t octets = 0;
  for (const std::string& f : files) {
    VAULT_ASSIGN_OR_RETURN(FileDigests d, HashFile(dir / f, algorithms));
    octets += d.size;
    for (size_t i = 0; i < algorithms.size(); ++i) {
      manifests[i] += d.hex[i] + "  " + PercentEncode(f) + "\n";
    }
  }
  VAULT_RETURN_IF_ERROR(WriteFileDurable(
      dir / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"));
  std::vector<std::string> tag_files = {"bagit.txt", "bag-info.txt"};
  for (size_t i = 0; i < algorithms.size(); ++i) {
    std::string name = "manifest-" + std::string(DigestName(algorithms[i])) + ".txt";
    VAULT_RETURN_IF_ERROR(WriteFileDurable(dir / name, manifests[i]));
    tag_files.push_back(name);
  }
  std::string bag_info;
  bool has_date = false;
  for (const auto& [label, value] : info) {
    std::string l = Lower(label);
    if (l == "payload-oxum")
      continue;  // always computed here
    if (l == "bagging-date")
      has_date = true;
    std::string v = value;
    std::replace(v.begin(), v.end(), '\n', ' ');
    std::replace(v.begin(), v.end(), '\r', ' ');
    bag_info += label + ": " + v + "\n";
  }
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[16];
  std::strftime(date, sizeof(date), "%Y-%m-%d", &tm);
  bag_info += "Payload-Oxum: " + std::to_string(octets) + "." + std::to_string(files.size()) + "\n";
  if (!has_date)
    bag_info += std::string("Bagging-Date: ") + date + "\n";
  VAULT_RETURN_IF_ERROR(WriteFileDurable(dir / "bag-info.txt", bag_info));
  for (DigestAlgorithm a : algorithms) {
    std::string tm_text;
    for (const std::string& t : tag_files) {
      VAULT_ASSIGN_OR_RETURN(FileDigests d, HashFile(dir / t, {a}));
      tm_text += d.hex[0] + "  " + t + "\n";
    }
    VAULT_RETURN_IF_ERROR(
        WriteFileDurable(dir / ("tagmanifest-" + std::string(DigestName(a)) + ".txt"), tm_text));
  }
  return Status::Ok();
}

}  // namespace vault::bagit
