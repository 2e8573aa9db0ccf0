// zg-bridge's hand-over of a streamed response between the producing thread (plugin or upstream)
// and the connection thread: order kept, nothing lost, back-pressure, and a client that goes away.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "stream_channel.hpp"

namespace {

using zg::bridge::ResponseHead;
using zg::bridge::StreamChannel;

TEST(BridgeStreamChannel, HeadThenChunksInOrderThenTheEnd) {
  StreamChannel channel;
  std::thread producer([&] {
    ResponseHead head;
    head.status = 201;
    head.content_type = "text/event-stream";
    EXPECT_TRUE(channel.set_head(head));
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(channel.push("event " + std::to_string(i) + "\n"));
    channel.finish();
  });
  const auto head = channel.wait_head();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 201);
  EXPECT_EQ(head->content_type, "text/event-stream");
  std::string all, expected;
  while (auto chunk = channel.next_chunk()) all += *chunk;
  for (int i = 0; i < 100; ++i) expected += "event " + std::to_string(i) + "\n";
  EXPECT_EQ(all, expected);
  producer.join();
}

TEST(BridgeStreamChannel, WhatPiledUpIsTakenInOrderInOnePiece) {
  StreamChannel channel;
  ASSERT_TRUE(channel.set_head(ResponseHead{}));
  ASSERT_TRUE(channel.push("data: 1\n\n"));
  ASSERT_TRUE(channel.push("data: 2\n\n"));
  ASSERT_TRUE(channel.push("data: 3\n\n"));
  EXPECT_EQ(channel.next_chunks(), "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  // The queue is empty again, so a bounded producer may go on; the next piece waits for new data.
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(channel.push("data: 4\n\n"));
    channel.finish();
  });
  EXPECT_EQ(channel.next_chunks(), "data: 4\n\n");
  EXPECT_EQ(channel.next_chunks(), std::nullopt);
  producer.join();
}

TEST(BridgeStreamChannel, AProducerThatFailsBeforeItsHeadReleasesTheConsumer) {
  StreamChannel channel;
  std::thread producer([&] { channel.finish(); });
  EXPECT_FALSE(channel.wait_head().has_value());
  EXPECT_FALSE(channel.next_chunk().has_value());
  producer.join();
}

TEST(BridgeStreamChannel, AFastProducerWaitsForASlowClient) {
  StreamChannel channel;
  const std::string megabyte(StreamChannel::kMaxQueuedBytes, 'x');
  std::atomic<bool> second_push_done{false};
  std::thread producer([&] {
    channel.push(megabyte);
    channel.push("more");  // over the bound: waits until the consumer took the first
    second_push_done = true;
    channel.finish();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(second_push_done.load());
  EXPECT_EQ(channel.next_chunk().value_or("").size(), megabyte.size());
  EXPECT_EQ(channel.next_chunk().value_or(""), "more");
  producer.join();
  EXPECT_TRUE(second_push_done.load());
}

TEST(BridgeStreamChannel, AClientThatLeavesStopsTheProducer) {
  StreamChannel channel;
  const std::string megabyte(StreamChannel::kMaxQueuedBytes, 'x');
  std::atomic<bool> refused{false};
  std::thread producer([&] {
    channel.push(megabyte);
    refused = !channel.push("blocked until the client leaves");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  channel.abandon();
  producer.join();
  EXPECT_TRUE(refused.load());
  EXPECT_FALSE(channel.set_head(ResponseHead{}));
  EXPECT_TRUE(channel.abandoned());
}

TEST(BridgeStreamChannel, UnboundedChannelNeverWaits) {
  StreamChannel channel(false);  // producer and consumer on one thread (non-streamed answers)
  const std::string megabyte(StreamChannel::kMaxQueuedBytes, 'x');
  EXPECT_TRUE(channel.push(megabyte));
  EXPECT_TRUE(channel.push(megabyte));
  channel.finish();
  std::size_t total = 0;
  while (auto chunk = channel.next_chunk()) total += chunk->size();
  EXPECT_EQ(total, 2 * megabyte.size());
}

}  // namespace
