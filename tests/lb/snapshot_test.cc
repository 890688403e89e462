// The snapshot publisher: readers see a published snapshot at once, an old one is freed only
// after every online reader has passed a quiescent point, offline readers hold nothing up, and
// concurrent readers never see a freed snapshot.
#include "sluice/lb/snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sluice::lb {
namespace {

struct Counted {
  explicit Counted(int v, std::atomic<int>* live) : value(v), live_(live) { ++*live_; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  ~Counted() { --*live_; }
  int value;

 private:
  std::atomic<int>* live_;
};

TEST(SnapshotPublisher, OldSnapshotsLiveUntilEveryOnlineReaderWasQuiescent) {
  std::atomic<int> live{0};
  {
    SnapshotPublisher<Counted> pub(2, std::make_unique<const Counted>(1, &live));
    pub.online(0);
    pub.online(1);
    const Counted* held = pub.read();
    pub.publish(std::make_unique<const Counted>(2, &live));
    EXPECT_EQ(pub.read()->value, 2);
    EXPECT_EQ(live.load(), 2) << "readers may still hold the first";
    EXPECT_EQ(held->value, 1);
    pub.quiescent(0);
    EXPECT_EQ(pub.reclaim(), 1U) << "reader 1 has not been quiescent";
    pub.quiescent(1);
    EXPECT_EQ(pub.reclaim(), 0U);
    EXPECT_EQ(live.load(), 1);
    // An offline reader holds nothing up.
    pub.offline(1);
    pub.publish(std::make_unique<const Counted>(3, &live));
    pub.quiescent(0);
    EXPECT_EQ(pub.reclaim(), 0U);
    EXPECT_EQ(live.load(), 1);
  }
  EXPECT_EQ(live.load(), 0) << "the publisher frees what it still holds";
}

TEST(SnapshotPublisher, ConcurrentReadersNeverSeeAFreedSnapshot) {
  std::atomic<int> live{0};
  SnapshotPublisher<Counted> pub(2, std::make_unique<const Counted>(0, &live));
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0};
  auto reader = [&](std::size_t slot) {
    pub.online(slot);
    int last = 0;
    while (!stop.load()) {
      const Counted* snap = pub.read();
      // Values only grow; a freed snapshot would show garbage (and ASan would say so).
      if (snap->value < last) ++bad;
      last = snap->value;
      pub.quiescent(slot);
    }
    pub.offline(slot);
  };
  std::thread r0(reader, 0);
  std::thread r1(reader, 1);
  for (int v = 1; v <= 20000; ++v) pub.publish(std::make_unique<const Counted>(v, &live));
  stop = true;
  r0.join();
  r1.join();
  EXPECT_EQ(pub.reclaim(), 0U);
  EXPECT_EQ(live.load(), 1);
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace sluice::lb
