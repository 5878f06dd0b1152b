#include "policies/placement.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vault::policies {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr std::string_view kArrow = " \u2192 ";

std::string ConfiguredList(const std::vector<PlacementTier>& tiers) {
  std::string out;
  for (const PlacementTier& t : tiers) {
    if (!out.empty())
      out += ", ";
    out += t.name + " (" + t.medium + ")";
  }
  return out.empty() ? "(none)" : out;
}

std::string TierNames(const std::vector<PlacementTier>& tiers) {
  std::string out;
  for (const PlacementTier& t : tiers) {
    if (!out.empty())
      out += ", ";
    out += t.name;
  }
  return out.empty() ? "(none)" : out;
}

std::string JoinSet(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s) {
    if (!out.empty())
      out += ", ";
    out += x;
  }
  return out;
}

std::optional<size_t> FindTier(const std::vector<PlacementTier>& tiers, std::string_view name) {
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (tiers[i].name == name)
      return i;
  }
  return std::nullopt;
}

// Checks one rule (or the built-in default) against the tiers; `label` is "placement rule 2
// (retention permanent)" or "placement default rule (retention *)".
Status CheckRuleSatisfiable(const PlacementRule& r, const std::vector<PlacementTier>& tiers,
                            const std::string& label) {
  if (r.copies < kMinCopies || r.copies > kMaxCopies) {
    return Status::InvalidArgument(label + ": copies = " + std::to_string(r.copies) +
                                   " is outside " + std::to_string(kMinCopies) + ".." +
                                   std::to_string(kMaxCopies));
  }
  if (static_cast<size_t>(r.copies) > tiers.size()) {
    return Status::InvalidArgument(
        label + ": " + std::to_string(r.copies) + " copies need " + std::to_string(r.copies) +
        " tiers (one copy per tier); configured: " + ConfiguredList(tiers));
  }
  if (r.distinct_media) {
    std::set<std::string> media;
    for (const PlacementTier& t : tiers)
      media.insert(t.medium);
    if (static_cast<size_t>(r.copies) > media.size()) {
      return Status::InvalidArgument(
          label + ": " + std::to_string(r.copies) + " copies on distinct media need " +
          std::to_string(r.copies) +
          " tiers with different medium labels; configured: " + ConfiguredList(tiers));
    }
  }
  return Status::Ok();
}

// Per configured tier: what the object has there.
struct Slot {
  bool present = false;  // some copy record names this tier
  bool ok = false;       // one of those records is "ok"
  std::string state;     // state of the first record (or "ok")
};

size_t DistinctOkMedia(const std::vector<Slot>& slots, const std::vector<PlacementTier>& tiers) {
  std::set<std::string> media;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].present && slots[i].ok)
      media.insert(tiers[i].medium);
  }
  return media.size();
}

std::string CopiesWord(int64_t n) { return n == 1 ? "copy" : "copies"; }

}  // namespace

std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kReplicate:
      return "replicate";
    case ActionKind::kMove:
      return "move";
  }
  return "unknown";
}

PlacementRule RuleFor(const PlacementPolicy& p, std::string_view retention) {
  for (const PlacementRule& r : p.rules) {
    if (r.retention == retention)
      return r;
  }
  for (const PlacementRule& r : p.rules) {
    if (r.retention == "*")
      return r;
  }
  return PlacementRule{};
}

Status ValidatePlacementPolicy(const PlacementPolicy& p, const std::vector<PlacementTier>& tiers) {
  if (tiers.empty())
    return Status::InvalidArgument("placement: no tiers configured");
  for (size_t i = 0; i < tiers.size(); ++i) {
    const PlacementTier& t = tiers[i];
    const std::string label = "placement tier " + std::to_string(i + 1);
    if (t.name.empty())
      return Status::InvalidArgument(label + ": empty tier name");
    if (t.medium.empty()) {
      return Status::InvalidArgument(label + " (" + t.name + "): empty medium label");
    }
    for (size_t j = 0; j < i; ++j) {
      if (tiers[j].name == t.name) {
        return Status::InvalidArgument(label + " (" + t.name +
                                       "): duplicate tier name (also tier " +
                                       std::to_string(j + 1) + ")");
      }
    }
  }

  bool has_star = false;
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const PlacementRule& r = p.rules[i];
    const std::string label =
        "placement rule " + std::to_string(i + 1) + " (retention " + r.retention + ")";
    if (r.retention.empty()) {
      return Status::InvalidArgument(label + ": empty retention (use \"*\" for any)");
    }
    for (size_t j = 0; j < i; ++j) {
      if (p.rules[j].retention == r.retention) {
        return Status::InvalidArgument(label + ": same retention as rule " + std::to_string(j + 1) +
                                       ", so it would never apply");
      }
    }
    has_star = has_star || r.retention == "*";
    VAULT_RETURN_IF_ERROR(CheckRuleSatisfiable(r, tiers, label));
  }
  if (!has_star) {
    // Objects of any other retention class fall back to the built-in default.
    VAULT_RETURN_IF_ERROR(
        CheckRuleSatisfiable(PlacementRule{}, tiers, "placement default rule (retention *)"));
  }

  for (size_t i = 0; i < p.moves.size(); ++i) {
    const MoveRule& m = p.moves[i];
    const std::string label = "placement move " + std::to_string(i + 1) + " (" + m.from +
                              std::string(kArrow) + m.to + ")";
    for (const std::string* name : {&m.from, &m.to}) {
      if (!FindTier(tiers, *name)) {
        return Status::InvalidArgument(label + ": unknown tier \"" + *name +
                                       "\"; configured: " + TierNames(tiers));
      }
    }
    if (m.from == m.to) {
      return Status::InvalidArgument(label + ": from and to are the same tier");
    }
    if (m.after_days < 0 || m.after_days > kMaxMoveAfterDays) {
      return Status::InvalidArgument(label + ": after_days = " + std::to_string(m.after_days) +
                                     " is outside 0.." + std::to_string(kMaxMoveAfterDays));
    }
  }
  return Status::Ok();
}

PlacementDecision PlanPlacement(const PlacementPolicy& p, const std::vector<PlacementTier>& tiers,
                                const ObjectFacts& o, int64_t now_ms) {
  const PlacementRule rule = RuleFor(p, o.retention);
  PlacementDecision d;
  d.required = rule.copies;

  // 1. Fold the copy records onto the configured tiers.
  std::vector<Slot> slots(tiers.size());
  std::vector<std::string> unknown;  // first-appearance order, for a deterministic reason
  for (const CopyFact& c : o.copies) {
    const std::optional<size_t> idx = FindTier(tiers, c.tier);
    if (!idx) {
      if (std::find(unknown.begin(), unknown.end(), c.tier) == unknown.end()) {
        unknown.push_back(c.tier);
      }
      continue;
    }
    Slot& s = slots[*idx];
    if (!s.present)
      s.state = c.state;
    s.present = true;
    if (c.state == "ok") {
      s.ok = true;
      s.state = "ok";
    }
  }
  int present = 0;
  std::set<std::string> used_media;  // media of every copy record, any state
  std::optional<size_t> source;      // first ok copy in config order
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!slots[i].present)
      continue;
    ++present;
    used_media.insert(tiers[i].medium);
    if (slots[i].ok) {
      ++d.good;
      if (!source)
        source = i;
    }
  }
  const size_t ok_media = DistinctOkMedia(slots, tiers);
  const bool media_short =
      rule.distinct_media && rule.copies > 0 && ok_media < static_cast<size_t>(rule.copies);
  d.below_policy = d.good < rule.copies || media_short;

  std::vector<std::string> parts;  // joined with "; " into the reason
  std::string damaged_note;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].present && !slots[i].ok) {
      if (!damaged_note.empty())
        damaged_note += ", ";
      damaged_note += tiers[i].name + " " + (slots[i].state.empty() ? "?" : slots[i].state);
    }
  }
  std::string unknown_note;
  if (!unknown.empty()) {
    unknown_note = CopiesWord(static_cast<int64_t>(unknown.size())) + " on tier";
    unknown_note += unknown.size() == 1 ? " " : "s ";
    for (size_t i = 0; i < unknown.size(); ++i) {
      if (i > 0)
        unknown_note += ", ";
      unknown_note += unknown[i];
    }
    unknown_note += " not in the configuration, ignored";
  }
  auto finish = [&]() {
    if (!unknown_note.empty())
      parts.push_back(unknown_note);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0)
        d.reason += "; ";
      d.reason += parts[i];
    }
    return std::move(d);
  };

  if (!source) {
    d.below_policy = true;
    parts.push_back("no good copy: 0 of " + std::to_string(rule.copies) + " copies ok");
    if (!damaged_note.empty()) {
      parts.push_back(damaged_note + " (repair needs a good copy)");
    } else if (present == 0) {
      parts.push_back("no copy records");
    }
    return finish();
  }

  parts.push_back(std::to_string(d.good) + " of " + std::to_string(rule.copies) + " " +
                  CopiesWord(rule.copies));
  if (rule.distinct_media && d.good >= rule.copies && media_short) {
    parts.push_back("ok copies span only " + std::to_string(ok_media) + " distinct " +
                    (ok_media == 1 ? "medium" : "media") + ", " + std::to_string(rule.copies) +
                    " required");
  }
  if (!damaged_note.empty()) {
    parts.push_back(damaged_note + " (repair restores in place, no new copy there)");
  }

  // 2. Replicates: one per missing copy record.
  const int need = std::max(0, rule.copies - present);
  std::vector<bool> taken(tiers.size(), false);  // tier is a target of this decision
  std::string replicate_note;
  int unplaced = 0;
  for (int slot = 0; slot < need; ++slot) {
    std::optional<size_t> target;
    for (size_t i = 0; i < tiers.size(); ++i) {
      if (slots[i].present || taken[i])
        continue;
      if (rule.distinct_media && used_media.count(tiers[i].medium) > 0)
        continue;
      target = i;
      break;
    }
    if (!target) {
      ++unplaced;
      continue;
    }
    taken[*target] = true;
    used_media.insert(tiers[*target].medium);
    const int copy_no = present + slot + 1;
    PlacementAction a{ActionKind::kReplicate, tiers[*source].name, tiers[*target].name,
                      "copy " + std::to_string(copy_no) + " of " + std::to_string(rule.copies) +
                          (rule.distinct_media ? " on a new medium (" : " (medium ") +
                          tiers[*target].medium + ")"};
    replicate_note += replicate_note.empty() ? "replicate " : ", ";
    replicate_note += a.source_tier + std::string(kArrow) + a.target_tier + " (medium " +
                      tiers[*target].medium + ")";
    d.actions.push_back(std::move(a));
  }
  if (!replicate_note.empty())
    parts.push_back(replicate_note);
  if (unplaced > 0) {
    parts.push_back(std::to_string(unplaced) + " more " + CopiesWord(unplaced) +
                    " cannot be placed: no free tier" +
                    (rule.distinct_media
                         ? " on a medium not already used (used: " + JoinSet(used_media) + ")"
                         : std::string()));
  }
  if (d.below_policy && need == 0 && damaged_note.empty()) {
    parts.push_back("no replicate: every required copy already has a record");
  }

  // 3. Moves, only once the copy count is satisfied.
  const int64_t age_ms = now_ms - o.created_ms;
  auto age_due = [&](const MoveRule& m) {
    if (m.after_days < 0)
      return true;
    if (m.after_days > std::numeric_limits<int64_t>::max() / kDayMs)
      return false;
    return age_ms >= m.after_days * kDayMs;
  };
  if (d.below_policy || !d.actions.empty()) {
    bool any_due = false;
    for (const MoveRule& m : p.moves)
      any_due = any_due || age_due(m);
    if (any_due)
      parts.push_back("moves wait until the copy count is satisfied");
    return finish();
  }

  std::vector<Slot> sim = slots;                // copy set after the planned moves
  std::vector<bool> busy(tiers.size(), false);  // source or target of a planned move
  for (size_t i = 0; i < tiers.size(); ++i)
    busy[i] = taken[i];
  for (const MoveRule& m : p.moves) {
    const std::string name = m.from + std::string(kArrow) + m.to;
    const std::optional<size_t> from = FindTier(tiers, m.from);
    const std::optional<size_t> to = FindTier(tiers, m.to);
    if (!from || !to || *from == *to) {
      parts.push_back("move " + name + " ignored: not a valid move between configured tiers");
      continue;
    }
    if (!age_due(m))
      continue;
    if (!slots[*from].ok || busy[*from])
      continue;  // nothing (still) there to move
    if (slots[*to].present || busy[*to]) {
      parts.push_back("move " + name + " skipped: " + m.to + " already holds a copy");
      continue;
    }
    std::vector<Slot> after = sim;
    after[*from] = Slot{};
    after[*to] = Slot{true, true, "ok"};
    if (rule.distinct_media &&
        DistinctOkMedia(after, tiers) < static_cast<size_t>(std::max(rule.copies, 0))) {
      parts.push_back("move " + name + " skipped: would leave ok copies on fewer than " +
                      std::to_string(rule.copies) + " distinct media");
      continue;
    }
    sim = std::move(after);
    busy[*from] = true;
    busy[*to] = true;
    const std::string why = "age " + std::to_string(age_ms / kDayMs) + " d \u2265 " +
                            std::to_string(m.after_days) + " d";
    parts.push_back("move " + name + " (" + why + ")");
    d.actions.push_back(PlacementAction{ActionKind::kMove, m.from, m.to, why});
  }
  if (d.actions.empty())
    parts.push_back("ok");
  return finish();
}

}  // namespace vault::policies
