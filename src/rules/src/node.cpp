#include "firebreak/rules/node.h"

#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "firebreak/core/text.h"

namespace firebreak::rules {
namespace {

bool IsJsonNumber(std::string_view s) {
    size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        ++i;
    }
    if (i >= s.size()) {
        return false;
    }
    if (s[i] == '0') {
        ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
    } else {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        size_t d = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
        if (i == d) {
            return false;
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        size_t d = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
        if (i == d) {
            return false;
        }
    }
    return i == s.size();
}

SourcePos PosOf(const YAML::Node& n, const std::string& file) {
    YAML::Mark m = n.Mark();
    SourcePos pos;
    pos.file = file;
    if (m.line >= 0) {
        pos.line = m.line + 1;
        pos.column = m.column + 1;
    }
    return pos;
}

Node Convert(const YAML::Node& y, const std::string& file, int depth) {
    Node n;
    n.pos = PosOf(y, file);
    if (depth > 200) {
        n.type = Node::Type::kNull;
        return n;
    }
    switch (y.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            n.type = Node::Type::kNull;
            break;
        case YAML::NodeType::Scalar: {
            const std::string& s = y.Scalar();
            const std::string& tag = y.Tag();
            if (tag == "!" || tag == "tag:yaml.org,2002:str") {
                n.type = Node::Type::kString;
                n.text = s;
            } else if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) {
                n.type = Node::Type::kNull;
            } else if (s == "true" || s == "True" || s == "TRUE") {
                n.type = Node::Type::kBool;
                n.boolean = true;
            } else if (s == "false" || s == "False" || s == "FALSE") {
                n.type = Node::Type::kBool;
                n.boolean = false;
            } else if (IsJsonNumber(s) ||
                       (s.size() > 1 && s[0] == '+' && IsJsonNumber(s.substr(1)))) {
                n.type = Node::Type::kNumber;
                n.text = s[0] == '+' ? s.substr(1) : s;
            } else {
                n.type = Node::Type::kString;
                n.text = s;
            }
            break;
        }
        case YAML::NodeType::Sequence:
            n.type = Node::Type::kArray;
            for (const YAML::Node& item : y) {
                n.items.push_back(Convert(item, file, depth + 1));
            }
            break;
        case YAML::NodeType::Map:
            n.type = Node::Type::kObject;
            for (const auto& kv : y) {
                std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
                Node value = Convert(kv.second, file, depth + 1);
                if (value.pos.line == 0) {
                    value.pos = PosOf(kv.first, file);
                }
                n.members.emplace_back(std::move(key), std::move(value));
            }
            break;
    }
    return n;
}

// yaml-cpp 0.7 (Debian 12) loops forever in LoadAll, allocating a node per pass, on a stream it
// cannot parse but does not reject, such as a lone "," outside a flow collection
// (jbeder/yaml-cpp#1040, fixed upstream after 0.8.0 by #1319). A first pass with an event handler
// that ignores everything finds that case: every further document starts at the same mark.
class DocumentStarts : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }

    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}

    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}

    void OnScalar(const YAML::Mark&,
                  const std::string&,
                  YAML::anchor_t,
                  const std::string&) override {}

    void OnSequenceStart(const YAML::Mark&,
                         const std::string&,
                         YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}

    void OnSequenceEnd() override {}

    void OnMapStart(const YAML::Mark&,
                    const std::string&,
                    YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}

    void OnMapEnd() override {}

    YAML::Mark start = YAML::Mark::null_mark();
};

// The mark where the parser stops making progress, or nullopt. Throws what yaml-cpp throws.
std::optional<YAML::Mark> StuckAt(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts handler;
    int previous = -1;
    while (parser.HandleNextDocument(handler)) {
        if (handler.start.pos == previous) {
            return handler.start;
        }
        previous = handler.start.pos;
    }
    return std::nullopt;
}

void WriteJson(const Node& n, std::string* out) {
    switch (n.type) {
        case Node::Type::kNull:
            out->append("null");
            break;
        case Node::Type::kBool:
            out->append(n.boolean ? "true" : "false");
            break;
        case Node::Type::kNumber:
            out->append(n.text);
            break;
        case Node::Type::kString:
            AppendJsonString(n.text, out);
            break;
        case Node::Type::kArray:
            out->push_back('[');
            for (size_t i = 0; i < n.items.size(); ++i) {
                if (i > 0) {
                    out->push_back(',');
                }
                WriteJson(n.items[i], out);
            }
            out->push_back(']');
            break;
        case Node::Type::kObject:
            out->push_back('{');
            for (size_t i = 0; i < n.members.size(); ++i) {
                if (i > 0) {
                    out->push_back(',');
                }
                AppendJsonString(n.members[i].first, out);
                out->push_back(':');
                WriteJson(n.members[i].second, out);
            }
            out->push_back('}');
            break;
    }
}

}  // namespace

const Node* Node::Find(std::string_view key) const {
    const Node* found = nullptr;
    for (const auto& [k, v] : members) {
        if (k == key) {
            found = &v;
        }
    }
    return found;
}

std::string Node::ToJson() const {
    std::string out;
    WriteJson(*this, &out);
    return out;
}

std::string_view Node::TypeName() const {
    switch (type) {
        case Type::kNull:
            return "null";
        case Type::kBool:
            return "a boolean";
        case Type::kNumber:
            return "a number";
        case Type::kString:
            return "a string";
        case Type::kArray:
            return "a list";
        case Type::kObject:
            return "an object";
    }
    return "?";
}

Node FromJsonValue(const event::JsonValue& value, const SourcePos& pos) {
    Node n;
    n.type = value.type;
    n.boolean = value.boolean;
    n.text = value.text;
    n.pos = pos;
    for (const auto& item : value.items) {
        n.items.push_back(FromJsonValue(item, pos));
    }
    for (const auto& [k, v] : value.members) {
        n.members.emplace_back(k, FromJsonValue(v, pos));
    }
    return n;
}

std::vector<Node> ParseYamlDocuments(std::string_view text,
                                     const std::string& file,
                                     Diagnostics* diags) {
    std::vector<Node> out;
    try {
        std::string owned(text);
        if (std::optional<YAML::Mark> stuck = StuckAt(owned)) {
            diags->Error("yaml-syntax",
                         SourcePos{file, stuck->line + 1, stuck->column + 1},
                         "unexpected content the YAML parser cannot read (a stray ',' outside "
                         "[...] or {...}?)");
            return out;
        }
        std::vector<YAML::Node> docs = YAML::LoadAll(owned);
        for (const YAML::Node& d : docs) {
            out.push_back(Convert(d, file, 0));
        }
    } catch (const YAML::Exception& e) {
        SourcePos pos;
        pos.file = file;
        if (e.mark.line >= 0) {
            pos.line = e.mark.line + 1;
            pos.column = e.mark.column + 1;
        }
        diags->Error("yaml-syntax", pos, e.msg);
    } catch (const std::exception& e) {
        diags->Error("yaml-syntax", SourcePos{file, 0, 0}, e.what());
    }
    return out;
}

}  // namespace firebreak::rules
