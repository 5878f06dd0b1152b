#include "formats/pronom/signature.h"

#include <string.h>

#include <cstdio>

#include <algorithm>
#include <bit>
#include <utility>

namespace vault::pronom {

// ---------------------------------------------------------------------------------------------
// ByteSet

void ByteSet::AddRange(uint8_t lo, uint8_t hi) {
  for (unsigned b = lo; b <= hi; ++b) Add(static_cast<uint8_t>(b));
}
void ByteSet::AddAll(const ByteSet& o) {
  for (int i = 0; i < 4; ++i) w_[i] |= o.w_[i];
}
void ByteSet::Invert() {
  for (auto& w : w_) w = ~w;
}
int ByteSet::Count() const {
  int n = 0;
  for (uint64_t w : w_) n += std::popcount(w);
  return n;
}
bool ByteSet::Single(uint8_t* b) const {
  if (Count() != 1) return false;
  for (int i = 0; i < 4; ++i) {
    if (w_[i] != 0) {
      *b = static_cast<uint8_t>(i * 64 + std::countr_zero(w_[i]));
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Elements and patterns

namespace {

uint64_t SatAdd(uint64_t a, uint64_t b) {
  return (a == kUnbounded || b == kUnbounded || a + b >= kUnbounded) ? kUnbounded : a + b;
}

}  // namespace

namespace {
int Rarity(uint8_t b);
}  // namespace

Element Element::Bytes(std::vector<ByteSet> sets) {
  Element e;
  e.kind = Kind::kBytes;
  e.is_literal = true;
  int best = -1;
  for (size_t k = 0; k < sets.size(); ++k) {
    uint8_t b = 0;
    if (sets[k].Single(&b)) {
      e.literal.push_back(static_cast<char>(b));
      if (Rarity(b) > best) {
        best = Rarity(b);
        e.probe = static_cast<uint32_t>(k);
        e.probe_byte = b;
      }
    } else {
      e.is_literal = false;
    }
  }
  if (!e.is_literal) e.literal.clear();
  e.sets = std::move(sets);
  return e;
}

Element Element::Gap(uint32_t min, uint32_t max) {
  Element e;
  e.kind = Kind::kGap;
  e.gap_min = min;
  e.gap_max = std::max(min, max);
  return e;
}

Element Element::Alternatives(std::vector<Pattern> options) {
  Element e;
  e.kind = Kind::kAlternatives;
  e.options = std::move(options);
  return e;
}

namespace {

// Sum of the elements' shortest lengths (longest when `longest`), saturating at kUnbounded.
uint64_t PatternLength(const Pattern& p, bool longest) {
  uint64_t n = 0;
  for (const Element& e : p.elements) {
    switch (e.kind) {
      case Element::Kind::kBytes:
        n = SatAdd(n, e.sets.size());
        break;
      case Element::Kind::kGap:
        n = SatAdd(n, longest ? e.gap_max : e.gap_min);
        break;
      case Element::Kind::kAlternatives: {
        uint64_t m = longest ? 0 : kUnbounded;
        for (const Pattern& o : e.options) {
          const uint64_t len = PatternLength(o, longest);
          m = longest ? std::max(m, len) : std::min(m, len);
        }
        n = SatAdd(n, e.options.empty() ? 0 : m);
        break;
      }
    }
  }
  return n;
}

}  // namespace

uint64_t Pattern::MinLength() const { return PatternLength(*this, false); }

uint64_t Pattern::MaxLength() const { return PatternLength(*this, true); }

// ---------------------------------------------------------------------------------------------
// Parser

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : text_(s) {}

  Result<Pattern> Parse() {
    Pattern p;
    VAULT_RETURN_IF_ERROR(ParseSequence(/*in_alternative=*/false, &p));
    if (i_ < text_.size()) return Err("pattern", i_, "unexpected '" + std::string(1, text_[i_]) + "'");
    if (p.elements.empty()) return Err("pattern", 0, "empty pattern");
    return p;
  }

 private:
  Status Err(std::string_view construct, size_t at, std::string_view msg) const {
    return Status::InvalidArgument("pattern: " + std::string(construct) + " at offset " +
                                   std::to_string(at) + ": " + std::string(msg));
  }
  void SkipSpace() {
    while (i_ < text_.size() && IsSpace(text_[i_])) ++i_;
  }
  bool AtEnd() const { return i_ >= text_.size(); }

  // Appends elements to `out` until the end of input (top level) or an unconsumed '|' / ')'
  // (inside alternatives).
  Status ParseSequence(bool in_alternative, Pattern* out) {
    std::vector<ByteSet> pending;
    auto flush = [&] {
      if (!pending.empty()) {
        // Merge with a preceding byte run (after an inlined single alternative).
        if (!out->elements.empty() && out->elements.back().kind == Element::Kind::kBytes) {
          std::vector<ByteSet> merged = std::move(out->elements.back().sets);
          merged.insert(merged.end(), pending.begin(), pending.end());
          out->elements.back() = Element::Bytes(std::move(merged));
        } else {
          out->elements.push_back(Element::Bytes(std::move(pending)));
        }
        pending.clear();
      }
    };
    auto push_gap = [&](uint32_t min, uint32_t max) {
      flush();
      if (!out->elements.empty() && out->elements.back().kind == Element::Kind::kGap) {
        Element& g = out->elements.back();
        g.gap_min = static_cast<uint32_t>(std::min<uint64_t>(SatAdd(g.gap_min, min), kUnbounded));
        g.gap_max = static_cast<uint32_t>(std::min<uint64_t>(SatAdd(g.gap_max, max), kUnbounded));
      } else {
        out->elements.push_back(Element::Gap(min, max));
      }
    };
    while (true) {
      SkipSpace();
      if (AtEnd()) break;
      const size_t at = i_;
      const char c = text_[i_];
      if (c == '|' || c == ')') {
        if (in_alternative) break;
        return Err("pattern", at, std::string("'") + c + "' outside alternatives");
      }
      if (c == '(') {
        if (in_alternative) return Err("alternatives", at, "nested alternatives");
        std::vector<Pattern> options;
        VAULT_RETURN_IF_ERROR(ParseAlternatives(&options));
        if (options.size() == 1) {
          // A single option is just its elements.
          for (Element& e : options[0].elements) {
            if (e.kind == Element::Kind::kBytes) {
              pending.insert(pending.end(), e.sets.begin(), e.sets.end());
            } else {
              flush();
              out->elements.push_back(std::move(e));
            }
          }
        } else {
          flush();
          out->elements.push_back(Element::Alternatives(std::move(options)));
        }
        continue;
      }
      if (c == '{') {
        if (in_alternative) return Err("gap", at, "gap inside alternatives");
        uint32_t min = 0, max = 0;
        VAULT_RETURN_IF_ERROR(ParseGap(&min, &max));
        push_gap(min, max);
        continue;
      }
      if (c == '*') {
        if (in_alternative) return Err("gap", at, "'*' inside alternatives");
        ++i_;
        push_gap(0, kUnbounded);
        continue;
      }
      if (c == '[') {
        ByteSet set;
        VAULT_RETURN_IF_ERROR(ParseSet(&set));
        pending.push_back(set);
        continue;
      }
      if (c == '\'') {
        std::string bytes;
        VAULT_RETURN_IF_ERROR(ParseString(&bytes));
        for (char b : bytes) {
          ByteSet s;
          s.Add(static_cast<uint8_t>(b));
          pending.push_back(s);
        }
        continue;
      }
      if (c == '?') {
        if (i_ + 1 >= text_.size() || text_[i_ + 1] != '?') return Err("wildcard", at, "expected '?' '?'");
        i_ += 2;
        ByteSet any;
        any.Invert();
        pending.push_back(any);
        continue;
      }
      if (HexValue(c) >= 0) {
        uint8_t b = 0;
        VAULT_RETURN_IF_ERROR(ParseHexByte("byte", &b));
        ByteSet s;
        s.Add(b);
        pending.push_back(s);
        continue;
      }
      return Err("pattern", at, "unexpected '" + std::string(1, c) + "'");
    }
    flush();
    return Status::Ok();
  }

  Status ParseAlternatives(std::vector<Pattern>* options) {
    const size_t open = i_;
    ++i_;  // '('
    while (true) {
      Pattern option;
      const size_t option_at = i_;
      VAULT_RETURN_IF_ERROR(ParseSequence(/*in_alternative=*/true, &option));
      if (option.elements.empty()) return Err("alternatives", option_at, "empty alternative");
      options->push_back(std::move(option));
      if (options->size() > 4096) return Err("alternatives", open, "more than 4096 alternatives");
      if (AtEnd()) return Err("alternatives", open, "missing ')'");
      if (text_[i_] == '|') {
        ++i_;
        continue;
      }
      ++i_;  // ')'
      return Status::Ok();
    }
  }

  Status ParseHexByte(std::string_view construct, uint8_t* out) {
    const size_t at = i_;
    if (i_ + 1 >= text_.size() || HexValue(text_[i_]) < 0 || HexValue(text_[i_ + 1]) < 0) {
      return Err(construct, at, "expected two hex digits");
    }
    *out = static_cast<uint8_t>(HexValue(text_[i_]) * 16 + HexValue(text_[i_ + 1]));
    i_ += 2;
    return Status::Ok();
  }

  // '...' as Latin-1 bytes. The text arrives as UTF-8 (from XML): U+0080..U+00FF become one
  // byte each; anything above U+00FF is refused.
  Status ParseString(std::string* out) {
    const size_t open = i_;
    ++i_;
    while (true) {
      if (AtEnd()) return Err("string", open, "missing closing quote");
      const auto c = static_cast<unsigned char>(text_[i_]);
      if (c == '\'') {
        ++i_;
        break;
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++i_;
      } else if ((c == 0xC2 || c == 0xC3) && i_ + 1 < text_.size() &&
                 (static_cast<unsigned char>(text_[i_ + 1]) & 0xC0) == 0x80) {
        out->push_back(static_cast<char>(((c & 0x03) << 6) |
                                         (static_cast<unsigned char>(text_[i_ + 1]) & 0x3F)));
        i_ += 2;
      } else {
        return Err("string", i_, "character outside ISO-8859-1");
      }
    }
    if (out->empty()) return Err("string", open, "empty string");
    return Status::Ok();
  }

  Status ParseNumber(std::string_view construct, uint32_t* out) {
    const size_t at = i_;
    uint64_t v = 0;
    size_t digits = 0;
    while (!AtEnd() && text_[i_] >= '0' && text_[i_] <= '9') {
      v = v * 10 + static_cast<uint64_t>(text_[i_] - '0');
      if (v > kMaxGap) return Err(construct, at, "number above " + std::to_string(kMaxGap));
      ++i_;
      ++digits;
    }
    if (digits == 0) return Err(construct, at, "expected a decimal number");
    *out = static_cast<uint32_t>(v);
    return Status::Ok();
  }

  // {n} {n-m} {n-*}
  Status ParseGap(uint32_t* min, uint32_t* max) {
    const size_t open = i_;
    ++i_;
    SkipSpace();
    VAULT_RETURN_IF_ERROR(ParseNumber("gap", min));
    SkipSpace();
    *max = *min;
    if (!AtEnd() && text_[i_] == '-') {
      ++i_;
      SkipSpace();
      if (!AtEnd() && text_[i_] == '*') {
        ++i_;
        *max = kUnbounded;
      } else {
        VAULT_RETURN_IF_ERROR(ParseNumber("gap", max));
        if (*max < *min) {
          return Err("gap", open, "maximum " + std::to_string(*max) + " below minimum " +
                                      std::to_string(*min));
        }
      }
      SkipSpace();
    }
    if (AtEnd() || text_[i_] != '}') return Err("gap", open, "missing '}'");
    ++i_;
    return Status::Ok();
  }

  // One value inside [...]: a hex byte or a quoted string. A multi-character string is only
  // allowed as a set member (each character is added), never as a range bound.
  Status ParseSetValue(std::string* out) {
    if (text_[i_] == '\'') return ParseString(out);
    uint8_t b = 0;
    VAULT_RETURN_IF_ERROR(ParseHexByte("set", &b));
    out->assign(1, static_cast<char>(b));
    return Status::Ok();
  }

  // [n:m] [!n:m] [&FF] [!&FF] [~FF] [00 C2 'A'-'Z' &01] [!...]
  Status ParseSet(ByteSet* out) {
    const size_t open = i_;
    ++i_;
    bool invert = false;
    if (!AtEnd() && text_[i_] == '!') {
      invert = true;
      ++i_;
    }
    ByteSet set;
    size_t items = 0;
    while (true) {
      SkipSpace();
      if (AtEnd()) return Err("set", open, "missing ']'");
      const size_t at = i_;
      const char c = text_[i_];
      if (c == ']') {
        ++i_;
        break;
      }
      if (++items > 512) return Err("set", open, "too many members");
      if (c == '&' || c == '~') {
        // Bitmask: '&' all mask bits set; '~' (byteseek) any mask bit set.
        ++i_;
        uint8_t mask = 0;
        VAULT_RETURN_IF_ERROR(ParseHexByte("bitmask", &mask));
        for (unsigned b = 0; b < 256; ++b) {
          const bool hit = c == '&' ? (b & mask) == mask : (b & mask) != 0;
          if (hit) set.Add(static_cast<uint8_t>(b));
        }
        continue;
      }
      if (c != '\'' && HexValue(c) < 0) {
        return Err("set", at, "unexpected '" + std::string(1, c) + "'");
      }
      std::string lo;
      VAULT_RETURN_IF_ERROR(ParseSetValue(&lo));
      SkipSpace();
      if (!AtEnd() && (text_[i_] == ':' || text_[i_] == '-')) {
        ++i_;
        SkipSpace();
        if (AtEnd()) return Err("range", at, "missing upper bound");
        std::string hi;
        VAULT_RETURN_IF_ERROR(ParseSetValue(&hi));
        if (lo.size() != 1 || hi.size() != 1) {
          return Err("range", at, "bounds must be single bytes");
        }
        const auto l = static_cast<uint8_t>(lo[0]);
        const auto h = static_cast<uint8_t>(hi[0]);
        if (l > h) {
          char buf[64];
          snprintf(buf, sizeof buf, "low bound %02X above high bound %02X", l, h);
          return Err("range", at, buf);
        }
        set.AddRange(l, h);
        continue;
      }
      for (char b : lo) set.Add(static_cast<uint8_t>(b));
    }
    if (items == 0) return Err("set", open, "empty set");
    if (invert) set.Invert();
    if (set.empty()) return Err("set", open, "matches no byte");
    *out = set;
    return Status::Ok();
  }

  std::string_view text_;
  size_t i_ = 0;
};

}  // namespace

Result<Pattern> ParsePattern(std::string_view text) {
  if (text.size() > (size_t{1} << 20)) {
    return Status::InvalidArgument("pattern: pattern at offset 0: longer than 1 MiB");
  }
  return Parser(text).Parse();
}

// ---------------------------------------------------------------------------------------------
// SubSequence

namespace {

bool HasUnboundedGap(const std::vector<Element>& els) {
  for (const Element& e : els) {
    if (e.kind == Element::Kind::kGap && e.gap_max == kUnbounded) return true;
    if (e.kind == Element::Kind::kAlternatives) {
      for (const Pattern& o : e.options) {
        if (HasUnboundedGap(o.elements)) return true;
      }
    }
  }
  return false;
}

// How common a byte is in typical files: 0 very common, 2 rare. Used to pick the byte the
// anchor search looks for with memchr.
int Rarity(uint8_t b) {
  if (b == 0x00 || b == 0xFF || b == 0x20) return 0;
  if (b == '\n' || b == '\r' || b == '\t' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') ||
      (b >= 'A' && b <= 'Z')) {
    return 1;
  }
  return 2;
}

}  // namespace

Result<SubSequence> SubSequence::Create(Pattern pattern, uint32_t min_offset,
                                        uint32_t max_offset) {
  if (pattern.elements.empty()) return Status::InvalidArgument("subsequence: empty pattern");
  if (HasUnboundedGap(pattern.elements)) {
    return Status::InvalidArgument("subsequence: unlimited gap inside a subsequence");
  }
  if (min_offset > kMaxGap || (max_offset > kMaxGap && max_offset != kUnbounded)) {
    return Status::InvalidArgument("subsequence: offset above " + std::to_string(kMaxGap));
  }
  SubSequence s;
  s.min_offset_ = min_offset;
  s.max_offset_ = std::max(min_offset, max_offset);
  s.pattern_ = std::move(pattern);
  const auto& els = s.pattern_.elements;
  size_t best_len = 0;
  for (size_t i = 0; i < els.size(); ++i) {
    if (els[i].kind == Element::Kind::kBytes) {
      // Longest run wins; among equals a literal one.
      const size_t len = els[i].sets.size() * 2 + (els[i].is_literal ? 1 : 0);
      if (len > best_len) {
        best_len = len;
        s.anchor_ = i;
      }
      for (const ByteSet& set : els[i].sets) s.fixed_bytes_ += set.Count() == 1 ? 1 : 0;
    }
  }
  s.min_len_ = s.pattern_.MinLength();
  s.fixed_length_ = s.min_len_ == s.pattern_.MaxLength();
  s.all_bytes_ = els.size() == 1 && els[0].kind == Element::Kind::kBytes;
  if (s.anchor_ != std::numeric_limits<size_t>::max()) {
    Pattern left, right;
    left.elements.assign(els.begin(), els.begin() + static_cast<ptrdiff_t>(s.anchor_));
    right.elements.assign(els.begin() + static_cast<ptrdiff_t>(s.anchor_) + 1, els.end());
    s.left_min_ = left.MinLength();
    s.left_max_ = left.MaxLength();
    s.right_min_ = right.MinLength();
    s.right_max_ = right.MaxLength();
    // Bigram: the pair of consecutive single-valued bytes with the rarest members.
    const Element& a = els[s.anchor_];
    int best = -1;
    for (size_t k = 0; k + 1 < a.sets.size(); ++k) {
      uint8_t b0 = 0, b1 = 0;
      if (a.sets[k].Single(&b0) && a.sets[k + 1].Single(&b1)) {
        const int score = Rarity(b0) + Rarity(b1);
        if (score > best) {
          best = score;
          s.has_bigram_ = true;
          s.bigram_ = static_cast<uint16_t>((b0 << 8) | b1);
        }
      }
    }
  }
  return s;
}

Result<std::vector<SubSequence>> SplitAtUnboundedGaps(const Pattern& pattern, uint32_t min_offset,
                                                      uint32_t max_offset) {
  std::vector<SubSequence> out;
  Pattern part;
  uint32_t part_min = min_offset, part_max = max_offset;
  bool first = true;
  auto finish = [&]() -> Status {
    // Leading / trailing bounded gaps of a part stay in the part: they are real constraints.
    if (part.elements.empty()) return Status::Ok();
    VAULT_ASSIGN_OR_RETURN(SubSequence s, SubSequence::Create(std::move(part), part_min,
                                                             first ? part_max : kUnbounded));
    out.push_back(std::move(s));
    part = Pattern();
    first = false;
    return Status::Ok();
  };
  for (const Element& e : pattern.elements) {
    if (e.kind == Element::Kind::kGap && e.gap_max == kUnbounded) {
      const bool was_empty = part.elements.empty();
      VAULT_RETURN_IF_ERROR(finish());
      // `* x` at the very start: the first subsequence is unanchored in practice.
      if (was_empty && out.empty()) {
        part_min = static_cast<uint32_t>(std::min<uint64_t>(SatAdd(part_min, e.gap_min), kMaxGap));
        part_max = kUnbounded;
        first = false;
      } else {
        part_min = e.gap_min;
      }
      continue;
    }
    if (HasUnboundedGap({e})) {
      return Status::InvalidArgument("pattern: unlimited gap inside alternatives");
    }
    part.elements.push_back(e);
  }
  VAULT_RETURN_IF_ERROR(finish());
  if (out.empty()) return Status::InvalidArgument("pattern: nothing to match");
  return out;
}

std::string_view ReferenceName(Reference r) {
  switch (r) {
    case Reference::kBof:
      return "BOFoffset";
    case Reference::kEof:
      return "EOFoffset";
    case Reference::kVariable:
      return "Variable";
  }
  return "?";
}

void InternalSignature::Sort() {
  auto key = [](const ByteSequence& s) {
    const bool multi = s.subsequences.size() > 1;
    switch (s.reference) {
      case Reference::kBof:
        return multi ? 2 : 1;
      case Reference::kEof:
        return multi ? 4 : 3;
      case Reference::kVariable:
        return 5;
    }
    return 5;
  };
  std::stable_sort(sequences.begin(), sequences.end(),
                   [&](const ByteSequence& a, const ByteSequence& b) { return key(a) < key(b); });
  fixed_bytes = 0;
  for (const ByteSequence& s : sequences) {
    for (const SubSequence& sub : s.subsequences) fixed_bytes += sub.fixed_bytes();
  }
}

QuickCheck MakeQuickCheck(const InternalSignature& sig) {
  QuickCheck q;
  auto fill = [&](const Element& e, size_t first) {
    q.len = static_cast<uint8_t>(std::min<size_t>(4, e.sets.size() - first));
    for (size_t k = 0; k < q.len; ++k) {
      uint8_t b = 0;
      if (e.sets[first + k].Single(&b)) {
        q.value[k] = b;
        q.mask[k] = 0xFF;
      }
    }
  };
  for (const ByteSequence& s : sig.sequences) {
    if (s.subsequences.empty()) continue;
    if (s.reference == Reference::kBof) {
      const SubSequence& sub = s.subsequences.front();
      const auto& els = sub.pattern().elements;
      if (sub.min_offset() != sub.max_offset() || els.empty() ||
          els.front().kind != Element::Kind::kBytes) {
        continue;
      }
      q.offset = sub.min_offset();
      fill(els.front(), 0);
      return q;
    }
    if (s.reference == Reference::kEof) {
      const SubSequence& sub = s.subsequences.back();
      const auto& els = sub.pattern().elements;
      if (sub.min_offset() != sub.max_offset() || els.empty() ||
          els.back().kind != Element::Kind::kBytes) {
        continue;
      }
      const Element& e = els.back();
      q.offset = sub.min_offset();
      q.from_eof = true;
      fill(e, e.sets.size() - std::min<size_t>(4, e.sets.size()));
      return q;
    }
  }
  return q;
}

// ---------------------------------------------------------------------------------------------
// Matching

namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// Sorted, disjoint, inclusive intervals of positions.
using Spans = std::vector<std::pair<size_t, size_t>>;

void AddSpan(Spans* s, size_t lo, size_t hi) {
  if (!s->empty() && lo <= s->back().second + 1 && lo >= s->back().first) {
    s->back().second = std::max(s->back().second, hi);
  } else {
    s->emplace_back(lo, hi);
  }
}

void Normalize(Spans* s) {
  std::sort(s->begin(), s->end());
  Spans out;
  for (const auto& [lo, hi] : *s) {
    if (!out.empty() && lo <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  *s = std::move(out);
}

bool RunMatches(const Element& e, std::string_view d, size_t p) {
  const size_t n = e.sets.size();
  if (p > d.size() || d.size() - p < n) return false;
  if (e.is_literal) return memcmp(d.data() + p, e.literal.data(), n) == 0;
  for (size_t k = 0; k < n; ++k) {
    if (!e.sets[k].Has(static_cast<uint8_t>(d[p + k]))) return false;
  }
  return true;
}

// Index of the anchor byte to look for with memchr (Element::probe); kNone if the run has no
// single-valued byte.
size_t ProbeIndex(const Element& e) { return e.probe == Element::kNoProbe ? kNone : e.probe; }

// First p in [lo, hi] (run start positions) where the run matches; kNone if none.
size_t FindForward(const Element& e, std::string_view d, size_t lo, size_t hi, uint64_t* work) {
  const size_t n = e.sets.size();
  if (d.size() < n) return kNone;
  hi = std::min(hi, d.size() - n);
  if (lo > hi) return kNone;
  if (hi - lo < 4) {
    for (size_t p = lo; p <= hi; ++p) {
      ++*work;
      if (RunMatches(e, d, p)) return p;
    }
    return kNone;
  }
  if (e.is_literal) {
    const void* hit = memmem(d.data() + lo, hi - lo + n, e.literal.data(), n);
    *work += (hi - lo) / 16 + 1;
    return hit == nullptr ? kNone : static_cast<size_t>(static_cast<const char*>(hit) - d.data());
  }
  const size_t k = ProbeIndex(e);
  if (k == kNone) {
    for (size_t p = lo; p <= hi; ++p) {
      ++*work;
      if (RunMatches(e, d, p)) return p;
    }
    return kNone;
  }
  const uint8_t probe = e.probe_byte;
  size_t p = lo;
  while (p <= hi) {
    const void* hit = memchr(d.data() + p + k, probe, hi - p + 1);
    if (hit == nullptr) return kNone;
    const size_t q = static_cast<size_t>(static_cast<const char*>(hit) - d.data()) - k;
    ++*work;
    if (RunMatches(e, d, q)) return q;
    p = q + 1;
  }
  return kNone;
}

// Last p in [lo, hi] where the run matches; kNone if none.
size_t FindBackward(const Element& e, std::string_view d, size_t lo, size_t hi, uint64_t* work) {
  const size_t n = e.sets.size();
  if (d.size() < n) return kNone;
  hi = std::min(hi, d.size() - n);
  if (lo > hi) return kNone;
  const size_t k = ProbeIndex(e);
  if (hi - lo < 4 || k == kNone) {
    for (size_t p = hi + 1; p-- > lo;) {
      ++*work;
      if (RunMatches(e, d, p)) return p;
    }
    return kNone;
  }
  const uint8_t probe = e.probe_byte;
  size_t p = hi;  // candidate start positions are <= p
  while (true) {
    const void* hit = memrchr(d.data() + lo + k, probe, p - lo + 1);
    if (hit == nullptr) return kNone;
    const size_t q = static_cast<size_t>(static_cast<const char*>(hit) - d.data()) - k;
    ++*work;
    if (RunMatches(e, d, q)) return q;
    if (q == lo) return kNone;
    p = q - 1;
  }
}

}  // namespace

namespace {

constexpr int kMaxDepth = 8;

struct Ctx {
  std::string_view d;
  uint64_t* work;
  uint64_t limit;
  bool Over() const { return *work > limit; }
};

// Forward (kForward): positions after matching els[from, to) starting at any position in `cur`.
// Backward: start positions of matches of els[from, to), taken right to left, ending at any
// position in `cur`.
template <bool kForward>
bool MatchRun(const std::vector<Element>& els, size_t from, size_t to, Ctx& c, Spans cur,
              Spans* out, int depth) {
  if (depth > kMaxDepth) return false;
  const size_t n = c.d.size();
  Spans next;
  for (size_t k = from; k < to && !cur.empty(); ++k) {
    const Element& e = els[kForward ? k : to - 1 - (k - from)];
    next.clear();
    switch (e.kind) {
      case Element::Kind::kBytes: {
        const size_t len = e.sets.size();
        for (const auto& [lo, hi] : cur) {
          size_t p;
          size_t last;
          if constexpr (kForward) {
            if (n < len || lo > n - len) break;
            p = lo;
            last = std::min(hi, n - len);
          } else {
            if (hi < len) continue;
            p = lo < len ? 0 : lo - len;  // run start positions
            last = hi - len;
          }
          while (p <= last) {
            const size_t q = FindForward(e, c.d, p, last, c.work);
            if (q == kNone) break;
            const size_t at = kForward ? q + len : q;
            AddSpan(&next, at, at);
            p = q + 1;
          }
          if (c.Over()) return false;
        }
        break;
      }
      case Element::Kind::kGap:
        for (const auto& [lo, hi] : cur) {
          if constexpr (kForward) {
            if (lo + e.gap_min > n) break;
            const size_t nhi = e.gap_max == kUnbounded ? n : std::min<size_t>(n, hi + e.gap_max);
            AddSpan(&next, lo + e.gap_min, nhi);
          } else {
            if (hi < e.gap_min) continue;
            const size_t nlo =
                (e.gap_max == kUnbounded || lo < e.gap_max) ? 0 : lo - e.gap_max;
            next.emplace_back(nlo, hi - e.gap_min);
          }
        }
        if constexpr (!kForward) Normalize(&next);
        break;
      case Element::Kind::kAlternatives:
        for (const Pattern& o : e.options) {
          Spans r;
          if (MatchRun<kForward>(o.elements, 0, o.elements.size(), c, cur, &r, depth + 1)) {
            next.insert(next.end(), r.begin(), r.end());
          }
          if (c.Over()) return false;
        }
        Normalize(&next);
        break;
    }
    *c.work += cur.size();
    cur.swap(next);
  }
  *out = std::move(cur);
  return !out->empty();
}

bool MatchForward(const std::vector<Element>& els, size_t from, size_t to, Ctx& c, Spans cur,
                  Spans* out, int depth) {
  return MatchRun<true>(els, from, to, c, std::move(cur), out, depth);
}
bool MatchBackward(const std::vector<Element>& els, size_t from, size_t to, Ctx& c, Spans cur,
                   Spans* out, int depth) {
  return MatchRun<false>(els, from, to, c, std::move(cur), out, depth);
}

Spans Clip(const Spans& s, size_t lo, size_t hi) {
  Spans out;
  for (const auto& [a, b] : s) {
    const size_t l = std::max(a, lo), h = std::min(b, hi);
    if (l <= h) out.emplace_back(l, h);
  }
  return out;
}

}  // namespace

namespace {

bool BigramPresent(const std::vector<uint8_t>& table, uint16_t bigram) {
  return table[bigram] != 0;
}

// One flag byte per pair: independent stores, no read-modify-write chain.
void BuildBigrams(std::string_view d, std::vector<uint8_t>* table) {
  table->assign(65536, 0);
  uint8_t* t = table->data();
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  for (size_t i = 0; i + 1 < d.size(); ++i) t[(unsigned{p[i]} << 8) | p[i + 1]] = 1;
}

}  // namespace

// Search implementation shared by the Matcher.
class SubSequenceSearch {
 public:
  // Forward: the subsequence's first byte s must lie in [pos + min, pos + max] (max unlimited
  // when !bounded). Returns the position just after the match, or kNone.
  static size_t Forward(const SubSequence& sub, Ctx& c, size_t pos, bool bounded,
                        const std::vector<uint8_t>* bigrams) {
    const std::string_view d = c.d;
    const size_t n = d.size();
    const auto& els = sub.pattern_.elements;
    if (pos + sub.min_offset_ > n || n - pos - sub.min_offset_ < sub.min_len_) return kNone;
    const size_t s_lo = pos + sub.min_offset_;
    size_t s_hi = bounded ? pos + sub.max_offset_ : n;
    s_hi = std::min(s_hi, n - sub.min_len_);
    if (s_lo > s_hi) return kNone;
    if (bigrams != nullptr && sub.has_bigram_ && !BigramPresent(*bigrams, sub.bigram_)) {
      return kNone;
    }
    if (sub.all_bytes_) {
      const size_t q = FindForward(els[0], d, s_lo, s_hi, c.work);
      return q == kNone ? kNone : q + els[0].sets.size();
    }
    if (sub.anchor_ == kNone) {
      for (size_t s = s_lo; s <= s_hi && !c.Over(); ++s) {
        Spans ends;
        if (MatchForward(els, 0, els.size(), c, Spans{{s, s}}, &ends, 0)) {
          return ends.front().first;
        }
      }
      return kNone;
    }
    const Element& a = els[sub.anchor_];
    const size_t alen = a.sets.size();
    const size_t a_lo = s_lo + sub.left_min_;
    const size_t a_hi = sub.left_max_ == kUnbounded ? n : std::min<size_t>(n, s_hi + sub.left_max_);
    size_t p = a_lo;
    while (p <= a_hi && !c.Over()) {
      const size_t q = FindForward(a, d, p, a_hi, c.work);
      if (q == kNone) return kNone;
      p = q + 1;
      Spans starts;
      if (!MatchBackward(els, 0, sub.anchor_, c, Spans{{q, q}}, &starts, 0)) continue;
      if (Clip(starts, s_lo, s_hi).empty()) continue;
      Spans ends;
      if (!MatchForward(els, sub.anchor_ + 1, els.size(), c, Spans{{q + alen, q + alen}}, &ends,
                           0)) {
        continue;
      }
      return ends.front().first;
    }
    return kNone;
  }

  // Backward: the subsequence's end e (one past its last byte) must satisfy
  // lim - e in [min, max] (max unlimited when !bounded). Returns the match's start, or kNone.
  static size_t Backward(const SubSequence& sub, Ctx& c, size_t lim, bool bounded,
                         const std::vector<uint8_t>* bigrams) {
    const std::string_view d = c.d;
    const auto& els = sub.pattern_.elements;
    if (lim < sub.min_offset_ || lim - sub.min_offset_ < sub.min_len_) return kNone;
    const size_t e_hi = lim - sub.min_offset_;
    size_t e_lo = (bounded && lim > sub.max_offset_) ? lim - sub.max_offset_ : 0;
    e_lo = std::max<size_t>(e_lo, sub.min_len_);
    if (e_lo > e_hi) return kNone;
    if (bigrams != nullptr && sub.has_bigram_ && !BigramPresent(*bigrams, sub.bigram_)) {
      return kNone;
    }
    if (sub.all_bytes_) {
      const size_t len = els[0].sets.size();
      const size_t q = FindBackward(els[0], d, e_lo - len, e_hi - len, c.work);
      return q;
    }
    if (sub.anchor_ == kNone) {
      for (size_t e = e_hi + 1; e-- > e_lo && !c.Over();) {
        Spans starts;
        if (MatchBackward(els, 0, els.size(), c, Spans{{e, e}}, &starts, 0)) {
          return starts.back().second;
        }
      }
      return kNone;
    }
    const Element& a = els[sub.anchor_];
    const size_t alen = a.sets.size();
    // Anchor start positions: e - right - alen for e in [e_lo, e_hi].
    const uint64_t right_max = sub.right_max_;
    if (e_hi < sub.right_min_ + alen) return kNone;
    const size_t a_hi = e_hi - sub.right_min_ - alen;
    const size_t a_lo =
        (right_max == kUnbounded || e_lo < right_max + alen) ? 0 : e_lo - right_max - alen;
    size_t p = a_hi;
    while (!c.Over()) {
      const size_t q = FindBackward(a, d, a_lo, p, c.work);
      if (q == kNone) return kNone;
      Spans ends;
      const bool right_ok = MatchForward(els, sub.anchor_ + 1, els.size(), c,
                                            Spans{{q + alen, q + alen}}, &ends, 0) &&
                            !Clip(ends, e_lo, e_hi).empty();
      if (right_ok) {
        Spans starts;
        if (MatchBackward(els, 0, sub.anchor_, c, Spans{{q, q}}, &starts, 0)) {
          return starts.back().second;
        }
      }
      if (q == 0 || q <= a_lo) return kNone;
      p = q - 1;
    }
    return kNone;
  }
};

namespace {

// Whether a search of this subsequence covers enough positions that the bigram filter pays.
bool WideSearch(const SubSequence& sub, bool bounded) {
  return !bounded || static_cast<uint64_t>(sub.max_offset()) - sub.min_offset() > 64;
}

}  // namespace

bool Matcher::Matches(const ByteSequence& seq, MatchContext& ctx) {
  const Window& w = ctx.window_;
  const auto& subs = seq.subsequences;
  if (subs.empty()) return false;
  if (seq.reference == Reference::kEof) {
    Ctx c{w.eof, &ctx.work_, ctx.work_limit_};
    size_t lim = w.eof.size();
    for (size_t i = subs.size(); i-- > 0;) {
      const bool bounded = i + 1 == subs.size();
      const std::vector<uint8_t>* bigrams = nullptr;
      if (WideSearch(subs[i], bounded)) {
        if (!ctx.eof_bigrams_ready_) {
          BuildBigrams(w.eof, &ctx.eof_bigrams_);
          ctx.eof_bigrams_ready_ = true;
        }
        bigrams = &ctx.eof_bigrams_;
      }
      const size_t start = SubSequenceSearch::Backward(subs[i], c, lim, bounded, bigrams);
      if (start == kNone) return false;
      lim = start;
    }
    return true;
  }
  Ctx c{w.bof, &ctx.work_, ctx.work_limit_};
  size_t pos = 0;
  for (size_t i = 0; i < subs.size(); ++i) {
    const bool bounded = i == 0 && seq.reference == Reference::kBof;
    const std::vector<uint8_t>* bigrams = nullptr;
    if (WideSearch(subs[i], bounded)) {
      if (!ctx.bof_bigrams_ready_) {
        BuildBigrams(w.bof, &ctx.bof_bigrams_);
        ctx.bof_bigrams_ready_ = true;
      }
      bigrams = &ctx.bof_bigrams_;
    }
    const size_t end = SubSequenceSearch::Forward(subs[i], c, pos, bounded, bigrams);
    if (end == kNone) return false;
    pos = end;
  }
  return true;
}

bool Matcher::Matches(const InternalSignature& sig, MatchContext& ctx) {
  if (sig.sequences.empty()) return false;
  for (const ByteSequence& s : sig.sequences) {
    if (ctx.exhausted() || !Matches(s, ctx)) return false;
  }
  return true;
}

}  // namespace vault::pronom
