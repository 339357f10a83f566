#include "firebreak/event/leaf_scanner.h"

#include <simdjson.h>

namespace firebreak::event {
namespace {

namespace od = simdjson::ondemand;

struct Walk {
    bool (*visit)(void*, ValueType, std::string_view);
    void* ctx;

    // Returns true when the visitor asked to stop (a leaf matched). Errors end the walk quietly:
    // the text was validated when the event was read, so they do not happen in practice.
    bool Value(od::value value) {
        od::json_type type;
        if (value.type().get(type)) {
            return false;
        }
        switch (type) {
            case od::json_type::object: {
                od::object obj;
                if (value.get_object().get(obj)) {
                    return false;
                }
                for (auto field : obj) {
                    od::value v;
                    if (field.value().get(v)) {
                        return false;
                    }
                    if (Value(v)) {
                        return true;
                    }
                }
                return false;
            }
            case od::json_type::array: {
                od::array arr;
                if (value.get_array().get(arr)) {
                    return false;
                }
                for (auto element : arr) {
                    od::value v;
                    if (element.get(v)) {
                        return false;
                    }
                    if (Value(v)) {
                        return true;
                    }
                }
                return false;
            }
            case od::json_type::string: {
                std::string_view s;
                if (value.get_string().get(s)) {
                    return false;
                }
                return visit(ctx, ValueType::kString, s);
            }
            case od::json_type::number: {
                std::string_view raw = value.raw_json_token();
                while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' ||
                                        raw.back() == '\r' || raw.back() == '\t')) {
                    raw.remove_suffix(1);
                }
                return visit(ctx, ValueType::kNumber, raw);
            }
            case od::json_type::boolean: {
                bool b = false;
                if (value.get_bool().get(b)) {
                    return false;
                }
                return visit(ctx, b ? ValueType::kTrue : ValueType::kFalse, {});
            }
            case od::json_type::null:
                return false;
        }
        return false;
    }
};

}  // namespace

struct LeafScanner::Impl {
    od::parser parser;
};

LeafScanner::LeafScanner() : impl_(std::make_unique<Impl>()) {}

LeafScanner::~LeafScanner() = default;

bool LeafScanner::AnyImpl(std::string_view raw, VisitFn visit, void* ctx) {
    simdjson::padded_string_view view(
            raw.data(), raw.size(), raw.size() + simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (impl_->parser.iterate(view).get(doc)) {
        return false;
    }
    od::value root;
    if (doc.get_value().get(root)) {
        return false;
    }
    Walk walk{visit, ctx};
    return walk.Value(root);
}

}  // namespace firebreak::event
