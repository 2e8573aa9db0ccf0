#include "chat_model.hpp"

#include "common/error.hpp"

namespace zg::provider {

namespace {

using nlohmann::json;

json parse_json_object(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw ParseError("invalid request body: not valid JSON");
  if (!parsed.is_object()) throw ParseError("invalid request body: expected a JSON object");
  return parsed;
}

void check_messages(const json& body) {
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    throw ParseError("invalid request body: `messages` must be a non-empty array");
  }
  for (const auto& message : *messages) {
    if (!message.is_object()) throw ParseError("invalid request body: every message must be an object");
    const auto content = message.find("content");
    if (content != message.end() && !content->is_string() && !content->is_array() && !content->is_null()) {
      throw ParseError("invalid request body: message content must be a string or an array of parts");
    }
  }
}

// The text of one message: a string, or the "text" of each part of an array.
std::string message_text(const json& message) {
  const auto content = message.find("content");
  if (content == message.end()) return {};
  if (content->is_string()) return content->get<std::string>();
  std::string text;
  if (content->is_array()) {
    for (const auto& part : *content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        text += part["text"].get<std::string>() + " ";
      }
    }
  }
  return text;
}

// Splits the answer into word-sized pieces (each with its trailing space) so a stream has several chunks.
std::vector<std::string> split_into_pieces(const std::string& text) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t space = text.find(' ', start);
    std::size_t end = space == std::string::npos ? text.size() : space + 1;
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  if (pieces.empty()) pieces.emplace_back();
  return pieces;
}

json usage_json(const broker::TokenUsage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

json chunk(const ChatAnswer& answer, json choices) {
  return {{"id", answer.id}, {"object", "chat.completion.chunk"}, {"created", answer.created},
          {"model", answer.model}, {"choices", std::move(choices)}};
}

}  // namespace

ChatRequest parse_chat_request(std::string_view body, const std::string& default_model) {
  ChatRequest request;
  request.body = parse_json_object(body);
  check_messages(request.body);
  bool rewritten = false;
  if (!request.body.contains("model") || request.body["model"].is_null()) {
    request.body["model"] = default_model;  // the broker fills in its on-chain default
    rewritten = true;
  }
  if (!request.body["model"].is_string()) throw ParseError("invalid request body: `model` must be a string");
  request.model = request.body["model"].get<std::string>();
  if (request.body.contains("stream")) {
    if (!request.body["stream"].is_boolean()) throw ParseError("invalid request body: `stream` must be a boolean");
    request.stream = request.body["stream"].get<bool>();
  }
  if (request.stream) {
    // EnsureStreamOptions: the final chunk must carry usage, or the broker could not bill.
    auto& options = request.body["stream_options"];
    if (!options.is_object()) options = json::object();
    if (options.value("include_usage", false) != true) {
      options["include_usage"] = true;
      rewritten = true;
    }
  }
  request.forwarded_body = rewritten ? request.body.dump() : std::string(body);
  request.messages_json = request.body["messages"].dump();
  return request;
}

std::uint64_t count_words(std::string_view text) {
  std::uint64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::uint64_t count_prompt_tokens(const json& messages) {
  std::uint64_t tokens = 0;
  for (const auto& message : messages) tokens += count_words(message_text(message));
  return tokens;
}

std::string last_user_text(const json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->is_object() && it->value("role", "") == "user") return message_text(*it);
  }
  return {};
}

std::string ChatAnswer::text() const {
  std::string joined;
  for (const auto& piece : pieces) joined += piece;
  return joined;
}

ChatAnswer answer_deterministically(const ChatRequest& request, std::string id, std::int64_t created) {
  ChatAnswer answer;
  answer.id = std::move(id);
  answer.model = request.model;
  answer.created = created;
  const std::string text = "echo: " + last_user_text(request.body["messages"]);
  answer.pieces = split_into_pieces(text);
  answer.usage.prompt_tokens = count_prompt_tokens(request.body["messages"]);
  answer.usage.completion_tokens = count_words(text);
  return answer;
}

std::string completion_body(const ChatAnswer& answer) {
  const json message = {{"role", "assistant"}, {"content", answer.text()}};
  const json body = {{"id", answer.id},
                     {"object", "chat.completion"},
                     {"created", answer.created},
                     {"model", answer.model},
                     {"choices", json::array({{{"index", 0}, {"message", message}, {"finish_reason", "stop"}}})},
                     {"usage", usage_json(answer.usage)}};
  return body.dump();
}

std::vector<std::string> stream_payloads(const ChatAnswer& answer) {
  std::vector<std::string> payloads;
  const auto delta_choice = [](json delta, json finish) {
    return json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}});
  };
  payloads.push_back(chunk(answer, delta_choice({{"role", "assistant"}, {"content", ""}}, nullptr)).dump());
  for (const auto& piece : answer.pieces) {
    payloads.push_back(chunk(answer, delta_choice({{"content", piece}}, nullptr)).dump());
  }
  payloads.push_back(chunk(answer, delta_choice(json::object(), "stop")).dump());
  json usage_chunk = chunk(answer, json::array());
  usage_chunk["usage"] = usage_json(answer.usage);
  payloads.push_back(usage_chunk.dump());
  return payloads;
}

std::optional<broker::TokenUsage> usage_from_json(const json& object) {
  if (!object.is_object()) return std::nullopt;
  const auto usage = object.find("usage");
  if (usage == object.end() || !usage->is_object()) return std::nullopt;
  const auto prompt = usage->find("prompt_tokens");
  const auto completion = usage->find("completion_tokens");
  if (prompt == usage->end() || completion == usage->end() || !prompt->is_number_unsigned() ||
      !completion->is_number_unsigned()) {
    return std::nullopt;
  }
  return broker::TokenUsage{prompt->get<std::uint64_t>(), completion->get<std::uint64_t>()};
}

}  // namespace zg::provider
