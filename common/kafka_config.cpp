#include "common/kafka_config.hpp"

#include <algorithm>
#include <array>

namespace eventsink::kafka {

ConfHandle make_conf(const Properties& properties) {
  ConfHandle conf(rd_kafka_conf_new());
  std::array<char, 512> error{};
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error.data(), error.size()) !=
        RD_KAFKA_CONF_OK) {
      throw ConfigError("Kafka property '" + key + "': " + error.data());
    }
  }
  return conf;
}

std::pair<std::string, std::string> parse_property(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    throw ConfigError("Kafka property '" + std::string(text) + "' is not of the form key=value");
  }
  return {std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

Properties merge_properties(Properties base, const Properties& overrides) {
  base.insert(base.end(), overrides.begin(), overrides.end());
  return base;  // make_conf applies in order, so the overrides win
}

Properties connection_properties(const Properties& properties) {
  constexpr std::array<std::string_view, 6> kPrefixes = {
      "security.protocol", "ssl.", "sasl.", "socket.", "broker.address.", "client.rack"};
  Properties connection;
  for (const auto& property : properties) {
    const auto& key = property.first;
    if (std::any_of(kPrefixes.begin(), kPrefixes.end(),
                    [&key](std::string_view prefix) { return key.starts_with(prefix); }) ||
        key == "enable.ssl.certificate.verification") {
      connection.push_back(property);
    }
  }
  return connection;
}

Properties connection_to(const std::string& brokers, const Properties& overrides) {
  return merge_properties({{"bootstrap.servers", brokers}}, connection_properties(overrides));
}

std::string error_text(rd_kafka_resp_err_t error) {
  return std::string(rd_kafka_err2name(error)) + ": " + rd_kafka_err2str(error);
}

}  // namespace eventsink::kafka
