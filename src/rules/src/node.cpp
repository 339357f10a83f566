#include "firebreak/rules/node.h"

#include <yaml.h>

#include <map>

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

// Types a plain YAML scalar by YAML 1.2's core schema.
void TypePlainScalar(const std::string& s, Node* n) {
    if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) {
        n->type = Node::Type::kNull;
    } else if (s == "true" || s == "True" || s == "TRUE") {
        n->type = Node::Type::kBool;
        n->boolean = true;
    } else if (s == "false" || s == "False" || s == "FALSE") {
        n->type = Node::Type::kBool;
        n->boolean = false;
    } else if (IsJsonNumber(s) || (s.size() > 1 && s[0] == '+' && IsJsonNumber(s.substr(1)))) {
        n->type = Node::Type::kNumber;
        n->text = s[0] == '+' ? s.substr(1) : s;
    } else {
        n->type = Node::Type::kString;
        n->text = s;
    }
}

// Builds Node trees from libyaml's event stream. libyaml rather than yaml-cpp (both Debian
// packages): it parses rule packs about four times faster, and yaml-cpp 0.7's LoadAll loops
// forever allocating on a lone ',' (jbeder/yaml-cpp#1040; found by fuzz_rule_loader).
class YamlBuilder {
public:
    YamlBuilder(const std::string& file, Diagnostics* diags) : file_(file), diags_(diags) {}

    std::vector<Node> Parse(std::string_view text) {
        std::vector<Node> docs;
        yaml_parser_t parser;
        if (yaml_parser_initialize(&parser) == 0) {
            diags_->Error(
                    "yaml-syntax", SourcePos{file_, 0, 0}, "cannot initialise the YAML parser");
            return docs;
        }
        yaml_parser_set_input_string(
                &parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
        bool done = false;
        while (!done) {
            yaml_event_t event;
            if (yaml_parser_parse(&parser, &event) == 0) {
                SourcePos pos{file_,
                              static_cast<int>(parser.problem_mark.line) + 1,
                              static_cast<int>(parser.problem_mark.column) + 1};
                std::string message = parser.problem != nullptr ? parser.problem : "YAML error";
                if (parser.context != nullptr) {
                    message = std::string(parser.context) + ": " + message;
                }
                diags_->Error("yaml-syntax", pos, message);
                break;
            }
            done = event.type == YAML_STREAM_END_EVENT;
            Handle(event, &docs);
            yaml_event_delete(&event);
            if (failed_) {
                break;
            }
        }
        yaml_parser_delete(&parser);
        return docs;
    }

private:
    struct Frame {
        Node node;
        bool is_mapping = false;
        bool have_key = false;
        std::string key;
        SourcePos key_pos;
        std::string anchor;
    };

    SourcePos Pos(const yaml_mark_t& mark) const {
        return SourcePos{file_, static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
    }

    // An alias is copied where it is used, so nested aliases ("billion laughs") expand
    // exponentially: 459 bytes of YAML once took more than 4 GB. Every node built, copies
    // included, is counted against a per-file budget far above any real rule file.
    static constexpr size_t kMaxNodes = 1'000'000;

    static size_t CountNodes(const Node& n) {
        size_t count = 1;
        for (const Node& item : n.items) {
            count += CountNodes(item);
        }
        for (const auto& member : n.members) {
            count += CountNodes(member.second);
        }
        return count;
    }

    bool Spend(size_t nodes, const yaml_mark_t& mark) {
        nodes_ += nodes;
        if (nodes_ <= kMaxNodes) {
            return true;
        }
        diags_->Error("yaml-too-large",
                      Pos(mark),
                      "the file expands to more than " + std::to_string(kMaxNodes) +
                              " YAML nodes (nested aliases?)");
        failed_ = true;
        return false;
    }

    void Handle(const yaml_event_t& e, std::vector<Node>* docs) {
        switch (e.type) {
            case YAML_DOCUMENT_START_EVENT:
                stack_.clear();
                anchors_.clear();
                break;
            case YAML_DOCUMENT_END_EVENT:
                if (!have_root_) {
                    Node empty;
                    empty.pos = Pos(e.start_mark);
                    docs->push_back(std::move(empty));
                } else {
                    docs->push_back(std::move(root_));
                }
                have_root_ = false;
                break;
            case YAML_MAPPING_START_EVENT:
            case YAML_SEQUENCE_START_EVENT: {
                if (stack_.size() > 200) {
                    diags_->Error(
                            "yaml-syntax", Pos(e.start_mark), "nesting deeper than 200 levels");
                    failed_ = true;
                    return;
                }
                if (!Spend(1, e.start_mark)) {
                    return;
                }
                Frame f;
                f.is_mapping = e.type == YAML_MAPPING_START_EVENT;
                f.node.type = f.is_mapping ? Node::Type::kObject : Node::Type::kArray;
                f.node.pos = Pos(e.start_mark);
                const yaml_char_t* anchor =
                        f.is_mapping ? e.data.mapping_start.anchor : e.data.sequence_start.anchor;
                if (anchor != nullptr) {
                    f.anchor = reinterpret_cast<const char*>(anchor);
                }
                stack_.push_back(std::move(f));
                break;
            }
            case YAML_MAPPING_END_EVENT:
            case YAML_SEQUENCE_END_EVENT: {
                Frame f = std::move(stack_.back());
                stack_.pop_back();
                if (!f.anchor.empty()) {
                    anchors_[f.anchor] = f.node;
                }
                SourcePos pos = f.node.pos;
                Attach(std::move(f.node), pos);
                break;
            }
            case YAML_SCALAR_EVENT: {
                if (!Spend(1, e.start_mark)) {
                    return;
                }
                Node n;
                n.pos = Pos(e.start_mark);
                std::string value(reinterpret_cast<const char*>(e.data.scalar.value),
                                  e.data.scalar.length);
                std::string tag = e.data.scalar.tag != nullptr
                                          ? reinterpret_cast<const char*>(e.data.scalar.tag)
                                          : "";
                if (tag == "tag:yaml.org,2002:str" ||
                    e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
                    n.type = Node::Type::kString;
                    n.text = std::move(value);
                    n.quoted = e.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                               e.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                } else {
                    TypePlainScalar(value, &n);
                }
                if (e.data.scalar.anchor != nullptr) {
                    anchors_[reinterpret_cast<const char*>(e.data.scalar.anchor)] = n;
                }
                Attach(std::move(n), Pos(e.start_mark));
                break;
            }
            case YAML_ALIAS_EVENT: {
                auto it = anchors_.find(reinterpret_cast<const char*>(e.data.alias.anchor));
                if (it == anchors_.end()) {
                    diags_->Error("yaml-syntax", Pos(e.start_mark), "unknown alias");
                    failed_ = true;
                    return;
                }
                if (!Spend(CountNodes(it->second), e.start_mark)) {
                    return;
                }
                Attach(Node(it->second), Pos(e.start_mark));
                break;
            }
            default:
                break;
        }
    }

    void Attach(Node n, const SourcePos& pos) {
        if (stack_.empty()) {
            root_ = std::move(n);
            have_root_ = true;
            return;
        }
        Frame& top = stack_.back();
        if (!top.is_mapping) {
            top.node.items.push_back(std::move(n));
            return;
        }
        if (!top.have_key) {
            if (n.type == Node::Type::kObject || n.type == Node::Type::kArray) {
                diags_->Error("yaml-syntax", pos, "mapping keys must be scalars");
                top.key = "?";
            } else {
                top.key = n.type == Node::Type::kNull   ? std::string("null")
                          : n.type == Node::Type::kBool ? std::string(n.boolean ? "true" : "false")
                                                        : n.text;
            }
            top.key_pos = pos;
            top.have_key = true;
            return;
        }
        n.key_pos = top.key_pos;
        top.node.members.emplace_back(std::move(top.key), std::move(n));
        top.have_key = false;
    }

    const std::string& file_;
    Diagnostics* diags_;
    std::vector<Frame> stack_;
    std::map<std::string, Node> anchors_;
    Node root_;
    bool have_root_ = false;
    bool failed_ = false;
    size_t nodes_ = 0;
};

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
    YamlBuilder builder(file, diags);
    return builder.Parse(text);
}

}  // namespace firebreak::rules
