// The keep-alive HTTP/1.1 response parser that zg-bridge's upstream connection reads answers with:
// every framing a real server uses, fed whole and byte by byte, where one response ends on a shared
// connection, and the bad input it must refuse.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "gateway/http_response_parser.hpp"

namespace {

using zg::gateway::HttpResponseHead;
using zg::gateway::HttpResponseParser;

struct Collected {
  int heads = 0;
  HttpResponseHead head;
  std::string body;
};

HttpResponseParser make_parser(Collected& out, bool no_body = false) {
  return HttpResponseParser(
      [&out](const HttpResponseHead& head) {
        ++out.heads;
        out.head = head;
        return true;
      },
      [&out](std::string_view piece) {
        out.body.append(piece);
        return true;
      },
      no_body);
}

// Feeds one byte at a time: every state must survive any split.
std::size_t feed_bytewise(HttpResponseParser& parser, std::string_view bytes) {
  std::size_t used = 0;
  for (std::size_t i = 0; i < bytes.size() && !parser.done() && !parser.failed(); ++i) used += parser.feed(bytes.substr(i, 1));
  return used;
}

TEST(HttpResponseParser, ContentLengthBodyWholeAndBytewise) {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
  for (const bool bytewise : {false, true}) {
    Collected out;
    auto parser = make_parser(out);
    const auto used = bytewise ? feed_bytewise(parser, response) : parser.feed(response);
    EXPECT_EQ(used, response.size());
    EXPECT_TRUE(parser.done());
    EXPECT_TRUE(parser.reusable());
    EXPECT_EQ(out.heads, 1);
    EXPECT_EQ(out.head.status, 200);
    EXPECT_EQ(out.head.content_type, "application/json");
    EXPECT_EQ(out.body, "{\"a\":1}");
  }
}

TEST(HttpResponseParser, ChunkedBodyWithExtensionsAndTrailers) {
  const std::string response =
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
      "6\r\ndata: \r\nA;name=value\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n";
  for (const bool bytewise : {false, true}) {
    Collected out;
    auto parser = make_parser(out);
    const auto used = bytewise ? feed_bytewise(parser, response) : parser.feed(response);
    EXPECT_EQ(used, response.size());
    EXPECT_TRUE(parser.done()) << parser.error();
    EXPECT_TRUE(out.head.chunked);
    EXPECT_EQ(out.body, "data: 0123456789");
  }
}

TEST(HttpResponseParser, StopsAtTheEndOfOneResponseOnAKeptAliveConnection) {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const std::string both = first + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  Collected out;
  auto parser = make_parser(out);
  EXPECT_EQ(parser.feed(both), first.size());
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(out.body, "ok");
}

TEST(HttpResponseParser, BodyUntilCloseAndHttp10) {
  Collected out;
  auto parser = make_parser(out);
  parser.feed("HTTP/1.0 200 OK\r\n\r\nall of it");
  EXPECT_FALSE(parser.done());
  parser.end_of_input();
  EXPECT_TRUE(parser.done());
  EXPECT_FALSE(parser.reusable());
  EXPECT_EQ(out.body, "all of it");
}

TEST(HttpResponseParser, ConnectionCloseIsNotReusable) {
  Collected out;
  auto parser = make_parser(out);
  parser.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_TRUE(parser.done());
  EXPECT_FALSE(parser.reusable());
}

TEST(HttpResponseParser, SkipsInterimAnswersAndKnowsBodilessOnes) {
  Collected out;
  auto parser = make_parser(out);
  const std::string response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nZG-Res-Key: key-1\r\n\r\n";
  EXPECT_EQ(parser.feed(response), response.size());
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(out.heads, 1);
  EXPECT_EQ(out.head.status, 204);
  EXPECT_EQ(out.head.response_key, "key-1");
  Collected head_only;
  auto head_parser = make_parser(head_only, true);
  head_parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
  EXPECT_TRUE(head_parser.done());
}

TEST(HttpResponseParser, ACallbackThatSaysStopStopsIt) {
  int bodies = 0;
  HttpResponseParser parser([](const HttpResponseHead&) { return true; },
                            [&bodies](std::string_view) {
                              ++bodies;
                              return false;
                            });
  parser.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n");
  EXPECT_TRUE(parser.stopped());
  EXPECT_EQ(bodies, 1);
  EXPECT_FALSE(parser.reusable());
}

TEST(HttpResponseParser, RefusesBadInputWithAReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"HTTP/2 200 OK\r\n\r\n", "bad status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "bad status line"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", "chunk data longer than its size"},
  };
  for (const auto& [input, reason] : cases) {
    Collected out;
    auto parser = make_parser(out);
    parser.feed(input);
    EXPECT_TRUE(parser.failed()) << input;
    EXPECT_EQ(parser.error(), reason) << input;
  }
  Collected out;
  auto parser = make_parser(out);
  parser.feed("HTTP/1.1 200 OK\r\nX: " + std::string(HttpResponseParser::kMaxHeadBytes, 'a'));
  EXPECT_TRUE(parser.failed());
  Collected cut;
  auto cut_parser = make_parser(cut);
  cut_parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  cut_parser.end_of_input();
  EXPECT_TRUE(cut_parser.failed());
  EXPECT_EQ(cut.body, "short");
}

}  // namespace
