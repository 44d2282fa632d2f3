// Building librdkafka configurations from key/value properties, with errors that name the key.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/kafka_handles.hpp"

namespace eventsink::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

// A configuration error: an unknown key, an invalid value, a malformed "-X key=value".
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Creates a librdkafka configuration with `properties` applied in order (later ones win).
// Throws ConfigError naming the offending key and librdkafka's explanation.
ConfHandle make_conf(const Properties& properties);

// Parses "key=value" as kcat's -X does. Throws ConfigError for text without '=' or an empty key.
std::pair<std::string, std::string> parse_property(std::string_view text);

// Appends `overrides` to `base`; a key set in both keeps the override's value.
Properties merge_properties(Properties base, const Properties& overrides);

// Of `properties`, those that say how to reach and authenticate to the brokers: security.protocol,
// ssl.*, sasl.*, socket.*, broker.address.* and client.rack. Every client of the cluster needs
// them (the consumer's workers, the producer behind POST /publish, the admin client creating
// topics), while the rest of a -X list is often meant for one kind of client only.
Properties connection_properties(const Properties& properties);

// bootstrap.servers = `brokers`, plus the connection_properties() of `overrides`.
Properties connection_to(const std::string& brokers, const Properties& overrides = {});

// Error text of a librdkafka error code, for messages and exceptions.
std::string error_text(rd_kafka_resp_err_t error);

}  // namespace eventsink::kafka
