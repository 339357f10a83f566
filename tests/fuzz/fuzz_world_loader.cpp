// fuzz_world_loader: the sandbox's world files on untrusted input.
//
// Input: a YAML world file (or, when it starts with '{', a persisted world JSON). Checks: nothing
// crashes; a world that loads without errors survives SerializeWorld -> ParseWorldJson unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "firebreak/sandbox/world.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace firebreak;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (!text.empty() && text[0] == '{') {
        auto world = sandbox::ParseWorldJson(text);
        if (world) {
            std::string again = sandbox::SerializeWorld(*world);
            auto reparsed = sandbox::ParseWorldJson(again);
            FIREBREAK_FUZZ_CHECK(reparsed.has_value(), "a serialized world does not parse");
            FIREBREAK_FUZZ_CHECK(sandbox::SerializeWorld(*reparsed) == again,
                                 "world JSON round trip changed it");
        }
        return 0;
    }
    Diagnostics diags;
    sandbox::World world = sandbox::LoadWorldYaml(text, "fuzz.yaml", &diags);
    if (diags.has_errors())
        return 0;
    std::string json = sandbox::SerializeWorld(world);
    auto reparsed = sandbox::ParseWorldJson(json);
    FIREBREAK_FUZZ_CHECK(reparsed.has_value(),
                         "a loaded world's JSON does not parse:\n" + json.substr(0, 2000));
    FIREBREAK_FUZZ_CHECK(sandbox::SerializeWorld(*reparsed) == json, "world round trip changed it");
    return 0;
}
