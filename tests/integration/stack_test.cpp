#include "tests/integration/stack_test.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/kafka_admin.hpp"

namespace eventsink::testing {
namespace {

constexpr const char* kHowToStart =
    "\nStart the local stack first:  scripts/stack.sh up   (see README.md; scripts/test.sh does "
    "it for you)";

std::string unique_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("t_") + info->test_suite_name() + "_" + info->name();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  });
  name = name.substr(0, 40);
  std::random_device random;
  return name + "_" + std::to_string(random() % 1000000);
}

}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(interval);  // the polling interval of a deadline-bound wait
  }
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool found = fd >= 0 &&
                     bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) {
    close(fd);
  }
  if (!found) {
    throw std::runtime_error("cannot find a free TCP port");
  }
  return ntohs(address.sin_port);
}

std::string with_search_path(const std::string& url, const std::string& schema) {
  const char separator = url.find('?') == std::string::npos ? '?' : '&';
  return url + separator + "options=-csearch_path%3D" + schema;
}

TestProducer::TestProducer(const std::string& brokers, const std::string& topic) : topic_(topic) {
  producer_ = std::make_unique<kafka::Producer>(
      kafka::producer_properties(brokers), [this](const kafka::DeliveryReport& report) {
        std::lock_guard lock(mutex_);
        ++delivered_;
        if (!report.delivered()) {
          failures_.push_back(kafka::error_text(report.error));
        }
      });
}

void TestProducer::produce(const std::string& key, const std::string& value,
                           std::int32_t partition) {
  {
    std::lock_guard lock(mutex_);
    ++queued_;
  }
  producer_->produce(topic_, key, value, nullptr, partition);
}

void TestProducer::wait_delivered() {
  ASSERT_TRUE(producer_->flush(std::chrono::seconds(60))) << "Kafka did not acknowledge in 60 s";
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mutex_);
        return delivered_ == queued_;
      },
      std::chrono::seconds(10)));
  std::lock_guard lock(mutex_);
  ASSERT_TRUE(failures_.empty()) << failures_.size()
                                 << " records failed, first: " << failures_.front();
}

std::size_t TestProducer::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

void StackTest::SetUp() {
  endpoints_ = endpoints_from_environment();
  const std::string name = unique_name();
  topic_ = name;
  schema_ = name;

  try {
    pqxx::connection admin(endpoints_.database_url);
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE SCHEMA " + tx.quote_name(schema_));
  } catch (const std::exception& error) {
    FAIL() << "PostgreSQL at " << redact_database_url(endpoints_.database_url)
           << " is not usable: " << error.what() << kHowToStart;
  }
  database_url_ = with_search_path(endpoints_.database_url, schema_);

  try {
    kafka::create_topic(kafka::connection_to(endpoints_.brokers), topic_, kPartitions, 1,
                        std::chrono::seconds(15));
  } catch (const std::exception& error) {
    FAIL() << "Kafka at " << endpoints_.brokers << " is not usable: " << error.what()
           << kHowToStart;
  }
  ASSERT_TRUE(eventually(
      [&] {
        return kafka::partition_count(kafka::connection_to(endpoints_.brokers), topic_) ==
               kPartitions;
      },
      std::chrono::seconds(15)))
      << "topic " << topic_ << " did not appear with " << kPartitions << " partitions";
}

void StackTest::TearDown() {
  if (env_or("EVENTSINK_KEEP_TEST_DATA", "") == "1") {
    return;
  }
  try {
    kafka::delete_topic(kafka::connection_to(endpoints_.brokers), topic_);
  } catch (const std::exception& error) {
    ADD_FAILURE() << "cleaning up topic " << topic_ << ": " << error.what();
  }
  try {
    pqxx::connection admin(endpoints_.database_url);
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP SCHEMA IF EXISTS " + tx.quote_name(schema_) + " CASCADE");
  } catch (const std::exception& error) {
    ADD_FAILURE() << "cleaning up schema " << schema_ << ": " << error.what();
  }
}

ServerOutage::ServerOutage(std::string server) : server_(std::move(server)) {
  const std::string stop = std::string("bash ") + EVENTSINK_SOURCE_DIR + "/scripts/stack.sh stop " +
                           server_ + " >/dev/null";
  EXPECT_EQ(std::system(stop.c_str()), 0) << stop;
}

ServerOutage::~ServerOutage() {
  end();
}

void ServerOutage::end() {
  if (std::exchange(ended_, true)) {
    return;
  }
  const std::string start = std::string("bash ") + EVENTSINK_SOURCE_DIR +
                            "/scripts/stack.sh start " + server_ + " >/dev/null";
  if (std::system(start.c_str()) != 0) {
    ADD_FAILURE() << "could not start " << server_ << " again: " << start;
  }
}

}  // namespace eventsink::testing
