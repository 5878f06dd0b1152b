// The fixity scheduler with real stores (two local tiers), a real LMDB catalog and event log,
// and a fake clock: coverage under a steady ingest, the rate limit, resuming after a restart,
// and repair from the other tier.
#include "vault/fixity/scheduler.h"

#include <atomic>
#include <climits>
#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/fs.h"
#include "vault/clib/crypto.h"
#include "vault/ingest/materialize.h"

namespace vault::fixity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::vault::testing::TempDir;

class FakeClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(ms_.load())); }
  void Advance(int64_t ms) { ms_ += ms; }
  int64_t ms() const { return ms_.load(); }

 private:
  std::atomic<int64_t> ms_{1'800'000'000'000};  // 2027-01-15
};

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

// Counts what the scheduler reads, per tier.
struct CountingObserver : Observer {
  void OnCopyVerified(const std::string& tier, uint64_t, uint64_t bytes) override {
    std::lock_guard lk(mu);
    copies[tier] += 1;
    read[tier] += bytes;
  }
  void OnRepair(const std::string& tier, const std::string& outcome) override {
    std::lock_guard lk(mu);
    repairs[tier + "/" + outcome] += 1;
  }
  std::mutex mu;
  std::map<std::string, uint64_t> copies, read, repairs;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    for (const char* t : {"hot", "warm"}) {
      auto tier = tiers::OpenLocalTier(t, dir_ / "tiers" / t);
      ASSERT_OK(tier);
      auto st = store::OcflStore::Open(**tier);
      ASSERT_OK(st);
      stores_[t] = st->get();
      tier_owners_.push_back(std::move(*tier));
      store_owners_.push_back(std::move(*st));
    }
    auto cat = catalog::Catalog::Open(dir_ / "catalog");
    ASSERT_OK(cat);
    catalog_ = std::move(*cat);
    auto log = eventlog::EventLog::Open(dir_ / "log", clock_);
    ASSERT_OK(log);
    log_ = std::move(*log);
    fs::create_directories(dir_ / "staging");
  }

  // A daemon restart: everything closed and reopened from disk.
  void Reopen() {
    fixity_.reset();
    pool_.reset();
    log_.reset();
    catalog_.reset();
    stores_.clear();
    store_owners_.clear();
    tier_owners_.clear();
    Open();
  }

  CommitFn Commit() {
    return [this](std::vector<eventlog::EventDraft> d) -> Result<std::vector<eventlog::Event>> {
      std::lock_guard lk(commit_mu_);
      VAULT_ASSIGN_OR_RETURN(auto events, log_->Append(std::move(d)));
      catalog::WriteBatch b;
      for (const auto& e : events)
        VAULT_RETURN_IF_ERROR(ingest::MaterializeEvent(e, stores_, b));
      VAULT_RETURN_IF_ERROR(catalog_->Apply(b));
      return events;
    };
  }

  void MakeFixity(double cap_bytes_s = 0, int64_t period_days = 10) {
    HashPool::Options po;
    po.threads = 2;
    pool_ = std::make_unique<HashPool>(po);
    Env env;
    for (const char* t : {"hot", "warm"}) {
      TierSetup ts;
      ts.name = t;
      ts.store = stores_[t];
      ts.policy.period_s = period_days * 86400;
      ts.policy.headroom = 1.5;
      ts.policy.max_read_bytes_s = cap_bytes_s;
      env.tiers.push_back(ts);
    }
    env.catalog = catalog_.get();
    env.commit = Commit();
    env.clock = &clock_;
    env.pool = pool_.get();
    env.attic = dir_ / "attic";
    env.work = dir_ / "staging";
    env.observer = &observer_;
    env.realtime_limits = false;  // fake clock: budgets only
    fixity_ = std::make_unique<Fixity>(std::move(env));
    fixity_->SetReplanInterval(0);  // re-plan every slice: the fake clock jumps by hours
  }

  // Stores an object with `files` random files of up to `max_bytes` on hot, copies it to warm,
  // and records both as the daemon does (ingestion + replication events).
  std::string AddObject(int files, size_t max_bytes) {
    std::string id = "urn:uuid:obj-" + std::to_string(next_++);
    store::CreateRequest req;
    req.id = id;
    req.created = "2027-01-01T00:00:00Z";
    std::uniform_int_distribution<size_t> size(1, max_bytes);
    for (int i = 0; i < files; ++i) {
      std::string data(size(rng_), '\0');
      for (auto& c : data)
        c = static_cast<char>(rng_());
      fs::path p = dir_ / "staging" / ("f" + std::to_string(next_) + "-" + std::to_string(i));
      std::ofstream(p, std::ios::binary) << data;
      req.files.push_back({"data/f" + std::to_string(i) + ".bin", p, data.size(), Sha256Hex(data)});
    }
    EXPECT_OK(stores_["hot"]->CreateObject(req));
    EXPECT_OK(stores_["warm"]->CopyObjectFrom(*stores_["hot"], id, dir_ / "staging"));
    EXPECT_OK(Commit()({{"ingestion", id, "test", "success", json{{"tier", "hot"}}}}));
    EXPECT_OK(Commit()({{"replication", id, "test", "success",
                         json{{"tier", "warm"},
                              {"source", "hot"},
                              {"version", "v1"},
                              {"bytes", TotalBytes(id)}}}}));
    return id;
  }

  uint64_t TotalBytes(const std::string& id) {
    auto obj = catalog_->GetObject(id);
    return obj.ok() && *obj ? (*obj)->bytes : 0;
  }

  uint64_t Overdue(const std::string& tier, int64_t period_ms) {
    auto n = catalog_->CountVerifyQueueBefore(tier, clock_.ms() - period_ms);
    EXPECT_OK(n);
    return n.ok() ? *n : 0;
  }

  fs::path ContentFile(const std::string& tier, const std::string& id, int i) {
    return dir_ / "tiers" / tier / store::OcflStore::ObjectPath(id) /
           ("v1/content/data/f" + std::to_string(i) + ".bin");
  }

  TempDir dir_;
  FakeClock clock_;
  std::mt19937_64 rng_{42};
  int next_ = 0;
  std::mutex commit_mu_;
  std::vector<std::unique_ptr<tiers::Tier>> tier_owners_;
  std::vector<std::unique_ptr<store::OcflStore>> store_owners_;
  ingest::StoreMap stores_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::unique_ptr<HashPool> pool_;
  CountingObserver observer_;
  std::unique_ptr<Fixity> fixity_;
};

// Every copy stays verified within its period while objects keep arriving, and the scheduler
// reads no faster than its plan (one object of overdraft at most, carried as debt).
TEST_F(SchedulerTest, CoverageHoldsUnderSteadyIngestAndTheRateIsRespected) {
  MakeFixity();
  const int64_t period_ms = 10 * kDay;
  for (int i = 0; i < 10; ++i)
    AddObject(3, 4096);
  uint64_t max_object = 0;
  double planned_bytes = 0;
  uint64_t read_bytes = 0;
  uint64_t worst_overdue = 0;
  for (int hour = 0; hour < 40 * 24; ++hour) {  // 4 periods
    clock_.Advance(kHour);
    if (hour % 8 == 0) {  // a steady stream: 3 new objects a day
      std::string id = AddObject(3, 4096);
      max_object = std::max(max_object, TotalBytes(id));
    }
    for (const char* t : {"hot", "warm"}) {
      auto r = fixity_->RunSlice(t, 3600);
      ASSERT_OK(r);
      planned_bytes += r->rate * 3600;
      read_bytes += r->bytes;
      uint64_t od = Overdue(t, period_ms);
      if (od > 0 && worst_overdue == 0) {
        auto p = fixity_->PlanRate(t);
        ADD_FAILURE() << "hour " << hour << " tier " << t << " overdue " << od << " rate "
                      << r->rate << " copies " << r->copies << " bytes " << r->bytes << " reason "
                      << (p.ok() ? p->reason : "");
      }
      worst_overdue = std::max(worst_overdue, od);
    }
  }
  EXPECT_EQ(worst_overdue, 0u) << "some copy went longer than its period without a check";
  // Never verified early: the oldest copy gets old (the rate is not wastefully high).
  auto oldest = catalog_->ListVerifyQueue("hot", INT64_MAX, 1);
  ASSERT_OK(oldest);
  ASSERT_FALSE(oldest->empty());
  EXPECT_GT(clock_.ms() - (*oldest)[0].last_verified_ms, period_ms / 4);
  // The reads stay within the planned budget plus one object (the debt of the last check)
  // per tier, plus the inventories read with each object (charged at least 64 KiB each).
  EXPECT_GT(read_bytes, 0u);
  EXPECT_LE(static_cast<double>(read_bytes),
            planned_bytes + 2.0 * static_cast<double>(max_object) + 2 * 65536);
  // Cycles completed and were summarised.
  auto st = fixity_->TierStatuses();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_GE(st[0].cycle, 3u);
  EXPECT_GT(st[0].last_cycle_end_ms, 0);
}

// A cap below the needed rate is honoured (and reported as at risk).
TEST_F(SchedulerTest, ReadCapHoldsAndIsReportedAtRisk) {
  for (int i = 0; i < 20; ++i)
    AddObject(4, 8192);
  // 20 objects × ~16 KiB per tier within one day needs ~4 B/s; cap at 1 B/s.
  MakeFixity(/*cap_bytes_s=*/1.0, /*period_days=*/1);
  uint64_t read = 0;
  uint64_t max_object = 0;
  for (int i = 0; i < 20; ++i)
    max_object = std::max(max_object, TotalBytes("urn:uuid:obj-" + std::to_string(i)));
  for (int hour = 0; hour < 48; ++hour) {
    clock_.Advance(kHour);
    auto r = fixity_->RunSlice("hot", 3600);
    ASSERT_OK(r);
    EXPECT_LE(r->rate, 1.0);
    read += r->bytes;
  }
  // 48 h at 1 B/s = 172,800 bytes budget; at most one object of overdraft.
  EXPECT_LE(read, 172'800u + max_object + 65536);
  auto plan = fixity_->PlanRate("hot");
  ASSERT_OK(plan);
  EXPECT_TRUE(plan->capped);
  EXPECT_TRUE(plan->at_risk);
}

// A restart in the middle of a cycle resumes it: the copies already checked are not checked
// again, the cycle number and its progress survive.
TEST_F(SchedulerTest, RestartInTheMiddleOfACycleResumesWhereItStopped) {
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(AddObject(2, 4096));
  MakeFixity(/*cap_bytes_s=*/0, /*period_days=*/1);
  clock_.Advance(2 * kDay);  // everything overdue: a cycle over all 30 copies
  auto plan = fixity_->PlanRate("hot");
  ASSERT_OK(plan);
  // A slice that covers about a third of the copies.
  uint64_t hot_bytes = 0;
  for (const auto& id : ids)
    hot_bytes += TotalBytes(id);
  double seconds = (static_cast<double>(hot_bytes) / 3.0) / plan->bytes_per_s;
  auto first = fixity_->RunSlice("hot", seconds);
  ASSERT_OK(first);
  ASSERT_GT(first->copies, 0u);
  ASSERT_LT(first->copies, 30u);
  auto state1 = catalog_->GetState("fixity/hot");
  ASSERT_OK(state1);
  ASSERT_TRUE(state1->has_value());
  const uint64_t cycle = (**state1)["cycle"].get<uint64_t>();
  const uint64_t done1 = (**state1)["copies_done"].get<uint64_t>();
  EXPECT_EQ(done1, first->copies);

  Reopen();
  observer_.copies.clear();
  MakeFixity(0, 1);
  // Enough budget for everything: only the rest is checked, in the same cycle.
  clock_.Advance(kHour);
  auto second = fixity_->RunSlice("hot", 4 * 3600.0);
  ASSERT_OK(second);
  EXPECT_EQ(first->copies + second->copies, 30u) << "no copy checked twice, none skipped";
  EXPECT_TRUE(second->cycle_completed);
  // The completed cycle's summary event counts all 30.
  uint64_t summarised = 0;
  ASSERT_OK(log_->ReadFrom(0, [&](const eventlog::Event& e) {
    if (e.type == "fixity check" && e.object.empty() && e.detail.value("tier", "") == "hot" &&
        e.detail.value("cycle", uint64_t{0}) == cycle) {
      summarised = e.detail.value("copies_done", uint64_t{0});
    }
    return true;
  }));
  EXPECT_EQ(summarised, 30u);
}

// Damage on one tier is found by the scheduler and repaired from the other; events are
// written only for the state changes.
TEST_F(SchedulerTest, DamageFoundBySchedulerIsRepairedFromTheOtherTier) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(AddObject(3, 4096));
  MakeFixity(0, 1);
  // Flip one byte of a file on hot.
  fs::path f = ContentFile("hot", ids[2], 1);
  fs::permissions(f, fs::perms::owner_write, fs::perm_options::add);
  std::string good;
  {
    std::ifstream in(f, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string bad = good;
  bad[0] = static_cast<char>(bad[0] ^ 0x01);
  std::ofstream(f, std::ios::binary | std::ios::trunc) << bad;
  uint64_t events_before = log_->head_seq();

  clock_.Advance(2 * kDay);
  auto r = fixity_->RunSlice("hot", 4 * 3600.0);
  ASSERT_OK(r);
  EXPECT_EQ(r->copies, 4u);
  EXPECT_EQ(observer_.repairs["hot/repaired"], 1u);
  // Repaired: the good bytes are back, the bad ones are in the attic.
  std::ifstream in(f, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), good);
  bool in_attic = false;
  for (auto it = fs::recursive_directory_iterator(dir_ / "attic");
       it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file())
      continue;
    std::ifstream a(it->path(), std::ios::binary);
    in_attic = in_attic || std::string(std::istreambuf_iterator<char>(a), {}) == bad;
  }
  EXPECT_TRUE(in_attic);
  auto copies = catalog_->ListCopies(ids[2]);
  ASSERT_OK(copies);
  for (const auto& c : *copies)
    EXPECT_EQ(c.state, "ok") << c.tier;
  // Events: damaged, recovered, and the cycle summary — nothing for the 3 clean copies.
  std::vector<std::string> types;
  ASSERT_OK(log_->ReadFrom(events_before, [&](const eventlog::Event& e) {
    types.push_back(e.type + (e.object.empty() ? " (summary)" : "") + "/" + e.outcome);
    return true;
  }));
  EXPECT_THAT(types, ::testing::ElementsAre("fixity check/failure", "recovery/success",
                                            "fixity check (summary)/success"));
}

}  // namespace
}  // namespace vault::fixity
