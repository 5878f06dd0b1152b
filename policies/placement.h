// Placement policy: how many copies of an object the vault keeps, on which tiers, and when a
// copy moves to another tier because of its age.
//
// This is a pure decision function in the sense of DESIGN.md §2: PlanPlacement() reads facts
// (the configured tiers, the object's copy records, the current time) and returns a
// PlacementDecision with a one-line reason. It does no I/O and reads no clock; an executor in
// vault/lifecycle performs the actions (replicate: copy + verify, then record; move: copy +
// verify on the target, then remove the source) and the next decision sees the new facts.
//
// Copies and tiers.
//   - A tier holds at most one copy of an object. A copy record has a state: "ok" (last fixity
//     check passed), "damaged" or "missing". Any other state string is treated like "damaged".
//   - Only "ok" copies on configured tiers count as good. A damaged or missing copy does not
//     count, but its tier stays occupied: nothing is ever replicated onto a tier that already
//     holds a copy record of the object, because repair restores that copy in place.
//   - Copy records naming a tier that is not in the configuration (a removed tier) are ignored:
//     they are not good, not present, not a source, and do not occupy anything. The reason
//     names them so an operator notices.
//   - If the facts carry several records for one tier, the tier counts once; it is "ok" if any
//     of its records is "ok", otherwise it takes the state of its first record.
//
// Rules. The rule for an object is the first rule whose `retention` equals the object's
// retention class; failing that the first rule with retention "*"; failing that the built-in
// default {"*", 2 copies, distinct media} (DESIGN.md §8: at least two copies, each on an
// independent medium). With distinct_media, the good copies must lie on at least `copies`
// different medium labels.
//
// Replication. The number of replicate actions is required − (configured tiers holding a copy
// record in any state), never negative. Targets are tiers without a copy record, in
// configuration order; with distinct_media only tiers whose medium is not used by any existing
// copy (any state) nor by an earlier target qualify. When no such tier remains, that slot gets
// no action, the object stays below policy and the reason says why. The source of every
// replicate is the first "ok" copy in configuration order; with no ok copy there are no actions
// and the reason starts with "no good copy".
//
// Moves. For each MoveRule in order: when now − created ≥ after_days days, the object (as the
// facts describe it) has an ok copy on `from`, `to` holds no copy record and is not the target
// or source of another action of this decision, `from` is not already being moved, and (when
// the rule asks for distinct media) the ok copies after the move still span `required` media,
// a kMove action is planned. No move is planned while the object is below policy or a replicate
// is planned: moves wait until the copy count is satisfied. A move keeps the copy count. Moves
// are listed in MoveRule order; an executor performs them in that order.
//
// Determinism: the same inputs give the same decision, byte for byte (no hashing, no clocks).
// Threading: free functions on values; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault/base/status.h"

namespace vault::policies {

// One configured tier as placement sees it. Config order matters: tiers[0] is the ingest tier
// and targets are chosen in this order.
struct PlacementTier {
  std::string name;    // the tier's configured name ("hot", "warm", "cold"...)
  std::string medium;  // the independent-medium label ("disk-a", "tape-lto9", "s3-hanoi"...)
};

struct PlacementRule {
  std::string retention = "*";  // a retention class name, or "*" = any
  int copies = 2;               // 1..10
  bool distinct_media = true;   // every counted copy on a different medium
};

// Age-based move of a copy from one tier to another; keeps the copy count.
struct MoveRule {
  std::string from, to;
  int64_t after_days = 0;  // 0..kMaxMoveAfterDays, counted from the object's creation
};

struct PlacementPolicy {
  // First rule whose retention matches, then the first "*"; none → {"*", 2, true}.
  std::vector<PlacementRule> rules;
  std::vector<MoveRule> moves;
};

// Largest MoveRule::after_days accepted (1000 years): keeps after_days·86400000 far from
// int64 overflow.
inline constexpr int64_t kMaxMoveAfterDays = 365'250;
inline constexpr int kMinCopies = 1;
inline constexpr int kMaxCopies = 10;

struct CopyFact {
  std::string tier;
  std::string state;  // "ok" | "damaged" | "missing"
};

struct ObjectFacts {
  std::string id, retention;
  int64_t created_ms = 0;  // UTC milliseconds since the Unix epoch
  std::vector<CopyFact> copies;
};

enum class ActionKind { kReplicate, kMove };
// "replicate" | "move".
std::string_view ActionKindName(ActionKind kind);

struct PlacementAction {
  ActionKind kind;
  std::string source_tier, target_tier;
  std::string reason;  // why this action, e.g. "copy 2 of 2 on a new medium (disk-b)"
};

struct PlacementDecision {
  int required = 0;           // copies the matching rule asks for
  int good = 0;               // copies in state "ok" (on configured tiers)
  bool below_policy = false;  // good < required, or the ok copies do not span enough distinct media
  // One line, English, e.g. "1 of 2 copies; replicate hot → warm (medium disk-b)".
  std::string reason;
  std::vector<PlacementAction> actions;  // replicates first (config order), then moves
};

// The rule that applies to objects of `retention` (see "Rules" above).
PlacementRule RuleFor(const PlacementPolicy& p, std::string_view retention);

// Refuses (kInvalidArgument) a policy that is malformed or cannot be satisfied by `tiers`, with
// a message naming the rule and the reason, e.g.
//   "placement rule 1 (retention *): 2 copies on distinct media need 2 tiers with different
//    medium labels; configured: hot (disk-a), warm (disk-a)".
// Checked: at least one tier; tier names non-empty and unique; media non-empty; each rule's
// retention non-empty and not repeated; copies in 1..10; copies ≤ number of tiers; with
// distinct_media, copies ≤ number of distinct media; the built-in default rule likewise when
// no "*" rule exists; each move's tiers configured, from ≠ to, after_days in
// 0..kMaxMoveAfterDays. Rules are numbered from 1 in messages.
Status ValidatePlacementPolicy(const PlacementPolicy& p, const std::vector<PlacementTier>& tiers);

// Decides what to do for one object at `now_ms` (UTC ms since the epoch). Never fails: a policy
// that was not validated still yields a decision (unknown tiers in moves are skipped and
// named in the reason; required < 1 plans no replicates).
PlacementDecision PlanPlacement(const PlacementPolicy& p, const std::vector<PlacementTier>& tiers,
                                const ObjectFacts& o, int64_t now_ms);

}  // namespace vault::policies
