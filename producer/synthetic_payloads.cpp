#include "producer/synthetic_payloads.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace eventsink {
namespace {

struct Country {
  std::string_view code;
  std::string_view currency;
};

constexpr std::array<Country, 14> kCountries = {{{"DE", "EUR"},
                                                 {"FR", "EUR"},
                                                 {"ES", "EUR"},
                                                 {"IT", "EUR"},
                                                 {"NL", "EUR"},
                                                 {"US", "USD"},
                                                 {"GB", "GBP"},
                                                 {"JP", "JPY"},
                                                 {"BR", "BRL"},
                                                 {"IN", "INR"},
                                                 {"SE", "SEK"},
                                                 {"PL", "PLN"},
                                                 {"CA", "CAD"},
                                                 {"AU", "AUD"}}};

constexpr std::array<std::string_view, 4> kChannels = {"web", "ios", "android", "pos"};
constexpr std::array<std::string_view, 4> kLoginMethods = {"password", "sso", "passkey",
                                                           "magic_link"};
constexpr std::array<std::string_view, 4> kDevices = {"desktop", "ios", "android", "tablet"};
constexpr std::array<std::string_view, 3> kProviders = {"stripe", "adyen", "paypal"};
constexpr std::array<std::string_view, 3> kIpPrefixes = {"192.0.2.", "198.51.100.", "203.0.113."};
constexpr std::array<std::string_view, 5> kActions = {"created", "updated", "archived", "restored",
                                                      "shared"};
constexpr std::array<std::string_view, 4> kRegions = {"eu-west-1", "eu-central-1", "us-east-1",
                                                      "ap-southeast-2"};

template <typename T, std::size_t N>
const T& pick(const std::array<T, N>& choices, SplitMix64& random) {
  return choices[random.below(N)];
}

// "ord_1f3a9c0b7e2d": a prefix and `digits` hexadecimal digits.
std::string identifier(std::string_view prefix, SplitMix64& random, int digits = 12) {
  std::string id(prefix);
  id += '_';
  std::uint64_t bits = random();
  for (int i = 0; i < digits; ++i) {
    id += "0123456789abcdef"[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

// An amount with two decimals between `low` and `high` units, e.g. 184.9 or 12.75.
double amount(SplitMix64& random, int low, int high) {
  const auto cents = static_cast<std::int64_t>(low) * 100 +
                     static_cast<std::int64_t>(random.below(std::uint64_t(high - low) * 100));
  return static_cast<double>(cents) / 100.0;
}

std::string ip_address(SplitMix64& random) {
  return std::string(pick(kIpPrefixes, random)) + std::to_string(1 + random.below(254));
}

nlohmann::ordered_json order_created(SplitMix64& random) {
  const Country& country = pick(kCountries, random);
  return {{"order_id", identifier("ord", random)},
          {"customer_id", identifier("cus", random, 8)},
          {"amount", amount(random, 5, 500)},
          {"currency", country.currency},
          {"items", 1 + random.below(6)},
          {"country", country.code},
          {"channel", pick(kChannels, random)},
          {"coupon", random.below(4) == 0 ? nlohmann::ordered_json(identifier("cpn", random, 6))
                                          : nlohmann::ordered_json(nullptr)}};
}

nlohmann::ordered_json user_login(SplitMix64& random) {
  return {{"user_id", identifier("usr", random, 8)},
          {"method", pick(kLoginMethods, random)},
          {"mfa", random.below(3) != 0},
          {"success", random.below(20) != 0},
          {"country", pick(kCountries, random).code},
          {"ip", ip_address(random)},
          {"device", pick(kDevices, random)},
          {"session_id", identifier("ses", random, 16)}};
}

nlohmann::ordered_json payment_settled(SplitMix64& random) {
  const Country& country = pick(kCountries, random);
  const double paid = amount(random, 5, 500);
  return {{"payment_id", identifier("pay", random)},
          {"order_id", identifier("ord", random)},
          {"amount", paid},
          {"fee", static_cast<double>(static_cast<std::int64_t>(paid * 2.9 + 30)) / 100.0},
          {"currency", country.currency},
          {"country", country.code},
          {"provider", pick(kProviders, random)},
          {"card_last4", std::to_string(1000 + random.below(9000))}};
}

nlohmann::ordered_json entity_changed(SplitMix64& random) {
  return {{"entity_id", identifier("ent", random)},
          {"action", pick(kActions, random)},
          {"actor_id", identifier("usr", random, 8)},
          {"version", 1 + random.below(40)},
          {"country", pick(kCountries, random).code},
          {"region", pick(kRegions, random)},
          {"tags", {pick(kChannels, random), pick(kActions, random)}}};
}

}  // namespace

std::string synthetic_payload(std::string_view topic, SplitMix64& random, int revision) {
  nlohmann::ordered_json payload;
  if (topic == "order.created") {
    payload = order_created(random);
  } else if (topic == "user.login") {
    payload = user_login(random);
  } else if (topic == "payment.settled") {
    payload = payment_settled(random);
  } else {
    payload = entity_changed(random);
  }
  if (revision > 0) {
    payload["revision"] = revision;
  }
  return payload.dump();
}

}  // namespace eventsink
