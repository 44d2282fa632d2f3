#include "consumer/http/publish_endpoint.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <variant>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "consumer/http/http_request_checks.hpp"
#include "consumer/http/publish_body.hpp"

namespace eventsink {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Delivery reports of records that librdkafka failed at message.timeout.ms can trail that
// deadline a little; waiting this much longer lets the answer say what happened to each record.
constexpr auto kReportGrace = std::chrono::seconds(1);

HttpResponse answer(int status, const Json& body) {
  return HttpResponse::json(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

HttpResponse refusal(int status, const std::string& error) {
  return answer(status, {{"status", "rejected"}, {"error", error}});
}

HttpResponse unavailable(const std::string& error) {
  auto response = answer(503, {{"status", "unavailable"}, {"error", error}});
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

Json problem(Json index, std::string_view field, std::string_view reason, std::string_view code) {
  return {{"index", std::move(index)}, {"field", field}, {"reason", reason}, {"code", code}};
}

}  // namespace

// The acknowledgements one request waits for. Every record produced for the request carries, as
// its opaque pointer, a heap-allocated shared_ptr to this state: the state lives until both the
// request and the last delivery report are done with it, even when the request stopped waiting.
struct PublishEndpoint::PendingBatch {
  std::mutex mutex;
  std::condition_variable reported;
  std::size_t outstanding = 0;  // produced, not yet reported; guarded by mutex
  std::size_t failed = 0;       // reported as not delivered; guarded by mutex
  std::string first_error;      // guarded by mutex
};

PublishEndpoint::PublishEndpoint(PublishOptions options, ApiProbe& probe)
    : options_(std::move(options)), probe_(probe) {
  producer_ = std::make_unique<kafka::Producer>(
      kafka::producer_properties(
          options_.brokers,
          kafka::merge_properties(
              {{"client.id", "eventsink-publish"},
               {"message.timeout.ms", std::to_string(options_.ack_timeout.count())}},
              options_.connection)),
      &PublishEndpoint::on_delivery);
  topic_.reset(rd_kafka_topic_new(producer_->native(), options_.kafka_topic.c_str(), nullptr));
  if (!topic_) {
    throw kafka::ConfigError("cannot use Kafka topic '" + options_.kafka_topic +
                             "' for POST /publish: " + kafka::error_text(rd_kafka_last_error()));
  }
}

PublishEndpoint::~PublishEndpoint() = default;

void PublishEndpoint::on_delivery(const kafka::DeliveryReport& report) {
  // Takes back the ticket that produce() handed to librdkafka with the record.
  const std::unique_ptr<std::shared_ptr<PendingBatch>> ticket(
      static_cast<std::shared_ptr<PendingBatch>*>(report.opaque));
  if (!ticket) {
    return;
  }
  PendingBatch& batch = **ticket;
  {
    std::lock_guard lock(batch.mutex);
    --batch.outstanding;
    if (!report.delivered()) {
      if (batch.failed++ == 0) {
        batch.first_error = kafka::error_text(report.error);
      }
    }
  }
  batch.reported.notify_all();
}

HttpResponse PublishEndpoint::handle(const HttpRequest& request) {
  if (!options_.token.empty() &&
      !bearer_token_matches(request.header("authorization"), options_.token)) {
    auto response =
        answer(401, {{"status", "unauthorized"},
                     {"error", "POST /publish needs \"Authorization: Bearer <token>\""}});
    response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="eventsink")");
    return response;
  }
  if (!is_json_content_type(request.header("content-type"))) {
    return refusal(415, "Content-Type must be application/json (optionally ; charset=utf-8)");
  }

  const auto body = split_publish_body(request.body, options_.max_events);
  if (const auto* error = std::get_if<PublishBodyError>(&body)) {
    if (error->kind == PublishBodyError::Kind::kTooManyEvents) {
      return refusal(413, error->detail);
    }
    return answer(400,
                  {{"status", "rejected"},
                   {"errors", Json::array({problem(nullptr, "", error->detail, error->code())})}});
  }
  const auto& texts = std::get<std::vector<std::string>>(body);

  EventParser parser;
  std::vector<Event> events;
  events.reserve(texts.size());
  Json problems = Json::array();
  for (std::size_t index = 0; index < texts.size(); ++index) {
    auto outcome = parser.parse(texts[index]);
    if (auto* event = std::get_if<Event>(&outcome)) {
      events.push_back(std::move(*event));
    } else {
      const auto& rejection = std::get<Rejection>(outcome);
      problems.push_back(
          problem(index, rejection.field, rejection.detail, to_string(rejection.code)));
    }
  }
  if (!problems.empty()) {
    probe_.events_rejected(texts.size());
    return answer(400, {{"status", "rejected"}, {"errors", std::move(problems)}});
  }

  if (const auto problem = broker_problem(); !problem.empty()) {
    probe_.events_failed(events.size());
    spdlog::warn("POST /publish: Kafka unavailable, nothing produced: {}", problem);
    return unavailable("Kafka is unavailable, nothing was published: " + problem);
  }
  return produce(events);
}

std::string PublishEndpoint::broker_problem() {
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto error =
      rd_kafka_metadata(producer_->native(), /*all_topics=*/0, topic_.get(), &metadata,
                        static_cast<int>(options_.broker_check_timeout.count()));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return kafka::error_text(error);
  }
  std::string problem;
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    problem = "topic '" + options_.kafka_topic + "': " +
              (metadata->topic_cnt == 1 ? kafka::error_text(metadata->topics[0].err)
                                        : std::string("not in the broker's metadata"));
  } else if (metadata->topics[0].partition_cnt == 0) {
    problem = "topic '" + options_.kafka_topic + "' has no partitions";
  }
  rd_kafka_metadata_destroy(metadata);
  return problem;
}

HttpResponse PublishEndpoint::produce(const std::vector<Event>& events) {
  const auto deadline = Clock::now() + options_.ack_timeout;
  const auto batch = std::make_shared<PendingBatch>();
  std::size_t queued = 0;
  try {
    for (const auto& event : events) {
      auto ticket = std::make_unique<std::shared_ptr<PendingBatch>>(batch);
      {
        std::lock_guard lock(batch->mutex);
        ++batch->outstanding;
      }
      try {
        const auto queue_wait = std::max(
            std::chrono::milliseconds(0),
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
        producer_->produce(options_.kafka_topic, event.topic + "/" + event.event_id, to_json(event),
                           ticket.get(), -1, queue_wait);
      } catch (...) {
        std::lock_guard lock(batch->mutex);
        --batch->outstanding;  // librdkafka did not take the record, nor the ticket
        throw;
      }
      static_cast<void>(ticket.release());  // on_delivery owns it now
      ++queued;
    }
  } catch (const std::exception& error) {
    probe_.events_failed(events.size());
    spdlog::warn("POST /publish: producing failed after {} of {} records: {}", queued,
                 events.size(), error.what());
    return unavailable("Kafka refused the batch after " + std::to_string(queued) + " of " +
                       std::to_string(events.size()) +
                       " events were queued; some may have been published: retry the request "
                       "(the sink drops the duplicates) (" +
                       error.what() + ")");
  }

  std::unique_lock lock(batch->mutex);
  const bool all_reported = batch->reported.wait_until(lock, deadline + kReportGrace,
                                                       [&] { return batch->outstanding == 0; });
  if (all_reported && batch->failed == 0) {
    probe_.events_accepted(events.size());
    return answer(202, {{"status", "accepted"}, {"accepted", events.size()}});
  }
  probe_.events_failed(events.size());
  const std::string what =
      all_reported ? std::to_string(batch->failed) + " of " + std::to_string(events.size()) +
                         " events were not acknowledged by Kafka (" + batch->first_error + ")"
                   : std::to_string(batch->outstanding) + " of " + std::to_string(events.size()) +
                         " events were not acknowledged by Kafka within " +
                         std::to_string(options_.ack_timeout.count()) + " ms";
  spdlog::warn("POST /publish: {}", what);
  return unavailable(what +
                     "; the others may have been published: retry the request (the sink "
                     "drops the duplicates)");
}

}  // namespace eventsink
