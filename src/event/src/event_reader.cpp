#include "firebreak/event/event_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include <libdeflate.h>
#include <simdjson.h>
#include <zlib.h>

namespace firebreak::event {
namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view kCloudTrailDetailTypes[] = {
        "AWS API Call via CloudTrail",
        "AWS Console Sign In via CloudTrail",
        "AWS Console Action via CloudTrail",
        "AWS Service Event via CloudTrail",
        "AWS Insight via CloudTrail",
};

std::string_view TrimNumber(std::string_view raw) {
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
        raw.remove_suffix(1);
    }
    return raw;
}

bool IsSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Position just after the last '}' that lies outside any JSON string, or 0. Used to cut a
// truncated document back to its last complete object so the records before the cut are read.
size_t LastCompleteObjectEnd(std::string_view text) {
    bool in_string = false;
    bool escaped = false;
    size_t last = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '}') {
            last = i + 1;
        }
    }
    return last;
}

// A growable byte buffer that, unlike std::vector<char>, does not zero-fill what it grows by:
// inputs are tens of megabytes and are overwritten at once, so zeroing is pure cost (and page
// faults). size() is the usable capacity; growth is geometric and keeps the existing bytes.
class ByteBuffer {
public:
    size_t size() const { return size_; }

    char* data() { return data_.get(); }

    const char* data() const { return data_.get(); }

    void swap(ByteBuffer& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
    }

    void resize(size_t n) {
        if (n <= size_) {
            return;
        }
        size_t grown = std::max(n, size_ + size_ / 2);
        std::unique_ptr<char[]> bigger(new char[grown]);
        if (size_ > 0) {
            std::memcpy(bigger.get(), data_.get(), size_);
        }
        data_ = std::move(bigger);
        size_ = grown;
    }

private:
    std::unique_ptr<char[]> data_;
    size_t size_ = 0;
};

// Walks one event's JSON against the field plan, recording planned leaves.
class Walker {
public:
    Walker(const FieldPlan& plan, ExtractedEvent* out) : plan_(plan), out_(out) {}

    void Begin() {
        stack_.clear();
        array_counter_ = 0;
    }

    simdjson::error_code WalkObject(od::object object,
                                    uint32_t node_a,
                                    uint32_t node_b,
                                    bool top_level_unwrap) {
        for (auto field_result : object) {
            od::field field;
            if (auto err = std::move(field_result).get(field)) {
                return err;
            }
            // Keys are read in place; only a key with an escape is unescaped (rare in CloudTrail).
            const char* raw = field.key().raw();
            size_t len = 0;
            bool has_dot = false;
            bool escaped = false;
            // The key is valid JSON (stage 1 checked it), so a closing quote exists.
            while (raw[len] != '"') {
                has_dot |= raw[len] == '.';
                escaped |= raw[len] == '\\';
                ++len;
            }
            std::string_view key(raw, len);
            if (escaped) {
                if (auto err = field.unescaped_key().get(key)) {
                    return err;
                }
                has_dot = key.find('.') != std::string_view::npos;
            }
            uint32_t child_a = plan_.Child(node_a, key, has_dot);
            uint32_t child_b = plan_.Child(node_b, key, has_dot);
            if (top_level_unwrap) {
                if (key == "detail") {
                    // The CloudTrail record: visible both as detail.* and at the top level.
                    child_b = FieldPlan::kRoot;
                } else if (key == "resources") {
                    // The record's own `resources` takes the top-level name.
                    continue;
                }
            }
            if (child_a == kNoNode && child_b == kNoNode) {
                continue;
            }
            if (auto err = WalkValue(field.value(), child_a, child_b)) {
                return err;
            }
        }
        return simdjson::SUCCESS;
    }

    simdjson::error_code WalkValue(od::value value, uint32_t node_a, uint32_t node_b) {
        od::json_type type;
        if (auto err = value.type().get(type)) {
            return err;
        }
        switch (type) {
            case od::json_type::object: {
                bool a = node_a != kNoNode && plan_.node_has_children(node_a);
                bool b = node_b != kNoNode && plan_.node_has_children(node_b);
                FieldId da = node_a == kNoNode ? kNoField : plan_.node_deep_field(node_a);
                FieldId db = node_b == kNoNode ? kNoField : plan_.node_deep_field(node_b);
                if (!a && !b && da == kNoField && db == kNoField) {
                    return simdjson::SUCCESS;
                }
                od::object obj;
                if (auto err = value.get_object().get(obj)) {
                    return err;
                }
                if (da != kNoField || db != kNoField) {
                    // A deep path: the object is one value, its JSON text (skipped over, not
                    // parsed); the matcher walks its leaves only if a rule asks.
                    std::string_view raw;
                    if (auto err = obj.raw_json().get(raw)) {
                        return err;
                    }
                    Emit(da, db, ValueType::kRaw, raw);
                    if (!a && !b) {
                        return simdjson::SUCCESS;
                    }
                    if (auto err = obj.reset().error()) {
                        return err;
                    }
                }
                return WalkObject(obj, a ? node_a : kNoNode, b ? node_b : kNoNode, false);
            }
            case od::json_type::array: {
                od::array arr;
                if (auto err = value.get_array().get(arr)) {
                    return err;
                }
                uint32_t instance = array_counter_++;
                uint32_t index = 0;
                for (auto element : arr) {
                    od::value v;
                    if (auto err = element.get(v)) {
                        return err;
                    }
                    stack_.push_back({instance, index++});
                    auto err = WalkValue(v, node_a, node_b);
                    stack_.pop_back();
                    if (err) {
                        return err;
                    }
                }
                return simdjson::SUCCESS;
            }
            case od::json_type::string: {
                if (!Wanted(node_a, node_b)) {
                    return simdjson::SUCCESS;
                }
                std::string_view s;
                if (auto err = value.get_string().get(s)) {
                    return err;
                }
                EmitLeaf(node_a, node_b, ValueType::kString, s);
                return simdjson::SUCCESS;
            }
            case od::json_type::number: {
                if (!Wanted(node_a, node_b)) {
                    return simdjson::SUCCESS;
                }
                std::string_view raw = value.raw_json_token();
                EmitLeaf(node_a, node_b, ValueType::kNumber, TrimNumber(raw));
                return simdjson::SUCCESS;
            }
            case od::json_type::boolean: {
                bool b = false;
                if (auto err = value.get_bool().get(b)) {
                    return err;
                }
                EmitLeaf(node_a, node_b, b ? ValueType::kTrue : ValueType::kFalse, {});
                return simdjson::SUCCESS;
            }
            case od::json_type::null: {
                bool is_null = false;
                if (auto err = value.is_null().get(is_null)) {
                    return err;
                }
                if (!is_null) {
                    return simdjson::N_ATOM_ERROR;
                }
                EmitLeaf(node_a, node_b, ValueType::kNull, {});
                return simdjson::SUCCESS;
            }
        }
        return simdjson::TAPE_ERROR;
    }

    // The whole event as one deep value (Sigma keywords), before it is walked.
    simdjson::error_code EmitRoot(od::object& object) {
        FieldId deep = plan_.node_deep_field(FieldPlan::kRoot);
        if (deep == kNoField) {
            return simdjson::SUCCESS;
        }
        std::string_view raw;
        if (auto err = object.raw_json().get(raw)) {
            return err;
        }
        out_->Add(deep, ValueType::kRaw, raw, stack_);
        return object.reset().error();
    }

private:
    bool Wanted(uint32_t node_a, uint32_t node_b) const {
        return (node_a != kNoNode && (plan_.node_field(node_a) != kNoField ||
                                      plan_.node_deep_field(node_a) != kNoField)) ||
               (node_b != kNoNode && (plan_.node_field(node_b) != kNoField ||
                                      plan_.node_deep_field(node_b) != kNoField));
    }

    // A scalar: recorded once per node, under its plain field if it has one (a deep reader reads
    // the plain twin too, see FieldPlan::DeepTwin), else under its deep field.
    void EmitLeaf(uint32_t node_a, uint32_t node_b, ValueType type, std::string_view text) {
        FieldId fa = kNoField;
        FieldId fb = kNoField;
        if (node_a != kNoNode) {
            fa = plan_.node_field(node_a);
            fa = fa != kNoField ? fa : plan_.node_deep_field(node_a);
        }
        if (node_b != kNoNode) {
            fb = plan_.node_field(node_b);
            fb = fb != kNoField ? fb : plan_.node_deep_field(node_b);
        }
        Emit(fa, fb, type, text);
    }

    void Emit(FieldId fa, FieldId fb, ValueType type, std::string_view text) {
        if (fa != kNoField) {
            out_->Add(fa, type, text, stack_);
        }
        if (fb != kNoField && fb != fa) {
            out_->Add(fb, type, text, stack_);
        }
    }

    const FieldPlan& plan_;
    ExtractedEvent* out_;
    std::vector<Membership> stack_;
    uint32_t array_counter_ = 0;
};

}  // namespace

bool IsCloudTrailDetailType(std::string_view detail_type) {
    for (std::string_view t : kCloudTrailDetailTypes) {
        if (t == detail_type) {
            return true;
        }
    }
    return false;
}

bool LooksGzipped(std::string_view bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
           static_cast<unsigned char>(bytes[1]) == 0x8b;
}

struct EventReader::Impl {
    Impl(const FieldPlan& p, ReaderOptions o) : plan(p), options(o), walker(p, &event) {
        decompressor = libdeflate_alloc_decompressor();
        field_event_name = plan.Find("eventName");
        field_event_source = plan.Find("eventSource");
    }

    ~Impl() { libdeflate_free_decompressor(decompressor); }

    const FieldPlan& plan;
    ReaderOptions options;
    ExtractedEvent event;
    Walker walker;
    od::parser parser;
    libdeflate_decompressor* decompressor = nullptr;
    ByteBuffer file_buffer;
    ByteBuffer text_buffer;
    FieldId field_event_name = kNoField;
    FieldId field_event_source = kNoField;

    // State of the current input.
    const EventCallback* callback = nullptr;
    std::vector<ReadIssue>* issues = nullptr;
    ReadStats* stats = nullptr;
    uint64_t record_index = 0;
    size_t document_size = 0;
    size_t trailing_offset = 0;  // set by ProcessDocument: where content after the document starts

    void Issue(int64_t offset, int64_t record, std::string message) {
        if (issues != nullptr) {
            issues->push_back({offset, record, std::move(message)});
        }
    }

    // Decompresses gzip (all members) into text_buffer; returns the decoded size. On corrupt or
    // truncated data, keeps what decoded and reports it.
    size_t Gunzip(std::string_view in) {
        size_t hint = in.size() * 8 + 4096;
        if (in.size() >= 18) {
            // The last member's ISIZE trailer is only a hint: in a truncated or damaged file the
            // last 4 bytes are arbitrary. Deflate expands at most 1032:1, so a larger claim is
            // false and must not size the buffer (2 KB of input once asked for 1.8 GB).
            constexpr size_t kMaxDeflateRatio = 1032;
            uint32_t isize = 0;
            std::memcpy(&isize, in.data() + in.size() - 4, 4);
            if (isize > hint / 2 && isize < (size_t{1} << 31) &&
                isize <= in.size() * kMaxDeflateRatio) {
                hint = isize + 4096;
            }
        }
        size_t out_size = 0;
        size_t pos = 0;
        while (pos < in.size()) {
            if (text_buffer.size() < out_size + hint + simdjson::SIMDJSON_PADDING) {
                text_buffer.resize(out_size + hint + simdjson::SIMDJSON_PADDING);
            }
            size_t in_used = 0;
            size_t out_used = 0;
            size_t avail = text_buffer.size() - out_size - simdjson::SIMDJSON_PADDING;
            auto res = libdeflate_gzip_decompress_ex(decompressor,
                                                     in.data() + pos,
                                                     in.size() - pos,
                                                     text_buffer.data() + out_size,
                                                     avail,
                                                     &in_used,
                                                     &out_used);
            if (res == LIBDEFLATE_INSUFFICIENT_SPACE) {
                hint = (hint + avail) * 2;
                continue;
            }
            if (res != LIBDEFLATE_SUCCESS) {
                // Corrupt or truncated: recover what zlib can stream out of this member.
                return out_size + GunzipPartial(in.substr(pos), out_size, pos);
            }
            out_size += out_used;
            pos += in_used;
            // Trailing zero padding after the last member is tolerated.
            while (pos < in.size() && in[pos] == 0) {
                ++pos;
            }
            if (pos < in.size() && !LooksGzipped(in.substr(pos))) {
                Issue(-1,
                      -1,
                      "trailing garbage after gzip data at compressed byte " + std::to_string(pos) +
                              "; ignored");
                break;
            }
        }
        return out_size;
    }

    size_t GunzipPartial(std::string_view in, size_t out_offset, size_t in_offset) {
        z_stream zs{};
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
            Issue(-1, -1, "gzip: cannot initialise zlib");
            return 0;
        }
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), 0xffffffffu));
        size_t produced = 0;
        int rc = Z_OK;
        while (true) {
            if (text_buffer.size() < out_offset + produced + 65536 + simdjson::SIMDJSON_PADDING) {
                text_buffer.resize((out_offset + produced + 65536) * 2 +
                                   simdjson::SIMDJSON_PADDING);
            }
            zs.next_out = reinterpret_cast<Bytef*>(text_buffer.data() + out_offset + produced);
            size_t avail = text_buffer.size() - out_offset - produced - simdjson::SIMDJSON_PADDING;
            zs.avail_out = static_cast<uInt>(std::min<size_t>(avail, 0x40000000u));
            uInt before = zs.avail_out;
            rc = inflate(&zs, Z_NO_FLUSH);
            produced += before - zs.avail_out;
            if (rc == Z_STREAM_END || rc == Z_NEED_DICT || rc == Z_DATA_ERROR ||
                rc == Z_MEM_ERROR) {
                break;
            }
            if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
                break;  // input ended before the stream did: truncated
            }
        }
        size_t consumed = zs.total_in;
        inflateEnd(&zs);
        const char* what = rc == Z_DATA_ERROR ? "corrupt" : "truncated";
        Issue(-1,
              -1,
              std::string("gzip data ") + what + " at compressed byte " +
                      std::to_string(in_offset + consumed) + " (" + std::to_string(produced) +
                      " bytes decoded before it; complete records in them are still read)");
        stats->truncated = true;
        return produced;
    }

    // Extracts and delivers one event from an object value.
    simdjson::error_code DeliverObject(od::object object, bool may_be_envelope) {
        event.Reset(plan.field_count());
        walker.Begin();
        bool unwrap = false;
        bool envelope = false;
        if (may_be_envelope) {
            std::string_view detail_type;
            auto dt = object.find_field_unordered("detail-type");
            if (!dt.error()) {
                envelope = true;
                if (!dt.get_string().get(detail_type) && options.unwrap_cloudtrail_envelopes &&
                    IsCloudTrailDetailType(detail_type)) {
                    unwrap = true;
                }
            } else if (dt.error() != simdjson::NO_SUCH_FIELD) {
                return dt.error();
            }
            bool reset_ok = false;
            if (auto err = object.reset().get(reset_ok)) {
                return err;
            }
        }
        return FinishDeliver(object, unwrap, envelope);
    }

    simdjson::error_code FinishDeliver(od::object object, bool unwrap, bool envelope) {
        if (auto err = walker.EmitRoot(object)) {
            return err;
        }
        if (auto err = walker.WalkObject(object, FieldPlan::kRoot, kNoNode, unwrap)) {
            return err;
        }
        if (unwrap) {
            event.shape = EventShape::kUnwrappedEnvelope;
        } else if (envelope) {
            event.shape = EventShape::kEnvelope;
        } else if ((field_event_name != kNoField && event.has(field_event_name)) ||
                   (field_event_source != kNoField && event.has(field_event_source))) {
            event.shape = EventShape::kCloudTrailRecord;
        } else {
            event.shape = EventShape::kOther;
        }
        ++stats->events;
        (*callback)(event, record_index++);
        return simdjson::SUCCESS;
    }

    // Byte offset of the parser's position in the current document, or -1.
    int64_t Offset(od::document& doc, const char* base, int64_t base_offset) {
        const char* loc = nullptr;
        if (doc.current_location().get(loc) || loc == nullptr) {
            return -1;
        }
        return base_offset + (loc - base);
    }

    // Processes one JSON document: {"Records":[...]}, a single event, or an array of events.
    void ProcessDocument(const char* data, size_t size, size_t capacity, int64_t base_offset) {
        od::document doc;
        document_size = size;
        simdjson::padded_string_view view(data, size, capacity);
        auto err = parser.iterate(view).get(doc);
        if (err) {
            Issue(base_offset,
                  static_cast<int64_t>(record_index),
                  std::string("not valid JSON: ") + simdjson::error_message(err));
            ++stats->events_skipped;
            return;
        }
        od::json_type type;
        if ((err = doc.type().get(type))) {
            Issue(base_offset,
                  static_cast<int64_t>(record_index),
                  std::string("not valid JSON: ") + simdjson::error_message(err));
            ++stats->events_skipped;
            return;
        }
        if (type == od::json_type::array) {
            od::array arr;
            if ((err = doc.get_array().get(arr))) {
                ReportBroken(doc, data, base_offset, err);
                return;
            }
            ProcessEventArray(arr, doc, data, base_offset, true);
            return;
        }
        if (type != od::json_type::object) {
            Issue(base_offset,
                  static_cast<int64_t>(record_index),
                  "not an event: the JSON value is not an object");
            ++stats->events_skipped;
            return;
        }
        // A CloudTrail log file? Look for a top-level "Records" array.
        od::object top;
        if ((err = doc.get_object().get(top))) {
            ReportBroken(doc, data, base_offset, err);
            return;
        }
        bool found_records = false;
        for (auto field : top) {
            std::string_view key;
            if ((err = field.unescaped_key().get(key))) {
                ReportBroken(doc, data, base_offset, err);
                return;
            }
            if (key != "Records") {
                continue;
            }
            od::value value;
            if ((err = field.value().get(value))) {
                ReportBroken(doc, data, base_offset, err);
                return;
            }
            od::json_type vt;
            if ((err = value.type().get(vt))) {
                ReportBroken(doc, data, base_offset, err);
                return;
            }
            if (vt != od::json_type::array) {
                Issue(base_offset, -1, "\"Records\" is not an array; not a CloudTrail log file");
                stats->input_unusable = true;
                return;
            }
            found_records = true;
            od::array arr;
            if ((err = value.get_array().get(arr))) {
                ReportBroken(doc, data, base_offset, err);
                return;
            }
            if (!ProcessEventArray(arr, doc, data, base_offset, false)) {
                return;
            }
        }
        if (found_records) {
            NoteTrailing(doc, data, base_offset, size);
            return;
        }
        // A single event.
        doc.rewind();
        if ((err = doc.get_object().get(top))) {
            ReportBroken(doc, data, base_offset, err);
            return;
        }
        if ((err = DeliverObject(top, true))) {
            ReportBroken(doc, data, base_offset, err);
            return;
        }
        NoteTrailing(doc, data, base_offset, size);
    }

    // Records where the current document ended if non-whitespace content follows it.
    void NoteTrailing(od::document& doc, const char* data, int64_t base_offset, size_t size) {
        const char* loc = nullptr;
        if (doc.current_location().get(loc) || loc == nullptr) {
            return;
        }
        auto at = static_cast<size_t>(loc - data);
        if (at < size) {
            trailing_offset = static_cast<size_t>(base_offset) + at;
        }
    }

    bool ProcessEventArray(od::array arr,
                           od::document& doc,
                           const char* data,
                           int64_t base_offset,
                           bool may_be_envelopes) {
        for (auto element : arr) {
            od::value value;
            auto err = element.get(value);
            od::json_type vt = od::json_type::null;
            if (!err) {
                err = value.type().get(vt);
            }
            if (err) {
                ReportBroken(doc, data, base_offset, err);
                return false;
            }
            if (vt != od::json_type::object) {
                Issue(Offset(doc, data, base_offset),
                      static_cast<int64_t>(record_index),
                      "record is not a JSON object; skipped");
                ++stats->events_skipped;
                ++record_index;
                continue;
            }
            od::object obj;
            if ((err = value.get_object().get(obj)) ||
                (err = DeliverObject(obj, may_be_envelopes))) {
                ReportBroken(doc, data, base_offset, err);
                return false;
            }
        }
        return true;
    }

    void ReportBroken(od::document& doc,
                      const char* data,
                      int64_t base_offset,
                      simdjson::error_code err) {
        Issue(Offset(doc, data, base_offset),
              static_cast<int64_t>(record_index),
              std::string("invalid JSON in record ") + std::to_string(record_index) + ": " +
                      simdjson::error_message(err) + "; the rest of this document is skipped");
        ++stats->events_skipped;
        ++record_index;
        stats->truncated = true;
    }

    // Detects JSON Lines: a first line that is a whole compact object followed by another line.
    static bool LooksLikeJsonLines(std::string_view text) {
        size_t start = 0;
        while (start < text.size() && IsSpace(text[start])) {
            ++start;
        }
        // Only the first megabyte is searched for the end of the first line, so a single-line
        // CloudTrail file is not scanned twice; longer first lines are caught after the fact
        // (ProcessText notices content after the first document).
        constexpr size_t kMaxFirstLine = 1 << 20;
        size_t nl = text.substr(0, start + kMaxFirstLine).find('\n', start);
        if (nl == std::string_view::npos) {
            return false;
        }
        std::string_view first = text.substr(start, nl - start);
        while (!first.empty() && IsSpace(first.back())) {
            first.remove_suffix(1);
        }
        if (first.size() < 2 || first.front() != '{' || first.back() != '}') {
            return false;
        }
        size_t next = nl;
        while (next < text.size() && IsSpace(text[next])) {
            ++next;
        }
        return next < text.size() && text[next] == '{';
    }

    // JSON Lines from `start`: every non-blank line is one document; issues name the line.
    void ProcessLines(size_t start, size_t size) {
        const char* data = text_buffer.data();
        size_t capacity = text_buffer.size();
        std::string_view text(data, size);
        size_t line_start = start;
        int64_t line_number = 1;
        for (size_t k = 0; k < start; ++k) {
            line_number += text[k] == '\n' ? 1 : 0;
        }
        while (line_start < text.size()) {
            size_t nl = text.find('\n', line_start);
            size_t line_end = nl == std::string_view::npos ? text.size() : nl;
            std::string_view line = text.substr(line_start, line_end - line_start);
            size_t issues_before = issues != nullptr ? issues->size() : 0;
            bool blank = true;
            for (char c : line) {
                if (!IsSpace(c)) {
                    blank = false;
                    break;
                }
            }
            if (!blank) {
                trailing_offset = 0;
                ProcessDocument(data + line_start,
                                line.size(),
                                capacity - line_start,
                                static_cast<int64_t>(line_start));
                if (trailing_offset != 0) {
                    Issue(static_cast<int64_t>(trailing_offset),
                          -1,
                          "content after the JSON value on this line; ignored");
                    trailing_offset = 0;
                }
                if (issues != nullptr) {
                    for (size_t k = issues_before; k < issues->size(); ++k) {
                        (*issues)[k].message =
                                "line " + std::to_string(line_number) + ": " + (*issues)[k].message;
                    }
                }
            }
            if (nl == std::string_view::npos) {
                break;
            }
            line_start = nl + 1;
            ++line_number;
        }
    }

    void ProcessText(size_t size) {
        const char* data = text_buffer.data();
        size_t capacity = text_buffer.size();
        std::string_view text(data, size);
        // Skip a UTF-8 byte order mark.
        size_t start = 0;
        if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
            start = 3;
        }
        while (start < text.size() && IsSpace(text[start])) {
            ++start;
        }
        if (start == text.size()) {
            Issue(-1, -1, "empty input: no events");
            stats->input_unusable = true;
            return;
        }
        char first = text[start];
        if (first != '{' && first != '[') {
            Issue(static_cast<int64_t>(start),
                  -1,
                  "not JSON (first byte is not '{' or '['): not a CloudTrail log, JSON Lines or "
                  "EventBridge event file");
            stats->input_unusable = true;
            return;
        }
        if (LooksLikeJsonLines(text.substr(start))) {
            ProcessLines(start, size);
            return;
        }
        size_t before_issues = issues != nullptr ? issues->size() : 0;
        uint64_t before_events = stats->events;
        trailing_offset = 0;
        ProcessDocument(data, size, capacity, 0);
        if (trailing_offset != 0) {
            // More documents follow the first: JSON Lines (or concatenated JSON) whose first line
            // was too long for LooksLikeJsonLines. Read the rest line by line.
            size_t from = trailing_offset;
            trailing_offset = 0;
            ProcessLines(from, size);
            return;
        }
        bool broken = issues != nullptr && issues->size() > before_issues && stats->truncated;
        if (broken && stats->events == before_events && first == '{') {
            // Nothing came out, typically because the text was cut mid-string (truncated gzip)
            // and the parser refused it whole. Retry on the prefix up to the last complete
            // object so the records before the cut are still read.
            size_t cut = LastCompleteObjectEnd(text);
            if (cut > 0 && cut < size) {
                uint64_t saved_index = record_index;
                record_index = 0;
                std::vector<ReadIssue>* saved_issues = issues;
                std::vector<ReadIssue> ignored;
                issues = &ignored;  // the first attempt already reported the damage
                ProcessDocument(data, cut, capacity, 0);
                issues = saved_issues;
                if (stats->events == before_events) {
                    record_index = saved_index;
                }
            }
        }
    }
};

EventReader::EventReader(const FieldPlan& plan, ReaderOptions options)
    : impl_(std::make_unique<Impl>(plan, options)) {}

EventReader::~EventReader() = default;

ReadStats EventReader::ReadBytes(std::string_view bytes,
                                 const EventCallback& on_event,
                                 std::vector<ReadIssue>* issues) {
    ReadStats stats;
    stats.bytes_in = bytes.size();
    Impl& impl = *impl_;
    impl.callback = &on_event;
    impl.issues = issues;
    impl.stats = &stats;
    impl.record_index = 0;
    size_t size = 0;
    if (LooksGzipped(bytes)) {
        size = impl.Gunzip(bytes);
    } else if (bytes.data() == impl.file_buffer.data() &&
               impl.file_buffer.size() >= bytes.size() + simdjson::SIMDJSON_PADDING) {
        // A plain file ReadFile just loaded: parse it in place instead of copying it.
        impl.text_buffer.swap(impl.file_buffer);
        size = bytes.size();
    } else {
        if (impl.text_buffer.size() < bytes.size() + simdjson::SIMDJSON_PADDING) {
            impl.text_buffer.resize(bytes.size() + simdjson::SIMDJSON_PADDING);
        }
        std::memcpy(impl.text_buffer.data(), bytes.data(), bytes.size());
        size = bytes.size();
    }
    stats.bytes_decoded = size;
    std::memset(impl.text_buffer.data() + size, 0, simdjson::SIMDJSON_PADDING);
    impl.ProcessText(size);
    if (stats.events == 0 && stats.events_skipped == 0 && !stats.input_unusable) {
        stats.input_unusable = true;
    }
    impl.callback = nullptr;
    impl.issues = nullptr;
    impl.stats = nullptr;
    return stats;
}

ReadStats EventReader::ReadFile(const std::string& path,
                                const EventCallback& on_event,
                                std::vector<ReadIssue>* issues) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        ReadStats stats;
        stats.input_unusable = true;
        if (issues != nullptr) {
            issues->push_back({-1, -1, std::string("cannot open: ") + std::strerror(errno)});
        }
        return stats;
    }
    ByteBuffer& buffer = impl_->file_buffer;
    size_t size = 0;
    bool read_error = false;
    while (true) {
        if (buffer.size() < size + 65536) {
            buffer.resize(std::max<size_t>(buffer.size() * 2, size + 65536));
        }
        size_t n = std::fread(buffer.data() + size, 1, buffer.size() - size, file);
        size += n;
        if (n == 0) {
            read_error = std::ferror(file) != 0;
            break;
        }
    }
    std::fclose(file);
    if (read_error) {
        ReadStats stats;
        stats.input_unusable = true;
        stats.bytes_in = size;
        if (issues != nullptr) {
            issues->push_back({static_cast<int64_t>(size), -1, "read error"});
        }
        return stats;
    }
    return ReadBytes(std::string_view(buffer.data(), size), on_event, issues);
}

}  // namespace firebreak::event
