#include "vault/log/event_log.h"

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/clib/crypto.h"

namespace vault::eventlog {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Deterministic, thread-safe clock: each Now() is 1 ms after the previous one.
class FakeClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::milliseconds(1'795'000'000'000LL + ticks_++));
  }

 private:
  mutable std::atomic<int64_t> ticks_{0};
};

EventDraft Draft(std::string type, std::string object, json detail = json::object()) {
  return EventDraft{std::move(type), std::move(object), "test-agent", "success", std::move(detail)};
}

std::vector<Event> ReadAll(const EventLog& log, uint64_t after = 0) {
  std::vector<Event> out;
  Status s = log.ReadFrom(after, [&](const Event& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_OK(s);
  return out;
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) {
      nl = s.size();
    }
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) {
    s += l + "\n";
  }
  return s;
}

// (seq, problem) pairs, for compact assertions.
std::vector<std::pair<uint64_t, std::string>> Problems(const std::vector<ChainBreak>& breaks) {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& b : breaks) {
    out.emplace_back(b.seq, b.problem);
  }
  return out;
}

class EventLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> OpenLog(uint64_t segment_bytes = 64ull << 20) {
    auto r = EventLog::Open(dir_.path() / "log", clock_, segment_bytes);
    EXPECT_OK(r);
    return r.ok() ? std::move(r).value() : nullptr;
  }
  // Appends n single-event batches.
  void AppendN(EventLog& log, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_OK(log.Append({Draft("ingestion", "obj-" + std::to_string(i), {{"i", i}})}));
    }
  }
  stdfs::path Segment(uint64_t n) const { return dir_.path() / "log" / SegmentFileName(n); }

  testing::TempDir dir_;
  FakeClock clock_;
};

TEST_F(EventLogTest, EmptyLogHasNoHead) {
  auto log = OpenLog();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->head_seq(), 0u);
  EXPECT_EQ(log->head_hash(), "");
  EXPECT_THAT(ReadAll(*log), IsEmpty());
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
  EXPECT_TRUE(stdfs::exists(Segment(1)));
}

TEST_F(EventLogTest, AppendAssignsSeqPrevHashAndIsReadable) {
  auto log = OpenLog();
  ASSERT_TRUE(log);
  auto first = log->Append({Draft("ingestion", "obj-1"), Draft("replication", "obj-1")});
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].seq, 1u);
  EXPECT_EQ((*first)[0].prev, ZeroHash());
  EXPECT_EQ((*first)[1].seq, 2u);
  EXPECT_EQ((*first)[1].prev, (*first)[0].hash);
  EXPECT_EQ((*first)[0].time,
            FormatIso8601(TimePoint(std::chrono::milliseconds(1'795'000'000'000LL))));
  EXPECT_EQ((*first)[0].hash, Sha256Hex(CanonicalForm((*first)[0])));
  EXPECT_EQ(log->head_seq(), 2u);
  EXPECT_EQ(log->head_hash(), (*first)[1].hash);

  auto second = log->Append({Draft("fixity check", "obj-1", {{"files", 3}})});
  ASSERT_OK(second);
  EXPECT_EQ((*second)[0].seq, 3u);
  EXPECT_EQ((*second)[0].prev, (*first)[1].hash);

  auto all = ReadAll(*log);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].type, "ingestion");
  EXPECT_EQ(all[1].type, "replication");
  EXPECT_EQ(all[2].detail, json({{"files", 3}}));
  EXPECT_EQ(all[2].hash, (*second)[0].hash);
  auto tail = ReadAll(*log, 2);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq, 3u);

  // fn returning false stops the read.
  int calls = 0;
  ASSERT_OK(log->ReadFrom(0, [&](const Event&) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);

  // Empty batch: no-op.
  auto none = log->Append({});
  ASSERT_OK(none);
  EXPECT_THAT(*none, IsEmpty());
  EXPECT_EQ(log->head_seq(), 3u);
}

TEST_F(EventLogTest, ReopenContinuesTheChain) {
  std::string head_hash;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log);
    AppendN(*log, 5);
    head_hash = log->head_hash();
  }
  auto log = OpenLog();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->head_seq(), 5u);
  EXPECT_EQ(log->head_hash(), head_hash);
  auto next = log->Append({Draft("deletion", "obj-9")});
  ASSERT_OK(next);
  EXPECT_EQ((*next)[0].seq, 6u);
  EXPECT_EQ((*next)[0].prev, head_hash);
  EXPECT_EQ(ReadAll(*log).size(), 6u);
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
}

TEST_F(EventLogTest, SecondOpenOfTheSameLogIsRefused) {
  auto log = OpenLog();
  ASSERT_TRUE(log);
  auto again = EventLog::Open(dir_.path() / "log", clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kUnavailable);
}

TEST_F(EventLogTest, CanonicalFormIsSortedCompactUnescapedAndWithoutHash) {
  Event e;
  e.seq = 7;
  e.time = "2026-11-23T16:32:05.123+07:00";
  e.type = "ingestion";
  e.object = "obj-1";
  e.agent = "vaultd";
  e.outcome = "success";
  e.detail = {{"title", "Hồ sơ"}, {"a", 1}};
  e.prev = ZeroHash();
  e.hash = "ignored";
  EXPECT_EQ(CanonicalForm(e),
            "{\"agent\":\"vaultd\",\"detail\":{\"a\":1,\"title\":\"Hồ sơ\"},\"object\":\"obj-1\","
            "\"outcome\":\"success\",\"prev\":\"" +
                ZeroHash() +
                "\",\"seq\":7,\"time\":\"2026-11-23T16:32:05.123+07:00\",\"type\":\"ingestion\"}");
  auto back = EventFromJson(EventToJson(e));
  ASSERT_OK(back);
  EXPECT_EQ(CanonicalForm(*back), CanonicalForm(e));
  EXPECT_EQ(back->hash, "ignored");
  EXPECT_FALSE(EventFromJson(json{{"seq", "x"}}).ok());
  EXPECT_FALSE(EventFromJson(json::array()).ok());
}

TEST_F(EventLogTest, InvalidDraftsAreRejectedWithoutWriting) {
  auto log = OpenLog();
  ASSERT_TRUE(log);
  AppendN(*log, 1);
  auto bad = log->Append({Draft("ingestion", std::string("obj-\xff\xfe"))});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  auto empty_type = log->Append({Draft("", "obj")});
  EXPECT_EQ(empty_type.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log->head_seq(), 1u);
  AppendN(*log, 1);
  EXPECT_EQ(log->head_seq(), 2u);
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
}

TEST_F(EventLogTest, SegmentRollover) {
  {
    auto log = OpenLog(/*segment_bytes=*/1024);
    ASSERT_TRUE(log);
    AppendN(*log, 40);
    // A batch larger than a segment still goes in whole (into a fresh segment).
    std::vector<EventDraft> big;
    for (int i = 0; i < 10; ++i) {
      big.push_back(Draft("ingestion", "big-" + std::to_string(i)));
    }
    ASSERT_OK(log->Append(std::move(big)));
    EXPECT_EQ(log->head_seq(), 50u);
  }
  int segments = 0;
  for (uint64_t n = 1; stdfs::exists(Segment(n)); ++n) {
    ++segments;
    // No segment except for whole batches grows much past the limit.
    std::string content = testing::ReadFile(Segment(n));
    ASSERT_FALSE(content.empty());
    EXPECT_EQ(content.back(), '\n');
  }
  EXPECT_GT(segments, 5);

  auto log = OpenLog(1024);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->head_seq(), 50u);
  auto from37 = ReadAll(*log, 37);
  ASSERT_EQ(from37.size(), 13u);
  for (size_t i = 0; i < from37.size(); ++i) {
    EXPECT_EQ(from37[i].seq, 38 + i);
  }
  EXPECT_EQ(ReadAll(*log).size(), 50u);
  AppendN(*log, 3);
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
  EXPECT_EQ(ReadAll(*log).back().seq, 53u);
}

TEST_F(EventLogTest, TornTailWithoutNewlineIsTruncatedOnOpen) {
  std::string head_hash;
  uintmax_t good_size = 0;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log);
    AppendN(*log, 5);
    head_hash = log->head_hash();
    good_size = stdfs::file_size(Segment(1));
  }
  // A crash mid-append: half a line, no newline.
  std::string content = testing::ReadFile(Segment(1));
  testing::WriteFile(Segment(1), content + "{\"agent\":\"x\",\"detail\":{\"ha");
  auto before = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(before);
  EXPECT_THAT(Problems(*before), ElementsAre(std::pair<uint64_t, std::string>{6, "torn tail"}));

  auto log = OpenLog();
  ASSERT_TRUE(log);
  EXPECT_EQ(stdfs::file_size(Segment(1)), good_size);
  EXPECT_EQ(log->head_seq(), 5u);
  EXPECT_EQ(log->head_hash(), head_hash);
  auto next = log->Append({Draft("ingestion", "after-crash")});
  ASSERT_OK(next);
  EXPECT_EQ((*next)[0].seq, 6u);
  EXPECT_EQ((*next)[0].prev, head_hash);
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
}

TEST_F(EventLogTest, UnparseableCompleteLastLineIsTruncatedOnOpen) {
  uintmax_t good_size = 0;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log);
    AppendN(*log, 3);
    good_size = stdfs::file_size(Segment(1));
  }
  std::string content = testing::ReadFile(Segment(1));
  testing::WriteFile(Segment(1), content + std::string("{\"seq\":4,\0\0\0\0", 13) + "\n");
  auto log = OpenLog();
  ASSERT_TRUE(log);
  EXPECT_EQ(stdfs::file_size(Segment(1)), good_size);
  EXPECT_EQ(log->head_seq(), 3u);
  AppendN(*log, 1);
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
}

TEST_F(EventLogTest, TamperedCompleteLastLineIsNotSilentlyRemoved) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log);
    AppendN(*log, 3);
  }
  auto lines = SplitLines(testing::ReadFile(Segment(1)));
  json j = json::parse(lines[2]);
  j["outcome"] = "failure";
  lines[2] = j.dump();
  testing::WriteFile(Segment(1), JoinLines(lines));
  auto size = stdfs::file_size(Segment(1));
  auto r = EventLog::Open(dir_.path() / "log", clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_EQ(stdfs::file_size(Segment(1)), size);  // evidence kept
}

class VerifyChainTest : public EventLogTest {
 protected:
  void SetUp() override {
    auto log = OpenLog();
    ASSERT_TRUE(log);
    AppendN(*log, 6);
    lines_ = SplitLines(testing::ReadFile(Segment(1)));
    ASSERT_EQ(lines_.size(), 6u);
  }
  std::vector<std::pair<uint64_t, std::string>> Verify(const std::vector<std::string>& lines) {
    testing::WriteFile(Segment(1), JoinLines(lines));
    auto r = EventLog::VerifyChain(dir_.path() / "log");
    EXPECT_OK(r);
    return r.ok() ? Problems(*r) : std::vector<std::pair<uint64_t, std::string>>{};
  }
  std::vector<std::string> lines_;
};

using P = std::pair<uint64_t, std::string>;

TEST_F(VerifyChainTest, IntactChainHasNoBreaks) { EXPECT_THAT(Verify(lines_), IsEmpty()); }

TEST_F(VerifyChainTest, EditedLineIsAHashMismatchAtItsSeq) {
  auto lines = lines_;
  json j = json::parse(lines[2]);
  j["detail"]["i"] = 99;
  lines[2] = j.dump();
  EXPECT_THAT(Verify(lines), ElementsAre(P{3, "hash mismatch"}));
}

TEST_F(VerifyChainTest, EditedLineWithRecomputedHashBreaksTheNextLink) {
  auto lines = lines_;
  auto e = EventFromJson(json::parse(lines[2]));
  ASSERT_OK(e);
  e->detail["i"] = 99;
  e->hash = ComputeHash(*e);
  lines[2] = EventToJson(*e).dump();
  EXPECT_THAT(Verify(lines), ElementsAre(P{4, "prev does not link"}));
}

TEST_F(VerifyChainTest, DeletedLineIsASequenceGap) {
  auto lines = lines_;
  lines.erase(lines.begin() + 2);  // seq 3
  auto breaks = Verify(lines);
  EXPECT_THAT(breaks, ElementsAre(P{4, "sequence gap"}));
  auto r = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(r);
  EXPECT_EQ((*r)[0].line, 3u);
  EXPECT_EQ((*r)[0].segment, SegmentFileName(1));
  EXPECT_EQ((*r)[0].detail, "expected seq 3, found 4");
}

TEST_F(VerifyChainTest, DeletedFirstLineIsASequenceGap) {
  auto lines = lines_;
  lines.erase(lines.begin());
  EXPECT_THAT(Verify(lines), ElementsAre(P{2, "sequence gap"}));
}

TEST_F(VerifyChainTest, SwappedLinesAreReportedAtBothSeqs) {
  auto lines = lines_;
  std::swap(lines[2], lines[3]);  // seq 4 now before seq 3
  EXPECT_THAT(Verify(lines), ElementsAre(P{4, "sequence gap"}, P{3, "sequence out of order"}));
}

TEST_F(VerifyChainTest, GarbageLineIsUnparseable) {
  auto lines = lines_;
  lines[1] = "not json at all";
  auto r = Verify(lines);
  EXPECT_THAT(r, ElementsAre(P{2, "unparseable line"}));
}

TEST_F(VerifyChainTest, ReadFromRefusesABrokenChain) {
  auto lines = lines_;
  lines.erase(lines.begin() + 2);
  testing::WriteFile(Segment(1), JoinLines(lines));
  // Reading the log (replay) must not silently skip the hole. Open works: the tail is intact.
  auto log = OpenLog();
  ASSERT_TRUE(log);
  Status s = log->ReadFrom(0, [](const Event&) { return true; });
  EXPECT_EQ(s.code(), Code::kCorruption);
}

TEST_F(EventLogTest, VerifyChainAcrossSegmentsFindsADeletedSegment) {
  {
    auto log = OpenLog(512);
    ASSERT_TRUE(log);
    AppendN(*log, 20);
  }
  ASSERT_TRUE(stdfs::exists(Segment(3)));
  auto first_of_3 = EventFromJson(json::parse(SplitLines(testing::ReadFile(Segment(3)))[0]));
  ASSERT_OK(first_of_3);
  stdfs::remove(Segment(2));
  auto r = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].problem, "sequence gap");
  EXPECT_EQ((*r)[0].seq, first_of_3->seq);
  EXPECT_EQ((*r)[0].segment, SegmentFileName(3));
  EXPECT_EQ((*r)[0].line, 1u);
}

TEST_F(EventLogTest, EmptyLastSegmentFromACrashAfterRollIsUsed) {
  std::string head_hash;
  uint64_t last = 0;
  {
    auto log = OpenLog(512);
    ASSERT_TRUE(log);
    AppendN(*log, 10);
    head_hash = log->head_hash();
  }
  for (uint64_t n = 1; stdfs::exists(Segment(n)); ++n) {
    last = n;
  }
  testing::WriteFile(Segment(last + 1), "");  // rolled, then crashed before the write
  auto log = OpenLog(512);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->head_seq(), 10u);
  EXPECT_EQ(log->head_hash(), head_hash);
  AppendN(*log, 1);
  EXPECT_GT(stdfs::file_size(Segment(last + 1)), 0u);
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
}

TEST_F(EventLogTest, IncompleteEndOfAnEarlierSegmentIsCorruptionNotTruncated) {
  uint64_t last = 0;
  {
    auto log = OpenLog(512);
    ASSERT_TRUE(log);
    AppendN(*log, 10);
  }
  for (uint64_t n = 1; stdfs::exists(Segment(n)); ++n) {
    last = n;
  }
  std::string content = testing::ReadFile(Segment(last));
  testing::WriteFile(Segment(last), content + "{\"partial");
  testing::WriteFile(Segment(last + 1), "");
  auto size = stdfs::file_size(Segment(last));
  auto r = EventLog::Open(dir_.path() / "log", clock_, 512);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_EQ(stdfs::file_size(Segment(last)), size);
}

TEST_F(EventLogTest, VerifyChainOfAMissingDirIsNotFound) {
  auto r = EventLog::VerifyChain(dir_.path() / "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST_F(EventLogTest, ConcurrentAppendsFormAGaplessChain) {
  auto log = OpenLog(/*segment_bytes=*/4096);  // also rolls segments under contention
  ASSERT_TRUE(log);
  constexpr int kThreads = 4;
  constexpr int kBatches = 60;
  std::atomic<int> failures{0};
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<EventDraft> batch;
        for (int k = 0; k <= b % 3; ++k) {
          batch.push_back(Draft("fixity check", "t" + std::to_string(t), {{"b", b}, {"k", k}}));
        }
        auto r = log->Append(std::move(batch));
        if (!r.ok()) {
          ++failures;
          continue;
        }
        // A batch's seqs are contiguous.
        for (size_t k = 1; k < r->size(); ++k) {
          if ((*r)[k].seq != (*r)[k - 1].seq + 1) {
            ++failures;
          }
        }
        for (const auto& e : *r) {
          seqs[t].push_back(e.seq);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);

  const uint64_t expected_total = kThreads * (kBatches / 3) * (1 + 2 + 3);
  EXPECT_EQ(log->head_seq(), expected_total);
  std::vector<bool> seen(expected_total + 1, false);
  for (const auto& v : seqs) {
    for (uint64_t s : v) {
      ASSERT_LE(s, expected_total);
      EXPECT_FALSE(seen[s]) << "seq " << s << " handed out twice";
      seen[s] = true;
    }
  }
  auto all = ReadAll(*log);
  ASSERT_EQ(all.size(), expected_total);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i + 1);
    EXPECT_EQ(all[i].prev, i == 0 ? ZeroHash() : all[i - 1].hash);
  }
  auto breaks = EventLog::VerifyChain(dir_.path() / "log");
  ASSERT_OK(breaks);
  EXPECT_THAT(*breaks, IsEmpty());
}

TEST_F(EventLogTest, ReadFromDuringAppendsSeesAConsistentPrefix) {
  auto log = OpenLog(/*segment_bytes=*/2048);
  ASSERT_TRUE(log);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      uint64_t expected = 1;
      std::string prev = ZeroHash();
      Status s = log->ReadFrom(0, [&](const Event& e) {
        if (e.seq != expected || e.prev != prev) {
          ++bad;
        }
        ++expected;
        prev = e.hash;
        return true;
      });
      if (!s.ok()) {
        ++bad;
      }
      ++reads;
    }
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(
        log->Append({Draft("ingestion", "o" + std::to_string(i)), Draft("replication", "o")}));
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(ReadAll(*log).size(), 400u);
}

}  // namespace
}  // namespace vault::eventlog
