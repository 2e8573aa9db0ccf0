// The SSE and chat-stream parsers over the byte splits a network really produces.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/sse.hpp"

namespace {

using zg::broker::ChatChunk;
using zg::broker::ChatStreamParser;
using zg::broker::SseEvent;
using zg::broker::SseLimits;
using zg::broker::SseParser;

const std::string kStream =
    ": keep-alive\r\n"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}],\"usage\":null}\r\n\r\n"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"lo \\u00e9\"}}]}\r\r"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n"
    "data: [DONE]\n\n";

std::vector<std::string> events_of(const std::vector<std::string>& pieces, SseLimits limits = {}) {
  SseParser parser(limits);
  std::vector<std::string> out;
  const auto collect = [&](const SseEvent& e) { out.push_back(e.data); };
  for (const auto& p : pieces) parser.feed(p, collect);
  parser.finish(collect);
  return out;
}

void feed_in_splits(ChatStreamParser& parser, const std::string& bytes, std::size_t step, std::string& deltas) {
  const auto on_chunk = [&](const ChatChunk& c) { deltas.append(c.content); };
  for (std::size_t i = 0; i < bytes.size(); i += step) parser.feed(std::string_view(bytes).substr(i, step), on_chunk);
  parser.finish(on_chunk);
}

TEST(Sse, MultiLineDataCommentsAndEventFields) {
  const auto events = events_of({"event: update\ndata: first\ndata:second\nid: 7\nretry: 10\n\n: comment\n\ndata\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "first\nsecond");
  EXPECT_EQ(events[1], "");  // a bare `data` field is an empty data line
}

TEST(Sse, CrLfSplitAcrossFeedsIsOneLineEnd) {
  // "\r" at the end of one read and "\n" at the start of the next must not make a blank line.
  const auto events = events_of({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "a\nb");
}

TEST(Sse, LastEventWithoutBlankLineIsDeliveredAtEnd) {
  const auto events = events_of({"data: x\n\ndata: tail"});
  EXPECT_EQ(events, (std::vector<std::string>{"x", "tail"}));
}

TEST(Sse, Utf8BomAtStartIsIgnored) {
  EXPECT_EQ(events_of({"\xEF\xBB\xBF", "data: y\n\n"}), (std::vector<std::string>{"y"}));
}

TEST(Sse, OverlongLineIsRejectedWithTheLimit) {
  SseLimits limits;
  limits.max_line_bytes = 16;
  try {
    events_of({"data: 0123456789", "0123456789\n\n"}, limits);
    FAIL() << "no error";
  } catch (const zg::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("longer than 16 bytes"), std::string::npos) << e.what();
  }
}

TEST(Sse, OversizedEventIsRejected) {
  SseLimits limits;
  limits.max_event_bytes = 10;
  EXPECT_THROW(events_of({"data: 12345\ndata: 67890\n\n"}, limits), zg::ParseError);
}

TEST(ChatStream, EverySplitGivesTheSameContentIdAndUsage) {
  for (std::size_t step = 1; step <= kStream.size(); step += (step < 8 ? 1 : 13)) {
    ChatStreamParser parser;
    std::string deltas;
    feed_in_splits(parser, kStream, step, deltas);
    SCOPED_TRACE("split every " + std::to_string(step) + " bytes");
    EXPECT_EQ(deltas, "Hello \xC3\xA9");
    EXPECT_EQ(parser.content(), "Hello \xC3\xA9");
    EXPECT_TRUE(parser.done());
    ASSERT_TRUE(parser.completion_id());
    EXPECT_EQ(*parser.completion_id(), "chatcmpl-1");
    ASSERT_TRUE(parser.usage());
    EXPECT_EQ(parser.usage()->prompt_tokens, 9u);
    EXPECT_EQ(parser.usage()->completion_tokens, 2u);
    EXPECT_EQ(parser.chunk_count(), 4u);
  }
}

TEST(ChatStream, ChunkThatIsNotJsonIsAClearError) {
  ChatStreamParser parser;
  try {
    parser.feed("data: {\"id\": \"x\", oops}\n\n", [](const ChatChunk&) {});
    FAIL() << "no error";
  } catch (const zg::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("not a JSON object: {\"id\": \"x\", oops}"), std::string::npos) << e.what();
  }
}

TEST(ChatStream, ErrorChunkCarriesTheProviderText) {
  ChatStreamParser parser;
  try {
    parser.feed("data: {\"error\":{\"message\":\"upstream timeout\"}}\n\n", [](const ChatChunk&) {});
    FAIL() << "no error";
  } catch (const zg::broker::ProviderStreamError& e) {
    EXPECT_NE(std::string(e.what()).find("upstream timeout"), std::string::npos) << e.what();
  }
}

TEST(ChatStream, NegativeOrFractionalUsageIsRejected) {
  for (const char* usage : {"{\"prompt_tokens\":-1}", "{\"completion_tokens\":1.5}", "{\"prompt_tokens\":\"9\"}", "[]"}) {
    ChatStreamParser parser;
    EXPECT_THROW(parser.feed(std::string("data: {\"usage\":") + usage + "}\n\n", [](const ChatChunk&) {}),
                 zg::ParseError)
        << usage;
  }
}

TEST(ChatStream, DataAfterDoneIsRejected) {
  ChatStreamParser parser;
  EXPECT_THROW(parser.feed("data: [DONE]\n\ndata: {}\n\n", [](const ChatChunk&) {}), zg::ParseError);
}

TEST(ChatStream, NonStringIdIsRejected) {
  ChatStreamParser parser;
  EXPECT_THROW(parser.feed("data: {\"id\":5}\n\n", [](const ChatChunk&) {}), zg::ParseError);
}

}  // namespace
