#include "engine/thread_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace quantsim::engine {
namespace {

TEST(ThreadPool, CoversEveryChunkOnceWithFixedBoundaries) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 64, 1000, 1001}) {
      for (int64_t grain : {1, 3, 64, 5000}) {
        std::vector<std::atomic<int>> hits(n);
        std::atomic<int> bad_boundary{0};
        pool.ParallelFor(n, grain, [&](int64_t b, int64_t e) {
          if (b % grain != 0 || (e != n && e - b != grain)) ++bad_boundary;
          for (int64_t i = b; i < e; ++i) ++hits[i];
        });
        EXPECT_EQ(bad_boundary.load(), 0);
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
      }
    }
  }
}

TEST(ThreadPool, NullPoolRunsSeriallyInOrder) {
  std::vector<int64_t> starts;
  ParallelFor(nullptr, 10, 4, [&](int64_t b, int64_t) { starts.push_back(b); });
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 4, 8}));
  EXPECT_EQ(NumChunks(10, 4), 3);
  EXPECT_EQ(NumChunks(0, 4), 0);
}

TEST(ThreadPool, ConcurrentAndNestedCallsComplete) {
  ThreadPool pool(4);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      pool.ParallelFor(16, 1, [&](int64_t, int64_t) {
        pool.ParallelFor(100, 7, [&](int64_t b, int64_t e) { total += e - b; });
      });
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(total.load(), 8 * 16 * 100);
}

TEST(ThreadPool, UsesMoreThanOneThread) {
  ThreadPool pool(2);
  std::atomic<int> in_flight{0}, peak{0};
  pool.ParallelFor(64, 1, [&](int64_t, int64_t) {
    const int now = ++in_flight;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --in_flight;
  });
  EXPECT_EQ(pool.num_threads(), 2);
  EXPECT_EQ(peak.load(), 2);
}

}  // namespace
}  // namespace quantsim::engine
