#include "policies/placement.h"

#include <ostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace vault::policies {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1'735'689'600'000;  // 2025-01-01T00:00:00Z

std::vector<PlacementTier> ThreeTiers() {
  return {{"hot", "disk-a"}, {"warm", "disk-b"}, {"cold", "tape"}};
}

ObjectFacts Obj(std::vector<CopyFact> copies, std::string retention = "10y",
                int64_t created = kT0) {
  return ObjectFacts{"obj-1", std::move(retention), created, std::move(copies)};
}

void ExpectAction(const PlacementAction& a, ActionKind kind, const std::string& from,
                  const std::string& to) {
  EXPECT_EQ(a.kind, kind) << ActionKindName(a.kind);
  EXPECT_EQ(a.source_tier, from);
  EXPECT_EQ(a.target_tier, to);
  EXPECT_FALSE(a.reason.empty());
}

TEST(PlacementTest, FreshObjectReplicatesToNextMedium) {
  const std::vector<PlacementTier> tiers = {{"hot", "disk-a"}, {"warm", "disk-b"}};
  const PlacementPolicy p;  // built-in default: 2 copies, distinct media
  ASSERT_OK(ValidatePlacementPolicy(p, tiers));
  const PlacementDecision d = PlanPlacement(p, tiers, Obj({{"hot", "ok"}}), kT0);
  EXPECT_EQ(d.required, 2);
  EXPECT_EQ(d.good, 1);
  EXPECT_TRUE(d.below_policy);
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kReplicate, "hot", "warm");
  EXPECT_EQ(d.reason, "1 of 2 copies; replicate hot \u2192 warm (medium disk-b)");
}

TEST(PlacementTest, TwoGoodCopiesOnDistinctMediaNeedNothing) {
  const PlacementPolicy p;
  const PlacementDecision d =
      PlanPlacement(p, ThreeTiers(), Obj({{"hot", "ok"}, {"warm", "ok"}}), kT0);
  EXPECT_EQ(d.good, 2);
  EXPECT_FALSE(d.below_policy);
  EXPECT_THAT(d.actions, IsEmpty());
  EXPECT_EQ(d.reason, "2 of 2 copies; ok");
}

TEST(PlacementTest, ValidateRefusesSameMediumTiers) {
  const std::vector<PlacementTier> tiers = {{"hot", "disk-a"}, {"warm", "disk-a"}};
  PlacementPolicy p;
  p.rules = {PlacementRule{"*", 2, true}};
  const Status s = ValidatePlacementPolicy(p, tiers);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "placement rule 1 (retention *): 2 copies on distinct media need 2 tiers with "
            "different medium labels; configured: hot (disk-a), warm (disk-a)");
  // The built-in default rule is checked too when no "*" rule exists.
  const Status d = ValidatePlacementPolicy(PlacementPolicy{}, tiers);
  EXPECT_EQ(d.code(), Code::kInvalidArgument);
  EXPECT_THAT(std::string(d.message()), AllOf(HasSubstr("default rule"), HasSubstr("hot (disk-a)"),
                                              HasSubstr("warm (disk-a)")));
  // Without distinct media the same tiers are fine.
  p.rules[0].distinct_media = false;
  EXPECT_OK(ValidatePlacementPolicy(p, tiers));
}

struct BadPolicyCase {
  const char* name;
  PlacementPolicy policy;
  std::vector<PlacementTier> tiers;
  const char* message_part;
};

// Keeps test listings (ctest -N) readable: the case name instead of a byte dump.
void PrintTo(const BadPolicyCase& c, std::ostream* os) { *os << c.name; }

class ValidateRefusesTest : public ::testing::TestWithParam<BadPolicyCase> {};

TEST_P(ValidateRefusesTest, NamesTheProblem) {
  const BadPolicyCase& c = GetParam();
  const Status s = ValidatePlacementPolicy(c.policy, c.tiers);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  EXPECT_THAT(std::string(s.message()), HasSubstr(c.message_part));
}

PlacementPolicy WithRules(std::vector<PlacementRule> rules, std::vector<MoveRule> moves = {}) {
  return PlacementPolicy{std::move(rules), std::move(moves)};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateRefusesTest,
    ::testing::Values(
        BadPolicyCase{"NoTiers", PlacementPolicy{}, {}, "no tiers"},
        BadPolicyCase{"ZeroCopies", WithRules({{"*", 0, false}}), ThreeTiers(),
                      "placement rule 1 (retention *): copies = 0 is outside 1..10"},
        BadPolicyCase{"ElevenCopies", WithRules({{"*", 11, false}}), ThreeTiers(),
                      "copies = 11 is outside 1..10"},
        BadPolicyCase{"MoreCopiesThanTiers", WithRules({{"*", 2, true}, {"permanent", 4, false}}),
                      ThreeTiers(),
                      "placement rule 2 (retention permanent): 4 copies need 4 tiers"},
        BadPolicyCase{"DuplicateRetention", WithRules({{"*", 2, true}, {"*", 3, true}}),
                      ThreeTiers(), "placement rule 2 (retention *): same retention as rule 1"},
        BadPolicyCase{"EmptyRetention", WithRules({{"", 2, true}}), ThreeTiers(),
                      "empty retention"},
        BadPolicyCase{"UnknownMoveTier", WithRules({}, {{"hot", "glacier", 30}}), ThreeTiers(),
                      "placement move 1 (hot \u2192 glacier): unknown tier \"glacier\"; "
                      "configured: hot, warm, cold"},
        BadPolicyCase{"MoveToSelf", WithRules({}, {{"hot", "hot", 30}}), ThreeTiers(),
                      "from and to are the same tier"},
        BadPolicyCase{"NegativeAfterDays", WithRules({}, {{"hot", "cold", -1}}), ThreeTiers(),
                      "after_days = -1 is outside"},
        BadPolicyCase{"DuplicateTier",
                      PlacementPolicy{},
                      {{"hot", "disk-a"}, {"hot", "disk-b"}},
                      "duplicate tier name"},
        BadPolicyCase{"EmptyMedium",
                      PlacementPolicy{},
                      {{"hot", "disk-a"}, {"warm", ""}},
                      "placement tier 2 (warm): empty medium label"}),
    [](const ::testing::TestParamInfo<BadPolicyCase>& c) { return c.param.name; });

TEST(PlacementTest, ValidateAcceptsAGoodPolicy) {
  const PlacementPolicy p =
      WithRules({{"permanent", 3, true}, {"*", 2, true}}, {{"hot", "cold", 30}});
  EXPECT_OK(ValidatePlacementPolicy(p, ThreeTiers()));
}

TEST(PlacementTest, DamagedCopyOccupiesItsTier) {
  const PlacementPolicy p;
  const PlacementDecision d =
      PlanPlacement(p, ThreeTiers(), Obj({{"hot", "ok"}, {"warm", "damaged"}}), kT0);
  EXPECT_EQ(d.good, 1);
  EXPECT_TRUE(d.below_policy);
  // Two records for two required copies: repair restores warm, nothing is replicated.
  EXPECT_THAT(d.actions, IsEmpty());
  EXPECT_THAT(d.reason, AllOf(HasSubstr("1 of 2 copies"), HasSubstr("warm damaged"),
                              HasSubstr("repair restores")));
}

TEST(PlacementTest, MissingCopyNeverGetsAReplicaOnItsTierOrMedium) {
  // 3 copies on distinct media; warm (disk-b) is missing, so the third copy must go to cold.
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-b"}, {"warm2", "disk-b"}, {"cold", "tape"}};
  PlacementPolicy p = WithRules({{"*", 3, true}});
  ASSERT_OK(ValidatePlacementPolicy(p, tiers));
  const PlacementDecision d =
      PlanPlacement(p, tiers, Obj({{"hot", "ok"}, {"warm", "missing"}}), kT0);
  EXPECT_TRUE(d.below_policy);
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kReplicate, "hot", "cold");
}

TEST(PlacementTest, NoGoodCopy) {
  const PlacementPolicy p;
  for (const auto& copies : std::vector<std::vector<CopyFact>>{
           {}, {{"hot", "damaged"}}, {{"hot", "missing"}, {"warm", "damaged"}}}) {
    const PlacementDecision d = PlanPlacement(p, ThreeTiers(), Obj(copies), kT0);
    EXPECT_EQ(d.good, 0);
    EXPECT_TRUE(d.below_policy);
    EXPECT_THAT(d.actions, IsEmpty());
    EXPECT_THAT(d.reason, HasSubstr("no good copy"));
  }
}

TEST(PlacementTest, RuleChosenByRetention) {
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-b"}, {"cold", "tape"}, {"offsite", "s3"}};
  // The "*" rule comes first, but an exact retention match wins.
  const PlacementPolicy p = WithRules({{"*", 2, true}, {"permanent", 3, true}});
  ASSERT_OK(ValidatePlacementPolicy(p, tiers));

  const PlacementDecision perm = PlanPlacement(p, tiers, Obj({{"hot", "ok"}}, "permanent"), kT0);
  EXPECT_EQ(perm.required, 3);
  ASSERT_EQ(perm.actions.size(), 2u);
  ExpectAction(perm.actions[0], ActionKind::kReplicate, "hot", "warm");
  ExpectAction(perm.actions[1], ActionKind::kReplicate, "hot", "cold");
  EXPECT_EQ(perm.reason,
            "1 of 3 copies; replicate hot \u2192 warm (medium disk-b), hot \u2192 cold (medium "
            "tape)");

  const PlacementDecision ten = PlanPlacement(p, tiers, Obj({{"hot", "ok"}}, "10y"), kT0);
  EXPECT_EQ(ten.required, 2);
  ASSERT_EQ(ten.actions.size(), 1u);
  ExpectAction(ten.actions[0], ActionKind::kReplicate, "hot", "warm");

  EXPECT_EQ(RuleFor(WithRules({{"permanent", 3, true}}), "10y").copies, 2);  // built-in default
}

TEST(PlacementTest, DistinctMediaPrefersAnUnusedMedium) {
  // warm shares hot's medium: the replica skips it for cold.
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-a"}, {"cold", "tape"}};
  const PlacementDecision d = PlanPlacement(PlacementPolicy{}, tiers, Obj({{"hot", "ok"}}), kT0);
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kReplicate, "hot", "cold");
  // Without distinct media, config order decides.
  const PlacementDecision any =
      PlanPlacement(WithRules({{"*", 2, false}}), tiers, Obj({{"hot", "ok"}}), kT0);
  ASSERT_EQ(any.actions.size(), 1u);
  ExpectAction(any.actions[0], ActionKind::kReplicate, "hot", "warm");
}

TEST(PlacementTest, NoUnusedMediumLeftLeavesTheSlotUnplaced) {
  // Copies on disk-a and disk-b: the third copy skips hot2 (disk-a) for cold (tape).
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"hot2", "disk-a"}, {"warm", "disk-b"}, {"cold", "tape"}};
  const PlacementPolicy p = WithRules({{"*", 4, false}, {"permanent", 3, true}});
  ASSERT_OK(ValidatePlacementPolicy(p, tiers));
  const PlacementDecision d =
      PlanPlacement(p, tiers, Obj({{"hot", "ok"}, {"warm", "ok"}}, "permanent"), kT0);
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kReplicate, "hot", "cold");
  EXPECT_FALSE(PlanPlacement(p, tiers,
                             Obj({{"hot", "ok"}, {"warm", "ok"}, {"cold", "ok"}}, "permanent"), kT0)
                   .below_policy);

  // Without the tape tier (a policy that was not validated) no unused medium remains.
  const PlacementDecision blocked =
      PlanPlacement(p, {{"hot", "disk-a"}, {"hot2", "disk-a"}, {"warm", "disk-b"}},
                    Obj({{"hot", "ok"}, {"warm", "ok"}}, "permanent"), kT0);
  EXPECT_TRUE(blocked.below_policy);
  EXPECT_THAT(blocked.actions, IsEmpty());
  EXPECT_THAT(blocked.reason, HasSubstr("1 more copy cannot be placed: no free tier on a medium "
                                        "not already used (used: disk-a, disk-b)"));
}

TEST(PlacementTest, GoodCopiesOnOneMediumAreBelowPolicy) {
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-a"}, {"cold", "tape"}};
  const PlacementDecision d =
      PlanPlacement(PlacementPolicy{}, tiers, Obj({{"hot", "ok"}, {"warm", "ok"}}), kT0);
  EXPECT_EQ(d.good, 2);
  EXPECT_TRUE(d.below_policy);
  EXPECT_THAT(d.actions, IsEmpty());  // every required copy has a record
  EXPECT_THAT(d.reason, HasSubstr("only 1 distinct medium"));
}

TEST(PlacementTest, SourceIsFirstOkCopyInConfigOrder) {
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-b"}, {"cold", "tape"}, {"offsite", "s3"}};
  const PlacementPolicy p = WithRules({{"*", 4, true}});
  // Facts listed out of config order; hot is damaged.
  const PlacementDecision d =
      PlanPlacement(p, tiers, Obj({{"cold", "ok"}, {"warm", "ok"}, {"hot", "damaged"}}), kT0);
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kReplicate, "warm", "offsite");
}

class MoveTest : public ::testing::Test {
 protected:
  const std::vector<PlacementTier> tiers_ = ThreeTiers();
  const PlacementPolicy policy_ = WithRules({{"*", 2, true}}, {{"hot", "cold", 30}});
};

TEST_F(MoveTest, MovesAfterTheAgeOnly) {
  ASSERT_OK(ValidatePlacementPolicy(policy_, tiers_));
  const ObjectFacts o = Obj({{"hot", "ok"}, {"warm", "ok"}});
  for (int64_t days : {0, 1, 29}) {
    const PlacementDecision d = PlanPlacement(policy_, tiers_, o, kT0 + days * kDay);
    EXPECT_THAT(d.actions, IsEmpty()) << days;
    EXPECT_FALSE(d.below_policy);
  }
  for (int64_t days : {30, 31, 400}) {
    const PlacementDecision d = PlanPlacement(policy_, tiers_, o, kT0 + days * kDay);
    ASSERT_EQ(d.actions.size(), 1u) << days;
    ExpectAction(d.actions[0], ActionKind::kMove, "hot", "cold");
    EXPECT_FALSE(d.below_policy);
    EXPECT_THAT(d.reason,
                HasSubstr("move hot \u2192 cold (age " + std::to_string(days) + " d \u2265 30 d)"));
  }
  // One millisecond short of 30 days is not yet.
  EXPECT_THAT(PlanPlacement(policy_, tiers_, o, kT0 + 30 * kDay - 1).actions, IsEmpty());
}

TEST_F(MoveTest, NotWhileBelowPolicy) {
  const int64_t now = kT0 + 60 * kDay;
  // One copy: the replicate comes first, the move waits.
  const PlacementDecision one = PlanPlacement(policy_, tiers_, Obj({{"hot", "ok"}}), now);
  ASSERT_EQ(one.actions.size(), 1u);
  ExpectAction(one.actions[0], ActionKind::kReplicate, "hot", "warm");
  EXPECT_THAT(one.reason, HasSubstr("moves wait until the copy count is satisfied"));
  // A damaged second copy: below policy, no actions at all.
  const PlacementDecision damaged =
      PlanPlacement(policy_, tiers_, Obj({{"hot", "ok"}, {"warm", "damaged"}}), now);
  EXPECT_TRUE(damaged.below_policy);
  EXPECT_THAT(damaged.actions, IsEmpty());
}

TEST_F(MoveTest, NotIfItBreaksDistinctMedia) {
  // cold shares warm's medium: moving hot there would leave both copies on disk-b.
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-b"}, {"cold", "disk-b"}};
  const int64_t now = kT0 + 60 * kDay;
  const ObjectFacts o = Obj({{"hot", "ok"}, {"warm", "ok"}});
  const PlacementDecision d = PlanPlacement(policy_, tiers, o, now);
  EXPECT_THAT(d.actions, IsEmpty());
  EXPECT_FALSE(d.below_policy);
  EXPECT_THAT(d.reason, HasSubstr("move hot \u2192 cold skipped"));
  // Without distinct media the move goes ahead.
  const PlacementPolicy loose = WithRules({{"*", 2, false}}, {{"hot", "cold", 30}});
  const PlacementDecision l = PlanPlacement(loose, tiers, o, now);
  ASSERT_EQ(l.actions.size(), 1u);
  ExpectAction(l.actions[0], ActionKind::kMove, "hot", "cold");
}

TEST_F(MoveTest, NotOntoAnOccupiedTierNorFromANonOkCopy) {
  const int64_t now = kT0 + 60 * kDay;
  const PlacementPolicy p = WithRules({{"*", 1, true}}, {{"hot", "cold", 30}});
  // cold already holds a (damaged) copy.
  EXPECT_THAT(PlanPlacement(p, tiers_, Obj({{"hot", "ok"}, {"cold", "damaged"}}), now).actions,
              IsEmpty());
  // hot's copy is damaged: nothing to move from there.
  const PlacementDecision d =
      PlanPlacement(p, tiers_, Obj({{"hot", "damaged"}, {"warm", "ok"}}), now);
  EXPECT_THAT(d.actions, IsEmpty());
}

TEST_F(MoveTest, ChainedRulesMoveOneStepPerDecision) {
  const PlacementPolicy p =
      WithRules({{"*", 1, true}}, {{"hot", "warm", 10}, {"warm", "cold", 20}, {"hot", "cold", 5}});
  ASSERT_OK(ValidatePlacementPolicy(p, tiers_));
  const PlacementDecision d = PlanPlacement(p, tiers_, Obj({{"hot", "ok"}}), kT0 + 30 * kDay);
  // hot → warm; warm → cold waits for the copy to exist; hot → cold: hot is already moving.
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kMove, "hot", "warm");
  const PlacementDecision next = PlanPlacement(p, tiers_, Obj({{"warm", "ok"}}), kT0 + 30 * kDay);
  ASSERT_EQ(next.actions.size(), 1u);
  ExpectAction(next.actions[0], ActionKind::kMove, "warm", "cold");
}

TEST(PlacementTest, UnknownTierInCopiesIsIgnoredAndReported) {
  const PlacementPolicy p;
  const PlacementDecision d = PlanPlacement(
      p, ThreeTiers(), Obj({{"hot", "ok"}, {"old-nas", "ok"}, {"old-nas", "ok"}}), kT0);
  EXPECT_EQ(d.good, 1);
  EXPECT_TRUE(d.below_policy);
  ASSERT_EQ(d.actions.size(), 1u);
  ExpectAction(d.actions[0], ActionKind::kReplicate, "hot", "warm");
  EXPECT_EQ(d.reason,
            "1 of 2 copies; replicate hot \u2192 warm (medium disk-b); copy on tier old-nas not "
            "in the configuration, ignored");
  // Only on an unknown tier: there is no good copy the vault can read.
  const PlacementDecision none = PlanPlacement(p, ThreeTiers(), Obj({{"gone", "ok"}}), kT0);
  EXPECT_THAT(none.reason, AllOf(HasSubstr("no good copy"), HasSubstr("gone")));
  EXPECT_THAT(none.actions, IsEmpty());
}

TEST(PlacementTest, Deterministic) {
  const std::vector<PlacementTier> tiers = {
      {"hot", "disk-a"}, {"warm", "disk-b"}, {"cold", "tape"}, {"offsite", "s3"}};
  const PlacementPolicy p = WithRules({{"permanent", 4, true}, {"*", 2, true}},
                                      {{"hot", "offsite", 10}, {"warm", "cold", 20}});
  const std::vector<ObjectFacts> objects = {
      Obj({{"hot", "ok"}}, "permanent"),
      Obj({{"hot", "ok"}, {"zzz", "ok"}, {"aaa", "damaged"}}, "permanent"),
      Obj({{"hot", "ok"}, {"warm", "ok"}}, "10y"),
      Obj({{"hot", "missing"}, {"cold", "ok"}}, "10y"),
  };
  for (const ObjectFacts& o : objects) {
    const PlacementDecision a = PlanPlacement(p, tiers, o, kT0 + 25 * kDay);
    for (int i = 0; i < 5; ++i) {
      const PlacementDecision b = PlanPlacement(p, tiers, o, kT0 + 25 * kDay);
      EXPECT_EQ(a.reason, b.reason);
      EXPECT_EQ(a.required, b.required);
      EXPECT_EQ(a.good, b.good);
      EXPECT_EQ(a.below_policy, b.below_policy);
      ASSERT_EQ(a.actions.size(), b.actions.size());
      for (size_t j = 0; j < a.actions.size(); ++j) {
        EXPECT_EQ(a.actions[j].kind, b.actions[j].kind);
        EXPECT_EQ(a.actions[j].source_tier, b.actions[j].source_tier);
        EXPECT_EQ(a.actions[j].target_tier, b.actions[j].target_tier);
        EXPECT_EQ(a.actions[j].reason, b.actions[j].reason);
      }
    }
    EXPECT_THAT(a.reason, Not(IsEmpty()));
  }
}

TEST(PlacementTest, ReplicateCountIsRequiredMinusPresent) {
  const std::vector<PlacementTier> tiers = {
      {"a", "m1"}, {"b", "m2"}, {"c", "m3"}, {"d", "m4"}, {"e", "m5"}};
  const PlacementPolicy p = WithRules({{"*", 4, true}});
  struct Case {
    std::vector<CopyFact> copies;
    size_t replicates;
  };
  const std::vector<Case> cases = {
      {{{"a", "ok"}}, 3},
      {{{"a", "ok"}, {"b", "damaged"}}, 2},
      {{{"a", "ok"}, {"b", "missing"}, {"c", "damaged"}}, 1},
      {{{"a", "ok"}, {"b", "ok"}, {"c", "ok"}, {"d", "ok"}, {"e", "ok"}}, 0},
  };
  for (const Case& c : cases) {
    const PlacementDecision d = PlanPlacement(p, tiers, Obj(c.copies), kT0);
    EXPECT_EQ(d.actions.size(), c.replicates) << d.reason;
    for (const PlacementAction& a : d.actions) {
      EXPECT_EQ(a.kind, ActionKind::kReplicate);
      EXPECT_EQ(a.source_tier, "a");
      for (const CopyFact& f : c.copies)
        EXPECT_NE(a.target_tier, f.tier);
    }
  }
}

}  // namespace
}  // namespace vault::policies
