// fuzz_records_by_id: serve's one-pass scanner that finds the matched records of a batch
// (pipeline::RecordsById) on hostile text.
//
// Input: a first line of up to 8 space-separated event ids, then the payload. Checks: nothing
// crashes; every record returned parses, names the id it was asked for (eventID, id or
// detail.eventID) and was asked for; when the whole payload is JSON and an id is a plain token
// ([A-Za-z0-9-]) and the payload has no escapes (so every id appears in the text as it is), a
// record the full parse finds is found too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/event/json_tree.h"
#include "firebreak/pipeline/live.h"
#include "fuzz_common.h"

using namespace firebreak;

namespace {

bool HasId(const event::JsonValue& r, const std::string& id) {
    auto is = [&](const event::JsonValue* v) {
        return v != nullptr && v->is_string() && v->text == id;
    };
    const event::JsonValue* d = r.is_object() ? r.Find("detail") : nullptr;
    return r.is_object() && (is(r.Find("eventID")) || is(r.Find("id")) ||
                             (d != nullptr && d->is_object() && is(d->Find("eventID"))));
}

bool PlainToken(const std::string& id) {
    for (char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-')) {
            return false;
        }
    }
    return !id.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t newline = input.find('\n');
    if (newline == std::string_view::npos) {
        return 0;
    }
    std::vector<std::string> ids;
    std::string_view head = input.substr(0, newline);
    while (!head.empty() && ids.size() < 8) {
        size_t space = head.find(' ');
        std::string_view token = head.substr(0, space);
        if (!token.empty()) {
            ids.emplace_back(token);
        }
        if (space == std::string_view::npos) {
            break;
        }
        head.remove_prefix(space + 1);
    }
    std::string_view payload = input.substr(newline + 1);
    auto found = pipeline::RecordsById(payload, ids);
    for (const auto& [id, json] : found) {
        Result<event::JsonValue> record = event::ParseJson(json);
        FIREBREAK_FUZZ_CHECK(record.has_value(), "a returned record does not parse: " + json);
        FIREBREAK_FUZZ_CHECK(HasId(*record, id), "a returned record lacks its id " + id);
        bool asked = false;
        for (const std::string& want : ids) {
            asked = asked || want == id;
        }
        FIREBREAK_FUZZ_CHECK(asked, "an id that was not asked for: " + id);
    }
    Result<event::JsonValue> whole = event::ParseJson(payload);
    // Completeness only where the text shows every string as it is (no escapes: "\u0069d" is the
    // id "id" to a parser, but not in the text).
    if (whole.has_value() && !event::LooksGzipped(payload) &&
        payload.find('\\') == std::string_view::npos) {
        for (const std::string& id : ids) {
            if (!PlainToken(id)) {
                continue;
            }
            // Only records where the reader would look: the top level, a Records array, an
            // array of events (and an envelope's detail).
            std::vector<const event::JsonValue*> records;
            const event::JsonValue* r = whole->is_object() ? whole->Find("Records") : nullptr;
            if (whole->is_array()) {
                for (const auto& item : whole->items) {
                    records.push_back(&item);
                }
            } else if (r != nullptr && r->is_array()) {
                for (const auto& item : r->items) {
                    records.push_back(&item);
                }
            } else {
                records.push_back(&*whole);
            }
            bool expected = false;
            for (const event::JsonValue* rec : records) {
                expected = expected || HasId(*rec, id);
            }
            bool got = false;
            for (const auto& f : found) {
                got = got || f.first == id;
            }
            FIREBREAK_FUZZ_CHECK(!expected || got, "record with id " + id + " not found");
        }
    }
    return 0;
}
