// PRONOM / DROID byte-pattern syntax and matcher.
//
// What this is: the parser for the byte-pattern syntax used by DROID signature files (the
// compiled binary signature syntax and the extended container syntax; see Signature-syntax.md
// in the DROID repository) and the matcher that evaluates DROID InternalSignatures against the
// bounded beginning and end of a file.
//
// Syntax accepted (one parser for both dialects, as DROID itself does):
//   hex bytes `4D 5A`, `??` (any byte), `'latin1 string'`, ranges `[30:39]` `[30-39]`
//   `['0'-'9']`, inverted ranges `[!61:7A]`, bitmasks `[&01]` (all mask bits set) and `[!&01]`,
//   byte sets `[00 C2 'A'-'Z' &01]` / `[!00 C2]`, alternatives `(00|F0 F1|'ab' [30:39])` (no
//   gaps or nested alternatives inside), gaps `{n}` `{n-m}` `{n-*}`, the unlimited gap `*`, and
//   whitespace anywhere between tokens. Errors are kInvalidArgument naming the construct and the
//   byte offset in the pattern text: "pattern: range at offset 4: low bound 39 above high 30".
//
// Matching model (DROID 6 semantics):
//   - An InternalSignature matches when all of its ByteSequences match.
//   - A ByteSequence is anchored to BOF (subsequences matched left to right from offset 0),
//     EOF (right to left from the end of the file) or Variable (left to right, unanchored).
//   - A SubSequence is one gap-free-of-`*` pattern: its elements in file order (DROID's left
//     fragments, anchor Sequence and right fragments are flattened into one element list).
//     For the first subsequence of an anchored ByteSequence, the distance from the reference
//     (BOF, or EOF) to the subsequence's outer edge (its first byte, or for EOF its last byte)
//     must lie in [min_offset, max_offset]. Every other subsequence (and the first one of a
//     Variable sequence) only needs at least min_offset bytes after the previous match (before
//     it, for EOF) and may be anywhere up to the window's end: DROID's "full file scan".
//   - The first match found (scanning away from the reference) is taken; there is no
//     backtracking across subsequences, as in DROID.
//   - Bounds: BOF and Variable sequences see only the BOF window, EOF sequences only the EOF
//     window (see Window). A signature whose bytes lie beyond its window does not match.
//
// Threading: everything here is immutable after construction; Match* functions are const and
// thread-safe, with per-call scratch state in a MatchContext.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault::pronom {

// A set of byte values (256 bits).
class ByteSet {
 public:
  void Add(uint8_t b) { w_[b >> 6] |= uint64_t{1} << (b & 63); }
  void AddRange(uint8_t lo, uint8_t hi);
  void AddAll(const ByteSet& o);
  void Invert();
  bool Has(uint8_t b) const { return ((w_[b >> 6] >> (b & 63)) & 1) != 0; }
  int Count() const;
  bool empty() const { return Count() == 0; }
  // True (and *b set) when exactly one value is in the set.
  bool Single(uint8_t* b) const;
  bool operator==(const ByteSet& o) const = default;

 private:
  uint64_t w_[4] = {0, 0, 0, 0};
};

inline constexpr uint32_t kUnbounded = std::numeric_limits<uint32_t>::max();
// Largest gap or offset accepted in a pattern or signature attribute (1 GiB).
inline constexpr uint32_t kMaxGap = uint32_t{1} << 30;

struct Element;

// A sequence of elements matched left to right.
struct Pattern {
  std::vector<Element> elements;
  // Bytes matched at least / at most (kUnbounded when an unlimited gap is inside).
  uint64_t MinLength() const;
  uint64_t MaxLength() const;
  bool empty() const { return elements.empty(); }
};

struct Element {
  enum class Kind : uint8_t { kBytes, kAlternatives, kGap };
  Kind kind = Kind::kBytes;
  // kBytes: one set per byte position (a fixed-length run). `literal` holds the bytes when every
  // set is a single value (the common case: compared with memcmp, searched with memmem).
  std::vector<ByteSet> sets;
  std::string literal;
  bool is_literal = false;
  // The single-valued byte a search looks for with memchr (the rarest one), or kNoProbe.
  static constexpr uint32_t kNoProbe = std::numeric_limits<uint32_t>::max();
  uint32_t probe = kNoProbe;
  uint8_t probe_byte = 0;
  // kAlternatives: at least one option; each option is a pattern.
  std::vector<Pattern> options;
  // kGap: between gap_min and gap_max arbitrary bytes (gap_max may be kUnbounded).
  uint32_t gap_min = 0;
  uint32_t gap_max = 0;

  static Element Bytes(std::vector<ByteSet> sets);
  static Element Gap(uint32_t min, uint32_t max);
  static Element Alternatives(std::vector<Pattern> options);
};

// Parses `text` (either dialect, see above). An empty or all-whitespace text is an error.
Result<Pattern> ParsePattern(std::string_view text);

// One subsequence of a ByteSequence (see the matching model above).
class SubSequence {
 public:
  // `pattern` must not contain unlimited gaps (split those into several subsequences first, see
  // SplitAtUnboundedGaps) and must be non-empty. max_offset < min_offset is raised to min_offset.
  static Result<SubSequence> Create(Pattern pattern, uint32_t min_offset, uint32_t max_offset);

  const Pattern& pattern() const { return pattern_; }
  uint32_t min_offset() const { return min_offset_; }
  uint32_t max_offset() const { return max_offset_; }
  // Fixed bytes this subsequence requires (a specificity measure).
  size_t fixed_bytes() const { return fixed_bytes_; }

 private:
  friend class Matcher;
  friend class SubSequenceSearch;
  SubSequence() = default;
  Pattern pattern_;
  uint32_t min_offset_ = 0;
  uint32_t max_offset_ = 0;
  // Derived: the anchor is the longest top-level kBytes element (searched first); npos if none.
  size_t anchor_ = std::numeric_limits<size_t>::max();
  uint64_t left_min_ = 0, left_max_ = 0;    // bytes before the anchor
  uint64_t right_min_ = 0, right_max_ = 0;  // bytes after the anchor
  uint64_t min_len_ = 0;
  bool fixed_length_ = false;               // min length == max length (no variable parts)
  bool all_bytes_ = false;                  // the pattern is one kBytes element
  size_t fixed_bytes_ = 0;
  // Two consecutive literal bytes of the anchor (for the per-window bigram filter), if any.
  bool has_bigram_ = false;
  uint16_t bigram_ = 0;
};

// Splits a full expression at its unlimited gaps (`*`, `{n-*}`): the first part gets
// [min_offset, max_offset], every later part gets the preceding gap's minimum as min_offset.
Result<std::vector<SubSequence>> SplitAtUnboundedGaps(const Pattern& pattern, uint32_t min_offset,
                                                      uint32_t max_offset);

enum class Reference : uint8_t { kBof, kEof, kVariable };
std::string_view ReferenceName(Reference r);  // "BOFoffset" "EOFoffset" "Variable"

struct ByteSequence {
  Reference reference = Reference::kBof;
  std::vector<SubSequence> subsequences;  // in file order (Position 1..n)
};

struct InternalSignature {
  uint32_t id = 0;
  std::vector<ByteSequence> sequences;  // sorted cheapest first by Sort()
  size_t fixed_bytes = 0;               // sum over subsequences
  // Orders the sequences as DROID does (BOF single, BOF multi, EOF single, EOF multi,
  // Variable) so cheap anchored checks reject a file before any search; sets fixed_bytes.
  void Sort();
};

// The bytes of a file available to matching. `bof` is the file's first bof.size() bytes, `eof`
// its last eof.size() bytes. When the whole file was read, pass the same data as both.
struct Window {
  std::string_view bof;
  std::string_view eof;
  uint64_t file_size = 0;
};

// Per-call scratch (reused across the signatures of one identification; not thread-safe).
class MatchContext {
 public:
  explicit MatchContext(const Window& window) : window_(window) {}
  const Window& window() const { return window_; }
  // Work counter: positions examined. A hostile file can make patterns with wide gaps costly;
  // once work exceeds the limit, further searches fail (and exhausted() is true).
  uint64_t work() const { return work_; }
  bool exhausted() const { return work_ > work_limit_; }
  void set_work_limit(uint64_t limit) { work_limit_ = limit; }

 private:
  friend class Matcher;
  const Window window_;
  uint64_t work_ = 0;
  uint64_t work_limit_ = uint64_t{200} << 20;
  // Which byte pairs occur in the BOF / EOF window (one flag byte per pair; computed on
  // first use).
  bool bof_bigrams_ready_ = false, eof_bigrams_ready_ = false;
  std::vector<uint8_t> bof_bigrams_, eof_bigrams_;
};

// A cheap pre-test of an InternalSignature, kept in a flat array so that the common case (a
// file that does not start with the signature's bytes) costs one load and compare, without
// touching the signature's heap structures. Built from the first BOF sequence (or else the
// last EOF sequence) when its anchored subsequence sits at a fixed offset and starts (ends)
// with a byte run: up to 4 of those bytes at that offset. len == 0: no pre-test possible.
struct QuickCheck {
  uint32_t offset = 0;  // from the start of the file (BOF) or back from its end (EOF)
  uint8_t len = 0;
  bool from_eof = false;
  uint8_t value[4] = {0, 0, 0, 0};
  uint8_t mask[4] = {0, 0, 0, 0};
};
QuickCheck MakeQuickCheck(const InternalSignature& sig);
// False only when the signature cannot match `w` (then Matcher::Matches would be false too).
inline bool PassesQuickCheck(const QuickCheck& q, const Window& w) {
  if (q.len == 0) return true;
  const std::string_view d = q.from_eof ? w.eof : w.bof;
  if (d.size() < uint64_t{q.offset} + q.len) return false;
  const size_t at = q.from_eof ? d.size() - q.offset - q.len : q.offset;
  for (size_t k = 0; k < q.len; ++k) {
    if ((static_cast<uint8_t>(d[at + k]) & q.mask[k]) != q.value[k]) return false;
  }
  return true;
}

// Stateless matching functions.
class Matcher {
 public:
  static bool Matches(const InternalSignature& sig, MatchContext& ctx);
  static bool Matches(const ByteSequence& seq, MatchContext& ctx);
};

}  // namespace vault::pronom
