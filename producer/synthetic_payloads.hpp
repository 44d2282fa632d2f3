// Realistic small JSON payloads for synthetic events (about 150-200 bytes each).
//
// Well-known topics get the fields such an event carries in practice: "order.created" an order
// id, customer, amount, currency and country; "user.login" a user, method, IP address and
// device; "payment.settled" a payment, amount, fee and provider; any other topic a generic
// entity change. IP addresses come from the documentation ranges (RFC 5737), so no real host is
// ever named.
//
// Deterministic: the payload is a function of the topic and the numbers drawn from `random`.
#pragma once

#include <string>
#include <string_view>

#include "producer/split_mix.hpp"

namespace eventsink {

// A minified JSON object. `revision` > 0 marks a resent, edited copy of the same event: the
// payload gets a "revision" field, as an upstream that corrects and resends would add.
std::string synthetic_payload(std::string_view topic, SplitMix64& random, int revision = 0);

}  // namespace eventsink
